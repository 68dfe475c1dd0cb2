"""`htag.pubsub.RedisBroker` against a real redis-server: two brokers (two processes, as far as
Redis can tell) deliver each other's messages, each subscriber in its own event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from htag import pubsub


def test_two_brokers_on_one_redis_deliver_to_each_others_subscribers(redis_url):
    first, second = pubsub.RedisBroker(redis_url), pubsub.RedisBroker(redis_url)
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    got: list[tuple[str, object, int | None]] = []
    both = threading.Event()

    def on(name):
        def callback(message):
            got.append((name, message, threading.get_ident()))
            if len(got) == 2:
                both.set()

        return callback

    try:
        first.subscribe("room", on("first"), loop=loop)
        second.subscribe("room", on("second"), loop=loop)
        second.subscribe("other", on("other topic"), loop=loop)
        assert first.publish("room", {"text": "hi", "n": [1, 2]}) == 1  # its own subscriber, here
        assert both.wait(10), got
        assert sorted(name for name, _, _ in got) == ["first", "second"]
        assert all(message == {"text": "hi", "n": [1, 2]} for _, message, _ in got)
        assert {ident for _, _, ident in got} == {runner.ident}  # run in the subscribers' loop
    finally:
        first.close()
        second.close()
        loop.call_soon_threadsafe(loop.stop)
        runner.join(10)
        loop.close()


def test_the_broker_is_chosen_by_htag_pubsub_url(monkeypatch):
    monkeypatch.delenv("HTAG_PUBSUB_URL", raising=False)
    assert type(pubsub.broker_from_env()) is pubsub.LocalBroker
    monkeypatch.setenv("HTAG_PUBSUB_URL", "redis://127.0.0.1:1/0")
    broker = pubsub.broker_from_env()
    assert isinstance(broker, pubsub.RedisBroker) and broker.url == "redis://127.0.0.1:1/0"
    monkeypatch.setenv("HTAG_PUBSUB_URL", "http://example.com")
    with pytest.raises(ValueError, match="must be a redis://"):
        pubsub.broker_from_env()
