"""`ChromeApp`: an htag App in its own Chromium/Chrome window, like a desktop app.

`ChromeApp(App, width=800, height=600).run()` serves the App on a free loopback port
(Granian by default, through `WebApp.run`), opens it with `--app=URL` (a window
without tabs nor address bar) in a temporary browser profile, and returns once that
window is closed, after the server has stopped cleanly (so `on_destroy` runs).

Why these choices:
- a fresh profile (`--user-data-dir`) makes the window its own browser process, even
  when the user's browser is already running: the process ends exactly when the window
  closes, which is how we know to stop. It is deleted afterwards.
- the server must run in the main thread (Granian installs its signal handlers there
  and supervises its worker from it), so a helper thread waits for the port, starts
  the browser, waits for it to exit, then interrupts the main thread (SIGINT), which
  is the server's own graceful stop.

Environment variables:
- `HTAG_CHROMEAPP_BROWSER`: the browser to use (a path or a command name), instead of
  looking for one.
- `HTAG_CHROMEAPP_EXTRA_ARGS`: more browser flags, split like a shell would (for
  instance `"--headless=new --no-sandbox --disable-gpu"` to run without a display,
  as the tests do).
"""

from __future__ import annotations

import logging
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import HtagError
from ..server.serve import RELOAD_CHILD, free_port

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..core.app import App

logger = logging.getLogger("htag")

BROWSER_ENV = "HTAG_CHROMEAPP_BROWSER"
EXTRA_ARGS_ENV = "HTAG_CHROMEAPP_EXTRA_ARGS"
# reload mode: the supervisor (which owns the window) tells its server children the port
PORT_ENV = "HTAG_CHROMEAPP_PORT"

PROFILE_PREFIX = "htag-chromeapp-"
READY_TIMEOUT = 30.0  # seconds for the server to accept connections
EARLY_EXIT = 5.0  # a browser failing within this time did not start: an error, not a close
# exit codes of a window closed by the user or by a signal asking it to stop (a crash,
# like Chromium's abort on a too long $TMPDIR, is none of these)
_CLOSED = {0} | {
    -getattr(signal, n) for n in ("SIGTERM", "SIGINT", "SIGKILL", "SIGHUP") if hasattr(signal, n)
}

_POSIX_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
    "microsoft-edge-stable",
    "brave-browser",
)
_MACOS_APPS = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    "/Applications/Brave Browser.app/Contents/MacOS/Brave Browser",
)


class BrowserNotFoundError(HtagError, RuntimeError):
    """No Chromium-based browser could be found to open the App's window."""


def _windows_candidates() -> list[str]:
    roots = [os.environ.get(v, "") for v in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")]
    tails = [
        ("Google", "Chrome", "Application", "chrome.exe"),
        ("Chromium", "Application", "chrome.exe"),
        ("Microsoft", "Edge", "Application", "msedge.exe"),
        ("BraveSoftware", "Brave-Browser", "Application", "brave.exe"),
    ]
    return [os.path.join(root, *tail) for tail in tails for root in roots if root]


def find_browser(browser: str | None = None) -> str:
    """The path of a Chromium-based browser: `browser` (a path or command name) or
    `$HTAG_CHROMEAPP_BROWSER` if given, else the first one installed."""
    wanted = browser or os.environ.get(BROWSER_ENV)
    if wanted:
        found = shutil.which(wanted) or (wanted if os.path.isfile(wanted) else None)
        if found is None:
            raise BrowserNotFoundError(f"browser {wanted!r} not found (from the argument or ${BROWSER_ENV})")
        return found
    tried: list[str] = []
    if sys.platform == "win32":
        candidates = _windows_candidates()
    else:
        candidates = list(_POSIX_NAMES) + (list(_MACOS_APPS) if sys.platform == "darwin" else [])
    for candidate in candidates:
        tried.append(candidate)
        path = shutil.which(candidate) if os.path.basename(candidate) == candidate else candidate
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise BrowserNotFoundError(
        "ChromeApp needs a Chromium-based browser (Chromium, Chrome, Edge or Brave) and found none "
        f"(tried: {', '.join(tried)}). Install one (e.g. `apt install chromium`), or set "
        f"${BROWSER_ENV} to its path, or serve the App with WebApp(App).run() instead."
    )


def default_server() -> str:
    """Granian where it starts its worker by forking; else uvicorn when installed.

    `htag.serve` hands the WebApp to Granian's worker with a loader closure, which only
    a forked worker can receive: under the `spawn` start method (macOS, Windows, and
    Linux from Python 3.14) Granian fails to pickle it. uvicorn runs in-process."""
    import multiprocessing

    if multiprocessing.get_start_method() == "fork":
        return "granian"
    try:
        import uvicorn  # noqa: F401
    except ImportError:
        logger.warning(
            "ChromeApp: Granian cannot start its worker with the %r start method and uvicorn is "
            "not installed (pip install uvicorn)",
            multiprocessing.get_start_method(),
        )
        return "granian"
    logger.info("ChromeApp: serving with uvicorn (Granian needs the fork start method)")
    return "uvicorn"


def _interrupt_main() -> None:
    """Asks the main thread to stop serving, as Ctrl+C would."""
    if sys.platform == "win32":
        signal.raise_signal(signal.SIGINT)  # also wakes the main thread's waits on Windows
    else:
        # aimed at the main thread: only its waits are interrupted by a signal
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)  # type: ignore[arg-type]


