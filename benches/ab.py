"""Side-by-side server benchmark of several versions of our htag (git revisions) and the bare Granian echo.

    python benches/ab.py --revs HEAD~3,HEAD,WORKTREE [--rounds 3] [--sessions 1,50,200] [--memory 10,100]

For judging one optimisation at a time: each revision's `htag/` Python package is exported
(`git archive`) into a temporary directory, with the Rust `_core` built in this checkout copied
beside it (so a revision that changed Rust code is refused unless `--allow-rust-diff`); `WORKTREE`
is the working tree as it is. Every round starts each server afresh, in a rotating order, on Granian
(as `htag.serve` does, through `htag_server.py`), pinned like `server_side.py` pins them, and drives it
with `loadclient.py`: first the memory per connected session (`--memory LOW,HIGH`), then the Counter
clicks at each `--sessions` count. Ratios to the echo are taken within each round, then the median
across rounds is printed (with every round's value, to show the spread).

This is a development tool: its figures are not written to BENCHMARKS.md (`server_side.py` does that).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCHES = Path(__file__).resolve().parent
REPO = BENCHES.parent
sys.path.insert(0, str(BENCHES))

import server_side as ss
from browser_side import htag_command


def export(rev: str, root: Path, allow_rust_diff: bool) -> Path:
    """A directory holding `htag/` as of `rev` (with this checkout's built `_core`), for PYTHONPATH."""
    core = next((REPO / "htag").glob("_core*.so"), None)
    if core is None:
        sys.exit("no built htag/_core*.so in this checkout: run `maturin develop --release` first")
    if rev == "WORKTREE":
        return REPO
    if not allow_rust_diff:
        changed = ss.git("diff", "--name-only", rev, "--", "src", "Cargo.toml", "Cargo.lock")
        if changed:
            sys.exit(
                f"{rev} differs from the working tree in Rust code ({changed.split()[0]} ...): "
                "its Python would run on another _core (pass --allow-rust-diff to do it anyway)"
            )
    target = root / rev.replace("/", "_").replace("~", "-").replace("^", "-")
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", rev, "htag"], cwd=REPO, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    shutil.copy2(core, target / "htag" / core.name)
    return target


def start(
    command: list[str], port: int, log: Path, cpus: ss.Placement, path: Path | None
) -> ss.RunningServer:
    env = ss.clean_env()
    if path is not None:
        env["PYTHONPATH"] = str(path)
    original = ss.clean_env
    ss.clean_env = lambda: env  # RunningServer takes its environment from clean_env()
    try:
        return ss.RunningServer(command, port, log, cpus)
    finally:
        ss.clean_env = original


def drive_memory(server: ss.RunningServer, protocol: str, span: str, cpus: ss.Placement) -> dict[str, Any]:
    arguments = ["--url", server.url, "--protocol", protocol, "--target", "inc", "--memory", span]
    arguments += ["--server-pids", ",".join(map(str, server.pids()))]
    return ss.run_client(arguments, 180, cpus)


def measure(name: str, path: Path | None, args: argparse.Namespace, bench: ss.Bench) -> dict[str, Any]:
    echo = name == "echo"
    port = ss.free_port()
    if echo:
        command = [sys.executable, str(BENCHES / "echo_server.py"), "--host", ss.HOST, "--port", str(port)]
    else:
        command = htag_command(sys.executable, "counter", port)
    server = start(command, port, bench.logs / f"{name}-{port}.log", bench.cpus, path)
    result: dict[str, Any] = {}
    try:
        if args.memory:
            bench.gate.wait()
            result["memory"] = drive_memory(server, "echo" if echo else "htag", args.memory, bench.cpus)
        workload = ss.Workload("echo" if echo else "counter", "inc", (), protocol="echo" if echo else "htag")
        for sessions in args.sessions:
            r = ss.measure_once(server, workload, sessions, bench)
            if bench.gate.retry(r, bench.timing):
                r = ss.less_noisy(r, ss.measure_once(server, workload, sessions, bench))
            if "failed" in r or r.get("errors"):
                r["server_log_tail"] = server.log_tail()
            result[str(sessions)] = r
            print(f"  {name:12} {sessions:4} sessions: {ss.brief(r)}", file=sys.stderr)
        if "memory" in result:
            m = result["memory"]
            print(
                f"  {name:12} memory: {m.get('rss_per_session_kib', m.get('failed'))} KiB/session "
                f"(settled {m.get('settled')})",
                file=sys.stderr,
            )
    finally:
        server.stop()
    return result


def figure(result: dict[str, Any], key: str) -> float | None:
    if key == "mem":
        m = result.get("memory", {})
        return m.get("rss_per_session_kib")
    sessions, what = key.split(":")
    r = result.get(sessions, {})
    if "failed" in r or r.get("errors"):
        return None
    return r.get(what)


def fmt(key: str, v: float | None) -> str:
    if v is None:
        return "—"
    if key == "mem":
        return f"{v:.0f} KiB"
    if key.endswith("events_per_s"):
        return f"{v:,.0f}/s"
    return f"{v * 1e6:.0f} µs" if v < 1e-3 else f"{v * 1e3:.2f} ms"


def summary(names: list[str], rounds: list[dict[str, Any]], args: argparse.Namespace) -> str:
    keys = []
    for n in args.sessions:
        keys += [f"{n}:server_cpu_per_event_s", f"{n}:p50_s", f"{n}:p99_s", f"{n}:events_per_s"]
    if args.memory:
        keys.append("mem")
    lines = ["| figure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for key in keys:
        cells = []
        for name in names:
            values = [v for r in rounds if (v := figure(r[name], key)) is not None]
            ratios = [
                v / e
                for r in rounds
                if (v := figure(r[name], key)) is not None and (e := figure(r["echo"], key))
            ]
            cell = fmt(key, statistics.median(values)) if values else "—"
            if name != "echo" and ratios:
                cell += (
                    f" ({statistics.median(ratios):.2f}x echo: " + "/".join(f"{x:.2f}" for x in ratios) + ")"
                )
            cells.append(cell)
        label = "memory per connected session" if key == "mem" else key.replace(":", " sessions, ")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--revs", default="WORKTREE", help="comma-separated git revisions (WORKTREE: as it is)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sessions", default="1,50,200")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--memory", default="10,100", help="LOW,HIGH open sessions ('' to skip)")
    parser.add_argument("--no-echo", action="store_true")
    parser.add_argument("--no-pin", action="store_true")
    parser.add_argument("--allow-rust-diff", action="store_true")
    parser.add_argument("--json", type=Path, help="also save every round's raw results here")
    args = parser.parse_args()
    args.sessions = [int(x) for x in args.sessions.split(",") if x]
    revs = [r for r in args.revs.split(",") if r]
    with tempfile.TemporaryDirectory(prefix="htag-ab-") as tmp:
        paths: dict[str, Path | None] = {"echo": None} if not args.no_echo else {}
        for rev in revs:
            label = rev if rev == "WORKTREE" else f"{rev} ({ss.git('rev-parse', '--short', rev)})"
            paths[label] = export(rev, Path(tmp) / "revs", args.allow_rust_diff)
        names = list(paths)
        logs = Path(tmp) / "logs"
        logs.mkdir()
        bench = ss.Bench(
            (sys.executable, sys.executable),
            ss.Timing(args.warmup, args.duration),
            ss.placement(not args.no_pin),
            logs,
            ss.QuietGate(budget=60.0 * args.rounds),
        )
        rounds = []
        for i in range(args.rounds):
            order = names[i % len(names) :] + names[: i % len(names)]
            print(f"round {i + 1}/{args.rounds}: {', '.join(order)}", file=sys.stderr)
            rounds.append({name: measure(name, paths[name], args, bench) for name in order})
    if args.json:
        args.json.write_text(json.dumps({"names": names, "rounds": rounds}, indent=1) + "\n")
    if "echo" in names:
        print(summary(names, rounds, args))
    else:
        print(json.dumps(rounds, indent=1))


if __name__ == "__main__":
    main()
