"""The public API explains itself in `help()`: each public name has a real docstring,
and `help(htag.Tag)` covers what a newcomer needs first (events, State, components,
running)."""

from __future__ import annotations

import pydoc
import warnings

import pytest

import htag
import htag.pubsub
from htag.server import serve

# what `help()` shows for each public name (WebApp.run hands its options to serve.run)
PUBLIC = {
    "htag.Tag": htag.Tag,
    "htag.Tag.App": htag.Tag.App,
    "htag.App": htag.App,
    "htag.State": htag.State,
    "htag.States": htag.States,
    "htag.Event": htag.Event,
    "htag.HTML": htag.HTML,
    "htag.prevent": htag.prevent,
    "htag.stop": htag.stop,
    "htag.WebApp": htag.WebApp,
    "htag.WebApp.run": htag.WebApp.run,
    "htag.server.serve.run": serve.run,
    "htag.ChromeApp": htag.ChromeApp,
    "htag.Router": htag.Router,
    "htag.App.find_tag": htag.App.find_tag,
    "htag.App.on_destroy": htag.App.on_destroy,
    "htag.pubsub": htag.pubsub,
    "htag.pubsub.subscribe": htag.pubsub.subscribe,
    "htag.pubsub.publish": htag.pubsub.publish,
    "htag.pubsub.broker": htag.pubsub.broker,
    "htag.pubsub.use": htag.pubsub.use,
}
TAG_METHODS = ["add", "remove", "clear", "update", "call_js", "init", "on_mount", "on_unmount", "text", "id"]


def words(text: str | None) -> int:
    return len((text or "").split())


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_each_public_name_has_a_docstring(name):
    doc = PUBLIC[name].__doc__
    assert words(doc) >= 8, f"{name} has no real docstring: {doc!r}"


@pytest.mark.parametrize("method", TAG_METHODS)
def test_the_tag_methods_have_docstrings(method):
    assert words(getattr(htag.GTag, method).__doc__) >= 5, method


def rendered_help(obj: object) -> str:
    return pydoc.render_doc(obj, renderer=pydoc.plaintext)


def test_help_of_tag_covers_events_state_components_and_running():
    text = rendered_help(htag.Tag)
    for topic in ("Events", "State", "Components", "Running", "_onclick", "init(self", "WebApp(", ".run()"):
        assert topic in text, topic


def test_help_of_event_says_what_an_event_carries():
    text = rendered_help(htag.Event)
    for field in (
        "e.target",
        "e.value",
        "e.checked",
        "e.key",
        "e.id",
        "e.name",
        'e["field"]',
        "e.pageX",
        "file",
    ):
        assert field in text, field


def test_help_of_run_lists_its_options():
    text = rendered_help(serve.run)
    for option in ("port=0", "server", "open_browser", "reload", "exit_on_disconnect", "debug", "log_level"):
        assert option in text, option


def test_help_of_state_shows_reactivity():
    text = rendered_help(htag.State)
    for topic in (".value", "lambda", "thread", "append", "notify"):
        assert topic in text, topic


def test_current_request_is_explained_where_help_shows_it():
    """A ContextVar (htag 2's type, kept for compatibility) has no docstring of its own:
    `help(htag)` explains it."""
    assert htag.current_request.get() is None
    assert "current_request" in rendered_help(htag) and "ContextVar" in htag.__doc__


def test_the_counter_in_help_of_tag_runs():
    """The example `help(htag.Tag)` shows is a working program."""
    with warnings.catch_warnings():  # Starlette 1.x asks for httpx2; the test client works with httpx
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    doc = htag.Tag.__doc__
    start = doc.index("from htag import")
    lines = []
    for line in doc[start:].splitlines():
        if lines and line.strip() and not line.startswith(" " * 12):
            break
        lines.append(line[12:] if line.startswith(" " * 12) else line.strip())
    namespace: dict[str, object] = {"__name__": "docstring_example"}
    exec(compile("\n".join(lines), "help(htag.Tag)", "exec"), namespace)  # noqa: S102 - the example under test
    counter = namespace["Counter"]
    with TestClient(htag.WebApp(counter).app, base_url="http://127.0.0.1") as client:
        page = client.get("/")
    assert page.status_code == 200 and "<button" in page.text and ">0</span>" in page.text