def _wait_for_port(host: str, port: int, stop: threading.Event, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


class _Window:
    """The browser process showing the App, and its temporary profile."""

    def __init__(self, browser: str, url: str, width: int, height: int, extra: list[str]) -> None:
        self.profile = tempfile.mkdtemp(prefix=PROFILE_PREFIX)
        self.command = [
            browser,
            f"--app={url}",
            f"--window-size={int(width)},{int(height)}",
            f"--user-data-dir={self.profile}",
            "--no-first-run",
            "--no-default-browser-check",
            *extra,
        ]
        self.proc: subprocess.Popen[bytes] | None = None
        self.failure: str | None = None  # set when the browser could not start
        self.closed = False  # the window was closed: we stopped the server for it
        self.serving = True
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._log = Path(self.profile) / "htag-browser.log"

    def watch(self, host: str, port: int) -> None:
        """Starts the browser once the server answers; stops the server when it exits."""
        threading.Thread(target=self._run, args=(host, port), name="htag-chromeapp", daemon=True).start()

    def _run(self, host: str, port: int) -> None:
        if not _wait_for_port(host, port, self._stop, READY_TIMEOUT):
            if not self._stop.is_set():
                self._fail(
                    f"the server did not accept connections on {host}:{port} within {READY_TIMEOUT:g} s"
                )
            return
        error = None
        with self._lock:  # close() cannot run between this check and the launch
            if not self.serving:
                return
            try:
                with open(self._log, "wb") as log:
                    self.proc = subprocess.Popen(
                        self.command,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        # its own session: a Ctrl+C in the terminal stops us, and we close it
                        start_new_session=sys.platform != "win32",
                    )
            except OSError as e:
                error = f"could not start {self.command[0]}: {e}"
        if self.proc is None:
            self._fail(error or "the browser did not start")
            return
        started = time.monotonic()
        logger.info("ChromeApp: %s started (pid %d)", self.command[0], self.proc.pid)
        code = self.proc.wait()
        if code not in _CLOSED and time.monotonic() - started < EARLY_EXIT:
            how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
            self._fail(f"{self.command[0]} {how} right after starting:\n{self._log_tail()}")
            return
        logger.info("ChromeApp: the window was closed (exit code %d): stopping", code)
        with self._lock:
            if self.serving:
                self.closed = True
                _interrupt_main()

    def _fail(self, message: str) -> None:
        logger.error("ChromeApp: %s", message)
        with self._lock:
            self.failure = message
            if self.serving:
                self.closed = True
                _interrupt_main()

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self._log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no browser output)"

    def close(self) -> None:
        """After serving: closes the browser if still open and deletes the profile."""
        with self._lock:
            self.serving = False
            proc = self.proc
        self._stop.set()
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        # the browser's helper processes may still be writing in it for a moment
        for _ in range(20):
            shutil.rmtree(self.profile, ignore_errors=True)
            if not os.path.exists(self.profile):
                break
            time.sleep(0.1)


class ChromeApp:
    """Runs an App in a Chromium/Chrome app window, and exits when it is closed.

    `app`: an App class (one instance per session, as `WebApp`) or an App instance.
    `kiosk=False` serves without opening a window (as htag 2 did). `browser`: a path
    or command name instead of looking for one. Other keyword arguments go to `WebApp`
    (`on_instance`, `parano`, `secret_key`, ...).
    """

    def __init__(
        self,
        app: type[App] | App,
        kiosk: bool = True,
        width: int = 800,
        height: int = 600,
        debug: bool | None = None,
        *,
        browser: str | None = None,
        on_instance: Callable[..., Any] | None = None,
        **webapp_options: Any,
    ) -> None:
        self.app = app
        self.kiosk = kiosk
        self.width = width
        self.height = height
        self.debug = debug
        self.browser = browser
        self.on_instance = on_instance
        self.webapp_options = webapp_options

    def run(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        reload: bool = False,
        *,
        server: str | None = None,
        **server_options: Any,
    ) -> None:
        """Serves the App (`port=0`: a free port), opens the window and blocks until it is
        closed; the server then stops gracefully. `reload=True`: the server restarts on
        `.py` changes and the window reloads itself. `server`: "granian" or "uvicorn"
        (default: see `default_server`). Other options go to `WebApp.run`."""
        from ..server.webapp import SECRET_ENV, WebApp

        options = dict(self.webapp_options)
        # a desktop window needs no session surviving a restart: no warning about it
        options.setdefault("secret_key", os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32))
        webapp = WebApp(self.app, on_instance=self.on_instance, debug=self.debug, **options)
        server_options.update(open_browser=False, reload=reload, server=server or default_server())
        if server_options["server"] == "granian":
            # one user: nothing to gain from Granian's multi-threaded runtime, and its shutdown
            # with a WebSocket open has panicked there (Granian issues #799, #884: mt mode only)
            server_options.setdefault("runtime_mode", "st")

        if reload and os.environ.get(RELOAD_CHILD) == "1":
            # a server child of the reload supervisor: the supervisor owns the window
            webapp.run(host, int(os.environ.get(PORT_ENV, port)), **server_options)
            return

        window = None
        if self.kiosk:
            browser = find_browser(self.browser)  # fail before serving anything
            if port == 0:
                port = free_port(host)
            if reload:
                os.environ[PORT_ENV] = str(port)
            url = f"http://{host if ':' not in host else f'[{host}]'}:{port}/"
            extra = shlex.split(os.environ.get(EXTRA_ARGS_ENV, ""), posix=sys.platform != "win32")
            window = _Window(browser, url, self.width, self.height, extra)
            window.watch(host, port)
        try:
            webapp.run(host, port, **server_options)
        except KeyboardInterrupt:
            # the SIGINT we sent, if it came before the server took the signals (run() returns otherwise)
            if window is None or not window.closed:
                raise
        finally:
            if window is not None:
                window.close()
        if window is not None and window.failure:
            raise RuntimeError(f"ChromeApp: {window.failure}")


__all__ = ["BrowserNotFoundError", "ChromeApp", "default_server", "find_browser"]
