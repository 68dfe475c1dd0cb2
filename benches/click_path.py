"""The Python side of a Counter click, in process: our ASGI app driven by a fake ASGI server.

    python benches/click_path.py [--clicks 20000] [--sessions 1] [--loop uvloop|asyncio] [--echo]

No Granian, no sockets: each session's `receive()` hands over the next click as soon as `send()` has
carried the reply to the previous one (matched by `callback_id`), all on one event loop, so the loop
is always busy and the process's CPU time per click is what our Python code (Starlette, htag's
WebSocket loop, dispatch, render, encode) costs, plus this harness's own small share, which `--echo`
measures (the bare ASGI echo of `echo_server.py`, driven the same way). What a real server adds
(Granian's Rust threads, the socket, its `receive`/`send` futures) is the same for the echo and
for us, so (ours - echo) here is what to cut to approach the echo in `server_side.py`.

Also a profiler's target: `py-spy record -- python benches/click_path.py --clicks 200000`. On a
shared machine whose speed drifts, count instructions instead of timing (deterministic: two builds
compare to the percent): `valgrind --tool=callgrind python benches/click_path.py --clicks N` for
N = 1000 and 3000, and (Collected at 3000 - at 1000) / 2000 is the instructions per click (about
111k for ours, 16k with `--echo`, on 2026-11-30).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import orjson

BENCHES = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHES))

CLICK_DATA = {"pageX": 412, "pageY": 187, "button": 0, "which": 1}


def scope(kind: str, path: str, query: bytes, cookie: str | None) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1:8000"), (b"origin", b"http://127.0.0.1:8000")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    s: dict[str, Any] = {
        "type": kind,
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "http" if kind == "http" else "ws",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    if kind == "http":
        s["method"] = "GET"
    return s


async def get_page(app: Any) -> tuple[str, str, str]:
    """(cookie header to send back, token, tag id of the button) from GET /."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope("http", "/", b"", None), receive, send)
    cookies = SimpleCookie()
    for name, value in sent[0]["headers"]:
        if name.lower() == b"set-cookie":
            cookies.load(value.decode())
    body = b"".join(m.get("body", b"") for m in sent[1:]).decode()
    import loadclient

    return (
        "; ".join(f"{k}={v.value}" for k, v in cookies.items()),
        loadclient.page_token(body) or "",
        loadclient.click_id(body, "inc"),
    )


class FakeSocket:
    """One session's ASGI receive/send: the next click is handed over when its reply is sent."""

    def __init__(self, index: int, tag_id: str, clicks: int, done: asyncio.Future) -> None:
        self.index, self.tag_id, self.left, self.done = index, tag_id, clicks, done
        self.n = 0
        self.connected = False
        self.waiter: asyncio.Future | None = None
        self.ready: list[dict[str, Any]] = [{"type": "websocket.connect"}]
        self.expect: str | None = None
        self.other_frames = 0

    def _next_click(self) -> None:
        if self.left == 0:
            self.ready.append({"type": "websocket.disconnect", "code": 1000})
        else:
            self.left -= 1
            self.n += 1
            self.expect = f"s{self.index}c{self.n}"
            text = orjson.dumps(
                {"id": self.tag_id, "event": "click", "data": {"callback_id": self.expect, **CLICK_DATA}}
            ).decode()
            self.ready.append({"type": "websocket.receive", "text": text})
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def receive(self) -> dict[str, Any]:
        while not self.ready:
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
        message = self.ready.pop(0)
        if message["type"] == "websocket.disconnect" and not self.done.done():
            self.done.set_result(None)
        return message

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "websocket.accept":
            self.connected = True
            return
        if kind == "websocket.close":
            return
        text = message.get("text") or message.get("bytes")
        if self.expect is None:  # the first frame (or none): start clicking
            self._next_click()
            return
        if self.tag_id == "echo" or orjson.loads(text).get("callback_id") == self.expect:
            self._next_click()
        else:
            self.other_frames += 1


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    import echo_server

    await echo_server.app(scope, receive, send)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    if args.echo:
        app, cookie, token, tag_id = echo_app, "", "", "echo"
    else:
        import htag_server

        from htag import WebApp

        webapp = WebApp(
            htag_server.load_app("counter"),
            secret_key=htag_server.SECRET,
            debug=False,
            event_rate=htag_server.NO_FLOOD_GUARD,
            event_burst=htag_server.NO_FLOOD_GUARD,
        )
        app = webapp.app
    sockets = []
    tasks = []
    per_session = args.clicks // args.sessions
    for i in range(args.sessions):
        if not args.echo:
            cookie, token, tag_id = await get_page(app)
        done = loop.create_future()
        sock = FakeSocket(i, tag_id, per_session, done)
        sockets.append(sock)
        query = f"token={token}".encode() if token else b""
        if args.echo:
            sock.ready = [{"type": "websocket.connect"}]
            sock._next_click()
        tasks.append((done, scope("websocket", "/ws", query, cookie), sock))
    gc.collect()
    began_cpu, began = time.process_time(), time.perf_counter()
    running = [asyncio.ensure_future(app(s, sock.receive, sock.send)) for _, s, sock in tasks]
    await asyncio.gather(*(d for d, _, _ in tasks))
    cpu, wall = time.process_time() - began_cpu, time.perf_counter() - began
    await asyncio.gather(*running, return_exceptions=True)
    clicks = per_session * args.sessions
    return {
        "clicks": clicks,
        "cpu_per_click_us": cpu / clicks * 1e6,
        "wall_per_click_us": wall / clicks * 1e6,
        "other_frames": sum(s.other_frames for s in sockets),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=20000)
    parser.add_argument("--sessions", type=int, default=1)
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    parser.add_argument("--echo", action="store_true", help="drive the bare ASGI echo instead")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop

        runner = uvloop.run
    else:
        runner = asyncio.run
    for _ in range(args.repeat):
        print(orjson.dumps(runner(run(args))).decode(), flush=True)


if __name__ == "__main__":
    main()
