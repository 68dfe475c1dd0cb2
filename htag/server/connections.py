"""Connections: one per open WebSocket, SSE stream or pure-HTTP poller.

Each has a bounded outbox, so one slow client never delays the others; an
overflowing outbox closes the connection (the client reconnects and resynchronises
from a full-body frame) instead of growing forever. A WebSocket sends from the task
that produced a frame when it can (no hand-off for a click's reply); SSE and HTTP
frames wait in a queue for their client's request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import orjson

from ..core.frames import Frame
from .codec import encode, obfuscate
from .metrics import METRICS

logger = logging.getLogger("htag")

OUTBOX_SIZE = 256
OVERFLOW_CLOSE_CODE = 4001  # docs/protocol.md: frames were dropped, reconnect to resynchronise
SEND_TIMEOUT = 10.0


class Connection:
    """One client's end: `push` a frame (event-loop thread only), `close` once."""

    kind = "connection"
    __slots__ = ("closed", "on_close", "parano_key")

    def __init__(self, parano_key: bytes | None = None) -> None:
        self.closed = False
        self.parano_key = parano_key
        self.on_close: Callable[[Connection], None] | None = None

    def _text(self, frame: Frame | str) -> str:
        text = frame if type(frame) is str else encode(frame)
        return obfuscate(text, self.parano_key) if self.parano_key else text

    def push(self, frame: Frame | str) -> None:
        """Queues a frame, or its JSON text already made by `codec.encode`."""
        raise NotImplementedError

    def close(self, code: int = 1000) -> None:
        """Ends the connection (`code`: what a WebSocket's close frame says)."""
        if self.closed:
            return
        self.closed = True
        if self.on_close is not None:
            self.on_close(self)


class WebSocketConnection(Connection):
    """Frames go straight to the socket when nothing else is being sent: the task that
    produced them (the receive loop, after a sync callback) sends them itself with
    `flush()`. Frames pushed while nobody sends (a broadcast, a timer, another task or
    thread's change) start a short-lived writer Task that sends what is queued and
    ends. Whoever is sending drains the queue before it lets go, so frames keep their
    order and none is left behind; an idle connection holds no Task and no Queue.

    No timeout around each send (that costs a timer per frame): the sender records
    when its send began (`sending_since`) and the server's watchdog (`SendWatchdog`)
    calls `abort()` on a send stuck for longer than SEND_TIMEOUT."""

    kind = "websocket"
    __slots__ = (
        "_busy", "_close_sent", "_held", "_loop", "_send", "_sender", "_writer", "aborted", "close_code", "queue",
        "reader", "sending_since",
    )  # fmt: skip

    def __init__(self, send: Callable[[dict[str, Any]], Any], parano_key: bytes | None = None) -> None:
        """`send`: the ASGI send callable of the socket (already accepted)."""
        super().__init__(parano_key)
        self._send = send
        self.queue: list[str] = []  # rarely more than one frame: a list (an empty deque takes 624 B)
        self.sending_since = 0.0  # time.monotonic() when the send in progress began; 0: none
        self.reader: asyncio.Task[Any] | None = None  # the receive loop's task (it flushes)
        self.aborted = False
        self._loop = asyncio.get_running_loop()
        self._busy = False  # a task is sending: it drains the queue before letting go
        self._held = False  # the receive loop is handling a message and will flush() after it
        self._sender: asyncio.Task[Any] | None = None
        self._writer: asyncio.Task[Any] | None = None
        self._close_sent = False
        self.close_code = 1000

    def peer_closed(self) -> None:
        """The client is gone: no close frame to send."""
        self._close_sent = True

    def push(self, frame: Frame | str) -> None:
        """Queues a frame (or its text); sends it soon, in order."""
        if self.closed:
            return
        if len(self.queue) >= OUTBOX_SIZE:
            logger.warning("%s outbox full: closing it so the client resynchronises", self.kind)
            self.close(OVERFLOW_CLOSE_CODE)
            return
        self.queue.append(frame if type(frame) is str and not self.parano_key else self._text(frame))
        if not self._busy and not self._held:
            self._busy = True
            self._writer = self._loop.create_task(self._write())

    def hold(self) -> None:
        """The caller (the receive loop) will `flush()` what gets pushed until then."""
        self._held = True

    def flush(self) -> Awaitable[None]:
        """Sends what is queued from the calling task (await it), unless another task is
        already sending (it sends these too). Not a coroutine of its own: one per message
        would be made for nothing."""
        self._held = False
        if self._busy or not (self.queue or self.closed):
            return NOTHING_TO_SEND
        self._busy = True
        self._sender = self.reader
        return self._drain()

    async def _write(self) -> None:
        self._sender = self._writer
        try:
            await self._drain()
        finally:
            self._writer = None

    async def _drain(self) -> None:
        try:
            while self.queue and not self.closed:
                text = self.queue.pop(0)
                self.sending_since = time.monotonic()
                try:
                    await self._send({"type": "websocket.send", "text": text})
                    METRICS.sent(text)
                except Exception as e:  # noqa: BLE001 - any send failure ends this connection only
                    logger.info("websocket send failed (%s): closing", type(e).__name__)
                    self.close()
                finally:
                    self.sending_since = 0.0
            if self.closed and not self._close_sent:
                self._close_sent = True
                with contextlib.suppress(Exception):  # already closed by the peer
                    await self._send({"type": "websocket.close", "code": self.close_code})
        finally:
            self._busy = False
            self._sender = None

    async def sent(self, timeout: float) -> None:
        """Waits (at most `timeout`) for a writer Task still sending, e.g. the close frame
        of a connection closed by another task."""
        writer = self._writer
        if writer is not None and not writer.done():
            await asyncio.wait({writer}, timeout=timeout)

    def stalled(self, now: float) -> bool:
        return bool(self.sending_since) and now - self.sending_since > SEND_TIMEOUT

    def abort(self) -> None:
        """A send stuck for longer than SEND_TIMEOUT: the connection ends (the client
        reconnects and resynchronises)."""
        logger.info("websocket send stalled for over %g s: closing", SEND_TIMEOUT)
        sender = self._sender
        self.aborted = True
        self.close()
        for task in {sender, self.reader}:
            if task is not None and task is not asyncio.current_task():
                task.cancel()

    def close(self, code: int = 1000) -> None:
        """Ends the connection; the close frame carries `code` (1000: a normal end). What
        is queued is dropped: the client resynchronises from the body when it reconnects."""
        if self.closed:
            return
        self.close_code = code
        self.queue.clear()
        # a writer sends the close frame, unless the receive loop is about to flush (it does);
        # the receive loop ends when the socket closes
        if not self._busy and not self._held and not self._close_sent:
            self._busy = True
            self._writer = self._loop.create_task(self._write())
        super().close(code)


