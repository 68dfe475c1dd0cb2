"""Publish/subscribe between sessions: a message published on a topic reaches every subscriber
of that topic, each in its own event loop.

    from htag import pubsub

    class Room(Tag.App):
        def init(self):
            self.lines = State([])
            pubsub.subscribe("room", self.heard)      # ends with this App (a weak reference)
            ...
        def heard(self, message):                     # runs in this App's loop
            self.lines.append(message["text"])        # the change goes to its browser
        def say(self, event):
            pubsub.publish("room", {"text": event.value})   # from any thread

`subscribe` takes the running event loop (the server's, where an App's `init` and callbacks run)
and calls the callback there, after the code in progress (`call_soon_threadsafe`), so a callback
never runs in the publisher's thread nor in the middle of another callback; an `async def`
callback runs as a Task. `publish` may be called from any thread.

A message is JSON (dicts, lists, strings, numbers, booleans, None): it is encoded once when
published and each subscriber gets its own decoded copy, so no subscriber sees another's changes,
and what works in one process works the same across processes. The broker decides how far a
message goes: `LocalBroker` (the default) reaches the subscribers of this process only;
`RedisBroker` relays through Redis and reaches every process connected to it (the default when the
environment variable HTAG_PUBSUB_URL is a redis:// URL, e.g. for every process of
`htag run --procs N`).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import orjson

logger = logging.getLogger("htag")

Callback = Callable[[Any], Any]


class Subscription:
    """One callback on one topic, in one event loop. `cancel()` (or calling it) ends it."""

    __slots__ = ("__weakref__", "_broker", "_callback", "_weak", "loop", "topic")

    def __init__(
        self, broker: LocalBroker, topic: str, callback: Callback, loop: asyncio.AbstractEventLoop
    ) -> None:
        self._broker = broker
        self.topic = topic
        self.loop = loop
        # a bound method is held weakly: an App that subscribed is not kept alive by its subscription
        if inspect.ismethod(callback):
            self._weak: weakref.WeakMethod[Callback] | None = weakref.WeakMethod(callback)
            self._callback: Callback | None = None
        else:
            self._weak, self._callback = None, callback

    @property
    def callback(self) -> Callback | None:
        """The callback; None once its object is gone."""
        return self._weak() if self._weak is not None else self._callback

    def cancel(self) -> None:
        self._broker.unsubscribe(self)

    __call__ = cancel

    def deliver(self, payload: bytes) -> bool:
        """Schedules the callback with a copy of the message in its loop; False when this
        subscription can receive nothing any more (its object or its loop is gone)."""
        if self.callback is None:
            return False
        try:
            self.loop.call_soon_threadsafe(self._run, payload)
        except RuntimeError:  # the loop is closed: its server stopped
            return False
        return True

    def _run(self, payload: bytes) -> None:
        callback = self.callback
        if callback is None:
            return
        try:
            result = callback(orjson.loads(payload))
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                _RUNNING.add(task)  # the loop keeps only weak references to tasks
                task.add_done_callback(_finished)
        except Exception:
            logger.exception("subscriber of topic %r failed", self.topic)


_RUNNING: set[asyncio.Future[Any]] = set()


def _finished(task: asyncio.Future[Any]) -> None:
    _RUNNING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("subscriber task failed", exc_info=task.exception())


class LocalBroker:
    """Delivers messages to the subscribers of this process (any thread, any event loop)."""

    def __init__(self) -> None:
        self._topics: dict[str, list[Subscription]] = {}
        self._lock = threading.Lock()  # publish and subscribe may come from any thread

    def subscribe(
        self, topic: str, callback: Callback, loop: asyncio.AbstractEventLoop | None = None
    ) -> Subscription:
        if not callable(callback):
            raise TypeError(f"a subscriber must be callable, not {callback!r}")
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                raise RuntimeError(
                    "pubsub.subscribe() needs the event loop the callback runs in: call it from the "
                    "server's loop (an App's init or callbacks) or pass loop="
                ) from None
        subscription = Subscription(self, topic, callback, loop)
        with self._lock:
            self._topics.setdefault(topic, []).append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            subscribers = self._topics.get(subscription.topic, [])
            if subscription in subscribers:
                subscribers.remove(subscription)
            if not subscribers:
                self._topics.pop(subscription.topic, None)

    def publish(self, topic: str, message: Any) -> int:
        """Sends `message` (JSON) to the topic's subscribers; how many it was scheduled for."""
        return self.deliver(topic, encode(message))

    def deliver(self, topic: str, payload: bytes) -> int:
        """Hands an encoded message to the topic's subscribers in this process (a relaying broker
        calls this with what it receives)."""
        with self._lock:
            subscribers = list(self._topics.get(topic, ()))
        gone = [s for s in subscribers if not s.deliver(payload)]
        for subscription in gone:
            self.unsubscribe(subscription)
        return len(subscribers) - len(gone)

    def subscribers(self, topic: str) -> int:
        with self._lock:
            return len(self._topics.get(topic, ()))


def encode(message: Any) -> bytes:
    try:
        return orjson.dumps(message)
    except TypeError as e:
        raise TypeError(
            f"a published message must be JSON (dict, list, str, number, bool, None): {e}"
        ) from None


