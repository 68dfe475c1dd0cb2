"""`htag bench module:App`: how fast the user's own App builds, renders and updates, next to
plain string building of the same HTML."""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import time
import tracemalloc
import warnings
from collections.abc import Callable
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from . import target

HELP = "measure an App: build, render, frame after a State change, memory"
DESCRIPTION = """\
Measures the App in this process, without a server: the time to build one (App()), to
render its first page (time and bytes), to produce the update frame after one State
change (time, bytes, frames per second), the memory one instance holds, and the same page
built by plain Python string building (f-strings and join over the same tree), as the
floor to compare with. Each time is the median of repeated runs. Lifecycle hooks that
start a task (async on_mount) wait for a server, so they do not run here."""
EPILOG = """\
examples:
  htag bench app:App
  htag bench examples/demo.py:Demo --state n --json > bench.json
"""


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "bench",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", metavar="module:App", help="the App class: module:App or path/to/file.py:App")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument(
        "--seconds",
        type=float,
        default=0.5,
        help="time spent on each measure (default 0.5; more is steadier)",
    )
    p.add_argument(
        "--instances", type=int, default=200, help="instances kept to measure memory (default 200)"
    )
    p.add_argument(
        "--state", help="the App attribute holding the State to change (default: the first State found)"
    )
    p.set_defaults(command=command)


def command(args: argparse.Namespace) -> int:
    factory = app_factory(target.load(args.target))
    if args.seconds <= 0 or args.instances < 1:
        raise target.TargetError("--seconds must be > 0 and --instances >= 1")
    with warnings.catch_warnings():
        # an async on_mount returns a coroutine that waits for a server: none runs here
        warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)
        result = measure(factory, args.seconds, args.instances, args.state)
        gc.collect()  # the measured Apps go now, while the warning is ignored
    result["target"] = args.target
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(table(result))
    return 0


def app_factory(obj: Any) -> Callable[[], Any]:
    from htag.server import WebApp

    if isinstance(obj, WebApp):
        if obj.sessions.shared is not None:
            raise target.TargetError("this WebApp serves one shared App: bench needs the App class")
        return obj.sessions.factory
    if isinstance(obj, type):
        return obj
    raise target.TargetError("bench needs the App class (one instance per session), not an App instance")


# -- the measures ------------------------------------------------------------------------


def median_time(run: Callable[[], Any], seconds: float, minimum: int = 5) -> float:
    """Median seconds per call of `run`, called for about `seconds` (at least `minimum` times)."""
    times: list[float] = []
    end = time.perf_counter() + seconds
    while len(times) < minimum or time.perf_counter() < end:
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(
    factory: Callable[[], Any], seconds: float, instances: int, state_name: str | None
) -> dict[str, Any]:
    from htag import __version__

    memory = measure_memory(factory, instances)  # first: before the timing loops grow the heap
    build = median_time(factory, seconds)
    apps = iter(_endless(factory))
    render = median_time(lambda: next(apps).render_page(), seconds)
    app = factory()
    _, body = app.render_page()
    tree = parse(body)
    plain_html = plain_render(tree)
    plain = median_time(lambda: plain_render(tree), seconds)
    result: dict[str, Any] = {
        "htag_version": __version__,
        "python": platform.python_version(),
        "build_us": build * 1e6,
        "render_us": render * 1e6,
        "render_bytes": len(body.encode()),
        "plain_us": plain * 1e6,
        "plain_bytes": len(plain_html.encode()),
        "plain_same_markup": plain_html == body,
        "render_vs_plain": render / plain,
    }
    result.update(measure_frame(app, state_name, seconds))
    result.update(memory)
    return result


def _endless(factory: Callable[[], Any]) -> Any:
    while True:
        yield factory()


def measure_frame(app: Any, state_name: str | None, seconds: float) -> dict[str, Any]:
    """The update after one State change: set the value, take the frame."""
    name, state = find_state(app, state_name)
    start = state.value
    values = [bumped(start), start]
    sizes: list[int] = []

    def change() -> None:
        state.value = values[len(sizes) % 2]
        frame = app.next_frame()
        sizes.append(len(json.dumps(frame, separators=(",", ":")).encode()) if frame else 0)

    frame_time = median_time(change, seconds)
    if not any(sizes):
        raise target.TargetError(f"changing State {name!r} sends no update: is it shown on the page?")
    return {
        "frame_state": name,
        "frame_us": frame_time * 1e6,
        "frame_bytes": max(sizes),
        "frames_per_second": 1 / frame_time,
    }


