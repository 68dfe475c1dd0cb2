"""Runs the long reliability scenarios (those of `pytest -m stress`) and prints the figures of
docs/reliability.md as a markdown table.

    python tests/reliability/measure.py [--only fuzz,sessions,churn,blocking,laggards,sigterm] [--quick]

Each part starts its own server (Granian on loopback, default settings unless said), runs its scenario,
and checks the promises (`promises.py`); a broken promise is printed in the table, never hidden.
`--quick` runs the bounded sizes of the default test run instead (to check the tool itself). Progress
goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzz  # tests/reliability, put on the path above
import load
import promises
import support

Row = tuple[str, str, str, list[str]]  # what, how, figures, broken promises
SERVERS = itertools.count()


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def with_server(directory: Path, run: Callable[..., list[Row]], **options: object) -> list[Row]:
    """`run(server)` with a server of its own (and a log of its own: `on_destroy` calls are counted there)."""
    server = support.start_server(directory, f"server{next(SERVERS)}", **options)
    try:
        return run(server)
    finally:
        server.stop()


def fuzzing(directory: Path, quick: bool) -> list[Row]:
    rows = []
    for transport, bounded in fuzz.BOUNDED.items():
        count = bounded if quick else fuzz.LONG

        def run(server, transport=transport, count=count):
            report = asyncio.run(fuzz.fuzz(transport, server.url, count, fuzz.SEED))
            closes = ", ".join(f"{k}: {v}" for k, v in sorted(report.closed_by_server.items()))
            statuses = ", ".join(f"{k}: {v}" for k, v in sorted(report.statuses.items(), key=str))
            figures = (
                f"{report.frames:,} frames in {report.seconds:.0f} s, {len(report.crashes)} crashes; "
                + (f"sockets closed by the server: {closes}" if closes else f"HTTP statuses: {statuses}")
            )
            return [
                (
                    f"Fuzzed frames, {report.transport}",
                    f"seed {fuzz.SEED}, {len(report.kinds)} kinds of frame",
                    figures,
                    promises.fuzzing(report, count, server),
                )
            ]

        # debug=False: no traceback may reach a client; no flood limit: every event reaches dispatch
        rows += with_server(directory, run, app="Counter", debug=False, event_rate=1e9, event_burst=1e9)
    return rows


def sessions(directory: Path, quick: bool) -> list[Row]:
    count, seconds = (200, 3.0) if quick else (load.LONG_SESSIONS, 10.0)

    def run(server):
        result = asyncio.run(load.concurrent_sessions(server.url, count, seconds))
        figures = (
            f"{result.clicks:,} clicks, {len(result.errors)} errors, p50 {ms(result.p50_ms)}, "
            f"p99 {ms(result.p99_ms)} (opened in {result.setup_s:.1f} s)"
        )
        how = f"{count:,} sessions open at once, default settings, all clicking for {seconds:.0f} s"
        return [("Concurrent sessions", how, figures, promises.concurrent(result, server))]

    return with_server(directory, run)


def churning(directory: Path, quick: bool) -> list[Row]:
    rounds, per_round, cap, warm, limit = (40, 40, 40, 20, 4.0) if quick else (50, 400, None, 5, 16.0)
    options = {"max_sessions": cap} if cap else {}

    def run(server):
        result = asyncio.run(load.churn(server, rounds, per_round))
        figures = (
            f"{result.sessions:,} sessions; RSS {result.rss_mib[warm - 1]:.0f} MiB after {warm * per_round:,}, "
            f"{max(result.rss_mib[warm:]):.0f} MiB at most after, {result.rss_mib[-1]:.0f} MiB at the end"
        )
        how = f"rounds of {per_round} sessions (page, socket, a click) that leave; cap {cap or 1000}"
        return [("Session churn", how, figures, promises.churn(result, warm, limit))]

    return with_server(directory, run, **options)


def blocking(directory: Path, quick: bool) -> list[Row]:
    others, block_s = (20, 2.0) if quick else (load.LONG_BLOCKED_OTHERS, 5.0)

    def run(server):
        result = asyncio.run(load.blocking_callback(server.url, others, block_s))
        figures = (
            f"others' p99 {ms(result.during_p99_ms)} while it sleeps ({ms(result.baseline_p99_ms)} before), "
            f"{result.during_clicks:,} clicks; its reply: {result.blocked_reply} after "
            f"{result.blocked_reply_s or 0:.1f} s"
        )
        how = f"{others} sessions click while one sync callback sleeps {block_s:.0f} s"
        return [("Blocking callback", how, figures, promises.blocking(result, others, server))]

    return with_server(directory, run)


def laggards(directory: Path, quick: bool) -> list[Row]:
    deadline = 15.0
    rows = []
    for read_every in (None, 0.02):

        def run(server, read_every=read_every):
            result = asyncio.run(load.laggard(server, 3_000, read_every, deadline))
            closed = (
                "not closed"
                if result.closed_after_s is None
                else f"closed after {result.closed_after_s:.1f} s"
            )
            figures = (
                f"{closed}, close code {result.close_code}, {result.frames_read} frames read, "
                f"server RSS +{result.rss_growth_mib:.0f} MiB, another session's p99 {ms(result.others_p99_ms)}"
            )
            how = "asks for 3,000 frames of 16 KiB, " + (
                "reads none" if read_every is None else f"reads one every {read_every * 1000:.0f} ms"
            )
            return [
                (
                    f"{result.kind.capitalize()} client",
                    how,
                    figures,
                    promises.laggard(result, deadline, server),
                )
            ]

        rows += with_server(directory, run)
    return rows


def sigterm(directory: Path, quick: bool) -> list[Row]:
    runs, count = (1, 50) if quick else (10, 500)
    results = []
    broken: list[str] = []
    for i in range(runs):

        def run(server, i=i):
            result = asyncio.run(load.sigterm_under_load(server, count, promises.EXIT_S))
            results.append(result)
            broken.extend(f"run {i + 1}: {b}" for b in promises.sigterm(result, server))
            return []

        with_server(directory, run)
    complete = sum(1 for r in results if r.destroyed == r.opened)
    going_away = sum(1 for r in results if r.close_codes == {promises.GOING_AWAY: r.opened})
    if broken:  # the same failures run after run: the first run's, and how often
        first = broken[0].split(":")[0]
        failed = len({b.split(":")[0] for b in broken})
        broken = [b for b in broken if b.startswith(first + ":")] + [f"failed in {failed} of {runs} runs"]
    exits = [r.exit_s for r in results if r.exit_s is not None]
    figures = (
        f"every on_destroy ran in {complete} of {runs} runs "
        f"({', '.join(str(r.destroyed) for r in results)} of {count}); "
        f"every socket closed with {promises.GOING_AWAY} in {going_away} of {runs} runs; "
        f"exit within {max(exits):.1f} s" + ("" if len(exits) == runs else f" in {len(exits)} runs")
        if exits
        else "never exited"
    )
    how = f"{count} sessions clicking, then SIGTERM; {runs} runs"
    return [("SIGTERM under load", how, figures, broken)]


PARTS = {
    "fuzz": fuzzing,
    "sessions": sessions,
    "churn": churning,
    "blocking": blocking,
    "laggards": laggards,
    "sigterm": sigterm,
}


def table(rows: list[Row]) -> str:
    lines = ["| What | How | Measured | Promise |", "|---|---|---|---|"]
    for what, how, figures, broken in rows:
        verdict = "kept" if not broken else "**broken**: " + "; ".join(broken)
        lines.append(f"| {what} | {how} | {figures} | {verdict.replace('|', '/')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts: " + ", ".join(PARTS))
    parser.add_argument("--quick", action="store_true", help="the bounded sizes of the default test run")
    args = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only.split(","):
            began = time.perf_counter()
            print(f"{name} ...", file=sys.stderr, flush=True)
            rows += PARTS[name](Path(tmp), args.quick)
            print(f"{name}: {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    cpu = platform.processor() or platform.machine()
    print(
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}:\n"
    )
    print(table(rows))


if __name__ == "__main__":
    main()
