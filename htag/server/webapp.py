"""`WebApp`: an htag App as a Starlette ASGI application.

Routes (relative to where it is mounted): `GET /` the page (here), `GET /ws` the WebSocket
(`websocket_endpoint.py`), `GET /stream` + `POST /event` the SSE and pure-HTTP fallbacks
(`fallback_endpoints.py`), `GET /_htag/htag.<hash>.js` the client, `GET /_htag/s/<digest>.css|.js`
the App's statics, `GET /_htag/health` and `GET /_htag/metrics` (`health.py`), `GET /_htag/dl/<token>`
a download (`downloads.py`; uploads travel as messages, see `uploads.py`). Sessions ride on
Starlette's signed cookie (`session_cookie.py`: a host app's session stays `request.session`).
The routes stay thin: they check the request (`security`), find the session (`sessions`, through
`WebApp.session_of` and `WebApp.admit`), and hand the connection and its messages to the protocol
engine (`protocol`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from ..core.app import App
from ..core.context import current_request
from ..core.statics import ASSETS_PATH
from .callbacks import Placement
from .connections import PollConnection, SendWatchdog
from .dispatch import Dispatcher
from .downloads import ROUTE as DOWNLOAD_ROUTE
from .downloads import Downloads, download_endpoint, offer_function
from .fallback_endpoints import event_endpoint, stream_endpoint
from .health import health_endpoint, metrics_endpoint
from .metrics import METRICS
from .page import CLIENT_PATH, CLIENT_SCRIPT, FAVICON, Asset, StaticAssets, render_document
from .protocol import Protocol
from .raw_asgi import RawASGI
from .refusals import DRAINING, FULL, RETRY_AFTER, RETRY_AFTER_DRAINING, STOPPING
from .security import (
    DEFAULT_CSP,
    RateLimiter,
    SecurityHeaders,
    TrustedHosts,
    from_own_site,
    parano_key,
    security_headers,
)
from .serve import HANDOVER_ENV
from .session_cookie import OwnSessionMiddleware, own_session
from .sessions import (
    GOING_AWAY,
    SERVICE_RESTART,
    Session,
    SessionManager,
    SessionsClosed,
    SessionsDraining,
    SessionsFull,
)
from .websocket_endpoint import websocket_endpoint

__all__ = ["STOPPING", "RawASGI", "WebApp"]

logger = logging.getLogger("htag")

SESSION_KEY = "htag_sid"
SECRET_ENV = "HTAG_SECRET_KEY"
DEBUG_ENV = "HTAG_DEBUG"
DESTROY_TIMEOUT_S = 10.0  # at shutdown, for the async on_destroy hooks still running
SOCKETS_CLOSE_TIMEOUT_S = 5.0  # at shutdown, for the clients to answer the close frame
DRAIN_TIMEOUT_S = 30.0  # how long a draining process lets its sessions go on
DRAIN_QUIET_S = 1.0  # a drain ends early once no client is connected for this long


# what a browser sees when no other process took its page: it loads again by itself
DRAINING_PAGE = (
    f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="{RETRY_AFTER_DRAINING}">'
    f"<title>Restarting</title><p>{DRAINING}</p>"
)


def debug_from_env() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


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

    Keyword options (docs/guide/running.md has the table):
    `secret_key` (signs the session cookie; env HTAG_SECRET_KEY, else random: sessions do not
    survive a restart), `hosts` (the Host names served; loopback names when run() binds to a
    loopback address), `https_only` (a `Secure` cookie), `max_sessions` and `session_timeout`
    (the cap of live sessions; idle ones are discarded), `max_pending_pages` and
    `pending_page_timeout` (pages served whose browser has not connected yet), `throttle`
    (seconds changes are gathered before a frame), `max_message_size`, `event_rate` and
    `event_burst` (what a browser may send), `allowed_origins`, `csp` and `frame_ancestors`
    (WebSocket origins and headers: docs/security.md), `callback_timeout` (seconds a sync
    callback run in a thread may take), `sync_callbacks` ("adaptive", "thread" or "inline":
    where a plain sync callback runs, docs/architecture.md), `drain_timeout` (seconds a draining
    process keeps its sessions: docs/deployment.md), `max_upload_size` (bytes of the files of one
    upload) and `download_timeout` (seconds a `Tag.download` URL stays valid): docs/security.md.
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
        sync_callbacks: Placement = "adaptive",
        drain_timeout: float = DRAIN_TIMEOUT_S,
        max_upload_size: int = 100 << 20,
        download_timeout: float = 60.0,
    ) -> None:
        self.sessions = SessionManager(
            target, on_instance, max_sessions, session_timeout, max_pending_pages, pending_page_timeout
        )
        self.dispatcher = Dispatcher(
            debug_from_env() if debug is None else debug, callback_timeout, sync_callbacks
        )
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
        # stops the server this WebApp runs on (set by `run()`): after a drain, on the last
        # disconnection (exit_on_disconnect)
        self.stop_server: Callable[[], None] | None = None
        self.drain_timeout = drain_timeout
        self.protocol = Protocol(self.dispatcher, throttle, max_upload_size, max_message_size)
        self.protocol.on_idle = self._last_connection_closed
        # a discarded session's App is let go at once, not at the next sweep (up to 30 s later): under
        # churn, the Apps waiting for it would hold memory far beyond the session cap
        self.sessions.on_discard = self._discarded
        self._janitor: asyncio.Task[None] | None = None
        self._closing: asyncio.Future[None] | None = None
        self.socket_tasks: set[asyncio.Task[Any]] = set()  # the WebSocket handlers still running
        self.watchdog = SendWatchdog()
        self.refusal_log = RateLimiter(rate=0.2, burst=10)  # a flood must not flood the log
        secret = secret_key or os.environ.get(SECRET_ENV)
        if not secret:
            logger.warning(
                "no secret key (argument secret_key or env %s): using a random one, "
                "sessions will not survive a restart",
                SECRET_ENV,
            )
            secret = secrets.token_urlsafe(32)
        self._secret = secret
        self.downloads = Downloads(secret, download_timeout)
        self.protocol.download_offer = offer_function(self)
        self._https_only = https_only
        self._app: Starlette | None = None
        self.static_assets = StaticAssets()
        self._handover_until = time.monotonic() + float(os.environ.get(HANDOVER_ENV) or 0)

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
                    WebSocketRoute("/ws", answering(partial(websocket_endpoint, self))),
                    Route("/stream", answering(partial(stream_endpoint, self)), methods=["GET"]),
                    Route("/event", answering(partial(event_endpoint, self)), methods=["POST"]),
                    Route(f"/{CLIENT_PATH}", self.client_js, methods=["GET"]),
                    Route(f"/{ASSETS_PATH}{{name}}", self.static_asset, methods=["GET"]),
                    Route(DOWNLOAD_ROUTE, answering(partial(download_endpoint, self)), methods=["GET"]),
                    Route("/_htag/health", partial(health_endpoint, self), methods=["GET"]),
                    Route("/_htag/metrics", partial(metrics_endpoint, self), methods=["GET"]),
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

    async def close(self, code: int = GOING_AWAY) -> None:
        """Stops serving sessions, once: every WebSocket gets a close frame with `code` (1001,
        going away; 1012 after a drain), every session's `on_destroy` runs (an async one is
        awaited, at most DESTROY_TIMEOUT_S) and new pages get 503. At the lifespan's end; `run()`
        calls it first, from its own SIGINT/SIGTERM handler, because Granian's worker may die
        while it stops and never run the lifespan's end (docs/deployment.md)."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close(code))
        await asyncio.shield(self._closing)

    @property
    def draining(self) -> bool:
        """Whether this process is draining (see `drain`), or stopping after a drain."""
        return self.sessions.draining

    def refuses_unknown_sessions(self) -> bool:
        """Whether a connection of a session this process does not have gets a 503 (which a
        balancer retries on the next process) rather than `reload`: while draining, and for the
        first seconds of a process started in place of another (`procs.HANDOVER_ENV`)."""
        return self.sessions.draining or time.monotonic() < self._handover_until

    async def drain(self, timeout: float | None = None) -> None:
        """Before a restart (`htag run --procs`: SIGHUP to its supervisor; one process: SIGUSR1):
        no new session (a new page gets 503 with Retry-After, which a balancer retries on another
        process), while the existing sessions go on until none is connected or `timeout` seconds
        (`drain_timeout`) have passed. Then the sessions are closed with 1012 (their pages reload,
        onto another process) and the server stops."""
        if self.sessions.draining or self.sessions.closed:
            return
        timeout = self.drain_timeout if timeout is None else timeout
        self.sessions.draining = True
        loop = asyncio.get_running_loop()
        logger.info(
            "draining: no new session; %d connected clients have up to %g s",
            self.protocol.open_connections,
            timeout,
        )
        deadline = loop.time() + timeout
        quiet_since: float | None = None
        while (now := loop.time()) < deadline:
            if self.protocol.open_connections or self.sessions.counts()["pending"]:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= DRAIN_QUIET_S:  # a reload (F5) reconnects well within it
                break
            await asyncio.sleep(0.1)
        logger.info("drained: closing %d connected clients (1012)", self.protocol.open_connections)
        await self.close(SERVICE_RESTART)
        if self.stop_server is not None:
            self.stop_server()

    async def _close(self, code: int) -> None:
        if self._janitor is not None:
            self._janitor.cancel()
        self.protocol.close()
        self.sessions.shutdown(code)
        # the handlers end when their client answers the close frame: the server then stops with
        # no socket open (Granian's teardown of open WebSockets is where it has panicked)
        waits = [self.sessions.wait_destroyed(DESTROY_TIMEOUT_S)]
        if self.socket_tasks:
            waits.append(asyncio.wait(set(self.socket_tasks), timeout=SOCKETS_CLOSE_TIMEOUT_S))
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
            except SessionsDraining:  # a balancer retries it on another process
                return HTMLResponse(
                    DRAINING_PAGE, status_code=503, headers={"Retry-After": RETRY_AFTER_DRAINING}
                )
            except SessionsClosed:
                return PlainTextResponse(STOPPING, status_code=503, headers={"Retry-After": RETRY_AFTER})
            except SessionsFull:
                self.log_full("page")
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

    # -- sessions ----------------------------------------------------------------

    def _parano_key(self, session: Session) -> bytes:
        return parano_key(self._secret, session.sid)

    def frame_key(self, session: Session) -> bytes | None:
        return self._parano_key(session) if self.parano else None

    def session_of(self, request: Request | WebSocket) -> Session | None:
        return self.sessions.get(own_session(request).get(SESSION_KEY))

    def admit(self, session: Session | None, kind: str) -> bool | None:
        """Whether a connection of `session` may go on (its session established): False
        for an unknown session (the client reloads), None when the server is full."""
        if session is None:
            return False
        try:
            return self.sessions.establish(session)
        except SessionsFull:
            self.log_full(kind)
            return None

    def log_full(self, what: str) -> None:
        METRICS.refused("full")
        if self.refusal_log.allow():
            logger.warning("%s refused: %d sessions, all connected", what, self.sessions.max_sessions)

    def within_rate(self, session: Session, message: dict[str, Any]) -> bool:
        """Every message a session sends counts (events, pings, malformed ones alike), but the
        chunks of its uploads (bounded by `max_upload_size`, paced by acknowledgements)."""
        limiter = session.limiter
        if limiter is None:
            limiter = session.limiter = RateLimiter(self.event_rate, self.event_burst)
        if message.get("action") is None:  # an event: the usual case
            if limiter.allow():
                return True
        elif self.protocol.uploads.is_live_chunk(session, message) or limiter.allow():
            return True
        METRICS.refused("flood")
        if self.refusal_log.allow():
            logger.warning("message flood from session %s: messages refused", session.sid[:8])
        return False

    def _discarded(self, session: Session) -> None:
        self.protocol.forget_app(session.app)
        self.downloads.forget_session(session.sid)
        for transfer in list(session.uploads.values()):
            self.protocol.uploads.drop(session, transfer, "its session ended")

    def _last_connection_closed(self) -> None:
        if self.exit_on_disconnect and self.stop_server is not None:
            asyncio.get_running_loop().call_later(2.0, self._maybe_exit)

    def _maybe_exit(self) -> None:
        if self.protocol.open_connections == 0 and self.stop_server is not None:
            logger.info("last client gone: stopping (exit_on_disconnect)")
            self.stop_server()

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
                self.protocol.uploads.expire(self.sessions.all())
                self.downloads.expire()
            except Exception:
                logger.exception("session sweep failed")
