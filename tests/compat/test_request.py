"""`self.request` as in htag 2: the current Request in the App's `init` and `on_mount`
(the documented way to read `self.request.session`), and, when htag is mounted under a
host Starlette app with its own `SessionMiddleware`, `request.session` is the host's
session, over HTTP and over the WebSocket, while htag keeps its own cookie."""

from __future__ import annotations

import asyncio

import httpx
from harness import wait_for
from starlette.requests import Request

from htag import Tag, current_request
from htag.server.sessions import SessionManager

from ._support import client_of, serve_app


def test_request_in_init_and_on_mount_on_a_real_server(tmp_path):
    async def scenario(url):
        async with client_of(url) as client:
            response = await client.load("/")
            assert response.status_code == 200, response.text[-500:]
            return client.page.text()

    with serve_app("request_probe", tmp_path) as server:
        text = asyncio.run(scenario(server.url))
    assert "init: Request /" in text
    assert "mount: Request /" in text
    # no host session: request.session is htag's own (empty for the App), not an error
    assert "session in init: {}" in text


def test_a_task_started_by_on_mount_reads_the_request_after_the_page(tmp_path, monkeypatch):
    records = tmp_path / "records.txt"
    monkeypatch.setenv("HTAG_TEST_LOG", str(records))  # read by apps.record in the server

    with serve_app("request_probe", tmp_path) as server:
        page = httpx.get(server.url + "/", headers={"X-Probe": "p1"})  # no WebSocket
        assert page.status_code == 200
        wait_for(lambda: records.exists() and records.read_text().strip() != "")
    assert records.read_text().splitlines() == ["task: Request / p1"]


def test_host_session_is_request_session(tmp_path):
    async def scenario(url):
        async with client_of(url) as client:
            await client.http.get("/login", follow_redirects=False)  # the host writes its session
            assert "session" in client.http.cookies
            await client.load("/app/")
            shown = client.page.text()
            reply = await client.event("who", "click")  # over the WebSocket
            whoami = (await client.get("/whoami")).text  # the host's session is intact
            await client.load("/app/")  # a reload: htag's own session found again
            again = await client.event("who", "click")
            cookies = set(client.http.cookies.keys())
            return shown, reply, whoami, again, cookies

    with serve_app("host", tmp_path) as server:
        shown, reply, whoami, again, cookies = asyncio.run(scenario(server.url))
    assert "user: ada" in shown
    assert reply["result"] == {"user": "ada", "loads": 1, "same": True}
    assert whoami == "ada"
    assert again["result"] == {"user": "ada", "loads": 2, "same": True}  # the same App, mounted again
    assert {"session", "htag_session"} <= cookies


def test_request_is_set_while_the_app_is_built_and_only_then():
    seen = []

    class App(Tag.App):
        def init(self):
            seen.append(self.request)
            seen.append(Tag.span().request)  # a tag built in init sees it too

    request = Request({"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""})
    seen_by_on_instance = []
    manager = SessionManager(App, on_instance=lambda app, req: seen_by_on_instance.append(app.request))
    session = manager.create(request)
    assert seen == [request, request]
    assert seen_by_on_instance == [request]
    assert current_request.get() is None  # reset once built
    assert session.app.request is None  # not kept by the App: the page sets its own


def test_request_is_none_outside_a_server():
    class App(Tag.App):
        def init(self):
            Tag.p(repr(self.request))

    assert "None" in str(App())
