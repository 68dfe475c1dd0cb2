"""`WebApp`: an htag App as a Starlette ASGI application.

Routes (relative to where it is mounted): `GET /` the page, `GET /ws` the WebSocket,
`GET /stream` + `POST /event` the SSE fallback, `POST /event` with `"fallback": true`
the pure-HTTP fallback, `GET /_htag/htag.<hash>.js` the client. Sessions ride on
Starlette's signed cookie; each request or socket is checked (Origin, CSRF token,
size, rate) before it reaches the App.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import html
import logging
import os
import secrets
import time
from collections.abc import AsyncIterator, Callable
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from .app import App
from .connections import (
    Connection,
    PollConnection,
    StreamConnection,
    WebSocketConnection,
    deobfuscate,
    encode,
)
from .dispatch import Dispatcher, callback_id_of, error_frame, run_lifecycle
from .sessions import Session, SessionManager
from .updates import Updater

logger = logging.getLogger("htag")

SESSION_KEY = "htag_sid"
SECRET_ENV = "HTAG_SECRET_KEY"
CLIENT_JS = resources.files("htag").joinpath("client/htag.js").read_bytes()
CLIENT_HASH = hashlib.sha256(CLIENT_JS).hexdigest()[:12]
FAVICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" '
    b'fill="#2b6cb0"/><path d="M4 3v10M4 8h8M12 3v10" stroke="#fff" stroke-width="2"/></svg>'
)


class RateLimiter:
    """A token bucket: `burst` events at once, then `rate` per second."""

    def __init__(self, rate: float = 100.0, burst: float = 200.0) -> None:
        self.rate, self.capacity, self.tokens = rate, burst, burst
        self.stamp = time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


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
        self.dispatcher = Dispatcher(debug)
        self._updaters: dict[int, Updater] = {}
        self._janitor: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._open = 0
        self._error_log = RateLimiter(rate=0.2, burst=10)
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
                    Route(f"/_htag/htag.{CLIENT_HASH}.js", self.client_js, methods=["GET"]),
                    Route("/favicon.ico", self.favicon, methods=["GET"]),
                    Route("/logo.png", self.favicon, methods=["GET"]),
                ],
                middleware=[
                    Middleware(
                        SessionMiddleware,
                        secret_key=self._secret,
                        session_cookie="htag_session",
                        same_site="lax",
                        https_only=self._https_only,
                        max_age=14 * 24 * 3600,
                    )
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
            for updater in self._updaters.values():
                updater.close()
            self.sessions.shutdown()

    def run(self, host: str = "127.0.0.1", port: int = 8000, **options: Any) -> None:
        """Serves on Granian (default) or uvicorn: see `htag.serve.run`."""
        from .serve import run

        run(self, host, port, **options)

    # -- pages and files -------------------------------------------------------

    async def page(self, request: Request) -> Response:
        if "n" in request.query_params and request.headers.get("sec-fetch-site", "none") in ("none", "same-origin"):
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
        statics, body = app.render_page()
        return HTMLResponse(self._document(request, session, statics, body), headers={"Cache-Control": "no-store"})

    def _document(self, request: Request, session: Session, statics: list[str], body: str) -> str:
        base = request.scope.get("root_path", "").rstrip("/") + "/"
        attrs = {
            "data-htag-base": base,
            "data-htag-token": session.token,
            "data-htag-debug": "1" if self.debug else "0",
            "data-htag-reload": "1" if self.dev_reload else "0",
        }
        if self.parano:
            attrs["data-htag-parano"] = self._parano_key(session).decode()
        html_attrs = " ".join(f'{k}="{html.escape(v)}"' for k, v in attrs.items())
        has_title = any(s.lstrip().lower().startswith("<title") for s in statics)
        title = "" if has_title else f"<title>{html.escape(type(session.app).__name__)}</title>"
        return (
            f"<!DOCTYPE html>\n<html {html_attrs}>\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'{title}<link rel="icon" href="{html.escape(base)}favicon.ico">\n'
            + "\n".join(statics)
            + f'\n<script src="{html.escape(base)}_htag/htag.{CLIENT_HASH}.js" defer></script>\n'
            f"</head>\n{body}\n</html>\n"
        )

    async def client_js(self, request: Request) -> Response:
        return Response(
            CLIENT_JS,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )

    async def favicon(self, request: Request) -> Response:
        return Response(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})

    # -- sessions, checks ------------------------------------------------------

    def _parano_key(self, session: Session) -> bytes:
        return hashlib.sha256(f"{self._secret}:{session.sid}".encode()).hexdigest()[:32].encode()

    def _key(self, session: Session) -> bytes | None:
        return self._parano_key(session) if self.parano else None

    def _origin_ok(self, websocket: WebSocket) -> bool:
        origin = websocket.headers.get("origin")
        if origin is None:
            return True  # not a browser: it still needs the session cookie and the token
        origin = origin.rstrip("/")
        if origin in self.allowed_origins:
            return True
        return urlsplit(origin).netloc == websocket.headers.get("host")

    @staticmethod
    def _token_ok(session: Session, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(session.token.encode(), token.encode())

    def _updater(self, app: App) -> Updater:
        updater = self._updaters.get(id(app))
        if updater is None:
            updater = Updater(app, asyncio.get_running_loop(), self.throttle)
            self._updaters[id(app)] = updater
        return updater

    def _attach(self, session: Session, conn: Connection) -> Updater:
        updater = self._updater(session.app)
        updater.connections.add(conn)
        session.connections.add(conn)
        self._open += 1
        logger.info("%s connected to session %s", conn.kind, session.sid[:8])

        def detach(c: Connection) -> None:
            updater.connections.discard(c)
            session.connections.discard(c)
            if session.http is c:
                session.http = None
            self._open -= 1
            logger.info("%s of session %s closed", c.kind, session.sid[:8])
            if self._open == 0 and self.exit_on_disconnect and self.on_last_disconnect:
                asyncio.get_running_loop().call_later(2.0, self._maybe_exit)

        conn.on_close = detach
        conn.push(session.app.full_frame())
        self._start_lifecycle(session, updater)
        return updater

    def _maybe_exit(self) -> None:
        if self._open == 0 and self.on_last_disconnect is not None:
            logger.info("last client gone: stopping (exit_on_disconnect)")
            self.on_last_disconnect()

    def _start_lifecycle(self, session: Session, updater: Updater) -> None:
        for item in session.app._take_lifecycle():
            self._spawn(run_lifecycle(session.app, item, updater.broadcast, self.dispatcher))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)  # keep a reference: the loop holds tasks only weakly
        task.add_done_callback(self._tasks.discard)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(min(30.0, max(1.0, self.sessions.idle_timeout / 4)))
            try:
                self.sessions.expire()
                for session in list(self.sessions._sessions.values()):
                    poller = session.http
                    if isinstance(poller, PollConnection) and time.monotonic() - poller.last_poll > 60:
                        poller.close()
                live = {id(s.app) for s in self.sessions._sessions.values()} | {id(self.sessions.shared)}
                for key in [k for k in self._updaters if k not in live]:
                    self._updaters.pop(key).close()
            except Exception:
                logger.exception("session sweep failed")

    # -- messages ----------------------------------------------------------------

    def _parse(self, raw: str | bytes | None, session: Session) -> Any:
        """The decoded message, or an error frame (a dict with action 'error')."""
        if raw is None:
            return error_frame("empty message", None)
        if len(raw) > self.max_message_size:
            logger.warning("message of %d bytes refused (limit %d)", len(raw), self.max_message_size)
            return error_frame(f"message over {self.max_message_size} bytes refused", None)
        try:
            text = raw.decode() if isinstance(raw, bytes) else raw
            key = self._key(session)
            if key:
                text = deobfuscate(text, key)
            message = orjson.loads(text)
        except (ValueError, UnicodeDecodeError) as e:
            logger.warning("malformed message refused: %s", e)
            return error_frame("malformed message: not JSON", None)
        if not isinstance(message, dict):
            return error_frame("malformed message: not an object", None)
        return message

    async def _handle(self, session: Session, conn: Connection, message: dict[str, Any], request: Any) -> None:
        action = message.get("action")
        if action == "ping":
            conn.push({"action": "pong"})
            return
        if action == "poll":
            return
        if action == "log_error":
            if self._error_log.allow():
                logger.warning("client error: %s", str(message.get("error"))[:2000])
            return
        if action is not None and action != "event":
            conn.push(error_frame(f"unknown action {str(action)[:50]!r}", None))
            return
        callback_id = callback_id_of(message)
        if callback_id is not None and not session.first_time(callback_id):
            logger.info("event %s resent by the client: not run again", callback_id[:20])
            reply = session.replies.get(callback_id)
            if reply is not None:
                conn.push(reply)
            return
        app = session.app
        updater = self._updater(app)

        def send(frame: dict[str, Any]) -> None:
            if frame.get("action") == "error" or "callback_id" in frame:
                if frame.get("callback_id") in session.replies:
                    session.replies[frame["callback_id"]] = frame
                conn.push(frame)
                shared = {k: v for k, v in frame.items() if k not in ("callback_id", "result")}
                if frame.get("action") == "update" and len(shared) > 1:
                    updater.broadcast(shared, exclude=conn)
            else:
                updater.broadcast(frame)

        app._current_request = request
        await self.dispatcher.handle(app, message, send)

    # -- WebSocket ---------------------------------------------------------------

    async def websocket(self, websocket: WebSocket) -> None:
        if not self._origin_ok(websocket):
            logger.warning("websocket from origin %r refused", websocket.headers.get("origin"))
            await websocket.close(code=1008)
            return
        session = self.sessions.get(websocket.session.get(SESSION_KEY))
        if session is not None and not self._token_ok(session, websocket.query_params.get("token")):
            logger.warning("websocket with a wrong token refused")
            await websocket.close(code=1008)
            return
        await websocket.accept()
        if session is None:
            await websocket.send_text(encode({"action": "reload"}))
            await websocket.close()
            return
        conn = WebSocketConnection(websocket, self._key(session))
        writer = asyncio.create_task(conn.write())
        self._attach(session, conn)
        limiter = RateLimiter(self.event_rate, self.event_burst)
        try:
            while not conn.closed:
                msg = await websocket.receive()
                if msg["type"] == "websocket.disconnect":
                    break
                session.last_seen = time.monotonic()
                raw = msg.get("text") if msg.get("text") is not None else msg.get("bytes")
                message = self._parse(raw, session)
                if message.get("action") == "error":
                    conn.push(message)
                    continue
                if "id" in message and not limiter.allow():
                    logger.warning("event flood from session %s: event refused", session.sid[:8])
                    conn.push(error_frame("too many events: refused", callback_id_of(message)))
                    continue
                self._spawn(self._handle(session, conn, message, websocket))
        except WebSocketDisconnect:
            pass
        finally:
            conn.close()
            await writer

    # -- SSE and HTTP fallbacks --------------------------------------------------

    def _http_session(self, request: Request) -> Session | None:
        return self.sessions.get(request.session.get(SESSION_KEY))

    async def stream(self, request: Request) -> Response:
        session = self._http_session(request)
        if session is None:
            return Response("data: " + encode({"action": "reload"}) + "\n\n", media_type="text/event-stream")
        if not self._token_ok(session, request.query_params.get("token")):
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
            self._attach(session, conn)
        return StreamingResponse(
            conn.events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def event(self, request: Request) -> Response:
        session = self._http_session(request)
        if session is None:
            return JSONResponse({"status": "ok", "payloads": [{"action": "reload"}]})
        if not self._token_ok(session, request.headers.get("x-htag-token")):
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
        message = self._parse(body, session)
        fallback = message.get("fallback") is True
        if fallback:
            poller = session.http
            if not isinstance(poller, PollConnection) or poller.closed:
                poller = PollConnection(self._key(session))
                session.http = poller
                self._attach(session, poller)
            poller.last_poll = time.monotonic()
            if message.get("action") == "error":
                poller.push(message)
            else:
                await self._handle(session, poller, message, request)
            if poller.needs_resync:
                poller.needs_resync = False
                poller.drain()
                poller.push(session.app.full_frame())
            texts = poller.drain()
            if self.parano:
                texts = [orjson.dumps(t).decode() for t in texts]
            return Response('{"status":"ok","payloads":[' + ",".join(texts) + "]}", media_type="application/json")
        streams = [c for c in session.connections if isinstance(c, StreamConnection)]
        if message.get("action") == "error":
            return JSONResponse({"status": "error", "message": message["message"]}, status_code=400)
        if not streams:
            return JSONResponse({"status": "error", "message": "no open stream"}, status_code=409)
        await self._handle(session, streams[0], message, request)
        return JSONResponse({"status": "ok"})
