"""How the testing client reaches a server: in-process, by calling the ASGI
application (no sockets, no threads), or over the network (a running server).

Both give the same two things a browser needs: `get(path)`, a page over HTTP, and
`open_socket(path)`, a WebSocket whose incoming text messages are handed to a
callback. Cookies are kept by the caller (`cookies.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

OnMessage = Callable[[str], None]
OnClose = Callable[[int | None], None]


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


class Socket:
    """An open WebSocket: `send_message(text)`, `close()`; incoming messages go to the
    `on_message` callback, its end to `on_close(code)`."""

    async def send_message(self, text: str) -> None:
        raise NotImplementedError

    async def close(self, code: int = 1000) -> None:
        raise NotImplementedError


class Transport:
    base_url: str = "http://testserver"

    async def start(self) -> None:
        """Before the first request."""

    async def stop(self) -> None:
        """After the last one."""

    async def get(self, path: str, headers: dict[str, str]) -> Response:
        return await self.request("GET", path, headers)

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Response:
        raise NotImplementedError

    async def open_socket(
        self, path: str, headers: dict[str, str], on_message: OnMessage, on_close: OnClose
    ) -> Socket:
        raise NotImplementedError


# -- in-process -------------------------------------------------------------------


class AsgiTransport(Transport):
    """Calls an ASGI application directly. `lifespan=True` runs its lifespan (startup at
    `start`, shutdown at `stop`: an htag WebApp then destroys its sessions)."""

    def __init__(self, app: Any, lifespan: bool = True, base_url: str = "http://testserver") -> None:
        self.app = app
        self.lifespan = lifespan
        self.base_url = base_url.rstrip("/")
        self._host = urlsplit(self.base_url).netloc
        self._lifespan_in: asyncio.Queue[dict[str, Any]] | None = None
        self._lifespan_out: asyncio.Queue[dict[str, Any]] | None = None
        self._lifespan_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if not self.lifespan:
            return
        self._lifespan_in, self._lifespan_out = asyncio.Queue(), asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self._lifespan_task = asyncio.create_task(
            self.app(scope, self._lifespan_in.get, self._lifespan_out.put)
        )
        await self._lifespan_step("startup")

    async def stop(self) -> None:
        if self._lifespan_task is None:
            return
        try:
            await self._lifespan_step("shutdown")
        finally:
            task, self._lifespan_task = self._lifespan_task, None
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(task, 15)

    async def _lifespan_step(self, step: str) -> None:
        assert self._lifespan_in is not None and self._lifespan_out is not None
        await self._lifespan_in.put({"type": f"lifespan.{step}"})
        answer = await asyncio.wait_for(self._lifespan_out.get(), 15)
        if answer["type"] != f"lifespan.{step}.complete":
            raise RuntimeError(f"the application's lifespan {step} failed: {answer.get('message', answer)}")

    def _scope(self, kind: str, path: str, headers: dict[str, str], method: str = "GET") -> dict[str, Any]:
        parts = urlsplit(path)
        raw = [(b"host", self._host.encode())] + [
            (k.lower().encode(), v.encode()) for k, v in headers.items()
        ]
        scope: dict[str, Any] = {
            "type": kind,
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "scheme": "ws" if kind == "websocket" else "http",
            "path": parts.path or "/",
            "raw_path": (parts.path or "/").encode(),
            "query_string": parts.query.encode(),
            "root_path": "",
            "headers": raw,
            "client": ("127.0.0.1", 50000),
            "server": (self._host.split(":")[0], 80),
            "state": {},
        }
        if kind == "http":
            scope["method"] = method
        else:
            scope["subprotocols"] = []
        return scope

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Response:
        sent: list[dict[str, Any]] = []
        requested = False

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the request is whole: nothing more ever comes
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await self.app(self._scope("http", path, headers, method), receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return Response(
            start["status"], [(k.decode().lower(), v.decode()) for k, v in start.get("headers", [])], body
        )

    async def open_socket(
        self, path: str, headers: dict[str, str], on_message: OnMessage, on_close: OnClose
    ) -> Socket:
        socket = AsgiSocket(on_message, on_close)
        socket.task = asyncio.create_task(
            self.app(self._scope("websocket", path, headers), socket.asgi_receive, socket.asgi_send)
        )
        await socket.opened(socket.task)
        return socket


class AsgiSocket(Socket):
    """The two queues between the testing client and the application's WebSocket."""

    def __init__(self, on_message: OnMessage, on_close: OnClose) -> None:
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.incoming.put_nowait({"type": "websocket.connect"})
        self.on_message, self.on_close = on_message, on_close
        self.accepted = asyncio.get_running_loop().create_future()
        self.closed = False
        self.task: asyncio.Task[None] | None = None

    async def opened(self, task: asyncio.Task[None]) -> None:
        done, _ = await asyncio.wait({self.accepted, task}, return_when=asyncio.FIRST_COMPLETED)
        if self.accepted not in done:
            task.result()  # raises what the application raised
            raise ConnectionError("the application ended the WebSocket before accepting it")
        if not self.accepted.result():
            raise ConnectionError("the application refused the WebSocket")

    async def asgi_receive(self) -> dict[str, Any]:
        return await self.incoming.get()

    async def asgi_send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "websocket.accept":
            if not self.accepted.done():
                self.accepted.set_result(True)
        elif kind == "websocket.send":
            text = message.get("text")
            self.on_message(text if text is not None else message.get("bytes", b"").decode())
        elif kind == "websocket.close":
            if not self.accepted.done():
                self.accepted.set_result(False)
            if not self.closed:
                self.closed = True
                self.on_close(message.get("code", 1000))
                self.incoming.put_nowait({"type": "websocket.disconnect", "code": message.get("code", 1000)})

    async def send_message(self, text: str) -> None:
        await self.incoming.put({"type": "websocket.receive", "text": text})

    async def close(self, code: int = 1000) -> None:
        if not self.closed:
            self.closed = True
            await self.incoming.put({"type": "websocket.disconnect", "code": code})
        if self.task is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self.task), 10)


