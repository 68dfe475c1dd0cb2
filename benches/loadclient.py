"""Closed-loop WebSocket load client for the server-side benchmark (asyncio + `websockets`).

    python benches/loadclient.py --url http://127.0.0.1:8123 --protocol htag --target inc \\
        --sessions 50 --warmup 1 --duration 5

Opens `--sessions` sessions, then each runs click -> wait for the reply -> next click until the end;
prints one JSON object (events/s, latency percentiles, errors). It is run in its own process (and,
by `server_side.py`, pinned to its own CPU) so it does not share the server's interpreter.

Protocols:
- `htag` (ours and upstream 2.0.28 alike): `GET /` with no cookie (so each session gets its own),
  keep every `Set-Cookie`, read `data-htag-token` and `data-htag-version` when the page has them (ours;
  upstream has neither), open `ws://host/ws[?token=...&v=...]` with that Cookie and an Origin
  header, as a browser's htag.js does, and read the first frame: the full body, or (ours, when the
  page's version `v` is still current) an empty update. A click is `{"id": <button>, "event": "click", "data": {"callback_id": <unique>, mouse
  fields}}`, the message a browser's click sends; its reply is the first frame whose top-level
  `callback_id` is the one sent (an `action: error` reply counts as an error). Other frames are
  counted and skipped. The button's id is read from the page: `data-htag-id` on the element with
  `id=<target>` (ours), else the id in its `htag_event('<id>', ...)` handler (upstream), else
  `<target>` itself.
- `echo`: no page; a click is the same message (same size as the htag click on `<target>`), and its
  reply is the identical text coming back.

Timing: every session runs from the start; clicks that complete in the `--warmup` seconds are
discarded; events/s = clicks completed in the next `--duration` seconds / duration; latency = send
-> reply of those clicks (time.perf_counter). WebSocket compression and keep-alive pings are off
(the same for every server), frames have no size limit.

Memory (`--memory 10,100`): instead of clicking, open 10 sessions (each as above: page, WebSocket,
first frame), wait until the server's resident memory settles, read it, open 90 more, settle, read
again; prints the growth per added session in KiB. "Server" is the RSS summed over `--server-pids`
(Granian's main process and its worker). Settled = the last `SETTLE_SAMPLES` readings, taken every
`SETTLE_EVERY_S`, lie within `SETTLE_SPREAD_KIB`; after `SETTLE_DEADLINE_S` the last reading is taken
as it is and `settled` is false.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
from websockets.asyncio.client import ClientConnection, connect

CLICK_DATA = {"pageX": 412, "pageY": 187, "button": 0, "which": 1}  # what a browser adds for a mouse click
REPLY_TIMEOUT_S = 30.0
SETUP_CONCURRENCY = 20
SETUP_TIMEOUT_S = 60.0
SETTLE_EVERY_S = 0.25
SETTLE_SAMPLES = 4
SETTLE_SPREAD_KIB = 32
SETTLE_DEADLINE_S = 10.0


@dataclass
class Session:
    index: int
    ws: ClientConnection
    click_id: str
    echo: bool
    clicks: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    other_frames: int = 0
    reply_bytes: int = 0
    first_frame_bytes: int = 0


@dataclass
class Window:
    """The measuring window, on the time.perf_counter clock."""

    start: float
    end: float


# --------------------------------------------------------------------------- the page


async def fetch_page(host: str, port: int, path: str = "/") -> tuple[list[str], str]:
    """(the `name=value` of each Set-Cookie, the body) of a cookie-less GET, over a fresh connection."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
        writer.write(request.encode())
        raw = await reader.read()  # until the server closes
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if " 200 " not in lines[0] + " ":
        raise RuntimeError(f"GET {path}: {lines[0]!r}")
    if any(line.lower() == "transfer-encoding: chunked" for line in lines):
        raise RuntimeError("chunked page responses are not supported by this client")
    cookies = [
        line.split(":", 1)[1].strip().split(";", 1)[0]
        for line in lines
        if line.lower().startswith("set-cookie:")
    ]
    return cookies, body.decode()


def page_version(page: str) -> str | None:
    """Ours puts what the page shows on <html data-htag-version>; its client sends it back on connect, and
    gets the whole body again only if the App changed since."""
    found = re.search(r'data-htag-version="([^"]+)"', page)
    return found.group(1) if found else None


