"""`Router` in a real Chromium: the first page comes from the URL's fragment, links and
`navigate()` switch pages and the address bar, back/forward and reload (F5) work, and a
hostile path stays text. The app and its server are this module's own fixtures."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from types import SimpleNamespace

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]
TIMEOUT_MS = 10_000

APP = """
from htag import Router, Tag


class Home(Tag.div):
    def init(self):
        Tag.h1("home")
        Tag.a("to user 3", _href="#/users/3", _id="link3")


class User(Tag.div):
    def init(self, id):
        Tag.h1(f"user {id}", _id="title")


class Site(Tag.App):
    def init(self):
        self.router = Router()
        self.router.add_route("/", Home)
        self.router.add_route("/users/:id", User)
        Tag.p(lambda: f"path={self.router.path.value}", _id="path")
        Tag.button("go 5", _id="go5", _onclick=lambda e: self.router.navigate("/users/5"))
        Tag.button("hostile", _id="hostile", _onclick=lambda e: self.router.navigate(HOSTILE))
        self <= self.router


HOSTILE = "/users/" + HOSTILE_ID
"""
# a path segment with quotes, markup, a JS line separator, non-ASCII and a percent sign
HOSTILE_ID = "\"<b>x<script>alert(1)\u2028'é%41"
APP = APP.replace("HOSTILE_ID", repr(HOSTILE_ID))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def router_server(tmp_path_factory):
    """`WebApp(Site).run()` on Granian, in its own process group: `.url`, `.log`."""
    root = tmp_path_factory.mktemp("router_app")
    (root / "router_app.py").write_text(textwrap.dedent(APP))
    port = free_port()
    code = (
        f"import sys; sys.path.insert(0, {str(root)!r}); import router_app; from htag import WebApp; "
        f"WebApp(router_app.Site, secret_key='router-test').run(port={port}, open_browser=False)"
    )
    log = open(root / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(url + "/favicon.ico", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("router server did not start:\n" + (root / "server.log").read_text())
        time.sleep(0.05)
    yield SimpleNamespace(url=url, log=root / "server.log")
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    log.close()


@pytest.fixture(scope="module")
def router_browser(playwright_instance):
    # `playwright_instance` (tests/browser/conftest.py) skips when Chromium or playwright is missing
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield browser
    browser.close()


@pytest.fixture
def open_site(router_browser, router_server):
    contexts, errors = [], []

    def open_(fragment: str = ""):
        context = router_browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(router_server.url + "/" + fragment)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
    log = router_server.log.read_text()
    assert "Traceback" not in log and "refused" not in log, log


def expect_text(page, selector: str, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator(selector)).to_have_text(text, timeout=TIMEOUT_MS)


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
