"""The outermost ASGI layer of htag's Starlette app."""

from __future__ import annotations

from typing import Any


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
