"""SIGTERM while sessions are clicking: the server stops, and every session's `on_destroy` runs."""

from __future__ import annotations

import asyncio

import load
import pytest


def check_sigterm(server, sessions: int) -> load.SigtermResult:
    result = asyncio.run(load.sigterm_under_load(server, sessions, deadline_s=30))
    assert result.opened == sessions
    assert result.exit_s is not None, "the server did not stop within 30 s of SIGTERM"
    assert result.exit_code == 0
    assert result.destroyed == sessions, result
    return result


def test_sigterm_under_load_runs_every_on_destroy(serve):
    check_sigterm(serve(), 50)


@pytest.mark.stress
@pytest.mark.parametrize("run", range(10))
def test_sigterm_under_load_runs_every_on_destroy_long(serve, run):
    check_sigterm(serve(), 500)
