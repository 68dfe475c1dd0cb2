"""Where a plain sync callback runs: inline on the event loop, or in a thread of its own.

Inline is what makes a click fast: no hand-off, ~15-20 µs of Python for a whole Counter
click (`benches/click_path.py`), where a hand-off to a thread and back costs 12 µs at
best and ~130-200 µs through asyncio on a busy machine. But a callback that blocks
(`time.sleep`, a slow query) inline freezes every session of the worker, page loads
included. A running callback cannot be moved nor stopped, so the choice is made
before it starts, per callback *function* (its code object: the lambdas a loop makes
share one): a function runs in a thread until it has finished quickly `TRUSTED`
times in a row, then inline; a run slower than `SLOW` (inline or not) sends it back to
threads until it has been quick again; three slow runs within ten minutes keep it there
until they are that old. Inline always: async functions and generators (their call returns
at once; the loop runs the rest), and functions that name the event loop's API
(`asyncio.ensure_future(...)`, `create_task`, ...: only the loop's thread may call
it). A function whose thread run failed for want of a running loop (it called one
of those through a helper) runs inline from then on.

`WebApp(sync_callbacks=...)` chooses: "adaptive" (the above, the default), "thread" (every plain
sync callback in a thread: for apps whose callbacks may block at any time, at ~0.1-0.2 ms a click),
or "inline" (every one on the loop: the fastest, for apps whose callbacks never block).

`Lane`: the thread-run callbacks of one App go one at a time, in arrival order, and
an inline one never overtakes them.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import threading
import time
from collections.abc import Callable
from types import FunctionType, MethodType
from typing import Any, Literal

logger = logging.getLogger("htag")

SLOW = 0.02  # seconds: a callback slower than this would hold up every other session
TRUSTED = 3  # quick runs in a row (in a thread) before a function runs inline
STRIKES = 3  # slow runs within STRIKE_WINDOW after which a function stays in threads
STRIKE_WINDOW = 600.0  # seconds a slow run counts against a function

Placement = Literal["adaptive", "thread", "inline"]
PLACEMENTS: tuple[Placement, ...] = ("adaptive", "thread", "inline")

# a call of such a function returns at once (a coroutine or a generator): inline
_RETURNS_AT_ONCE = inspect.CO_COROUTINE | inspect.CO_GENERATOR | inspect.CO_ASYNC_GENERATOR
# names of the event loop's API that only the loop's thread may call
_LOOP_API = frozenset(
    (
        "ensure_future",
        "create_task",
        "get_running_loop",
        "get_event_loop",
        "call_soon",
        "call_later",
        "call_at",
    )
)


def needs_the_loop(error: BaseException) -> bool:
    """Whether a callback failed in a thread because it used the event loop's API."""
    return isinstance(error, RuntimeError) and "event loop" in str(error)


def names_the_loop(code: Any) -> bool:
    """Whether a function's code calls the event loop's API (it must run on the loop)."""
    return not _LOOP_API.isdisjoint(code.co_names)


def _inline_by_nature(code: Any) -> bool:
    return bool(code.co_flags & _RETURNS_AT_ONCE) or names_the_loop(code)


def code_of(func: Callable[..., Any]) -> Any:
    """The code object behind a callback (bound method, partial, decorated function), or None."""
    kind = type(func)
    if kind is MethodType and type(func.__func__) is FunctionType:  # type: ignore[attr-defined]
        return func.__func__.__code__  # type: ignore[attr-defined]  # the usual case, fast
    if kind is FunctionType and not hasattr(func, "__wrapped__"):
        return func.__code__  # type: ignore[attr-defined]
    for _ in range(8):
        if isinstance(func, functools.partial):
            func = func.func
            continue
        inner = getattr(func, "__func__", None) or getattr(func, "__wrapped__", None)
        if inner is None:
            break
        func = inner
    return getattr(func, "__code__", None)


