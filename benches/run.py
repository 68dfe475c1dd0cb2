"""Render-side benchmarks, ours against upstream htag 2.0.28, side by side; rewrites BENCHMARKS.md.

    python benches/run.py [--runs 5]

Runs `benches/render_side.py` with our interpreter (default: this one) and with upstream's venv
interpreter, `--runs` times each, interleaved; takes the median of each figure across runs; checks
the ratios against the targets of shared/BENCHMARKS.md; rewrites BENCHMARKS.md (keeping its
`<!-- server-side -->` section) and plots cost against tree size into benches/cost_vs_size.png.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCHES = Path(__file__).resolve().parent
REPO = BENCHES.parent
WORKER = BENCHES / "render_side.py"
UPSTREAM_PACKAGES = ["htag==2.0.28", "starlette<1", "uvicorn", "psutil", "orjson"]
SIZES = (100, 1_000, 10_000)
SERVER_START, SERVER_END = "<!-- server-side -->", "<!-- /server-side -->"
BROWSER_START, BROWSER_END = "<!-- browser-side -->", "<!-- /browser-side -->"
SERVER_PLACEHOLDER = "_Server-side benchmarks (WebSocket clicks, concurrent sessions) go here._"
PLOT = BENCHES / "cost_vs_size.png"
INTRO = (
    "Rewritten by `python benches/run.py` (see benches/README.md for what each figure means). "
    "Ours and upstream htag 2.0.28 run side by side, interleaved, on this machine; each figure is "
    "the median across runs of per-run medians. Ratio = upstream / ours (above 1: ours is better)."
)
FEW_RUNS = (
    "† {n_runs} runs: shared/BENCHMARKS.md counts a target as met on the median of at least 5 "
    "runs, so this is indicative only."
)
WORKER_TIMEOUT_S = 1_800

Run = dict[str, Any]  # one worker's JSON output


# --------------------------------------------------------------------------- interpreters


def ensure_upstream_venv(venv: Path) -> Path:
    """Upstream's interpreter, creating its venv (htag 2.0.28 and what it needs) when missing."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating upstream venv at {venv} ...", file=sys.stderr)
        base = shutil.which("python3") or sys.executable
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *UPSTREAM_PACKAGES], check=True)
    return python


def import_error(python: str) -> str | None:
    """None when our htag (with its Rust core) imports under `python`, else the error's last line."""
    probe = subprocess.run(
        [python, "-c", "import htag, htag._core"],
        check=False,
        cwd=tempfile.gettempdir(),
        env=clean_env(),
        capture_output=True,
        text=True,
    )
    if probe.returncode == 0:
        return None
    lines = probe.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit code {probe.returncode}"


def clean_env() -> dict[str, str]:
    """The environment for workers: no PYTHONPATH, so each interpreter sees only its own htag."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def run_worker(python: str, impl: str) -> Run:
    """One run of the worker; its last stdout line is the JSON result."""
    done = subprocess.run(
        [python, str(WORKER), "--impl", impl],
        check=False,
        cwd=tempfile.gettempdir(),
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT_S,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{impl} worker failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_interleaved(pythons: dict[str, str], runs: int, problems: dict[str, str]) -> dict[str, list[Run]]:
    """`runs` runs of each implementation, alternating (and alternating who goes first).
    Ours crashing is recorded in `problems` and ends its runs; upstream crashing is fatal."""
    results: dict[str, list[Run]] = {impl: [] for impl in pythons}
    order = list(pythons)
    for i in range(runs):
        for impl in order if i % 2 == 0 else order[::-1]:
            if impl in problems:
                continue
            print(f"run {i + 1}/{runs}: {impl} ...", file=sys.stderr, flush=True)
            try:
                results[impl].append(run_worker(pythons[impl], impl))
            except (RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
                if impl == "upstream":
                    raise
                problems[impl] = f"worker failed: {str(exc).strip().splitlines()[-1]}"
                print(exc, file=sys.stderr)
    return {impl: impl_runs for impl, impl_runs in results.items() if impl_runs}


# --------------------------------------------------------------------------- figures


def add_derived(run: Run) -> Run:
    """Figures computed from others within one run (so their median is across runs too)."""
    figures = run["figures"]
    if "change_s@10000" in figures and "change_s@100" in figures:
        figures["change_growth"] = figures["change_s@10000"] / figures["change_s@100"]
    return run


def medians(runs: list[Run]) -> dict[str, float]:
    """Median of each figure across runs."""
    keys = {k for r in runs for k in r["figures"]}
    return {k: statistics.median(r["figures"][k] for r in runs if k in r["figures"]) for k in keys}


def failures(runs: list[Run]) -> dict[str, str]:
    """The first failed sanity check of each figure, over all runs."""
    found: dict[str, str] = {}
    for run in runs:
        for key, message in run["failures"].items():
            found.setdefault(key, message)
    return found


def fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def fmt_bytes(n: float) -> str:
    return f"{n / 1024:,.1f} KB" if n >= 10_240 else f"{n:,.0f} B"


def fmt_count(n: float) -> str:
    return f"{n:,.0f} B"


def fmt_factor(x: float) -> str:
    return f"{x:,.0f}x" if x >= 100 else f"{x:.3g}x"


@dataclass(frozen=True)
class Target:
    """A target from shared/BENCHMARKS.md: a text, and a test on (upstream, ours) medians."""

    text: str
    met: Callable[[float, float], bool]


def speedup(x: float) -> Target:
    return Target(f">= {x:g}x faster", lambda up, ours: up / ours >= x)


def at_most(limit: float, fmt: Callable[[float], str]) -> Target:
    return Target(f"<= {fmt(limit)}", lambda up, ours: ours <= limit)


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure key of the worker's output, its format and its target."""

    label: str
    key: str
    fmt: Callable[[float], str]
    target: Target | None = None


