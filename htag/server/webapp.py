"""`WebApp`: an htag App as a Starlette ASGI application.

Routes (relative to where it is mounted): `GET /` the page, `GET /ws` the WebSocket,
`GET /stream` + `POST /event` the SSE fallback, `POST /event` with `"fallback": true`
the pure-HTTP fallback, `GET /_htag/htag.<hash>.js` the client, `GET /_htag/s/<digest>.css|.js`
the App's statics, `GET /_htag/health` and `GET /_htag/metrics` (`metrics.py`). Sessions ride on
Starlette's signed cookie (`session_cookie.py`: a host app's session stays
`request.session`). The routes stay thin: they check the request
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
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from ..core.app import App
from ..core.context import current_request
from ..core.frames import error_frame
from ..core.statics import ASSETS_PATH
from .codec import MESSAGE_TOO_BIG, decode_message, encode, is_refusal, unacceptable_frame
from .connections import SEND_TIMEOUT, PollConnection, SendWatchdog, StreamConnection, WebSocketConnection
from .dispatch import Dispatcher, callback_id_of
from .metrics import METRICS, exposition
from .page import CLIENT_PATH, CLIENT_SCRIPT, FAVICON, Asset, StaticAssets, render_document
from .protocol import Protocol, is_known_action
from .security import (
    DEFAULT_CSP,
    RateLimiter,
    SecurityHeaders,
    TrustedHosts,
    from_own_site,
    origin_allowed,
    parano_key,
    security_headers,
    token_matches,
)
from .session_cookie import OwnSessionMiddleware, own_session
from .sessions import GOING_AWAY, Session, SessionManager, SessionsClosed, SessionsFull
from .sockets import cut

logger = logging.getLogger("htag")

SESSION_KEY = "htag_sid"
SECRET_ENV = "HTAG_SECRET_KEY"
DEBUG_ENV = "HTAG_DEBUG"
TOO_MANY = "too many messages: refused"
FULL = "the server is full: try again later"
STOPPING = "the server is stopping: try again later"
RETRY_AFTER = "30"  # seconds
DESTROY_TIMEOUT_S = 10.0  # at shutdown, for the async on_destroy hooks still running
SOCKETS_CLOSE_TIMEOUT_S = 5.0  # at shutdown, for the clients to answer the close frame


def debug_from_env() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


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


def asset_response(asset: Asset, request: Request) -> Response:
    """An immutable asset, compressed as the client accepts; 304 to a client that has it."""
    body, headers = asset.encoded_for(request.headers.get("accept-encoding", ""))
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=asset.media_type, headers=headers)


def answering(endpoint: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`htag.current_request` is the Request (or WebSocket) while `endpoint` answers it, as in
    htag 2; the tasks it starts (async callbacks, hooks) inherit it."""

    async def answer(connection: Request | WebSocket) -> Any:
        token = current_request.set(connection)
        try:
            return await endpoint(connection)
        finally:
            current_request.reset(token)

    return answer


