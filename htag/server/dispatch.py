"""Event dispatch: from a client message to a Python callback and back to frames.

Validation happens first (shape, known tag, known handler); then the client's
`value`/`checked` are written to the target without re-rendering it; then the
callback runs, whatever its kind (sync, async, generator, async generator), each
`yield` producing an intermediate frame. Every failure becomes an `error` frame for
that message only: the connection and the session go on.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import traceback
from collections.abc import Callable, Coroutine
from time import perf_counter
from types import AsyncGeneratorType, CoroutineType, GeneratorType
from typing import Any

from .._core import F_FORM  # set in Rust on the tags of FORM_CONTROLS
from ..core.app import App
from ..core.errors import HtagError, HtagEventError
from ..core.events import Event
from ..core.frames import Frame, error_frame
from ..core.tag import GTag
from .callbacks import Lane, Placement, Speeds, names_the_loop, needs_the_loop, run_in_thread

logger = logging.getLogger("htag")

Send = Callable[[Frame], None]

SYNC_EVENT = "htag:sync"
LANE = "_htag_lane"  # an App's Lane, kept on the App (lives and dies with it)


class BadMessage(HtagError, ValueError):
    """A client message htag refuses (shape, unknown tag or event)."""


def is_callback_id(value: Any) -> bool:
    """Whether `value` may be a callback id: 1 to 64 printable ASCII characters but the
    space (`[!-~]{1,64}`; string methods, 4x cheaper than the regex on every event). The
    client's are ~13 characters of base 36; the server keeps the latest ones
    (Session.replies), so a long one would cost memory."""
    return (
        type(value) is str
        and 0 < len(value) <= 64
        and value.isascii()
        and value.isprintable()
        and " " not in value
    )


def callback_id_of(message: Any) -> str | None:
    """The callback id a client's message carries, if it is a valid one (so that a
    refusal can answer it)."""
    data = message.get("data") if isinstance(message, dict) else None
    callback_id = data.get("callback_id") if isinstance(data, dict) else None
    return callback_id if is_callback_id(callback_id) else None


def parse_event(message: Any, callback_id: str | None) -> tuple[str, str, Any]:
    """(tag id, event name, data) of a well-formed event message; `callback_id`: what
    `callback_id_of(message)` read."""
    if not isinstance(message, dict):
        raise BadMessage("a message must be a JSON object")
    tag_id, name, data = message.get("id"), message.get("event"), message.get("data")
    if callback_id is None and isinstance(data, dict) and data.get("callback_id") is not None:
        raise BadMessage("callback_id must be 1 to 64 printable ASCII characters")
    if not isinstance(tag_id, str) or not tag_id or len(tag_id) > 200:
        raise BadMessage("'id' must be a non-empty string")
    if not isinstance(name, str) or not name or len(name) > 100:
        raise BadMessage("'event' must be a non-empty string")
    return tag_id, name, data


def sync_from_client(tag: GTag, data: Any) -> None:
    """Writes what the user typed/checked to a form control (the caller checks that
    `tag` is one), without re-rendering it."""
    if not isinstance(data, dict):
        return
    value = data.get("value")
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        tag._set_attr("value", str(value))
    checked = data.get("checked")
    if isinstance(checked, bool):
        tag._set_attr("checked", checked)


class Dispatcher:
    """Runs events. `callback_timeout`: seconds a sync callback run in a thread may take
    before its event is answered with an error (None: no limit); `sync_callbacks`: where a
    plain sync callback runs (see `callbacks`)."""

    def __init__(
        self, debug: bool, callback_timeout: float | None = None, sync_callbacks: Placement = "adaptive"
    ) -> None:
        self.debug = debug
        self.callback_timeout = callback_timeout
        self.speeds = Speeds(placement=sync_callbacks)

    def lane(self, app: App) -> Lane:
        """The App's lane (see `callbacks.Lane`), made at its first use."""
        lane: Lane | None = app.__dict__.get(LANE)
        if lane is None:
            lane = app.__dict__[LANE] = Lane()
        return lane

    def failure(self, exc: BaseException, callback_id: str | None, what: str) -> Frame:
        logger.error("%s failed", what, exc_info=exc)
        if self.debug:
            tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            return error_frame(f"{type(exc).__name__}: {exc}", callback_id, tb)
        return error_frame("An internal error occurred.", callback_id)

    async def handle(self, app: App, message: Any, send: Send) -> None:
        """Runs one event; `send` receives intermediate frames and the final reply."""
        rest = self.start(app, message, send, callback_id_of(message))
        if rest is not None:
            await rest

    def start(
        self, app: App, message: Any, send: Send, callback_id: str | None
    ) -> Coroutine[Any, Any, None] | None:
        """Runs one event as far as it goes without waiting: checks, the callback, and
        for a plain sync callback the reply too (returns None). A callback that returned
        a coroutine or a generator is not awaited here: the coroutine that finishes it
        is returned, for the caller to run as a task, so that a slow callback never holds
        up the next message (a "cancel" button). `callback_id`: `callback_id_of(message)`."""
        try:
            tag_id, name, data = parse_event(message, callback_id)
        except BadMessage as e:
            logger.warning("refused a message: %s", e)
            send(error_frame(f"bad message: {e}", callback_id))
            return None
        tag = app._engine.find(tag_id)
        if tag is None:
            logger.warning("event %r for unknown tag %r refused", name, tag_id)
            send(error_frame(f"unknown tag {tag_id!r}", callback_id))
            return None
        if tag._flags & F_FORM:  # a form control (an int flag: no tag name made as a str)
            with app._lock:
                sync_from_client(tag, data)
        if name == SYNC_EVENT:
            if callback_id is not None:
                send(self.reply(app, callback_id, None))
            return None
        handler = tag._event_handler(name)
        if handler is None:
            logger.warning("no %r handler on %r: refused", name, tag)
            send(error_frame(f"no {name!r} handler on {tag_id!r}", callback_id))
            return None
        event = Event(tag, name, data)
        lane: Lane | None = app.__dict__.get(LANE)
        if (lane is not None and lane.busy) or not self.speeds.inline(handler):
            lane = self.lane(app)
            lane.pending += 1  # now, not when the task starts: later messages queue behind
            return self._in_thread(app, lane, handler, event, callback_id, _what(name, tag_id), send)
        engine = app._engine
        result = None
        try:
            engine.hush()  # the reply below carries what the callback changes
            started = perf_counter()
            try:
                result = handler(event)
            finally:
                engine.unhush(type(result) not in RUNS_LATER)  # reply_follows
                if (seconds := perf_counter() - started) >= self.speeds.slow:  # a quick run teaches nothing
                    self.speeds.ran(handler, seconds, inline=True)
            if type(result) not in RUNS_LATER:  # the usual case: the reply at once
                send(self.reply(app, callback_id, result))
                return None
            return self._settle(app, handler, result, callback_id, _what(name, tag_id), send)
        except Exception as e:  # noqa: BLE001 - a failing callback never ends the session
            self._failed(app, e, callback_id, _what(name, tag_id), send)
            return None

    def _settle(
        self,
        app: App,
        handler: Callable[..., Any],
        result: Any,
        callback_id: str | None,
        what: str,
        send: Send,
    ) -> Coroutine[Any, Any, None] | None:
        """Replies to a callback that returned, or returns what finishes it (a coroutine
        or a generator it returned)."""
        if inspect.iscoroutine(result):
            if not _is_async(handler):
                result.close()
                raise HtagEventError(
                    f"{_name(handler)} is a sync callback that returned a coroutine: make it `async def`"
                )
            return self._finish(app, result, callback_id, what, send)
        if inspect.isgenerator(result) or inspect.isasyncgen(result):
            return self._finish(
                app, run_generator(app, result, send, self.lane(app)), callback_id, what, send
            )
        send(self.reply(app, callback_id, result))
        return None

    async def _in_thread(
        self, app: App, lane: Lane, handler: Callable[..., Any], event: Event, callback_id: str | None,
        what: str, send: Send,
    ) -> None:  # fmt: skip
        """A sync callback in a thread of its own, so the loop goes on serving. Changes
        it makes reach the clients as they happen (through the App's notifier); the
        reply carries the rest. Past `callback_timeout` the event is answered with an
        error; the thread cannot be stopped and goes on, and the App refuses events
        until it ends (its tree may be half-changed)."""
        try:
            async with lane.lock:
                if lane.overdue is not None:
                    send(error_frame(f"refused: {lane.overdue} is still running (it timed out)", callback_id))
                    return
                running = run_in_thread(handler, event)
                try:
                    result, seconds = await asyncio.wait_for(asyncio.shield(running), self.callback_timeout)
                except asyncio.TimeoutError:
                    self._overdue(app, lane, running, what, callback_id, send)
                    return
                except RuntimeError as e:
                    if needs_the_loop(e):
                        self.speeds.keep_inline(handler)
                    raise
                self.speeds.ran(handler, seconds, inline=False)
                rest = self._settle(app, handler, result, callback_id, what, send)
            if rest is not None:
                await rest
        except Exception as e:  # noqa: BLE001 - a failing callback never ends the session
            self._failed(app, e, callback_id, what, send)
        finally:
            lane.pending -= 1

    def _overdue(
        self,
        app: App,
        lane: Lane,
        running: asyncio.Future[Any],
        what: str,
        callback_id: str | None,
        send: Send,
    ) -> None:
        logger.error(
            "%s still running after %g s: answered with an error; its thread goes on and the "
            "session's events are refused until it ends",
            what,
            self.callback_timeout,
        )
        lane.overdue = what
        send(error_frame(f"{what} timed out after {self.callback_timeout:g} s", callback_id))

        def ended(done: asyncio.Future[Any]) -> None:
            lane.overdue = None
            error = None if done.cancelled() else done.exception()
            if error is not None:
                logger.error("%s failed after it timed out", what, exc_info=error)
            else:
                logger.warning("%s ended after it timed out", what)
            app._engine.schedule()  # what it changed since reaches the clients

        running.add_done_callback(ended)

    async def _finish(self, app: App, pending: Any, callback_id: str | None, what: str, send: Send) -> None:
        started = perf_counter()
        try:
            result = await pending
        except Exception as e:  # noqa: BLE001 - a failing callback never ends the session
            self._failed(app, e, callback_id, what, send)
            return
        send(self.reply(app, callback_id, result))
        logger.debug("%s (async) and its reply took %.2f ms", what, (perf_counter() - started) * 1000)

    def _failed(self, app: App, exc: BaseException, callback_id: str | None, what: str, send: Send) -> None:
        failure = self.failure(exc, callback_id, what)
        update = self.reply(app, None, None)  # what the callback changed before failing
        if len(update) > 1:
            send(update)
        send(failure)

    def reply(self, app: App, callback_id: str | None, result: Any) -> Frame:
        """What changed plus the result. A render that fails still answers (with an
        error frame), so the client's Promise always settles."""
        try:
            frame = app._engine.next_frame() or {"action": "update"}
        except Exception as e:  # noqa: BLE001 - a reactive part raised while rendering
            return self.failure(e, callback_id, "rendering the update")
        if callback_id is not None:
            frame["callback_id"] = callback_id
            frame["result"] = result
        return frame