ROWS = [
    Row("BigTable build, 100 rows", "build_s@100", fmt_time),
    Row("BigTable build, 1,000 rows (~11,000 tags)", "build_s@1000", fmt_time, speedup(8)),
    Row("BigTable build, 10,000 rows", "build_s@10000", fmt_time),
    Row("BigTable full render, 100 rows", "render_s@100", fmt_time),
    Row("BigTable full render, 1,000 rows", "render_s@1000", fmt_time, speedup(15)),
    Row("BigTable full render, 10,000 rows", "render_s@10000", fmt_time),
    Row("one-cell change -> frame ready, 100 rows", "change_s@100", fmt_time),
    Row("one-cell change -> frame ready, 1,000 rows", "change_s@1000", fmt_time, at_most(100e-6, fmt_time)),
    Row("one-cell change -> frame ready, 10,000 rows", "change_s@10000", fmt_time),
    Row("one-cell change: 10,000 rows / 100 rows", "change_growth", fmt_factor, at_most(1.5, fmt_factor)),
    Row("broadcast with nothing dirty (1,000 rows)", "empty_broadcast_s", fmt_time, at_most(10e-6, fmt_time)),
    Row("find the event's target tag (the button)", "find_s", fmt_time),
    Row("find a tag by id (the last cell)", "find_last_s", fmt_time),
    Row("ClassFlip frame per click", "classflip_frame_bytes", fmt_count, at_most(300, fmt_count)),
    Row(
        "memory per Counter session (RSS)",
        "counter_session_bytes",
        fmt_bytes,
        Target("<= 1/4 of upstream", lambda up, ours: ours * 4 <= up),
    ),
]


def table_line(
    row: Row, up: dict[str, float], ours: dict[str, float] | None, failed: dict[str, str], runs: int
) -> str:
    """`| figure | upstream | ours | ratio | target | met? |` for one row."""
    up_value = up.get(row.key)
    ours_value = ours.get(row.key) if ours else None
    cells = [
        row.label,
        row.fmt(up_value) if up_value is not None else "n/a",
        row.fmt(ours_value) if ours_value is not None else "n/a",
    ]
    both = up_value is not None and ours_value is not None
    ratio = (
        "—"
        if row.key == "change_growth" or not both or ours_value == 0
        else fmt_factor(up_value / ours_value)
    )
    cells += [ratio, row.target.text if row.target else "—"]
    cells.append(verdict(row, up_value, ours_value, failed, runs))
    return "| " + " | ".join(cells) + " |"


def verdict(row: Row, up: float | None, ours: float | None, failed: dict[str, str], runs: int) -> str:
    if row.key in failed:
        return "CHECK FAILED"
    if row.target is None:
        return "—"
    if up is None or ours is None:
        return "n/a"
    mark = "yes" if row.target.met(up, ours) else "**no**"
    return mark + ("†" if runs < 5 else "")


# --------------------------------------------------------------------------- report


def machine_lines(runs: dict[str, list[Run]], problems: dict[str, str], load_before: float) -> list[str]:
    lines = [
        f"- date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- machine: {os.cpu_count()} cores, {cpu_model()}, {platform.system()} {platform.release()}",
        (
            f"- 1-minute load average: {load_before:.2f} before, {os.getloadavg()[0]:.2f} after "
            "(above ~0.5, other work shared the cores: absolute times are inflated, ratios less so)"
        ),
        f"- commit: {git_commit()}",
    ]
    for impl, impl_runs in runs.items():
        first = impl_runs[0]
        lines.append(
            f"- {impl}: htag {first['htag_version']} on Python {first['python']} "
            f"({htag_place(first['htag_file'])}), {len(impl_runs)} runs"
        )
    lines += [f"- {impl}: not available ({problem})" for impl, problem in problems.items()]
    return lines


