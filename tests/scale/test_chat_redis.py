"""`examples/chat.py` behind nginx (`htag nginx-conf`) on three processes (`htag run --procs 3`)
sharing `htag.pubsub` through a real Redis: browsers land where nginx routes them, several on each
process, and a message sent by a session on one process reaches every session, on all three."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from pathlib import Path

import orjson
from reliability import support  # tests/reliability/support.py

loadclient = support.loadclient  # benches/loadclient.py

CHAT = Path(__file__).resolve().parents[2] / "examples" / "chat.py"
PER_PROCESS = 2  # browsers on each process
MESSAGES = 12
MAX_VISITORS = 80  # page loads through nginx to find PER_PROCESS browsers on each process


async def visit(url: str) -> tuple[int, support.Identity]:
    """A new browser's page through nginx: the pid of the process that serves it (the page says it)
    and the browser's identity (cookies, nginx's routing cookie among them, and token)."""
    cookies, page = await loadclient.fetch_page(*support.host_port(url))
    pid = int(re.search(r"served by process (\d+)", page).group(1))
    return pid, support.Identity(url, cookies, loadclient.page_token(page) or "")


async def heard(session, text: str) -> float:
    """Waits for the update that shows `text`; returns when it arrived (time.perf_counter)."""
    while True:
        frame = await asyncio.wait_for(session.ws.recv(), 10)
        if text in frame if isinstance(frame, str) else text in frame.decode():
            return time.perf_counter()


def test_a_message_from_one_process_reaches_every_browser_on_the_others_through_nginx_and_redis(
    cluster, redis_url
):
    run = cluster(3, target=f"{CHAT}:Chat", env={"HTAG_PUBSUB_URL": redis_url})
    pids = {h["pid"] for h in run.healths()}
    assert len(pids) == 3

    async def scenario():
        by_pid: dict[int, list] = {pid: [] for pid in pids}
        for _ in range(MAX_VISITORS):
            if all(len(sessions) >= PER_PROCESS for sessions in by_pid.values()):
                break
            pid, identity = await visit(run.url)
            if len(by_pid[pid]) < PER_PROCESS:  # the others' pages simply expire unconnected
                by_pid[pid].append(await identity.connect(len(by_pid[pid])))
        placed = {pid: len(sessions) for pid, sessions in by_pid.items()}
        assert all(n == PER_PROCESS for n in placed.values()), placed
        order = sorted(by_pid)
        delays = []
        for n in range(MESSAGES):
            home = order[n % 3]  # each process sends in turn
            sender = by_pid[home][0]
            text = f"message-{n}-{time.time_ns()}"
            click = {"id": "say", "event": "submit", "data": {"msg": text, "callback_id": f"m{n}"}}
            sent = time.perf_counter()
            await sender.ws.send(orjson.dumps(click))
            elsewhere = [s for pid in order if pid != home for s in by_pid[pid]]
            at_home = by_pid[home]  # the sender and its neighbour hear it too
            arrivals = await asyncio.gather(*(heard(s, text) for s in (*elsewhere, *at_home)))
            delays.append(max(arrivals[: len(elsewhere)]) - sent)  # the last browser of the other processes
        await support.close_sessions([s for sessions in by_pid.values() for s in sessions])
        return delays

    delays = asyncio.run(scenario())
    p50, p90 = statistics.median(delays), statistics.quantiles(delays, n=10)[-1]
    print(
        f"chat through nginx and redis: p50 {p50 * 1000:.1f} ms, p90 {p90 * 1000:.1f} ms, max {max(delays) * 1000:.1f} ms"
    )
    # an update from outside an event waits for the App's throttle (50 ms) before it is sent
    assert p50 < 0.100, delays
    assert max(delays) < 1.0, delays
