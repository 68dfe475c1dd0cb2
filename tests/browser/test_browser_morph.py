"""Re-rendering a container keeps what the user is doing in it: selection, focus, scroll."""

from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # conftest skips every test of this folder
    expect = None

TEXT = "hello world\nsecond line of text"

KEPT = {"value": TEXT, "start": 6, "end": 18, "dir": "backward", "focused": True}
READ_TA = """() => { const t = document.getElementById('ta');
  return {value: t.value, start: t.selectionStart, end: t.selectionEnd, dir: t.selectionDirection,
          focused: document.activeElement === t}; }"""


def box_updates(page) -> int:
    """How many frames re-sent the whole #box (the textarea's / list's container)."""
    return page.evaluate("window.__htag_frames.filter((f) => f.updates && f.updates.box).length")


def type_and_select(page):
    page.click("#ta")
    page.keyboard.type(TEXT)
    page.evaluate("document.getElementById('ta').setSelectionRange(6, 18, 'backward')")
    assert page.evaluate(READ_TA) == KEPT


@pytest.mark.app("Selection")
def test_textarea_keeps_selection_when_its_container_rerenders(page):
    type_and_select(page)
    # a server-side re-render triggered without moving the focus (a click from JS)
    page.evaluate("document.getElementById('rerender').click()")
    expect(page.locator("#ticks")).to_have_text("ticks: 1")
    assert box_updates(page) == 1
    assert page.evaluate(READ_TA) == KEPT

    # re-renders pushed by a server thread while the user keeps the selection
    page.evaluate("document.getElementById('thread').click()")
    expect(page.locator("#ticks")).to_have_text("ticks: 4")
    assert box_updates(page) >= 2  # the thread's updates may be throttled into fewer frames
    assert page.evaluate(READ_TA) == KEPT

    # Python got what was typed
    assert page.evaluate("htag_event('read', 'click', {})") == TEXT


@pytest.mark.app("Selection")
def test_textarea_keeps_value_and_selection_when_blurred(page):
    type_and_select(page)
    # a real click: the textarea loses the focus, then its container is re-rendered
    page.click("#rerender")
    expect(page.locator("#ticks")).to_have_text("ticks: 1")
    page.click("#rerender")
    expect(page.locator("#ticks")).to_have_text("ticks: 2")
    state = page.evaluate(READ_TA)
    assert state["focused"] is False
    assert state["value"] == TEXT
    assert (state["start"], state["end"]) == (6, 18)

    # a reload (F5) shows what the server kept, then Python clears it
    page.reload()
    page.wait_for_function("() => window.htag && window.htag.mode === 'ws'")
    assert page.evaluate("document.getElementById('ta').value") == TEXT
    page.click("#clear")
    expect(page.locator("#ticks")).to_have_text("ticks: 3")
    assert page.evaluate("document.getElementById('ta').value") == ""
    assert page.evaluate("htag_event('read', 'click', {})") == ""


@pytest.mark.app("ScrollList")
def test_scrolled_list_keeps_scroll_top_when_its_container_rerenders(page):
    assert page.evaluate("document.querySelectorAll('#list > div').length") == 200
    page.evaluate("document.getElementById('list').scrollTop = 1500")
    assert page.evaluate("document.getElementById('list').scrollTop") == 1500
    for n in (1, 2, 3):
        page.click("#rerender")
        expect(page.locator("#renders")).to_have_text(f"renders: {n}")
        expect(page.locator("#first")).to_have_text(f"item 0 (v{n})")
        assert page.evaluate("document.getElementById('list').scrollTop") == 1500
    assert box_updates(page) == 3
    # the user's wheel scrolling, then a re-render from the server
    page.hover("#list")
    page.mouse.wheel(0, -500)
    page.wait_for_function("document.getElementById('list').scrollTop === 1000")
    page.click("#rerender")
    expect(page.locator("#renders")).to_have_text("renders: 4")
    assert page.evaluate("document.getElementById('list').scrollTop") == 1000


READ_CONTROLS = """() => ({
  text: document.getElementById('text').value,
  check: document.getElementById('check').checked,
  radios: Object.fromEntries(['a', 'b', 'c'].map((v) => [v, document.getElementById('g' + v).checked])),
  pick: document.getElementById('pick').value,
  area: document.getElementById('area').value,
})"""


@pytest.mark.app("Controls")
def test_user_values_survive_a_rerender_of_their_container(page):
    page.fill("#text", "typed")
    page.check("#check")
    page.check("#gb")
    page.select_option("#pick", "z")
    page.fill("#area", "typed text")
    expected = {
        "text": "typed",
        "check": True,
        "radios": {"a": False, "b": True, "c": False},
        "pick": "z",
        "area": "typed text",
    }
    assert page.evaluate(READ_CONTROLS) == expected
    page.click("#rerender")  # flushes the pending syncs, then the container is sent again
    expect(page.locator("#renders")).to_have_text("renders: 1")
    assert page.evaluate(READ_CONTROLS) == expected
    page.click("#rerender")
    expect(page.locator("#renders")).to_have_text("renders: 2")
    assert page.evaluate(READ_CONTROLS) == expected
    # and Python sees what the user sees
    assert page.evaluate("htag_event('read', 'click', {})") == expected


@pytest.mark.app("Chat")
def test_python_clears_the_focused_input_in_its_reply(page):
    page.click("#msg")
    page.keyboard.type("hello", delay=20)
    page.keyboard.press("Enter")
    expect(page.locator("#messages li")).to_have_text(["hello"])
    expect(page.locator("#msg")).to_have_value("")
    page.keyboard.type("world", delay=20)  # the focus stayed in the input
    expect(page.locator("#msg")).to_have_value("world")
    page.keyboard.press("Enter")
    expect(page.locator("#messages li")).to_have_text(["hello", "world"])
    expect(page.locator("#msg")).to_have_value("")
    assert page.evaluate("document.activeElement.id") == "msg"