def find_state(app: Any, name: str | None) -> tuple[str, Any]:
    from htag import State

    states = {k: v for k, v in vars(app).items() if isinstance(v, State)}
    if name is not None:
        if name not in states:
            raise target.TargetError(
                f"no State attribute {name!r} on the App (found: {', '.join(states) or 'none'})"
            )
        return name, states[name]
    for key, state in states.items():
        if _bumpable(state.value):
            return key, state
    raise target.TargetError(
        "the App has no State attribute holding a bool, number or str to change (say which: --state NAME)"
    )


def _bumpable(value: Any) -> bool:
    return isinstance(value, (bool, int, float, str))


def bumped(value: Any) -> Any:
    if not _bumpable(value):
        raise target.TargetError(
            f"cannot change a State holding a {type(value).__name__}: choose another (--state)"
        )
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    return value + "!"


def measure_memory(factory: Callable[[], Any], instances: int) -> dict[str, Any]:
    """Resident memory grown by `instances` rendered instances (the Rust tree included), or,
    where /proc is missing, what Python allocated for them (the Rust tree not included)."""
    kept = [factory()]  # the first instance pays for the class's caches
    kept[0].render_page()
    statm = Path("/proc/self/statm")
    gc.collect()
    if statm.exists():
        page = _page_size()
        before = int(statm.read_text().split()[1]) * page
        for _ in range(instances):
            kept.append(factory())
            kept[-1].render_page()
        gc.collect()
        grown = int(statm.read_text().split()[1]) * page - before
        method = "resident memory (RSS)"
    else:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(instances):
            kept.append(factory())
            kept[-1].render_page()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        method = "Python allocations (tracemalloc)"
    return {
        "memory_kib_per_instance": max(grown, 0) / instances / 1024,
        "memory_instances": instances,
        "memory_method": method,
    }


def _page_size() -> int:
    import os

    return os.sysconf("SC_PAGE_SIZE")


# -- plain string building of the same HTML -------------------------------------------------


class Raw(str):
    """The text of <script> and <style>: written as it is, never escaped."""


Node = tuple[str, list[tuple[str, str | None]], list[Any]]
RAW_TEXT = {"script", "style"}


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        from htag.core import VOID_ELEMENTS

        self.void = set(VOID_ELEMENTS)
        self.root: Node = ("", [], [])
        self.stack: list[Node] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node: Node = (tag, attrs, [])
        self.stack[-1][2].append(node)
        if tag not in self.void:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if len(self.stack) > 1 and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1][2].append(Raw(data) if self.stack[-1][0] in RAW_TEXT else data)


def parse(html: str) -> list[Any]:
    """The page's tree as plain tuples (tag, attributes, children) and strings."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root[2]


def plain_render(nodes: list[Any]) -> str:
    """The markup of `nodes`, escaped as htag escapes, by f-strings and join: one walk."""
    from htag.core import VOID_ELEMENTS

    void = VOID_ELEMENTS

    def render(node: Any) -> str:
        if isinstance(node, str):
            return node if isinstance(node, Raw) else escape(node, quote=False)
        tag, attrs, children = node
        a = "".join(f" {k}" if v is None else f' {k}="{escape(v)}"' for k, v in attrs)
        if tag in void:
            return f"<{tag}{a}>"
        return f"<{tag}{a}>{''.join(map(render, children))}</{tag}>"

    return "".join(map(render, nodes))


# -- the table --------------------------------------------------------------------------


def table(r: dict[str, Any]) -> str:
    same = "same markup" if r["plain_same_markup"] else "markup differs (escaping or attribute form)"
    rows = [
        ("build (App())", _us(r["build_us"]), ""),
        ("full render (first page)", _us(r["render_us"]), f"{r['render_bytes']} B"),
        ("plain string building", _us(r["plain_us"]), f"{r['plain_bytes']} B  {same}"),
        ("  htag render / plain", f"{r['render_vs_plain']:.1f}x", ""),
        (f"frame after one State change ({r['frame_state']})", _us(r["frame_us"]), f"{r['frame_bytes']} B"),
        ("frames per second", f"{r['frames_per_second']:,.0f}", ""),
        ("memory per instance", f"{r['memory_kib_per_instance']:.1f} KiB", r["memory_method"]),
    ]
    width = max(len(name) for name, _, _ in rows)
    head = f"htag bench {r['target']}  (htag {r['htag_version']}, Python {r['python']}; times are medians)"
    lines = [head, ""]
    lines += [f"{name:<{width}}  {value:>12}  {extra}".rstrip() for name, value, extra in rows]
    return "\n".join(lines)


def _us(us: float) -> str:
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.1f} µs"
