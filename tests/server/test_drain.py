"""Draining one process before a restart (`WebApp.drain`, started by SIGUSR1): no new session (a new
page, a WebSocket or a stream of a session it does not have get 503, which a balancer retries on
another process), the sessions it has go on until none is connected or the drain timeout has passed;
then they are closed with 1012 and the process exits by itself."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import httpx
import pytest
import websockets
from harness import wait_for
from test_health_metrics import samples

from htag.server.sessions import SERVICE_RESTART


def draining(url: str) -> bool:
    return httpx.get(url + "/_htag/health").json()["draining"]


def start_drain(url: str) -> None:
    """SIGUSR1 to the process that serves `url` (Granian's worker: the pid its health gives)."""
    os.kill(httpx.get(url + "/_htag/health").json()["pid"], signal.SIGUSR1)
    wait_for(lambda: draining(url), 20, "the process drains")


def test_a_draining_process_keeps_its_sessions_refuses_new_ones_then_closes_them_with_1012(opened, browser):
    server, client = opened(drain_timeout=8.0)
    health = httpx.get(server.url + "/_htag/health?ready")
    assert health.status_code == 200 and health.json()["draining"] is False

    async def scenario():
        assert (await client.connect())["action"] == "update"
        _, before = await client.event("inc")
        await asyncio.to_thread(start_drain, server.url)
        async with httpx.AsyncClient(base_url=server.url) as http:
            ready = await http.get("/_htag/health?ready")
            metrics = samples((await http.get("/_htag/metrics")).text)
            newcomer = await http.get("/")  # no session cookie: a new session, refused
            fresh = await http.get("/?n")
            stream = await http.get("/stream?token=x")  # a stream of a session it does not have
        try:  # a WebSocket of a session it does not have: refused before the handshake
            await websockets.connect(server.url.replace("http", "ws") + "/ws?token=x")
            refused_socket = None
        except websockets.InvalidStatus as e:
            refused_socket = e.response
        reloaded = await asyncio.to_thread(client.http.get, "/")  # F5 of a session it has
        _, during = await client.event("inc")
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:  # until the drain timeout: only frames of this session, then the close
                await client.recv(30)
        return before, ready, metrics, newcomer, fresh, stream, refused_socket, reloaded, during, closed

    before, ready, metrics, newcomer, fresh, stream, socket, reloaded, during, closed = asyncio.run(
        scenario()
    )
    assert before["result"] == 1
    assert ready.status_code == 503 and ready.json()["ready"] is False and ready.json()["draining"] is True
    assert metrics["htag_draining"] == 1 and metrics["htag_ready"] == 0
    for page in (newcomer, fresh):
        assert page.status_code == 503 and page.headers["retry-after"] == "2"
        assert '<meta http-equiv="refresh" content="2">' in page.text  # a browser that sees it retries
        assert "set-cookie" not in page.headers  # no session was made
    assert stream.status_code == 503 and stream.headers["retry-after"] == "2"
    assert socket is not None and socket.status_code == 503 and socket.headers["retry-after"] == "2"
    assert reloaded.status_code == 200  # the session goes on: a reload is served
    assert during["result"] == 2  # and its events are answered
    assert closed.value.rcvd is not None and closed.value.rcvd.code == SERVICE_RESTART
    assert server.proc.wait(30) == 0  # then the process stops by itself
    server.out.flush()
    log = server.log.with_suffix(".out").read_text()
    assert "draining: no new session" in log and "drained: closing 1 connected clients (1012)" in log


@pytest.mark.parametrize("server_name", ["granian", "uvicorn"])
def test_a_drain_with_no_client_connected_ends_at_once(serve, server_name):
    server = serve("Counter", server=server_name, drain_timeout=120.0)
    started = time.monotonic()
    pid = httpx.get(server.url + "/_htag/health").json()["pid"]
    os.kill(pid, signal.SIGUSR1)
    assert server.proc.wait(60) == 0
    assert time.monotonic() - started < 60  # not the 120 s of the timeout


def test_a_process_started_in_place_of_another_refuses_unknown_sessions_for_its_first_seconds(serve, browser):
    """`htag run --procs` starts a replacement with HTAG_HANDOVER_S: for those seconds, a WebSocket of
    a session it never saw (a page another process served while this port was down) gets the 503 a
    balancer retries elsewhere (after them, the usual `reload`: tests/server/test_server.py)."""
    from htag.server.serve import HANDOVER_ENV

    os.environ[HANDOVER_ENV] = "120"  # far longer than any start on a loaded machine
    try:
        server = serve()
    finally:
        del os.environ[HANDOVER_ENV]
    stranger = browser(server.url)
    stranger.load()
    stranger.http.cookies.clear()  # a session of another process: unknown here

    async def connect_as_stranger():
        with pytest.raises(websockets.InvalidStatus) as refused:
            await stranger.connect()
        return refused.value.response.status_code

    assert asyncio.run(connect_as_stranger()) == 503
    assert browser(server.url).load()  # a new page is served as usual


def test_the_handover_ends_after_its_seconds(monkeypatch):
    from htag import App, WebApp
    from htag.server.serve import HANDOVER_ENV

    monkeypatch.setenv(HANDOVER_ENV, "0.3")
    web = WebApp(App, secret_key="k" * 32)
    assert web.refuses_unknown_sessions()
    wait_for(lambda: not web.refuses_unknown_sessions(), 10, "the handover ends")
    monkeypatch.delenv(HANDOVER_ENV)
    assert not WebApp(App, secret_key="k" * 32).refuses_unknown_sessions()
