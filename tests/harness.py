"""What the tests that start real processes share: waiting for a condition with a deadline (never
a fixed sleep), and stopping a server the way its user does (Ctrl+C), killed if it hangs."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

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
