"""Load scenarios against a real server (`support.start_server`), each returning its figures: many
concurrent sessions, session churn, a blocking callback, slow and stalled clients, SIGTERM under load.

The tests run them small; `measure.py` runs them long and prints the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
import psutil
import support
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

MIB = 1 << 20
LONG_SESSIONS = 2_000  # concurrent sessions under `pytest -m stress` and in measure.py
LONG_BLOCKED_OTHERS = 200  # sessions clicking while one callback blocks, likewise
SETUP_CONCURRENCY = 20  # sessions being opened at once, as loadclient does
# between a session's clicks: it stays under the default flood limit (100 events/s per session), which
# would otherwise refuse some clicks of a lone fast client
CLICK_PAUSE_S = 0.012


def p99_ms(latencies: list[float]) -> float | None:
    value = support.percentile(latencies, 99)
    return None if value is None else value * 1000


async def open_many(url: str, count: int) -> tuple[list[Any], list[str]]:
    """(the sessions opened, the errors of those that could not be)."""
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def one(index: int) -> Any:
        async with gate:
            return await support.open_session(url, index)

    results = await asyncio.gather(*(one(i) for i in range(count)), return_exceptions=True)
    opened = [r for r in results if not isinstance(r, BaseException)]
    errors = [f"open: {type(r).__name__}: {r}"[:300] for r in results if isinstance(r, BaseException)]
    return opened, errors


# --------------------------------------------------------------------------- concurrent sessions


@dataclass
class ConcurrentResult:
    sessions: int
    clicks: int = 0
    errors: list[str] = field(default_factory=list)
    p50_ms: float | None = None
    p99_ms: float | None = None
    setup_s: float = 0.0


async def concurrent_sessions(url: str, sessions: int, seconds: float) -> ConcurrentResult:
    """`sessions` sessions open at once, all clicking `inc` (click -> reply -> next) for `seconds`."""
    result = ConcurrentResult(sessions)
    began = time.perf_counter()
    opened, result.errors = await open_many(url, sessions)
    result.setup_s = time.perf_counter() - began
    try:
        until = time.perf_counter() + seconds
        await asyncio.gather(*(support.timed_clicks(s, until, CLICK_PAUSE_S) for s in opened))
    finally:
        await support.close_sessions(opened)
    latencies = [x for s in opened for x in s.latencies]
    result.errors += [e for s in opened for e in s.errors]
    result.errors += [
        f"session {s.index} never got a reply" for s in opened if not s.latencies and not s.errors
    ]
    result.clicks = len(latencies)
    result.p50_ms = None if not latencies else support.percentile(latencies, 50) * 1000
    result.p99_ms = p99_ms(latencies)
    return result


# --------------------------------------------------------------------------- churn


@dataclass
class ChurnResult:
    sessions: int = 0  # created in all
    errors: list[str] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)  # the server's, after each round

    def growth_mib(self, warm_rounds: int) -> float:
        """RSS growth from the end of the warm-up rounds (when the session cap is reached) to the end."""
        return max(self.rss_mib[warm_rounds:]) - self.rss_mib[warm_rounds - 1]


async def churn(server: Any, rounds: int, per_round: int) -> ChurnResult:
    """Rounds of `per_round` new sessions (page, WebSocket, one click) that then leave; the server's
    RSS after each round."""
    result = ChurnResult()
    for _ in range(rounds):
        opened, errors = await open_many(server.url, per_round)
        result.errors += errors
        for session in opened:
            try:
                await support.click(session)
            except Exception as e:  # noqa: BLE001 - counted, the round goes on
                result.errors.append(f"click: {type(e).__name__}: {e}"[:300])
        await support.close_sessions(opened)
        result.sessions += per_round
        result.rss_mib.append(support.server_rss(server) / MIB)
    return result


# --------------------------------------------------------------------------- a blocking callback


@dataclass
class BlockingResult:
    block_s: float
    baseline_p99_ms: float | None = None
    during_p99_ms: float | None = None
    during_clicks: int = 0
    errors: list[str] = field(default_factory=list)
    blocked_reply: str = ""  # the action of the blocking click's reply
    blocked_reply_s: float | None = None


async def blocking_callback(url: str, others: int, block_s: float) -> BlockingResult:
    """`others` sessions click `inc` while one session's sync callback sleeps `block_s` seconds: their
    round trips before (baseline, 1 s) and while it sleeps."""
    result = BlockingResult(block_s)
    opened, result.errors = await open_many(url, others + 1)
    blocker, clickers = opened[0], opened[1:]
    try:
        await asyncio.gather(
            *(support.timed_clicks(s, time.perf_counter() + 1.0, CLICK_PAUSE_S) for s in clickers)
        )
        result.baseline_p99_ms = p99_ms([x for s in clickers for x in s.latencies])
        for s in clickers:
            s.latencies.clear()
        began = time.perf_counter()
        blocked = asyncio.ensure_future(support.click(blocker, "block", block_s))
        await asyncio.gather(*(support.timed_clicks(s, began + block_s, CLICK_PAUSE_S) for s in clickers))
        during = [x for s in clickers for x in s.latencies]
        result.during_p99_ms, result.during_clicks = p99_ms(during), len(during)
        reply = await asyncio.wait_for(blocked, block_s + 60)
        result.blocked_reply = reply.get("action", "")
        result.blocked_reply_s = time.perf_counter() - began
    finally:
        await support.close_sessions(opened)
    result.errors += [e for s in clickers for e in s.errors]
    return result


# --------------------------------------------------------------------------- slow and stalled clients


@dataclass
class LaggardResult:
    kind: str  # "stalled" (never reads) or "slow" (reads one frame every `read_every` s)
    flood_frames: int
    closed_after_s: float | None = None  # from the flood's start to the server closing the socket
    close_code: int | None = None  # the close frame's code the client got (None: no close frame)
    frames_read: int = 0
    rss_growth_mib: float = 0.0  # the server's peak RSS over its RSS before the flood
    others_p99_ms: float | None = None  # another session clicking meanwhile
    others_errors: list[str] = field(default_factory=list)


def server_side_open(server: Any, client_port: int) -> bool:
    """Whether the server still holds its end of the TCP connection from `client_port` open."""
    for process in [psutil.Process(server.proc.pid), *psutil.Process(server.proc.pid).children(True)]:
        with contextlib.suppress(psutil.Error):
            for c in process.net_connections("tcp"):
                if c.raddr and c.raddr.port == client_port and c.laddr.port == server.port:
                    return c.status == psutil.CONN_ESTABLISHED
    return False


async def laggard(
    server: Any, flood_frames: int, read_every: float | None, deadline_s: float
) -> LaggardResult:
    """One session asks for `flood_frames` big frames (`stress_apps.Workload.flood`) and reads none of them
    (`read_every` None) or one every `read_every` seconds, through a small receive buffer; meanwhile
    another session clicks. Measures when the server closes the laggard's socket (within `deadline_s`),
    with which close code, and the server's memory."""
    result = LaggardResult("stalled" if read_every is None else "slow", flood_frames)
    identity = await support.Identity.new(server.url)
    host, port = support.host_port(server.url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small TCP window
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, port))
    ws = await connect(
        f"ws://{host}:{port}/ws?token={identity.token}",
        sock=sock,
        additional_headers={"Cookie": "; ".join(identity.cookies), "Origin": f"http://{host}:{port}"},
        compression=None,
        max_size=None,
        max_queue=1,  # websockets stops reading the socket once a frame waits unread
        ping_interval=None,
    )
    await ws.recv()  # the body
    other = await support.open_session(server.url, 1)
    rss_before = support.server_rss(server)
    peak = rss_before
    client_port = sock.getsockname()[1]
    message = {"id": "flood", "event": "click", "data": {"callback_id": "flood", "value": flood_frames}}
    began = time.perf_counter()
    await ws.send(orjson.dumps(message).decode())
    clicker = asyncio.ensure_future(support.timed_clicks(other, began + deadline_s, CLICK_PAUSE_S))
    reader = asyncio.ensure_future(read_slowly(ws, read_every, result)) if read_every is not None else None
    try:
        while time.perf_counter() - began < deadline_s:
            peak = max(peak, support.server_rss(server))
            if not server_side_open(server, client_port):
                result.closed_after_s = time.perf_counter() - began
                break
            await asyncio.sleep(0.1)
        clicker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await clicker
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        await read_to_the_end(ws, result)
    finally:
        await support.close_sessions([other])
        with contextlib.suppress(Exception):
            await ws.close()
    result.rss_growth_mib = (peak - rss_before) / MIB
    result.others_p99_ms = p99_ms(other.latencies)
    result.others_errors = other.errors
    return result


