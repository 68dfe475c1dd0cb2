"""The real things on loopback: `htag run --procs N` and nginx from `htag nginx-conf`.

nginx is installed from apt (`nginx-light`) when missing; a machine that cannot install it
fails these tests, unless HTAG_SKIP_SCALE=1 skips them explicitly (as HTAG_SKIP_BROWSER does
for the browser tests).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.append(str(TESTS))

from server.conftest import free_port, free_ports  # tests/server/conftest.py

APPS = TESTS / "server" / "apps.py"
SECRET = "scale-test-secret-" + "k" * 24


def nginx_binary() -> str:
    if os.environ.get("HTAG_SKIP_SCALE") == "1":
        pytest.skip("HTAG_SKIP_SCALE=1: the scale tests (nginx in front of htag processes) are skipped")
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "nginx-light"]):
        done = subprocess.run(sudo + command, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            pytest.fail(
                f"nginx is missing and `{' '.join(command)}` failed ({done.stderr.strip()[:300]}): "
                "install nginx-light, or set HTAG_SKIP_SCALE=1 to skip these tests"
            )
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    assert os.access(found, os.X_OK), "nginx-light installed but no nginx binary found"
    return found


def wait_for(condition, timeout: float, what: str, log: Path | None = None):
    """Polls `condition()` until it returns something true; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise AssertionError(
        f"not done within {timeout} s: {what}" + ("\n" + log.read_text()[-3000:] if log else "")
    )


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


@pytest.fixture
def cluster(tmp_path):
    started: list[Cluster] = []

    def start(procs: int = 3) -> Cluster:
        binary = nginx_binary()
        first = free_ports(procs)
        ports = list(range(first, first + procs))
        log = tmp_path / "procs.log"
        out = open(log, "w")
        supervisor = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "htag",
                "run",
                f"{APPS}:Counter",
                "--procs",
                str(procs),
                "--port",
                str(first),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, HTAG_SECRET_KEY=SECRET),
        )
        listen = free_port()
        prefix = tmp_path / "nginx"
        prefix.mkdir()
        conf = prefix / "htag.conf"
        generated = subprocess.run(
            [sys.executable, "-m", "htag", "nginx-conf", "--procs", str(procs), "--port", str(first)]
            + ["--listen", f"127.0.0.1:{listen}"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        conf.write_text(generated.stdout)
        nginx = [binary, "-p", str(prefix), "-c", str(conf)]
        run = Cluster(f"http://127.0.0.1:{listen}", ports, supervisor, log, nginx, prefix, [out])
        started.append(run)
        wait_for(lambda: all(run.healths()), 60, "every htag process serves", log)
        done = subprocess.run(nginx, capture_output=True, text=True, timeout=60, check=False)  # as it is
        assert done.returncode == 0, done.stderr
        wait_for(lambda: health(run.url), 30, "nginx serves", prefix / "error.log")
        return run

    yield start
    for run in started:
        pid_file = run.nginx_dir / "nginx.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text())
            subprocess.run([*run.nginx, "-s", "quit"], capture_output=True, timeout=30, check=False)
            try:
                wait_for(lambda pid=pid: not _alive(pid), 20, "nginx stops")
            except AssertionError:
                os.kill(pid, signal.SIGKILL)
        if run.supervisor.poll() is None:
            run.supervisor.send_signal(signal.SIGTERM)
            try:
                run.supervisor.wait(40)
            except subprocess.TimeoutExpired:
                run.supervisor.kill()
        for f in run.out:
            f.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
