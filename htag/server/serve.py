"""Starting a WebApp: Granian by default, uvicorn as the alternative.

One worker per process, always: sessions live in memory, and Granian's `workers=N`
shares one port, so a page and its WebSocket would land on different workers about
half the time. Scale with several processes behind a balancer that keeps affinity
(docs/deployment.md).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .logs import show_logs
from .ports import ensure_port_free
from .security import LOOPBACK_HOSTS, is_loopback

if TYPE_CHECKING:
    from .webapp import WebApp

logger = logging.getLogger("htag")

RELOAD_CHILD = "HTAG_RELOAD_CHILD"
# drains the process (`WebApp.drain`), then stops it: what `htag run --procs` sends for a rolling
# restart (POSIX only)
DRAIN_SIGNAL: signal.Signals | None = getattr(signal, "SIGUSR1", None)

# A process started in place of another (a crash, a rolling restart) refuses, for its first seconds,
# the WebSockets and streams of sessions it does not have, with the 503 a draining process answers: a
# page that another process served while this port was down (the balancer retried it there) then
# gets its socket retried there too, rather than told to reload by a process that never saw it
HANDOVER_ENV = "HTAG_HANDOVER_S"
HANDOVER_S = 6.0


def server_for(server: str | None, options: dict[str, Any]) -> str:
    """The server asked for; else uvicorn when an option is one only uvicorn knows
    (htag 2's `run(**kwargs)` went to uvicorn: `ssl_certfile`, `proxy_headers`...), else
    Granian."""
    if server is not None:
        return server
    if options:
        import inspect

        from granian import Granian

        try:
            import uvicorn
        except ImportError:  # not installed: Granian it is (and it names what it refuses)
            return "granian"

        granian = set(inspect.signature(Granian.__init__).parameters)
        only_uvicorn = set(inspect.signature(uvicorn.Config.__init__).parameters) - granian
        if any(name in only_uvicorn for name in options):
            logger.info("options for uvicorn (%s): serving with uvicorn", ", ".join(sorted(options)))
            return "uvicorn"
    return "granian"


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def run(
    webapp: WebApp,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    server: str | None = None,
    open_browser: bool = True,
    reload: bool = False,
    exit_on_disconnect: bool = False,
    workers: int = 1,
    debug: bool | None = None,
    log_level: int | str = logging.INFO,
    forwarded_allow_ips: str | list[str] | None = None,
    **server_options: Any,
) -> None:
    """Serves `webapp` (`WebApp(MyApp).run(...)` calls this); blocks until the server stops.

    - `host`, `port`: where to listen (default 127.0.0.1:8000); `port=0` picks a free
      port. A port already in use is refused at once with a clear error.
    - `server`: "granian" (default) or "uvicorn"; an option only uvicorn knows
      (`ssl_certfile`, `proxy_headers`...) picks uvicorn (see `server_for`); the other
      keyword options go to that server.
    - `open_browser=True`: opens the page in the default browser.
    - `reload=False`: `True` restarts the server when a `.py` file changes, and the
      page reloads itself (development).
    - `exit_on_disconnect=False`: `True` stops the server once the last tab is closed.
    - `debug`: `True` sends error details and tracebacks to the browser (development);
      default: the WebApp's (`WebApp(debug=...)`, else the HTAG_DEBUG environment
      variable, else False).
    - `log_level`: htag's log goes to stderr at this level unless the application set
      up logging itself (see `htag.server.logs`).
    - `forwarded_allow_ips`: the proxies (addresses, networks, `*`) whose
      X-Forwarded-For/-Proto are believed; none by default.
    - `workers` must stay 1: sessions live in memory; scale with processes
      (`htag run --procs N`, docs/deployment.md).

    Bound to a loopback address, only loopback Host names are served unless
    `WebApp(hosts=...)` says otherwise (docs/security.md)."""
    server = server_for(server, server_options)
    if workers != 1:
        raise ValueError(
            "htag keeps sessions in memory and needs one worker per process: run several "
            "processes behind a load balancer with session affinity instead (docs/deployment.md)"
        )
    if server not in ("granian", "uvicorn"):
        raise ValueError(f"server must be 'granian' or 'uvicorn', not {server!r}")
    if port != 0:  # before the reload supervisor too: it would wait for a fix forever
        ensure_port_free(host, port)
    if reload and os.environ.get(RELOAD_CHILD) != "1":
        _supervise_reload()
        return
    method = multiprocessing.get_start_method(allow_none=True) or multiprocessing.get_all_start_methods()[0]
    if server == "granian" and method != "fork":
        # the app object reaches Granian's worker only by forking (it is not picklable)
        logger.warning("Granian needs the 'fork' start method to serve an app object: using uvicorn")
        server = "uvicorn"
    show_logs(log_level)
    if webapp.hosts is None:
        if is_loopback(host):
            webapp.hosts = list(LOOPBACK_HOSTS)
        else:
            logger.warning(
                "no trusted hosts (WebApp(hosts=[...])): any Host header is served (docs/security.md)"
            )
    if debug is not None:
        webapp.debug = debug
    if webapp.debug:
        logger.warning("debug mode: error details and tracebacks are sent to browsers")
    webapp.dev_reload = reload
    if port == 0:
        port = free_port(host)
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}/"
    print(f"htag: serving {url} with {server}", flush=True)
    logger.info("serving %s with %s", url, server)
    if open_browser and not reload:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    webapp.exit_on_disconnect = exit_on_disconnect
    if server == "granian":
        _run_granian(webapp, host, port, forwarded_allow_ips, server_options)
    else:
        _run_uvicorn(webapp, host, port, forwarded_allow_ips, server_options)


def _run_granian(
    webapp: WebApp, host: str, port: int, proxies: str | list[str] | None, options: dict[str, Any]
) -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.utils.proxies import wrap_asgi_with_proxy_headers

    # the worker is a child of Granian's main process: ask the parent to stop gracefully
    webapp.stop_server = lambda: os.kill(os.getppid(), signal.SIGINT)
    options.setdefault("log_access", False)
    server = Granian(
        "htag:WebApp",  # unused: the loader below hands over the app object (fork start method)
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=1,
        websockets=True,
        **options,
    )
    app = webapp.app if proxies is None else wrap_asgi_with_proxy_headers(webapp.app, proxies)
    _close_sessions_before_granian_stops(webapp)
    if DRAIN_SIGNAL is not None:
        # Granian's main process would die of it: only its worker (which sets its own handler,
        # below) drains; a signal to the process group reaches both
        signal.signal(DRAIN_SIGNAL, signal.SIG_IGN)
    server.serve(target_loader=lambda *_: app)


def _close_sessions_before_granian_stops(webapp: WebApp) -> None:
    """On SIGINT/SIGTERM, Granian's worker stops serving, tears its Rust runtime down, then runs
    the lifespan's end (where sessions are destroyed). With WebSockets open, that teardown has
    panicked (Granian 2.7-2.8, `Cannot drop pointer into Python heap...`), and Granian aborts on
    a panic: no `on_destroy` ran, and the main process still exited 0. So, in the worker, htag
    takes the signals first: `webapp.close()` (close frames 1001, every `on_destroy`, bounded),
    and only then lets Granian stop.

    The hook is Granian's `granian._signals.set_loop_signals(loop)`, which its worker imports when
    it starts (the worker is forked from this process, so it inherits the wrapper): it sets the
    loop's signal handlers and returns the event that stops the worker. Without it (another
    Granian), the lifespan's end is all there is, and a warning says so."""
    try:
        from granian import _signals
    except ImportError:
        _signals = None
    granian_handlers = getattr(_signals, "set_loop_signals", None)
    # Granian's own, not the wrapper of an earlier run() in this process
    granian_handlers = getattr(granian_handlers, "granian_original", granian_handlers)
    if granian_handlers is None:
        logger.warning("this Granian has no set_loop_signals: sessions are closed only if its lifespan ends")
        return

    def set_loop_signals(loop: Any) -> Any:
        stop_worker = granian_handlers(loop)
        on_signal = _closing_first(webapp, loop, stop_worker.set)
        try:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, on_signal)
            if DRAIN_SIGNAL is not None:
                loop.add_signal_handler(DRAIN_SIGNAL, _draining_on_signal(webapp, loop))
        except (NotImplementedError, RuntimeError):  # no loop signal handlers here: Granian's stay
            logger.warning(
                "cannot handle signals in the event loop: sessions closed only if the lifespan ends"
            )
        return stop_worker

    set_loop_signals.granian_original = granian_handlers  # type: ignore[attr-defined]
    _signals.set_loop_signals = set_loop_signals


