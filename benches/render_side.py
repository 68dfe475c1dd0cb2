"""Render-side benchmark worker: measures one htag implementation and prints ONE JSON object.

    <python> benches/render_side.py --impl ours|upstream

`<python>` decides which htag is measured (our wheel in the project venv, or upstream htag 2.0.28 in
its own venv); `--impl` picks the adapter that drives it the way its server does per page and per
click. `benches/run.py` runs this for both, several times, and writes BENCHMARKS.md.
The figures are described in benches/README.md. Nothing here belongs in pytest: timings are not tests.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import orjson
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads.bigtable_app import SIZES, make_bigtable
from workloads.classflip_app import ClassFlip
from workloads.counter_app import Counter

import htag  # whichever htag this interpreter has

# Every click from htag's client carries a callback_id (Math.random().toString(36).substring(2)),
# and the reply echoes it with the callback's result: the reply frames below include both.
CALLBACK_ID = "k3j9ab12cd"
COUNTER_SESSIONS = 300
MAIN_ROWS = 1_000


# --------------------------------------------------------------------------- adapters


class Adapter(Protocol):
    """What the worker needs from an implementation: what its server does per page and per click."""

    def render_page(self, app: Any) -> str:
        """Render a freshly built App for a page load."""

    def click_reply(self, app: Any) -> bytes:
        """The frame sent in reply to an event whose callback already ran (bytes on the wire)."""

    def broadcast(self, app: Any) -> bytes | None:
        """A broadcast of pending changes: the frame, or None when nothing is sent."""

    def find_tag(self, app: Any, tag_id: str) -> Any:
        """The tag an event message `{"id": tag_id, ...}` is dispatched to."""

    def settle(self, app: Any) -> None:
        """Flush whatever a first render leaves pending, so the next frame shows only new changes."""


class _CaptureSocket:
    """Stands in for Starlette's WebSocket: upstream's broadcast_updates() only awaits send_text()."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_text(self, text: str) -> None:
        self.sent.append(text)


def _run_inline(coro: Coroutine[Any, Any, Any]) -> None:
    """Run a coroutine that never suspends (our socket returns at once) without an event loop."""
    try:
        coro.send(None)
    except StopIteration:
        return
    coro.close()
    raise RuntimeError("coroutine suspended; the benchmark expects it to complete inline")


class UpstreamAdapter:
    """Upstream htag 2.0.28 (htag/runner.py AppRunner, htag/web.py WebApp), called as its server does.

    - page: web.py `index()` answers GET / with `HTMLResponse(instance._render_page())`;
      `_render_page()` = `render_initial()` (= `render_tag(self)`: a walk resetting dirty flags and
      injecting `oninput`, then `str(self)`) + `collect_statics()` (another full walk) + the page
      template with the client JS.
    - click: `handle_event(msg, ws)` finds the target, runs the callback, then awaits
      `broadcast_updates(result=res, callback_id=callback_id, ws=ws)`: `collect_updates()` walks the
      whole tree re-rendering dirty tags, `collect_statics()` walks it again, then
      `_obf_dumps()` (json.dumps) and `ws.send_text(payload)`. The payload is "the frame ready".
    - broadcast with nothing dirty: the State setter calls `root.update()`, which schedules
      `_do_update()` -> `broadcast_updates()` with no callback_id: both walks, and nothing sent.
    - target: `handle_event()` calls `self.find_tag(self, tag_id)`, a `_walk_tree()` over all tags.
    """

    def __init__(self) -> None:
        self._sockets: dict[int, _CaptureSocket] = {}

    def _socket(self, app: Any) -> _CaptureSocket:
        """The app's one connected WebSocket (as `_handle_websocket` adds it to `app.websockets`)."""
        sock = self._sockets.get(id(app))
        if sock is None:
            sock = self._sockets[id(app)] = _CaptureSocket()
            app.websockets.add(sock)
        return sock

    def render_page(self, app: Any) -> str:
        return app._render_page()

    def click_reply(self, app: Any) -> bytes:
        sock = self._socket(app)
        sock.sent.clear()
        _run_inline(app.broadcast_updates(result=None, callback_id=CALLBACK_ID, ws=sock))
        (payload,) = sock.sent
        return payload.encode()

    def broadcast(self, app: Any) -> bytes | None:
        sock = self._socket(app)
        sock.sent.clear()
        _run_inline(app.broadcast_updates())
        return sock.sent[0].encode() if sock.sent else None

    def find_tag(self, app: Any, tag_id: str) -> Any:
        return app.find_tag(app, tag_id)

    def settle(self, app: Any) -> None:
        self._socket(app)
        for _ in range(10):
            if self.broadcast(app) is None:
                return