def page_token(page: str) -> str | None:
    """Ours puts the WebSocket token on <html data-htag-token>; upstream has none."""
    found = re.search(r'data-htag-token="([^"]+)"', page)
    return found.group(1) if found else None


def click_id(page: str, target: str) -> str:
    """The id a browser's click on the element `id=<target>` sends (see the module doc)."""
    element = re.search(rf'<[a-zA-Z][^>]*\bid="{re.escape(target)}"[^>]*>', page)
    if element is None:
        raise RuntimeError(f"no element with id={target!r} in the page")
    for pattern in (r'data-htag-id="([^"]+)"', r"htag_event\('([^']+)'"):
        found = re.search(pattern, element.group(0))
        if found:
            return found.group(1)
    return target


def click_message(tag_id: str, callback_id: str) -> str:
    return orjson.dumps(
        {"id": tag_id, "event": "click", "data": {"callback_id": callback_id, **CLICK_DATA}}
    ).decode()


# --------------------------------------------------------------------------- sessions


async def open_htag_session(index: int, url: str, target: str) -> Session:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    cookies, page = await fetch_page(host, port)
    token, version = page_token(page), page_version(page)
    query = "&".join(f"{k}={v}" for k, v in (("token", token), ("v", version)) if v)
    ws_url = f"ws://{host}:{port}/ws" + (f"?{query}" if query else "")
    headers = {"Cookie": "; ".join(cookies), "Origin": f"http://{host}:{port}"}
    ws = await connect(
        ws_url, additional_headers=headers, compression=None, max_size=None, ping_interval=None
    )
    raw = await asyncio.wait_for(ws.recv(), REPLY_TIMEOUT_S)
    first = orjson.loads(raw)
    # the whole body; or, when the page's version was sent and nothing changed since, an empty update
    if first.get("action") != "update" or not (first.get("updates") or version):
        await ws.close()
        raise RuntimeError(f"session {index}: the first frame is not the full body: {str(first)[:200]}")
    return Session(index, ws, click_id(page, target), echo=False, first_frame_bytes=len(raw))


async def open_echo_session(index: int, url: str, target: str) -> Session:
    parts = urlsplit(url)
    ws = await connect(
        f"ws://{parts.hostname}:{parts.port}/ws", compression=None, max_size=None, ping_interval=None
    )
    return Session(index, ws, target, echo=True)


async def open_sessions(url: str, protocol: str, target: str, count: int, first: int = 0) -> list[Session]:
    """Sessions number `first` to `first + count - 1`, opened 20 at a time."""
    opener = open_echo_session if protocol == "echo" else open_htag_session
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def one(index: int) -> Session:
        async with gate:
            return await opener(index, url, target)

    indexes = range(first, first + count)
    return list(await asyncio.wait_for(asyncio.gather(*(one(i) for i in indexes)), SETUP_TIMEOUT_S))


# --------------------------------------------------------------------------- the click loop


def callback_of(frame: str | bytes) -> tuple[str | None, bool]:
    """(callback_id, is an error) of an htag frame."""
    message = orjson.loads(frame)
    if not isinstance(message, dict):
        return None, False
    return message.get("callback_id"), message.get("action") in ("error", "reload")


async def click(session: Session) -> int:
    """One click and its reply; returns the reply's size in bytes. Raises on an error reply."""
    session.clicks += 1
    callback_id = f"s{session.index}c{session.clicks}"
    message = click_message(session.click_id, callback_id)
    await session.ws.send(message)
    while True:
        frame = await asyncio.wait_for(session.ws.recv(), REPLY_TIMEOUT_S)
        if session.echo:
            if frame != message:
                raise RuntimeError("the echo differs from the message sent")
            return len(frame)
        reply_to, is_error = callback_of(frame)
        if reply_to == callback_id:
            if is_error:
                raise RuntimeError(f"error reply: {str(frame)[:200]}")
            return len(frame)
        session.other_frames += 1


