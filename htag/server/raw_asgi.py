"""The outermost ASGI layer of htag's Starlette app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any


class RawASGI:
    """The outermost layer of htag's Starlette app: keeps the ASGI `receive`/`send` a
    WebSocket came with, so that its message loop talks to the server directly, not
    through Starlette's WebSocket checks and the send wrappers of the middleware below
    (they act on HTTP responses only). A host application's own middleware, outside,
    is not bypassed.

    The WebSocket endpoint checks and admits a connection inside the middleware stack
    (hosts, the session cookie), then leaves its message loop in the `Handoff` of the scope
    (a middleware may copy the scope: the hand-off is shared) and returns: the loop runs here, once the stack's coroutines have ended, so that they
    are not kept for the socket's whole life (~9 KiB per connection: 13 coroutine frames,
    closures, a second `WebSocket`)."""

    KEY = "htag.asgi"

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        handoff = scope[self.KEY] = Handoff(receive, send)
        await self.app(scope, receive, send)
        if handoff.loop is not None:
            loop, handoff.loop = handoff.loop, None
            await loop()


class Handoff:
    """A WebSocket's own ASGI receive/send, and the message loop its endpoint leaves to run."""

    __slots__ = ("loop", "receive", "send")

    def __init__(self, receive: Any, send: Any) -> None:
        self.receive, self.send = receive, send
        self.loop: Callable[[], Awaitable[None]] | None = None
