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

SIGHUP to the supervisor restarts the children one at a time without dropping the users that can
be kept (`RollingRestart`): a child drains (no new session; its sessions go on until none is
connected or the drain timeout has passed, then reload onto another process), exits, and its
replacement starts on the same port; the next child drains once the replacement is ready.
"""

from __future__ import annotations

import contextlib
import http.client
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

from .ports import PortInUseError, ensure_port_free
from .serve import DRAIN_SIGNAL, HANDOVER_ENV, HANDOVER_S

logger = logging.getLogger("htag")

SECRET_ENV = "HTAG_SECRET_KEY"
FIRST_DELAY = 0.5  # seconds before the first restart of a crashed child; doubled up to MAX_DELAY
MAX_DELAY = 30.0
STABLE_AFTER = 10.0  # a child that ran this long is healthy again: its next restart is quick
STOP_GRACE = 30.0  # seconds a child has to stop gracefully before it is killed
READY_TIMEOUT = 60.0  # seconds a replacement has to be ready before a rolling restart gives up


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

    def __init__(
        self,
        commands: Sequence[tuple[int, list[str]]],
        env: dict[str, str],
        host: str = "127.0.0.1",
        drain_timeout: float = 30.0,
    ) -> None:
        self.children = [Child(i, port, cmd) for i, (port, cmd) in enumerate(commands, 1)]
        self.env = env
        self.host = host
        self.drain_timeout = drain_timeout
        self.stopping = False
        self.restart_asked = False
        self.rolling: RollingRestart | None = None

    def start(self, child: Child) -> None:
        env = self.env
        if child.proc is not None and len(self.children) > 1:  # a replacement: see HANDOVER_ENV
            env = {**env, HANDOVER_ENV: str(HANDOVER_S)}
        child.proc = subprocess.Popen(
            child.command,
            env=env,
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

    def restart_signal(self, signum: int, _frame: Any) -> None:
        logger.info(
            "%s: rolling restart of %d processes%s",
            signal.Signals(signum).name,
            len(self.children),
            " (after the one under way)" if self.rolling is not None else "",
        )
        self.restart_asked = True

    def run(self, poll: float = 0.2) -> int:
        """Starts every child and supervises them until SIGTERM or SIGINT (SIGHUP: a rolling
        restart); 0 when all stopped."""
        handlers = {signal.SIGTERM: self.stop_signal, signal.SIGINT: self.stop_signal}
        if hasattr(signal, "SIGHUP"):
            handlers[signal.SIGHUP] = self.restart_signal
        previous = {sig: signal.signal(sig, handler) for sig, handler in handlers.items()}
        try:
            for child in self.children:
                self.start(child)
            while not self.stopping:
                time.sleep(poll)
                now = time.monotonic()
                if self.rolling is None and self.restart_asked:
                    self.restart_asked = False
                    self.rolling = RollingRestart(self)
                if self.rolling is not None and self.rolling.step(now):
                    self.rolling = None
                for child in self.children:
                    if not self.stopping and (self.rolling is None or not self.rolling.draining(child)):
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


class RollingRestart:
    """A restart of the supervisor's children, one at a time, that keeps the users who can be kept.

    A child drains (DRAIN_SIGNAL to its process group reaches its server's worker: `WebApp.drain`):
    new pages get 503, which the balancer (`htag nginx-conf`: `proxy_next_upstream ... http_503`)
    retries on the next process, while its sessions go on until none is connected or the drain
    timeout has passed; then their pages reload (close code 1012) onto another process, and the
    child exits by itself. Its replacement starts on the same port (nginx's upstream list is fixed)
    once the old one has released it, and the next child drains only once the replacement answers
    `/_htag/health?ready`: new pages always have somewhere to go. A replacement that is not ready
    within READY_TIMEOUT stops the rolling restart (new code that fails must not take every process
    down); a child still running DRAIN + STOP_GRACE seconds after its drain began is killed, and a
    child still starting (restarted after a crash) is drained only once it serves (until then its
    server would ignore the signal)."""

    def __init__(self, supervisor: Supervisor) -> None:
        self.supervisor = supervisor
        self.waiting = list(supervisor.children)
        self.current: Child | None = None
        self.drained = False  # the current child has exited: its replacement is starting
        self.deadline = 0.0

    def draining(self, child: Child) -> bool:
        """Whether `child` is draining (its exit is expected, not a crash to restart)."""
        return child is self.current and not self.drained

    def step(self, now: float) -> bool:
        """Moves the restart on; True once every child is replaced (or it gave up)."""
        if self.current is None:
            return self.next_child(now)
        child = self.current
        if not self.drained:
            assert child.proc is not None
            if child.proc.poll() is None:
                if now > self.deadline:
                    logger.warning(
                        "%s (pid %d) did not stop after its drain: killed", child.name, child.proc.pid
                    )
                    _signal_group(child.proc, signal.SIGKILL)
                    self.deadline = now + STOP_GRACE
                return False
            if not self.port_free(child) and now <= self.deadline:
                return False  # its last connections are closing (past the deadline: the new
                # process refuses a port still taken, and is restarted as after a crash)
            self.drained = True
            self.deadline = now + READY_TIMEOUT
            child.restarts += 1
            child.failures = 0
            self.supervisor.start(child)
            return False
        if answers_ready(self.supervisor.host, child.port):
            logger.info("%s replaced: pid %d", child.name, child.proc.pid if child.proc else 0)
            self.current = None
            return self.next_child(now)
        if now > self.deadline:
            logger.error(
                "rolling restart stopped: %s not ready within %g s after its restart; the %d "
                "processes after it were left running",
                child.name,
                READY_TIMEOUT,
                len(self.waiting),
            )
            return True
        return False

    def next_child(self, now: float) -> bool:
        while self.waiting:
            child = self.waiting[0]
            if child.proc is None or child.proc.poll() is not None:
                self.waiting.pop(0)
                continue  # down already: the supervisor restarts it as it does after a crash
            serving = health_status(self.supervisor.host, child.port) is not None
            if not serving and now - child.started < READY_TIMEOUT:
                return False  # still starting (a crash's restart): it would ignore the drain signal
            self.waiting.pop(0)
            logger.info(
                "%s (pid %d) draining (at most %g s)",
                child.name,
                child.proc.pid,
                self.supervisor.drain_timeout,
            )
            assert DRAIN_SIGNAL is not None  # POSIX, as SIGHUP is
            _signal_group(child.proc, DRAIN_SIGNAL)
            self.current, self.drained = child, False
            self.deadline = now + self.supervisor.drain_timeout + STOP_GRACE
            return False
        logger.info("rolling restart done")
        return True

    def port_free(self, child: Child) -> bool:
        try:
            ensure_port_free(self.supervisor.host, child.port)
        except PortInUseError:
            return False
        return True


def answers_ready(host: str, port: int) -> bool:
    """Whether the htag process on `port` serves and takes new sessions: its `/_htag/health?ready`
    answers, and not 503 (a 400 is a Host outside `--hosts`: it serves, it is ready)."""
    status = health_status(host, port)
    return status is not None and status < 500


def health_status(host: str, port: int, timeout: float = 1.0) -> int | None:
    """The status of `/_htag/health?ready` on `port`; None when nothing answers (yet)."""
    address = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    connection = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        connection.request("GET", "/_htag/health?ready", headers={"Host": f"{address}:{port}"})
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    """`signum` to the child's process group (it leads one: `start_new_session`), its server's
    worker included."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signum)


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


def serve_processes(
    host: str, port: int, count: int, command_for: Callable[[int], list[str]], drain_timeout: float = 30.0
) -> int:
    """Runs `command_for(p)` for p in port..port+count-1, supervised; returns the exit status
    (1 when one of the ports is taken: nothing is started). SIGHUP: a rolling restart, each
    process drained for at most `drain_timeout` seconds."""
    ports = list(range(port, port + count))
    try:
        for p in ports:
            ensure_port_free(host, p)
    except PortInUseError as e:
        print(f"htag: error: {e}", file=sys.stderr)
        return 1
    supervisor = Supervisor([(p, command_for(p)) for p in ports], shared_environment(), host, drain_timeout)
    print(
        f"htag: {count} processes on ports {ports[0]}..{ports[-1]} (supervisor pid {os.getpid()}; "
        f"rolling restart: kill -HUP {os.getpid()})",
        flush=True,
    )
    return supervisor.run()
