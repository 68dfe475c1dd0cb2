"""Many sessions at once, and sessions that come and go, on a real server with its default settings.

Bounded runs here; `pytest -m stress` runs 2,000 concurrent sessions and 20,000 churned ones.
"""

from __future__ import annotations

import asyncio

import load
import pytest
import support


def check_concurrent(server, sessions: int, seconds: float) -> load.ConcurrentResult:
    result = asyncio.run(load.concurrent_sessions(server.url, sessions, seconds))
    assert result.errors == [], (len(result.errors), result.errors[:5])
    assert result.clicks >= sessions  # every session was answered
    assert result.p99_ms is not None and result.p99_ms < 2_000  # loose: a loaded 2-core machine
    assert support.internal_errors(server) == []
    return result


def test_200_concurrent_sessions_click_without_an_error(serve):
    check_concurrent(serve(), 200, 3.0)


@pytest.mark.stress
def test_2000_concurrent_sessions_click_without_an_error(serve):
    check_concurrent(serve(), 2_000, 10.0)


def check_churn(server, rounds: int, per_round: int, warm_rounds: int, limit_mib: float) -> load.ChurnResult:
    result = asyncio.run(load.churn(server, rounds, per_round))
    assert result.errors == [], result.errors[:5]
    # once the session cap is reached, sessions that leave must give their memory back: the RSS stops
    # growing with the number of sessions ever created
    growth = result.growth_mib(warm_rounds)
    assert growth < limit_mib, (
        f"{growth:.1f} MiB more after the warm-up: {[round(x, 1) for x in result.rss_mib]}"
    )
    return result


def test_churned_sessions_leave_the_memory_flat(serve):
    # a cap of 40 live sessions (the default is 1,000): 800 sessions come and go, 20 times the cap
    check_churn(serve(max_sessions=40), rounds=20, per_round=40, warm_rounds=5, limit_mib=4)


@pytest.mark.stress
def test_churned_sessions_leave_the_memory_flat_long(serve):
    # default settings (cap 1,000): 20,000 sessions come and go
    check_churn(serve(), rounds=50, per_round=400, warm_rounds=5, limit_mib=16)
