"""Transports (WebSocket, SSE + POST, pure HTTP), server restarts and dropped connections."""

from __future__ import annotations

import socket
import threading
import time

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # conftest skips every test of this folder
    expect = None

RECOVERY_MS = 15_000


# ------------------------------------------------------------------------------------------------ 8 --
@pytest.mark.parametrize("mode", ["ws", "sse", "http"])
def test_each_transport_completes_a_counter_click(open_page, server, mode):
    page = open_page(server, mode=None if mode == "ws" else mode)  # sse/http: forced by the htag_mode cookie
    assert page.evaluate("window.htag.mode") == mode
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("1")
    assert page.evaluate("htag_event('inc', 'click', {})") == 2  # a Promise resolved over this transport
    expect(page.locator("#count")).to_have_text("2")
    page.click("#later")  # pushed by the server later, from a thread (polled in http mode)
    expect(page.locator("#count")).to_have_text("100")
    assert page.evaluate("window.htag.mode") == mode
    if mode != "ws":  # forced: no WebSocket was ever opened
        assert page.evaluate("performance.getEntriesByType('resource').every((e) => !e.name.includes('/ws'))")


@pytest.mark.app("Counter", parano=True)
def test_parano_mode_obfuscates_frames_and_still_works(page):
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("1")
    assert page.evaluate("htag_event('inc', 'click', {})") == 2
    received = page.evaluate("window.__htag_frames")
    assert received and all(set(f) == {"raw"} for f in received)  # not JSON on the wire
    assert not any("count" in f["raw"] for f in received)


# ------------------------------------------------------------------------------------------------ 9 --
@pytest.mark.parametrize("mode", ["ws", "sse", "http"])
def test_page_recovers_after_a_server_restart(open_page, servers, mode):
    server = servers.fresh("Counter")  # its own: it gets killed
    page = open_page(server, mode=None if mode == "ws" else mode)
    page.click("#inc")
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("2")
    page.evaluate("window.before_restart = true")

    server.restart()  # killed, then started on the same port with the same secret key: the cookie
    # is still valid, but its session is gone

    # the client reconnects by itself, the new server asks for a reload, a new session starts
    page.wait_for_function(
        "() => !window.before_restart && window.htag && window.htag.mode !== 'connecting'",
        timeout=RECOVERY_MS,
    )
    expect(page.locator("#count")).to_have_text("0")
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("1")
    assert page.evaluate("window.htag.mode") == mode


class Proxy:
    """A TCP proxy in front of a server: `cut()` drops every connection (and refuses new ones)
    until `restore()`, while the server and its sessions live on."""

    def __init__(self, port: int):
        self.upstream = ("127.0.0.1", port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.refusing = False
        self.refused = 0  # connections refused while cut
        self.closed = False
        self.lock = threading.Lock()
        self.socks: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                self.refused += 1
                self._kill(client)
                continue
            try:
                upstream = socket.create_connection(self.upstream)
            except OSError:
                self._kill(client)
                continue
            with self.lock:
                self.socks |= {client, upstream}
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        self._kill(src)
        self._kill(dst)

    def _kill(self, s: socket.socket) -> None:
        with self.lock:
            self.socks.discard(s)
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()

    def cut(self) -> None:
        self.refusing = True
        with self.lock:
            socks = list(self.socks)
        for s in socks:
            self._kill(s)

    def restore(self) -> None:
        self.refusing = False

    def wait_refused(self, n: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.refused < n:
            assert time.monotonic() < deadline, f"the client tried to reconnect {self.refused} times, not {n}"
            time.sleep(0.02)

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()


@pytest.fixture
def proxy(server):
    p = Proxy(server.port)
    yield p
    p.close()


@pytest.mark.parametrize("mode", ["ws", "sse", "http"])
def test_click_during_a_dropped_connection_is_delivered_once(open_page, proxy, mode):
    page = open_page(proxy, mode=None if mode == "ws" else mode)
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("1")

    proxy.cut()  # the network drops; the server keeps the session
    if mode != "http":  # a stream notices at once; pure HTTP notices at its next request
        page.wait_for_function("window.htag.mode === 'connecting'")
    page.click("#inc")  # made while disconnected: queued
    if mode == "http":
        page.wait_for_function("window.htag.mode === 'connecting'")
    expect(page.locator("#count")).to_have_text("1")
    proxy.wait_refused(2)  # reconnection attempts fail for a while
    proxy.restore()

    page.wait_for_function("window.htag.mode !== 'connecting'", timeout=RECOVERY_MS)
    expect(page.locator("#count")).to_have_text("2", timeout=RECOVERY_MS)
    # the same session (no reload), and the queued click was not sent twice
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("3")
    assert page.evaluate("htag_event('inc', 'click', {})") == 4


def test_ctrl_c_stops_the_server_while_an_sse_client_is_connected(open_page, servers):
    server = servers.fresh("Counter")
    page = open_page(server, mode="sse")
    assert page.evaluate("window.htag.mode") == "sse"
    assert server.stop(grace=5.0), "the server did not stop within 5 s of SIGINT (it was killed)"


@pytest.mark.parametrize("mode", ["ws", "sse", "http"])
def test_event_in_flight_when_the_connection_drops_runs_at_most_once(open_page, server, proxy, mode):
    page = open_page(proxy, mode=None if mode == "ws" else mode)
    before = len(server.records())  # the server is shared by the tests of this module

    def started(lines):
        return [line for line in lines[before:] if line.startswith("slow_inc")]

    page.click("#slowinc")  # the server takes 0.6 s to answer
    assert len(started(server.wait_records(started))) == 1
    proxy.cut()  # the event is running on the server; its answer will be lost
    page.wait_for_function("window.htag.mode === 'connecting'")
    proxy.restore()
    page.wait_for_function("window.htag.mode !== 'connecting'", timeout=RECOVERY_MS)

    # a second slow_inc, sent after the reconnection, runs after anything the client re-sent at once
    assert page.evaluate("htag_event('slowinc', 'click', {})") == 2
    expect(page.locator("#count")).to_have_text("2")
    assert len(started(server.records())) == 2
