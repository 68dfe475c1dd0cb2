"""Many sessions at once, and sessions that come and go, on a real server with its default settings.

Bounded runs here; `pytest -m stress` runs 2,000 concurrent sessions and 20,000 churned ones.
"""

from __future__ import annotations

import asyncio

import load
import promises
import pytest


def test_200_concurrent_sessions_click_without_an_error(serve):
    server = serve()
    result = asyncio.run(load.concurrent_sessions(server.url, 200, seconds=3))
    assert promises.concurrent(result, server) == []


@pytest.mark.stress
def test_2000_concurrent_sessions_click_without_an_error(serve):
    server = serve()
    result = asyncio.run(load.concurrent_sessions(server.url, load.LONG_SESSIONS, seconds=10))
    assert promises.concurrent(result, server) == []


def test_churned_sessions_leave_the_memory_flat(serve):
    # a cap of 40 live sessions (the default is 1,000): 1,600 sessions come and go, 40 times the cap; the
    # first half warms the allocators up (the RSS still moves by a few MiB until about 800)
    result = asyncio.run(load.churn(serve(max_sessions=40), rounds=40, per_round=40))
    assert promises.churn(result, warm_rounds=20, limit_mib=4) == []


@pytest.mark.stress
def test_churned_sessions_leave_the_memory_flat_long(serve):
    # default settings (a cap of 1,000): 20,000 sessions come and go
    result = asyncio.run(load.churn(serve(), rounds=50, per_round=400))
    assert promises.churn(result, warm_rounds=5, limit_mib=16) == []
