"""The fallbacks for browsers without a WebSocket: SSE (`GET /stream` for frames, `POST /event`
for messages) and pure HTTP (`POST /event` with `"fallback": true`, answered with every frame
produced since the last poll). POSTs carry the page's token as a CSRF token.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse

from .codec import decode_message, encode, is_refusal
from .connections import PollConnection, StreamConnection
from .metrics import METRICS
from .protocol import is_known_action
from .refusals import DRAINING, FULL, RETRY_AFTER, RETRY_AFTER_DRAINING, TOO_MANY
from .security import token_matches
from .sessions import Session

if TYPE_CHECKING:
    from .webapp import WebApp

logger = logging.getLogger("htag")


async def stream_endpoint(web: WebApp, request: Request) -> Response:
    session = web.session_of(request)
    if session is not None and not token_matches(session.token, request.query_params.get("token")):
        METRICS.refused("token")
        return JSONResponse({"status": "error", "message": "bad token"}, status_code=403)
    if (
        session is None and web.refuses_unknown_sessions()
    ):  # not ours: a balancer retries the GET on another process
        return PlainTextResponse(DRAINING, status_code=503, headers={"Retry-After": RETRY_AFTER_DRAINING})
    admitted = web.admit(session, "event stream")
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
        conn = StreamConnection(web.frame_key(session))
        web.protocol.attach(session, conn, request.query_params.get("v"))
    return StreamingResponse(
        conn.events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def event_endpoint(web: WebApp, request: Request) -> Response:
    session = web.session_of(request)
    if session is None:
        return JSONResponse({"status": "ok", "payloads": [{"action": "reload"}]})
    if not token_matches(session.token, request.headers.get("x-htag-token")):
        METRICS.refused("csrf")
        logger.warning("POST /event with a missing or wrong CSRF token refused")
        return JSONResponse({"status": "error", "message": "bad CSRF token"}, status_code=403)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > web.max_message_size:
        METRICS.refused("too_large")
        return JSONResponse({"status": "error", "message": "message too large"}, status_code=413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > web.max_message_size:
            METRICS.refused("too_large")
            return JSONResponse({"status": "error", "message": "message too large"}, status_code=413)
    message = decode_message(body, web.max_message_size, web.frame_key(session))
    if not web.within_rate(session, message):
        return JSONResponse({"status": "error", "message": TOO_MANY}, status_code=429)
    if message.get("fallback") is True:
        admitted = web.admit(session, "HTTP poll")
        if admitted is None:
            return JSONResponse(
                {"status": "error", "message": FULL},
                status_code=503,
                headers={"Retry-After": RETRY_AFTER},
            )
        if not admitted:
            return JSONResponse({"status": "ok", "payloads": [{"action": "reload"}]})
        return await poll(web, session, message, request)
    if is_refusal(message):
        METRICS.refused("malformed")
        return JSONResponse({"status": "error", "message": message["message"]}, status_code=400)
    if not is_known_action(message):
        return JSONResponse({"status": "error", "message": "unknown action"}, status_code=400)
    streams = [c for c in session.connections if isinstance(c, StreamConnection)]
    if not streams:
        return JSONResponse({"status": "error", "message": "no open stream"}, status_code=409)
    await web.protocol.handle(session, streams[0], message, request)
    return JSONResponse({"status": "ok"})


async def poll(web: WebApp, session: Session, message: dict[str, Any], request: Request) -> Response:
    """Pure HTTP: run the message, answer with every frame produced since the last poll."""
    poller = session.http
    if not isinstance(poller, PollConnection) or poller.closed:
        poller = PollConnection(web.frame_key(session))
        session.http = poller
        web.protocol.attach(session, poller)
    poller.last_poll = time.monotonic()
    await web.protocol.handle(session, poller, message, request)
    if poller.needs_resync:
        poller.needs_resync = False
        poller.drain()
        poller.push(session.app.full_frame())
    texts = poller.drain()
    if web.parano:
        texts = [orjson.dumps(t).decode() for t in texts]
    return Response('{"status":"ok","payloads":[' + ",".join(texts) + "]}", media_type="application/json")
