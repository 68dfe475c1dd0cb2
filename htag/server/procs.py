"""Several htag processes on one machine: `htag run --procs N`.

Sessions live in memory, so one process serves from one core, and Granian's `workers=N`
cannot help (a page and its WebSocket would reach different workers). Instead the
supervisor starts N ordinary single-worker htag processes, one per loopback port, behind a
balancer that keeps each browser on one of them (`htag nginx-conf`, docs/deployment.md).

They share one session secret: `HTAG_SECRET_KEY`, or one the supervisor makes once, given
to the children through their environment (never on a command line: `ps` shows those to
every user). A child that exits unexpectedly is logged and restarted, after a delay that
doubles while it keeps failing; SIGTERM or SIGINT to the supervisor stops every child
gracefully (SIGINT: Granian finishes its open responses), then exits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("htag")

SECRET_ENV = "HTAG_SECRET_KEY"
FIRST_DELAY = 0.5  # seconds before the first restart of a crashed child; doubled up to MAX_DELAY
MAX_DELAY = 30.0
STABLE_AFTER = 10.0  # a child that ran this long is healthy again: its next restart is quick
STOP_GRACE = 30.0  # seconds a child has to stop gracefully before it is killed


@dataclass
class Child:
    """One supervised process: its command and port, and how it has fared."""

    index: int
    port: int
    command: list[str]
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    restarts: int = field(default=0)

    @property
    def name(self) -> str:
        return f"process {self.index} (port {self.port})"


def shared_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The children's environment: the supervisor's, with one session secret for all."""
    env = dict(os.environ if base is None else base)
    env.pop("HTAG_PROCS", None)  # each child is one process
    if not env.get(SECRET_ENV):
        logger.warning(
            "no secret key (env %s): one was made for these processes; sessions will not survive "
            "a restart of the supervisor",
            SECRET_ENV,
        )
        env[SECRET_ENV] = secrets.token_urlsafe(32)
    return env


def restart_delay(failures: int) -> float:
    """How long to wait before restarting a child that failed `failures` times in a row."""
    return min(MAX_DELAY, FIRST_DELAY * 2 ** max(0, failures - 1))


class Supervisor:
    """Runs `commands` (one per port), restarts those that exit, stops them all on a signal."""

    def __init__(self, commands: Sequence[tuple[int, list[str]]], env: dict[str, str]) -> None:
        self.children = [Child(i, port, cmd) for i, (port, cmd) in enumerate(commands, 1)]
        self.env = env
        self.stopping = False

    def start(self, child: Child) -> None:
        child.proc = subprocess.Popen(
            child.command,
            env=self.env,
            # a process group of its own: a Ctrl+C in the terminal reaches the supervisor only,
            # which stops the children once, in order
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
        child.started = time.monotonic()
        child.restart_at = None
        logger.info("%s started: pid %d", child.name, child.proc.pid)

    def check(self, child: Child, now: float) -> None:
        """Restarts `child` if it exited (after its delay)."""
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.restarts += 1
                self.start(child)
            return
        if child.proc is None or (status := child.proc.poll()) is None:
            return
        child.failures = 1 if now - child.started >= STABLE_AFTER else child.failures + 1
        delay = restart_delay(child.failures)
        logger.warning(
            "%s (pid %d) exited with status %s: restarting in %.1f s",
            child.name,
            child.proc.pid,
            status,
            delay,
        )
        child.restart_at = now + delay

    def stop_signal(self, signum: int, _frame: Any) -> None:
        if not self.stopping:
            logger.info("%s: stopping %d processes", signal.Signals(signum).name, len(self.children))
        self.stopping = True

    def run(self, poll: float = 0.2) -> int:
        """Starts every child and supervises them until SIGTERM or SIGINT; 0 when all stopped."""
        previous = {sig: signal.signal(sig, self.stop_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for child in self.children:
                self.start(child)
            while not self.stopping:
                time.sleep(poll)
                now = time.monotonic()
                for child in self.children:
                    if not self.stopping:
                        self.check(child, now)
        finally:
            self.stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def stop_all(self, grace: float = STOP_GRACE) -> None:
        """SIGINT to every child (a graceful stop), then SIGKILL to those still running after `grace`."""
        alive = [c.proc for c in self.children if c.proc is not None and c.proc.poll() is None]
        for proc in alive:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + grace
        for proc in alive:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("pid %d did not stop within %g s: killed", proc.pid, grace)
                proc.kill()
                proc.wait()
        logger.info("all processes stopped")


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if the supervisor dies without stopping it (SIGKILL, a crash)."""
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def process_count(value: str) -> int:
    """`--procs`: a positive number, or `auto` (the CPU count)."""
    if value == "auto":
        return os.cpu_count() or 1
    count = int(value)
    if count < 1:
        raise ValueError("the number of processes must be at least 1")
    return count


def serve_processes(host: str, port: int, count: int, command_for: Callable[[int], list[str]]) -> int:
    """Runs `command_for(p)` for p in port..port+count-1, supervised; returns the exit status
    (1 when one of the ports is taken: nothing is started)."""
    from .ports import PortInUseError, ensure_port_free

    ports = list(range(port, port + count))
    try:
        for p in ports:
            ensure_port_free(host, p)
    except PortInUseError as e:
        print(f"htag: error: {e}", file=sys.stderr)
        return 1
    supervisor = Supervisor([(p, command_for(p)) for p in ports], shared_environment())
    print(
        f"htag: {count} processes on ports {ports[0]}..{ports[-1]} (supervisor pid {os.getpid()})", flush=True
    )
    return supervisor.run()
