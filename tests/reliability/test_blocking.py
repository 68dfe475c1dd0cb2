"""A sync callback that blocks (a slow database call, `time.sleep`) must not hold up other sessions."""

from __future__ import annotations

import asyncio

import load
import pytest
import support


def check_blocking(server, others: int, block_s: float) -> load.BlockingResult:
    result = asyncio.run(load.blocking_callback(server.url, others, block_s))
    assert result.errors == [], result.errors[:5]
    # the others go on clicking at their usual pace while the callback sleeps
    assert result.during_p99_ms is not None and result.during_p99_ms < 500, result
    assert result.during_clicks >= others * 2
    # and the blocked session is answered (its result, or an error if its callback timed out)
    assert result.blocked_reply in ("update", "error")
    assert support.internal_errors(server) == []
    return result


def test_a_blocking_callback_does_not_delay_other_sessions(serve):
    check_blocking(serve(), others=20, block_s=2.0)


@pytest.mark.stress
def test_a_blocking_callback_does_not_delay_other_sessions_long(serve):
    check_blocking(serve(), others=200, block_s=5.0)
