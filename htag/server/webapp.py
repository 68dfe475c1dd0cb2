"""`WebApp`: an htag App as a Starlette ASGI application.

Routes (relative to where it is mounted): `GET /` the page, `GET /ws` the WebSocket,
`GET /stream` + `POST /event` the SSE fallback, `POST /event` with `"fallback": true`
the pure-HTTP fallback, `GET /_htag/htag.<hash>.js` the client. Sessions ride on
Starlette's signed cookie. The routes stay thin: they check the request
(`security`), find the session (`sessions`), and hand the connection and its
messages to the protocol engine (`protocol`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from ..core.app import App
from ..core.frames import error_frame
from .codec import decode_message, encode, is_refusal, unacceptable_frame
from .connections import PollConnection, SendWatchdog, StreamConnection, WebSocketConnection
from .dispatch import Dispatcher, callback_id_of
from .page import CLIENT_PATH, CLIENT_SCRIPT, FAVICON, render_document
from .protocol import Protocol
from .security import RateLimiter, origin_allowed, parano_key, token_matches
from .sessions import Session, SessionManager

logger = logging.getLogger("htag")

SESSION_KEY = "htag_sid"
SECRET_ENV = "HTAG_SECRET_KEY"


class RawASGI:
    """The outermost layer of htag's Starlette app: keeps the ASGI `receive`/`send` a
    WebSocket came with, so that its message loop talks to the server directly, not
    through Starlette's WebSocket checks and the send wrappers of the middleware below
    (they act on HTTP responses only). A host application's own middleware, outside,
    is not bypassed."""

    KEY = "htag.asgi"

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            scope[self.KEY] = (receive, send)
        await self.app(scope, receive, send)


class WebApp:
    """Serves an App class (one instance per browser session) or an App instance (shared)."""

    def __init__(
        self,
        target: type[App] | App,
        on_instance: Callable[..., Any] | None = None,
        debug: bool = True,
        parano: bool = False,
        *,
        secret_key: str | None = None,
        max_sessions: int = 1000,
        session_timeout: float = 3600.0,
        throttle: float = 0.05,
        max_message_size: int = 1 << 20,
        allowed_origins: list[str] | None = None,
        https_only: bool = False,
        event_rate: float = 100.0,
        event_burst: float = 200.0,
        callback_timeout: float | None = 60.0,
    ) -> None:
        self.sessions = SessionManager(target, on_instance, max_sessions, session_timeout)
        self.debug = debug
        self.parano = parano
        self.throttle = throttle
        self.max_message_size = max_message_size
        self.allowed_origins = {o.rstrip("/") for o in allowed_origins or ()}
        self.event_rate, self.event_burst = event_rate, event_burst
        self.dev_reload = False
        self.exit_on_disconnect = False
        self.on_last_disconnect: Callable[[], None] | None = None
        self.dispatcher = Dispatcher(debug, callback_timeout)
        self.protocol = Protocol(self.dispatcher, throttle)
        self.protocol.on_idle = self._last_connection_closed
        self._janitor: asyncio.Task[None] | None = None
        self._watchdog = SendWatchdog()
        secret = secret_key or os.environ.get(SECRET_ENV)
        if not secret:
            logger.warning(
                "no secret key (argument secret_key or env %s): using a random one, "
                "sessions will not survive a restart",
                SECRET_ENV,
            )
            secret = secrets.token_urlsafe(32)
        self._secret = secret
        self._https_only = https_only
        self._app: Starlette | None = None

    # -- ASGI ------------------------------------------------------------------

    @property
    def app(self) -> Starlette:
        """The Starlette application (mountable under a sub-path)."""
        if self._app is None:
            self._app = Starlette(
                routes=[
                    Route("/", self.page, methods=["GET"]),
                    WebSocketRoute("/ws", self.websocket),
                    Route("/stream", self.stream, methods=["GET"]),
                    Route("/event", self.event, methods=["POST"]),
                    Route(f"/{CLIENT_PATH}", self.client_js, methods=["GET"]),
                    Route("/favicon.ico", self.favicon, methods=["GET"]),
                    Route("/logo.png", self.favicon, methods=["GET"]),
                ],
                middleware=[
                    Middleware(RawASGI),
                    Middleware(
                        SessionMiddleware,
                        secret_key=self._secret,
                        session_cookie="htag_session",
                        same_site="lax",
                        https_only=self._https_only,
                        max_age=14 * 24 * 3600,
                    ),
                ],
                lifespan=self.lifespan,
            )
        return self._app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Any) -> AsyncIterator[None]:
        self._janitor = asyncio.create_task(self._sweep())
        try:
            yield
        finally:
            self._janitor.cancel()
            self.protocol.close()
            self.sessions.shutdown()

    def run(self, host: str = "127.0.0.1", port: int = 8000, **options: Any) -> None:
        """Serves on Granian (default) or uvicorn: see `htag.server.serve.run`."""
        from .serve import run

        run(self, host, port, **options)

    # -- pages and files -------------------------------------------------------

    async def page(self, request: Request) -> Response:
        if "n" in request.query_params and request.headers.get("sec-fetch-site", "none") in (
            "none",
            "same-origin",
        ):
            old = request.session.get(SESSION_KEY)
            if old:
                self.sessions.discard(old)
            request.session.pop(SESSION_KEY, None)
        session = self.sessions.get(request.session.get(SESSION_KEY))
        if session is None:
            session = self.sessions.create(request)
            request.session[SESSION_KEY] = session.sid
        else:
            session.app._remount()  # a reload (F5): unmount/mount, never destroy
        app = session.app
        app._current_request = request
        try:
            statics, body = app.render_page()
        finally:
            # not kept once the page is answered (it would hold its scope and the server's
            # response objects as long as the session lives); the WebSocket takes over
            app._current_request = None
        config = {
            "base": request.scope.get("root_path", "").rstrip("/") + "/",
            "token": session.token,
            "version": str(app._engine.version),
            "debug": "1" if self.debug else "0",
            "reload": "1" if self.dev_reload else "0",
        }
        if self.parano:
            config["parano"] = self._parano_key(session).decode()
        document = render_document(
            base=config["base"], title=type(app).__name__, statics=statics, body=body, config=config
        )
        return HTMLResponse(document, headers={"Cache-Control": "no-store"})

    async def client_js(self, request: Request) -> Response:
        body, headers = CLIENT_SCRIPT.encoded_for(request.headers.get("accept-encoding", ""))
        return Response(body, media_type=CLIENT_SCRIPT.media_type, headers=headers)

    async def favicon(self, request: Request) -> Response:
        return Response(
            FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
        )

    # -- sessions ----------------------------------------------------------------

    def _parano_key(self, session: Session) -> bytes:
        return parano_key(self._secret, session.sid)

    def _key(self, session: Session) -> bytes | None:
        return self._parano_key(session) if self.parano else None

    def _session_of(self, request: Request | WebSocket) -> Session | None:
        return self.sessions.get(request.session.get(SESSION_KEY))

    def _last_connection_closed(self) -> None:
        if self.exit_on_disconnect and self.on_last_disconnect is not None:
            asyncio.get_running_loop().call_later(2.0, self._maybe_exit)

    def _maybe_exit(self) -> None:
        if self.protocol.open_connections == 0 and self.on_last_disconnect is not None:
            logger.info("last client gone: stopping (exit_on_disconnect)")
            self.on_last_disconnect()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(min(30.0, max(1.0, self.sessions.idle_timeout / 4)))
            try:
                self.sessions.expire()
                for session in self.sessions.all():
                    poller = session.http
                    if isinstance(poller, PollConnection) and time.monotonic() - poller.last_poll > 60:
                        poller.close()
                live = {id(s.app) for s in self.sessions.all()} | {id(self.sessions.shared)}
                self.protocol.forget_apps_except(live)
            except Exception:
                logger.exception("session sweep failed")

    # -- WebSocket ---------------------------------------------------------------

    async def websocket(self, websocket: WebSocket) -> None:
        if not origin_allowed(
            websocket.headers.get("origin"), websocket.headers.get("host"), self.allowed_origins
        ):
            logger.warning("websocket from origin %r refused", websocket.headers.get("origin"))
            await websocket.close(code=1008)
            return
        session = self._session_of(websocket)
        if session is not None and not token_matches(session.token, websocket.query_params.get("token")):
            logger.warning("websocket with a wrong token refused")
            await websocket.close(code=1008)
            return
        await websocket.accept()
        if session is None:
            await websocket.send_text(encode({"action": "reload"}))
            await websocket.close()
            return
        # the message loop talks to the server's own receive/send (see RawASGI)
        receive, send = websocket.scope.get(RawASGI.KEY) or (websocket._receive, websocket._send)
        conn = WebSocketConnection(send, self._key(session))
        conn.reader = asyncio.current_task()
        self._watchdog.watch(conn)
        conn.hold()  # the first frame goes out below, from this task
        session.app._current_request = websocket
        self.protocol.attach(session, conn, websocket.query_params.get("v"))
        limiter: RateLimiter | None = None  # made at the first event: an idle socket needs none
        try:
            await conn.flush()
            while not conn.closed:
                msg = await receive()
                if msg["type"] != "websocket.receive":  # websocket.disconnect
                    conn.peer_closed()
                    break
                session.last_seen = time.monotonic()
                raw = msg.get("text") if msg.get("text") is not None else msg.get("bytes")
                conn.hold()  # what this message produces is sent below, by this task
                if (code := unacceptable_frame(raw, self.max_message_size)) is not None:
                    conn.close(code)
                    await conn.flush()  # the close frame, with its code
                    break
                message = decode_message(raw, self.max_message_size, conn.parano_key)
                if is_refusal(message):
                    conn.push(message)
                elif (
                    "id" in message
                    and not (limiter or (limiter := RateLimiter(self.event_rate, self.event_burst))).allow()
                ):
                    logger.warning("event flood from session %s: event refused", session.sid[:8])
                    conn.push(error_frame("too many events: refused", callback_id_of(message)))
                else:
                    # a plain sync callback runs here, in order, without a Task of its own; an
                    # async or generator callback goes on in a Task, so the next message is
                    # never held up
                    try:
                        rest = self.protocol.start(session, conn, message, websocket)
                    except Exception:  # a bug of ours must not end the socket
                        logger.exception("handling a message failed")
                        conn.push(error_frame("An internal error occurred.", callback_id_of(message)))
                        rest = None
                    if rest is not None:
                        self.protocol.spawn(rest)
                await conn.flush()
        except asyncio.CancelledError:
            if not conn.aborted:  # aborted: the watchdog ended a stalled send
                raise
        finally:
            self._watchdog.forget(conn)
            conn.close()

    # -- SSE and HTTP fallbacks --------------------------------------------------

    async def stream(self, request: Request) -> Response:
        session = self._session_of(request)
        if session is None:
            return Response("data: " + encode({"action": "reload"}) + "\n\n", media_type="text/event-stream")
        if not token_matches(session.token, request.query_params.get("token")):
            return JSONResponse({"status": "error", "message": "bad token"}, status_code=403)
        resume = request.query_params.get("resume")
        conn = next(
            (
                c
                for c in session.connections
                if isinstance(c, StreamConnection) and resume and c.key == resume and not c.streaming
            ),
            None,
        )
        if conn is None:
            conn = StreamConnection(self._key(session))
            self.protocol.attach(session, conn, request.query_params.get("v"))
        return StreamingResponse(
            conn.events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def event(self, request: Request) -> Response:
        session = self._session_of(request)
        if session is None:
            return JSONResponse({"status": "ok", "payloads": [{"action": "reload"}]})
        if not token_matches(session.token, request.headers.get("x-htag-token")):
            logger.warning("POST /event with a missing or wrong CSRF token refused")
            return JSONResponse({"status": "error", "message": "bad CSRF token"}, status_code=403)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_message_size:
            return JSONResponse({"status": "error", "message": "message too large"}, status_code=413)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.max_message_size:
                return JSONResponse({"status": "error", "message": "message too large"}, status_code=413)
        message = decode_message(body, self.max_message_size, self._key(session))
        if message.get("fallback") is True:
            return await self._poll(session, message, request)
        if is_refusal(message):
            return JSONResponse({"status": "error", "message": message["message"]}, status_code=400)
        streams = [c for c in session.connections if isinstance(c, StreamConnection)]
        if not streams:
            return JSONResponse({"status": "error", "message": "no open stream"}, status_code=409)
        await self.protocol.handle(session, streams[0], message, request)
        return JSONResponse({"status": "ok"})

    async def _poll(self, session: Session, message: dict[str, Any], request: Request) -> Response:
        """Pure HTTP: run the message, answer with every frame produced since the last poll."""
        poller = session.http
        if not isinstance(poller, PollConnection) or poller.closed:
            poller = PollConnection(self._key(session))
            session.http = poller
            self.protocol.attach(session, poller)
        poller.last_poll = time.monotonic()
        await self.protocol.handle(session, poller, message, request)
        if poller.needs_resync:
            poller.needs_resync = False
            poller.drain()
            poller.push(session.app.full_frame())
        texts = poller.drain()
        if self.parano:
            texts = [orjson.dumps(t).decode() for t in texts]
        return Response('{"status":"ok","payloads":[' + ",".join(texts) + "]}", media_type="application/json")
