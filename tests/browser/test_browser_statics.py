"""An App's style and script statics as content-addressed files, in Chromium: a late
component's statics arrive by reference and apply once, in order, before the update
they came with shows; a second page load fetches none of them again (the browser's
cache); the page works under a Content-Security-Policy without 'unsafe-inline'."""

from __future__ import annotations

import re

import httpx
import pytest
from browser.conftest import wait_connected
from test_browser_csp import VIOLATIONS, assert_no_violation

from htag.server.security import STRICT_CSP

try:
    from playwright.sync_api import expect
except ImportError:  # conftest skips every test of this folder
    expect = None

REFERENCE = re.compile(
    r'<link rel="stylesheet" href="_htag/s/[0-9a-f]{16}\.css">|<script src="_htag/s/[0-9a-f]{16}\.js"></script>'
)
# the default without 'unsafe-eval' (this App runs no call_js): the strictest htag allows
STRICT = STRICT_CSP.replace(" 'unsafe-eval'", "")


def frame_statics(page) -> list[str]:
    frames = page.evaluate("window.__htag_frames")
    return [html for frame in frames for html in frame.get("statics", [])]


@pytest.mark.app("Assets")
def test_late_statics_arrive_by_reference_and_apply_once_in_order(server, open_page):
    page = open_page(server)
    assert page.evaluate("window.page_runs") == 1
    assert page.eval_on_selector("#count", "e => getComputedStyle(e).color") == "rgb(200, 0, 0)"
    page.click("#late")
    page.wait_for_selector(".late-widget")
    # the update showed only once its stylesheet had loaded, and after both scripts ran, in order
    assert page.eval_on_selector(".late-widget", "e => getComputedStyle(e).color") == "rgb(0, 0, 200)"
    assert page.evaluate("window.order") == ["a", "b"]
    assert page.title() == "Late title"
    statics = frame_statics(page)
    assert [s for s in statics if not s.startswith("<title")] and all(
        REFERENCE.fullmatch(s) for s in statics if not s.startswith("<title")
    )
    assert not any("late-rule" in s or "window.order" in s for s in statics)  # no text inline
    page.click("#late")  # a second widget: its statics are not applied again
    expect(page.locator(".late-widget")).to_have_count(2)
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("1")
    assert page.evaluate("window.order") == ["a", "b"]
    assert len(frame_statics(page)) == len(statics)
    assert page.evaluate("document.head.querySelectorAll('link[href^=\"_htag/s/\"]').length") == 2
    assert page.page_errors == []


# resources of htag's own files this document loaded, and what each cost on the network
RESOURCES = """() => performance.getEntriesByType('resource')
    .filter((r) => r.name.includes('/_htag/'))
    .map((r) => [new URL(r.name).pathname, r.transferSize, r.decodedBodySize])"""


@pytest.mark.app("Assets")
def test_a_second_page_load_fetches_no_static_again(server, browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        wait_connected(page)
        first = page.evaluate(RESOURCES)
        assert {p.rsplit(".", 1)[-1] for p, *_ in first} == {"css", "js"} and len(first) == 3
        assert all(size > 0 for _, size, _ in first)  # from the network
        page.goto(server.url + "/")  # a new navigation, as a user coming back
        wait_connected(page)
        second = page.evaluate(RESOURCES)
        assert sorted(p for p, *_ in second) == sorted(p for p, *_ in first)
        assert all(size == 0 and body > 0 for _, size, body in second), second  # from the cache
    finally:
        context.close()


@pytest.mark.app("Assets", csp=STRICT)
def test_the_page_works_under_a_csp_without_unsafe_inline(server, browser):
    context = browser.new_context()
    context.add_init_script(VIOLATIONS)
    try:
        page = context.new_page()
        page.console_lines = []
        page.on("console", lambda m: page.console_lines.append(m.text))
        response = page.goto(server.url + "/")
        wait_connected(page)
        policy = response.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert "'unsafe-inline'" not in directives["script-src"] + directives["style-src"]
        assert "'unsafe-eval'" not in directives["script-src"]
        assert page.evaluate("window.page_runs") == 1  # the statics' script ran
        assert page.eval_on_selector("#count", "e => getComputedStyle(e).color") == "rgb(200, 0, 0)"
        page.click("#inc")  # onclick="htag_on(this,event)", allowed by its hash
        expect(page.locator("#count")).to_have_text("1")
        page.click("#send")  # onsubmit="htag_on(this,event,1)" (@prevent): no navigation
        expect(page.locator("#count")).to_have_text("11")
        page.click("#late")
        expect(page.locator(".late-widget")).to_have_count(1)
        assert page.evaluate("window.order") == ["a", "b"]
        assert_no_violation(page)
    finally:
        context.close()


@pytest.mark.app("Assets")
def test_the_default_csp_has_no_unsafe_inline_for_scripts_or_styles(server):
    response = httpx.get(server.url + "/")
    directives = dict(d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";"))
    assert "'unsafe-inline'" not in directives["script-src"] + directives["style-src"]
    assert directives["style-src-attr"] == "'unsafe-inline'"  # style="..." of the App's tags
    assert directives["script-src-attr"] == "'unsafe-inline'"  # htag 2's t["onclick"] = "js code"