def _closing_first(webapp: WebApp, loop: Any, stop: Callable[[], Any]) -> Callable[[], None]:
    """A SIGINT/SIGTERM handler, called in `loop`'s thread: the first call closes the sessions
    (`WebApp.close`) then calls `stop()`, which stops the server; later calls do nothing (Ctrl+C
    reaches Granian's worker, then its main process sends SIGTERM)."""
    closing: list[asyncio.Task[None]] = []  # the loop keeps tasks only weakly

    async def close_then_stop() -> None:
        try:
            await webapp.close()
        except Exception:
            logger.exception("closing the sessions at shutdown failed")
        finally:
            stop()

    def on_signal() -> None:
        if not closing:
            closing.append(loop.create_task(close_then_stop()))

    return on_signal


def _draining_on_signal(webapp: WebApp, loop: Any) -> Callable[[], None]:
    """A DRAIN_SIGNAL handler, called in `loop`'s thread: the first call starts `webapp.drain()`
    (which stops the server when done); later calls do nothing."""
    draining: list[asyncio.Task[None]] = []  # the loop keeps tasks only weakly

    def on_signal() -> None:
        if not draining:
            draining.append(loop.create_task(webapp.drain()))

    return on_signal


def _run_uvicorn(
    webapp: WebApp, host: str, port: int, proxies: str | list[str] | None, options: dict[str, Any]
) -> None:
    import uvicorn

    options.setdefault("access_log", False)  # WebSocket URLs carry the session token
    # uvicorn believes 127.0.0.1 by default: htag believes no proxy unless told, on both servers
    options.setdefault("proxy_headers", proxies is not None)
    if proxies is not None:
        options.setdefault("forwarded_allow_ips", proxies)

    class Server(uvicorn.Server):
        """uvicorn, with htag's sessions closed first on SIGINT/SIGTERM (as with Granian: close frames
        1001 rather than uvicorn's 1012, and the same order), and a clean stop that returns (uvicorn
        raises the signal again once stopped: the process would die of it)."""

        on_signal: Callable[[], None] | None = None

        async def startup(self, sockets: Any = None) -> None:
            self.htag_loop = asyncio.get_running_loop()
            self.on_signal = _closing_first(webapp, self.htag_loop, stop)
            if DRAIN_SIGNAL is not None:
                self.htag_loop.add_signal_handler(DRAIN_SIGNAL, _draining_on_signal(webapp, self.htag_loop))
            await super().startup(sockets)

        def handle_exit(self, sig: int, frame: Any) -> None:  # a signal handler: in the loop's thread
            if self.should_exit or self.on_signal is None:  # again once closed (or before startup)
                self.force_exit |= self.should_exit and sig == signal.SIGINT
                self.should_exit = True
            else:
                self.htag_loop.call_soon_threadsafe(self.on_signal)

    config = uvicorn.Config(webapp.app, host=host, port=port, ws_max_size=webapp.max_message_size, **options)
    server = Server(config)

    def stop() -> None:
        server.should_exit = True

    webapp.stop_server = stop
    server.run()


def _supervise_reload() -> None:
    """Dev mode: runs the script in a child process and restarts it when a .py file changes."""
    roots = {Path(sys.argv[0]).resolve().parent, Path.cwd()}

    def snapshot() -> dict[Path, float]:
        files = {}
        for root in roots:
            for path in root.rglob("*.py"):
                if ".venv" in path.parts or "site-packages" in path.parts:
                    continue
                try:
                    files[path] = path.stat().st_mtime
                except OSError:
                    pass
        return files

    env = dict(os.environ, **{RELOAD_CHILD: "1"})
    while True:
        before = snapshot()
        # the command as typed, interpreter options and `-m module` included (`python -m htag run`)
        child = subprocess.Popen([sys.executable, *sys.orig_argv[1:]], env=env)
        try:
            while child.poll() is None and snapshot() == before:
                time.sleep(0.5)
        except KeyboardInterrupt:
            child.terminate()
            child.wait()
            return
        if child.poll() is None:
            print("htag: change detected, restarting", flush=True)
            child.terminate()
            child.wait()
        else:  # it crashed: wait for a fix before starting again
            while snapshot() == before:
                time.sleep(0.5)
