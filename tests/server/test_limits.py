"""What one client can make the server hold or do: remembered replies, callback ids,
message rates, malformed messages of every action, and the session cap."""

from __future__ import annotations

import asyncio
import itertools
import json

import orjson

from htag.server.sessions import REPLIES_BYTES, REPLIES_KEPT, Session


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
        [None, "event", "ping", "poll", "log_error"], FIELDS, ODD_VALUES
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
