"""`htag run module:App`: serves an App, as `WebApp(App).run()` does, configured from the
command line or the environment (the secret only from the environment: a command line is
visible to every user of the machine)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from . import target

HELP = "serve an App (module:App or file.py:App) on Granian or uvicorn"
DESCRIPTION = """\
Serves an App class (one instance per browser session), an App instance (shared) or a
WebApp. Every option also reads an environment variable, for containers and services;
the command line wins. The session secret is read from HTAG_SECRET_KEY only (set it in
production: without it sessions do not survive a restart). A port that is already taken
is refused (exit status 1)."""
EPILOG = """\
examples:
  htag run app:App                      http://127.0.0.1:8000/
  htag run app.py:App --dev             development: debug overlay, reload on change
  HTAG_SECRET_KEY=... htag run app:App --host 0.0.0.0 --port 8080 --hosts app.example.com
  HTAG_SECRET_KEY=... htag run app:App --procs auto --port 8001
                                        one process per core on 8001, 8002...: put
                                        `htag nginx-conf` in front (docs/deployment.md)
  kill -HUP <supervisor pid>            rolling restart of those processes, one at a time,
                                        each drained first (docs/scaling.md)
  kill -USR1 <pid>                      one process: drain it, then it stops
"""


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "run",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", metavar="module:App", help="what to serve: module:App or path/to/file.py:App")
    add_server_options(p, open_browser=False)
    p.add_argument(
        "--procs",
        default=os.environ.get("HTAG_PROCS"),
        metavar="N|auto",
        help="run N single-worker processes on ports PORT..PORT+N-1, supervised, sharing one secret "
        "(auto: one per CPU); a balancer with affinity goes in front ($HTAG_PROCS; one process)",
    )
    p.add_argument(
        "--drain-timeout",
        type=float,
        default=os.environ.get("HTAG_DRAIN_TIMEOUT", "30"),
        metavar="SECONDS",
        help="on a drain (a rolling restart: SIGHUP to the supervisor of --procs; one process: SIGUSR1), "
        "how long the sessions go on before their pages reload onto another process "
        "($HTAG_DRAIN_TIMEOUT; 30)",
    )
    p.set_defaults(command=command)


def add_server_options(p: argparse.ArgumentParser, open_browser: bool) -> None:
    """The options of `run()`, each also read from the environment (shared with the
    executables `htag build` makes)."""
    env = os.environ.get
    p.add_argument(
        "--host", default=env("HTAG_HOST", "127.0.0.1"), help="address to bind ($HTAG_HOST; 127.0.0.1)"
    )
    p.add_argument(
        "--port",
        type=int,
        default=env("HTAG_PORT", "8000"),
        help="port; 0 picks a free one ($HTAG_PORT; 8000)",
    )
    p.add_argument(
        "--server",
        choices=("granian", "uvicorn"),
        default=env("HTAG_SERVER", "granian"),
        help="the ASGI server ($HTAG_SERVER; granian)",
    )
    p.add_argument(
        "--reload",
        action="store_true",
        default=_flag("HTAG_RELOAD"),
        help="restart when a .py file under the current folder changes ($HTAG_RELOAD=1)",
    )
    p.add_argument(
        "--debug",
        action="store_true",
        default=None,
        help="send error details and tracebacks to the browser ($HTAG_DEBUG=1; development only)",
    )
    p.add_argument("--dev", action="store_true", help="development mode: --debug --reload")
    p.add_argument(
        "--open",
        action=argparse.BooleanOptionalAction,
        default=open_browser,
        help=f"open the page in a browser ({'on' if open_browser else 'off'} by default)",
    )
    p.add_argument(
        "--hosts",
        default=env("HTAG_HOSTS"),
        help="comma-separated Host names to answer to ($HTAG_HOSTS; on a loopback address: loopback names)",
    )
    p.add_argument(
        "--forwarded-allow-ips",
        default=env("HTAG_FORWARDED_ALLOW_IPS"),
        help="proxies whose X-Forwarded-* headers are believed: addresses, networks or * "
        "($HTAG_FORWARDED_ALLOW_IPS; none)",
    )
    p.add_argument(
        "--log-level",
        default=env("HTAG_LOG_LEVEL", "info"),
        choices=("debug", "info", "warning", "error"),
        help="htag's log level on stderr ($HTAG_LOG_LEVEL; info)",
    )


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def command(args: argparse.Namespace) -> int:
    obj = target.load(args.target)  # a wrong target is refused here, before any process starts
    if args.procs is not None:
        return serve_processes(args)
    return serve(obj, args)


def serve_processes(args: argparse.Namespace) -> int:
    """`--procs N`: N supervised `htag run` processes, one per port (htag/server/procs.py)."""
    from htag.server import procs
    from htag.server.logs import show_logs

    try:
        count = procs.process_count(args.procs)
    except ValueError:
        print(
            f"htag: error: --procs takes a number of processes (1 or more) or auto, not {args.procs!r}",
            file=sys.stderr,
        )
        return 2
    if args.reload or args.dev or args.open:
        print(
            "htag: error: --procs serves production processes: no --reload, --dev or --open", file=sys.stderr
        )
        return 2
    if args.port == 0:
        print("htag: error: --procs needs a --port (the first of N consecutive ports)", file=sys.stderr)
        return 2

    def command_for(port: int) -> list[str]:
        cmd = [sys.executable, "-m", "htag", "run", args.target, "--host", args.host, "--port", str(port)]
        cmd += ["--server", args.server, "--log-level", args.log_level, "--no-open"]
        cmd += ["--drain-timeout", str(args.drain_timeout)]
        if args.debug:
            cmd.append("--debug")
        if args.hosts:
            cmd += ["--hosts", args.hosts]
        if args.forwarded_allow_ips:
            cmd += ["--forwarded-allow-ips", args.forwarded_allow_ips]
        return cmd

    show_logs(args.log_level.upper())
    return procs.serve_processes(args.host, args.port, count, command_for, args.drain_timeout)


def serve(obj: Any, args: argparse.Namespace) -> int:
    """Serves `obj` (an App class, an App or a WebApp) with the options in `args`; 1 when
    the port is taken."""
    from htag.server import WebApp
    from htag.server.ports import PortInUseError

    webapp = obj if isinstance(obj, WebApp) else WebApp(obj)
    if getattr(args, "drain_timeout", None) is not None:  # `htag run` has it, executables do not
        webapp.drain_timeout = args.drain_timeout
    if args.hosts:
        webapp.hosts = [h.strip().lower() for h in args.hosts.split(",") if h.strip()]
    debug = True if (args.debug or args.dev) else None  # None: WebApp's own ($HTAG_DEBUG)
    try:
        webapp.run(
            args.host,
            args.port,
            server=args.server,
            reload=args.reload or args.dev,
            open_browser=args.open,
            debug=debug,
            log_level=args.log_level.upper(),
            forwarded_allow_ips=args.forwarded_allow_ips,
        )
    except PortInUseError as e:
        print(f"htag: error: {e}", file=sys.stderr)
        return 1
    return 0


def run_executable(obj: Any, name: str) -> int:
    """The entry point of an executable made by `htag build`: `obj` served with the options
    of `htag run` (the browser opens by default: the executable is double-clicked)."""
    p = argparse.ArgumentParser(prog=name, description=f"{name}: an htag app. Serves it and opens it.")
    add_server_options(p, open_browser=True)
    return serve(obj, p.parse_args())
