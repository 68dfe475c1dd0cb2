"""`examples/chat.py` on three processes (`htag run --procs 3`) sharing `htag.pubsub` through a real
Redis: a message sent by a session on one process reaches the sessions on the other two."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import orjson
from reliability import support  # tests/reliability/support.py

CHAT = Path(__file__).resolve().parents[2] / "examples" / "chat.py"
MESSAGES = 5


async def heard(session, text: str) -> float:
    """Waits for the update that shows `text`; returns when it arrived (time.perf_counter)."""
    while True:
        frame = await asyncio.wait_for(session.ws.recv(), 10)
        if text in frame if isinstance(frame, str) else text in frame.decode():
            return time.perf_counter()


def test_a_message_from_one_process_reaches_the_sessions_of_the_two_others_through_redis(cluster, redis_url):
    run = cluster(3, target=f"{CHAT}:Chat", env={"HTAG_PUBSUB_URL": redis_url})

    async def scenario():
        identities = [await support.Identity.new(run.process_url(port)) for port in run.ports]
        sessions = [await identity.connect(i) for i, identity in enumerate(identities)]
        sender, *others = sessions
        delays = []
        for n in range(MESSAGES):
            text = f"message-{n}-{time.time_ns()}"
            click = {"id": "say", "event": "submit", "data": {"msg": text, "callback_id": f"m{n}"}}
            sent = time.perf_counter()
            await sender.ws.send(orjson.dumps(click))
            arrivals = await asyncio.gather(*(heard(s, text) for s in (*others, sender)))
            delays.append(max(arrivals[:2]) - sent)  # the slower of the two other processes
        await support.close_sessions(sessions)
        return delays

    delays = asyncio.run(scenario())
    pids = {h["pid"] for h in run.healths()}
    assert len(pids) == 3  # three processes: each session on its own
    # an update from outside an event waits for the App's throttle (50 ms) before it is sent
    assert statistics.median(delays) < 0.100, delays
    assert max(delays) < 1.0, delays
