"""A server's stop as `SessionManager` sees it: every session goes, its connections closed with 1001
(going away), each App's `on_destroy` called once however often shutdown is asked, and no new
session afterwards. The whole stop under load, by signal, is tested in
tests/reliability/test_sigterm_under_load.py."""

from __future__ import annotations

import re
import warnings

import pytest

from htag import App, WebApp
from htag.server.sessions import GOING_AWAY, SessionManager, SessionsClosed, SessionsFull
from htag.server.webapp import STOPPING

with warnings.catch_warnings():  # Starlette 1.x asks for httpx2 here; the test client works with httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


class Recorded(App):
    destroyed: list[int] = []

    def on_destroy(self):
        Recorded.destroyed.append(id(self))


class Socket:
    def __init__(self) -> None:
        self.codes: list[int] = []

    def close(self, code: int = 1000) -> None:
        self.codes.append(code)


@pytest.fixture(autouse=True)
def fresh_records():
    Recorded.destroyed = []


def test_shutdown_closes_sockets_going_away_and_destroys_every_app_once():
    manager = SessionManager(Recorded)
    connected = manager.create(None)
    assert manager.establish(connected)
    sockets = [Socket(), Socket()]
    connected.connections.update(sockets)
    pending = manager.create(None)  # a page whose client never connected
    manager.shutdown()
    manager.shutdown()  # the signal handler's, then the lifespan's end
    assert sorted(Recorded.destroyed) == sorted([id(connected.app), id(pending.app)])
    assert [s.codes for s in sockets] == [[GOING_AWAY], [GOING_AWAY]]
    assert len(manager) == 0


def test_no_session_is_made_once_shut_down():
    manager = SessionManager(Recorded)
    page = manager.create(None)
    manager.shutdown()
    with pytest.raises(SessionsClosed):
        manager.create(None)
    with pytest.raises(SessionsClosed):
        manager.establish(page)
    assert issubclass(SessionsClosed, SessionsFull)  # refused as a full server is: 503, or 1013
    assert Recorded.destroyed == [id(page.app)]


def test_a_shared_app_is_destroyed_once():
    shared = Recorded()
    manager = SessionManager(shared)
    manager.create(None)
    manager.shutdown()
    manager.shutdown()
    assert Recorded.destroyed == [id(shared)]


def test_a_stopping_webapp_closes_its_sockets_going_away_and_refuses_new_pages():
    webapp = WebApp(Recorded, secret_key="test")
    with TestClient(webapp.app, base_url="http://testserver") as client:
        page = client.get("/")
        token = re.search(r'data-htag-token="([^"]+)"', page.text).group(1)
        with client.websocket_connect(f"/ws?token={token}", headers={"origin": "http://testserver"}) as ws:
            ws.receive_text()  # the body
            closing = client.portal.start_task_soon(webapp.close)
            closed = ws.receive()
            assert (closed["type"], closed["code"]) == ("websocket.close", GOING_AWAY)
        closing.result(10)  # the socket is gone: close() is done
        assert len(Recorded.destroyed) == 1
        client.cookies.clear()  # a new browser
        refused = client.get("/")
        assert refused.status_code == 503 and refused.text == STOPPING
    assert len(Recorded.destroyed) == 1  # the lifespan's end closes nothing twice


def test_run_wraps_granians_own_signal_handlers_once_per_process(monkeypatch):
    from granian import _signals

    from htag.server import serve

    original = _signals.set_loop_signals
    monkeypatch.setattr(_signals, "set_loop_signals", original)  # put back after the test
    webapp = WebApp(Recorded, secret_key="test")
    for _ in range(2):  # run() twice in one process: the second wraps Granian's, not the first wrapper
        serve._close_sessions_before_granian_stops(webapp)
    assert _signals.set_loop_signals is not original
    assert _signals.set_loop_signals.granian_original is original