async def click_loop(session: Session, window: Window) -> None:
    """Clicks until the window ends, keeping the latency of the clicks that complete inside it."""
    while time.perf_counter() < window.end:
        sent = time.perf_counter()
        try:
            size = await click(session)
        except (RuntimeError, asyncio.TimeoutError, OSError) as e:
            session.errors.append(f"{type(e).__name__}: {e}"[:300])
            if not isinstance(e, RuntimeError):
                return  # the socket is gone or stuck: this session stops
            continue
        except Exception as e:  # noqa: BLE001 - websockets' ConnectionClosed and the like
            session.errors.append(f"{type(e).__name__}: {e}"[:300])
            return
        done = time.perf_counter()
        if window.start <= done <= window.end:
            session.latencies.append(done - sent)
            session.reply_bytes = size


async def close_all(sessions: list[Session]) -> None:
    async def close(session: Session) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(session.ws.close(), 5)

    await asyncio.gather(*(close(s) for s in sessions))


# --------------------------------------------------------------------------- server CPU


def cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU time used so far by these processes (Linux /proc), None if unreadable."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        for pid in pids:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    except (OSError, IndexError, ValueError):
        return None
    return total / ticks


def machine_busy_seconds() -> float | None:
    """CPU time all CPUs spent busy so far (the `cpu` line of /proc/stat), None if unreadable."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")  # user..steal, no guest (counted in user)


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class CpuUse:
    """CPU seconds used inside the window: by the server, by this client, by everything else."""

    server: float | None = None
    client: float | None = None
    other: float | None = None


def cpu_snapshot(pids: list[int]) -> tuple[float | None, float, float | None]:
    return cpu_seconds(pids), own_cpu_seconds(), machine_busy_seconds()


async def measure_cpu(pids: list[int], window: Window) -> CpuUse:
    await asyncio.sleep(max(0.0, window.start - time.perf_counter()))
    before = cpu_snapshot(pids)
    await asyncio.sleep(max(0.0, window.end - time.perf_counter()))
    after = cpu_snapshot(pids)
    use = CpuUse(client=after[1] - before[1])
    if pids and before[0] is not None and after[0] is not None:
        use.server = after[0] - before[0]
    if before[2] is not None and after[2] is not None:
        use.other = max(0.0, after[2] - before[2] - use.client - (use.server or 0.0))
    return use


# --------------------------------------------------------------------------- server memory


def rss_kib(pids: list[int]) -> int | None:
    """Resident memory of these processes, summed, in KiB (Linux /proc/<pid>/statm)."""
    page_kib = os.sysconf("SC_PAGE_SIZE") // 1024
    total = 0
    try:
        for pid in pids:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * page_kib
    except (OSError, IndexError, ValueError):
        return None
    return total


async def settled_rss(pids: list[int]) -> tuple[int | None, bool, float]:
    """(RSS in KiB once it stops moving, whether it did before the deadline, seconds waited)."""
    began = time.perf_counter()
    samples: list[int] = []
    while True:
        rss = rss_kib(pids)
        if rss is None:
            return None, False, time.perf_counter() - began
        samples = [*samples[-(SETTLE_SAMPLES - 1) :], rss]
        if len(samples) == SETTLE_SAMPLES and max(samples) - min(samples) <= SETTLE_SPREAD_KIB:
            return rss, True, time.perf_counter() - began
        if time.perf_counter() - began > SETTLE_DEADLINE_S:
            return rss, False, time.perf_counter() - began
        await asyncio.sleep(SETTLE_EVERY_S)


async def measure_memory(
    url: str, protocol: str, target: str, low: int, high: int, pids: list[int]
) -> dict[str, Any]:
    """Server RSS with `low` then `high` sessions open; growth per added session (KiB)."""
    if not pids:
        raise RuntimeError("--memory needs --server-pids")
    opened: list[Session] = []
    try:
        opened += await open_sessions(url, protocol, target, low)
        rss_low, settled_low, wait_low = await settled_rss(pids)
        opened += await open_sessions(url, protocol, target, high - low, first=low)
        rss_high, settled_high, wait_high = await settled_rss(pids)
    finally:
        await close_all(opened)
    per_session = (
        (rss_high - rss_low) / (high - low) if rss_low is not None and rss_high is not None else None
    )
    return {
        "memory_low_sessions": low,
        "memory_high_sessions": high,
        "rss_low_kib": rss_low,
        "rss_high_kib": rss_high,
        "rss_per_session_kib": per_session,
        "settled": settled_low and settled_high,
        "settle_s": [round(wait_low, 2), round(wait_high, 2)],
    }


# --------------------------------------------------------------------------- results


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, round(q / 100 * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarize(sessions: list[Session], duration: float, setup_s: float, cpu: CpuUse) -> dict[str, Any]:
    latencies = sorted(x for s in sessions for x in s.latencies)
    errors = [e for s in sessions for e in s.errors]
    return {
        "sessions": len(sessions),
        "events": len(latencies),
        "duration_s": duration,
        "events_per_s": len(latencies) / duration,
        "p50_s": percentile(latencies, 50),
        "p99_s": percentile(latencies, 99),
        "mean_s": sum(latencies) / len(latencies) if latencies else None,
        "max_s": latencies[-1] if latencies else None,
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "other_frames": sum(s.other_frames for s in sessions),
        "reply_bytes": max((s.reply_bytes for s in sessions), default=0),
        "first_frame_bytes": max((s.first_frame_bytes for s in sessions), default=0),
        "idle_sessions": sum(1 for s in sessions if not s.latencies),
        "setup_s": setup_s,
        "server_cpu_s": cpu.server,
        "server_cpu_per_event_s": cpu.server / len(latencies)
        if cpu.server is not None and latencies
        else None,
        "client_cpu_s": cpu.client,
        "other_cpu_s": cpu.other,  # the rest of the machine, inside the window: noise from other programs
    }


@dataclass
class Load:
    url: str
    protocol: str
    target: str
    sessions: int
    warmup: float
    duration: float
    server_pids: list[int]


async def run(load: Load) -> dict[str, Any]:
    began = time.perf_counter()
    opened = await open_sessions(load.url, load.protocol, load.target, load.sessions)
    setup_s = time.perf_counter() - began
    start = time.perf_counter() + load.warmup
    window = Window(start, start + load.duration)
    cpu = asyncio.ensure_future(measure_cpu(load.server_pids, window))
    try:
        await asyncio.wait_for(
            asyncio.gather(*(click_loop(s, window) for s in opened)),
            load.warmup + load.duration + REPLY_TIMEOUT_S + 5,
        )
    finally:
        await close_all(opened)
    return summarize(opened, load.duration, setup_s, await cpu)


def run_in_process(
    arguments: list[str],
    timeout: float,
    *,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    preexec: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """This client in a process of its own, as the benchmarks run it (`python loadclient.py
    <arguments>`, `preexec` pinning its CPU): its JSON output, or {"failed": why}."""
    command = [sys.executable, os.path.abspath(__file__), *arguments]
    try:
        out = subprocess.run(
            command,
            check=False,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=preexec,
        )
    except subprocess.TimeoutExpired:
        return {"failed": f"load client timed out after {timeout:.0f} s"}
    if out.returncode != 0:
        return {"failed": (out.stderr.strip().splitlines() or [f"exit code {out.returncode}"])[-1][:300]}
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the server's base URL, e.g. http://127.0.0.1:8123")
    parser.add_argument("--protocol", choices=("htag", "echo"), default="htag")
    parser.add_argument(
        "--target", default="inc", help="id of the element clicked (echo: the id in the message)"
    )
    parser.add_argument("--sessions", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument(
        "--server-pids", default="", help="comma-separated pids whose CPU time (RSS) to report"
    )
    parser.add_argument(
        "--memory",
        metavar="LOW,HIGH",
        help="measure RSS per session between LOW and HIGH open sessions instead of clicking",
    )
    args = parser.parse_args()
    if urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("this benchmark only talks to the loopback interface")
    pids = [int(p) for p in args.server_pids.split(",") if p.strip()]
    if args.memory:
        low, high = (int(x) for x in args.memory.split(","))
        if not 0 < low < high:
            parser.error("--memory LOW,HIGH needs 0 < LOW < HIGH")
        result = asyncio.run(measure_memory(args.url, args.protocol, args.target, low, high, pids))
    else:
        load = Load(args.url, args.protocol, args.target, args.sessions, args.warmup, args.duration, pids)
        result = asyncio.run(run(load))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
