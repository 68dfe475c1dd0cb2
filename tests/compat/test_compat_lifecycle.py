"""Lifecycle hooks as in htag 2: the generators and coroutines that `on_mount`/`on_unmount`
return for a tag added or removed during a session run at once (right after the callback,
on the session's loop), not at the next connection; an `async def on_destroy` is awaited;
and building an App whose `on_mount` starts a task works outside an event loop (the App
mounts when it is first served, as upstream's WebApp mounts it)."""

from __future__ import annotations

import asyncio
import warnings

import pytest
from harness import wait_for

from htag import Tag
from htag.server.sessions import SessionManager

from ._support import client_of, serve_app


class Ticker(Tag.App):
    """Starts a task in on_mount, the way htag 2 apps do."""

    def init(self):
        self.ticks = 0
        Tag.p("ticker")

    def on_mount(self):
        self.task = asyncio.create_task(self.tick())
        self.future = asyncio.ensure_future(self.tick())

    async def tick(self):
        self.ticks += 1


def test_building_an_app_whose_on_mount_starts_a_task_outside_a_loop():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "coroutine was never awaited" either
        app = Ticker()
        assert "ticker" in str(app)

    async def served():  # what the page route does with it, on the server's loop
        app.render_page()
        await asyncio.gather(app.task, app.future)

    asyncio.run(served())
    assert app.ticks == 2


def test_an_app_built_on_a_running_loop_mounts_when_served_too():
    async def build_and_serve():
        app = Ticker()
        assert not hasattr(app, "task")
        app.render_page()
        await asyncio.gather(app.task, app.future)
        return app

    assert asyncio.run(build_and_serve()).ticks == 2


def test_hooks_of_tags_added_or_removed_in_a_callback_run_at_once(tmp_path):
    async def scenario(url):
        async with client_of(url) as client:
            await client.load("/")
            reply = await client.event("add", "click")
            assert reply["action"] == "update"
            await client.until("loaded loaded")  # the async on_mount ran, on this same connection
            await client.event("remove", "click")
            await client.until("left")  # the generator on_unmount ran to its end
            await client.event("thread", "click")  # a tag added by another thread
            await client.until("loaded threaded")  # its hook went to the session's loop
            return client.page.text()

    with serve_app("lifecycle", tmp_path) as server:
        text = asyncio.run(scenario(server.url))
    assert "loaded loaded" in text and "going" not in text


@pytest.fixture
def record_file(tmp_path, monkeypatch):
    path = tmp_path / "records.txt"
    monkeypatch.setenv("HTAG_TEST_LOG", str(path))  # read by apps.record in the server process
    return path


def lines(path):
    return path.read_text().splitlines() if path.exists() else []


def test_async_on_destroy_is_awaited_when_a_session_is_discarded(tmp_path, record_file):
    async def scenario(url):
        async with client_of(url) as client:
            await client.load("/")
            await client.ws.close()
            client.ws = None
            # `?n`: a new session, the old one is discarded (same-origin navigation)
            response = await client.http.get("/?n", headers={"Sec-Fetch-Site": "same-origin"})
            assert response.status_code == 200

    with serve_app("lifecycle", tmp_path) as server:
        asyncio.run(scenario(server.url))
        wait_for(lambda: lines(record_file) == ["destroyed"])
    # at shutdown, the session left (the one `?n` made) is destroyed and awaited too
    assert lines(record_file) == ["destroyed", "destroyed"]


def test_async_on_destroy_without_a_loop_runs_to_its_end():
    done = []

    class App(Tag.App):
        async def on_destroy(self):
            await asyncio.sleep(0)
            done.append(True)

    manager = SessionManager(App)
    manager.create(None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        manager.shutdown()
    assert done == [True]
