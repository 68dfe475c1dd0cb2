"""Sessions: which App instance serves which browser.

The signed session cookie (Starlette `SessionMiddleware`) carries only a random
htag session id; everything else stays server-side here. A class gives one App per
session, an instance is shared by all. Sessions expire when idle and are capped,
evicting the least recently used; every discard calls the App's `on_destroy` (an
`async` one runs as a task of the server's loop, awaited at shutdown).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.app import App
from ..core.context import current_request

if TYPE_CHECKING:
    from .connections import Connection

logger = logging.getLogger("htag")

REPLIES_KEPT = 256


@dataclass(eq=False, slots=True)
class Session:
    sid: str
    app: App
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    last_seen: float = field(default_factory=time.monotonic)
    connections: set[Connection] = field(default_factory=set)
    http: Connection | None = None  # the pure-HTTP fallback's queue, if in use
    # callback_id -> reply (None while running): a client that resends an event after
    # a lost connection gets the first reply again instead of running it twice. Two
    # generations of plain dicts: the newest REPLIES_KEPT to 2 * REPLIES_KEPT events are
    # remembered, with no eviction on every event once full. Kept as their JSON text: a
    # str is no work for the garbage collector, hundreds of dicts per session are (full
    # collections of tens of ms at 200 clicking sessions: a latency spike for every click).
    replies: dict[str, str | None] = field(default_factory=dict)
    older_replies: dict[str, str | None] = field(default_factory=dict)

    def first_time(self, callback_id: str) -> bool:
        """Whether this event is new (and remembers it, among at least the last REPLIES_KEPT)."""
        if callback_id in self.replies or callback_id in self.older_replies:
            return False
        if len(self.replies) >= REPLIES_KEPT:
            self.older_replies, self.replies = self.replies, {}
        self.replies[callback_id] = None
        return True

    def remember(self, callback_id: str, reply: str) -> None:
        """The reply to a new event, for a client that sends it again."""
        if callback_id in self.replies:
            self.replies[callback_id] = reply
        elif callback_id in self.older_replies:
            self.older_replies[callback_id] = reply

    def reply(self, callback_id: str) -> str | None:
        """The reply remembered for this event (None: unknown, or still running)."""
        found = self.replies.get(callback_id)
        return found if found is not None else self.older_replies.get(callback_id)


class SessionManager:
    def __init__(
        self,
        target: type[App] | App,
        on_instance: Callable[..., Any] | None = None,
        max_sessions: int = 1000,
        idle_timeout: float = 3600.0,
    ) -> None:
        if isinstance(target, App):
            self.shared: App | None = target
            self.factory: type[App] = type(target)
        elif isinstance(target, type) and issubclass(target, App):
            self.shared = None
            self.factory = target
        else:
            raise TypeError(f"WebApp needs an App subclass or instance, not {target!r}")
        self.on_instance = on_instance
        self.max_sessions = max_sessions
        self.idle_timeout = idle_timeout
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self._destroying: set[asyncio.Task[Any]] = set()  # async on_destroy still running

    def __len__(self) -> int:
        return len(self._sessions)

    def all(self) -> list[Session]:
        with self._lock:
            return list(self._sessions.values())

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            session = self._sessions.get(sid)
            if session is not None:
                session.last_seen = time.monotonic()
                self._sessions.move_to_end(sid)
            return session

    def create(self, request: Any) -> Session:
        app = self.shared if self.shared is not None else self._instantiate(request)
        session = Session(secrets.token_urlsafe(24), app)
        evicted: list[Session] = []
        with self._lock:
            self._sessions[session.sid] = session
            while len(self._sessions) > self.max_sessions:
                _, old = self._sessions.popitem(last=False)
                evicted.append(old)
        for old in evicted:
            logger.info("session %s evicted (cap of %d reached)", old.sid[:8], self.max_sessions)
            self._destroy(old)
        logger.info("session %s created (%d live)", session.sid[:8], len(self._sessions))
        return session

    def _instantiate(self, request: Any) -> App:
        # the App's init (and on_instance) read `self.request`, as in htag 2
        token = current_request.set(request)
        try:
            app = self.factory()
            if self.on_instance is not None:
                params = len(inspect.signature(self.on_instance).parameters)
                self.on_instance(app, request) if params >= 2 else self.on_instance(app)
        finally:
            current_request.reset(token)
        return app

    def discard(self, sid: str) -> None:
        with self._lock:
            session = self._sessions.pop(sid, None)
        if session is not None:
            logger.info("session %s discarded", sid[:8])
            self._destroy(session)

    def expire(self) -> int:
        """Discards sessions idle for longer than the timeout; returns how many."""
        limit = time.monotonic() - self.idle_timeout
        with self._lock:
            idle = [s for s in self._sessions.values() if s.last_seen < limit and not s.connections]
            for s in idle:
                del self._sessions[s.sid]
        for s in idle:
            logger.info("session %s expired", s.sid[:8])
            self._destroy(s)
        return len(idle)

    def shutdown(self) -> None:
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for s in sessions:
            self._destroy(s)
        if self.shared is not None:
            self._call_destroy(self.shared)

    def _destroy(self, session: Session) -> None:
        for conn in list(session.connections):
            conn.close()
        if self.shared is None:
            self._call_destroy(session.app)

    def _call_destroy(self, app: App) -> None:
        try:
            result = app.on_destroy()
        except Exception:
            logger.exception("on_destroy of %s failed", type(app).__name__)
            return
        if inspect.iscoroutine(result):
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no server loop (a plain script): run it here
                asyncio.run(self._await_destroy(app, result))
                return
            task = loop.create_task(self._await_destroy(app, result))
            self._destroying.add(task)  # the loop keeps tasks only weakly
            task.add_done_callback(self._destroying.discard)

    @staticmethod
    async def _await_destroy(app: App, coroutine: Any) -> None:
        try:
            await coroutine
        except Exception:
            logger.exception("on_destroy of %s failed", type(app).__name__)

    async def wait_destroyed(self, timeout: float = 10.0) -> None:
        """Waits for the async `on_destroy` hooks still running (at shutdown)."""
        if self._destroying:
            _, late = await asyncio.wait(list(self._destroying), timeout=timeout)
            for task in late:
                logger.warning("an async on_destroy did not finish within %.0f s: cancelled", timeout)
                task.cancel()
