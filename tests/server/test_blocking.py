"""A sync callback that blocks (time.sleep, a slow query) must not freeze the server:
other sessions, page loads and static files go on; the session's own later events keep
their order; past `callback_timeout` its event is answered with an error and the
session refuses events until the callback's thread ends (issue 11, item 2).

The blocking callback (`apps.Blocking.block`) waits for a go-ahead file the test
creates, so nothing here depends on how long anything takes."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from harness import wait_for

from htag import State, Tag
from htag.server.callbacks import STRIKES, TRUSTED, Speeds
from htag.server.dispatch import Dispatcher


def run(coro):
    return asyncio.run(coro)


def release(server) -> None:
    server.log.with_name(server.log.name + ".go").touch()


def click(tag_id: str, n: int) -> dict:
    return {"id": tag_id, "event": "click", "data": {"callback_id": f"{tag_id}{n}"}}


async def start_blocking(client, server, tag_id: str, started: str) -> str:
    """Clicks `tag_id`, whose callback blocks until `release(server)`, and waits until the
    server logs `started`; returns the click's callback id."""
    await client.send(click(tag_id, 0))
    await asyncio.to_thread(wait_for, lambda: started in server.records(), 20, started)
    return f"{tag_id}0"


async def another_session_clicks(client) -> None:
    """Another session loads its page and clicks `inc`, and is answered."""
    await asyncio.to_thread(client.load)
    await client.connect()
    _, reply = await client.event("inc")
    assert reply["result"] == 1


def test_a_blocked_callback_leaves_other_sessions_pages_and_files_served(serve, browser):
    s = serve("Blocking")
    one, two = browser(s.url), browser(s.url)
    one.load()

    async def scenario():
        await one.connect()
        blocked_id = await start_blocking(one, s, "block", "block started")
        # while it blocks: a page load, a static file, another session's click
        async with httpx.AsyncClient(base_url=s.url, timeout=10) as http:
            assert (await http.get("/favicon.ico")).status_code == 200
        await another_session_clicks(two)
        assert "block ended" not in s.records(), "all of that was served while the callback blocked"
        release(s)
        _, blocked = await one.reply(blocked_id, 10)
        assert blocked["action"] == "update" and blocked["result"] == "unblocked"

    run(scenario())


def test_later_events_of_the_session_wait_their_turn(opened):
    s, b = opened("Blocking")

    async def scenario():
        await b.connect()
        for i in range(TRUSTED + 1):  # `inc` has earned the inline path
            _, reply = await b.event("inc")
            assert reply["result"] == i + 1
        await b.send({"id": "block", "event": "click", "data": {"callback_id": "b1"}})
        await b.send({"id": "inc", "event": "click", "data": {"callback_id": "after"}})
        await asyncio.to_thread(wait_for, lambda: "block started" in s.records(), 20, "the callback")
        release(s)
        replies = []
        while len(replies) < 2:
            frame = await b.recv(10)
            if frame.get("callback_id") in ("b1", "after"):
                replies.append(frame)
        assert [f["callback_id"] for f in replies] == ["b1", "after"], "in the order they were sent"
        assert replies[1]["result"] == 778, "the later click ran after the blocked one"

    run(scenario())


def test_a_callback_past_its_timeout_is_answered_and_the_session_refuses_events_until_it_ends(opened):
    s, b = opened("Blocking", callback_timeout=1.0)

    async def scenario():
        await b.connect()
        _, reply = await b.event("block")
        assert reply["action"] == "error" and "timed out after 1 s" in reply["message"]
        _, refused = await b.event("inc")
        assert refused["action"] == "error" and "still running" in refused["message"]
        assert "block ended" not in s.records()
        release(s)
        # what it changed once it ended reaches the client without any event
        while True:
            frame = await b.recv(10)
            if frame["action"] == "update" and "777" in str(frame.get("updates")):
                break
        await asyncio.to_thread(wait_for, lambda: "block ended" in s.records(), 20, "the end")
        for _ in range(100):  # the loop learns that the thread ended right after it does
            _, reply = await b.event("inc")
            if reply["action"] == "update":
                break
            await asyncio.sleep(0.02)
        assert reply["action"] == "update" and reply["result"] == 778

    run(scenario())


def test_a_blocking_step_of_a_generator_callback_leaves_the_server_serving(serve, browser):
    s = serve("BlockingSteps")
    one, two = browser(s.url), browser(s.url)
    one.load()

    async def scenario():
        await one.connect()
        steps_id = await start_blocking(one, s, "steps", "steps started")
        await another_session_clicks(two)
        assert "steps ended" not in s.records()
        release(s)
        before, done = await one.reply(steps_id, 10)
        assert any('<span id="count">5</span>' in str(f.get("updates")) for f in before), "the yield's frame"
        assert '<span id="count">6</span>' in str(done["updates"])

    run(scenario())


