"""What the scale tests share: the real things on loopback (`htag run --procs N`, nginx from
`htag nginx-conf`, redis-server), installed when missing.

nginx (`nginx-light`) and redis-server are installed from apt when missing; a machine that cannot
install them fails these tests, unless HTAG_SKIP_SCALE=1 skips them explicitly (as
HTAG_SKIP_BROWSER does for the browser tests).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.append(str(TESTS))

from harness import wait_for  # noqa: F401 - for the tests
from server.conftest import free_port, free_ports  # noqa: F401 - tests/server/conftest.py, for the fixtures

APPS = TESTS / "server" / "apps.py"
SECRET = "scale-test-secret-" + "k" * 24


def installed(binary: str, package: str) -> str:
    """The path of `binary`, installed from apt (`package`) when missing; fails when it cannot be
    installed, skips when HTAG_SKIP_SCALE=1."""
    if os.environ.get("HTAG_SKIP_SCALE") == "1":
        pytest.skip("HTAG_SKIP_SCALE=1: the scale tests (nginx, Redis, htag processes) are skipped")
    candidates = (shutil.which(binary), f"/usr/sbin/{binary}", f"/usr/bin/{binary}")
    found = next((p for p in candidates if p and os.access(p, os.X_OK)), None)
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        done = subprocess.run(sudo + command, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            pytest.fail(
                f"{binary} is missing and `{' '.join(command)}` failed ({done.stderr.strip()[:300]}): "
                f"install {package}, or set HTAG_SKIP_SCALE=1 to skip these tests"
            )
    found = next((p for p in candidates[1:] if os.access(p, os.X_OK)), shutil.which(binary))
    assert found, f"{package} installed but no {binary} found"
    return found


def nginx_binary() -> str:
    return installed("nginx", "nginx-light")


def health(url: str) -> dict | None:
    try:
        response = httpx.get(url + "/_htag/health", timeout=2)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


@dataclass
class Cluster:
    """N htag processes (`htag run --procs N`) behind nginx (`htag nginx-conf`)."""

    url: str  # nginx
    ports: list[int]  # the htag processes
    supervisor: subprocess.Popen[bytes]
    log: Path
    nginx: list[str]  # the command that runs nginx with the generated file
    nginx_dir: Path
    out: list = field(default_factory=list)

    def process_url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}"

    def healths(self) -> list[dict | None]:
        return [health(self.process_url(p)) for p in self.ports]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