async def run_generator(app: App, gen: Any, send: Send, lane: Lane | None = None) -> Any:
    """Each `yield` sends the UI state reached so far; a generator's `return` value is
    the result (the reply's `result`, as in htag 2; an async generator returns none).
    With the App's `lane`, each step of a sync generator runs in a thread, in the lane's
    order (a step may block: the progress pattern `time.sleep(...); yield`), unless its
    code uses the event loop."""
    if inspect.isasyncgen(gen):
        async for _ in gen:
            _flush(app, send)
        return None
    threaded = lane is not None and not names_the_loop(gen.gi_code)
    while not isinstance(item := await _step_in_thread(gen, lane) if threaded else _step(gen), _Returned):
        if inspect.isawaitable(item):
            await item
        _flush(app, send)
    return item.value


class _Returned:
    """The end of a generator and its `return` value (StopIteration cannot cross a Future)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _step(gen: Any) -> Any:
    try:
        return next(gen)
    except StopIteration as done:
        return _Returned(done.value)


async def _step_in_thread(gen: Any, lane: Any) -> Any:
    lane.pending += 1  # the App's sync callbacks wait for this step
    try:
        async with lane.lock:
            item, _seconds = await run_in_thread(_step, gen)
            return item
    finally:
        lane.pending -= 1


async def run_lifecycle(app: App, item: Any, send: Send, dispatcher: Dispatcher) -> None:
    """A generator/coroutine returned by on_mount/on_unmount, run once a client is there."""
    try:
        if inspect.iscoroutine(item):
            await item
        else:
            await run_generator(app, item, send, dispatcher.lane(app))
    except Exception as e:  # noqa: BLE001
        send(dispatcher.failure(e, None, "lifecycle hook"))
    _flush(app, send)


def _flush(app: App, send: Send) -> None:
    frame = app.next_frame()
    if frame is not None:
        send(frame)


# what a callback returns that still has to run (these types cannot be subclassed: a
# type test is exact, and cheaper than three `inspect` calls on every event)
RUNS_LATER = frozenset({CoroutineType, GeneratorType, AsyncGeneratorType})


def _what(name: str, tag_id: str) -> str:
    """How logs and errors name an event's callback."""
    return f"{name} callback on {tag_id}"


def _is_async(func: Callable[..., Any]) -> bool:
    target = getattr(func, "__func__", func)
    return inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(
        getattr(target, "__wrapped__", None)
    )


def _name(func: Callable[..., Any]) -> str:
    return getattr(func, "__qualname__", repr(func))
