"""`Router` in a real Chromium: the first page comes from the URL's fragment, links and
`navigate()` switch pages and the address bar, back/forward and reload (F5) work, and a
hostile path stays text. The app is `apps.RouterSite`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def _hostile_id() -> str:
    # apps.py by its path: the name `apps` is tests/server/apps.py's too
    spec = importlib.util.spec_from_file_location("browser_apps", Path(__file__).with_name("apps.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.HOSTILE_ID


HOSTILE_ID = _hostile_id()


@pytest.fixture
def open_site(servers, open_page):
    """`open_site(fragment)`: a page of `apps.RouterSite` (tests/browser/conftest.py's server
    and browser) at `/` + fragment; the server logs no traceback and refuses nothing."""
    server = servers("RouterSite")
    yield lambda fragment="": open_page(server, "/" + fragment)
    log = server.log.read_text()
    assert "Traceback" not in log and "refused" not in log, log


def expect_text(page, selector: str, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator(selector)).to_have_text(text)  # within conftest's TIMEOUT_MS


def test_first_page_comes_from_the_fragment(open_site):
    page = open_site("#/users/7")
    expect_text(page, "#title", "user 7")
    expect_text(page, "#path", "path=/users/7")
    page = open_site()
    expect_text(page, "h1", "home")
    expect_text(page, "#path", "path=/")


def test_links_back_and_forward(open_site):
    page = open_site()
    expect_text(page, "h1", "home")
    page.click("#link3")
    expect_text(page, "#title", "user 3")
    assert page.url.endswith("/#/users/3")
    page.go_back()
    expect_text(page, "h1", "home")
    expect_text(page, "#path", "path=/")
    page.go_forward()
    expect_text(page, "#title", "user 3")
    expect_text(page, "#path", "path=/users/3")


def test_navigate_sets_the_address_bar_and_history(open_site):
    page = open_site("#/users/1")
    expect_text(page, "#title", "user 1")
    page.click("#go5")
    expect_text(page, "#title", "user 5")
    page.wait_for_function("() => location.hash === '#/users/5'")
    page.go_back()
    expect_text(page, "#title", "user 1")
    page.go_forward()
    expect_text(page, "#title", "user 5")


def test_reload_keeps_the_page(open_site):
    page = open_site("#/users/4")
    expect_text(page, "#title", "user 4")
    page.reload()
    expect_text(page, "#title", "user 4")
    expect_text(page, "#path", "path=/users/4")


def test_unknown_path_shows_not_found(open_site):
    page = open_site("#/no/such/page")
    expect_text(page, ".htag-not-found", "404 — Page not found: /no/such/page")


def test_hostile_path_stays_text(open_site):
    page = open_site()
    expect_text(page, "h1", "home")
    page.click("#hostile")
    expect_text(page, "#title", f"user {HOSTILE_ID}")
    assert page.locator("#title b, #title script").count() == 0, "no markup from the path"
    fragment = page.evaluate("() => location.hash")
    assert "<" not in fragment and '"' not in fragment
    page.reload()  # the percent-encoded fragment comes back as the same path
    expect_text(page, "#title", f"user {HOSTILE_ID}")
    page.go_back()
    expect_text(page, "h1", "home")
