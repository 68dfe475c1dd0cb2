"""Seeded, reproducible fuzzing of the client -> server frame grammar (docs/protocol.md), over each
transport: WebSocket, SSE + POST, pure-HTTP polling.

`Frames(seed, tag_ids)` yields frames that are mostly *almost* right, which is where parsers break:
valid events with wrong types, unknown actions, unknown tag ids and events, huge and deeply nested
values, integers beyond 64 bits, lone surrogates, truncated JSON, invalid UTF-8, binary frames, and
plain random bytes. The same seed gives the same frames.

A crash is any of: the server process gone, a WebSocket closed by the server when no frame it may
refuse by closing was sent (docs/protocol.md: not UTF-8, 1007 or Granian's 1005; over the size limit,
1009; the close may come a few frames later) or closed with 1011 (internal error), an HTTP 5xx, a request
under the size limit left without a response, a traceback reaching the client, or the session no
longer working after the run (a click on `inc` must still be answered with its count).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import support
from websockets.exceptions import ConnectionClosed

SEED = 20261130
BOUNDED = {"websocket": 5_000, "sse": 2_000, "http": 2_000}  # frames per transport: a few seconds each
LONG = 100_000  # frames per transport under `pytest -m stress` and in measure.py
KNOWN_ACTIONS = ("ping", "poll", "log_error", "event")
KNOWN_EVENTS = ("click", "input", "change", "submit", "keyup", "htag:sync", "hashchange")
SYNC_EVERY = 20  # frames between liveness checks (a ping answered by a pong)
MAX_MESSAGE_SIZE = 1 << 20  # WebApp's default
HUGE = 2 * MAX_MESSAGE_SIZE
TRACE_MARKERS = ("Traceback (most recent call last)", '"traceback"')


@dataclass
class Frame:
    kind: str  # what it tests, for the report
    data: str | bytes
    binary: bool = False  # a WebSocket binary frame (bytes)
    bad_utf8_text: bool = False  # bytes sent as a *text* frame: invalid UTF-8

    def ends_the_socket(self) -> bool:
        """Whether the server may end a WebSocket for this frame (docs/protocol.md, close codes): a text
        frame that is not UTF-8 (Granian: 1005), a binary one (1007), or one over the size limit (1009)."""
        if len(self.data) > MAX_MESSAGE_SIZE:
            return True
        if isinstance(self.data, bytes):
            try:
                self.data.decode()
            except UnicodeDecodeError:
                return True
        return False


class Frames:
    """The frame generator. `tag_ids`: the event targets of the served page (so that many frames reach
    real callbacks)."""

    def __init__(self, seed: int, tag_ids: list[str], fallback: bool | None = None):
        self.rng = random.Random(seed)
        self.tag_ids = tag_ids
        self.fallback = fallback  # HTTP: add `"fallback": true` to most objects (pure-HTTP mode)
        self.makers = [
            (30, self.event),
            (12, self.wrong_types),
            (8, self.action),
            (6, self.nested),
            (4, self.big_numbers),
            (6, self.truncated),
            (6, self.random_bytes),
            (5, self.random_text),
            (4, self.binary),
            (3, self.surrogates),
            (1, self.invalid_utf8_text),
        ]
        self.weights = [w for w, _ in self.makers]

    def __iter__(self) -> Iterator[Frame]:
        while True:
            (maker,) = self.rng.choices([m for _, m in self.makers], self.weights)
            yield maker()

    # -- values ---------------------------------------------------------------

    def value(self, depth: int = 0) -> Any:
        r = self.rng
        kind = r.randrange(10 if depth < 3 else 6)
        if kind == 0:
            return None
        if kind == 1:
            return r.choice([True, False])
        if kind == 2:
            return r.choice([0, -1, 1, 2**31, -(2**63), 2**63 - 1, r.randint(-1000, 1000)])
        if kind == 3:
            return r.choice([0.5, -1e308, 1e-308, 3.14])
        if kind in (4, 5):
            return self.text()
        if kind in (6, 7):
            return [self.value(depth + 1) for _ in range(r.randrange(4))]
        return {self.text(12): self.value(depth + 1) for _ in range(r.randrange(4))}

    def text(self, limit: int = 40) -> str:
        r = self.rng
        alphabet = r.choice(
            [
                "abcdefghij0123456789",
                "<>&\"'/\\;{}[]",
                "éàü中文𝄞\u200b\u202e\x00\x1f\x7f",
                "</script><b>",
            ]
        )
        return "".join(r.choice(alphabet) for _ in range(r.randrange(limit)))

    def tag_id(self) -> Any:
        r = self.rng
        roll = r.random()
        if roll < 0.7:
            return r.choice(self.tag_ids)
        if roll < 0.85:
            return r.choice(["nope", "", "h" + str(r.randrange(10**6)), "x" * 300, "body", "count"])
        return self.value()

    def obj(self, message: dict[str, Any]) -> dict[str, Any]:
        if self.fallback and self.rng.random() < 0.9 or self.fallback is False and self.rng.random() < 0.05:
            message["fallback"] = True
        return message

    def json(self, message: Any) -> str:
        return orjson.dumps(message).decode()

    # -- frame kinds ------------------------------------------------------------

    def event(self) -> Frame:
        r = self.rng
        data: dict[str, Any] = {"callback_id": f"z{r.randrange(10**9)}"}
        if r.random() < 0.5:
            data["value"] = self.value()
        if r.random() < 0.3:
            data.update({self.text(10): self.value() for _ in range(r.randrange(3))})
        if r.random() < 0.2:
            data["checked"] = self.value()
        name = r.choice(KNOWN_EVENTS) if r.random() < 0.8 else self.text(20)
        message = {"id": self.tag_id(), "event": name, "data": data}
        if r.random() < 0.1:
            message["action"] = "event"
        return Frame("event", self.json(self.obj(message)))

    def wrong_types(self) -> Frame:
        r = self.rng
        message: dict[str, Any] = {"id": self.tag_id(), "event": "click", "data": {"callback_id": "w"}}
        key = r.choice(["id", "event", "data", "callback_id", "action"])
        if key == "callback_id":
            message["data"]["callback_id"] = self.value()
        else:
            message[key] = self.value()
        if r.random() < 0.2:
            del message[r.choice(list(message))]
        return Frame("wrong-types", self.json(self.obj(message)))

    def action(self) -> Frame:
        r = self.rng
        action = r.choice(KNOWN_ACTIONS) if r.random() < 0.5 else r.choice([self.text(60), self.value()])
        message: dict[str, Any] = {"action": action}
        if action == "log_error" or r.random() < 0.3:
            message["error"] = self.value() if r.random() < 0.5 else "e" * r.randrange(5000)
        return Frame("action", self.json(self.obj(message)))

    def nested(self) -> Frame:
        r = self.rng
        depth = r.choice([10, 200, 1000, 1100, 5000, 100_000])
        if r.random() < 0.1:  # huge: over the message size limit
            inner = '"' + "x" * r.choice([HUGE, HUGE // 2]) + '"'
        else:
            inner = "[" * depth + "1" + "]" * depth
        text = '{"id": "inc", "event": "click", "data": {"callback_id": "n", "value": ' + inner + "}}"
        return Frame("nested-huge", text)

    def big_numbers(self) -> Frame:
        number = self.rng.choice(["1" + "0" * 30, "-" + "9" * 25, "1e999", "NaN", "Infinity", "0x10"])
        return Frame("big-numbers", '{"id": "inc", "event": "click", "data": {"value": ' + number + "}}")

    def truncated(self) -> Frame:
        text = self.event().data
        assert isinstance(text, str)
        return Frame("truncated", text[: self.rng.randrange(max(1, len(text)))])

    def random_bytes(self) -> Frame:
        data = self.rng.randbytes(self.rng.randrange(1, 200))
        return Frame("random-bytes", data, binary=True)

    def random_text(self) -> Frame:
        return Frame("random-text", self.text(200))

    def binary(self) -> Frame:
        text = self.event().data
        assert isinstance(text, str)
        return Frame("binary-json", text.encode(), binary=True)

    def surrogates(self) -> Frame:
        escaped = self.rng.choice(["\\ud800", "\\udfff", "\\ud83d", "\\u0000"])
        return Frame("surrogates", '{"id": "inc", "event": "click", "data": {"value": "' + escaped + '"}}')

    def invalid_utf8_text(self) -> Frame:
        data = self.rng.choice([b"\xff\xfe", b'{"id": "\xc3\x28"}', b"\xed\xa0\x80", b"\x80abc"])
        return Frame("invalid-utf8-text", data, bad_utf8_text=True)


@dataclass
class FuzzReport:
    transport: str
    seed: int
    frames: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    replies: int = 0  # frames or responses the server sent back
    closed_by_server: dict[int, int] = field(default_factory=dict)  # close code (1006: none) -> times
    statuses: dict[int | str, int] = field(default_factory=dict)  # HTTP status (or "reset") -> times
    crashes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, frame: Frame) -> None:
        self.frames += 1
        self.kinds[frame.kind] = self.kinds.get(frame.kind, 0) + 1

    def crash(self, what: str) -> None:
        if len(self.crashes) < 50:
            self.crashes.append(what[:300])


def traced(text: str) -> bool:
    return any(marker in text for marker in TRACE_MARKERS)


async def tag_ids_of(url: str) -> list[str]:
    """The ids of the served page's event targets (what a browser's events would carry)."""
    _cookies, page = await support.loadclient.fetch_page(*support.host_port(url))
    ids = set()
    for element in re.finditer(r"<[a-z]+[^>]*>", page):
        tag = element.group(0)
        if "htag_on(" in tag or tag.startswith(("<input", "<textarea", "<select")):
            found = re.search(r'data-htag-id="([^"]+)"', tag) or re.search(r'\bid="([^"]+)"', tag)
            if found:
                ids.add(found.group(1))
    return sorted(ids)


# --------------------------------------------------------------------------- WebSocket


async def fuzz_websocket(url: str, count: int, seed: int) -> FuzzReport:
    """`count` frames on one session's WebSocket, reconnecting (to the same session) when the server
    closes it."""
    report = FuzzReport("WebSocket", seed)
    began = time.perf_counter()
    identity = await support.Identity.new(url)
    session = await identity.connect()
    frames = iter(Frames(seed, await tag_ids_of(url)))

    async def sync() -> None:
        """A ping must come back as a pong; every frame read on the way is checked."""
        await session.ws.send('{"action": "ping"}')
        while True:
            text = await asyncio.wait_for(session.ws.recv(), 30)
            report.replies += 1
            if traced(text if isinstance(text, str) else text.decode(errors="replace")):
                report.crash(f"traceback sent to the client: {text[:200]!r}")
            if text == '{"action":"pong"}':
                return

    sent_since_sync = 0
    refused = ""  # the kind of the last frame sent on this socket that the server may end it for
    checked = False
    while not checked:
        frame = next(frames) if report.frames < count else None
        try:
            if frame is None:  # the end: the same session must still work
                reply = await support.click(session)
                if not isinstance(reply.get("result"), int):
                    report.crash(f"the session does not work after the run: {str(reply)[:200]}")
                checked = True
                continue
            report.count(frame)
            refused = frame.kind if frame.ends_the_socket() else refused
            await session.ws.send(frame.data, text=True if frame.bad_utf8_text else None)
            sent_since_sync += 1
            if sent_since_sync >= SYNC_EVERY or report.frames >= count:
                sent_since_sync = 0
                await sync()
        except ConnectionClosed as e:
            code = int(e.rcvd.code) if e.rcvd is not None else 1006
            report.closed_by_server[code] = report.closed_by_server.get(code, 0) + 1
            # the close may come a few frames after the one it is for
            cause = refused or (frame.kind if frame else "the final click")
            if code == 1011 or not refused:
                report.crash(f"socket closed with {code} after a {cause} frame")
            session = await identity.connect()
            refused = ""
        except asyncio.TimeoutError:
            report.crash(f"no pong within 30 s after a {frame.kind if frame else 'click'} frame")
            await session.ws.close()
            session = await identity.connect()
            refused = ""
    await session.ws.close()
    report.seconds = time.perf_counter() - began
    return report


# --------------------------------------------------------------------------- HTTP


async def fuzz_http(url: str, count: int, seed: int, sse: bool) -> FuzzReport:
    """`count` POSTs of fuzzed bodies: with an open event stream (SSE + POST), or in pure-HTTP mode
    (polling: most bodies carry `"fallback": true`)."""
    report = FuzzReport("SSE + POST" if sse else "HTTP polling", seed)
    began = time.perf_counter()
    frames = iter(Frames(seed, await tag_ids_of(url), fallback=not sse))
    seen: list[str] = []
    async with support.HttpSession.opened(url) as session:
        reader = asyncio.ensure_future(session.follow_stream(seen)) if sse else None
        try:
            if reader is not None:
                await session.next_frame()  # the body: the stream is open
            sent_since_sync = 0
            while report.frames < count:
                frame = next(frames)
                body = (
                    frame.data
                    if isinstance(frame.data, bytes)
                    else frame.data.encode("utf-8", "surrogatepass")
                )
                report.count(frame)
                too_big = len(body) > MAX_MESSAGE_SIZE
                try:
                    response = await session.post(body, alone=too_big)
                except httpx.HTTPError as e:
                    if too_big:  # refused before it was read: the upload is cut
                        report.statuses["reset"] = report.statuses.get("reset", 0) + 1
                    else:
                        report.crash(f"no HTTP response ({type(e).__name__}) to a {frame.kind} frame")
                    continue
                report.replies += 1
                report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
                if response.status_code >= 500:
                    report.crash(f"HTTP {response.status_code} after a {frame.kind} frame")
                if traced(response.text):
                    report.crash(f"traceback in a response: {response.text[:200]!r}")
                sent_since_sync += 1
                if reader is not None and (sent_since_sync >= SYNC_EVERY or report.frames >= count):
                    sent_since_sync = 0
                    await sse_sync(session, reader, report)
            await check_http_session(session, sse, report)
        finally:
            if reader is not None:
                reader.cancel()
                with contextlib.suppress(BaseException):
                    await reader
    report.replies += len(seen)
    for line in seen:
        if traced(line):
            report.crash(f"traceback on the event stream: {line[:200]!r}")
    report.seconds = time.perf_counter() - began
    return report


async def sse_sync(session: support.HttpSession, reader: asyncio.Future[Any], report: FuzzReport) -> None:
    """A ping POSTed must come back as a pong on the stream."""
    if reader.done():
        report.crash(f"the event stream failed: {reader.exception()!r}")
        raise RuntimeError("the event stream failed")
    await session.post(b'{"action": "ping"}')
    while True:
        try:
            frame = await session.next_frame(30)
        except asyncio.TimeoutError:
            report.crash("no pong on the event stream within 30 s")
            return
        if frame.get("action") == "pong":
            return


async def check_http_session(session: support.HttpSession, sse: bool, report: FuzzReport) -> None:
    """After the run, a click on `inc` is still answered with the count."""
    message = {"id": "inc", "event": "click", "data": {"callback_id": "after-fuzz"}}
    if not sse:
        message["fallback"] = True
    response = await session.post(orjson.dumps(message))
    if sse:
        while True:
            frame = await session.next_frame(30)
            if frame.get("callback_id") == "after-fuzz":
                break
    else:
        frames = [p for p in response.json().get("payloads", []) if p.get("callback_id") == "after-fuzz"]
        frame = frames[0] if frames else {}
    if not isinstance(frame.get("result"), int):
        report.crash(f"the session does not work after the run: {str(frame)[:200]}")


TRANSPORTS = {
    "websocket": fuzz_websocket,
    "sse": lambda url, count, seed: fuzz_http(url, count, seed, sse=True),
    "http": lambda url, count, seed: fuzz_http(url, count, seed, sse=False),
}


async def fuzz(transport: str, url: str, count: int, seed: int) -> FuzzReport:
    return await TRANSPORTS[transport](url, count, seed)
