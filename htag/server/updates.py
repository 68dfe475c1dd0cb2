"""The thread-safe update queue of one App.

Any thread may change the tree or a State: the App calls `notify` (through its
notifier), which hops onto the event loop with `call_soon_threadsafe`, coalesces
changes for `throttle` seconds, then sends one frame to every connection of the App.
The generators and coroutines that lifecycle hooks return hop onto the loop the same
way, to `on_hook`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .codec import encode

if TYPE_CHECKING:
    from ..core.app import App
    from ..core.frames import Frame
    from .connections import Connection

logger = logging.getLogger("htag")


class Updater:
    __slots__ = ("_armed", "_pending", "app", "connections", "loop", "on_hook", "throttle")

    def __init__(self, app: App, loop: asyncio.AbstractEventLoop, throttle: float = 0.05) -> None:
        self.app = app
        self.loop = loop
        self.throttle = throttle
        # runs what a lifecycle hook returned (event-loop thread); set by the protocol
        # engine, which then hands `run_hook` to the App
        self.on_hook: Callable[[Any], None] | None = None
        self.connections: set[Connection] = set()
        self._pending: asyncio.TimerHandle | asyncio.Handle | None = None
        # a wake-up is already on its way to the loop: a plain flag (a threading.Event costs
        # a Condition and a lock per App). Two threads may both see it unset and both send
        # a wake-up: _arm() takes the first and ignores the second.
        self._armed = False
        app._set_notifier(self.notify)

    def notify(self, throttle: float | None = None) -> None:
        """Called from any thread when the App has something new."""
        if self._armed and throttle != 0:
            return
        self._armed = True
        delay = self.throttle if throttle is None else throttle
        try:
            self.loop.call_soon_threadsafe(self._arm, delay)
        except RuntimeError:  # loop closed: the server is going away
            pass

    def run_hook(self, item: Any) -> None:
        """Called from any thread with what a lifecycle hook returned: runs it on the loop
        (after the callback in progress, if any)."""
        try:
            self.loop.call_soon_threadsafe(self.on_hook, item)  # type: ignore[arg-type]
        except RuntimeError:  # loop closed: the server is going away, and the hook with it
            if not inspect.isasyncgen(item):
                item.close()  # no "never awaited" warning

    def _arm(self, delay: float) -> None:
        if self._pending is not None:
            if delay > 0:
                return
            self._pending.cancel()
        if delay > 0:
            self._pending = self.loop.call_later(delay, self.flush)
        else:
            self._pending = self.loop.call_soon(self.flush)

    def flush(self) -> None:
        """Sends whatever changed to every connection (event-loop thread)."""
        self._pending = None
        self._armed = False
        try:
            frame = self.app.next_frame()
        except Exception:
            logger.exception("rendering an update of %s failed", type(self.app).__name__)
            return
        if frame is not None:
            self.broadcast(frame)

    def broadcast(self, frame: Frame, exclude: Connection | None = None) -> None:
        targets = [conn for conn in self.connections if conn is not exclude]
        # encoded once, not once per connection (a shared App: every user)
        message: Frame | str = encode(frame) if len(targets) > 1 else frame
        for conn in targets:
            conn.push(message)

    def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        self.app._set_notifier(None)
        self.app._set_hook_runner(None)
