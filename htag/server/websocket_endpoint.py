"""The WebSocket endpoint: checks the connection (Origin, the page's token, the session's
admission), attaches it to its session, then reads messages in order and hands each to the
protocol engine (`protocol.py`), flushing what it produced from this same task.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import TYPE_CHECKING, Any

from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket

from ..core.context import current_request
from ..core.frames import error_frame
from .codec import MESSAGE_TOO_BIG, decode_message, encode, is_refusal, unacceptable_frame
from .connections import SEND_TIMEOUT, WebSocketConnection
from .dispatch import callback_id_of
from .metrics import METRICS
from .raw_asgi import RawASGI
from .refusals import DRAINING, FULL, RETRY_AFTER_DRAINING, TOO_MANY
from .security import origin_allowed, token_matches
from .sockets import cut

if TYPE_CHECKING:
    from .sessions import Session
    from .webapp import WebApp

logger = logging.getLogger("htag")


async def websocket_endpoint(web: WebApp, websocket: WebSocket) -> None:
    headers = websocket.headers
    if not origin_allowed(
        headers.get("origin"), headers.get("host"), websocket.url.scheme, web.allowed_origins
    ):
        METRICS.refused("origin")
        if web.refusal_log.allow():
            logger.warning(
                "websocket from origin %.100r refused: not the Host %.100r nor an allowed origin",
                headers.get("origin"),
                headers.get("host"),
            )
        await websocket.close(code=1008)
        return
    session = web.session_of(websocket)
    if session is not None and not token_matches(session.token, websocket.query_params.get("token")):
        METRICS.refused("token")
        if web.refusal_log.allow():
            logger.warning("websocket with a wrong token refused")
        await websocket.close(code=1008)
        return
    if session is None and web.refuses_unknown_sessions():
        await refuse_while_draining(websocket)
        return
    await websocket.accept()
    admitted = web.admit(session, "websocket")
    if admitted is None:
        await websocket.send_text(encode(error_frame(FULL, None)))
        await websocket.close(code=1013)  # try again later
        return
    if session is None or not admitted:
        await websocket.send_text(encode({"action": "reload"}))
        await websocket.close()
        return
    handoff = websocket.scope.get(RawASGI.KEY)
    if handoff is None:  # not below RawASGI: the loop runs in this endpoint
        await message_loop(web, websocket, session, websocket._receive, websocket._send)
    else:  # the loop runs in RawASGI, after the middleware stack has returned
        handoff.loop = functools.partial(message_loop, web, websocket, session, handoff.receive, handoff.send)


async def message_loop(web: WebApp, websocket: WebSocket, session: Session, receive: Any, send: Any) -> None:
    """Reads the admitted socket's messages in order and hands each to the protocol engine,
    flushing what it produced from this same task; talks to the server's own receive/send."""
    context = current_request.set(websocket)  # what the tasks a callback starts inherit
    conn = WebSocketConnection(send, web.frame_key(session))
    conn.reader = asyncio.current_task()
    web.socket_tasks.add(conn.reader)
    web.watchdog.watch(conn)
    conn.hold()  # the first frame goes out below, from this task
    session.app._current_request = websocket
    web.protocol.attach(session, conn, websocket.query_params.get("v"))
    try:
        await conn.flush()
        while not conn.closed:
            msg = await receive()
            if msg["type"] != "websocket.receive":  # websocket.disconnect
                conn.peer_closed()
                break
            session.last_seen = time.monotonic()
            raw = msg.get("text")
            if raw is None:
                raw = msg.get("bytes")
            conn.hold()  # what this message produces is sent below, by this task
            if (type(raw) is not str or len(raw) > web.max_message_size) and (
                code := unacceptable_frame(raw, web.max_message_size)
            ) is not None:
                METRICS.refused("too_large" if code == MESSAGE_TOO_BIG else "malformed")
                conn.close(code)
                await conn.flush()  # the close frame, with its code
                break
            message = decode_message(raw, web.max_message_size, conn.parano_key)
            if not web.within_rate(session, message):
                conn.push(error_frame(TOO_MANY, callback_id_of(message)))
            elif is_refusal(message):
                METRICS.refused("malformed")
                conn.push(message)
            else:
                # a plain sync callback runs here, in order, without a Task of its own; an
                # async or generator callback goes on in a Task, so the next message is
                # never held up
                try:
                    rest = web.protocol.start(session, conn, message, websocket)
                except Exception:  # a bug of ours must not end the socket
                    logger.exception("handling a message failed")
                    conn.push(error_frame("An internal error occurred.", callback_id_of(message)))
                    rest = None
                if rest is not None:
                    web.protocol.spawn(rest)
            await conn.flush()
    except asyncio.CancelledError:
        if not conn.aborted:  # aborted: the watchdog ended a stalled send
            raise
        cut(websocket.scope)  # its client reads nothing: not even a close frame would reach it
    finally:
        web.socket_tasks.discard(conn.reader)
        web.watchdog.forget(conn)
        conn.close()
        # a close frame that another task is still sending (closed from elsewhere: shutdown,
        # discard) must leave before this handler returns: the server then closes the socket
        # itself, without a code (the client sees 1005)
        await conn.sent(SEND_TIMEOUT)
        current_request.reset(context)


async def refuse_while_draining(websocket: WebSocket) -> None:
    """A WebSocket of a session this draining process does not have (a page another process
    served, the balancer's route still pointing here): a 503 to the handshake, which a balancer
    retries on the next process (the handshake is a GET), rather than an accepted socket told to
    reload. A server without the denial extension refuses the handshake (403) instead."""
    response = PlainTextResponse(DRAINING, status_code=503, headers={"Retry-After": RETRY_AFTER_DRAINING})
    try:
        await websocket.send_denial_response(response)
    except RuntimeError:
        await websocket.close(code=1013)
