"""HTAG_API.md, "Runners and hosting": `ChromeApp(App).run()` opens a Chromium app window
and exits, after a clean server stop (`on_destroy` runs), once the window is closed.

A script runs `ChromeApp(App).run()` in a subprocess with headless flags given through
`HTAG_CHROMEAPP_EXTRA_ARGS`; closing the window is simulated by terminating the browser
process (found by its temporary profile, created under the script's `TMPDIR`).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from harness import wait_for

CHROMIUM = "/usr/bin/chromium"
HEADLESS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking"


# skipped only when asked: a missing Chromium is an error (see tests/browser/conftest.py)
def needs_chromium(test):
    test = pytest.mark.usefixtures("_chromium_is_there")(test)
    return pytest.mark.skipif(
        os.environ.get("HTAG_SKIP_BROWSER") == "1",
        reason="HTAG_SKIP_BROWSER=1: the browser tests are skipped",
    )(test)


@pytest.fixture
def _chromium_is_there():
    assert os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK), (
        f"ChromeApp tests need Chromium at {CHROMIUM} (apt-get install -y chromium; HTAG_SKIP_BROWSER=1 skips them)"
    )


linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="finds the browser through /proc"
)

SCRIPT = """
import os, sys
from htag import ChromeApp, Tag

def record(line):
    with open(os.environ["RECORD"], "a") as f:
        f.write(line + "\\n")

class Hello(Tag.App):
    def init(self):
        Tag.h1("hello")

    async def on_mount(self):  # runs once a client is connected
        record("connected")

    def on_destroy(self):
        record("destroyed")

if sys.argv[1] == "spawn":  # as on macOS and Windows
    import multiprocessing
    multiprocessing.set_start_method("spawn")
    ChromeApp(Hello, width=640, height=480).run()
else:
    ChromeApp(Hello, width=640, height=480).run(server=sys.argv[1])