# -- over the network -----------------------------------------------------------------


class NetworkTransport(Transport):
    """A running server: pages with the standard library's HTTP client, the WebSocket
    with the `websockets` package (in htag's `test` extra)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ValueError(f"url must be http:// or https://, not {url!r}")
        self.base_url = f"{parts.scheme}://{parts.netloc}"
        self.page_path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._parts = parts

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Response:
        return await asyncio.to_thread(self._request, method, path, headers, body)

    def _request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        cls = http.client.HTTPSConnection if self._parts.scheme == "https" else http.client.HTTPConnection
        conn = cls(self._parts.netloc, timeout=30)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            r = conn.getresponse()
            return Response(r.status, [(k.lower(), v) for k, v in r.getheaders()], r.read())
        finally:
            conn.close()

    async def open_socket(
        self, path: str, headers: dict[str, str], on_message: OnMessage, on_close: OnClose
    ) -> Socket:
        try:
            from websockets.asyncio.client import connect
        except ImportError as e:  # pragma: no cover - in the test extra
            raise RuntimeError(
                "Client(url=...) needs the `websockets` package: pip install websockets"
            ) from e
        scheme = "wss" if self._parts.scheme == "https" else "ws"
        ws = await connect(
            f"{scheme}://{self._parts.netloc}{path}",
            additional_headers=dict(headers, Origin=self.base_url),
            max_size=None,
        )
        return NetworkSocket(ws, on_message, on_close)


class NetworkSocket(Socket):
    def __init__(self, ws: Any, on_message: OnMessage, on_close: OnClose) -> None:
        self.ws = ws
        self.reader = asyncio.create_task(self._read(on_message, on_close))

    async def _read(self, on_message: OnMessage, on_close: OnClose) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for message in self.ws:
                on_message(message if isinstance(message, str) else message.decode())
        except ConnectionClosed:
            pass
        on_close(self.ws.close_code)

    async def send_message(self, text: str) -> None:
        await self.ws.send(text)

    async def close(self, code: int = 1000) -> None:
        await self.ws.close(code)
        with contextlib.suppress(asyncio.CancelledError):
            await self.reader
