"""`htag run --procs N`: N supervised single-worker processes on consecutive ports, one secret,
restarted when they crash, stopped together. Real processes, real signals."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest
from harness import wait_for
from server.conftest import free_ports  # tests/ is on sys.path (tests/conftest.py)

from htag.server.procs import MAX_DELAY, restart_delay

APPS = Path(__file__).resolve().parent / "apps.py"


def health(port: int) -> dict | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/_htag/health", timeout=2).json()
    except httpx.HTTPError:
        return None


class Procs:
    """`htag run tests/server/apps.py:Counter --procs N --port P` as a subprocess."""

    def __init__(self, tmp_path: Path, count: int, env: dict | None = None, from_env: bool = False):
        self.port = free_ports(count)
        self.ports = list(range(self.port, self.port + count))
        self.log = tmp_path / "procs.log"
        self.out = open(self.log, "w")
        # without HTAG_SECRET_KEY unless given: the supervisor makes one
        env = {k: v for k, v in os.environ.items() if k != "HTAG_SECRET_KEY"} | (env or {})
        if from_env:
            env["HTAG_PROCS"] = str(count)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "htag", "run", f"{APPS}:Counter", "--port", str(self.port)]
            + ([] if from_env else ["--procs", str(count)]),
            stdout=self.out,
            stderr=subprocess.STDOUT,
            env=env,
        )

    def serving(self, timeout: float = 60) -> list[dict]:
        return wait_for(
            lambda: all(h := [health(p) for p in self.ports]) and h,
            timeout,
            "every process serves",
            self.log,
        )

    def children(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                for child in self.children():
                    child.kill()
                self.proc.kill()
        self.out.close()
        return self.proc.wait()


@pytest.fixture
def procs(tmp_path):
    started = []

    def start(count: int, env: dict | None = None, from_env: bool = False) -> Procs:
        p = Procs(tmp_path, count, env, from_env)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


def test_procs_serve_consecutive_ports_with_one_secret_never_on_a_command_line(procs):
    run = procs(2)
    states = run.serving()
    assert len({h["pid"] for h in states}) == 2  # two processes, each its own
    secrets = set()
    for child in run.children():
        environ = Path(f"/proc/{child.pid}/environ").read_bytes().split(b"\0")
        secret = next(v for v in environ if v.startswith(b"HTAG_SECRET_KEY="))
        secrets.add(secret)
        assert secret.split(b"=", 1)[1] not in Path(f"/proc/{child.pid}/cmdline").read_bytes()
    assert len(secrets) == 1 and len(next(iter(secrets))) > len("HTAG_SECRET_KEY=") + 30
    assert "no secret key (env HTAG_SECRET_KEY): one was made for these processes" in run.log.read_text()
    # a page and a click on each process
    for port in run.ports:
        page = httpx.get(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200 and 'id="count"' in page.text


def test_a_given_secret_is_the_one_every_process_uses_and_htag_procs_is_read(procs):
    run = procs(2, env={"HTAG_SECRET_KEY": "s" * 40}, from_env=True)  # $HTAG_PROCS, not --procs
    run.serving()
    assert len(run.children()) == 4  # two processes and their workers: the children did not recurse
    for child in run.children():
        environ = Path(f"/proc/{child.pid}/environ").read_bytes().split(b"\0")
        assert b"HTAG_SECRET_KEY=" + b"s" * 40 in environ
    assert "no secret key" not in run.log.read_text()


def test_a_crashed_process_is_logged_and_restarted_the_others_untouched(procs):
    run = procs(2)
    first, second = run.serving()
    os.kill(second["pid"], signal.SIGKILL)  # the worker serving port+1 dies
    restarted = wait_for(
        lambda: (h := health(run.ports[1])) and h["pid"] != second["pid"] and h,
        60,
        "the crashed process is restarted",
        run.log,
    )
    assert restarted["uptime_s"] < 60
    assert health(run.ports[0])["pid"] == first["pid"]  # the other one never stopped
    text = run.log.read_text()
    assert f"process 2 (port {run.ports[1]})" in text and "exited with status" in text
    assert "restarting in 0.5 s" in text


def test_sigterm_to_the_supervisor_stops_every_process(procs):
    run = procs(2)
    run.serving()
    children = run.children()
    assert len(children) >= 4  # two Granian main processes, each with its worker
    assert run.stop() == 0
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive
    assert "all processes stopped" in run.log.read_text()
    assert "Traceback" not in run.log.read_text()


def test_busy_port_and_bad_counts_are_refused_before_anything_starts(tmp_path):
    first = free_ports(2)
    port = first + 1
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        command = [
            sys.executable,
            "-m",
            "htag",
            "run",
            f"{APPS}:Counter",
            "--port",
            str(first),
            "--procs",
            "2",
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "started: pid" not in done.stderr
    for bad in ("0", "many"):
        command = [sys.executable, "-m", "htag", "run", f"{APPS}:Counter", "--procs", bad]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 2 and "--procs takes a number of processes" in done.stderr
    command = [sys.executable, "-m", "htag", "run", f"{APPS}:Counter", "--procs", "2", "--dev"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "no --reload, --dev or --open" in done.stderr


def test_restart_delay_doubles_up_to_a_ceiling():
    assert [restart_delay(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert restart_delay(50) == MAX_DELAY