record("returned")
"""


@pytest.fixture
def tmp_path():
    """A short temporary directory: Chromium aborts when $TMPDIR is long (its singleton
    socket path must fit in 108 bytes), and pytest's own tmp_path can be too long."""
    path = Path(tempfile.mkdtemp(prefix="htag-ca-", dir="/tmp" if os.path.isdir("/tmp") else None))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def start(tmp_path: Path, server: str = "granian", **env: str) -> subprocess.Popen[str]:
    script = tmp_path / "chromeapp_script.py"
    script.write_text(textwrap.dedent(SCRIPT))
    (tmp_path / "tmp").mkdir(exist_ok=True)
    full_env = dict(
        os.environ,
        RECORD=str(tmp_path / "record.txt"),
        TMPDIR=str(tmp_path / "tmp"),  # the temporary profile goes there
        HTAG_CHROMEAPP_EXTRA_ARGS=HEADLESS,
    )
    full_env.pop("HTAG_CHROMEAPP_BROWSER", None)
    full_env.update(env)
    return subprocess.Popen(
        [sys.executable, str(script), server],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def records(tmp_path: Path) -> list[str]:
    path = tmp_path / "record.txt"
    return path.read_text().splitlines() if path.exists() else []


def browser_pids(profile_root: Path) -> list[int]:
    """Browser processes started with a profile under `profile_root` (the main one has --app)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        flag = f"--user-data-dir={profile_root}/htag-chromeapp-".encode()
        if any(a.startswith(flag) for a in args) and any(a.startswith(b"--app=") for a in args):
            found.append(int(entry.name))
    return found


def wait_connected(tmp_path: Path, proc: subprocess.Popen[str]) -> None:
    """Until the app records its connection, failing early if the script ends."""

    def connected() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"the script ended early ({proc.returncode}):\n{proc.stdout.read()}")
        return "connected" in records(tmp_path)

    wait_for(connected, 30, "the window connected")


def finish(proc: subprocess.Popen[str], timeout: float) -> str:
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        raise AssertionError(f"the script did not exit within {timeout} s:\n{out}") from None
    return out


@needs_chromium
@linux_only
@pytest.mark.parametrize("server", ["granian", "uvicorn", "spawn"])
def test_closing_the_window_stops_the_server_and_destroys_the_session(tmp_path, server):
    proc = start(tmp_path, server)
    try:
        wait_connected(tmp_path, proc)
        profiles = list((tmp_path / "tmp").glob("htag-chromeapp-*"))
        assert len(profiles) == 1, "one temporary profile for the window"
        (pid,) = browser_pids(tmp_path / "tmp")
        args = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
        assert b"--window-size=640,480" in args and b"--no-first-run" in args
        assert b"--headless=new" in args, "HTAG_CHROMEAPP_EXTRA_ARGS are passed to the browser"
        url = next(a for a in args if a.startswith(b"--app="))[len("--app=") :].decode()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        closed = time.monotonic()
        os.kill(pid, signal.SIGTERM)  # what closing the window amounts to: the browser exits
        out = finish(proc, 15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert time.monotonic() - closed < 15
    assert proc.returncode == 0, out
    assert records(tmp_path) == ["connected", "destroyed", "returned"], out
    if server == "spawn":  # Granian cannot receive the app there: uvicorn is chosen
        assert "with uvicorn" in out, out
    assert not profiles[0].exists(), "the temporary profile is deleted"
    assert browser_pids(tmp_path / "tmp") == []


@needs_chromium
@linux_only
def test_ctrl_c_closes_the_window_too(tmp_path):
    proc = start(tmp_path)
    try:
        wait_connected(tmp_path, proc)
        assert len(browser_pids(tmp_path / "tmp")) == 1
        proc.send_signal(signal.SIGINT)  # Ctrl+C in the terminal (Granian's graceful stop)
        out = finish(proc, 15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, out
    assert records(tmp_path) == ["connected", "destroyed", "returned"], out
    deadline = time.monotonic() + 5
    while browser_pids(tmp_path / "tmp") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert browser_pids(tmp_path / "tmp") == [], "the window is closed with the server"
    assert list((tmp_path / "tmp").glob("htag-chromeapp-*")) == []


@linux_only
def test_no_browser_is_a_clear_error_before_serving(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = start(tmp_path, PATH=str(empty))
    out = finish(proc, 30)
    assert proc.returncode != 0
    assert "BrowserNotFoundError" in out and "HTAG_CHROMEAPP_BROWSER" in out, out
    assert "htag: serving" not in out, "nothing is served without a window to show it"
    assert records(tmp_path) == []


@linux_only
def test_a_browser_failing_to_start_is_reported(tmp_path):
    failing = tmp_path / "fake-browser"
    failing.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n")
    failing.chmod(0o755)
    proc = start(tmp_path, HTAG_CHROMEAPP_BROWSER=str(failing))
    out = finish(proc, 30)
    assert proc.returncode != 0
    assert "exited with code 3" in out and "cannot open display" in out, out
    assert list((tmp_path / "tmp").glob("htag-chromeapp-*")) == [], "the profile is deleted anyway"


@linux_only
def test_a_browser_that_cannot_be_executed_is_reported(tmp_path):
    not_executable = tmp_path / "not-a-browser"
    not_executable.write_text("")
    proc = start(tmp_path, HTAG_CHROMEAPP_BROWSER=str(not_executable))
    out = finish(proc, 30)
    assert proc.returncode != 0
    assert "could not start" in out and "Permission denied" in out, out


def test_find_browser_honours_an_explicit_choice(tmp_path, monkeypatch):
    from htag.runners import BrowserNotFoundError
    from htag.runners.chromeapp import find_browser

    monkeypatch.delenv("HTAG_CHROMEAPP_BROWSER", raising=False)
    with pytest.raises(BrowserNotFoundError, match="no-such-browser"):
        find_browser("no-such-browser")
    fake = tmp_path / "my-chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_browser(str(fake)) == str(fake)
    monkeypatch.setenv("HTAG_CHROMEAPP_BROWSER", str(fake))
    assert find_browser() == str(fake)
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    monkeypatch.delenv("HTAG_CHROMEAPP_BROWSER")
    if sys.platform.startswith("linux"):
        with pytest.raises(BrowserNotFoundError, match="Chromium"):
            find_browser()


def test_package_exports():
    import htag
    from htag.runners import ChromeApp

    assert htag.ChromeApp is ChromeApp
