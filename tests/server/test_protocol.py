"""The protocol engine and its helpers, without Starlette or a socket: what a
connection receives when it joins, how each message is answered, who gets what."""

from __future__ import annotations

import asyncio

import orjson

from htag import State, Tag
from htag.server.codec import decode_message, deobfuscate, encode, is_refusal, obfuscate
from htag.server.connections import OutboxConnection
from htag.server.dispatch import Dispatcher
from htag.server.page import CLIENT_SCRIPT, accepts, accepts_gzip
from htag.server.protocol import Protocol
from htag.server.security import RateLimiter, origin_allowed, token_matches
from htag.server.sessions import Session


class Counter(Tag.App):
    def init(self):
        self.n = State(0)
        Tag.span(self.n, _id="count")
        self.button = Tag.button("+1", _onclick=self.inc)

    def inc(self, e):
        self.n.value += 1
        return self.n.value


class Recorder(OutboxConnection):
    kind = "test"

    def frames(self) -> list[dict]:
        out = []
        while not self.outbox.empty():
            text = self.outbox.get_nowait()
            if text is not None:
                out.append(orjson.loads(text))
        return out


def run(coro):
    return asyncio.run(coro)


def session_with_page() -> tuple[Session, Protocol]:
    app = Counter()
    app.render_page()
    return Session("sid-1", app), Protocol(Dispatcher(debug=False), throttle=0.05)


def attach_current(protocol: Protocol, session: Session, conn: Recorder) -> None:
    """Connects `conn` from the page just rendered: an empty update says it is current."""
    protocol.attach(session, conn, page_version=str(session.app._engine.version))
    assert conn.frames() == [{"action": "update"}]


def click(session: Session, callback_id: str) -> dict:
    return {"id": session.app.button.id, "event": "click", "data": {"callback_id": callback_id}}


def test_a_connection_from_a_current_page_gets_no_body_again():
    async def scenario():
        session, protocol = session_with_page()
        conn = Recorder()
        protocol.attach(session, conn, page_version=str(session.app._engine.version))
        return conn.frames()

    assert run(scenario()) == [{"action": "update"}]


def test_a_current_page_still_gets_what_waited_for_a_client():
    async def scenario():
        session, protocol = session_with_page()
        session.app.call_js("window.x = 1")  # queued with no client connected
        conn = Recorder()
        protocol.attach(session, conn, page_version=str(session.app._engine.version))
        return conn.frames()

    assert run(scenario()) == [{"action": "update"}, {"action": "update", "js": ["window.x = 1"]}]


def test_a_connection_from_a_stale_or_unknown_page_gets_the_body():
    async def scenario():
        session, protocol = session_with_page()
        version = str(session.app._engine.version)
        first = Recorder()
        protocol.attach(session, first, page_version=None)
        await protocol.handle(
            session, first, click(session, "c1"), None
        )  # a frame is sent: the page is stale
        late = Recorder()
        protocol.attach(session, late, page_version=version)
        return first.frames(), late.frames(), session.app.id

    first, late, hid = run(scenario())
    assert list(first[0]["updates"]) == [hid]
    assert len(late) == 1 and list(late[0]["updates"]) == [hid]
    assert '<span id="count">1</span>' in late[0]["updates"][hid]


def test_the_reply_goes_to_the_sender_and_the_change_to_every_other_connection():
    async def scenario():
        session, protocol = session_with_page()
        sender, other = Recorder(), Recorder()
        attach_current(protocol, session, sender)
        attach_current(protocol, session, other)
        await protocol.handle(session, sender, click(session, "c1"), None)
        return sender.frames(), other.frames()

    sent, seen = run(scenario())
    assert [(f["callback_id"], f["result"]) for f in sent] == [("c1", 1)]
    assert sent[0]["updates"] == {"count": '<span id="count">1</span>'}
    assert seen == [{"action": "update", "updates": {"count": '<span id="count">1</span>'}}]


def test_a_resent_event_is_not_run_twice_and_gets_the_first_reply():
    async def scenario():
        session, protocol = session_with_page()
        conn = Recorder()
        attach_current(protocol, session, conn)
        await protocol.handle(session, conn, click(session, "c1"), None)
        await protocol.handle(session, conn, click(session, "c1"), None)
        return conn.frames(), session.app.n.value

    frames, n = run(scenario())
    assert n == 1
    assert len(frames) == 2 and frames[0] == frames[1] and frames[0]["result"] == 1


