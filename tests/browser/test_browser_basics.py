"""Events, values, Promises, statics, errors and `body.interacting` in real Chromium."""

from __future__ import annotations

import json
import os
import re
import string
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # conftest skips every test of this folder
    expect = None

# Tests never rewrite tracked files: screenshots go to a temporary folder, or to the
# folder HTAG_SCREENSHOTS names (HTAG_SCREENSHOTS=docs/images refreshes the docs' images).
SCREENSHOTS = os.environ.get("HTAG_SCREENSHOTS")


def out_json(page) -> dict:
    return json.loads(page.inner_text("#out"))


def wait_out(page, kind: str) -> dict:
    page.wait_for_function(
        "(kind) => { try { return JSON.parse(document.getElementById('out').textContent).kind === kind; }"
        " catch (e) { return false; } }",
        arg=kind,
    )
    return out_json(page)


# ------------------------------------------------------------------------------------------------ 1 --
def test_counter_click_updates_the_count(page):
    assert page.evaluate("window.htag.mode") == "ws"
    expect(page.locator("#count")).to_have_text("0")
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("1")
    page.click("#inc")
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("3")


# ------------------------------------------------------------------------------------------------ 2 --
@pytest.mark.app("Typing")
@pytest.mark.parametrize("mode", ["ws", "sse", "http"])
def test_typing_keeps_every_character_focus_and_caret(open_page, server, mode):
    page = open_page(server, mode=None if mode == "ws" else mode)
    assert page.evaluate("window.htag.mode") == mode
    text = (string.ascii_lowercase + "0123456789 abc")[:40]
    assert len(text) == 40
    page.click("#field")
    page.keyboard.type(text, delay=30)
    expect(page.locator("#keys")).to_have_text("keys: 40", timeout=15_000)
    box = page.locator("#keys").locator("xpath=..")
    expect(box).to_have_attribute("class", "box k40")
    state = page.evaluate(
        """() => { const f = document.getElementById('field');
        return {value: f.value, focused: document.activeElement === f,
                start: f.selectionStart, end: f.selectionEnd}; }"""
    )
    assert state == {"value": text, "focused": True, "start": 40, "end": 40}
    # the container really changed while typing (an attribute op, or its whole HTML)
    received = page.evaluate("window.__htag_frames")
    ops = [op for f in received for op in f.get("ops", [])]
    htmls = [html for f in received for html in f.get("updates", {}).values()]
    assert ["attr", box.get_attribute("id"), "class", "box k40"] in ops or any("box k40" in h for h in htmls)


# ------------------------------------------------------------------------------------------------ 5 --
@pytest.mark.app("Forms")
def test_form_controls_deliver_python_values(page):
    page.check("#cb")
    assert wait_out(page, "checkbox")["value"] == [True, "bool"]
    page.uncheck("#cb")
    page.wait_for_function("document.getElementById('out').textContent.includes('false')")
    assert out_json(page)["value"] == [False, "bool"]

    page.check("#rb")
    assert wait_out(page, "radio")["value"] == ["b", "str"]

    page.select_option("#sel", "z")
    assert wait_out(page, "select")["value"] == ["z", "str"]

    page.fill("#fname", "Ada Lovelace")
    page.check("#fagree")
    page.select_option("#fcolor", "blue")
    page.check("#fsizem")
    page.fill("#fnotes", "line 1\nline 2")
    page.click("#fsend")
    got = wait_out(page, "form")
    assert got["value"] == {
        "name": ["Ada Lovelace", "str"],
        "agree": [True, "bool"],
        "news": [False, "bool"],
        "color": ["blue", "str"],
        "size": ["m", "str"],
        "notes": ["line 1\nline 2", "str"],
    }
    assert got["agree"] == [True, "bool"]  # e["agree"]
    assert got["name"] == ["Ada Lovelace", "str"]  # e["name"]
    assert "?" not in page.url  # @prevent: no native submit


@pytest.mark.app("Forms")
def test_form_submitted_to_python_never_submits_natively(page):
    """Even without @prevent: the navigation would reload the page and lose the reply."""
    page.evaluate("window.loaded_once = true")
    page.fill("#q", "search me")
    page.press("#q", "Enter")  # implicit submission of a one-field form
    assert wait_out(page, "plain")["value"] == {"q": ["search me", "str"]}
    assert page.evaluate("window.loaded_once") is True
    assert "?" not in page.url


