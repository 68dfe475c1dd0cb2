"""SIGTERM while sessions are clicking: the server stops, and every session's `on_destroy` runs."""

from __future__ import annotations

import asyncio

import load
import promises
import pytest


def test_sigterm_under_load_runs_every_on_destroy(serve):
    server = serve()
    result = asyncio.run(load.sigterm_under_load(server, 50, promises.EXIT_S))
    assert promises.sigterm(result, server) == []


@pytest.mark.stress
@pytest.mark.parametrize("run", range(10))
def test_sigterm_under_load_runs_every_on_destroy_long(serve, run):
    server = serve()
    result = asyncio.run(load.sigterm_under_load(server, 500, promises.EXIT_S))
    assert promises.sigterm(result, server) == []