# -- where a callback runs (no server) --------------------------------------------------


class Threads(Tag.App):
    def init(self):
        self.where = []
        self.n = State(0)
        Tag.button("quick", _id="quick", _onclick=self.quick)
        Tag.button("loop", _id="loop", _onclick=self.uses_loop)

    def quick(self, e):
        self.where.append(threading.current_thread() is threading.main_thread())
        self.n.value += 1
        return self.n.value

    def uses_loop(self, e):
        asyncio.get_running_loop()  # only on the loop's thread
        return "ok"


def test_a_callback_runs_in_a_thread_until_it_has_been_quick_then_inline():
    app = Threads()
    app.render_page()
    dispatcher = Dispatcher(debug=True)
    dispatcher.speeds = Speeds(slow=10.0)  # a loaded machine may pause a quick run: not the point here
    frames: list[dict] = []

    async def scenario():
        for i in range(TRUSTED + 2):
            await dispatcher.handle(app, click("quick", i), frames.append)

    run(scenario())
    assert app.where == [False] * TRUSTED + [True, True], "a thread first, inline once trusted"
    assert [f["result"] for f in frames] == list(range(1, TRUSTED + 3))


def test_a_callback_that_uses_the_event_loop_runs_on_it():
    app = Threads()
    app.render_page()
    dispatcher = Dispatcher(debug=True)
    frames: list[dict] = []
    run(dispatcher.handle(app, click("loop", 1), frames.append))
    assert frames[-1]["result"] == "ok"


def test_a_slow_run_sends_a_function_back_to_threads_and_three_keep_it_there_for_a_while():
    def callback(e):
        return None

    now = [1000.0]
    speeds = Speeds(slow=0.02, trusted=2, window=600.0, clock=lambda: now[0])
    assert not speeds.inline(callback)
    for _ in range(STRIKES):
        speeds.ran(callback, 0.001, inline=False)
        speeds.ran(callback, 0.001, inline=False)
        assert speeds.inline(callback), "trusted after 2 quick runs in a row"
        speeds.ran(callback, 0.5, inline=True)  # it blocked the loop
        assert not speeds.inline(callback)
        now[0] += 10
    for _ in range(5):
        speeds.ran(callback, 0.001, inline=False)
    assert not speeds.inline(callback), f"{STRIKES} slow runs within the window: threads"
    now[0] += 600  # the strikes are old: forgiven (a pause of the machine is not a blocking function)
    speeds.ran(callback, 0.001, inline=False)
    speeds.ran(callback, 0.001, inline=False)
    assert speeds.inline(callback)


@pytest.mark.parametrize("kind", ["partial", "method", "lambda"])
def test_the_same_function_is_learnt_once_whatever_its_wrapper(kind):
    import functools

    class Holder:
        def method(self, e):
            return e

    def plain(x, e):
        return e

    speeds = Speeds(trusted=1)
    first, second = {
        "partial": (functools.partial(plain, 1), functools.partial(plain, 2)),
        "method": (Holder().method, Holder().method),
        "lambda": tuple((lambda e, i=i: i) for i in range(2)),
    }[kind]
    assert not speeds.inline(first)
    speeds.ran(first, 0.0, inline=False)
    assert speeds.inline(second), "two closures or bindings of one function share what was learnt"


@pytest.mark.parametrize(
    ("placement", "expected"),
    [("thread", [False] * (TRUSTED + 2)), ("inline", [True] * (TRUSTED + 2))],
)
def test_sync_callbacks_fixes_where_a_plain_sync_callback_runs(placement, expected):
    app = Threads()
    app.render_page()
    dispatcher = Dispatcher(debug=True, sync_callbacks=placement)
    frames: list[dict] = []

    async def scenario():
        for i in range(TRUSTED + 2):
            await dispatcher.handle(app, click("quick", i), frames.append)
        await dispatcher.handle(app, click("loop", 99), frames.append)

    run(scenario())
    assert app.where == expected
    assert [f["result"] for f in frames] == [*range(1, TRUSTED + 3), "ok"], (
        "one that needs the loop runs on it"
    )


def test_an_unknown_sync_callbacks_placement_is_refused_with_the_choices():
    from htag import WebApp

    with pytest.raises(ValueError, match="adaptive, thread, inline"):
        WebApp(Threads, sync_callbacks="sometimes", secret_key="k" * 32)