async def read_slowly(ws: Any, every: float, result: LaggardResult) -> None:
    with contextlib.suppress(ConnectionClosed):
        while True:
            await ws.recv()
            result.frames_read += 1
            await asyncio.sleep(every)


async def read_to_the_end(ws: Any, result: LaggardResult) -> None:
    """Reads what is left (at most 10 s): the frames the TCP buffers held, then the close, if any."""

    async def drain() -> None:
        try:
            while True:
                await ws.recv()
                result.frames_read += 1
        except ConnectionClosed as e:
            result.close_code = int(e.rcvd.code) if e.rcvd is not None else None

    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(drain(), 10)


# --------------------------------------------------------------------------- SIGTERM under load


@dataclass
class SigtermResult:
    sessions: int
    opened: int = 0
    destroyed: int = 0  # on_destroy calls recorded
    exit_s: float | None = None  # from SIGTERM to the server's exit (None: still running at the deadline)
    exit_code: int | None = None
    # the close code each session's WebSocket got, and how many (None: the socket never closed)
    close_codes: dict[int | None, int] = field(default_factory=dict)


async def sigterm_under_load(
    server: Any, sessions: int, deadline_s: float, signum: int = signal.SIGTERM, clicks: bool = True
) -> SigtermResult:
    """`sessions` sessions clicking; SIGTERM (or `signum`) to the server; it must exit within `deadline_s`
    having run every session's `on_destroy`."""
    result = SigtermResult(sessions)
    opened, _errors = await open_many(server.url, sessions)
    result.opened = len(opened)
    until = time.perf_counter() + (3600 if clicks else 0)
    clicking = [asyncio.ensure_future(support.timed_clicks(s, until, CLICK_PAUSE_S)) for s in opened]
    try:
        await support.wait_until(lambda: all(s.latencies for s in opened) or not clicks, 30)
        sent = time.perf_counter()
        server.proc.send_signal(signum)
        if await support.wait_until(lambda: server.proc.poll() is not None, deadline_s, every=0.1):
            result.exit_s = time.perf_counter() - sent
            result.exit_code = server.proc.returncode
        await support.wait_until(lambda: all(s.ws.state is State.CLOSED for s in opened), 10)
        result.close_codes = dict(
            Counter(s.ws.close_code if s.ws.state is State.CLOSED else None for s in opened)
        )
    finally:
        for task in clicking:
            task.cancel()
        await asyncio.gather(*clicking, return_exceptions=True)
        await support.close_sessions(opened)
    result.destroyed = support.destroyed(server)
    return result
