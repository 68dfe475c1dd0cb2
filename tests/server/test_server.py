"""The real server (Granian on loopback) driven by a real WebSocket/HTTP client."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
import orjson
import pytest
import websockets
from harness import wait_for


def run(coro):
    return asyncio.run(coro)


def destroyed(server) -> list[str]:
    return [r for r in server.records() if r.startswith("destroy")]


def reply_to(opened, tag_id: str, **options) -> tuple[list, dict]:
    """A page of the Counter (WebApp options as given), connected, and one click on `tag_id`:
    the frames received before the reply, and the reply."""
    _s, b = opened(**options)

    async def click():
        await b.connect()
        return await b.event(tag_id)

    return run(click())


def test_page_then_websocket_click(serve, browser):
    s = serve()
    b = browser(s.url)
    page = b.load()
    assert '<span id="count">0</span>' in page
    assert re.search(r'<script src="/_htag/htag\.[0-9a-f]{16}\.js" defer>', page)

    async def scenario():
        first = await b.connect()
        body = next(iter(first["updates"].values()))
        assert body.startswith("<body") and 'id="count"' in body
        _, reply = await b.event("inc")
        assert reply["result"] == 1
        assert reply["updates"] == {"count": '<span id="count">1</span>'}
        _, reply = await b.event("asyncinc")
        assert reply["result"] == {"n": 2}

    run(scenario())


def test_client_script_is_cacheable_and_compressed(serve, browser):
    s = serve()
    page = browser(s.url).load()
    src = re.search(r'<script src="(/_htag/htag\.[0-9a-f]+\.js)"', page).group(1)
    gzipped = httpx.get(s.url + src, headers={"Accept-Encoding": "gzip, deflate"})
    plain = httpx.get(s.url + src, headers={"Accept-Encoding": "identity"})
    assert gzipped.status_code == plain.status_code == 200
    assert gzipped.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert gzipped.text == plain.text and "htag_event" in plain.text  # httpx decodes the gzip
    assert int(gzipped.headers["content-length"]) < len(plain.content) / 3
    for r in (gzipped, plain):
        assert "immutable" in r.headers["cache-control"] and r.headers["vary"] == "Accept-Encoding"


def test_sessions_are_isolated_per_cookie(serve, browser):
    s = serve()
    one, two = browser(s.url), browser(s.url)
    one.load()
    two.load()

    async def scenario():
        await one.connect()
        await one.event("inc")
        await one.event("inc")
        first = await two.connect()
        assert '<span id="count">0</span>' in next(iter(first["updates"].values()))

    run(scenario())
    assert '<span id="count">2</span>' in one.load()


def test_session_cookie_is_signed_httponly_lax(serve, browser):
    s = serve()
    r = httpx.get(s.url + "/")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_tampered_cookie_is_refused(opened):
    _s, b = opened()

    async def scenario():
        await b.connect()
        await b.event("inc")

    run(scenario())
    value = b.http.cookies["htag_session"]
    forged = value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")
    b.http.cookies.clear()
    b.http.cookies.set("htag_session", forged)

    async def forged_socket():
        first = await b.connect()
        assert first == {"action": "reload"}

    run(forged_socket())
    # the page does not resume the old session either
    b.http.cookies.clear()
    b.http.cookies.set("htag_session", forged)
    assert '<span id="count">0</span>' in b.load()


def test_cross_origin_websocket_is_refused(opened):
    _s, b = opened()
    with pytest.raises(websockets.exceptions.InvalidStatus):
        run(b.connect(origin="http://evil.example"))


def test_websocket_needs_the_session_token(opened):
    _s, b = opened()
    with pytest.raises(websockets.exceptions.InvalidStatus):
        run(b.connect(token="wrong"))


def test_csrf_token_is_enforced_on_post(opened):
    _s, b = opened()
    msg = {"id": "inc", "event": "click", "data": {"callback_id": "x"}, "fallback": True}
    assert b.post(msg, token="").status_code == 403
    assert b.post(msg, token="nope").status_code == 403
    r = b.post(msg)
    assert r.status_code == 200


def test_pure_http_fallback_round_trip(opened):
    _s, b = opened()
    r = b.post({"id": "inc", "event": "click", "data": {"callback_id": "k1"}, "fallback": True})
    payloads = r.json()["payloads"]
    reply = [p for p in payloads if p.get("callback_id") == "k1"]
    assert reply and reply[0]["result"] == 1
    assert any('<span id="count">1</span>' in str(p) for p in payloads)
    # a background change arrives with the next poll
    b.post({"id": "thread", "event": "click", "data": {}, "fallback": True})

    def polled_the_change():
        polled = b.post({"action": "poll", "fallback": True}).json()["payloads"]
        return any('<span id="count">100</span>' in str(p) for p in polled)

    wait_for(polled_the_change, what="the change polled")


def test_sse_fallback_round_trip(opened):
    _s, b = opened()
    with b.http.stream("GET", f"/stream?token={b.token}") as stream:
        lines = stream.iter_lines()

        def next_frame():
            for line in lines:
                if line.startswith("data: "):
                    return orjson.loads(line[6:])

        first = next_frame()
        assert 'id="count"' in next(iter(first["updates"].values()))
        r = b.post({"id": "inc", "event": "click", "data": {"callback_id": "s1"}})
        assert r.json() == {"status": "ok"}
        frame = next_frame()
        assert frame["callback_id"] == "s1" and frame["result"] == 1


def test_new_session_with_n_calls_on_destroy(opened):
    s, b = opened()
    b.load("/?n")
    assert len(wait_for(lambda: destroyed(s), what="on_destroy called")) == 1


def test_cap_on_unconnected_pages_evicts_the_oldest(serve, browser):
    s = serve(max_pending_pages=2)
    for _ in range(3):
        browser(s.url).load()
    assert len(wait_for(lambda: destroyed(s), what="on_destroy called")) == 1


def test_idle_sessions_expire(opened):
    s, _b = opened(session_timeout=1)
    assert wait_for(s.records, 15, "on_destroy called")[0].startswith("destroy")


def test_shutdown_calls_on_destroy(serve, browser):
    s = serve()
    browser(s.url).load()
    s.stop()
    assert len([r for r in s.records() if r.startswith("destroy")]) == 1


def test_updates_from_a_thread_and_a_task_arrive_unasked(opened):
    _s, b = opened()

    async def scenario():
        await b.connect()
        await b.event("thread")
        frame = await b.recv(timeout=3)
        assert frame["updates"] == {"count": '<span id="count">100</span>'}
        await b.event("task")
        frame = await b.recv(timeout=3)
        assert frame["updates"] == {"count": '<span id="count">200</span>'}

    run(scenario())


def test_value_sync_before_callback(opened):
    _s, b = opened()

    async def scenario():
        await b.connect()
        _, reply = await b.event("field", "htag:sync", {"value": "typed"})
        assert "updates" not in reply  # written without re-rendering
        _, reply = await b.event("read")
        assert reply["result"] == "typed"

    run(scenario())


def test_generator_callback_sends_intermediate_frames(opened):
    before, reply = reply_to(opened, "steps")
    seen = [f["updates"]["count"] for f in before + [reply] if "updates" in f]
    assert seen[:3] == [f'<span id="count">{1000 + i}</span>' for i in range(3)]


def test_failing_callback_debug_shows_traceback_and_session_goes_on(opened):
    _s, b = opened(debug=True)

    async def scenario():
        await b.connect()
        _, reply = await b.event("boom")
        assert reply["action"] == "error" and "kaboom" in reply["traceback"]
        _, reply = await b.event("inc")
        assert reply["result"] == 1

    run(scenario())


def test_no_traceback_when_debug_is_false(opened):
    _, reply = reply_to(opened, "boom", debug=False)
    assert reply["action"] == "error" and "traceback" not in reply
    assert "kaboom" not in orjson.dumps(reply).decode()


def test_sync_callback_returning_coroutine_is_an_error(opened):
    _, reply = reply_to(opened, "bad", debug=True)  # the message names the error in development mode
    assert reply["action"] == "error" and "HtagEventError" in reply["message"]


def test_request_is_available_in_callbacks(opened):
    _, reply = reply_to(opened, "session")
    assert reply["result"] == "WebSocket"


def test_bad_input_is_refused_and_the_connection_goes_on(opened):
    _s, b = opened(max_message_size=2000)

    async def scenario():
        await b.connect()
        await b.send("{not json")
        assert (await b.recv())["action"] == "error"
        await b.send("[1, 2]")
        assert (await b.recv())["action"] == "error"
        await b.send({"id": 5, "event": "click", "data": {"callback_id": "t1"}})
        frame = await b.recv()
        assert frame["action"] == "error" and frame["callback_id"] == "t1"
        _, reply = await b.event("nope")
        assert reply["action"] == "error" and "unknown tag" in reply["message"]
        _, reply = await b.event("count", "click")
        assert reply["action"] == "error" and "handler" in reply["message"]
        await b.send('{"id": "inc", "event": "click", "data": "\\ud800"}')
        await b.recv()  # a lone surrogate: refused or handled, never fatal
        _, reply = await b.event("inc")
        assert reply["result"] == 1

    run(scenario())


def test_event_flood_is_refused_but_session_survives(opened):
    _s, b = opened(event_rate=50, event_burst=20)

    async def scenario():
        await b.connect()
        for i in range(200):
            await b.send({"id": "inc", "event": "click", "data": {"callback_id": f"f{i}"}})
        refused = answered = 0
        while refused + answered < 200:
            frame = await b.recv()
            if frame.get("callback_id", "").startswith("f"):
                if frame["action"] == "error":
                    refused += 1
                else:
                    answered += 1
        assert refused > 0 and answered >= 20
        deadline = time.monotonic() + 10
        while True:  # refused until the token bucket refills; a refused event does not run
            _, reply = await b.event("inc")
            if reply["action"] != "error" or time.monotonic() > deadline:
                break
            assert "too many messages" in reply["message"]
            await asyncio.sleep(0.02)
        assert reply["result"] == answered + 1

    run(scenario())


def test_another_session_survives_a_crashing_one(serve, browser):
    s = serve()
    one, two = browser(s.url), browser(s.url)
    one.load()
    two.load()

    async def scenario():
        await one.connect()
        await two.connect()
        await one.send("garbage")
        await one.event("boom")
        _, reply = await two.event("inc")
        assert reply["result"] == 1

    run(scenario())


def test_f5_keeps_the_session(opened):
    s, b = opened()

    async def scenario():
        await b.connect()
        await b.event("inc")

    run(scenario())
    assert '<span id="count">1</span>' in b.load()
    assert not s.records()


def test_parano_mode_obfuscates_frames(serve, browser):
    import base64

    s = serve(parano=True)
    b = browser(s.url)
    page = b.load()
    key = re.search(r'data-htag-parano="([^"]+)"', page).group(1).encode()

    def xor(data: bytes) -> bytes:
        return bytes(c ^ key[i % len(key)] for i, c in enumerate(data))

    async def scenario():
        host = s.url.split("//")[1]
        ws = await websockets.connect(
            f"ws://{host}/ws?token={b.token}", additional_headers={"Cookie": b.cookie, "Origin": s.url}
        )
        raw = await ws.recv()
        assert "count" not in raw
        first = orjson.loads(xor(base64.b64decode(raw)))
        assert first["action"] == "update"
        msg = orjson.dumps({"id": "inc", "event": "click", "data": {"callback_id": "p"}})
        await ws.send(base64.b64encode(xor(msg)).decode())
        reply = orjson.loads(xor(base64.b64decode(await ws.recv())))
        assert reply["result"] == 1
        await ws.close()

    run(scenario())


def test_uvicorn_also_serves(opened):
    _, reply = reply_to(opened, "inc", server="uvicorn")
    assert reply["result"] == 1


def test_a_resent_event_is_not_run_twice(opened):
    _s, b = opened()
    msg = {"id": "inc", "event": "click", "data": {"callback_id": "once"}, "fallback": True}
    first = [p for p in b.post(msg).json()["payloads"] if p.get("callback_id") == "once"]
    again = [p for p in b.post(msg).json()["payloads"] if p.get("callback_id") == "once"]
    assert first[0]["result"] == 1
    assert again == first  # the first reply, replayed: the counter did not move
    (_,) = [
        p for p in b.post({**msg, "data": {"callback_id": "next"}}).json()["payloads"] if p.get("callback_id")
    ]
    assert _["result"] == 2


def test_sse_streams_are_renewed_without_losing_frames(opened):
    _s, b = opened()

    def frames(stream):
        for line in stream.iter_lines():
            if line.startswith("data: "):
                yield orjson.loads(line[6:])

    with b.http.stream("GET", f"/stream?token={b.token}") as first:
        it = frames(first)
        assert "updates" in next(it)  # the full body
        renew = next(it)  # the stream ends by itself (so the server can always shut down)
        assert renew["action"] == "renew" and renew["key"]
    # a click while no stream is open: its frames wait in the connection
    assert b.post({"id": "inc", "event": "click", "data": {"callback_id": "r1"}}).json() == {"status": "ok"}
    with b.http.stream("GET", f"/stream?token={b.token}&resume={renew['key']}") as second:
        frame = next(frames(second))
        assert frame["callback_id"] == "r1" and frame["result"] == 1  # no resync, nothing lost


def test_a_reply_whose_render_fails_still_answers(opened):
    _s, b = opened("FragileRender", debug=False)

    async def scenario():
        await b.connect()
        _, reply = await b.event("inc")
        assert reply["result"] == 1
        _, reply = await b.event("inc")  # 10 // 0 while rendering the reply
        assert reply["action"] == "error" and "traceback" not in reply
        _, reply = await b.event("inc")
        assert reply["result"] == 3  # the session goes on

    run(scenario())
