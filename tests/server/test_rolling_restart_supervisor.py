"""`RollingRestart` (htag/server/procs.py) with real child processes that stand in for htag ones: they
exit on the drain signal (as `WebApp.drain` ends), or ignore it (a stuck drain). Whether a replacement
is ready is the one thing decided by the test (`answers_ready`), so that the order of the steps,
the kill of a stuck process and the stop on a replacement that never gets ready are checked without
the minutes real ones would take; tests/scale/test_rolling_restart.py runs the real thing."""

from __future__ import annotations

import logging
import signal
import sys
import time

import pytest
from harness import wait_for
from server.conftest import free_ports  # tests/ is on sys.path (tests/conftest.py)

from htag.server import procs

DRAINS = "import signal, sys, time; signal.signal(signal.SIGUSR1, lambda *_: sys.exit(0)); time.sleep(120)"
STUCK = "import signal, time; signal.signal(signal.SIGUSR1, signal.SIG_IGN); time.sleep(120)"


@pytest.fixture
def supervisor(monkeypatch):
    made = []

    def make(code: str, count: int = 2, drain_timeout: float = 30.0) -> procs.Supervisor:
        first = free_ports(count)
        commands = [(port, [sys.executable, "-c", code]) for port in range(first, first + count)]
        made.append(procs.Supervisor(commands, {}, "127.0.0.1", drain_timeout))
        for child in made[-1].children:
            made[-1].start(child)
        for child in made[-1].children:  # a signal before the child set its handler would kill it
            wait_for(lambda pid=child.proc.pid: sets_usr1(pid), 30, "the child sets its SIGUSR1 handler")
        return made[-1]

    # the stand-ins serve no HTTP: they count as serving (a child that does not serve yet is not
    # drained: see the last test)
    monkeypatch.setattr(procs, "health_status", lambda host, port: 200)

    yield make
    for s in made:
        s.stop_all(grace=5)


def sets_usr1(pid: int) -> bool:
    """Whether process `pid` catches or ignores SIGUSR1 yet (Linux: /proc/PID/status)."""
    fields = dict(
        line.split(":", 1) for line in open(f"/proc/{pid}/status").read().splitlines() if ":" in line
    )
    bit = 1 << (signal.SIGUSR1 - 1)
    return bool((int(fields["SigCgt"], 16) | int(fields["SigIgn"], 16)) & bit)


def roll(supervisor: procs.Supervisor, timeout: float = 60) -> procs.RollingRestart:
    """Runs one rolling restart to its end, as the supervisor's loop does."""
    rolling = procs.RollingRestart(supervisor)
    deadline = time.monotonic() + timeout
    while not rolling.step(time.monotonic()):
        assert time.monotonic() < deadline, "the rolling restart did not end"
        time.sleep(0.05)
    return rolling


def test_each_child_is_drained_then_replaced_before_the_next_one_drains(supervisor, monkeypatch, caplog):
    sup = supervisor(DRAINS, count=3)
    old = [child.proc.pid for child in sup.children]
    asked: list[int] = []

    def ready(host: str, port: int) -> bool:
        asked.append(port)
        return True

    monkeypatch.setattr(procs, "answers_ready", ready)
    with caplog.at_level(logging.INFO, logger="htag"):
        roll(sup)
    assert [child.proc.pid for child in sup.children] != old
    assert all(child.proc.pid not in old and child.proc.poll() is None for child in sup.children)
    assert all(child.restarts == 1 for child in sup.children)
    assert asked == [child.port for child in sup.children]  # each replacement checked, in order
    steps = [
        r.getMessage() for r in caplog.records if "draining" in r.getMessage() or "replaced" in r.getMessage()
    ]
    assert [s.split(" (port")[0] + (" drains" if "draining" in s else " replaced") for s in steps] == [
        "process 1 drains",
        "process 1 replaced",
        "process 2 drains",
        "process 2 replaced",
        "process 3 drains",
        "process 3 replaced",
    ]
    assert "rolling restart done" in caplog.text


def test_a_replacement_that_never_gets_ready_stops_the_restart_the_others_keep_running(
    supervisor, monkeypatch, caplog
):
    sup = supervisor(DRAINS, count=3)
    old = [child.proc.pid for child in sup.children]
    monkeypatch.setattr(procs, "answers_ready", lambda host, port: False)
    monkeypatch.setattr(procs, "READY_TIMEOUT", 1.0)
    with caplog.at_level(logging.INFO, logger="htag"):
        roll(sup)
    first, *others = sup.children
    assert first.proc.pid != old[0] and first.restarts == 1  # drained and restarted, never ready
    assert [c.proc.pid for c in others] == old[1:] and all(c.proc.poll() is None for c in others)
    assert (
        "rolling restart stopped: process 1 (port" in caplog.text
        and "the 2 processes after it" in caplog.text
    )


def test_a_child_that_does_not_stop_after_its_drain_is_killed_then_replaced(supervisor, monkeypatch, caplog):
    sup = supervisor(STUCK, count=1, drain_timeout=0.2)
    old = sup.children[0].proc
    monkeypatch.setattr(procs, "STOP_GRACE", 0.5)
    monkeypatch.setattr(procs, "answers_ready", lambda host, port: True)
    with caplog.at_level(logging.INFO, logger="htag"):
        roll(sup)
    assert old.wait(5) == -9  # SIGKILL
    assert sup.children[0].proc.pid != old.pid and sup.children[0].proc.poll() is None
    assert "did not stop after its drain: killed" in caplog.text


def test_the_exit_of_a_draining_child_is_not_taken_for_a_crash(supervisor, monkeypatch):
    sup = supervisor(DRAINS, count=1)
    child = sup.children[0]
    monkeypatch.setattr(procs, "answers_ready", lambda host, port: False)
    rolling = procs.RollingRestart(sup)
    rolling.step(time.monotonic())  # the drain signal goes out
    assert rolling.draining(child)
    child.proc.wait(10)
    assert rolling.draining(child)  # until the rolling restart has seen it exit
    rolling.step(time.monotonic())  # it has: the replacement starts at once, not after a crash delay
    assert not rolling.draining(child) and child.proc.poll() is None and child.failures == 0


def test_a_child_still_starting_is_drained_only_once_it_serves(supervisor, monkeypatch):
    sup = supervisor(DRAINS, count=1)
    child = sup.children[0]
    serving = False
    monkeypatch.setattr(procs, "health_status", lambda host, port: 200 if serving else None)
    monkeypatch.setattr(procs, "answers_ready", lambda host, port: True)
    rolling = procs.RollingRestart(sup)
    assert not rolling.step(time.monotonic())
    assert rolling.current is None and child.proc.poll() is None  # not signalled: it would ignore it
    serving = True
    rolling.step(time.monotonic())
    assert rolling.draining(child)
    assert child.proc.wait(10) == 0  # it got the drain signal
