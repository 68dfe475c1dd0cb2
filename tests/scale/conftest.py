"""Fixtures of the scale tests: a cluster (`htag run --procs N` behind nginx) and a redis-server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from scale_support import (
    APPS,
    SECRET,
    Cluster,
    alive,
    free_port,
    free_ports,
    health,
    installed,
    nginx_binary,
    wait_for,
)


@pytest.fixture
def cluster(tmp_path):
    started: list[Cluster] = []

    def start(
        procs: int = 3, target: str = f"{APPS}:Counter", env: dict | None = None, args: tuple[str, ...] = ()
    ) -> Cluster:
        binary = nginx_binary()
        first = free_ports(procs)
        ports = list(range(first, first + procs))
        log = tmp_path / "procs.log"
        out = open(log, "w")
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "htag", "run", target, "--procs", str(procs), "--port", str(first), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, HTAG_SECRET_KEY=SECRET, **(env or {})),
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
                wait_for(lambda pid=pid: not alive(pid), 20, "nginx stops")
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


class RedisServer:
    """A redis-server of its own on a free loopback port, nothing saved to disk; `stop()` and
    `start()` again on the same port (a Redis restart)."""

    def __init__(self, tmp_path) -> None:
        self.binary = installed("redis-server", "redis-server")
        self.port = free_port()
        self.dir = tmp_path
        self.log = tmp_path / "redis.log"
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        import redis

        with open(self.log, "a") as out:
            self.process = subprocess.Popen(
                [
                    self.binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ]
                + ["--dir", str(self.dir)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        client = redis.Redis.from_url(self.url, socket_timeout=2)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        try:
            wait_for(answers, 30, "redis-server answers", self.log)
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(20)
            self.process = None


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server):
    """A redis-server of its own (see `RedisServer`); its URL."""
    return redis_server.url
