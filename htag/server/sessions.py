"""Sessions: which App instance serves which browser.

The signed session cookie (Starlette `SessionMiddleware`) carries only a random
htag session id; everything else stays server-side here. A class gives one App per
session, an instance is shared by all. A page starts a pending session, established
when its client connects (see `SessionManager`). Sessions expire when idle and are
capped; every discard calls the App's `on_destroy` (an `async` one runs as a task of
the server's loop, awaited at shutdown).
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from ..core.app import App
from ..core.context import current_request
from .security import RateLimiter

if TYPE_CHECKING:
    from .connections import Connection

logger = logging.getLogger("htag")

REPLIES_KEPT = 256
REPLIES_BYTES = 256 * 1024  # per generation: a session remembers at most twice this
TOO_LARGE_TO_RESEND = (
    '{"action":"error","message":"the reply to this event was too large to keep","callback_id":'
)


@dataclass(eq=False, slots=True)
class Session:
    sid: str
    app: App
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    last_seen: float = field(default_factory=time.monotonic)
    created: float = field(default_factory=time.monotonic)
    connections: set[Connection] = field(default_factory=set)
    http: Connection | None = None  # the pure-HTTP fallback's queue, if in use
    # callback_id -> reply (None while running): a client that resends an event after
    # a lost connection gets the first reply again instead of running it twice. Two
    # generations of plain dicts: the newest REPLIES_KEPT to 2 * REPLIES_KEPT events are
    # remembered, with no eviction on every event once full. Kept as their JSON text: a
    # str is no work for the garbage collector, hundreds of dicts per session are (full
    # collections of tens of ms at 200 clicking sessions: a latency spike for every click).
    # The newest generation is bounded in bytes too (REPLIES_BYTES): a reply too large
    # for it is remembered as an error frame saying so.
    replies: dict[str, str | None] = field(default_factory=dict)
    older_replies: dict[str, str | None] = field(default_factory=dict)
    replies_size: int = 0  # bytes of the newest generation (ids and replies)
    limiter: RateLimiter | None = None  # made at the first message: a page never connected needs none
    uploads: dict[str, Any] = field(default_factory=dict)  # upload id -> its uploads.Transfer

    def first_time(self, callback_id: str) -> bool:
        """Whether this event is new (and remembers it, among at least the last REPLIES_KEPT)."""
        if callback_id in self.replies or callback_id in self.older_replies:
            return False
        if len(self.replies) >= REPLIES_KEPT or self.replies_size >= REPLIES_BYTES:
            self.older_replies, self.replies, self.replies_size = self.replies, {}, 0
        self.replies[callback_id] = None
        self.replies_size += len(callback_id)
        return True

    def remember(self, callback_id: str, reply: str) -> None:
        """The reply to a new event, for a client that sends it again."""
        if len(reply) > REPLIES_BYTES // 4:
            reply = f"{TOO_LARGE_TO_RESEND}{orjson.dumps(callback_id).decode()}}}"
        if callback_id in self.replies:
            self.replies[callback_id] = reply
            self.replies_size += len(reply)
        elif callback_id in self.older_replies:
            self.older_replies[callback_id] = reply

    def reply(self, callback_id: str) -> str | None:
        """The reply remembered for this event (None: unknown, or still running)."""
        found = self.replies.get(callback_id)
        return found if found is not None else self.older_replies.get(callback_id)


GOING_AWAY = 1001  # the WebSocket close code of a server that stops (RFC 6455)
SERVICE_RESTART = 1012  # ... of a drained process that restarts: its clients reload elsewhere


class SessionsFull(Exception):
    """No room for another session: the cap is reached and every session is connected."""


class SessionsClosed(SessionsFull):
    """The server is stopping: its sessions are gone and no new one is made."""


class SessionsDraining(SessionsClosed):
    """The server is draining before a restart: its sessions go on, no new one is made."""


class SessionManager:
    """Sessions live in two places. A page served to a browser without a session gets a
    *pending* one (its App rendered the page): capped on its own and expiring quickly,
    the oldest evicted first, so that page loads by bots or attackers cost little and
    never push out a user. When the page's client connects, its session becomes
    *established*: capped by `max_sessions`, expiring when idle, and when the cap is
    reached only a session without an open connection is evicted for a new one."""

    def __init__(
        self,
        target: type[App] | App,
        on_instance: Callable[..., Any] | None = None,
        max_sessions: int = 5000,
        idle_timeout: float = 3600.0,
        max_pending: int = 1000,
        pending_timeout: float = 30.0,
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
        self.max_pending = max_pending
        self.pending_timeout = min(pending_timeout, idle_timeout)
        self._sessions: OrderedDict[str, Session] = OrderedDict()  # established, LRU first
        self._pending: OrderedDict[str, Session] = OrderedDict()  # oldest first
        self._lock = threading.Lock()
        self._destroying: set[asyncio.Task[Any]] = set()  # async on_destroy still running
        self.closed = False  # shut down: no new session
        self.draining = False  # about to restart: no new session, the existing ones go on
        # called for each discarded session, so that the web layer lets go of its App at once
        self.on_discard: Callable[[Session], None] | None = None

    def __len__(self) -> int:
        return len(self._sessions) + len(self._pending)

    def counts(self) -> dict[str, int]:
        """How many sessions are pending and established."""
        return {"pending": len(self._pending), "established": len(self._sessions)}

    def full(self) -> bool:
        """Whether a new page would be refused (every established session is connected)."""
        with self._lock:
            return len(self._sessions) >= self.max_sessions and self._idle_lru() is None

    def all(self) -> list[Session]:
        with self._lock:
            return [*self._sessions.values(), *self._pending.values()]

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            session = self._sessions.get(sid)
            if session is not None:
                session.last_seen = time.monotonic()
                self._sessions.move_to_end(sid)
            else:
                session = self._pending.get(sid)
            return session

    def create(self, request: Any) -> Session:
        """A pending session for a page; SessionsFull when it could never connect
        (SessionsClosed once shut down, SessionsDraining while draining)."""
        with self._lock:
            if self.closed:
                raise SessionsClosed
            if self.draining:
                raise SessionsDraining
            if len(self._sessions) >= self.max_sessions and self._idle_lru() is None:
                raise SessionsFull
        app = self.shared if self.shared is not None else self._instantiate(request)
        session = Session(secrets.token_urlsafe(24), app)
        evicted: list[Session] = []
        with self._lock:
            self._pending[session.sid] = session
            while len(self._pending) > self.max_pending:
                evicted.append(self._pending.popitem(last=False)[1])
        for old in evicted:
            logger.info(
                "page of session %s evicted before it connected (cap of %d)", old.sid[:8], self.max_pending
            )
            self._destroy(old)
        logger.info("session %s created (%d pending)", session.sid[:8], len(self._pending))
        return session

    def establish(self, session: Session) -> bool:
        """A connection arrives for `session`: a pending one becomes established. False
        if it is no longer known (expired, evicted); SessionsFull when there is no room."""
        evicted = None
        with self._lock:
            if self.closed:
                raise SessionsClosed
            if session.sid in self._sessions:
                return True
            if self._pending.get(session.sid) is not session:
                return False
            if len(self._sessions) >= self.max_sessions:
                evicted = self._idle_lru()
                if evicted is None:
                    raise SessionsFull
                del self._sessions[evicted.sid]
            del self._pending[session.sid]
            session.last_seen = time.monotonic()
            self._sessions[session.sid] = session
        if evicted is not None:
            logger.info("session %s evicted (cap of %d reached)", evicted.sid[:8], self.max_sessions)
            self._destroy(evicted)
        logger.info("session %s established (%d live)", session.sid[:8], len(self._sessions))
        return True

    def _idle_lru(self) -> Session | None:
        """The least recently used established session without an open connection."""
        return next((s for s in self._sessions.values() if not s.connections), None)

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
            session = self._sessions.pop(sid, None) or self._pending.pop(sid, None)
        if session is not None:
            logger.info("session %s discarded", sid[:8])
            self._destroy(session)

    def expire(self) -> int:
        """Discards sessions idle for longer than the timeout, and pages whose client did
        not connect in time; returns how many."""
        now = time.monotonic()
        with self._lock:
            idle = [
                s
                for s in self._sessions.values()
                if s.last_seen < now - self.idle_timeout and not s.connections
            ]
            for s in idle:
                del self._sessions[s.sid]
            # oldest first: stop at the first one still in time
            unconnected = list(
                itertools.takewhile(lambda s: s.created < now - self.pending_timeout, self._pending.values())
            )
            for s in unconnected:
                del self._pending[s.sid]
        for s in idle:
            logger.info("session %s expired", s.sid[:8])
            self._destroy(s)
        for s in unconnected:
            logger.info("session %s expired: its page never connected", s.sid[:8])
            self._destroy(s)
        return len(idle) + len(unconnected)

    def shutdown(self, code: int = GOING_AWAY) -> None:
        """At server stop, once: every session is discarded (its connections closed with
        `code`, its App's `on_destroy` called) and no new one is made."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            sessions = [*self._sessions.values(), *self._pending.values()]
            self._sessions.clear()
            self._pending.clear()
        for s in sessions:
            self._destroy(s, code)
        if self.shared is not None:
            self._call_destroy(self.shared)

    def _destroy(self, session: Session, code: int = 1000) -> None:
        for conn in list(session.connections):
            conn.close(code)
        if self.shared is None:
            if self.on_discard is not None:
                self.on_discard(session)
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
