"""nginx (from `htag nginx-conf`) in front of three htag processes (`htag run --procs 3`), on
loopback: every simulated browser keeps one process through its page, WebSocket and SSE stream;
killing one process reloads its users only. The clients are the reliability tests' protocol
clients (tests/reliability/support.py, on benches/loadclient.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal

import httpx
import orjson
from reliability import support  # tests/reliability/support.py
from scale_support import health, wait_for

BROWSERS = 100


async def gather_in_batches(coros, size: int = 25) -> list:
    """Runs the coroutines `size` at a time (a loaded 2-core machine: no thundering herd)."""
    results = []
    for start in range(0, len(coros), size):
        results += await asyncio.gather(*coros[start : start + size])
    return results


async def browse(url: str, index: int):
    """A browser: its page through nginx, its WebSocket (a click), then an SSE stream of the same
    session (a click over POST /event). Each step is refused with `reload` by any other process than
    the one that served the page: success proves the affinity."""
    identity = await support.Identity.new(url)
    socket = await identity.connect(index)  # raises unless the first frame is the body (not `reload`)
    reply = await support.click(socket)
    assert reply["action"] == "update", reply
    cookies = dict(cookie.split("=", 1) for cookie in identity.cookies)
    assert "htag_route" in cookies  # nginx's routing cookie, set on the first request
    async with httpx.AsyncClient(base_url=url, cookies=cookies, timeout=30) as client:
        sse = support.HttpSession(url, client, identity.token)
        follower = asyncio.create_task(sse.follow_stream([]))
        try:
            first = await sse.next_frame(30)
            assert first["action"] == "update", first  # the body, not a reload
            callback_id = f"sse{index}"
            click = {"id": "inc", "event": "click", "data": {"callback_id": callback_id}}
            answer = await sse.post(orjson.dumps(click))
            assert answer.json() == {"status": "ok"}, answer.text
            while (frame := await sse.next_frame(30)).get("callback_id") != callback_id:
                pass
            assert frame["action"] == "update" and frame["result"] == 2  # the WebSocket's click counted
        finally:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
    return identity, socket


def test_a_hundred_browsers_each_keep_one_process_through_page_websocket_and_sse(cluster):
    run = cluster(3)

    async def scenario():
        browsers = await gather_in_batches([browse(run.url, i) for i in range(BROWSERS)])
        states = run.healths()  # asked of each process directly, while every WebSocket is open
        await support.close_sessions([socket for _, socket in browsers])
        return states

    states = asyncio.run(scenario())
    established = [s["sessions"]["established"] for s in states]
    assert sum(established) == BROWSERS, states  # one session per browser, none created twice
    assert all(n > 0 for n in established), established  # the routes spread over the three
    assert sum(s["connections"]["websocket"] for s in states) == BROWSERS
    assert sum(s["sessions"]["pending"] for s in states) == 0  # no page without its connection
    events = 0
    for port in run.ports:
        metrics = httpx.get(run.process_url(port) + "/_htag/metrics").text
        events += int(re.search(r"^htag_events_total (\d+)$", metrics, re.MULTILINE).group(1))
        for reason in ("origin", "token", "host"):  # $http_host kept the port: no Origin refusal
            assert f'htag_refusals_total{{reason="{reason}"}} 0\n' in metrics
    assert events == 2 * BROWSERS  # a click over the WebSocket and one over SSE, each run once


def test_killing_one_process_reloads_its_users_and_leaves_the_others_answering(cluster):
    run = cluster(3)

    async def scenario():
        browsers = await gather_in_batches([open_browser(run.url, i) for i in range(60)])
        before = run.healths()
        victim = max(range(3), key=lambda i: before[i]["sessions"]["established"])
        os.kill(before[victim]["pid"], signal.SIGKILL)  # the worker of one htag process dies

        async def still_answers(socket) -> bool:
            try:
                return (await support.click(socket))["action"] == "update"
            except Exception:  # noqa: BLE001 - its socket closed: it was on the dead process
                return False

        answered = await asyncio.gather(*(still_answers(s) for _, s in browsers))
        lost = [identity for (identity, _), ok in zip(browsers, answered) if not ok]
        kept = [socket for (_, socket), ok in zip(browsers, answered) if ok]
        # the supervisor restarts it; then each user of the dead process reconnects
        port = run.ports[victim]
        await asyncio.to_thread(
            wait_for,
            lambda: (h := health(run.process_url(port))) and h["pid"] != before[victim]["pid"],
            60,
            "the killed process is restarted",
            run.log,
        )
        reloads = [await reconnect_and_reload(run.url, identity) for identity in lost]
        others = [await support.click(s) for s in kept]  # the others still answer, after all that
        await support.close_sessions(kept)
        return before, victim, lost, reloads, others

    before, victim, lost, reloads, others = asyncio.run(scenario())
    assert len(lost) == before[victim]["sessions"]["established"] > 0  # exactly its users
    assert len(others) == 60 - len(lost) and all(f["action"] == "update" for f in others)
    assert all(reloads)  # each got `reload`, then a fresh session on reloading the page
    after = run.healths()
    for i in range(3):
        if i != victim:
            assert after[i]["pid"] == before[i]["pid"]  # the other processes never stopped
    assert "exited with status" in run.log.read_text()


async def open_browser(url: str, index: int):
    identity = await support.Identity.new(url)
    return identity, await identity.connect(index)


async def reconnect_and_reload(url: str, identity: support.Identity) -> bool:
    """What the browser of a session that died does: its WebSocket reconnects and is told to
    reload; the reloaded page (same cookies) gets a fresh session, whose WebSocket works."""
    try:
        await identity.connect()
    except RuntimeError as e:  # the first frame is not the body
        assert "'action': 'reload'" in str(e), e
    else:
        raise AssertionError("a session of the dead process was still known")
    cookies = dict(cookie.split("=", 1) for cookie in identity.cookies)
    async with httpx.AsyncClient(base_url=url, cookies=cookies, timeout=30) as client:
        page = await client.get("/")
        assert page.status_code == 200
    for header in page.headers.get_list("set-cookie"):  # the new session's cookie
        name, value = header.split(";", 1)[0].split("=", 1)
        cookies[name] = value
    token = re.search(r'data-htag-token="([^"]+)"', page.text).group(1)
    fresh = support.Identity(url, [f"{k}={v}" for k, v in cookies.items()], token)
    socket = await fresh.connect()
    reply = await support.click(socket)
    await support.close_sessions([socket])
    return reply["action"] == "update" and reply["result"] == 1  # a fresh App: its first click


def test_request_session_data_survives_the_death_of_its_process(cluster):
    """`request.session` lives in the cookie, signed with the secret every process shares: the
    restarted process (a new App, a new htag session) still reads what the dead one wrote."""
    run = cluster(3, target=f"{support.TESTS / 'server' / 'apps.py'}:Visits")
    with httpx.Client(base_url=run.url, timeout=30) as browser:
        first = browser.get("/")
        assert "visits=1" in first.text
        served = next(i for i, h in enumerate(run.healths()) if h["sessions"]["pending"] == 1)
        pid = run.healths()[served]["pid"]
        os.kill(pid, signal.SIGKILL)
        port = run.ports[served]
        wait_for(
            lambda: (h := health(run.process_url(port))) and h["pid"] != pid,
            60,
            "the killed process is restarted",
            run.log,
        )
        again = browser.get("/")  # the same cookies: the same route, the restarted process
    assert again.status_code == 200 and "visits=2" in again.text
    assert run.healths()[served]["sessions"]["pending"] == 1  # a fresh htag session, on that process
