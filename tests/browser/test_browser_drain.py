"""What a real browser does with a draining process (`WebApp.drain`, started by SIGUSR1, as a rolling
restart does): its page keeps working during the drain; when the drain ends (close code 1012) and a
new process takes the port, the page reloads into a fresh session by itself; a new visitor during the
drain gets the 503 page, which loads the app again by itself once a process takes it."""

from __future__ import annotations

import os
import signal

import httpx
from harness import wait_for

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py fails the tests with a clear message
    expect = None

RECOVERY_MS = 30_000


def test_a_drained_page_reloads_into_a_fresh_session_and_the_503_page_loads_again_by_itself(
    open_page, servers, browser
):
    server = servers.fresh("Counter", drain_timeout=4.0)  # its own: it stops
    page = open_page(server)
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("1")
    page.evaluate("window.before_drain = true")

    os.kill(httpx.get(server.url + "/_htag/health").json()["pid"], signal.SIGUSR1)
    wait_for(lambda: httpx.get(server.url + "/_htag/health").json()["draining"], 20, "the process drains")
    visitor = browser.new_context().new_page()
    response = visitor.goto(server.url + "/")
    assert response.status == 503 and response.headers["retry-after"] == "2"
    page.click("#inc")  # the session goes on while its process drains
    expect(page.locator("#count")).to_have_text("2")

    assert server.proc.wait(60) == 0  # the drain ended: the process stopped by itself
    assert "drained: closing 1 connected clients (1012)" in server.tail()
    server.start()  # what the supervisor does: a new process on the same port
    page.wait_for_function(
        "() => !window.before_drain && window.htag && window.htag.mode === 'ws'", timeout=RECOVERY_MS
    )
    expect(page.locator("#count")).to_have_text("0")  # a fresh session, which works
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("1")
    visitor.wait_for_function("() => window.htag && window.htag.mode === 'ws'", timeout=RECOVERY_MS)
    visitor.click("#inc")
    expect(visitor.locator("#count")).to_have_text("1")
    visitor.context.close()
