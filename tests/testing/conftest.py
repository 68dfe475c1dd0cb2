import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest
from server.conftest import Server  # the server tests' Granian launcher

APPS = Path(__file__).resolve().parent / "testing_apps.py"


@pytest.fixture
def served(tmp_path):
    """Serves a class of testing_apps.py on Granian on a free loopback port (as users do)."""
    servers = []

    def start(app: str, **options) -> Server:
        server = Server(app, "granian", tmp_path / f"server{len(servers)}.log", apps_module=APPS, **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