def test_control_messages():
    async def scenario():
        session, protocol = session_with_page()
        conn = Recorder()
        attach_current(protocol, session, conn)
        for message in ({"action": "ping"}, {"action": "poll"}, {"action": "log_error", "error": "x"}):
            await protocol.handle(session, conn, message, None)
        await protocol.handle(session, conn, {"action": "launch"}, None)
        await protocol.handle(
            session, conn, {"id": "nope", "event": "click", "data": {"callback_id": "c9"}}, None
        )
        return conn.frames()

    pong, unknown, missing = run(scenario())
    assert pong == {"action": "pong"}
    assert unknown == {"action": "error", "message": "unknown action 'launch'"}
    assert missing == {"action": "error", "message": "unknown tag 'nope'", "callback_id": "c9"}


def test_the_last_connection_closing_is_reported():
    async def scenario():
        session, protocol = session_with_page()
        idle = []
        protocol.on_idle = lambda: idle.append(protocol.open_connections)
        a, b = Recorder(), Recorder()
        protocol.attach(session, a)
        protocol.attach(session, b)
        a.close()
        first = list(idle)
        b.close()
        return first, idle, session.connections

    first, idle, left = run(scenario())
    assert first == [] and idle == [0] and left == set()


def test_decode_message_refuses_what_it_cannot_use():
    assert decode_message('{"action": "ping"}', 100, None) == {"action": "ping"}
    too_big = decode_message("x" * 101, 100, None)
    assert is_refusal(too_big) and "over 100 bytes" in too_big["message"]
    assert decode_message("{nope", 100, None)["message"] == "malformed message: not JSON"
    assert decode_message("[1]", 100, None)["message"] == "malformed message: not an object"
    assert decode_message(b"\xff\xfe", 100, None)["message"] == "malformed message: not JSON"
    assert is_refusal(decode_message(None, 100, None))


def test_parano_obfuscation_round_trips():
    key = b"0123456789abcdef"
    text = encode({"action": "update", "updates": {"h1": "<b>é</b>"}})
    assert deobfuscate(obfuscate(text, key), key) == text
    assert decode_message(obfuscate('{"action": "ping"}', key), 1000, key) == {"action": "ping"}


def test_encode_never_raises():
    assert orjson.loads(encode({"action": "update", "result": {1, 2}.__class__})) == {
        "action": "update",
        "result": "<class 'set'>",
    }
    broken = orjson.loads(encode({"action": "update", "callback_id": "c", "result": 1 << 70}))
    assert broken == {
        "action": "error",
        "message": "the server produced an unencodable frame",
        "callback_id": "c",
    }


def test_origin_and_token_checks():
    assert origin_allowed(None, "example.org", "ws", ())  # not a browser: the token still applies
    assert origin_allowed("http://example.org:8000", "example.org:8000", "ws", ())
    assert not origin_allowed("https://example.org:8000", "example.org:8000", "ws", ())  # another scheme
    assert origin_allowed("https://example.org", "example.org", "wss", ())
    assert not origin_allowed("http://evil.example", "example.org:8000", "ws", ())
    assert origin_allowed("https://app.example/", "example.org", "ws", {"https://app.example"})
    assert token_matches("abc", "abc")
    assert not token_matches("abc", "abd") and not token_matches("abc", None)


def test_gzip_is_used_only_when_accepted():
    assert accepts_gzip("gzip, deflate, br") and accepts_gzip("br;q=1.0, gzip;q=0.8") and accepts_gzip("*")
    assert not accepts_gzip("") and not accepts_gzip("identity") and not accepts_gzip("gzip;q=0")
    body, headers = CLIENT_SCRIPT.encoded_for("gzip;q=0, identity")
    assert body == CLIENT_SCRIPT.body and "Content-Encoding" not in headers
    # an explicit entry wins over "*", in any order; brotli is asked for by name only
    assert not accepts_gzip("*, gzip;q=0") and accepts_gzip("gzip;q=0.5, *;q=0")
    assert accepts("br", "gzip, br;q=0.9") and not accepts("br", "gzip, br;q=0") and accepts("br", "*")


def test_rate_limiter_allows_a_burst_then_refuses():
    limiter = RateLimiter(rate=0.001, burst=3)
    assert [limiter.allow() for _ in range(5)] == [True, True, True, False, False]
