"""Serves one benchmark workload with ours or upstream htag 2.0.28 (whichever this interpreter imports).

    <our python>      benches/htag_server.py --impl ours --app counter --server granian --port 8123
    <upstream python> benches/htag_server.py --impl upstream --app bigtable --port 8124

The workloads come unchanged from `benches/workloads/` (public API only). Each side is started the
way its users start it:

- ours: `WebApp(App, secret_key=..., debug=False).run(host, port, open_browser=False, server=...)`,
  Granian (default) or uvicorn. The per-connection event flood guard (`event_rate`/`event_burst`,
  100/s by default) is lifted: a closed click loop from one socket is far above any human rate
  and would otherwise be refused after the first 200 clicks.
- upstream: `WebApp(App, debug=False).run(host, port, open_browser=False, exit_on_disconnect=False)`,
  i.e. uvicorn with its default logging. `exit_on_disconnect` is on by default upstream and would
  end the process when the benchmark closes the sessions of one phase.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

BENCHES = Path(__file__).resolve().parent
APPS = {
    "counter": ("workloads.counter_app", "Counter"),
    "bigtable": ("workloads.bigtable_app", "BigTable"),
    "statics": ("workloads.statics_app", "StaticsHeavy"),  # benches/statics.py
    "report": ("workloads.report_app", "Report"),  # benches/scale_out.py
}
SECRET = "server-side-benchmark-secret"
NO_FLOOD_GUARD = 1e9


def load_app(name: str) -> type:
    """The workload's App class, built on whichever htag this interpreter imports."""
    import importlib

    if str(BENCHES) not in sys.path:  # run as a script, sys.path[0] is already benches/
        sys.path.append(str(BENCHES))
    module_name, class_name = APPS[name]
    return getattr(importlib.import_module(module_name), class_name)


def ours_webapp(app: type) -> Any:
    from htag import WebApp

    return WebApp(app, secret_key=SECRET, debug=False, event_rate=NO_FLOOD_GUARD, event_burst=NO_FLOOD_GUARD)


def serve_ours(app: type, host: str, port: int, server: str) -> None:
    ours_webapp(app).run(host, port, open_browser=False, server=server)


def __getattr__(name: str) -> Any:
    """`htag run benches/htag_server.py:counter`: a workload as ours, the flood guard lifted, for
    `htag run --procs` (benches/scale_out.py)."""
    if name in APPS:
        return ours_webapp(load_app(name))
    raise AttributeError(name)


def serve_upstream(app: type, host: str, port: int) -> None:
    from htag import WebApp

    WebApp(app, debug=False).run(host, port, open_browser=False, exit_on_disconnect=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", choices=("ours", "upstream"), required=True)
    parser.add_argument("--app", choices=sorted(APPS), required=True)
    parser.add_argument("--server", choices=("granian", "uvicorn"), default="granian")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = load_app(args.app)
    if args.impl == "ours":
        serve_ours(app, args.host, args.port, args.server)
    elif args.server != "uvicorn":
        parser.error("upstream htag 2.0.28 runs on uvicorn only")
    else:
        serve_upstream(app, args.host, args.port)


if __name__ == "__main__":
    main()
