"""1 process against 2 behind nginx, side by side in one run: what `htag run --procs 2` gives.

    python benches/scale_out.py                  # 3 runs: Counter at 50 and 200 sessions, BigTable, Report at 20
    python benches/scale_out.py --quick          # one short run: checks the benchmark works, no figures
    python benches/scale_out.py --runs 5 --measures counter:50,counter:400,bigtable:50

Each run starts nginx (from `htag nginx-conf`, on loopback) in front of `htag run
benches/htag_server.py:<workload> --procs 1` (its flood guard lifted), drives it with the closed-loop
load client (`benches/loadclient.py`, its own process) through nginx for each measure (workload and
number of sessions), stops it, then does the same with `--procs 2`; the order of the two alternates from run to run. Each session loads
the page through nginx (which picks its process and sets its routing cookie), opens its WebSocket
through nginx, then clicks and waits for the reply, again and again. The median of each figure
across runs is reported with the ratio 2 processes / 1 process; the raw runs go to
`benches/results/scale_out.json` and the table to the section between `<!-- scale-out -->` and
`<!-- /scale-out -->` of docs/scaling.md (`--no-write`: print only).

The load client, nginx and the htag processes share the machine's cores: on 2 cores, 2 htag
processes cannot each have a core of their own while the client and nginx also run. `--client-cpus`
pins the load client (e.g. `--client-cpus 1`), `--client-nice` lowers its priority (it is closed-loop:
a starved client offers less load, which the report then shows as lower events/s on both sides).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import loadclient  # benches/, this script's directory
from server_side import machine  # benches/server_side.py: the same machine line

BENCHES = Path(__file__).resolve().parent
REPO = BENCHES.parent
# workload -> the element its sessions click (benches/htag_server.py serves each, the flood guard lifted:
# a closed click loop is far above any human rate). A Counter or a BigTable click costs the server
# about what it costs the load client; a Report click (a computation over 60,000 rows, a small reply)
# costs the server several times more: what more processes are for
WORKLOADS = {"counter": "inc", "bigtable": "bump", "report": "recompute"}
RESULTS = BENCHES / "results" / "scale_out.json"
REPORT = REPO / "docs" / "scaling.md"
START, END = "<!-- scale-out -->", "<!-- /scale-out -->"
SECRET = "scale-out-benchmark-" + "s" * 24
PROCS = (1, 2)
STARTUP_TIMEOUT_S = 60.0
CLIENT_SLACK_S = 120.0  # beyond warm-up + duration: the sessions' setup, their closing
FIGURES = ("events_per_s", "p50_s", "p99_s", "server_cpu_per_event_s")

Result = dict[str, Any]  # one loadclient.py output


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/bin/nginx") if os.access(p, os.X_OK)), None
    )
    if not found:
        sys.exit("scale_out.py needs nginx: apt-get install nginx-light")
    return found


def free_ports(count: int) -> int:
    """The first of `count` consecutive free loopback ports."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            first = s.getsockname()[1]
        try:
            for port in range(first, first + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        if first + count <= 65535:
            return first
    raise RuntimeError("no consecutive free ports")


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise RuntimeError(f"not done within {timeout} s: {what}")


def health(url: str) -> dict[str, Any] | None:
    try:
        response = httpx.get(url + "/_htag/health?ready", timeout=2)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


@contextmanager
def cluster(procs: int, workdir: Path, workload: str) -> Iterator[tuple[str, list[int]]]:
    """nginx in front of `htag run ... --procs procs`: (nginx's URL, the pids whose CPU counts)."""
    first = free_ports(procs + 1)
    listen = first + procs
    log = open(workdir / f"{workload}-procs{procs}.log", "w")  # noqa: SIM115 - closed when the cluster stops
    supervisor = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "htag",
            "run",
            f"{BENCHES / 'htag_server.py'}:{workload}",
            "--procs",
            str(procs),
        ]
        + ["--port", str(first), "--log-level", "warning"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, HTAG_SECRET_KEY=SECRET),
        cwd=tempfile.gettempdir(),
    )
    prefix = workdir / f"nginx-{workload}-{procs}"
    prefix.mkdir(exist_ok=True)
    conf = prefix / "htag.conf"
    conf.write_text(
        subprocess.run(
            [sys.executable, "-m", "htag", "nginx-conf", "--procs", str(procs), "--port", str(first)]
            + ["--listen", f"127.0.0.1:{listen}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    nginx = [nginx_binary(), "-p", str(prefix), "-c", str(conf)]
    try:
        ports = range(first, first + procs)
        healths = wait_for(
            lambda: all(h := [health(f"http://127.0.0.1:{p}") for p in ports]) and h,
            STARTUP_TIMEOUT_S,
            f"{procs} htag processes serve",
        )
        subprocess.run(nginx, check=True, capture_output=True, timeout=60)
        url = f"http://127.0.0.1:{listen}"
        wait_for(lambda: health(url), STARTUP_TIMEOUT_S, "nginx serves")
        nginx_pids = [int((prefix / "nginx.pid").read_text())]
        nginx_pids += [
            int(p)
            for p in subprocess.run(
                ["pgrep", "-P", str(nginx_pids[0])], capture_output=True, text=True, check=False
            ).stdout.split()
        ]
        yield url, [h["pid"] for h in healths] + nginx_pids
    finally:
        if (prefix / "nginx.pid").exists():
            subprocess.run([*nginx, "-s", "quit"], capture_output=True, timeout=30, check=False)
        supervisor.send_signal(signal.SIGTERM)
        try:
            supervisor.wait(60)
        except subprocess.TimeoutExpired:
            supervisor.kill()
        log.close()


def drive(url: str, pids: list[int], workload: str, sessions: int, args: argparse.Namespace) -> Result:
    """loadclient.py (its own process) through nginx; its JSON output, or {"failed": why}."""
    arguments = ["--url", url, "--target", WORKLOADS[workload], "--sessions", str(sessions)]
    arguments += ["--warmup", str(args.warmup), "--duration", str(args.duration)]
    arguments += ["--server-pids", ",".join(map(str, pids))]
    cpus = args.client_cpus

    def limit() -> None:
        if cpus:
            os.sched_setaffinity(0, cpus)
        if args.client_nice:
            os.nice(args.client_nice)

    return loadclient.run_in_process(arguments, args.warmup + args.duration + CLIENT_SLACK_S, preexec=limit)


def one_run(index: int, args: argparse.Namespace, workdir: Path) -> dict[str, dict[str, Result]]:
    """Both configurations (the first one alternates with `index`): {procs: {"workload:sessions": result}}."""
    order = PROCS if index % 2 == 0 else PROCS[::-1]
    run: dict[str, dict[str, Result]] = {str(procs): {} for procs in order}
    for procs in order:
        for workload in dict.fromkeys(w for w, _ in args.measures):
            with cluster(procs, workdir, workload) as (url, pids):
                for sessions in (n for w, n in args.measures if w == workload):
                    result = drive(url, pids, workload, sessions, args)
                    run[str(procs)][f"{workload}:{sessions}"] = result
                    print(
                        f"run {index + 1}, {procs} proc, {workload}, {sessions} sessions: {summary(result)}",
                        flush=True,
                    )
    return run


def summary(result: Result) -> str:
    if "failed" in result:
        return "failed: " + result["failed"]
    return (
        f"{result['events_per_s']:.0f} events/s, p50 {ms(result['p50_s'])}, p99 {ms(result['p99_s'])}, "
        f"{result['errors']} errors"
    )


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms"


def medians(runs: list[dict[str, dict[str, Result]]], procs: int, measure: str) -> dict[str, float | None]:
    found = [r[str(procs)][measure] for r in runs]
    ok = [r for r in found if "failed" not in r and not r.get("errors")]
    return {
        f: statistics.median(r[f] for r in ok) if ok and all(r[f] is not None for r in ok) else None
        for f in FIGURES
    }


def report(runs: list[dict[str, dict[str, Result]]], args: argparse.Namespace) -> str:
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.strip()
    intro = (
        f"Measured by `benches/scale_out.py` on {when} (commit {commit or 'unknown'}; {machine()}): "
        f"{len(runs)} runs, each {args.warmup:g} s of warm-up then {args.duration:g} s measured per "
        "configuration, the order of the two alternating; medians across runs. Each app of "
        "`benches/workloads/` (Counter: a click changes a number; BigTable: 1,000 rows, a click changes "
        "one cell; Report: a computation over 60,000 rows answered with one number) behind nginx (`htag nginx-conf`), driven through nginx by the closed-loop client "
        "`benches/loadclient.py` (each session: page, WebSocket, then click, reply, click...). Load "
        f"client: {client_placement(args)}."
    )
    lines = [
        intro,
        "",
        "| app | sessions | processes | events/s | p50 | p99 | CPU per event (htag + nginx) |",
        "|---|---|---|---|---|---|---|",
    ]
    for workload, sessions in args.measures:
        measure = f"{workload}:{sessions}"
        by_procs = {procs: medians(runs, procs, measure) for procs in PROCS}
        for procs in PROCS:
            m = by_procs[procs]
            rate = "failed" if m["events_per_s"] is None else f"{m['events_per_s']:.0f}"
            cpu = m["server_cpu_per_event_s"]
            per_event = "-" if cpu is None else f"{cpu * 1e6:.0f} µs"
            lines.append(
                f"| {workload} | {sessions} | {procs} | {rate} | {ms(m['p50_s'])} | {ms(m['p99_s'])} | {per_event} |"
            )
        one, two = by_procs[1], by_procs[2]
        ratios = [f"{two[f] / one[f]:.2f}x" if one[f] and two[f] is not None else "-" for f in FIGURES]
        lines.append(f"| {workload} | {sessions} | 2 / 1 | {' | '.join(ratios)} |")
    failures = [
        f"- run {i + 1}, {procs} proc, {measure}: "
        + (r["failed"] if "failed" in r else f"{r['errors']} errors, e.g. {r['error_samples'][:1]}")
        for i, run in enumerate(runs)
        for procs, by_sessions in run.items()
        for measure, r in by_sessions.items()
        if "failed" in r or r.get("errors")
    ]
    if failures:
        lines += ["", "Failed or with errors (left out of the medians):", *failures]
    lines += ["", f"Raw runs: `{RESULTS.relative_to(REPO)}`."]
    return "\n".join(lines)


def client_placement(args: argparse.Namespace) -> str:
    cpus = (
        f"pinned to CPU {','.join(map(str, sorted(args.client_cpus)))}" if args.client_cpus else "not pinned"
    )
    nice = f", nice {args.client_nice}" if args.client_nice else ""
    return (
        f"{cpus}{nice}; it shares the machine's {os.cpu_count()} cores with nginx and the htag processes, "
        "so the figures are what this machine gives as a whole, not what the processes give on cores of "
        "their own"
    )


def write_section(text: str, path: Path = REPORT) -> None:
    """Puts `text` between the markers in `path` (appended, with them, when they are missing)."""
    current = path.read_text()
    block = f"{START}\n{text}\n{END}"
    if START in current and END in current:
        head, rest = current.split(START, 1)
        path.write_text(head + block + rest.split(END, 1)[1])
    else:
        path.write_text(current.rstrip("\n") + "\n\n" + block + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of both configurations (3)")
    parser.add_argument(
        "--measures",
        default="counter:50,counter:200,bigtable:20,report:20",
        help=f"workload:sessions, comma-separated; workloads: {', '.join(WORKLOADS)} (counter:50,counter:200,bigtable:20,report:20)",
    )
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds not measured, per measure (2)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured, per measure (10)")
    parser.add_argument("--quick", action="store_true", help="1 run, 20 sessions, 2 s: checks it works")
    parser.add_argument("--client-cpus", default="", help="pin the load client to these CPUs, e.g. 1")
    parser.add_argument("--client-nice", type=int, default=0, help="the load client's niceness (0)")
    parser.add_argument("--no-write", action="store_true", help="print the section; write no file")
    args = parser.parse_args()
    try:
        args.measures = [
            (w, int(n)) for w, n in (m.strip().split(":") for m in args.measures.split(",") if m.strip())
        ]
    except ValueError:
        parser.error("--measures: workload:sessions, e.g. counter:50,bigtable:20")
    if any(w not in WORKLOADS for w, _ in args.measures):
        parser.error(f"--measures: the workloads are {', '.join(WORKLOADS)}")
    args.client_cpus = {int(c) for c in args.client_cpus.split(",") if c.strip()}
    if args.quick:
        args.runs, args.measures, args.warmup, args.duration = 1, [("counter", 20), ("bigtable", 4)], 0.5, 2.0
        args.no_write = True  # figures of a quick run are not worth keeping
    if args.runs < 1 or not args.measures or min(n for _, n in args.measures) < 1:
        parser.error("--runs and the sessions of --measures must be 1 or more")
    with tempfile.TemporaryDirectory(prefix="htag-scale-out-") as workdir:
        runs = [one_run(i, args, Path(workdir)) for i in range(args.runs)]
    text = report(runs, args)
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(
            json.dumps(
                {"args": vars(args) | {"client_cpus": sorted(args.client_cpus)}, "runs": runs}, indent=1
            )
            + "\n"
        )
        write_section(text)


if __name__ == "__main__":
    main()
