"""The default Content-Security-Policy in a real browser: the client, the App's inline
statics, its `call_js` and its WebSocket all work under it, with no violation reported."""

from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # conftest skips every test of this folder
    expect = None

# every violation the page sees, from the first byte (an init script runs before any other)
VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));
"""


@pytest.fixture
def csp_page(server, browser):
    context = browser.new_context()
    context.add_init_script(VIOLATIONS)
    page = context.new_page()
    page.console_lines = []
    page.on("console", lambda m: page.console_lines.append(m.text))
    response = page.goto(server.url + "/")
    page.wait_for_function("() => window.htag && window.htag.mode === 'ws'")
    yield page, response
    context.close()


def assert_no_violation(page) -> None:
    assert page.evaluate("window.__csp") == []
    assert not [line for line in page.console_lines if "Content Security Policy" in line]


@pytest.mark.app("Demo")
def test_the_demo_works_under_the_default_csp(csp_page):
    page, response = csp_page
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in policy and "object-src 'none'" in policy
    page.get_by_role("button", name="+1").click()
    expect(page.locator("#count")).to_have_text("1")
    page.fill("#todo", "under a CSP")
    page.get_by_role("button", name="add").click()  # its reply runs call_js
    expect(page.locator("#todos li")).to_have_text(["under a CSP"])
    expect(page.locator("#todo")).to_have_value("")
    # the App's inline <style> applies
    assert page.eval_on_selector(".card", "e => getComputedStyle(e).borderTopStyle") == "solid"
    assert_no_violation(page)


@pytest.mark.app("Statics")
def test_inline_statics_and_call_js_run_under_the_default_csp(csp_page):
    page, response = csp_page
    assert "content-security-policy" in response.headers
    assert page.evaluate("window.static_runs") == 1
    page.click("#js")
    expect(page.locator("#count")).to_have_text("1")
    assert page.evaluate("window.js_runs") == 1
    page.click("#widget")  # statics arriving with an update
    expect(page.locator(".widget")).to_have_count(1)
    assert page.evaluate("window.widget_runs") == 1
    assert_no_violation(page)


@pytest.mark.app("TextHandlers")
def test_event_attributes_written_as_javascript_text_run_under_the_default_csp(csp_page):
    # htag 2's `t["onclick"] = "js code"`: the default allows the App's inline event attributes
    page, response = csp_page
    assert "script-src-attr 'unsafe-inline'" in response.headers["content-security-policy"]
    page.click("#text-js")
    expect(page.locator("#out")).to_have_text("ran")
    page.click("#set-js")
    expect(page.locator("#set-js")).to_have_text("set ran")
    assert_no_violation(page)


STRICTER = "default-src 'self'; script-src 'self' 'unsafe-inline'"


@pytest.mark.app("Counter", csp=STRICTER)
def test_a_stricter_csp_is_the_operators_choice(csp_page):
    page, response = csp_page
    assert response.headers["content-security-policy"] == STRICTER + "; frame-ancestors 'self'"
    # without statics or call_js, the client needs no more: its script and socket from
    # 'self', and inline handlers (onclick="htag_on(this,event)")
    page.click("#inc")
    expect(page.locator("#count")).to_have_text("1")
    assert_no_violation(page)
