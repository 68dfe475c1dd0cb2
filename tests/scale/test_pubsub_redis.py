"""`htag.pubsub.RedisBroker` against a real redis-server: two brokers (two processes, as far as
Redis can tell) deliver each other's messages, each subscriber in its own event loop, and go on
after Redis restarts."""

from __future__ import annotations

import threading

import pytest
from harness import LoopThread
from scale_support import wait_for

from htag import pubsub


@pytest.fixture
def loop_thread():
    """An event loop running in a thread of its own (where the subscribers' callbacks run)."""
    running = LoopThread()
    yield running
    running.stop()


def test_two_brokers_on_one_redis_deliver_to_each_others_subscribers(redis_url, loop_thread):
    first, second = pubsub.RedisBroker(redis_url), pubsub.RedisBroker(redis_url)
    got: list[tuple[str, object, int | None]] = []
    both = threading.Event()

    def on(name):
        def callback(message):
            got.append((name, message, threading.get_ident()))
            if len(got) == 2:
                both.set()

        return callback

    try:
        first.subscribe("room", on("first"), loop=loop_thread.loop)
        second.subscribe("room", on("second"), loop=loop_thread.loop)
        second.subscribe("other", on("other topic"), loop=loop_thread.loop)
        assert first.publish("room", {"text": "hi", "n": [1, 2]}) == 1  # its own subscriber, here
        assert both.wait(10), got
        assert sorted(name for name, _, _ in got) == ["first", "second"]
        assert all(message == {"text": "hi", "n": [1, 2]} for _, message, _ in got)
        assert {ident for _, _, ident in got} == {loop_thread.thread.ident}  # run in the subscribers' loop
    finally:
        first.close()
        second.close()


def test_what_is_published_while_redis_restarts_reaches_every_subscriber(redis_server, loop_thread):
    first, second = pubsub.RedisBroker(redis_server.url), pubsub.RedisBroker(redis_server.url)
    got: dict[str, list[str]] = {"first": [], "second": []}
    try:
        first.subscribe("room", got["first"].append, loop=loop_thread.loop)
        second.subscribe("room", got["second"].append, loop=loop_thread.loop)

        def everyone_has(message: str) -> bool:
            return all(message in messages for messages in got.values())

        first.publish("room", "before")
        wait_for(lambda: everyone_has("before"), 10, "'before' reaches both subscribers")
        redis_server.stop()
        first.publish("room", "during")  # kept: Redis is down (the brokers may not know yet)
        wait_for(
            lambda: not (first.connected.is_set() or second.connected.is_set()),
            20,
            "both brokers see Redis gone",
        )
        second.publish("room", "during, from the other")
        redis_server.start()
        wait_for(lambda: everyone_has("during") and everyone_has("during, from the other"), 30,
                 "what was published during the outage reaches both subscribers", redis_server.log)  # fmt: skip
        second.publish("room", "after")
        wait_for(lambda: everyone_has("after"), 10, "'after' reaches both subscribers")
        for name, messages in got.items():  # each once, in the order each broker published them
            assert sorted(messages) == sorted(["before", "during", "during, from the other", "after"]), name
            assert messages.index("before") < messages.index("during") < messages.index("after"), name
    finally:
        first.close()
        second.close()


def test_the_broker_is_chosen_by_htag_pubsub_url(monkeypatch):
    monkeypatch.delenv("HTAG_PUBSUB_URL", raising=False)
    assert type(pubsub.broker_from_env()) is pubsub.LocalBroker
    monkeypatch.setenv("HTAG_PUBSUB_URL", "redis://127.0.0.1:1/0")
    broker = pubsub.broker_from_env()
    assert isinstance(broker, pubsub.RedisBroker) and broker.url == "redis://127.0.0.1:1/0"
    monkeypatch.setenv("HTAG_PUBSUB_URL", "http://example.com")
    with pytest.raises(ValueError, match="must be a redis://"):
        pubsub.broker_from_env()