# ------------------------------------------------------------------------------------------------ 6 --
@pytest.mark.app("Calls")
def test_htag_event_resolves_with_the_callback_result(page):
    got = page.evaluate("htag_event('calc', 'compute', {a: 2, b: 3, tag: 'x'})")
    assert got == {"sum": 5, "echo": "x"}
    assert page.evaluate("htag_event('calc', 'double', 21)") == 42
    assert page.evaluate("htag_event('calc', 'double', 'ab')") == "abab"
    assert page.evaluate("htag_event('calc', 'slow', {value: [1, 2]})") == [[1, 2], "async"]
    # concurrent calls each get their own result
    doubled = page.evaluate("Promise.all([1, 2, 3, 4, 5].map((n) => htag_event('calc', 'double', n)))")
    assert doubled == [2, 4, 6, 8, 10]
    # a failing callback resolves with undefined (never an unhandled rejection)
    assert page.evaluate("htag_event('calc', 'fail', 1).then((r) => r === undefined)") is True
    expect(page.locator("#calc")).to_have_text("calls: 2")


# ------------------------------------------------------------------------------------------------ 7 --
@pytest.mark.app("Statics")
def test_statics_and_call_js_run_exactly_once(page):
    assert page.title() == "Statics title"
    assert page.evaluate("window.static_runs") == 1
    assert page.eval_on_selector("#count", "e => getComputedStyle(e).color") == "rgb(255, 0, 0)"

    page.click("#js")
    expect(page.locator("#count")).to_have_text("1")
    assert page.evaluate("window.js_runs") == 1
    page.click("#bump")  # a second update: nothing runs again
    expect(page.locator("#count")).to_have_text("2")
    assert page.evaluate("[window.js_runs, window.static_runs]") == [1, 1]

    # statics of a component added later come with the update, once
    page.click("#widget")
    expect(page.locator(".widget")).to_have_count(1)
    assert page.evaluate("window.widget_runs") == 1
    assert page.title() == "Widget title"
    assert page.eval_on_selector(".widget", "e => getComputedStyle(e).color") == "rgb(0, 128, 0)"
    page.click("#widget")
    expect(page.locator(".widget")).to_have_count(2)
    page.click("#bump")
    expect(page.locator("#count")).to_have_text("3")
    page.click("#js")
    expect(page.locator("#count")).to_have_text("4")
    assert page.evaluate("[window.static_runs, window.widget_runs, window.js_runs]") == [1, 1, 2]
    heads = page.evaluate(
        """() => [...document.head.children].map((n) => n.outerHTML)
                 .filter((h) => h.includes('_htag/s/'))"""
    )
    assert len(heads) == 4, heads  # each static once in <head>, as a reference to its file


# ----------------------------------------------------------------------------------------------- 10 --
@pytest.mark.app("Errors", debug=False)
def test_failing_callback_without_debug_shows_no_traceback(page):
    page.click("#boom")
    toast = page.locator('[data-htag-client="toast"]')
    expect(toast).to_be_visible()
    expect(toast).to_have_text(re.compile("error", re.IGNORECASE))
    expect(page.locator("#count")).to_have_text("1")  # what changed before the failure was sent
    html = page.content()
    assert "Traceback" not in html
    assert "kaboom" not in html and "helper_that_fails" not in html
    assert page.locator('[data-htag-client="overlay"]').count() == 0
    assert not [line for line in page.console_lines if "kaboom" in line or "Traceback" in line]
    # the session goes on
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("2")


@pytest.mark.app("Errors", debug=True)
def test_failing_callback_with_debug_shows_the_traceback_overlay(page, tmp_path):
    page.click("#boom")
    overlay = page.locator('[data-htag-client="overlay"]')
    expect(overlay).to_be_visible()
    expect(overlay).to_contain_text("Traceback")
    expect(overlay).to_contain_text("secret-kaboom-7431 at step 1")
    expect(overlay).to_contain_text("helper_that_fails")
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "error_overlay.png"))
    # the overlay survives later updates (it lives outside <body>), and the session goes on
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("2")
    expect(overlay).to_be_visible()


# ----------------------------------------------------------------------------------------------- 12 --
@pytest.mark.app("Slow")
def test_body_interacting_while_a_slow_callback_runs(page):
    body = page.locator("body")
    expect(body).not_to_have_class(re.compile(r"\binteracting\b"))
    page.click("#slow")
    # set at once, and kept when an intermediate frame re-renders <body> itself
    expect(page.locator("#working")).to_be_visible()
    expect(page.locator("#status")).to_have_text("working")
    assert "interacting" in page.evaluate("document.body.className")
    expect(page.locator("#status")).to_have_text("done")
    expect(body).not_to_have_class(re.compile(r"\binteracting\b"))
