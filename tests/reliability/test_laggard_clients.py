"""Clients that do not read what the server sends: memory stays bounded, the server closes them with a
close code, and other sessions do not notice."""

from __future__ import annotations

import asyncio

import load
import promises
import pytest

FLOOD = 3_000  # frames of 16 KiB (48 MiB) asked for: far more than TCP buffers and the outbox hold
DEADLINE_S = 15.0  # the server's send timeout (10 s) and a margin


def test_a_stalled_client_is_closed_with_a_code(serve):
    server = serve()
    result = asyncio.run(load.laggard(server, FLOOD, None, DEADLINE_S))
    assert promises.laggard(result, DEADLINE_S, server) == []


def test_a_slow_client_is_closed_with_a_code(serve):
    server = serve()
    result = asyncio.run(load.laggard(server, FLOOD, 0.02, DEADLINE_S))
    assert promises.laggard(result, DEADLINE_S, server) == []


@pytest.mark.stress
def test_stalled_clients_one_after_another(serve):
    server = serve()
    for _ in range(5):
        result = asyncio.run(load.laggard(server, FLOOD, None, DEADLINE_S))
        assert promises.laggard(result, DEADLINE_S, server) == []