class RedisBroker(LocalBroker):
    """Relays every message through Redis (`pip install htag[redis]`), so that it reaches the
    subscribers of every process connected to the same Redis, this one included.

    Nothing connects until the broker is first used, in the process that uses it: a broker made
    at import time (in Granian's parent process) starts its threads in the worker, after the fork.
    `publish` never blocks its caller: a thread sends the queued messages in order; another thread
    receives the channels `<prefix><topic>` and hands each message to this process's subscribers.
    A lost connection is logged and retried every second; what is published meanwhile is kept
    (up to `MAX_QUEUED` messages, then the oldest are dropped, with a warning) and sent once the
    subscribers are back (see `_wait_for_subscribers`)."""

    MAX_QUEUED = 10_000
    CONNECT_WAIT = 5.0  # seconds the first use in a process waits for the subscription to Redis
    RETRY = 1.0  # seconds between two attempts to reach Redis, publishing or subscribing

    def __init__(self, url: str, prefix: str = "htag:") -> None:
        super().__init__()
        self.url = url
        self.prefix = prefix
        self._pid: int | None = None  # the process whose threads run (a fork starts new ones)
        self._start_lock = threading.Lock()
        self._outbox: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.connected = threading.Event()  # the receiving side listens
        self.closed = threading.Event()

    def _ensure_started(self) -> None:
        if self._pid == os.getpid():
            return
        with self._start_lock:
            if self._pid == os.getpid():
                return
            import redis  # the optional dependency, only when a Redis broker is used

            self._client = redis.Redis.from_url(self.url, socket_timeout=5, socket_connect_timeout=5)
            self._outbox = queue.Queue()
            self.connected = threading.Event()
            self._pid = os.getpid()
            for target, name in ((self._send_loop, "publisher"), (self._receive_loop, "subscriber")):
                threading.Thread(target=target, name=f"htag-pubsub-redis-{name}", daemon=True).start()
            # once per process: a subscribe() that has returned receives what is published after it
            if not self.connected.wait(self.CONNECT_WAIT):
                logger.warning("pubsub: Redis at %s not reachable yet: messages wait until it is", self.url)

    def subscribe(
        self, topic: str, callback: Callback, loop: asyncio.AbstractEventLoop | None = None
    ) -> Subscription:
        self._ensure_started()
        return super().subscribe(topic, callback, loop)

    def publish(self, topic: str, message: Any) -> int:
        payload = encode(message)  # refused here, in the caller, if it is not JSON
        self._ensure_started()
        if self._outbox.qsize() >= self.MAX_QUEUED:
            with contextlib.suppress(queue.Empty):
                self._outbox.get_nowait()
            logger.warning(
                "pubsub: Redis unreachable and %d messages queued: the oldest dropped", self.MAX_QUEUED
            )
        self._outbox.put((topic, payload))
        return self.subscribers(topic)

    def close(self) -> None:
        """Stops this process's threads (what is still queued is not sent)."""
        self.closed.set()
        self._outbox.put(("", b""))  # wakes the sender up

    def _send_loop(self) -> None:
        while not self.closed.is_set():
            topic, payload = self._outbox.get()
            while not self.closed.is_set():
                try:
                    self._client.publish(self.prefix + topic, payload)
                    break
                except Exception as e:  # noqa: BLE001 - Redis down: keep the message, retry
                    logger.warning("pubsub: publishing to Redis failed (%s): retrying", e)
                    self._wait_for_subscribers()

    def _wait_for_subscribers(self) -> None:
        """After a failed publish. Redis keeps no message for a subscriber that is not connected,
        and after an outage every process's subscriber reconnects on its own, within `RETRY`: so
        the waiting messages go out once this process's subscriber is back, and one period and a
        half later, when the others, trying at the same pace, are back too."""
        time.sleep(self.RETRY)
        if self.connected.wait(self.CONNECT_WAIT):
            self.closed.wait(1.5 * self.RETRY)

    def _receive_loop(self) -> None:
        while not self.closed.is_set():
            try:
                channel = self._client.pubsub(ignore_subscribe_messages=True)
                channel.psubscribe(self.prefix + "*")
                self.connected.set()
                while not self.closed.is_set():
                    message = channel.get_message(timeout=1.0)
                    if message is not None and message["type"] == "pmessage":
                        topic = message["channel"].decode()[len(self.prefix) :]
                        self.deliver(topic, message["data"])
                channel.close()
            except Exception as e:  # noqa: BLE001 - Redis down: reconnect
                self.connected.clear()
                if self.closed.is_set():
                    return
                logger.warning("pubsub: receiving from Redis failed (%s): reconnecting", e)
                time.sleep(self.RETRY)


PUBSUB_ENV = "HTAG_PUBSUB_URL"


def broker_from_env() -> LocalBroker:
    """`RedisBroker($HTAG_PUBSUB_URL)` when it is a redis:// (or rediss://, unix://) URL, else
    the in-process broker."""
    url = os.environ.get(PUBSUB_ENV, "").strip()
    if not url:
        return LocalBroker()
    if url.split("://", 1)[0] not in ("redis", "rediss", "unix"):
        raise ValueError(f"{PUBSUB_ENV} must be a redis://, rediss:// or unix:// URL, not {url!r}")
    return RedisBroker(url)


_broker: LocalBroker = broker_from_env()


def use(broker: LocalBroker) -> LocalBroker:
    """Makes `broker` the one `subscribe` and `publish` use; returns the previous one."""
    global _broker
    previous, _broker = _broker, broker
    return previous


def broker() -> LocalBroker:
    """The broker `subscribe` and `publish` use (see `use`)."""
    return _broker


def subscribe(topic: str, callback: Callback, loop: asyncio.AbstractEventLoop | None = None) -> Subscription:
    """Calls `callback(message)` in `loop` (default: the running one) for each message published
    on `topic`, until the returned subscription is cancelled (or the callback's object is gone)."""
    return _broker.subscribe(topic, callback, loop)


def publish(topic: str, message: Any) -> int:
    """Publishes `message` (JSON) on `topic`, from any thread; returns how many subscribers of this
    process it was scheduled for (other processes' are not counted)."""
    return _broker.publish(topic, message)
