"""Connections: one per open WebSocket, SSE stream or pure-HTTP poller.

Each has a bounded outbox drained by its own writer, so one slow client never
delays the others; an overflowing outbox closes the connection (the client
reconnects and resynchronises from a full-body frame) instead of growing forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

import orjson

from ..core.frames import Frame
from .codec import encode, obfuscate

logger = logging.getLogger("htag")

OUTBOX_SIZE = 256
SEND_TIMEOUT = 10.0


async def within(seconds: float, awaitable: Any) -> Any:
    """`asyncio.wait_for` without its extra Task where Python has `asyncio.timeout`
    (3.11+): this runs once per frame sent."""
    if hasattr(asyncio, "timeout"):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)


class Connection:
    kind = "connection"

    def __init__(self, parano_key: bytes | None = None) -> None:
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue(OUTBOX_SIZE)
        self.closed = False
        self.parano_key = parano_key
        self.on_close: Callable[[Connection], None] | None = None

    def push(self, frame: Frame) -> None:
        """Queues a frame (event-loop thread only)."""
        if self.closed:
            return
        text = encode(frame)
        if self.parano_key:
            text = obfuscate(text, self.parano_key)
        try:
            self.outbox.put_nowait(text)
        except asyncio.QueueFull:
            logger.warning("%s outbox full: closing it so the client resynchronises", self.kind)
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(asyncio.QueueFull):  # the writer stops at the next failed send
            self.outbox.put_nowait(None)
        if self.on_close is not None:
            self.on_close(self)


class WebSocketConnection(Connection):
    kind = "websocket"

    def __init__(self, websocket: Any, parano_key: bytes | None = None) -> None:
        super().__init__(parano_key)
        self.websocket = websocket

    async def write(self) -> None:
        """Sends the outbox until closed; a send that stalls closes the connection."""
        while True:
            text = await self.outbox.get()
            if text is None:
                break
            try:
                await within(SEND_TIMEOUT, self.websocket.send_text(text))
            except Exception as e:  # noqa: BLE001 - any send failure ends this connection only
                logger.info("websocket send failed (%s): closing", type(e).__name__)
                self.close()
                break
        with contextlib.suppress(Exception):  # already closed by the peer
            await self.websocket.close()


class StreamConnection(Connection):
    """Server-Sent Events: frames as `data:` lines.

    Each HTTP stream ends by itself after `LIFETIME` seconds, announced by a
    `renew` frame: Granian waits for open responses before it shuts down, so an
    endless stream would hold a Ctrl+C forever. The client opens the next stream
    with `resume=<key>` and the same connection (its outbox included) goes on; one
    not resumed within `GRACE` seconds is closed."""

    kind = "sse"
    LIFETIME = 3.0
    KEEPALIVE = 10.0
    GRACE = 10.0

    def __init__(self, parano_key: bytes | None = None) -> None:
        super().__init__(parano_key)
        self.key = secrets.token_urlsafe(12)
        self.streaming = False
        self._expiry: asyncio.TimerHandle | None = None

    async def events(self) -> Any:
        """One HTTP stream's worth of frames."""
        self.streaming = True
        if self._expiry is not None:
            self._expiry.cancel()
        renewed = False
        try:
            yield "retry: 500\n\n"
            deadline = time.monotonic() + self.LIFETIME
            while (left := deadline - time.monotonic()) > 0:
                try:
                    text = await asyncio.wait_for(self.outbox.get(), min(self.KEEPALIVE, left))
                except asyncio.TimeoutError:
                    yield ": keepalive\n\n"  # proxies close silent streams
                    continue
                if text is None:
                    return
                yield f"data: {text}\n\n"
            renewed = True
            # plain JSON even in parano mode: the client accepts it (never valid base64)
            yield "data: " + orjson.dumps({"action": "renew", "key": self.key}).decode() + "\n\n"
        finally:
            self.streaming = False
            if renewed and not self.closed:
                self._expiry = asyncio.get_running_loop().call_later(self.GRACE, self._expire)
            else:
                self.close()

    def _expire(self) -> None:
        if not self.streaming:
            self.close()


class PollConnection(Connection):
    """Pure HTTP: frames wait until the client's next POST collects them."""

    kind = "http"

    def __init__(self, parano_key: bytes | None = None) -> None:
        super().__init__(parano_key)
        self.needs_resync = False
        self.last_poll = time.monotonic()

    def push(self, frame: Frame) -> None:
        if self.outbox.full():
            # the client stopped polling for a while: drop the backlog, resend everything
            while not self.outbox.empty():
                self.outbox.get_nowait()
            self.needs_resync = True
            return
        super().push(frame)

    def drain(self) -> list[str]:
        items = []
        while not self.outbox.empty():
            text = self.outbox.get_nowait()
            if text is not None:
                items.append(text)
        return items
