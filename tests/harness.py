"""What the tests that start real processes share: waiting for a condition with a deadline (never
a fixed sleep), stopping a server the way its user does (Ctrl+C), killed if it hangs, and an event
loop in a thread of its own (a server's, as far as the code under test can tell)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx

T = TypeVar("T")


def wait_for(
    condition: Callable[[], T],
    timeout: float = 15.0,
    what: str = "condition",
    log: Path | None = None,
    interval: float = 0.05,
) -> T:
    """Polls `condition()` until it returns something true, and returns it; fails after
    `timeout` seconds naming `what`, with the end of `log` when given."""
    deadline = time.monotonic() + timeout
    while True:
        if result := condition():
            return result
        if time.monotonic() > deadline:
            tail = "\n" + log.read_text()[-3000:] if log is not None and log.exists() else ""
            raise AssertionError(f"not done within {timeout} s: {what}{tail}")
        time.sleep(interval)


def interrupt(proc: subprocess.Popen, grace: float = 15.0, sig: int = signal.SIGINT) -> int:
    """Ctrl+C (or `sig`) to a still running process, SIGKILL after `grace` seconds; its exit code."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


def start_htag_run(*args: str, port: int, log: Path, env: dict | None = None) -> subprocess.Popen:
    """`htag run ARGS --port PORT` as its user types it, its output in `log`."""
    out = open(log, "w")
    return subprocess.Popen(
        [sys.executable, "-m", "htag", "run", *args, "--port", str(port)],
        stdout=out,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, **(env or {})),
    )


def start_script(script: Path, port: int, log: Path, env: dict | None = None) -> subprocess.Popen:
    """`python SCRIPT` as its docstring says, serving on $HTAG_PORT, its output in `log`."""
    out = open(log, "w")
    return subprocess.Popen(
        [sys.executable, str(script)],
        stdout=out,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, HTAG_PORT=str(port), **(env or {})),
    )


def wait_until_served(url: str, proc: subprocess.Popen, log: Path, deadline: float = 30) -> None:
    """Until `url` answers 200 (the page: a session is created), failing early if `proc` exits."""

    def served() -> bool:
        assert proc.poll() is None, "the server exited: " + log.read_text()
        try:
            return httpx.get(url + "/", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(served, deadline, f"{url} answering", log)


class LoopThread:
    """An event loop running in a thread of its own (a server's, as far as pubsub can tell)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, fn, *args):
        """Runs `fn(*args)` in the loop (inside a coroutine: the running loop is this one)."""

        async def inside():
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(inside(), self.loop).result(10)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