class WebApp:
    """Serves an App class (one instance per browser session) or an App instance (shared).

    `WebApp(MyApp).run()` serves it (Granian, or `server="uvicorn"`); `.app` is the
    Starlette application, mountable under a sub-path. `on_instance(app)` or
    `on_instance(app, request)` runs after each App is created; `debug=False` hides
    tracebacks from the browser; `parano=True` obfuscates the frames.
    """

    def __init__(
        self,
        target: type[App] | App,
        on_instance: Callable[..., Any] | None = None,
        debug: bool | None = None,
        parano: bool = False,
        *,
        secret_key: str | None = None,
        max_sessions: int = 5000,
        session_timeout: float = 3600.0,
        max_pending_pages: int = 1000,
        pending_page_timeout: float = 30.0,
        throttle: float = 0.05,
        max_message_size: int = 1 << 20,
        allowed_origins: list[str] | None = None,
        hosts: list[str] | None = None,
        csp: str | None = DEFAULT_CSP,
        frame_ancestors: str | None = "'self'",
        https_only: bool = False,
        event_rate: float = 100.0,
        event_burst: float = 200.0,
        callback_timeout: float | None = 60.0,
    ) -> None:
        self.sessions = SessionManager(
            target, on_instance, max_sessions, session_timeout, max_pending_pages, pending_page_timeout
        )
        self.dispatcher = Dispatcher(debug_from_env() if debug is None else debug, callback_timeout)
        self.parano = parano
        self.throttle = throttle
        self.max_message_size = max_message_size
        self.allowed_origins = {o.rstrip("/") for o in allowed_origins or ()}
        # the Host names this server answers to (DNS rebinding); None: any, unless run()
        # binds to a loopback address (see docs/security.md)
        self.hosts: list[str] | None = [h.lower() for h in hosts] if hosts is not None else None
        self.headers = security_headers(csp, frame_ancestors)
        self.event_rate, self.event_burst = event_rate, event_burst
        self.dev_reload = False
        self.exit_on_disconnect = False
        self.on_last_disconnect: Callable[[], None] | None = None
        self.protocol = Protocol(self.dispatcher, throttle)
        self.protocol.on_idle = self._last_connection_closed
        # a discarded session's App is let go at once, not at the next sweep (up to 30 s later): under
        # churn, the Apps waiting for it would hold memory far beyond the session cap
        self.sessions.on_discard = lambda session: self.protocol.forget_app(session.app)
        self._janitor: asyncio.Task[None] | None = None
        self._closing: asyncio.Future[None] | None = None
        self._sockets: set[asyncio.Task[Any]] = set()  # the WebSocket handlers still running
        self._watchdog = SendWatchdog()
        self._refusal_log = RateLimiter(rate=0.2, burst=10)  # a flood must not flood the log
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
        self.static_assets = StaticAssets()

    @property
    def debug(self) -> bool:
        """Development mode: error details and tracebacks go to the browser (never in
        production). Off unless asked: `debug=True`, `run(debug=True)` or env HTAG_DEBUG=1."""
        return self.dispatcher.debug

    @debug.setter
    def debug(self, value: bool) -> None:
        self.dispatcher.debug = value

    # -- ASGI ------------------------------------------------------------------

    @property
    def app(self) -> Starlette:
        """The Starlette application (mountable under a sub-path)."""
        if self._app is None:
            self._app = Starlette(
                routes=[
                    Route("/", answering(self.page), methods=["GET"]),
                    WebSocketRoute("/ws", answering(self.websocket)),
                    Route("/stream", answering(self.stream), methods=["GET"]),
                    Route("/event", answering(self.event), methods=["POST"]),
                    Route(f"/{CLIENT_PATH}", self.client_js, methods=["GET"]),
                    Route(f"/{ASSETS_PATH}{{name}}", self.static_asset, methods=["GET"]),
                    Route("/_htag/health", self.health, methods=["GET"]),
                    Route("/_htag/metrics", self.metrics, methods=["GET"]),
                    Route("/favicon.ico", self.favicon, methods=["GET"]),
                    Route("/logo.png", self.favicon, methods=["GET"]),
                ],
                middleware=[
                    Middleware(RawASGI),
                    Middleware(SecurityHeaders, headers=self.headers),
                    Middleware(TrustedHosts, hosts=lambda: self.hosts),
                    Middleware(
                        OwnSessionMiddleware,
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

    # -- htag 2's face ------------------------------------------------------------

    @property
    def instances(self) -> dict[str, App]:
        """Session id -> its App, for the live sessions (a snapshot: e.g. to update
        every session from a background task)."""
        return {session.sid: session.app for session in self.sessions.all()}

    @property
    def tag_entity(self) -> type[App] | App:
        """What this WebApp serves: the App class, or the shared App instance."""
        return self.sessions.shared if self.sessions.shared is not None else self.sessions.factory

    @property
    def on_instance(self) -> Callable[..., Any] | None:
        """Called with each new App (and the request, if it takes two arguments)."""
        return self.sessions.on_instance

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Any) -> AsyncIterator[None]:
        self._janitor = asyncio.create_task(self._sweep())
        try:
            yield
        finally:
            await self.close()

    async def close(self) -> None:
        """Stops serving sessions, once: every WebSocket gets a close frame with 1001 (going
        away), every session's `on_destroy` runs (an async one is awaited, at most
        DESTROY_TIMEOUT_S) and new pages get 503. At the lifespan's end; `run()` calls it
        first, from its own SIGINT/SIGTERM handler, because Granian's worker may die while it
        stops and never run the lifespan's end (docs/deployment.md)."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())
        await asyncio.shield(self._closing)

    async def _close(self) -> None:
        if self._janitor is not None:
            self._janitor.cancel()
        self.protocol.close()
        self.sessions.shutdown(GOING_AWAY)
        # the handlers end when their client answers the close frame: the server then stops with
        # no socket open (Granian's teardown of open WebSockets is where it has panicked)
        waits = [self.sessions.wait_destroyed(DESTROY_TIMEOUT_S)]
        if self._sockets:
            waits.append(asyncio.wait(set(self._sockets), timeout=SOCKETS_CLOSE_TIMEOUT_S))
        await asyncio.gather(*waits)

    def run(self, host: str = "127.0.0.1", port: int = 8000, **options: Any) -> None:
        """Serves on Granian (default) or uvicorn: see `htag.server.serve.run`."""
        from .serve import run

        run(self, host, port, **options)

    # -- pages and files -------------------------------------------------------

    async def page(self, request: Request) -> Response:
        if "n" in request.query_params and from_own_site(request.headers, request.url.scheme):
            old = own_session(request).get(SESSION_KEY)
            if old:
                self.sessions.discard(old)
            own_session(request).pop(SESSION_KEY, None)
        session = self.sessions.get(own_session(request).get(SESSION_KEY))
        created = session is None
        if session is None:
            try:
                session = self.sessions.create(request)
            except SessionsClosed:
                return PlainTextResponse(STOPPING, status_code=503, headers={"Retry-After": RETRY_AFTER})
            except SessionsFull:
                self._log_full("page")
                return PlainTextResponse(FULL, status_code=503, headers={"Retry-After": RETRY_AFTER})
            own_session(request)[SESSION_KEY] = session.sid
        app = session.app
        app._current_request = request  # hooks and the render read `self.request`
        try:
            if not created:
                app._remount()  # a reload (F5): unmount/mount, never destroy
            statics, body = app.render_page()  # a new App's on_mount runs here
        finally:
            # until the WebSocket takes over, a task started by on_mount still reads
            # `self.request` (as in htag 2): a copy detached from the server's receive/send,
            # which are not kept as long as the session lives
            app._current_request = Request(request.scope)
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
        return asset_response(CLIENT_SCRIPT, request)

    async def static_asset(self, request: Request) -> Response:
        """An App's style or script static, by the digest of its content."""
        asset = self.static_assets.find(request.path_params["name"])
        if asset is None:
            return PlainTextResponse("unknown static", status_code=404)
        return asset_response(asset, request)

    async def favicon(self, request: Request) -> Response:
        return Response(
            FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
        )

    # -- health and metrics --------------------------------------------------------

    def connection_counts(self) -> dict[str, int]:
        """Open connections by transport."""
        counts = {"websocket": 0, "sse": 0, "http": 0}
        for session in self.sessions.all():
            for conn in list(session.connections):
                counts[conn.kind] = counts.get(conn.kind, 0) + 1
        return counts

    def ready(self) -> bool:
        """Whether this process takes new sessions."""
        return not self.sessions.full()

    async def health(self, request: Request) -> Response:
        """Liveness (it answers: 200) and readiness (`ready`; with `?ready`, 503 when not
        ready, for a balancer's check), with the figures behind them."""
        ready = self.ready()
        body = {
            "status": "ok",
            "ready": ready,
            "pid": os.getpid(),
            "uptime_s": round(METRICS.uptime, 3),
            "sessions": self.sessions.counts(),
            "connections": self.connection_counts(),
        }
        status = 503 if "ready" in request.query_params and not ready else 200
        return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})

    async def metrics(self, request: Request) -> Response:
        """The Prometheus text exposition of this process."""
        text = exposition(METRICS, self.sessions.counts(), self.connection_counts(), self.ready())
        return Response(
            text, media_type="text/plain; version=0.0.4; charset=utf-8", headers={"Cache-Control": "no-store"}
        )

    # -- sessions ----------------------------------------------------------------

    def _parano_key(self, session: Session) -> bytes:
        return parano_key(self._secret, session.sid)

    def _key(self, session: Session) -> bytes | None:
        return self._parano_key(session) if self.parano else None

    def _session_of(self, request: Request | WebSocket) -> Session | None:
        return self.sessions.get(own_session(request).get(SESSION_KEY))

    def _admit(self, session: Session | None, kind: str) -> bool | None:
        """Whether a connection of `session` may go on (its session established): False
        for an unknown session (the client reloads), None when the server is full."""
        if session is None:
            return False
        try:
            return self.sessions.establish(session)
        except SessionsFull:
            self._log_full(kind)
            return None

    def _log_full(self, what: str) -> None:
        METRICS.refused("full")
        if self._refusal_log.allow():
            logger.warning("%s refused: %d sessions, all connected", what, self.sessions.max_sessions)

    def _within_rate(self, session: Session) -> bool:
        """Every message a session sends counts (events, pings, malformed ones alike)."""
        limiter = session.limiter
        if limiter is None:
            limiter = session.limiter = RateLimiter(self.event_rate, self.event_burst)
        if limiter.allow():
            return True
        METRICS.refused("flood")
        if self._refusal_log.allow():
            logger.warning("message flood from session %s: messages refused", session.sid[:8])
        return False

    def _last_connection_closed(self) -> None:
        if self.exit_on_disconnect and self.on_last_disconnect is not None:
            asyncio.get_running_loop().call_later(2.0, self._maybe_exit)

    def _maybe_exit(self) -> None:
        if self.protocol.open_connections == 0 and self.on_last_disconnect is not None:
            logger.info("last client gone: stopping (exit_on_disconnect)")
            self.on_last_disconnect()

    async def _sweep(self) -> None:
        while True:
            sessions = self.sessions
            await asyncio.sleep(min(30.0, max(1.0, sessions.idle_timeout / 4, sessions.pending_timeout / 2)))
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
        headers = websocket.headers
        if not origin_allowed(
            headers.get("origin"), headers.get("host"), websocket.url.scheme, self.allowed_origins
        ):
            METRICS.refused("origin")
            if self._refusal_log.allow():
                logger.warning(
                    "websocket from origin %.100r refused: not the Host %.100r nor an allowed origin",
                    headers.get("origin"),
                    headers.get("host"),
                )
            await websocket.close(code=1008)
            return
        session = self._session_of(websocket)
        if session is not None and not token_matches(session.token, websocket.query_params.get("token")):
            METRICS.refused("token")
            if self._refusal_log.allow():
                logger.warning("websocket with a wrong token refused")
            await websocket.close(code=1008)
            return
        await websocket.accept()
        admitted = self._admit(session, "websocket")
        if admitted is None:
            await websocket.send_text(encode(error_frame(FULL, None)))
            await websocket.close(code=1013)  # try again later
            return
        if session is None or not admitted:
            await websocket.send_text(encode({"action": "reload"}))
            await websocket.close()
            return
        # the message loop talks to the server's own receive/send (see RawASGI)
        receive, send = websocket.scope.get(RawASGI.KEY) or (websocket._receive, websocket._send)
        conn = WebSocketConnection(send, self._key(session))
        conn.reader = asyncio.current_task()
        self._sockets.add(conn.reader)
        self._watchdog.watch(conn)
        conn.hold()  # the first frame goes out below, from this task
        session.app._current_request = websocket
        self.protocol.attach(session, conn, websocket.query_params.get("v"))
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
                    METRICS.refused("too_large" if code == MESSAGE_TOO_BIG else "malformed")
                    conn.close(code)
                    await conn.flush()  # the close frame, with its code
                    break
                message = decode_message(raw, self.max_message_size, conn.parano_key)
                if not self._within_rate(session):
                    conn.push(error_frame(TOO_MANY, callback_id_of(message)))
                elif is_refusal(message):
                    METRICS.refused("malformed")
                    conn.push(message)
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
            cut(websocket.scope)  # its client reads nothing: not even a close frame would reach it
        finally:
            self._sockets.discard(conn.reader)
            self._watchdog.forget(conn)
            conn.close()
            # a close frame that another task is still sending (closed from elsewhere: shutdown,
            # discard) must leave before this handler returns: the server then closes the socket
            # itself, without a code (the client sees 1005)
            await conn.sent(SEND_TIMEOUT)

    # -- SSE and HTTP fallbacks --------------------------------------------------

    async def stream(self, request: Request) -> Response:
        session = self._session_of(request)
        if session is not None and not token_matches(session.token, request.query_params.get("token")):
            METRICS.refused("token")
            return JSONResponse({"status": "error", "message": "bad token"}, status_code=403)
        admitted = self._admit(session, "event stream")
        if admitted is None:
            return PlainTextResponse(FULL, status_code=503, headers={"Retry-After": RETRY_AFTER})
        if session is None or not admitted:
            return Response("data: " + encode({"action": "reload"}) + "\n\n", media_type="text/event-stream")
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
            METRICS.refused("csrf")
            logger.warning("POST /event with a missing or wrong CSRF token refused")
            return JSONResponse({"status": "error", "message": "bad CSRF token"}, status_code=403)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_message_size:
            METRICS.refused("too_large")
            return JSONResponse({"status": "error", "message": "message too large"}, status_code=413)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.max_message_size:
                METRICS.refused("too_large")
                return JSONResponse({"status": "error", "message": "message too large"}, status_code=413)
        if not self._within_rate(session):
            return JSONResponse({"status": "error", "message": TOO_MANY}, status_code=429)
        message = decode_message(body, self.max_message_size, self._key(session))
        if message.get("fallback") is True:
            admitted = self._admit(session, "HTTP poll")
            if admitted is None:
                return JSONResponse(
                    {"status": "error", "message": FULL},
                    status_code=503,
                    headers={"Retry-After": RETRY_AFTER},
                )
            if not admitted:
                return JSONResponse({"status": "ok", "payloads": [{"action": "reload"}]})
            return await self._poll(session, message, request)
        if is_refusal(message):
            METRICS.refused("malformed")
            return JSONResponse({"status": "error", "message": message["message"]}, status_code=400)
        if not is_known_action(message):
            return JSONResponse({"status": "error", "message": "unknown action"}, status_code=400)
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
