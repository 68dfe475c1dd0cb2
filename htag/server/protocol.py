"""The protocol engine: what the server does with a connection and its messages,
whatever the transport (WebSocket, SSE + POST, HTTP polling) and without Starlette.

A new connection joins its session's `Updater`; its first frame is an update with
the body, or an empty one when the page it came from is already current. A message is routed by its `action`: `ping`
is answered, `log_error` logged (rate-limited), an event is run once (a resent
callback id gets the first reply again) by the `Dispatcher`; the reply goes to the
sender, and what changed goes to the session's other connections too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from ..core.app import App
from ..core.files import DOWNLOAD_OFFER
from ..core.frames import Frame, error_frame, update_frame
from .codec import encode
from .connections import Connection
from .dispatch import Dispatcher, callback_id_of, run_lifecycle
from .metrics import METRICS
from .security import RateLimiter
from .sessions import Session
from .updates import Updater
from .uploads import UPLOAD_ACTIONS, UploadReceiver

logger = logging.getLogger("htag")

ACTIONS = frozenset({"event", "ping", "poll", "log_error", *UPLOAD_ACTIONS})  # or none: an event


def is_known_action(message: dict[str, Any]) -> bool:
    action = message.get("action")
    return action is None or (type(action) is str and action in ACTIONS)  # may be unhashable


class Protocol:
    def __init__(
        self,
        dispatcher: Dispatcher,
        throttle: float,
        max_upload_size: int = 100 << 20,
        max_message_size: int = 1 << 20,
    ) -> None:
        self.dispatcher = dispatcher
        self.throttle = throttle
        self.uploads = UploadReceiver(self, max_upload_size, max_message_size)
        # installed on each App: `Tag.download` turns a Download into a URL (see webapp.py)
        self.download_offer: Callable[[Any, Any], str] | None = None
        self.updaters: dict[int, Updater] = {}
        self.open_connections = 0
        self.on_idle: Callable[[], None] | None = None  # called when the last connection closes
        self._tasks: set[asyncio.Task[Any]] = set()
        self._error_log = RateLimiter(rate=0.2, burst=10)

    # -- connections -------------------------------------------------------------

    def updater(self, app: App) -> Updater:
        updater = self.updaters.get(id(app))
        if updater is None:
            updater = Updater(app, asyncio.get_running_loop(), self.throttle)
            updater.on_hook = lambda item: self.spawn(
                run_lifecycle(app, item, updater.broadcast, self.dispatcher)
            )
            app._set_hook_runner(updater.run_hook)
            if self.download_offer is not None:
                app.__dict__[DOWNLOAD_OFFER] = self.download_offer
            self.updaters[id(app)] = updater
        return updater

    def attach(self, session: Session, conn: Connection, page_version: str | None = None) -> Updater:
        """Connects `conn` to its session's App. The body is sent unless the client
        says which render its page holds and the App has sent nothing since."""
        updater = self.updater(session.app)
        updater.connections.add(conn)
        session.connections.add(conn)
        self.open_connections += 1
        logger.info("%s connected to session %s", conn.kind, session.sid[:8])

        def detach(c: Connection) -> None:
            updater.connections.discard(c)
            session.connections.discard(c)
            self.uploads.connection_closed(session, c)
            if session.http is c:
                session.http = None
            self.open_connections -= 1
            logger.info("%s of session %s closed", c.kind, session.sid[:8])
            if self.open_connections == 0 and self.on_idle is not None:
                self.on_idle()

        conn.on_close = detach
        if page_version is None or page_version != str(session.app._engine.version):
            conn.push(session.app.full_frame())
        else:  # the page is current: an empty update says so, then what waited for a client
            conn.push(update_frame())
            updater.flush()
        for item in session.app._engine.take_lifecycle():
            self.spawn(run_lifecycle(session.app, item, updater.broadcast, self.dispatcher))
        return updater

    def spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)  # keep a reference: the loop holds tasks only weakly
        task.add_done_callback(self._tasks.discard)

    def forget_app(self, app: App) -> None:
        """Closes the updater of an App whose session was discarded."""
        updater = self.updaters.pop(id(app), None)
        if updater is not None:
            updater.close()

    def forget_apps_except(self, live: set[int]) -> None:
        """Closes the updaters of Apps no session holds any more."""
        for key in [k for k in self.updaters if k not in live]:
            self.updaters.pop(key).close()

    def close(self) -> None:
        for updater in self.updaters.values():
            updater.close()

    # -- messages ----------------------------------------------------------------

    async def handle(self, session: Session, conn: Connection, message: dict[str, Any], request: Any) -> None:
        """Handles one message to the end (its callback included, whatever its kind)."""
        rest = self.start(session, conn, message, request)
        if rest is not None:
            await rest

    def start(
        self, session: Session, conn: Connection, message: dict[str, Any], request: Any
    ) -> Coroutine[Any, Any, None] | None:
        """Handles a message as far as it goes without waiting (see `Dispatcher.start`);
        returns what is left to await (an async or generator callback), if anything."""
        debugging = logger.isEnabledFor(logging.DEBUG)
        if debugging:
            logger.debug("session %s received %.500s", session.sid[:8], encode(message))
        action = message.get("action")
        if action is not None and action != "event":
            return self._command(session, conn, message, action, request)
        callback_id = callback_id_of(message)
        if callback_id is not None and not session.first_time(callback_id):
            logger.info("event %s resent by the client: not run again", callback_id[:20])
            reply = session.reply(callback_id)
            if reply is not None:
                conn.push(reply)
            return None
        app = session.app
        updater = self.updaters.get(id(app)) or self.updater(app)
        METRICS.events += 1
        received = time.perf_counter()

        def send(frame: Frame) -> None:
            """A reply (or error) goes to the sender; what changed, to everybody."""
            if debugging:
                logger.debug("session %s sends %.500s", session.sid[:8], encode(frame))
            if "callback_id" in frame or frame["action"] == "error":
                if callback_id is not None and frame.get("callback_id") == callback_id:
                    METRICS.latency.observe(time.perf_counter() - received)
                    text = encode(frame)  # remembered as text (see Session.replies)
                    session.remember(callback_id, text)
                    conn.push(text)
                else:
                    conn.push(frame)
                # the App's other connections (tabs, a shared App) get what changed
                if len(updater.connections) > 1 and frame["action"] == "update":
                    shared = {k: v for k, v in frame.items() if k not in ("callback_id", "result")}
                    if len(shared) > 1:
                        updater.broadcast(shared, exclude=conn)
            else:
                updater.broadcast(frame)

        if app._current_request is not request:  # the sender's (tabs may share an App)
            object.__setattr__(app, "_current_request", request)
        return self.dispatcher.start(app, message, send, callback_id)

    def _command(
        self, session: Session, conn: Connection, message: dict[str, Any], action: Any, request: Any
    ) -> Coroutine[Any, Any, None] | None:
        """A message that is not an event."""
        if action == "ping":
            conn.push({"action": "pong"})
        elif action == "log_error":
            if self._error_log.allow():
                logger.warning("client error: %s", str(message.get("error"))[:2000])
        elif action in UPLOAD_ACTIONS:
            return self.uploads.handle(session, conn, message, request)
        elif action != "poll":
            conn.push(error_frame(f"unknown action {str(action)[:50]!r}", None))
        return None
