"""A fresh server per test (its log in the test's tmp_path), stopped at the end."""

from __future__ import annotations

import pytest
import support


@pytest.fixture
def serve(tmp_path):
    started = []

    def start(**options):
        server = support.start_server(tmp_path, f"server{len(started)}", **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
