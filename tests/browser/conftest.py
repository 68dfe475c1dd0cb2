"""Real Chromium (Debian's /usr/bin/chromium, driven by Python playwright) against real servers.

- `servers(app, **options)`: a server subprocess (Granian) running `apps.<app>` on a free loopback
  port, shared by the tests of a module (every browser context gets its own session anyway);
  `servers.fresh(...)` starts one of its own (to kill and restart it).
- `open_page(server, mode=None)`: a new browser context (its own cookies, so its own session) and
  page, loaded and connected: `window.htag.mode` is set.
- `page`: `open_page` on the server of the test's `@pytest.mark.app(name, **options)` (Counter).

Every page records the frames it receives in `window.__htag_frames` (an init script wraps
WebSocket, EventSource and fetch) and fails the test on an uncaught page error.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
SECRET = "browser-test-secret-key"
# a deadline, not a pause: a passing wait ends at once; on a 2-core machine under a load
# of 10 (measured), Chromium took 4.7 s from a page load to its WebSocket
TIMEOUT_MS = 30_000
VIEWPORT = {"width": 900, "height": 700}

# Skipped only when asked (HTAG_SKIP_BROWSER=1); a missing or broken browser is an error, so that
# CI (scripts/test.sh) can never pass without running them.
SKIP_ENV = "HTAG_SKIP_BROWSER"
SKIP_REASON = f"{SKIP_ENV}=1: the browser tests are skipped" if os.environ.get(SKIP_ENV) == "1" else None
MISSING = None
if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
    MISSING = (
        f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium; {SKIP_ENV}=1 skips them)"
    )
else:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        MISSING = f"browser tests need the Python package playwright (pip install playwright; {SKIP_ENV}=1 skips them)"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "app(name, **options): the app (tests/browser/apps.py) the `page` fixture serves"
    )


def pytest_collection_modifyitems(config, items):
    if SKIP_REASON is None:
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if Path(str(item.fspath)).resolve().parent == HERE:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# -------------------------------------------------------------------------------------------- servers --
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`WebApp(apps.<app>, secret_key=SECRET, **options).run(port=P, server="granian")` in a subprocess."""

    def __init__(self, app: str, log: Path, port: int | None = None, **options):
        self.app, self.options, self.log = app, options, log
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.records_file = log.with_suffix(".records")
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        code = (
            f"import sys; sys.path.insert(0, {str(HERE)!r}); import apps; from htag import WebApp; "
            f"WebApp(apps.{self.app}, secret_key={SECRET!r}, **{self.options!r})"
            f".run(port={self.port}, open_browser=False, server='granian')"
        )
        with open(self.log, "a") as out:
            out.write(f"---- start {self.app} {self.options} on {self.port}\n")
            out.flush()
            # its own process group: Granian's worker is a child process, and kill() must take it too
            env = dict(os.environ, HTAG_TEST_LOG=str(self.records_file))
            self.proc = subprocess.Popen(
                [sys.executable, "-c", code],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                # a static route: creates no session
                if httpx.get(self.url + "/favicon.ico", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server {self.app} did not start:\n{self.tail()}")

    def stop(self, grace: float = 5.0) -> bool:
        """Ctrl+C (Granian's graceful stop); killed after `grace` seconds. True when it stopped by itself."""
        graceful = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                graceful = False
        self.kill()
        return graceful

    def kill(self) -> None:
        """SIGKILL to the whole process group (the server crashes, its worker with it)."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        self.proc = None

    def restart(self) -> None:
        """Killed, then started again on the same port with the same secret key."""
        self.kill()
        self.start()

    def records(self) -> list[str]:
        """Lines the apps wrote with `apps._record` (what ran in Python)."""
        return self.records_file.read_text().splitlines() if self.records_file.exists() else []

    def wait_records(self, predicate, timeout: float = 10.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            lines = self.records()
            if predicate(lines) or time.monotonic() > deadline:
                return lines
            time.sleep(0.02)

    def tail(self, n: int = 60) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(lines[-n:])


class Servers:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.cache: dict[tuple, Server] = {}
        self.all: list[Server] = []

    def __call__(self, app: str = "Counter", **options) -> Server:
        key = (app, tuple(sorted(options.items())))
        if key not in self.cache:
            self.cache[key] = self.fresh(app, **options)
        return self.cache[key]

    def fresh(self, app: str = "Counter", port: int | None = None, **options) -> Server:
        server = Server(app, self.tmp / f"{app}-{len(self.all)}.log", port=port, **options)
        self.all.append(server)
        return server

    def stop(self) -> None:
        for server in self.all:
            server.stop()


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    pool = Servers(tmp_path_factory.mktemp("servers"))
    yield pool
    pool.stop()


@pytest.fixture
def server(request, servers) -> Server:
    marker = request.node.get_closest_marker("app")
    if marker is None:
        return servers("Counter")
    return servers(*marker.args, **marker.kwargs)


@pytest.fixture(autouse=True)
def _server_logs_on_failure(request, servers):
    yield
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        for s in servers.all:
            sys.stderr.write(f"\n==== server log {s.log.name}\n{s.tail()}\n")


# ------------------------------------------------------------------------------------------- browser --
# Records every frame the page receives, whatever the transport, in window.__htag_frames.
FRAME_SPY = """
(() => {
  const log = window.__htag_frames = [];
  const rec = (data) => {
    try { log.push(typeof data === 'string' ? JSON.parse(data) : data); } catch (e) { log.push({ raw: String(data) }); }
  };
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...args) { super(...args); this.addEventListener('message', (e) => rec(e.data)); }
  };
  const ES = window.EventSource;
  window.EventSource = class extends ES {
    constructor(...args) { super(...args); this.addEventListener('message', (e) => rec(e.data)); }
  };
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    return fetch0.apply(this, arguments).then((r) => {
      if (/\\/event(\\?|$)/.test(String(input))) {
        r.clone().text().then((t) => {
          try { (JSON.parse(t).payloads || []).forEach(rec); } catch (e) { /* not JSON */ }
        });
      }
      return r;
    });
  };
})();
"""

# Connected is enough: the page is current (a WS/SSE connection from a current page gets no
# body again), and anything the server sends from then on arrives as frames.
CONNECTED = "() => window.htag && window.htag.mode && window.htag.mode !== 'connecting'"


# Module scope, not session: while sync_playwright() runs, its event loop is the running loop of
# this thread, and the other test folders call asyncio.run().
@pytest.fixture(scope="module")
def playwright_instance():
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)
    if MISSING:
        pytest.fail(MISSING, pytrace=False)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright_instance):
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


def wait_connected(page, timeout: float = TIMEOUT_MS) -> None:
    page.wait_for_function(CONNECTED, timeout=timeout)


@pytest.fixture
def open_page(browser):
    contexts = []
    pages = []

    def open_(server: Server, path: str = "/", mode: str | None = None, viewport=None):
        context = browser.new_context(viewport=viewport or VIEWPORT)
        contexts.append(context)
        if mode is not None:
            context.add_cookies([{"name": "htag_mode", "value": mode, "url": server.url}])
        context.add_init_script(FRAME_SPY)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.page_errors = []
        page.console_lines = []
        page.on("pageerror", lambda e: page.page_errors.append(str(e)))
        page.on("console", lambda m: page.console_lines.append(f"{m.type}: {m.text}"))
        pages.append(page)
        page.goto(server.url + path)
        wait_connected(page)
        return page

    yield open_
    errors = [e for p in pages for e in p.page_errors]
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def page(server, open_page):
    return open_page(server)
