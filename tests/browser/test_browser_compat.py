"""htag 2 behaviours that live in the browser client: what a click on a non-control
element sends as `e.value`, and `window.fallback()`."""

from __future__ import annotations

import json

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # conftest skips every test of this folder
    expect = None


@pytest.mark.app("Values")
def test_a_button_sends_its_value(page):
    page.click("#valued")
    expect(page.locator("#out")).to_have_text('"x"')
    page.click("#plain")  # no value attribute: "" as in htag 2
    expect(page.locator("#out")).to_have_text('""')


@pytest.mark.app("Values")
def test_an_element_without_value_sends_the_event_object(page):
    page.click("#box")
    page.wait_for_function("document.querySelector('#out').textContent.startsWith('[')")
    keys = json.loads(page.locator("#out").text_content())
    assert "pageX" in keys and "callback_id" not in keys


def test_window_fallback_switches_to_sse_then_http(open_page, server):
    page = open_page(server)
    assert page.evaluate("window.htag.mode") == "ws"
    page.evaluate("window.same_document = true")
    page.evaluate("window.fallback()")
    page.wait_for_function("window.htag.mode === 'sse'")
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("1")
    assert page.evaluate("htag_event('inc', 'click', {})") == 2
    page.click("#later")  # pushed by the server from a thread: the SSE stream carries it
    expect(page.locator("#count")).to_have_text("100")
    page.evaluate("window.fallback_pure_http()")
    page.wait_for_function("window.htag.mode === 'http'")
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("101")
    assert page.evaluate("window.htag.mode") == "http"
    assert page.evaluate("window.same_document") is True  # a switch, not a drop: never reloaded