class OursAdapter:
    """Our htag (htag/web.py, htag/dispatch.py), called as its server does.

    - page: `GET /` calls `app.render_page()` -> (statics, body HTML), then wraps them in the page
      template. It also starts change tracking: after a bare `str(app)` (which renders the same body)
      `next_frame()` reports nothing, so the page render must be `render_page()`. Falls back to
      `str(app)` on an App without it.
    - click: `Dispatcher.handle()` finds the target, runs the callback, then sends
      `Dispatcher.reply()`: `app.next_frame() or {"action": "update"}`, plus callback_id and result,
      encoded by `orjson.dumps(frame, default=str)`.
    - broadcast: the update queue sends `app.next_frame()` when it is not None.
    - target: `app.find_tag(tag_id)`.
    """

    def render_page(self, app: Any) -> str:
        render = getattr(app, "render_page", None)
        if render is None:
            return str(app)
        statics, body = render()
        return "".join(statics) + body

    def click_reply(self, app: Any) -> bytes:
        frame = app.next_frame()
        reply = dict(frame) if frame is not None else {"action": "update"}
        reply["callback_id"] = CALLBACK_ID
        reply["result"] = None
        return orjson.dumps(reply, default=str)

    def broadcast(self, app: Any) -> bytes | None:
        frame = app.next_frame()
        return None if frame is None else orjson.dumps(frame, default=str)

    def find_tag(self, app: Any, tag_id: str) -> Any:
        return app.find_tag(tag_id)

    def settle(self, app: Any) -> None:
        for _ in range(10):
            if app.next_frame() is None:
                return


ADAPTERS: dict[str, Callable[[], Adapter]] = {"upstream": UpstreamAdapter, "ours": OursAdapter}


# --------------------------------------------------------------------------- measuring


@dataclass
class Results:
    """Medians (seconds or bytes), repetition counts, extra facts, and failed sanity checks."""

    figures: dict[str, float] = field(default_factory=dict)
    reps: dict[str, int] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    def fail(self, key: str, message: str) -> None:
        """Record the first failed sanity check of a figure (the figure is then not trusted)."""
        self.failures.setdefault(key, message)

    def add_times(self, key: str, samples_ns: list[int]) -> None:
        self.figures[key] = statistics.median(samples_ns) / 1e9
        self.reps[key] = len(samples_ns)


@dataclass(frozen=True)
class Budget:
    """How many repetitions: at least `min_reps`, then more while under `seconds` and `max_reps`."""

    min_reps: int
    max_reps: int
    seconds: float

    def reps(self) -> Iterable[int]:
        start = time.perf_counter()
        i = 0
        while i < self.min_reps or (i < self.max_reps and time.perf_counter() - start < self.seconds):
            yield i
            i += 1


EXPENSIVE = Budget(min_reps=5, max_reps=30, seconds=3.0)
PER_CLICK = Budget(min_reps=5, max_reps=2_000, seconds=1.5)
MICRO = Budget(min_reps=50, max_reps=20_000, seconds=0.5)


def timed(op: Callable[[], Any]) -> tuple[int, Any]:
    """(nanoseconds taken by `op()`, its result)."""
    t0 = time.perf_counter_ns()
    result = op()
    return time.perf_counter_ns() - t0, result


def frame_shows(frame: bytes, tag_id: str, text: str) -> bool:
    """Whether a frame carries `text` as the content of tag `tag_id`: in the outer HTML of that tag
    (or of an ancestor holding it) under "updates", or in an op naming that tag under "ops"."""
    data = orjson.loads(frame)
    for html in (data.get("updates") or {}).values():
        if f'id="{tag_id}"' in html and f">{text}<" in html:
            return True
    for op in data.get("ops") or []:
        values = [str(v) for v in (op.values() if isinstance(op, dict) else op)]
        if tag_id in values and any(text == v or f">{text}<" in v for v in values):
            return True
    return False


# --------------------------------------------------------------------------- figures


def bench_memory(adapter: Adapter, res: Results) -> None:
    """RSS growth per Counter session: COUNTER_SESSIONS sessions built and rendered once, kept alive.
    Runs first, in a fresh process, so freed memory of other benchmarks cannot absorb it."""
    adapter.render_page(Counter())  # warm up: imports, class registries, caches
    gc.collect()
    process = psutil.Process()
    before = process.memory_info().rss
    sessions, page = [], ""
    for _ in range(COUNTER_SESSIONS):
        app = Counter()
        page = adapter.render_page(app)
        sessions.append(app)
    gc.collect()
    grown = process.memory_info().rss - before
    res.figures["counter_session_bytes"] = grown / COUNTER_SESSIONS
    if "item 199" not in page:
        res.fail("counter_session_bytes", "the Counter page lacks its last item")
    del sessions


def bench_classflip(adapter: Adapter, res: Results) -> None:
    """Size of the reply to one flip, orjson-encoded (upstream's json.dumps payload re-encoded)."""
    app = ClassFlip()
    adapter.render_page(app)
    adapter.settle(app)
    app.flip(None)
    frame = adapter.click_reply(app)
    res.figures["classflip_frame_bytes"] = len(orjson.dumps(orjson.loads(frame)))
    res.info["classflip_frame_wire_bytes"] = len(frame)
    if b"box on" not in frame:
        res.fail("classflip_frame_bytes", f"the flip's frame lacks the class 'box on': {frame[:300]!r}")


