"""htag 2's import paths and names work unchanged (htag 2.0.28's modules: core, tag,
server, web, runner, runners, exceptions, router, css, context)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import htag

from ._support import reply_to_click


def run(code: str) -> str:
    """Runs `code` in a fresh interpreter (imports are process-wide state)."""
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_htag_core_names():
    from htag.core import (
        HTML,
        VOID_ELEMENTS,
        App,
        AppRunner,
        GTag,
        State,
        States,
        current_request,
        prevent,
        stop,
    )

    assert {"br", "img", "input"} <= VOID_ELEMENTS and "div" not in VOID_ELEMENTS

    assert AppRunner is App is htag.App
    assert issubclass(App, GTag)
    assert (State, States, HTML, prevent, stop) == (
        htag.State,
        htag.States,
        htag.HTML,
        htag.prevent,
        htag.stop,
    )
    assert current_request.get() is None  # a ContextVar, as in htag 2


def test_htag_tag_and_runner():
    from htag.runner import AppRunner, Event
    from htag.tag import App, GTag, Tag

    assert Tag is htag.Tag and App is AppRunner is htag.App
    assert Tag.App is AppRunner
    assert GTag is htag.GTag and Event is htag.Event


def test_htag_server_and_web():
    from htag.server import AppRunner, Event, WebApp
    from htag.web import WebApp as WebApp2

    assert WebApp is WebApp2 is htag.WebApp
    assert AppRunner is htag.App and Event is htag.Event


def test_exceptions_share_one_base():
    from htag.exceptions import HtagError, HtagEventError, HtagRenderError
    from htag.runners import BrowserNotFoundError
    from htag.server.dispatch import BadMessage

    assert HtagEventError is htag.HtagEventError
    for cls in (HtagEventError, HtagRenderError, BrowserNotFoundError, BadMessage):
        assert issubclass(cls, HtagError)
    assert issubclass(BrowserNotFoundError, RuntimeError) and issubclass(BadMessage, ValueError)


def test_router_css_context_modules():
    import htag.context
    import htag.css
    from htag.router import Router

    assert Router is htag.Router
    assert htag.context.current_request is htag.current_request
    assert callable(htag.css.scope_css)


def test_submodules_are_attributes_of_htag():
    # htag 2's `import htag` imported them all: `htag.core.GTag` worked without an import
    assert htag.core.GTag is htag.GTag
    assert htag.tag.Tag is htag.Tag
    assert htag.exceptions.HtagEventError is htag.HtagEventError
    with pytest.raises(AttributeError):
        htag.no_such_thing  # noqa: B018


def test_pyscript_imports_and_says_why_it_cannot_run():
    from htag import PyScript
    from htag.runners import PyScript as PyScript2

    assert PyScript is PyScript2
    with pytest.raises(RuntimeError, match="compiled Rust extension.*Pyodide"):
        PyScript(htag.App)


def test_import_htag_does_not_load_starlette():
    out = run(
        "import sys, htag; from htag.core import GTag; from htag.tag import Tag; "
        "import htag.exceptions, htag.context; print('starlette' in sys.modules)"
    )
    assert out == "False"


def test_htag_all_imports():
    out = run("from htag import *; print(sorted(n for n in dir() if not n.startswith('_')))")
    for name in (
        "Tag",
        "State",
        "States",
        "WebApp",
        "Router",
        "ChromeApp",
        "PyScript",
        "HTML",
        "prevent",
        "stop",
    ):
        assert f"'{name}'" in out


def test_help_reads_well():
    from htag.runners import pyscript

    for obj in (htag, htag.core, htag.server, htag.GTag, htag.App, htag.Event, htag.State, pyscript):
        assert obj.__doc__ and len(obj.__doc__.strip()) > 40, obj
    doc = htag.GTag.__doc__
    assert 'GTag("span"' in doc
    assert "htag 2" in htag.Event.__doc__


def test_current_request_is_set_while_serving(tmp_path):
    reply = reply_to_click("current_request_probe", "probe", {}, tmp_path)
    assert reply["result"] == {"init": "Request", "callback": "WebSocket"}
