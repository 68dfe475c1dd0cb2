"""What the reliability tests and `measure.py` share: a real server (Granian on loopback, started as the
server tests start it, `tests/server/conftest.py`), its memory, and protocol clients.

The WebSocket session client is the benchmark's (`benches/loadclient.py`: page, cookie, token, socket,
first frame, click -> reply); the HTTP ones (`HttpSession`) follow docs/protocol.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import psutil
from websockets.asyncio.client import connect

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
for extra in (TESTS, TESTS.parent / "benches"):  # appended: the installed htag stays first
    if str(extra) not in sys.path:
        sys.path.append(str(extra))

import loadclient  # benches/loadclient.py (put on the path above)
from server.conftest import Server  # tests/server/conftest.py

APPS = HERE / "stress_apps.py"
# what the server logs when something escaped htag's own error handling
INTERNAL_ERRORS = ("handling a message failed", "Exception in ASGI application", "panicked")


def start_server(
    directory: Path, name: str = "server", app: str = "Workload", server: str = "granian", **options: Any
) -> Server:
    """A server (Granian unless said) of `stress_apps.<app>` (WebApp options as given); its log in
    `directory`."""
    return Server(app, server, directory / f"{name}.log", apps_module=APPS, **options)


def server_rss(server: Server) -> int:
    """Resident memory of the server (Granian's main process and its worker), in bytes."""
    main = psutil.Process(server.proc.pid)
    return sum(p.memory_info().rss for p in [main, *main.children(recursive=True)])


def destroyed(server: Server) -> int:
    """How many sessions' `on_destroy` ran (the App records each in the test log)."""
    return sum(1 for line in server.records() if line.startswith("destroy"))


def internal_errors(server: Server) -> list[str]:
    """The server's log lines that tell of an error htag did not handle itself."""
    if not server.out.closed:
        server.out.flush()
    lines = server.log.with_suffix(".out").read_text(errors="replace").splitlines()
    return [line for line in lines if any(marker in line for marker in INTERNAL_ERRORS)]


def percentile(values: list[float], q: float) -> float | None:
    return loadclient.percentile(sorted(values), q)


async def wait_until(condition: Any, timeout: float, every: float = 0.05) -> bool:
    """Polls `condition()` until it is true or `timeout` seconds have passed; returns its last value."""
    deadline = time.monotonic() + timeout
    while not (done := condition()) and time.monotonic() < deadline:
        await asyncio.sleep(every)
    return bool(done)


# --------------------------------------------------------------------------- WebSocket sessions


async def open_session(url: str, index: int = 0) -> loadclient.Session:
    return await loadclient.open_htag_session(index, url, "inc")


@dataclass
class Identity:
    """A browser's session: its cookies and WebSocket token (to reconnect to the same session)."""

    url: str
    cookies: list[str]
    token: str

    @classmethod
    async def new(cls, url: str) -> Identity:
        cookies, page = await loadclient.fetch_page(*host_port(url))
        return cls(url, cookies, loadclient.page_token(page) or "")

    async def connect(self, index: int = 0) -> loadclient.Session:
        """A WebSocket of this session, past its first frame, clicking `inc` (like a reload of the page)."""
        host, port = host_port(self.url)
        headers = {"Cookie": "; ".join(self.cookies), "Origin": f"http://{host}:{port}"}
        ws = await connect(
            f"ws://{host}:{port}/ws?token={self.token}",
            additional_headers=headers,
            compression=None,
            max_size=None,
            ping_interval=None,
        )
        first = orjson.loads(await asyncio.wait_for(ws.recv(), loadclient.REPLY_TIMEOUT_S))
        if first.get("action") != "update":
            await ws.close()
            raise RuntimeError(f"the first frame is not the body: {str(first)[:200]}")
        return loadclient.Session(index, ws, "inc", echo=False)


async def close_sessions(sessions: list[loadclient.Session]) -> None:
    await loadclient.close_all(sessions)


async def click(session: loadclient.Session, tag_id: str | None = None, value: Any = None) -> dict[str, Any]:
    """Sends a click on `tag_id` (default: the session's `inc`) and returns its reply (any action)."""
    session.clicks += 1
    callback_id = f"s{session.index}c{session.clicks}"
    data = {"callback_id": callback_id, **loadclient.CLICK_DATA}
    if value is not None:
        data["value"] = value
    await session.ws.send(orjson.dumps({"id": tag_id or session.click_id, "event": "click", "data": data}))
    while True:
        frame = orjson.loads(await asyncio.wait_for(session.ws.recv(), loadclient.REPLY_TIMEOUT_S))
        if frame.get("callback_id") == callback_id:
            return frame
        session.other_frames += 1


async def timed_clicks(session: loadclient.Session, until: float, pause: float = 0.0) -> None:
    """Clicks `inc` until `until` (time.perf_counter), `pause` seconds apart, keeping each round trip in
    `session.latencies` and each failure in `session.errors` (a failed socket ends the loop)."""
    while time.perf_counter() < until:
        if pause and session.latencies:
            await asyncio.sleep(pause)
        sent = time.perf_counter()
        try:
            await loadclient.click(session)
        except RuntimeError as e:  # an error reply: the socket goes on
            session.errors.append(str(e)[:300])
            continue
        except Exception as e:  # noqa: BLE001 - a closed or stuck socket ends this session's clicks
            session.errors.append(f"{type(e).__name__}: {e}"[:300])
            return
        session.latencies.append(time.perf_counter() - sent)


# --------------------------------------------------------------------------- HTTP sessions


@dataclass
class HttpSession:
    """A browser session over HTTP only: its cookie jar, CSRF token and frames received."""

    url: str
    client: httpx.AsyncClient
    token: str = ""
    frames: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)

    @classmethod
    @contextlib.asynccontextmanager
    async def opened(cls, url: str) -> AsyncIterator[HttpSession]:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            session = cls(url, client)
            page = await client.get("/")
            page.raise_for_status()
            session.token = re.search(r'data-htag-token="([^"]+)"', page.text).group(1)
            yield session

    async def post(self, body: bytes, alone: bool = False) -> httpx.Response:
        """POST /event. `alone`: over a connection of its own, closed after it (for a body the server
        refuses before reading it, which leaves nothing to reuse of that connection)."""
        headers = {"X-HTAG-TOKEN": self.token}
        if not alone:
            return await self.client.post("/event", content=body, headers=headers)
        async with httpx.AsyncClient(base_url=self.url, cookies=self.client.cookies, timeout=30) as client:
            return await client.post("/event", content=body, headers=headers)

    async def follow_stream(self, seen: list[str]) -> None:
        """SSE: reads `GET /stream` for good, renewing it as told (`renew`, `resume=`); each frame goes to
        `frames`, each raw `data:` line to `seen` (to look for tracebacks)."""
        resume = ""
        while True:
            query = f"/stream?token={self.token}" + (f"&resume={resume}" if resume else "")
            async with self.client.stream("GET", query) as stream:
                renewed = False
                async for line in stream.aiter_lines():
                    if not line.startswith("data: "):
                        continue
                    seen.append(line)
                    frame = orjson.loads(line[6:])
                    if frame.get("action") == "renew":
                        resume, renewed = frame["key"], True
                        break
                    await self.frames.put(frame)
            if not renewed:
                raise ConnectionError("the event stream ended without a renew frame")

    async def next_frame(self, timeout: float = 10) -> dict[str, Any]:
        return await asyncio.wait_for(self.frames.get(), timeout)


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80
