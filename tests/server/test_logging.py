"""What an operator sees on the server console, and the development mode switch."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys

import pytest
from harness import wait_for

from htag import App, WebApp
from htag.server.logs import show_logs


def console(server) -> str:
    server.out.flush()
    return server.log.with_suffix(".out").read_text()


def test_the_missing_secret_warning_reaches_stderr_without_any_logging_setup():
    code = "from htag import App, WebApp; WebApp(App)"
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60
    )
    assert "no secret key" in done.stderr and "HTAG_SECRET_KEY" in done.stderr


def test_run_shows_sessions_connections_and_failing_callbacks_on_the_console(opened):
    s, b = opened(debug=False)

    async def scenario():
        await b.connect()
        _, reply = await b.event("boom")
        assert reply == {"action": "error", "message": "An internal error occurred.", "callback_id": "cb1"}
        await b.ws.close()

    asyncio.run(scenario())
    out = wait_for(lambda: "websocket of session" in console(s) and console(s), 10, "the session's logs")
    assert "htag INFO session" in out and "created" in out and "established" in out
    assert "htag INFO websocket connected to session" in out and "htag INFO websocket of session" in out
    # the traceback the browser did not get is on the server console
    assert "htag ERROR click callback on boom failed" in out
    assert "Traceback" in out and "RuntimeError: kaboom" in out
    assert "debug mode" not in out


def test_debug_is_off_unless_asked(monkeypatch):
    monkeypatch.delenv("HTAG_DEBUG", raising=False)
    assert WebApp(App, secret_key="k").debug is False
    monkeypatch.setenv("HTAG_DEBUG", "1")
    assert WebApp(App, secret_key="k").debug is True
    assert WebApp(App, secret_key="k", debug=False).debug is False


def test_run_debug_turns_development_mode_on(serve, browser):
    s = serve(debug=None, run_options={"debug": True})
    b = browser(s.url)
    assert 'data-htag-debug="1"' in b.load()
    assert "debug mode: error details and tracebacks are sent to browsers" in console(s)


@pytest.fixture
def pristine_logging():
    """The "htag" and root loggers as an application that set up nothing finds them
    (call it in the test: pytest's own capture handlers come back for each phase)."""
    root, htag = logging.getLogger(), logging.getLogger("htag")
    saved = (root.handlers[:], htag.handlers[:], htag.level)

    def clear() -> logging.Logger:
        root.handlers.clear()
        htag.handlers.clear()
        htag.setLevel(logging.NOTSET)
        return htag

    yield clear
    root.handlers[:], htag.handlers[:] = saved[0], saved[1]
    htag.setLevel(saved[2])


def test_logs_are_shown_only_when_the_application_set_up_none(pristine_logging):
    htag = pristine_logging()
    assert show_logs("debug") and htag.level == logging.DEBUG
    assert len(htag.handlers) == 1
    assert not show_logs()  # once is enough
    pristine_logging()
    logging.getLogger().addHandler(logging.NullHandler())  # the application's own setup
    assert not show_logs() and not htag.handlers
