"""Server-side benchmark: WebSocket clicks on real servers, ours against upstream htag 2.0.28, in one run.

    python benches/server_side.py [--runs 5] [--quick] [--no-pin] [--upstream-venv DIR]

For each run, in a rotating order, it starts every server as a subprocess on a free 127.0.0.1 port:
upstream 2.0.28 on uvicorn (its own venv), ours on Granian, ours on uvicorn, and a bare Granian ASGI
WebSocket echo (`echo_server.py`); it drives each with `loadclient.py` (its own process) on the
Counter (1, 50, 200 sessions) and BigTable (1 session) workloads, stops it, and goes on. On the Counter
(and the echo) a fresh server first gets the memory measurement: its RSS with 10 then 100 open sessions
(page + WebSocket each; plain WebSockets for the echo), per added session. Ours and the echo, which
the echo targets compare, run their Counter side by side: each session count is measured on one, then
on the next, seconds apart (`measure_side_by_side`). Then it
takes the median of each figure across runs, checks the targets of shared/BENCHMARKS.md, writes
`benches/results/server_side.json` (every run, raw) and rewrites the section between
`<!-- server-side -->` and `<!-- /server-side -->` of BENCHMARKS.md. See benches/README-server.md.

Why one file over 500 lines: a benchmark is read as one procedure, from starting the
servers to the table it writes; its sections (workloads, servers, driving, figures and
targets, report) follow that order, each under a `# ---` banner.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import loadclient  # benches/, this script's directory

BENCHES = Path(__file__).resolve().parent
REPO = BENCHES.parent
RESULTS = BENCHES / "results" / "server_side.json"
REPORT = REPO / "BENCHMARKS.md"
START, END = "<!-- server-side -->", "<!-- /server-side -->"
HOST = "127.0.0.1"
UPSTREAM_PACKAGES = [
    "htag==2.0.28",
    "starlette<1",
    "uvicorn",
    "psutil",
    "orjson",
]  # as run.py: one venv for both
SERVER_START_TIMEOUT_S = 60.0
SERVER_STOP_TIMEOUT_S = 10.0
CLIENT_SLACK_S = 120.0  # session setup and closing, on top of warm-up + duration
MIN_RUNS_FOR_TARGETS = 5
QUIET_BUSY = 0.25  # before each measurement, wait until the machine uses less than this many CPUs ...
QUIET_MAX_WAIT_S = 10.0  # ... but no longer than this each time ...
QUIET_BUDGET_S = 180.0  # ... nor than this in all, waits and retries together (the benchmark stays bounded)
NOISY = 0.3  # a measurement during which other programs used more than this many CPUs is retried once
MEMORY_SPAN = (10, 100)  # RSS with this many open sessions, then this many: growth per added session
MEMORY = "memory"  # where the memory measurement sits among a workload's results (beside "1", "50", ...)

Result = dict[str, Any]  # one loadclient.py output


# --------------------------------------------------------------------------- what is measured


@dataclass(frozen=True)
class Workload:
    name: str  # htag_server.py --app, or "echo"
    target: str  # id of the element clicked
    sessions: tuple[int, ...]
    protocol: str = "htag"
    memory: bool = False  # measure the RSS per connected session first, on the fresh server


@dataclass(frozen=True)
class ServerSpec:
    key: str
    label: str
    impl: str  # "ours", "upstream" or "echo"
    server: str  # "granian" or "uvicorn"
    workloads: tuple[Workload, ...]


def workloads() -> dict[str, Workload]:
    counter_sessions = (1, 50, 200)
    return {
        "counter": Workload("counter", "inc", counter_sessions, memory=True),
        "bigtable": Workload("bigtable", "bump", (1,)),
        "echo": Workload(
            "echo", "inc", counter_sessions, protocol="echo", memory=True
        ),  # a Counter click's message
    }


def server_specs() -> list[ServerSpec]:
    w = workloads()
    apps = (w["counter"], w["bigtable"])
    return [
        ServerSpec("upstream", "upstream 2.0.28 (uvicorn)", "upstream", "uvicorn", apps),
        ServerSpec("ours_granian", "ours (Granian)", "ours", "granian", apps),
        ServerSpec("ours_uvicorn", "ours (uvicorn)", "ours", "uvicorn", apps),
        ServerSpec("echo", "bare Granian WS echo", "echo", "granian", (w["echo"],)),
    ]


# --------------------------------------------------------------------------- interpreters and CPUs


def find_upstream_venv(given: str | None) -> Path:
    """--upstream-venv, else $HTAG_UPSTREAM_VENV, else an existing benches/.bench-venv-upstream or
    ../upstream-venv next to the repository; created (benches/.bench-venv-upstream) when none exists."""
    if given:
        return ensure_venv(Path(given))
    if os.environ.get("HTAG_UPSTREAM_VENV"):
        return ensure_venv(Path(os.environ["HTAG_UPSTREAM_VENV"]))
    for candidate in (BENCHES / ".bench-venv-upstream", REPO.parent / "upstream-venv"):
        if (candidate / "bin" / "python").exists():
            return candidate
    return ensure_venv(BENCHES / ".bench-venv-upstream")


def ensure_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating upstream venv at {venv} ...", file=sys.stderr)
        subprocess.run([shutil.which("python3") or sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *UPSTREAM_PACKAGES], check=True)
    return venv


def clean_env() -> dict[str, str]:
    """No PYTHONPATH: each interpreter sees only its own htag."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def probe(python: str, code: str) -> str:
    out = subprocess.run(
        [python, "-c", code],
        check=False,
        cwd=tempfile.gettempdir(),
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    return (
        out.stdout.strip() if out.returncode == 0 else f"unavailable ({out.stderr.strip().splitlines()[-1:]})"
    )


@dataclass(frozen=True)
class Placement:
    """Which CPUs the servers and the load client may use (None: no pinning)."""

    server: frozenset[int] | None
    client: frozenset[int] | None

    def preexec(self, cpus: frozenset[int] | None) -> Callable[[], None] | None:
        if cpus is None:
            return None
        return lambda: os.sched_setaffinity(0, cpus)


def placement(pin: bool) -> Placement:
    cpus = sorted(os.sched_getaffinity(0))
    if not pin or len(cpus) < 2:
        return Placement(None, None)
    return Placement(frozenset(cpus[:-1]), frozenset(cpus[-1:]))


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def server_command(spec: ServerSpec, app: str, port: int, ours: str, upstream: str) -> list[str]:
    if spec.impl == "echo":
        return [ours, str(BENCHES / "echo_server.py"), "--host", HOST, "--port", str(port)]
    python = upstream if spec.impl == "upstream" else ours
    script = str(BENCHES / "htag_server.py")
    return [
        python,
        script,
        "--impl",
        spec.impl,
        "--app",
        app,
        "--server",
        spec.server,
        "--host",
        HOST,
        "--port",
        str(port),
    ]


class RunningServer:
    """A server subprocess in its own process group, on a free loopback port."""

    def __init__(self, command: list[str], port: int, log: Path, cpus: Placement) -> None:
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self.log = log
        self._out = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            command,
            cwd=tempfile.gettempdir(),
            env=clean_env(),
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=cpus.preexec(cpus.server),  # noqa: PLW1509 - no threads here
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + "/favicon.ico", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        lines = [line for line in self.log.read_text().splitlines() if line.strip()]
        raise RuntimeError(
            f"server did not start: {lines[-1] if lines else 'no output'} (log: {self.log.name})"
        )

    def pids(self) -> list[int]:
        """The server process and its descendants (Granian's worker is a child process)."""
        found, frontier = [self.proc.pid], [self.proc.pid]
        while frontier:
            parent = frontier.pop()
            for tid in os.listdir(f"/proc/{parent}/task") if os.path.isdir(f"/proc/{parent}/task") else ():
                try:
                    children = Path(f"/proc/{parent}/task/{tid}/children").read_text().split()
                except OSError:
                    continue
                for child in map(int, children):
                    if child not in found:
                        found.append(child)
                        frontier.append(child)
        return found

    def log_tail(self, lines: int = 30) -> list[str]:
        """The server's last output lines (kept with a measurement that failed or got error replies)."""
        self._out.flush()
        return self.log.read_text(errors="replace").splitlines()[-lines:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(SERVER_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(SERVER_STOP_TIMEOUT_S)
        try:  # whatever of its own group is left (a Granian worker), by the group id we created
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._out.close()


# --------------------------------------------------------------------------- one measurement


def machine_busy() -> float | None:
    """CPU-seconds per second the whole machine is using right now (over 0.5 s), None if unknown."""

    def busy_seconds() -> float:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")

    try:
        before = busy_seconds()
        time.sleep(0.5)
        return (busy_seconds() - before) / 0.5
    except (OSError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class Timing:
    warmup: float
    duration: float


class QuietGate:
    """Before a measurement, waits until other programs leave the CPUs mostly idle; after it, allows
    one retry when they did not. Both draw on one bounded budget of seconds."""

    def __init__(self, budget: float = QUIET_BUDGET_S) -> None:
        self.budget = budget

    def retry(self, result: Result, timing: Timing) -> bool:
        """Whether to measure again: other programs were busy during the window, and budget is left."""
        other = result.get("other_cpu_s")
        cost = timing.warmup + timing.duration + 2
        if other is None or other / timing.duration <= NOISY or self.budget < cost:
            return False
        self.budget -= cost
        return True

    def wait(self) -> float:
        """Seconds waited."""
        began = time.monotonic()
        limit = min(QUIET_MAX_WAIT_S, self.budget)
        while time.monotonic() - began < limit:
            busy = machine_busy()
            if busy is None or busy < QUIET_BUSY:
                break
        waited = time.monotonic() - began
        self.budget = max(0.0, self.budget - waited)
        return waited


def drive(
    server: RunningServer, workload: Workload, sessions: int, timing: Timing, cpus: Placement
) -> Result:
    """Runs loadclient.py (own process, own CPU) against the server; its JSON output."""
    arguments = [*client_target(server, workload), "--sessions", str(sessions)]
    arguments += ["--warmup", str(timing.warmup), "--duration", str(timing.duration)]
    return run_client(arguments, timing.warmup + timing.duration + CLIENT_SLACK_S, cpus)


def drive_memory(server: RunningServer, workload: Workload, cpus: Placement) -> Result:
    """loadclient.py --memory: the server's RSS with MEMORY_SPAN open sessions; its JSON output."""
    low, high = MEMORY_SPAN
    arguments = [*client_target(server, workload), "--memory", f"{low},{high}"]
    return run_client(arguments, CLIENT_SLACK_S, cpus)


def client_target(server: RunningServer, workload: Workload) -> list[str]:
    """The load client's arguments naming the server and what to click."""
    return [
        "--url",
        server.url,
        "--protocol",
        workload.protocol,
        "--target",
        workload.target,
        "--server-pids",
        ",".join(map(str, server.pids())),
    ]


def run_client(arguments: list[str], timeout: float, cpus: Placement) -> Result:
    return loadclient.run_in_process(
        arguments, timeout, env=clean_env(), cwd=tempfile.gettempdir(), preexec=cpus.preexec(cpus.client)
    )


@dataclass
class Bench:
    """What every measurement of one invocation shares."""

    pythons: tuple[str, str]  # ours, upstream
    timing: Timing
    cpus: Placement
    logs: Path
    gate: QuietGate


def measure_once(server: RunningServer, workload: Workload, sessions: int, bench: Bench) -> Result:
    waited = bench.gate.wait()
    result = drive(server, workload, sessions, bench.timing, bench.cpus)
    result["waited_for_quiet_s"] = round(waited, 1)
    return result


def less_noisy(first: Result, second: Result) -> Result:
    """Of two measurements of the same figure, the one other programs disturbed less (the other's
    main figures are kept under `discarded_noisier`)."""

    def noise(r: Result) -> float:
        return r.get("other_cpu_s") if r.get("other_cpu_s") is not None else float("inf")

    kept, dropped = (first, second) if noise(first) <= noise(second) else (second, first)
    kept["discarded_noisier"] = {k: dropped.get(k) for k in ("events_per_s", "p50_s", "p99_s", "other_cpu_s")}
    return kept


def start_server(spec: ServerSpec, workload: Workload, bench: Bench) -> RunningServer | Result:
    """A fresh server process for one workload, or the failure to record in its place."""
    port = free_port()
    log = bench.logs / f"{spec.key}-{workload.name}-{port}.log"
    try:
        return RunningServer(server_command(spec, workload.name, port, *bench.pythons), port, log, bench.cpus)
    except RuntimeError as e:
        return {"failed": str(e)[:300]}


def measure_memory(server: RunningServer, spec: ServerSpec, workload: Workload, bench: Bench) -> Result:
    bench.gate.wait()
    memory = drive_memory(server, workload, bench.cpus)
    if "failed" in memory:
        memory["server_log_tail"] = server.log_tail()
    print(f"  {spec.key:13} {workload.name:8} memory: {brief_memory(memory)}", file=sys.stderr)
    return memory


def measure_figure(
    server: RunningServer, spec: ServerSpec, workload: Workload, sessions: int, bench: Bench
) -> Result:
    """One figure, measured again (the less disturbed one kept) when other programs were busy."""
    result = measure_once(server, workload, sessions, bench)
    if bench.gate.retry(result, bench.timing):
        print(
            f"  {spec.key:13} {workload.name:8} {sessions:4} sessions: noisy ({brief(result)}), measuring again",
            file=sys.stderr,
        )
        result = less_noisy(result, measure_once(server, workload, sessions, bench))
    if "failed" in result or result.get("errors"):
        result["server_log_tail"] = server.log_tail()
    print(f"  {spec.key:13} {workload.name:8} {sessions:4} sessions: {brief(result)}", file=sys.stderr)
    return result


def rotated(items: list[Any], i: int) -> list[Any]:
    """`items` started at its `i`-th (modulo its length): each run begins with another one."""
    return items[i % len(items) :] + items[: i % len(items)]


def measure_server(spec: ServerSpec, bench: Bench, skip: tuple[str, ...] = ()) -> dict:
    """{workload: {sessions: result}} for one server, one fresh process per workload (but `skip`)."""
    results: dict[str, dict[str, Result]] = {}
    for workload in spec.workloads:
        if workload.name in skip:
            continue
        server = start_server(spec, workload, bench)
        if not isinstance(server, RunningServer):
            results[workload.name] = {str(n): server for n in workload.sessions}
            continue
        try:
            results[workload.name] = {}
            if workload.memory:  # first, on the fresh process
                results[workload.name][MEMORY] = measure_memory(server, spec, workload, bench)
            for sessions in workload.sessions:
                results[workload.name][str(sessions)] = measure_figure(
                    server, spec, workload, sessions, bench
                )
        finally:
            server.stop()
    return results


def measure_side_by_side(specs: list[ServerSpec], bench: Bench) -> dict[str, dict]:
    """Ours and the echo, figure by figure: the echo targets are ratios, and a shared machine's
    speed drifts over minutes (and a CPU-bound server, ours, pays more for a slow spell than the
    echo, which mostly waits), so the two sides of a ratio are measured seconds apart rather than
    minutes. Each server's Counter (the echo's) workload runs in its own fresh process, all of
    them at once (one idle while another is driven); each gets its memory measurement first,
    then each session count is measured on one server after the other, in `specs` order. Their
    other workloads follow, one server at a time, as in `measure_server`."""
    shared = {spec.key: next(w for w in spec.workloads if w.memory) for spec in specs}
    results: dict[str, dict] = {spec.key: {} for spec in specs}
    servers: dict[str, RunningServer] = {}
    try:
        for spec in specs:
            workload = shared[spec.key]
            server = start_server(spec, workload, bench)
            if not isinstance(server, RunningServer):
                results[spec.key][workload.name] = {str(n): server for n in workload.sessions}
                continue
            servers[spec.key] = server
            results[spec.key][workload.name] = {MEMORY: measure_memory(server, spec, workload, bench)}
        for sessions in sorted({n for w in shared.values() for n in w.sessions}):
            for spec in specs:
                workload = shared[spec.key]
                if spec.key in servers and sessions in workload.sessions:
                    results[spec.key][workload.name][str(sessions)] = measure_figure(
                        servers[spec.key], spec, workload, sessions, bench
                    )
    finally:
        for server in servers.values():
            server.stop()
    for spec in specs:
        results[spec.key].update(measure_server(spec, bench, skip=(shared[spec.key].name,)))
    return results


def brief_memory(result: Result) -> str:
    if "failed" in result:
        return "FAILED " + result["failed"]
    low, high = result["memory_low_sessions"], result["memory_high_sessions"]
    return (
        f"{result['rss_low_kib']:,} KiB with {low}, {result['rss_high_kib']:,} KiB with {high}: "
        f"{result['rss_per_session_kib']:.0f} KiB per session"
        + ("" if result["settled"] else " (not settled)")
    )


def brief(result: Result) -> str:
    if "failed" in result:
        return "FAILED " + result["failed"]
    text = f"{result['events_per_s']:9.1f} ev/s  p50 {ms(result['p50_s'])}  p99 {ms(result['p99_s'])}"
    if result.get("other_cpu_s") is not None and result.get("duration_s"):
        text += f"  others {result['other_cpu_s'] / result['duration_s']:.0%}"
    if result.get("server_cpu_per_event_s"):
        text += f"  server CPU/event {result['server_cpu_per_event_s'] * 1e6:.0f} µs"
    return text + (f"  ERRORS {result['errors']}" if result["errors"] else "")


# --------------------------------------------------------------------------- medians and targets


def value_in(run: dict, server: str, workload: str | None, sessions: int | str, key: str) -> float | None:
    """One figure of one run; None when missing, failed, or the run had error replies."""
    if workload is None:
        return None
    result = run["servers"].get(server, {}).get(workload, {}).get(str(sessions), {})
    if "failed" in result or result.get("errors"):
        return None
    if key == CAPACITY:
        per_click = result.get("server_cpu_per_event_s")
        return 1 / per_click if per_click else None
    return result.get(key)


def median_of(
    runs: list[dict], server: str, workload: str | None, sessions: int | str, key: str
) -> float | None:
    values = [v for run in runs if (v := value_in(run, server, workload, sessions, key)) is not None]
    return statistics.median(values) if values else None


@dataclass(frozen=True)
class Figure:
    label: str
    workload: str
    sessions: int | str  # a session count, or MEMORY
    key: str  # events_per_s, p50_s, p99_s, server_cpu_per_event_s, rss_per_session_kib, or CAPACITY
    echo_workload: str | None = "echo"
    compare_with: tuple[str, ...] = ("upstream",)  # when the figure has no target
    also: tuple[str, ...] = ()  # compared with these too, beside its targets


CAPACITY = "capacity_per_s"  # 1 / server CPU per click: clicks/s one fully busy CPU would serve
CPU_PER_CLICK = "server_cpu_per_event_s"
RSS_PER_SESSION = "rss_per_session_kib"
HIGHER_IS_BETTER = ("events_per_s", CAPACITY)


@dataclass(frozen=True)
class Target:
    figure: Figure
    against: str  # "upstream" or "echo"
    text: str
    check: Callable[[float], bool]  # on compare()


def compare(ours: float | None, other: float | None, against: str, key: str) -> float | None:
    """Against upstream: how many times better ours is (events/s: ours / upstream; latency: upstream /
    ours). Against the echo: ours / echo, as it is (a share of its events/s, a multiple of its latency)."""
    if not ours or not other:
        return None
    if against == "echo" or key in HIGHER_IS_BETTER:
        return ours / other
    return other / ours


FIGURES = [
    Figure("BigTable click over a WebSocket, p50 (1 session)", "bigtable", 1, "p50_s", None),
    Figure("BigTable click, p99 (1 session)", "bigtable", 1, "p99_s", None),
    Figure("Counter, 200 sessions, events/s", "counter", 200, "events_per_s"),
    Figure("Counter, 200 sessions, p50", "counter", 200, "p50_s"),
    Figure("Counter, 200 sessions, p99", "counter", 200, "p99_s", also=("upstream",)),
    Figure("Counter, 50 sessions, events/s", "counter", 50, "events_per_s"),
    Figure("Counter, 50 sessions, p50", "counter", 50, "p50_s"),
    Figure("Counter, 50 sessions, p99", "counter", 50, "p99_s"),
    Figure("Counter click, 1 session, p50", "counter", 1, "p50_s"),
    Figure("Counter click, 1 session, p99", "counter", 1, "p99_s"),
    Figure("Counter, 1 session, events/s", "counter", 1, "events_per_s"),
    Figure(
        "Counter, 200 sessions, capacity (1 / server CPU per click)",
        "counter",
        200,
        CAPACITY,
        compare_with=("upstream", "echo"),
    ),
    Figure(
        "Counter, 50 sessions, capacity (1 / server CPU per click)",
        "counter",
        50,
        CAPACITY,
        compare_with=("upstream", "echo"),
    ),
    Figure("Counter, 200 sessions, server CPU per click", "counter", 200, CPU_PER_CLICK, also=("upstream",)),
    Figure("Counter, 50 sessions, server CPU per click", "counter", 50, CPU_PER_CLICK, also=("upstream",)),
    Figure(
        f"memory per connected session (RSS, {MEMORY_SPAN[0]} -> {MEMORY_SPAN[1]} open sessions)",
        "counter",
        MEMORY,
        RSS_PER_SESSION,
        also=("upstream",),
    ),
]
BY_LABEL = {f.label: f for f in FIGURES}
TARGETS = [
    Target(
        BY_LABEL["BigTable click over a WebSocket, p50 (1 session)"],
        "upstream",
        ">= 30x faster than upstream",
        lambda r: r >= 30,
    ),
    Target(BY_LABEL["Counter, 200 sessions, events/s"], "upstream", ">= 5x upstream", lambda r: r >= 5),
    Target(BY_LABEL["Counter, 200 sessions, events/s"], "echo", ">= 50% of the echo", lambda r: r >= 0.5),
    Target(BY_LABEL["Counter click, 1 session, p50"], "echo", "<= 2x the echo", lambda r: r <= 2),
    # issue 9: the plumbing around a click, and what an open session costs, against the bare echo
    Target(
        BY_LABEL["Counter, 200 sessions, server CPU per click"],
        "echo",
        "<= 1.25x the echo",
        lambda r: r <= 1.25,
    ),
    Target(
        BY_LABEL["Counter, 50 sessions, server CPU per click"],
        "echo",
        "<= 1.25x the echo",
        lambda r: r <= 1.25,
    ),
    Target(BY_LABEL["Counter, 200 sessions, p99"], "echo", "<= 2.5x the echo", lambda r: r <= 2.5),
    Target(
        BY_LABEL[f"memory per connected session (RSS, {MEMORY_SPAN[0]} -> {MEMORY_SPAN[1]} open sessions)"],
        "echo",
        "<= 1.3x the echo",
        lambda r: r <= 1.3,
    ),
]
OURS = ("ours_granian", "ours_uvicorn")
SIDE_BY_SIDE = (*OURS, "echo")  # measured figure by figure (see measure_side_by_side)


def workload_of(server: str, figure: Figure) -> str | None:
    return figure.echo_workload if server == "echo" else figure.workload


def figure_values(runs: list[dict], figure: Figure) -> dict[str, float | None]:
    return {
        server: median_of(runs, server, workload_of(server, figure), figure.sessions, figure.key)
        for server in ("upstream", *OURS, "echo")
    }


def run_ratio(runs: list[dict], figure: Figure, ours: str, against: str) -> float | None:
    """The median across runs of the ratio taken within each run."""
    ratios = []
    for run in runs:
        mine = value_in(run, ours, figure.workload, figure.sessions, figure.key)
        other = value_in(run, against, workload_of(against, figure), figure.sessions, figure.key)
        r = compare(mine, other, against, figure.key)
        if r is not None:
            ratios.append(r)
    return statistics.median(ratios) if ratios else None


def evaluate(runs: list[dict]) -> list[dict[str, Any]]:
    """One row per figure and target (a figure without a target: per server in `compare_with`)."""
    rows = []
    for figure in FIGURES:
        values = figure_values(runs, figure)
        targets = [t for t in TARGETS if t.figure is figure]
        comparisons = [(t.against, t) for t in targets] or [(a, None) for a in figure.compare_with]
        comparisons += [(a, None) for a in figure.also if targets and a not in {t.against for t in targets}]
        for against, target in comparisons:
            checks = {}
            for ours in OURS:
                r = run_ratio(runs, figure, ours, against)
                met = target.check(r) if target and r is not None else None
                checks[ours] = {"ratio": r, "met": met}
            rows.append(
                {
                    "figure": figure.label,
                    "key": figure.key,
                    "values": values,
                    "against": against,
                    "target": target.text if target else None,
                    "checks": checks,
                }
            )
    return rows


# --------------------------------------------------------------------------- report


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def show(value: float | None, key: str) -> str:
    if value is None:
        return "—"
    if key == RSS_PER_SESSION:
        return f"{value:,.0f} KiB"
    return f"{value:,.0f}" if key in HIGHER_IS_BETTER else ms(value)


def show_ratio(r: float | None, against: str, key: str) -> str:
    if r is None:
        return "—"
    if against == "echo":
        return f"{r:.0%} of echo" if key in HIGHER_IS_BETTER else f"{r:.2f}x echo"
    return f"{r:.3g}x"


def verdict(met: bool | None, n_runs: int) -> str:
    if met is None:
        return "—"
    return ("yes" if met else "**no**") + ("*" if n_runs < MIN_RUNS_FOR_TARGETS else "")


def table(rows: list[dict[str, Any]], n_runs: int) -> list[str]:
    lines = [
        "| figure | upstream 2.0.28 (uvicorn) | ours (Granian) | ours (uvicorn) | bare Granian echo | ratio | target | met? |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        v, key, against = row["values"], row["key"], row["against"]
        g, u = row["checks"]["ours_granian"], row["checks"]["ours_uvicorn"]
        ratio_cell = (
            f"{show_ratio(g['ratio'], against, key)} (uvicorn {show_ratio(u['ratio'], against, key)})"
        )
        met = verdict(g["met"], n_runs) + (f" (uvicorn {verdict(u['met'], n_runs)})" if row["target"] else "")
        lines.append(
            f"| {row['figure']} | {show(v['upstream'], key)} | {show(v['ours_granian'], key)} | "
            f"{show(v['ours_uvicorn'], key)} | {show(v['echo'], key)} | {ratio_cell} | {row['target'] or '—'} | {met} |"
        )
    return lines


def cpu_cell(runs: list[dict], server: str, workload: str, sessions: int, duration: float) -> str:
    per_event = median_of(runs, server, workload, sessions, "server_cpu_per_event_s")
    server_cpu = median_of(runs, server, workload, sessions, "server_cpu_s")
    client_cpu = median_of(runs, server, workload, sessions, "client_cpu_s")
    if per_event is None or server_cpu is None or client_cpu is None:
        return "—"
    return f"{ms(per_event)} (server {server_cpu / duration:.0%}, client {client_cpu / duration:.0%})"


def cpu_table(runs: list[dict], specs: list[ServerSpec], duration: float) -> list[str]:
    """Server CPU time per click, and how busy server and client were (medians across runs)."""
    lines = [
        "| server CPU per click (CPU use) | " + " | ".join(s.label for s in specs) + " |",
        "|---|" + "---|" * len(specs),
    ]
    for workload, sessions in [("counter", 1), ("counter", 50), ("counter", 200), ("bigtable", 1)]:
        cells = []
        for spec in specs:
            if spec.impl == "echo":
                cells.append(
                    cpu_cell(runs, "echo", "echo", sessions, duration) if workload == "counter" else "—"
                )
            else:
                cells.append(cpu_cell(runs, spec.key, workload, sessions, duration))
        label = (
            f"{'Counter' if workload == 'counter' else 'BigTable'}, {sessions} session{'s' * (sessions > 1)}"
        )
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def other_load(runs: list[dict], duration: float) -> str:
    """How much CPU the rest of the machine used during the measured windows (noise)."""
    values = [
        result["other_cpu_s"] / duration
        for run in runs
        for per_workload in run["servers"].values()
        for per_sessions in per_workload.values()
        for result in per_sessions.values()
        if result.get("other_cpu_s") is not None
    ]
    if not values:
        return "unknown"
    return f"median {statistics.median(values):.0%} of one CPU, max {max(values):.0%}"


def problems(runs: list[dict]) -> list[str]:
    out = []
    for i, run in enumerate(runs, 1):
        for server, per_workload in run["servers"].items():
            for workload, per_sessions in per_workload.items():
                for sessions, result in per_sessions.items():
                    where = f"run {i}, {server}, {workload}, {sessions} sessions"
                    if "failed" in result:
                        out.append(f"- {where}: failed: {result['failed']}")
                    elif result.get("errors"):
                        out.append(
                            f"- {where}: {result['errors']} error replies, e.g. {result['error_samples'][:1]}"
                        )
    return out


def code_change_note(meta: dict[str, Any]) -> list[str]:
    if not meta.get("code_changed_during_run"):
        return []
    before, after = meta["code"]["before"], meta["code"]["after"]
    return [
        f"- **our code changed during the run** (another build or edit): {before} -> {after}; figures mix both"
    ]


def section(
    meta: dict[str, Any], rows: list[dict[str, Any]], runs: list[dict], specs: list[ServerSpec]
) -> str:
    n = meta["runs"]
    pin = meta["placement"]
    lines = [
        "## Server side: clicks over real WebSockets",
        "",
        "Rewritten by `python benches/server_side.py` (method: benches/README-server.md). Every server runs",
        "as its own subprocess on a free 127.0.0.1 port, in a rotating order (ours and the echo side by side,",
        "each Counter figure measured on one right after the other), and is driven by the same",
        "closed-loop client (`benches/loadclient.py`, its own process): each session loads the page (its own",
        "cookie), opens the WebSocket, then clicks, waits for the reply carrying its `callback_id`, clicks",
        f"again, for {meta['warmup_s']:g} s of warm-up then {meta['duration_s']:g} s measured. Figures are medians across runs",
        "(a run with error replies does not count). Ratio = the median across runs of the ratio within each",
        "run: how many times better ours is than upstream (upstream / ours for latencies, ours / upstream for",
        "events/s), or ours / the bare Granian echo for the echo targets. Memory per connected session: on a",
        (
            f"fresh server, the RSS of its processes (Granian's worker included) with {MEMORY_SPAN[0]} then "
            f"{MEMORY_SPAN[1]} sessions open"
        ),
        "(each: page, WebSocket, first frame; plain WebSockets for the echo), each reading taken once it settles,",
        f"divided by the {MEMORY_SPAN[1] - MEMORY_SPAN[0]} added sessions.",
        "",
        f"- date: {meta['date']}",
        f"- machine: {meta['machine']}",
        f"- commit: {meta['commit']}"
        + (f", our package's files hashed {meta['code']['before'][1]}" if "code" in meta else ""),
        *code_change_note(meta),
        *(f"- note: {note}" for note in meta.get("notes", [])),
        f"- runs: {n}, {meta['sessions_note']}",
        f"- ours: {meta['ours']}",
        f"- upstream: {meta['upstream']}",
        f"- CPUs: {pin}",
        f"- other programs' CPU use during the measured windows: {meta['other_load']}",
        "",
        *table(rows, n),
        "",
    ]
    if n < MIN_RUNS_FOR_TARGETS:
        lines += [
            f"\\* {n} runs: a target counts as met on the median of at least {MIN_RUNS_FOR_TARGETS} runs.",
            "",
        ]
    lines += [
        "Server CPU time per click: user + system time of the server's processes inside the measured",
        "window divided by the clicks completed; in brackets, the CPU use of the server and of the load",
        "client over the window (100% = one CPU saturated):",
        "",
        *cpu_table(runs, specs, meta["duration_s"]),
        "",
        "Caveats: the machine has 2 cores, so the load client (one Python process, `websockets`) and the",
        "server each get one (`--no-pin` lets the OS place them). At 50 and 200 sessions the client's own",
        "CPU bounds what it can measure against the echo (client at ~100%, echo below): the echo's events/s",
        "is the ceiling of this client on this machine, not Granian's. The capacity rows (1 / server CPU per",
        "click) compare what each server itself spends per click, whatever the client can push (CPU time",
        "comes from the kernel's tick accounting: rough for a server that is mostly idle, as the echo is).",
        "The client asks no server for compression and sends no pings (a browser would offer",
        "permessage-deflate). Raw per-run results: `benches/results/server_side.json`.",
    ]
    trouble = problems(runs)
    if trouble:
        lines += ["", "Failures and error replies (excluded from the medians):", *trouble]
    return "\n".join(lines)


def write_report(text: str) -> None:
    current = REPORT.read_text() if REPORT.exists() else "# Benchmarks\n"
    block = f"{START}\n{text}\n{END}"
    if START in current and END in current:
        head, rest = current.split(START, 1)
        tail = rest.split(END, 1)[1]
        REPORT.write_text(head + block + tail)
    else:
        REPORT.write_text(current.rstrip("\n") + "\n\n" + block + "\n")


# --------------------------------------------------------------------------- main


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, {platform.system()} {platform.release()}"


def git(*args: str) -> str:
    """Read-only git query (no optional index refresh)."""
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0")
    out = subprocess.run(
        ["git", *args], check=False, cwd=REPO, env=env, capture_output=True, text=True, timeout=10
    )
    return out.stdout.strip()


def commit() -> str:
    try:
        sha = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return f"{sha}{' (with uncommitted changes)' if dirty else ''}" if sha else "unknown"


def code_fingerprint(python: str) -> str:
    """A hash of our installed htag package (Python files and the built `_core`) as `python` sees it:
    tells whether someone rebuilt or edited it while the benchmark ran."""
    code = (
        "import hashlib, pathlib, htag; d = pathlib.Path(htag.__file__).parent; h = hashlib.sha256(); "
        "[h.update(p.read_bytes()) for p in sorted(d.rglob('*')) if p.is_file() and '__pycache__' not in p.parts]; "
        "print(h.hexdigest()[:12])"
    )
    return probe(python, code)


def interpreter_place(python: str) -> str:
    """Where an interpreter lives, without an absolute path: 'venv at benches/.bench-venv-upstream' for one
    inside the repository, else 'a venv outside the repository' (or 'the system interpreter')."""
    path = Path(python).absolute()
    venv = path.parent.parent if path.parent.name == "bin" else path.parent
    if not (venv / "pyvenv.cfg").exists():
        return "the system interpreter"
    try:
        return f"venv at {venv.relative_to(REPO)}"
    except ValueError:
        return "a venv outside the repository"


def versions(python: str, packages: tuple[str, ...]) -> str:
    """'htag 2.1.0, granian 2.8.7, ..., Python 3.11.7, event loop uvloop 0.23.0 (venv at ...)' as seen by
    that interpreter. Granian's and uvicorn's default loop ('auto') is uvloop whenever it is installed."""
    code = (
        "import sys, importlib.metadata as m, importlib.util as u; "
        f"v = [p + ' ' + m.version(p) for p in {list(packages)!r}] + ['Python ' + sys.version.split()[0]]; "
        "v.append('event loop ' + ('uvloop ' + m.version('uvloop') if u.find_spec('uvloop') else 'asyncio')); "
        "print(', '.join(v))"
    )
    return f"{probe(python, code)} ({interpreter_place(python)})"


def measure_all(args: argparse.Namespace) -> tuple[dict[str, Any], list[dict]]:
    """Runs every server on every workload, `--runs` times; (meta, runs)."""
    n_runs = 1 if args.quick else args.runs
    timing = Timing(
        args.warmup or (0.5 if args.quick else 1.0), args.duration or (2.0 if args.quick else 5.0)
    )
    specs = server_specs()
    cpus = placement(not args.no_pin)
    upstream = str(find_upstream_venv(args.upstream_venv) / "bin" / "python")
    if probe(sys.executable, "import htag._core; print('ok')") != "ok":
        sys.exit("our htag (with htag._core) does not import here: run `maturin develop --release` first")

    runs = []
    began, started = time.monotonic(), datetime.datetime.now(datetime.timezone.utc)
    code_before = [commit(), code_fingerprint(sys.executable)]
    with tempfile.TemporaryDirectory(prefix="htag-server-bench-") as logs:
        bench = Bench((sys.executable, upstream), timing, cpus, Path(logs), QuietGate())
        side_by_side = [s for s in specs if s.key in SIDE_BY_SIDE]
        units = [side_by_side, *([s] for s in specs if s.key not in SIDE_BY_SIDE)]
        for i in range(n_runs):
            order = [rotated(unit, i) for unit in rotated(units, i)]
            keys = [s.key for unit in order for s in unit]
            print(f"run {i + 1}/{n_runs}: {', '.join(keys)}", file=sys.stderr)
            run: dict[str, Any] = {"order": keys, "servers": {}}
            for unit in order:
                if len(unit) > 1:
                    run["servers"].update(measure_side_by_side(unit, bench))
                else:
                    run["servers"][unit[0].key] = measure_server(unit[0], bench)
            runs.append(run)
    code_after = [commit(), code_fingerprint(sys.executable)]

    meta = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "commit": code_before[0],
        "code_changed_during_run": code_before != code_after,
        "code": {"before": code_before, "after": code_after},
        "runs": n_runs,
        "warmup_s": timing.warmup,
        "duration_s": timing.duration,
        "elapsed_s": round(time.monotonic() - began, 1),
        "sessions_note": f"Counter at {'/'.join(map(str, specs[0].workloads[0].sessions))} sessions, BigTable at 1",
        "ours": versions(sys.executable, ("htag", "granian", "uvicorn", "starlette", "websockets")),
        "upstream": versions(upstream, ("htag", "uvicorn", "starlette", "websockets")),
        "placement": (
            f"servers on CPU {sorted(cpus.server)}, load client on CPU {sorted(cpus.client)}"
            if cpus.server
            else "not pinned (the OS places server and client)"
        ),
    }
    return meta, runs


MEMORY_ONLY_SERVERS = ("ours_granian", "ours_uvicorn", "echo")


def measure_memory_only(args: argparse.Namespace) -> None:
    """`--only memory`: just the RSS per connected session of ours (Granian, uvicorn) and the echo, a
    fresh server each time, `--runs` times (default 3); prints the medians and ratios, writes nothing."""
    specs = [s for s in server_specs() if s.key in MEMORY_ONLY_SERVERS]
    cpus = placement(not args.no_pin)
    per_session: dict[str, list[float]] = {s.key: [] for s in specs}
    with tempfile.TemporaryDirectory(prefix="htag-memory-bench-") as logs:
        for i in range(args.runs or 3):
            for spec in rotated(specs, i):
                workload = next(w for w in spec.workloads if w.memory)
                port = free_port()
                log = Path(logs) / f"{spec.key}-{port}.log"
                server = RunningServer(
                    server_command(spec, workload.name, port, sys.executable, sys.executable), port, log, cpus
                )
                try:
                    result = drive_memory(server, workload, cpus)
                finally:
                    server.stop()
                print(f"  run {i + 1} {spec.key:13} {brief_memory(result)}", file=sys.stderr)
                if "failed" not in result:
                    per_session[spec.key].append(result["rss_per_session_kib"])
    medians = {key: statistics.median(values) if values else None for key, values in per_session.items()}
    echo = medians["echo"]
    print(f"memory per connected session (RSS, {MEMORY_SPAN[0]} -> {MEMORY_SPAN[1]} sessions), median:")
    for spec in specs:
        value = medians[spec.key]
        runs = ", ".join(f"{v:.0f}" for v in per_session[spec.key])
        ratio = f"  {value / echo:.2f}x the echo" if value is not None and echo else ""
        shown = f"{value:6.0f} KiB" if value is not None else "   failed"
        print(f"  {spec.label:27} {shown}{ratio}  (runs: {runs})")


def report(meta: dict[str, Any], runs: list[dict], write: bool) -> None:
    """Medians, ratios, verdicts; prints the section and (when `write`) saves JSON and BENCHMARKS.md."""
    meta["other_load"] = other_load(runs, meta["duration_s"])
    meta.setdefault("code_changed_during_run", False)
    rows = evaluate(runs)
    text = section(meta, rows, runs, server_specs())
    print(text)
    if write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps({"meta": meta, "figures": rows, "runs": runs}, indent=1) + "\n")
        write_report(text)
        print(
            f"\nwrote {RESULTS.relative_to(REPO)} and the server-side section of {REPORT.name} "
            f"(measured in {meta.get('elapsed_s', 0):.0f} s)",
            file=sys.stderr,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help="runs (default 5; 3 with --only memory)")
    parser.add_argument(
        "--quick", action="store_true", help="1 run, 0.5 s warm-up, 2 s per figure (a smoke test)"
    )
    parser.add_argument("--duration", type=float, help="measured seconds per figure (default 5, quick 2)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds per figure (default 1, quick 0.5)")
    parser.add_argument(
        "--no-pin", action="store_true", help="do not pin the servers and the client to separate CPUs"
    )
    parser.add_argument("--upstream-venv", help="venv with htag==2.0.28 (see find_upstream_venv)")
    parser.add_argument(
        "--no-write", action="store_true", help="print the section, write neither JSON nor BENCHMARKS.md"
    )
    parser.add_argument(
        "--from-json", type=Path, help="measure nothing: report again from a saved results JSON"
    )
    parser.add_argument(
        "--only",
        choices=("memory",),
        help="memory: only the RSS per connected session of ours and the echo, printed, nothing written",
    )
    args = parser.parse_args()
    if args.only == "memory":
        measure_memory_only(args)
        return
    args.runs = args.runs or 5
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        meta, runs = saved["meta"], saved["runs"]
    else:
        meta, runs = measure_all(args)
    report(meta, runs, write=not args.no_write)


if __name__ == "__main__":
    main()
