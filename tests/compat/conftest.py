"""Real servers for the compat tests: tests/server/conftest.py's `Server` and scripted
`Browser`, serving the apps of tests/compat/apps.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _server_helpers():
    # a private copy of tests/server/conftest.py, pointed at this directory's apps.py
    spec = importlib.util.spec_from_file_location(
        "_compat_server_helpers", HERE.parent / "server" / "conftest.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.HERE = HERE
    return module


helpers = _server_helpers()


@pytest.fixture
def opened(tmp_path):
    """`opened(app, **options)`: a started server and a scripted browser that loaded its page."""
    started = []

    def start(app: str, **options):
        server = helpers.Server(app, "granian", tmp_path / f"server{len(started)}.log", **options)
        client = helpers.Browser(server.url)
        started.append((server, client))
        client.load()
        return server, client

    yield start
    for server, client in started:
        client.http.close()
        server.stop()
