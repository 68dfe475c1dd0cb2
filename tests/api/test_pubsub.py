"""`htag.pubsub` in one process: each callback runs in its own event loop, with its own copy."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import threading
import time

import pytest
from harness import LoopThread, wait_for

from htag import pubsub


@pytest.fixture
def loops():
    made: list[LoopThread] = []

    def make() -> LoopThread:
        made.append(LoopThread())
        return made[-1]

    yield make
    for lt in made:
        lt.stop()


@pytest.fixture
def broker():
    own = pubsub.LocalBroker()
    previous = pubsub.use(own)
    yield own
    pubsub.use(previous)


def test_each_subscriber_runs_in_its_own_loop_with_its_own_copy(loops, broker):
    first, second = loops(), loops()
    got: list[tuple[str, int, dict]] = []
    done = threading.Event()

    def subscriber(name):
        def callback(message):
            got.append((name, threading.get_ident(), message))
            message["seen_by"] = name  # a copy: the other subscriber must not see it
            if len(got) == 2:
                done.set()

        return callback

    first.call(pubsub.subscribe, "room", subscriber("a"))
    second.call(pubsub.subscribe, "room", subscriber("b"))
    first.call(pubsub.subscribe, "elsewhere", subscriber("other topic"))
    publisher = threading.Thread(target=lambda: pubsub.publish("room", {"text": "hi"}))
    publisher.start()
    publisher.join()
    assert done.wait(10)
    threads = {name: ident for name, ident, _ in got}
    assert threads == {"a": first.thread.ident, "b": second.thread.ident}
    assert all(message == {"text": "hi", "seen_by": name} for name, _, message in got)


def test_async_subscribers_run_as_tasks_and_cancel_stops_delivery(loops, broker):
    lt = loops()
    got = []
    arrived = threading.Event()

    async def callback(message):
        await asyncio.sleep(0)
        got.append(message)
        arrived.set()

    subscription = lt.call(pubsub.subscribe, "t", callback)
    assert pubsub.publish("t", [1, 2]) == 1
    assert arrived.wait(10) and got == [[1, 2]]
    subscription.cancel()
    assert pubsub.publish("t", [3]) == 0 and broker.subscribers("t") == 0


def test_a_bound_method_subscription_ends_with_its_object(loops, broker):
    lt = loops()

    class Listener:
        def heard(self, message):
            pass

    listener = Listener()
    lt.call(pubsub.subscribe, "t", listener.heard)
    assert broker.subscribers("t") == 1
    del listener
    gc.collect()
    assert pubsub.publish("t", 1) == 0  # nobody left: the dead subscription is dropped
    assert broker.subscribers("t") == 0


def test_a_failing_subscriber_is_logged_and_the_others_still_receive(loops, broker, caplog):
    lt = loops()
    got = threading.Event()

    def failing(message):
        raise ValueError("boom")

    lt.call(pubsub.subscribe, "t", failing)
    lt.call(pubsub.subscribe, "t", lambda m: got.set())
    with caplog.at_level(logging.ERROR, logger="htag"):
        assert pubsub.publish("t", "x") == 2
        assert got.wait(10)
        lt.call(lambda: None)  # the failing one ran before: same loop, in order
    assert "subscriber of topic 't' failed" in caplog.text and "boom" in caplog.text


def test_bad_messages_and_subscriptions_are_refused_clearly(broker):
    with pytest.raises(TypeError, match="a published message must be JSON"):
        pubsub.publish("t", {"when": object()})
    with pytest.raises(RuntimeError, match="needs the event loop"):
        pubsub.subscribe("t", print)
    with pytest.raises(TypeError, match="must be callable"):
        pubsub.subscribe("t", "not a function", loop=asyncio.new_event_loop())


def test_a_closed_loop_drops_its_subscriptions(broker):
    loop = asyncio.new_event_loop()
    pubsub.subscribe("t", print, loop=loop)
    loop.close()
    assert pubsub.publish("t", 1) == 0 and broker.subscribers("t") == 0


class FlakyRedis:
    """A Redis client whose `publish` fails while `down` is set; records what got through."""

    def __init__(self) -> None:
        self.down = threading.Event()
        self.published: list[tuple[str, bytes, bool]] = []  # (channel, payload, subscriber back?)
        self.refused = 0
        self.broker: pubsub.RedisBroker | None = None

    def publish(self, channel: str, payload: bytes) -> None:
        if self.down.is_set():
            self.refused += 1
            raise ConnectionError("Redis is down")
        self.published.append((channel, payload, self.broker.connected.is_set()))


def test_a_message_kept_through_an_outage_waits_for_the_subscribers():
    broker = pubsub.RedisBroker("redis://127.0.0.1:1/0")
    broker.RETRY = 0.1
    client = FlakyRedis()
    client.broker = broker
    broker._client, broker._pid = client, os.getpid()  # as `_ensure_started` makes them, no Redis
    broker.connected.set()
    sender = threading.Thread(target=broker._send_loop, daemon=True)
    sender.start()
    try:
        broker.publish("room", "before")
        wait_for(lambda: len(client.published) == 1, 5, "'before' published")
        client.down.set()  # Redis stops; this process's subscriber sees it
        broker.connected.clear()
        broker.publish("room", "during")
        wait_for(lambda: client.refused, 5, "a refused attempt to publish 'during'")
        client.down.clear()  # Redis is back, but no subscriber has reconnected yet
        waited = threading.Event()
        assert not waited.wait(20 * broker.RETRY)  # however long the subscriber is away, nothing goes out
        assert len(client.published) == 1
        back = time.monotonic()
        broker.connected.set()  # this process's subscriber reconnected
        wait_for(lambda: len(client.published) == 2, 5, "'during' published")
        assert time.monotonic() - back >= 1.5 * broker.RETRY  # the other processes' time to reconnect
        assert client.published[1] == ("htag:room", b'"during"', True)
    finally:
        broker.close()
        sender.join(5)
