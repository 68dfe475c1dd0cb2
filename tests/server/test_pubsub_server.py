"""`htag.pubsub` over a real server: a click in one browser changes every other browser's page."""

from __future__ import annotations

import asyncio


def test_a_message_published_by_one_session_updates_every_other_session(serve, browser):
    server = serve("Chat")
    alice, bob, carol = (browser(server.url) for _ in range(3))
    for b in (alice, bob, carol):
        b.load()

    async def scenario():
        for b in (alice, bob, carol):
            await b.connect()
        _, reply = await alice.event("say")
        assert reply["result"] == 3  # scheduled for the three sessions of this process
        heard = {}
        for name, b in (("bob", bob), ("carol", carol)):
            while True:  # the update the subscriber's change produced, pushed by the server
                frame = await b.recv(10)
                if "hello from" in str(frame.get("updates", {}).get("last", "")):
                    heard[name] = frame["updates"]["last"]
                    break
        return heard

    heard = asyncio.run(scenario())
    assert set(heard) == {"bob", "carol"}
    assert len(set(heard.values())) == 1  # the same message