def htag_place(htag_file: str) -> str:
    """Where the measured htag was imported from, without an absolute path: the repository's own
    `htag/`, a venv inside the repository (e.g. benches/.bench-venv-upstream), or elsewhere."""
    path = Path(htag_file).resolve()
    try:
        relative = path.relative_to(REPO)
    except ValueError:
        return "installed outside the repository"
    parts = relative.parts
    if "site-packages" in parts or "dist-packages" in parts:
        venv = Path(*parts[: parts.index("lib")]) if "lib" in parts else relative.parent
        return f"venv at {venv}"
    return f"{relative.parent}/ of the repository"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def git_commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True
    )
    return done.stdout.strip() if done.returncode == 0 else "none (no commit yet)"


def server_section(path: Path) -> str:
    """The sections other scripts write (`<!-- server-side -->` by server_side.py, `<!-- browser-side -->`
    by browser_side.py) of the current file, kept as they are."""
    text = path.read_text() if path.exists() else ""
    kept = []
    for begin, end, placeholder in (
        (SERVER_START, SERVER_END, SERVER_PLACEHOLDER),
        (BROWSER_START, BROWSER_END, None),
    ):
        start, stop = text.find(begin), text.find(end)
        if start != -1 and stop > start:
            kept.append(text[start : stop + len(end)])
        elif placeholder is not None:
            kept.append(f"{begin}\n{placeholder}\n{end}")
    return "\n\n".join(kept)


def render_report(
    runs: dict[str, list[Run]], problems: dict[str, str], load_before: float, plotted: bool, server: str
) -> str:
    up = medians(runs["upstream"])
    ours = medians(runs["ours"]) if runs.get("ours") else None
    failed = {**failures(runs["upstream"]), **failures(runs.get("ours", []))}
    n_runs = len(runs["upstream"])
    lines = [
        "# Benchmarks",
        "",
        INTRO,
        "",
        *machine_lines(runs, problems, load_before),
        "",
        "## Render side",
        "",
        "| figure | upstream 2.0.28 | ours | ratio | target | met? |",
        "|---|---|---|---|---|---|",
    ]
    lines += [table_line(row, up, ours, failed, n_runs) for row in ROWS]
    if n_runs < 5:
        lines += ["", FEW_RUNS.format(n_runs=n_runs)]
    if failed:
        lines += [
            "",
            "Failed sanity checks (the figure did not measure what it claims) and benchmarks that raised:",
        ]
        lines += [f"- `{key}`: {message}" for key, message in sorted(failed.items())]
    if plotted:
        lines += ["", "![cost against tree size](benches/cost_vs_size.png)"]
    lines += ["", server, ""]
    return "\n".join(lines)


def plot(runs: dict[str, list[Run]], path: Path) -> bool:
    """One-cell change and full render cost against rows, log-log, both implementations."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib missing (pip install -r benches/requirements.txt): no plot", file=sys.stderr)
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, (prefix, title) in zip(
        axes, [("change_s", "one-cell change -> frame ready"), ("render_s", "full render of a fresh tree")]
    ):
        for impl, impl_runs in runs.items():
            if not impl_runs:
                continue
            med = medians(impl_runs)
            sizes = [n for n in SIZES if f"{prefix}@{n}" in med]
            if sizes:
                ax.plot(sizes, [med[f"{prefix}@{n}"] * 1e3 for n in sizes], marker="o", label=impl)
        ax.set(
            xscale="log",
            yscale="log",
            title=title,
            xlabel="BigTable rows (11 tags a row)",
            ylabel="ms (median)",
        )
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# --------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each implementation (default 5)")
    parser.add_argument(
        "--ours-python",
        default=sys.executable,
        help="interpreter with our htag installed (default: this one)",
    )
    parser.add_argument(
        "--upstream-venv",
        type=Path,
        default=Path(os.environ.get("HTAG_UPSTREAM_VENV", BENCHES / ".bench-venv-upstream")),
        help="upstream's venv, created when missing (env HTAG_UPSTREAM_VENV)",
    )
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    pythons = {"upstream": str(ensure_upstream_venv(args.upstream_venv))}
    problems: dict[str, str] = {}
    load_before = os.getloadavg()[0]
    ours_error = import_error(args.ours_python)
    if ours_error is None:
        pythons["ours"] = args.ours_python
    else:
        problems["ours"] = f"`import htag, htag._core` failed: `{ours_error}`"
        print(f"ours: not available ({ours_error})", file=sys.stderr)
    runs = {
        impl: [add_derived(r) for r in impl_runs]
        for impl, impl_runs in run_interleaved(pythons, args.runs, problems).items()
    }
    (BENCHES / ".last-run.json").write_text(json.dumps(runs, indent=1))
    plotted = plot(runs, PLOT)
    report = render_report(runs, problems, load_before, plotted, server_section(args.output))
    args.output.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
