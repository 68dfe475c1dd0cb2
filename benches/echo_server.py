"""A bare ASGI WebSocket echo server on Granian: the floor the server benchmark compares against.

    python benches/echo_server.py --port 8123

Every WebSocket text (or bytes) message is sent straight back; any HTTP request gets `200 ok` (used
as the readiness probe). Granian is started exactly as `htag.serve` starts ours: ASGI interface, one
worker, WebSockets on, no access log, the app object handed over by `target_loader`.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The whole ASGI application."""
    if scope["type"] == "websocket":
        await echo(receive, send)
    elif scope["type"] == "http":
        await answer_ok(receive, send)
    elif scope["type"] == "lifespan":
        await lifespan(receive, send)


async def echo(receive: Receive, send: Send) -> None:
    """Accepts the socket, then sends back each message as it came."""
    first = await receive()
    if first["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] != "websocket.receive":
            return  # websocket.disconnect
        if message.get("text") is not None:
            await send({"type": "websocket.send", "text": message["text"]})
        else:
            await send({"type": "websocket.send", "bytes": message.get("bytes") or b""})


async def answer_ok(receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def serve(host: str, port: int) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    server = Granian(
        "echo_server:app",  # unused: target_loader hands over the object, as htag.serve does
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=1,
        websockets=True,
        log_access=False,
    )
    server.serve(target_loader=lambda *_: app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
