"""An outbox that overflows (a client that stops reading while the App pushes) closes
the WebSocket with code 4001 at once, and the client resynchronises when it comes back
(issue 11, item 4)."""

from __future__ import annotations

import asyncio
import re
import time

import websockets
from harness import wait_for

from htag.server.connections import OUTBOX_SIZE, OVERFLOW_CLOSE_CODE, StreamConnection


def run(coro):
    return asyncio.run(coro)


def test_an_overflowing_outbox_closes_the_websocket_with_a_code_and_the_client_resyncs(serve, browser):
    s = serve("Flood")
    b = browser(s.url)
    version = re.search(r'data-htag-version="([^"]+)"', b.load()).group(1)

    async def scenario():
        await b.connect()
        await b.send({"id": "flood", "event": "click", "data": {"callback_id": "f"}})
        # all pushed while the client read nothing
        await asyncio.to_thread(wait_for, lambda: "flood done" in s.records(), 30, "flood done")
        received = 0
        try:
            while True:
                await b.recv(timeout=20)
                received += 1
        except websockets.exceptions.ConnectionClosed as closed:
            assert closed.rcvd is not None, "the server sent a close frame"
            assert closed.rcvd.code == OVERFLOW_CLOSE_CODE
        assert received < 600 + 2, "frames were dropped: the outbox did overflow"
        # back again as the client does, with the version of the page it holds: the whole body
        host = s.url.split("//")[1]
        b.ws = await websockets.connect(
            f"ws://{host}/ws?token={b.token}&v={version}",
            additional_headers={"Cookie": b.cookie, "Origin": s.url},
        )
        first = await b.recv()
        assert first["action"] == "update" and "600:" in str(first["updates"]), "a full body"
        _, reply = await b.event("inc")
        assert reply["result"] == 601

    run(scenario())


def test_the_outbox_bound_is_documented():
    from pathlib import Path

    protocol = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    assert str(OVERFLOW_CLOSE_CODE) in protocol and str(OUTBOX_SIZE) in protocol


def test_an_overflowing_event_stream_ends_at_once():
    """SSE: the end-of-stream mark must fit in a full outbox, or the stream would keep
    its client waiting (with frames it can no longer use) until it expires."""

    async def scenario():
        conn = StreamConnection()
        stream = conn.events()
        assert (await anext(stream)).startswith("retry:")
        for i in range(OUTBOX_SIZE + 1):
            conn.push({"action": "update", "n": i})
        assert conn.closed
        rest = [chunk async for chunk in stream]
        return rest

    started = time.monotonic()
    rest = asyncio.run(asyncio.wait_for(scenario(), StreamConnection.LIFETIME))
    assert rest == [], "the backlog is dropped: the client resynchronises when it reconnects"
    assert time.monotonic() - started < StreamConnection.LIFETIME
