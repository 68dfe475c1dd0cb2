"""What one client can make the server hold or do: remembered replies, callback ids,
message rates, malformed messages of every action, and the session cap."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time

import httpx
import orjson
import pytest
import websockets
from harness import wait_for

from htag import App
from htag.server.sessions import REPLIES_BYTES, REPLIES_KEPT, Session, SessionManager, SessionsFull


def run(coro):
    return asyncio.run(coro)


def remembered_bytes(session: Session) -> int:
    both = itertools.chain(session.replies.items(), session.older_replies.items())
    return sum(len(k) + len(v or "") for k, v in both)


# -- the replies a session remembers for resent events --------------------------------


def test_remembered_replies_are_bounded_in_bytes():
    session = Session("sid", app=None)
    reply = "x" * (REPLIES_BYTES // 5)  # large, but small enough to be kept
    for i in range(2 * REPLIES_KEPT):
        cid = f"c{i}"
        assert session.first_time(cid)
        session.remember(cid, reply)
    assert remembered_bytes(session) <= 2 * REPLIES_BYTES + len(reply)
    assert session.reply(f"c{2 * REPLIES_KEPT - 1}") == reply  # the latest is still there


def test_a_reply_too_large_to_keep_is_remembered_as_an_error():
    session = Session("sid", app=None)
    assert session.first_time("big")
    session.remember("big", "y" * REPLIES_BYTES)
    remembered = orjson.loads(session.reply("big"))
    assert remembered["action"] == "error" and remembered["callback_id"] == "big"
    assert "too large" in remembered["message"]
    assert remembered_bytes(session) < 200


def test_a_long_or_unprintable_callback_id_is_refused_and_the_session_goes_on(opened):
    _s, b = opened()

    async def scenario():
        await b.connect()
        for bad in ("x" * 65, "a b", "é", ""):
            await b.send({"id": "inc", "event": "click", "data": {"callback_id": bad}})
            frame = await b.recv()
            assert frame == {
                "action": "error",
                "message": "bad message: callback_id must be 1 to 64 printable ASCII characters",
            }
        _, reply = await b.event("inc")
        assert reply["result"] == 1  # none of the refused events ran

    run(scenario())


def test_every_message_counts_for_the_rate_limit(opened):
    _s, b = opened(event_rate=5, event_burst=10)

    async def scenario():
        await b.connect()
        for _ in range(60):
            await b.send({"action": "ping"})
        frames = [await b.recv() for _ in range(60)]
        pongs = sum(f == {"action": "pong"} for f in frames)
        refused = sum(f == {"action": "error", "message": "too many messages: refused"} for f in frames)
        assert pongs + refused == 60 and 10 <= pongs < 30 and refused > 30
        # the bucket refills: the session goes on
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            _, reply = await b.event("inc")
            if reply["action"] == "update" or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.2)
        assert reply["result"] == 1

    run(scenario())


def test_http_messages_count_for_the_rate_limit_too(opened):
    _s, b = opened(event_rate=1, event_burst=5)
    statuses = [b.post({"action": "ping", "fallback": True}).status_code for _ in range(15)]
    assert statuses[:5] == [200] * 5 and statuses.count(429) >= 8


# -- malformed messages ---------------------------------------------------------------


def test_an_error_action_from_the_client_is_refused_clearly(opened):
    _s, b = opened()
    r = b.post({"action": "error"})
    assert r.status_code == 400 and r.json() == {"status": "error", "message": "unknown action"}

    async def scenario():
        await b.connect()
        await b.send({"action": "error", "message": "<b>echo me</b>", "callback_id": "c1"})
        assert await b.recv() == {"action": "error", "message": "unknown action 'error'"}
        _, reply = await b.event("inc")
        assert reply["result"] == 1

    run(scenario())


ODD_VALUES = [None, 1, 1.5, True, "", "x" * 300, [], [1], {}, {"a": 1}, 2**70]
FIELDS = ["action", "id", "event", "data", "error", "message", "fallback", "v", "callback_id"]


def odd_messages():
    """Every field of every action's message, set to every odd value."""
    for action, name, value in itertools.product(
        [None, "event", "ping", "poll", "log_error", "error", "launch"], FIELDS, ODD_VALUES
    ):
        message = {"id": "inc", "event": "click", "data": {"callback_id": "c1"}}
        if action is not None:
            message["action"] = action
        if name == "callback_id":
            message["data"] = {"callback_id": value}
        else:
            message[name] = value
        yield message


def test_no_field_of_any_message_breaks_the_server(opened):
    _s, b = opened(event_rate=1e6, event_burst=1e6)
    messages = list(odd_messages())
    for message in messages:  # the pure-HTTP transport answers each one with a status
        text = json.dumps(dict(message, fallback=message.get("fallback", True)))  # orjson: no 2**70
        r = b.http.post("/event", content=text, headers={"X-HTAG-TOKEN": b.token})
        assert r.status_code < 500, (message, r.text)
        assert "internal error" not in r.text, message

    async def scenario():
        await b.connect()
        for message in messages:
            await b.send(json.dumps(message))
            await b.send({"action": "ping"})
            while (frame := await b.recv()) != {"action": "pong"}:
                assert "internal error" not in frame.get("message", ""), message
        _, reply = await b.event("inc")  # the session went on
        assert reply["action"] == "update" and isinstance(reply["result"], int)

    run(scenario())


# -- the session cap --------------------------------------------------------------------


class Plain(App):
    pass


class Socket:
    """Stands for an open connection of a session."""

    closed = False

    def close(self) -> None:
        self.closed = True


def connected(manager: SessionManager) -> Session:
    session = manager.create(None)
    assert manager.establish(session)
    session.connections.add(Socket())
    return session


