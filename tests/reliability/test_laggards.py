"""Clients that do not read what the server sends: memory stays bounded, the server closes them with a
close code, and other sessions do not notice."""

from __future__ import annotations

import asyncio

import load
import pytest
import support

FLOOD = 3_000  # frames of 16 KiB (48 MiB) asked for: far more than TCP buffers and the outbox hold
DEADLINE_S = 15.0  # the server's send timeout (10 s) and a margin


def check_laggard(server, read_every: float | None) -> load.LaggardResult:
    result = asyncio.run(load.laggard(server, FLOOD, read_every, DEADLINE_S))
    assert result.closed_after_s is not None, f"the server still holds the socket after {DEADLINE_S} s"
    assert result.close_code is not None and result.close_code != 1011, result  # a close frame, a code
    assert result.frames_read < FLOOD  # it did not get everything: it was let go
    assert result.rss_growth_mib < 64, result
    assert result.others_errors == []
    assert result.others_p99_ms is not None and result.others_p99_ms < 1_000, result
    assert support.internal_errors(server) == []
    return result


def test_a_stalled_client_is_closed_with_a_code(serve):
    check_laggard(serve(), read_every=None)


def test_a_slow_client_is_closed_with_a_code(serve):
    check_laggard(serve(), read_every=0.02)


@pytest.mark.stress
def test_stalled_clients_repeatedly(serve):
    server = serve()
    for _ in range(5):
        check_laggard(server, read_every=None)
