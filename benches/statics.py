"""Statics as content-addressed files: page weight and page-load time of an App with 200 KB
of component CSS/JS (`workloads/statics_app.py`), first and second load, in real Chromium.

    python benches/statics.py [--runs 3] [--loads 2] [--before REV] [--no-write]

Three servers, each run in a rotating order, each started afresh on a free 127.0.0.1 port:
`before` (htag as of REV, default main's commit before the statics work: inline statics, exported
with `git archive` as `benches/ab.py` does, on this checkout's `_core`), `after` (this working
tree: statics served from `_htag/s/<digest>`), and `nicegui` (`workloads/nicegui_statics.py`: the
same CSS/JS added inline the NiceGUI way, NiceGUI 3.18 in its own venv). Each load is measured as
`benches/browser_side.py` measures the Counter's (its helpers: "live" timed in the page from
navigation start, bytes from CDP `Network.loadingFinished`): a first load in a new browser
context (empty cache), then a second navigation in the same context (cookie and HTTP cache
kept). Prints the medians and rewrites the part of BENCHMARKS.md between `<!-- statics -->` and
`<!-- /statics -->`. The machine is shared: the figures are indicative.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import statistics
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

BENCHES = Path(__file__).resolve().parent
REPO = BENCHES.parent
sys.path.insert(0, str(BENCHES))

import ab
import browser_side as bs

REPORT = REPO / "BENCHMARKS.md"
START, END = "<!-- statics -->", "<!-- /statics -->"
DEFAULT_BEFORE = "b930eab"  # main before statics became files
VARIANTS = ("before", "after", "nicegui")


def statics_server(variant: str, nicegui_py: Path, workdir: Path, before_path: Path) -> bs.Server:
    """The app with 200 KB of statics, as `variant` serves it (htag before or after, or NiceGUI)."""
    if variant == "nicegui":
        script = str(BENCHES / "workloads" / "nicegui_statics.py")
        return bs.Server(variant, lambda port: [str(nicegui_py), script, "--port", str(port)], workdir)
    env = {"PYTHONPATH": str(before_path)} if variant == "before" else None
    return bs.Server(variant, partial(bs.htag_command, sys.executable, "statics"), workdir, env)


async def measure(args: argparse.Namespace, nicegui_py: Path, before_path: Path) -> dict[str, list[dict]]:
    from playwright.async_api import async_playwright

    out: dict[str, list[dict]] = {v: [] for v in VARIANTS}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=bs.CHROMIUM, args=bs.CHROMIUM_ARGS)
        try:
            for run in range(args.runs):
                order = VARIANTS[run % 3 :] + VARIANTS[: run % 3]
                for variant in order:
                    with tempfile.TemporaryDirectory() as tmp:
                        server = statics_server(variant, nicegui_py, Path(tmp), before_path)
                        try:
                            loads = await bs.measure_loads(browser, server.url, args.loads)
                        finally:
                            server.stop()
                    out[variant].extend(loads)
                    first = loads[-1]["cold"]
                    print(
                        f"run {run + 1} {variant:8} first {first['bytes'] / 1024:7.1f} KiB "
                        f"{first['live']:6.0f} ms, second {loads[-1]['warm']['bytes'] / 1024:7.1f} KiB "
                        f"{loads[-1]['warm']['live']:6.0f} ms",
                        flush=True,
                    )
        finally:
            await browser.close()
    return out


def medians(loads: list[dict]) -> dict[str, float]:
    def med(kind: str, key: str) -> float:
        return statistics.median(load[kind][key] for load in loads)

    return {
        f"{kind}_{key}": med(kind, key)
        for kind in ("cold", "warm")
        for key in ("bytes", "live", "requests_network", "requests_from_cache")
    }


def render_section(meta: dict[str, Any], meds: dict[str, dict[str, float]]) -> str:
    rows = [
        ("first load: bytes transferred", "cold_bytes", lambda v: f"{v / 1024:.1f} KiB"),
        ("first load: requests", "cold_requests_network", lambda v: f"{v:.0f}"),
        ("first load: time to live", "cold_live", lambda v: f"{v:.0f} ms"),
        ("second load: bytes transferred", "warm_bytes", lambda v: f"{v / 1024:.1f} KiB"),
        ("second load: requests (network / from cache)", None, None),
        ("second load: time to live", "warm_live", lambda v: f"{v:.0f} ms"),
    ]
    lines = [
        "| figure (median) | htag before (inline statics) | htag after (statics as files) | NiceGUI |",
        "|---|---|---|---|",
    ]
    for label, key, fmt in rows:
        if key is None:
            cells = [
                f"{m['warm_requests_network']:.0f} / {m['warm_requests_from_cache']:.0f}"
                for m in (meds[v] for v in VARIANTS)
            ]
        else:
            cells = [fmt(meds[v][key]) for v in VARIANTS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return (
        f"{START}\n## Statics: 200 KB of component CSS/JS, first and second load\n\n"
        f"`{meta['command']}`, {meta['date']}, commit {meta['commit']} (before: {meta['before']}); "
        f"{meta['machine']}; load average {meta['loadavg_before']} before, {meta['loadavg_after']} after; "
        f"{meta['runs']} runs x {meta['loads']} loads per variant, Chromium headless on loopback.\n\n"
        "The page: ten components each declaring ~10 KB of CSS and ~10 KB of JS as `statics` "
        "(`benches/workloads/statics_app.py`; NiceGUI: the same text through `ui.add_css`/`ui.add_head_html`, "
        "`benches/workloads/nicegui_statics.py`). Bytes: what the network carried (CDP encodedDataLength: "
        "compressed bodies and headers, WebSocket frames excluded); time to live: navigation start to the "
        "first frame applied with the WebSocket open (NiceGUI: its handshake). The second load is a new "
        "navigation in the same browser context (its HTTP cache and cookie kept).\n\n"
        + "\n".join(lines)
        + "\n\nThe machine is shared by several engineers (2 cores): the times are indicative, the bytes "
        "and request counts are exact.\n"
        f"{END}"
    )


def write_report(section: str) -> None:
    text = REPORT.read_text()
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    REPORT.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--loads", type=int, default=2, help="first (+ second) loads per variant and run")
    parser.add_argument("--before", default=DEFAULT_BEFORE, help="git revision of the inline behaviour")
    parser.add_argument(
        "--nicegui-venv",
        type=Path,
        default=Path(os.environ.get("HTAG_NICEGUI_VENV", BENCHES / ".bench-venv-nicegui")),
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    nicegui_py = bs.nicegui_python(args.nicegui_venv)
    meta: dict[str, Any] = {
        "command": " ".join(["python", "benches/statics.py", *sys.argv[1:]]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": bs.git_commit(),
        "before": args.before,
        "machine": f"{os.cpu_count()} cores, {bs.cpu_model()}",
        "loadavg_before": bs.loadavg(),
        "runs": args.runs,
        "loads": args.loads,
    }
    with tempfile.TemporaryDirectory() as tmp:
        before_path = ab.export(args.before, Path(tmp), allow_rust_diff=True)
        try:
            loads = asyncio.run(measure(args, nicegui_py, before_path))
        finally:
            bs._kill_all()
    meta["loadavg_after"] = bs.loadavg()
    meds = {v: medians(loads[v]) for v in VARIANTS}
    section = render_section(meta, meds)
    print(section)
    if not args.no_write:
        write_report(section)


if __name__ == "__main__":
    main()