def bench_build_render(adapter: Adapter, rows: int, res: Results) -> Any:
    """Build a BigTable, then render it fresh; repeated. Returns the last (rendered) App."""
    cls = make_bigtable(rows)
    builds: list[int] = []
    renders: list[int] = []
    app, page = None, ""
    for _ in EXPENSIVE.reps():
        app = None
        gc.collect()
        took, app = timed(cls)
        builds.append(took)
        took, page = timed(partial(adapter.render_page, app))
        renders.append(took)
    res.add_times(f"build_s@{rows}", builds)
    res.add_times(f"render_s@{rows}", renders)
    res.info[f"render_bytes@{rows}"] = len(page.encode())
    if f"r{rows - 1}c8" not in page:
        res.fail(f"render_s@{rows}", "the page lacks the last row")
    return app


def click_bump(adapter: Adapter, app: Any) -> bytes:
    """What a click on BigTable's button costs once its target is found: callback, then reply."""
    app.bump(None)
    return adapter.click_reply(app)


def bench_one_cell_change(adapter: Adapter, app: Any, rows: int, res: Results) -> None:
    """`app.bump(None)` (the button's callback) then the reply frame, ready to send."""
    key = f"change_s@{rows}"
    adapter.settle(app)
    samples: list[int] = []
    frame = b""
    gc.collect()
    for _ in PER_CLICK.reps():
        row = app.k % rows
        took, frame = timed(partial(click_bump, adapter, app))
        samples.append(took)
        cell_id, value = app.state_cells[row].id, str(app.cells[row].value)
        if not frame_shows(frame, cell_id, value):
            res.fail(key, f"the frame lacks cell {cell_id} = {value}: {frame[:300]!r}")
    res.add_times(key, samples)
    res.info[f"change_frame_bytes@{rows}"] = len(frame)


def bench_empty_broadcast(adapter: Adapter, app: Any, res: Results) -> None:
    """A broadcast when nothing changed: must produce no frame."""
    adapter.settle(app)
    samples: list[int] = []
    gc.collect()
    for _ in MICRO.reps():
        took, frame = timed(partial(adapter.broadcast, app))
        samples.append(took)
        if frame is not None:
            res.fail("empty_broadcast_s", f"a frame was produced: {frame[:300]!r}")
    res.add_times("empty_broadcast_s", samples)


def bench_find(adapter: Adapter, app: Any, key: str, tag_id: str, res: Results) -> None:
    """Find the tag an event names by id."""
    samples: list[int] = []
    found = None
    gc.collect()
    for _ in MICRO.reps():
        took, found = timed(partial(adapter.find_tag, app, tag_id))
        samples.append(took)
    res.add_times(key, samples)
    if found is None or found.id != tag_id:
        res.fail(key, f"find_tag({tag_id!r}) gave {found!r}")


def guarded(res: Results, keys: list[str], bench: Callable[[], Any]) -> Any:
    """Run one benchmark; if it raises, record the error against its figures and go on."""
    try:
        return bench()
    except Exception as exc:  # noqa: BLE001  (an unfinished implementation must not hide the rest)
        for key in keys:
            res.fail(key, f"raised {type(exc).__name__}: {exc}")
        return None


def bench_bigtable(adapter: Adapter, rows: int, res: Results) -> None:
    """Build and render, then per-click figures on the last built (and rendered) tree."""
    app = guarded(
        res, [f"build_s@{rows}", f"render_s@{rows}"], partial(bench_build_render, adapter, rows, res)
    )
    if app is None:
        return
    guarded(res, [f"change_s@{rows}"], partial(bench_one_cell_change, adapter, app, rows, res))
    if rows == MAIN_ROWS:
        guarded(res, ["empty_broadcast_s"], partial(bench_empty_broadcast, adapter, app, res))
        guarded(res, ["find_s"], partial(bench_find, adapter, app, "find_s", "bump", res))
        last_id = app.state_cells[-1].id
        guarded(res, ["find_last_s"], partial(bench_find, adapter, app, "find_last_s", last_id, res))


def run_all(adapter: Adapter) -> Results:
    res = Results()
    guarded(res, ["counter_session_bytes"], partial(bench_memory, adapter, res))
    guarded(res, ["classflip_frame_bytes"], partial(bench_classflip, adapter, res))
    for rows in SIZES:
        bench_bigtable(adapter, rows, res)
        gc.collect()
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", choices=sorted(ADAPTERS), required=True)
    args = parser.parse_args()
    res = run_all(ADAPTERS[args.impl]())
    out = {
        "impl": args.impl,
        "htag_version": getattr(htag, "__version__", "unknown"),
        "htag_file": htag.__file__,
        "python": platform.python_version(),
        "figures": res.figures,
        "reps": res.reps,
        "info": res.info,
        "failures": res.failures,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
