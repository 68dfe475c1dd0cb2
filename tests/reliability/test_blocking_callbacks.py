"""A sync callback that blocks (a slow database call, `time.sleep`) must not hold up other sessions; the
blocked session is answered in the end."""

from __future__ import annotations

import asyncio

import load
import promises
import pytest


def test_a_blocking_callback_does_not_delay_other_sessions(serve):
    server = serve()
    result = asyncio.run(load.blocking_callback(server.url, others=20, block_s=2))
    assert promises.blocking(result, 20, server) == []


@pytest.mark.stress
def test_a_blocking_callback_does_not_delay_other_sessions_long(serve):
    server = serve()
    result = asyncio.run(load.blocking_callback(server.url, others=load.LONG_BLOCKED_OTHERS, block_s=5))
    assert promises.blocking(result, load.LONG_BLOCKED_OTHERS, server) == []
