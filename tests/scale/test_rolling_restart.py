"""A rolling restart (SIGHUP to the supervisor of `htag run --procs 3`) behind nginx (`htag nginx-conf`):
each process in turn drains (new pages go to the others through nginx's `proxy_next_upstream http_503`,
its own sessions go on until the drain timeout), then closes its sessions with 1012 and is replaced on
its port. Meanwhile every new page (and its WebSocket) is served, the sessions of the processes not
being restarted keep answering, and every session of a restarted process gets a reload then a fresh
working session."""

from __future__ import annotations

import asyncio
import signal
import time

import websockets
from reliability import support  # tests/reliability/support.py
from scale_support import health, wait_for
from test_nginx_procs import gather_in_batches, open_browser, reconnect_and_reload

from htag.server.sessions import SERVICE_RESTART

BROWSERS = 30
DRAIN_S = 4.0
CLICK_EVERY_S = 0.3


async def keep_clicking(socket, answered: list[float]) -> int | None:
    """Clicks until the socket closes; each answered click's time goes to `answered`. Returns the
    close code (None: a click was answered with something else than an update, or timed out)."""
    while True:
        try:
            reply = await support.click(socket)
        except websockets.ConnectionClosed:
            return socket.ws.close_code
        except TimeoutError:
            return None
        if reply["action"] != "update":
            return None
        answered.append(time.monotonic())
        await asyncio.sleep(CLICK_EVERY_S)


async def new_visitors(url: str, stop: asyncio.Event, outcomes: list[str]) -> None:
    """New browsers, one after the other, through nginx: a page (any status but 200 fails), its
    WebSocket, a click."""
    while not stop.is_set():
        try:
            identity = await support.Identity.new(url)  # raises unless the page answers 200
            socket = await identity.connect()
            reply = await support.click(socket)
            outcomes.append(
                "ok" if reply["action"] == "update" and reply["result"] == 1 else str(reply)[:200]
            )
            await support.close_sessions([socket])
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            outcomes.append(f"{type(e).__name__}: {e}"[:300])


def test_a_rolling_restart_drains_each_process_in_turn_without_failing_a_page_or_a_kept_session(cluster):
    run = cluster(3, args=("--drain-timeout", str(DRAIN_S)))
    before = run.healths()

    async def scenario():
        browsers = await gather_in_batches([open_browser(run.url, i) for i in range(BROWSERS)])
        answered: list[list[float]] = [[] for _ in browsers]
        clickers = [
            asyncio.create_task(keep_clicking(socket, times))
            for (_, socket), times in zip(browsers, answered)
        ]
        stop, outcomes = asyncio.Event(), []
        visitors = asyncio.create_task(new_visitors(run.url, stop, outcomes))
        await asyncio.sleep(0)  # every task runs before the restart begins
        run.supervisor.send_signal(signal.SIGHUP)

        def restarted() -> bool:
            now = run.healths()
            return all(h and h["ready"] and h["pid"] != b["pid"] for h, b in zip(now, before)) and (
                "rolling restart done" in run.log.read_text()
            )

        await asyncio.to_thread(wait_for, restarted, 180, "every process restarted", run.log)
        codes = await asyncio.wait_for(asyncio.gather(*clickers), 60)
        stop.set()
        await asyncio.wait_for(visitors, 60)
        reloads = [await reconnect_and_reload(run.url, identity) for identity, _ in browsers]
        return answered, codes, outcomes, reloads

    answered, codes, outcomes, reloads = asyncio.run(scenario())
    assert all(code == SERVICE_RESTART for code in codes), codes  # kept until their drain ended, then 1012
    assert all(times for times in answered)  # each session answered clicks
    failures = [o for o in outcomes if o != "ok"]
    assert len(outcomes) >= 5 and not failures, failures[:10]  # no new page ever failed
    assert all(reloads)  # each reconnect is told `reload`; the reloaded page gets a fresh, working session
    # The three processes drained one after the other: the sessions closed first (the first process)
    # while the others were still answering clicks, and those went on answering after it.
    ends = sorted(times[-1] for times in answered)
    first_closed = ends[0]
    later = [times for times in answered if times[-1] > first_closed + DRAIN_S / 2]
    assert later and all(any(t > first_closed for t in times) for times in later)
    after = run.healths()
    assert all(h["ready"] and not h["draining"] for h in after)
    assert {h["pid"] for h in after}.isdisjoint({h["pid"] for h in before})  # a new pid for each
    log = run.log.read_text()
    assert log.count("draining: no new session") == 3 and "exited with status" not in log  # no crash
    assert log.count("have up to 4 s") == 3  # --drain-timeout reached each process
    assert run.supervisor.poll() is None and all(health(run.process_url(p)) for p in run.ports)