def test_new_pages_never_evict_a_connected_session():
    manager = SessionManager(Plain, max_sessions=2, max_pending=3)
    users = [connected(manager), connected(manager)]
    with pytest.raises(SessionsFull):  # a page that could never connect is refused at once
        manager.create(None)
    users[0].connections.clear()  # one user left: its session may make room, when needed
    pages = [manager.create(None) for _ in range(5)]
    assert [manager.get(p.sid) for p in pages] == [None, None, *pages[2:]]  # oldest pages go first
    assert manager.get(users[0].sid) is users[0] and manager.get(users[1].sid) is users[1]
    assert manager.establish(pages[4])  # the user who left makes room for it
    pages[4].connections.add(Socket())
    assert manager.get(users[0].sid) is None and manager.get(users[1].sid) is users[1]
    pages[3].connections.add(Socket())
    with pytest.raises(SessionsFull):  # both established sessions are connected
        manager.establish(pages[3])
    assert not manager.establish(pages[0])  # evicted: its client will reload


def test_unconnected_pages_expire_quickly():
    manager = SessionManager(Plain, idle_timeout=3600, pending_timeout=0.2)
    user, page = connected(manager), manager.create(None)

    def page_expired() -> bool:
        manager.expire()
        return manager.get(page.sid) is None

    wait_for(page_expired, 5, "the unconnected page expired")
    assert manager.get(user.sid) is user


def test_a_flood_of_page_loads_leaves_a_connected_user_alone(opened):
    s, b = opened()

    async def scenario():
        await b.connect()
        _, reply = await b.event("inc")
        assert reply["result"] == 1
        async with httpx.AsyncHTTPTransport() as bot:  # no cookie jar: every page load is a new visitor

            async def load() -> int:
                response = await bot.handle_async_request(httpx.Request("GET", s.url + "/"))
                await response.aread()
                return response.status_code

            for _ in range(12):
                assert await asyncio.gather(*(load() for _ in range(100))) == [200] * 100
        _, reply = await b.event("inc")
        assert reply["result"] == 2  # the same App: the session was kept

    run(scenario())
    assert b.load().count('<span id="count">2</span>') == 1  # and a reload finds it again


def test_a_page_is_refused_with_retry_after_when_every_session_is_connected(serve, browser):
    s = serve(max_sessions=2)
    users = [browser(s.url) for _ in range(2)]

    async def scenario():
        for user in users:
            user.load()
            await user.connect()
        async with httpx.AsyncClient(base_url=s.url) as visitor:
            r = await visitor.get("/")
            assert r.status_code == 503 and r.headers["retry-after"] == "30"
            for user in users:
                await user.ws.close()
            deadline = time.monotonic() + 10
            while (r := await visitor.get("/")).status_code != 200 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)  # the server notices the sockets closed
            assert r.status_code == 200

    run(scenario())


async def open_sessions(url: str, count: int, concurrency: int = 64) -> list:
    """`count` browsers at their cheapest: load the page, open its WebSocket, read the first frame."""
    host = url.split("//")[1]
    gate = asyncio.Semaphore(concurrency)

    async def one(http: httpx.AsyncHTTPTransport):
        async with gate:
            response = await http.handle_async_request(httpx.Request("GET", url + "/"))
            page = (await response.aread()).decode()
            assert response.status_code == 200, page
            cookie = response.headers["set-cookie"].split(";")[0]
            token = re.search(r'data-htag-token="([^"]+)"', page).group(1)
            ws = await websockets.connect(
                f"ws://{host}/ws?token={token}", additional_headers={"Cookie": cookie, "Origin": url}
            )
            assert orjson.loads(await ws.recv())["action"] == "update"
            return ws

    async with httpx.AsyncHTTPTransport() as http:
        return await asyncio.gather(*(one(http) for _ in range(count)))


async def all_answer(sockets: list) -> bool:
    async def pong(ws) -> bool:
        await ws.send('{"action": "ping"}')
        return orjson.loads(await asyncio.wait_for(ws.recv(), 30)) == {"action": "pong"}

    return all(await asyncio.gather(*(pong(ws) for ws in sockets)))


def connected_sessions_work(serve, count: int) -> None:
    s = serve()  # the defaults

    async def scenario():
        sockets = await open_sessions(s.url, count)
        try:
            assert await all_answer(sockets)
        finally:
            await asyncio.gather(*(ws.close() for ws in sockets))

    run(scenario())


def test_two_thousand_connected_sessions_work_with_the_defaults(serve):
    started = time.monotonic()
    connected_sessions_work(serve, 2000)
    print(f"2000 sessions in {time.monotonic() - started:.1f} s")


@pytest.mark.stress
def test_the_session_cap_of_connected_sessions_works_with_the_defaults(serve):
    connected_sessions_work(serve, 4900)  # just under max_sessions=5000


def test_a_pending_page_that_finds_the_server_full_is_told_to_retry(serve, browser):
    s = serve(max_sessions=1)
    first, late = browser(s.url), browser(s.url)
    first.load()
    late.load()  # pending while there was room

    async def scenario():
        await first.connect()
        refused = await late.connect()
        assert refused == {"action": "error", "message": "the server is full: try again later"}
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await late.recv()
        assert closed.value.rcvd.code == 1013
        stream = late.http.get("/stream", params={"token": late.token})
        poll = late.post({"action": "poll", "fallback": True})
        for r in (stream, poll):
            assert r.status_code == 503 and r.headers["retry-after"] == "30"
        _, reply = await first.event("inc")  # the connected user goes on
        assert reply["result"] == 1

    run(scenario())