class _NothingToSend:
    """What `flush` returns when there is nothing to send: done as soon as awaited."""

    __slots__ = ()

    def __await__(self) -> Iterator[None]:
        return iter(())


NOTHING_TO_SEND = _NothingToSend()


class SendWatchdog:
    """Send timeouts for every WebSocket of a server: one Task, alive while sockets are
    open, that aborts a send stuck for longer than SEND_TIMEOUT."""

    def __init__(self) -> None:
        self.sockets: set[WebSocketConnection] = set()
        self._task: asyncio.Task[None] | None = None

    def watch(self, conn: WebSocketConnection) -> None:
        self.sockets.add(conn)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def forget(self, conn: WebSocketConnection) -> None:
        self.sockets.discard(conn)

    async def _run(self) -> None:
        while self.sockets:
            await asyncio.sleep(SEND_TIMEOUT / 4)
            now = time.monotonic()
            for conn in [c for c in self.sockets if c.stalled(now)]:
                self.sockets.discard(conn)
                conn.abort()


class OutboxConnection(Connection):
    """A connection whose frames wait in a bounded queue until its client takes them."""

    __slots__ = ("outbox",)

    def __init__(self, parano_key: bytes | None = None) -> None:
        super().__init__(parano_key)
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue(OUTBOX_SIZE)

    def push(self, frame: Frame | str) -> None:
        if self.closed:
            return
        try:
            self.outbox.put_nowait(self._text(frame))
        except asyncio.QueueFull:
            logger.warning("%s outbox full: closing it so the client resynchronises", self.kind)
            self.close(OVERFLOW_CLOSE_CODE)

    def close(self, code: int = 1000) -> None:
        if self.closed:
            return
        # what waits is dropped (the client resynchronises when it comes back), so that the
        # end-of-stream mark always fits: the reader stops at its next wait
        while not self.outbox.empty():
            self.outbox.get_nowait()
        self.outbox.put_nowait(None)
        super().close(code)


class StreamConnection(OutboxConnection):
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
                METRICS.sent(text)
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


class PollConnection(OutboxConnection):
    """Pure HTTP: frames wait until the client's next POST collects them."""

    kind = "http"

    def __init__(self, parano_key: bytes | None = None) -> None:
        super().__init__(parano_key)
        self.needs_resync = False
        self.last_poll = time.monotonic()

    def push(self, frame: Frame | str) -> None:
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
                METRICS.sent(text)
                items.append(text)
        return items
