"""SIGTERM (or Ctrl+C's SIGINT) while sessions are clicking: the server stops and exits 0, every session's
WebSocket gets a close frame with 1001 (going away), and every session's `on_destroy` runs, async ones
included. Granian's worker used to panic while it stopped with WebSockets open and die before the
lifespan's end: no `on_destroy` at all in about 40% of runs (docs/reliability.md)."""

from __future__ import annotations

import asyncio
import signal

import load
import promises
import pytest


@pytest.mark.parametrize(
    ("server", "signum", "app"),
    [
        ("granian", signal.SIGTERM, "Workload"),
        ("granian", signal.SIGINT, "Workload"),
        ("granian", signal.SIGTERM, "AsyncWorkload"),
        ("uvicorn", signal.SIGTERM, "Workload"),
        ("uvicorn", signal.SIGINT, "AsyncWorkload"),
    ],
    ids=[
        "granian-SIGTERM",
        "granian-SIGINT",
        "granian-async-on_destroy",
        "uvicorn-SIGTERM",
        "uvicorn-SIGINT-async",
    ],
)
def test_sigterm_under_load_runs_every_on_destroy(serve, server, signum, app):
    started = serve(server=server, app=app)
    result = asyncio.run(load.sigterm_under_load(started, 50, promises.EXIT_S, signum))
    assert promises.sigterm(result, started) == []


@pytest.mark.stress
@pytest.mark.parametrize("run", range(10))
def test_sigterm_under_load_runs_every_on_destroy_long(serve, run):
    server = serve()
    result = asyncio.run(load.sigterm_under_load(server, 500, promises.EXIT_S))
    assert promises.sigterm(result, server) == []
