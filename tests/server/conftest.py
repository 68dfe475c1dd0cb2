"""Starts real servers (Granian by default) on free loopback ports, as users do."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest
import websockets
from harness import interrupt

HERE = Path(__file__).resolve().parent
SECRET = "test-secret-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(count: int) -> int:
    """The first of `count` consecutive free loopback ports."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            first = s.getsockname()[1]
        if first + count > 65535:
            continue
        try:
            for port in range(first, first + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError("no consecutive free ports")


class Server:
    """Serves `WebApp(<app>, **options)`, `<app>` a class of `apps_module` (default: apps.py here)."""

    def __init__(
        self,
        app: str,
        server: str,
        log: Path,
        run_options: dict | None = None,
        apps_module: Path | None = None,
        **options,
    ):
        apps_module = apps_module or HERE / "apps.py"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        if server == "mounted":  # apps.mounted(): a Starlette app with htag under /ui, on Granian
            code = (
                f"import sys; sys.path.insert(0, {str(HERE)!r}); import apps; "
                f"apps.serve_mounted(apps.{app}, {self.port}, {SECRET!r})"
            )
        else:
            code = (
                f"import sys; sys.path.insert(0, {str(apps_module.parent)!r}); "
                f"import {apps_module.stem} as apps; from htag import WebApp; "
                f"WebApp(apps.{app}, secret_key={SECRET!r}, **{options!r})"
                f".run(port={self.port}, open_browser=False, server={server!r}, **{run_options or {}!r})"
            )
        env = dict(os.environ, HTAG_TEST_LOG=str(log))
        self.out = open(log.with_suffix(".out"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdout=self.out, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start: " + log.with_suffix(".out").read_text())

    def stop(self) -> None:
        interrupt(self.proc, 10)
        self.out.close()

    def records(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def serve(tmp_path):
    servers = []

    def start(app: str = "Counter", server: str = "granian", **options) -> Server:
        s = Server(app, server, tmp_path / f"server{len(servers)}.log", **options)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()


class Browser:
    """A scripted browser: page over HTTP, events over a WebSocket, same cookies."""

    def __init__(self, url: str):
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=10)
        self.token = ""
        self.ws = None
        self._n = 0

    def load(self, path: str = "/") -> str:
        r = self.http.get(path)
        r.raise_for_status()
        self.token = re.search(r'data-htag-token="([^"]+)"', r.text).group(1)
        return r.text

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())

    async def connect(self, origin: str | None = None, token: str | None = None):
        host = self.url.split("//")[1]
        headers = {"Cookie": self.cookie, "Origin": origin or self.url}
        self.ws = await websockets.connect(
            f"ws://{host}/ws?token={token if token is not None else self.token}",
            additional_headers=headers,
            max_size=None,
        )
        return await self.recv()

    async def recv(self, timeout: float = 5):
        import asyncio

        return orjson.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def send(self, message) -> None:
        await self.ws.send(message if isinstance(message, str) else orjson.dumps(message).decode())

    async def event(self, tag_id: str, name: str = "click", data=None):
        """Sends an event and returns (frames before the reply, the reply)."""
        self._n += 1
        cb = f"cb{self._n}"
        payload = dict(data or {}, callback_id=cb)
        await self.send({"id": tag_id, "event": name, "data": payload})
        return await self.reply(cb)

    async def reply(self, callback_id: str, timeout: float = 5) -> tuple[list, dict]:
        """(frames received before the reply to `callback_id`, that reply)."""
        before = []
        while True:
            frame = await self.recv(timeout)
            if frame.get("callback_id") == callback_id:
                return before, frame
            before.append(frame)

    def post(self, message, token: str | None = None, **kw):
        headers = {"X-HTAG-TOKEN": self.token if token is None else token}
        return self.http.post("/event", content=orjson.dumps(message), headers=headers, **kw)


@pytest.fixture
def browser():
    made = []

    def make(url: str) -> Browser:
        b = Browser(url)
        made.append(b)
        return b

    yield make
    for b in made:
        b.http.close()


@pytest.fixture
def opened(serve, browser):
    """A started server and a scripted browser that has loaded its page."""

    def start(app: str = "Counter", **options):
        server = serve(app, **options)
        client = browser(server.url)
        client.load()
        return server, client

    return start