class Speeds:
    """What each callback function has shown of its speed, and so where it runs.

    Per code object: the quick runs in a row it has made (inline from `trusted` on) and
    the times of its slow runs (strikes). A slow run starts the count again; while it has
    `STRIKES` slow runs within `window` seconds it stays in threads. (Strikes expire: a
    quick function that a loaded machine or a garbage collection paused a few times over
    days must not lose the fast path for good; one that blocks often keeps its strikes.)
    Only slow runs and thread runs are reported (`ran`): a quick inline run costs nothing.
    `placement` "thread" or "inline" fixes where every plain sync function runs instead."""

    def __init__(
        self,
        slow: float = SLOW,
        trusted: int = TRUSTED,
        window: float = STRIKE_WINDOW,
        clock: Callable[[], float] = time.monotonic,
        placement: Placement = "adaptive",
    ) -> None:
        if placement not in PLACEMENTS:
            raise ValueError(f"sync_callbacks must be one of {', '.join(PLACEMENTS)}, not {placement!r}")
        self.placement = placement
        self.slow = slow
        self.trusted = trusted
        self.window = window
        self._clock = clock
        self._quick_runs: dict[Any, int] = {}  # code -> quick runs in a row
        self._strikes: dict[Any, list[float]] = {}  # code -> times of its latest slow runs

    def inline(self, func: Callable[..., Any]) -> bool:
        if self.placement == "inline":
            return True
        if type(func) is MethodType and type(func.__func__) is FunctionType:  # type: ignore[attr-defined]
            code = func.__func__.__code__  # type: ignore[attr-defined]  # `code_of`'s usual case, inlined: every event
        else:
            code = code_of(func)
            if code is None:  # a callable object: nothing to learn from, a thread is safe
                return False
        runs = self._quick_runs.get(code)
        if runs is None:
            runs = self._quick_runs[code] = self.trusted if _inline_by_nature(code) else 0
        return runs >= self.trusted

    def keep_inline(self, func: Callable[..., Any]) -> None:
        """It needs the event loop's thread (see `needs_the_loop`)."""
        code = code_of(func)
        if code is not None:
            logger.warning(
                "callback %s uses the event loop from a sync function: it runs on the loop from now "
                "on (make it `async def` to avoid this)",
                getattr(func, "__qualname__", func),
            )
            self._quick_runs[code] = self.trusted

    def ran(self, func: Callable[..., Any], seconds: float, inline: bool) -> None:
        code = code_of(func)
        if code is None:
            return
        if self.placement != "adaptive":  # nothing to learn: "thread" keeps only what needs the loop inline
            if inline and seconds >= self.slow:
                logger.warning(
                    "callback %s blocked the server for %.3f s (sync_callbacks=%r)",
                    getattr(func, "__qualname__", func),
                    seconds,
                    self.placement,
                )
            return
        now = self._clock()
        strikes = [t for t in self._strikes.get(code, ()) if now - t < self.window]
        if seconds >= self.slow:
            strikes = self._strikes[code] = [*strikes[-(STRIKES - 1) :], now]
            if inline:
                logger.warning(
                    "callback %s blocked the server for %.3f s: it runs in a thread until it is quick again%s",
                    getattr(func, "__qualname__", func),
                    seconds,
                    f" ({STRIKES} slow runs: for {self.window:g} s at least)"
                    if len(strikes) >= STRIKES
                    else "",
                )
            self._quick_runs[code] = 0
        elif len(strikes) < STRIKES:
            runs = self._quick_runs.get(code, 0)
            if runs < self.trusted:
                self._quick_runs[code] = runs + 1


class Lane:
    """The thread-run sync callbacks of one App: one at a time, in arrival order.

    `pending` counts those accepted and not finished (counted when the message arrives,
    so that an inline callback of a later message waits its turn behind them).
    `overdue` names a callback that timed out and still runs in its thread: while it
    does, the App's events are refused (the App is in the middle of a change)."""

    __slots__ = ("lock", "overdue", "pending")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()  # FIFO: waiters get it in arrival order
        self.pending = 0
        self.overdue: str | None = None

    @property
    def busy(self) -> bool:
        return self.pending > 0 or self.overdue is not None


def run_in_thread(func: Callable[[Any], Any], arg: Any) -> asyncio.Future[tuple[Any, float]]:
    """`func(arg)` in a new daemon thread; the future gets (result, seconds it took).

    A thread per call, not a pool: a pool's threads are joined at interpreter exit, so a
    callback that never returns would hold the process forever, and the slow path is
    slow anyway (a thread costs ~0.1 ms to start, against a callback of 20 ms or more).
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[tuple[Any, float]] = loop.create_future()
    context = contextvars.copy_context()

    def settle(error: BaseException | None, value: Any, seconds: float) -> None:
        if future.done():  # cancelled: nobody waits for it any more
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result((value, seconds))

    def work() -> None:
        started = time.perf_counter()
        error: BaseException | None = None
        value = None
        try:
            value = context.run(func, arg)
        except BaseException as e:  # noqa: BLE001 - handed to the loop as the future's exception
            error = e
        try:
            loop.call_soon_threadsafe(settle, error, value, time.perf_counter() - started)
        except RuntimeError:  # the loop is closed: the server has stopped
            pass

    threading.Thread(target=work, name="htag-callback", daemon=True).start()
    return future
