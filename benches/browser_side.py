"""Browser-side benchmark: htag against NiceGUI 3.18 in real Chromium, side by side, in one run.

    python benches/browser_side.py [--runs 5] [--clicks 200] [--sessions 10,60] [--quick]

For each run, in a rotating order, it starts each framework's server as its own subprocess on a free
127.0.0.1 port (htag: `benches/htag_server.py`, i.e. `WebApp(Counter).run(server="granian")`;
NiceGUI: `benches/workloads/nicegui_counter.py`, i.e. `ui.run(show=False, reload=False)` in its own
venv), drives it with a fresh headless Chromium (Python playwright) and measures, on the same Counter
page: page load to "the app is live" (cold and warm), page weight (CDP `Network.loadingFinished`
encodedDataLength) and requests, click-to-DOM latency timed inside the page, and server RSS per
connected session. Then the median of each figure across runs; it writes
`benches/results/browser_side.json` and rewrites the part of BENCHMARKS.md between
`<!-- browser-side -->` and `<!-- /browser-side -->`. Method and caveats: benches/README-browser.md.

Why one file over 500 lines: a benchmark is read as one procedure, from starting the
servers and Chromium to the table it writes; its sections follow that order, each under
a `# ---` banner.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import datetime
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BENCHES = Path(__file__).resolve().parent
REPO = BENCHES.parent
RESULTS = BENCHES / "results" / "browser_side.json"
REPORT = REPO / "BENCHMARKS.md"
START, END = "<!-- browser-side -->", "<!-- /browser-side -->"
sys.path.insert(0, str(BENCHES))
from run import cpu_model  # the render-side script's machine description, shared

HOST = "127.0.0.1"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
NICEGUI_SPEC = "nicegui==3.18.*"
NICEGUI_FALLBACK_SPEC = "nicegui>=3,<4"
SERVER_START_TIMEOUT_S = 60.0
SERVER_STOP_TIMEOUT_S = 10.0
LIVE_TIMEOUT_MS = 30_000
NETWORK_QUIET_S = 0.3  # a load's bytes are counted once no request is in flight for this long ...
NETWORK_QUIET_MAX_S = 5.0  # ... waiting no longer than this after the app is live
SETTLE_STEP_S = 1.0  # RSS is read when two readings this far apart differ by less than ...
SETTLE_TOLERANCE = 0.01  # ... this fraction ...
SETTLE_MAX_S = 20.0  # ... or after this long (then marked unsettled)
OPEN_CONCURRENCY = 4  # pages opened at once for the memory figure


FRAMEWORKS: dict[str, dict[str, str]] = {
    # the two elements of the page the benchmark needs, and what "connected" means there
    "htag": {
        "label": "htag",
        "count": "#count",
        "button": "#inc",
        "connected": "window.htag && window.htag.mode === 'ws'",
    },
    "nicegui": {
        "label": "NiceGUI",
        "count": ".bench-count",
        "button": ".bench-inc",
        "connected": "window.socket && window.socket.connected && window.did_handshake === true",
    },
}

# Installed in every page before any of the page's scripts. It records `__bench.live`, the
# performance.now() (ms since navigation start) at which the app is live:
# - htag: the first WebSocket frame has been handled (its client applies a frame in a microtask
#   chained from `onmessage`; three microtask hops later it is in the DOM) while `htag.mode === 'ws'`;
# - NiceGUI: its client sets `window.did_handshake = true` once socket.io is connected and the
#   handshake answered (before that, its events are not sent).
INIT_SCRIPT = r"""
(() => {
  if (window.__bench) return;
  const B = window.__bench = { live: null, firstFrame: null };
  const mark = () => { if (B.live === null) B.live = performance.now(); };
  const d = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    configurable: true, enumerable: d.enumerable,
    get() { return d.get.call(this); },
    set(fn) {
      if (typeof fn !== 'function') { d.set.call(this, fn); return; }
      d.set.call(this, function () {
        const r = fn.apply(this, arguments);
        if (B.firstFrame === null && window.htag) {
          B.firstFrame = performance.now();
          Promise.resolve().then(() => 0).then(() => 0).then(() => {
            if (window.htag.mode === 'ws') mark();
          });
        }
        return r;
      });
    }
  });
  let handshake;
  Object.defineProperty(window, 'did_handshake', {
    configurable: true,
    get() { return handshake; },
    set(v) { handshake = v; if (v === true) mark(); }
  });
})();
"""

# Untrusted clicks, timed in the page: performance.now() just before `button.click()` (the event is
# dispatched synchronously inside it) to the MutationObserver callback that sees the count's text
# change (a microtask right after the DOM write, before any paint). The observer watches the whole
# body so a replaced element is still seen. A random 2-10 ms pause between clicks keeps the clicks
# from locking into the phase of any server-side loop.
CLICK_JS = r"""
async ({n, warm, button, count}) => {
  const out = [];
  for (let i = 0; i < warm + n; i++) {
    const before = document.querySelector(count).textContent;
    let t1 = 0, timer;
    const done = new Promise((resolve, reject) => {
      const mo = new MutationObserver(() => {
        if (document.querySelector(count).textContent !== before) {
          t1 = performance.now(); mo.disconnect(); clearTimeout(timer); resolve();
        }
      });
      mo.observe(document.body, { childList: true, characterData: true, subtree: true });
      timer = setTimeout(() => { mo.disconnect(); reject(new Error('count unchanged 5 s after click ' + i)); }, 5000);
    });
    const t0 = performance.now();
    document.querySelector(button).click();
    await done;
    if (i >= warm) out.push(t1 - t0);
    await new Promise(r => setTimeout(r, 2 + Math.random() * 8));
  }
  return { latencies: out, text: document.querySelector(count).textContent };
}
"""

# Trusted clicks (CDP Input.dispatchMouseEvent through playwright's page.mouse): timed from the
# dispatch of the `click` event (a capture listener on window, the first to run) to the DOM change.
ARM_TRUSTED_JS = r"""
(count) => {
  const before = document.querySelector(count).textContent;
  window.__trusted = new Promise((resolve, reject) => {
    let t0 = null, timer;
    window.addEventListener('click', () => { t0 = performance.now(); }, { capture: true, once: true });
    const mo = new MutationObserver(() => {
      if (document.querySelector(count).textContent !== before) {
        mo.disconnect(); clearTimeout(timer);
        resolve(t0 === null ? null : performance.now() - t0);
      }
    });
    mo.observe(document.body, { childList: true, characterData: true, subtree: true });
    timer = setTimeout(() => { mo.disconnect(); reject(new Error('count unchanged 5 s after a trusted click')); }, 5000);
  });
}
"""


# --------------------------------------------------------------------------- small helpers


def rel(path: str | Path) -> str:
    """A path relative to the repository when inside it (the report never prints /work/...)."""
    p = Path(path).resolve()
    try:
        return str(p.relative_to(REPO))
    except ValueError:
        return p.name if p.is_absolute() else str(p)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(q / 100 * len(s) + 0.5) - 1))
    return s[k]


def median(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def loadavg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def free_port() -> int:
    for _ in range(20):
        with socket.socket() as s:
            s.bind((HOST, 0))
            port = s.getsockname()[1]
        # Granian binds with SO_REUSEPORT: check that nobody listens there already.
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if probe.connect_ex((HOST, port)) != 0:
                return port
    raise RuntimeError("no free port found on 127.0.0.1")


def git_commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True
    )
    commit = done.stdout.strip() or "unknown"
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
        check=False,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return commit + (" (with uncommitted changes)" if dirty else "")


# --------------------------------------------------------------------------- interpreters


def nicegui_python(venv: Path) -> Path:
    """The NiceGUI venv's python, creating the venv when missing (never the project's venv)."""
    python = venv / "bin" / "python"
    if python.exists():
        ok = subprocess.run([str(python), "-c", "import nicegui"], capture_output=True, check=False)
        if ok.returncode == 0:
            return python
    print(f"creating the NiceGUI venv {rel(venv)} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "pip"), "install", "-q"]
    if subprocess.run([*pip, NICEGUI_SPEC], check=False).returncode != 0:
        print(f"{NICEGUI_SPEC} not installable: falling back to {NICEGUI_FALLBACK_SPEC}", flush=True)
        subprocess.run([*pip, NICEGUI_FALLBACK_SPEC], check=True)
    return python


def versions(nicegui_py: Path) -> dict[str, str]:
    import importlib.metadata as md

    out: dict[str, str] = {"python": platform.python_version()}
    for name in ("htag", "granian", "starlette", "playwright"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "?"
    code = (
        "import importlib.metadata as m, platform, json; "
        "print(json.dumps({k: m.version(k) for k in ('nicegui', 'uvicorn', 'fastapi', 'python-socketio')}"
        " | {'python': platform.python_version()}))"
    )
    done = subprocess.run([str(nicegui_py), "-c", code], capture_output=True, text=True, check=False)
    try:
        ng = json.loads(done.stdout)
    except ValueError:
        ng = {}
    out["nicegui"] = ng.get("nicegui", "?")
    out["nicegui_uvicorn"] = ng.get("uvicorn", "?")
    out["nicegui_fastapi"] = ng.get("fastapi", "?")
    out["nicegui_socketio"] = ng.get("python-socketio", "?")
    out["nicegui_python"] = ng.get("python", "?")
    return out


# --------------------------------------------------------------------------- servers

_STARTED: list[subprocess.Popen] = []


def _kill_all() -> None:
    for proc in _STARTED:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


atexit.register(_kill_all)


def htag_command(python: str, app: str, port: int) -> list[str]:
    """`benches/htag_server.py` serving one of its apps with our htag on Granian."""
    script = str(BENCHES / "htag_server.py")
    return [
        python,
        script,
        "--impl",
        "ours",
        "--app",
        app,
        "--server",
        "granian",
        "--host",
        HOST,
        "--port",
        str(port),
    ]


def counter_command(framework: str, ours_py: str, nicegui_py: Path, port: int) -> list[str]:
    """The Counter page of `framework` (htag or NiceGUI) on `port`."""
    if framework == "htag":
        return htag_command(ours_py, "counter", port)
    return [
        str(nicegui_py),
        str(BENCHES / "workloads" / "nicegui_counter.py"),
        "--host",
        HOST,
        "--port",
        str(port),
    ]


class Server:
    """A server (`name` for the logs), in its own process group, on a free port given to
    `command(port)`; ready once it answers the favicon, stopped by `stop()`."""

    def __init__(
        self, name: str, command: Callable[[int], list[str]], workdir: Path, env: dict[str, str] | None = None
    ) -> None:
        self.framework = name
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}/"
        self.log_path = workdir / f"{name}-{self.port}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        cwd = workdir / name  # NiceGUI may write .nicegui/ in its working directory
        cwd.mkdir(exist_ok=True)
        self.proc = subprocess.Popen(
            command(self.port),
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            start_new_session=True,
        )
        _STARTED.append(self.proc)
        self.started = time.monotonic()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def log_tail(self, n: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.framework} server exited with code {self.proc.returncode} "
                    f"before answering on {self.url}; its log:\n{self.log_tail()}"
                )
            try:  # the favicon: a page load would create a session
                with urllib.request.urlopen(self.url + "favicon.ico", timeout=2) as r:
                    if r.status == 200:
                        self.ready_s = time.monotonic() - self.started
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(
            f"{self.framework} server did not answer on {self.url} within "
            f"{SERVER_START_TIMEOUT_S:.0f} s; its log:\n{self.log_tail()}"
        )

    def rss(self) -> int:
        """RSS in bytes of the server process and all its children (Granian's worker)."""
        import psutil

        root = psutil.Process(self.proc.pid)
        total = 0
        for p in [root, *root.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGINT)
                self.proc.wait(SERVER_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                pass
            except ProcessLookupError:
                pass
        try:  # whatever is left of the group (Granian's worker included)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        if self.proc in _STARTED:
            _STARTED.remove(self.proc)
        self._log.close()


async def settled_rss(server: Server) -> dict[str, Any]:
    """Polls RSS until two readings SETTLE_STEP_S apart differ by less than SETTLE_TOLERANCE."""
    deadline = time.monotonic() + SETTLE_MAX_S
    last = server.rss()
    while True:
        await asyncio.sleep(SETTLE_STEP_S)
        now = server.rss()
        if abs(now - last) / max(last, 1) < SETTLE_TOLERANCE:
            return {"rss": now, "settled": True}
        if time.monotonic() > deadline:
            return {"rss": now, "settled": False}
        last = now


# --------------------------------------------------------------------------- the browser side


class NetLog:
    """CDP Network events of one page: bytes (encodedDataLength) and requests of one load."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests: dict[str, str] = {}
        self.finished: dict[str, int] = {}
        self.failed: set[str] = set()
        self.from_cache: set[str] = set()
        self.redirects = 0
        self.ws_in = 0
        self.ws_frames_in = 0
        self.last_event = time.monotonic()

    def attach(self, cdp: Any) -> None:
        def on(name: str):
            def deco(fn):
                def wrapped(ev: dict) -> None:
                    self.last_event = time.monotonic()
                    fn(ev)

                cdp.on(name, wrapped)
                return fn

            return deco

        @on("Network.requestWillBeSent")
        def _sent(ev: dict) -> None:
            if ev.get("redirectResponse"):
                self.redirects += 1
            self.requests[ev["requestId"]] = ev["request"]["url"]

        @on("Network.requestServedFromCache")
        def _cache(ev: dict) -> None:
            self.from_cache.add(ev["requestId"])

        @on("Network.loadingFinished")
        def _done(ev: dict) -> None:
            self.finished[ev["requestId"]] = int(ev.get("encodedDataLength", 0))

        @on("Network.loadingFailed")
        def _fail(ev: dict) -> None:
            self.failed.add(ev["requestId"])

        @on("Network.webSocketFrameReceived")
        def _ws(ev: dict) -> None:
            self.ws_frames_in += 1
            self.ws_in += len(ev["response"].get("payloadData", "").encode())

    def in_flight(self) -> int:
        return sum(1 for r in self.requests if r not in self.finished and r not in self.failed)

    async def quiet(self) -> bool:
        deadline = time.monotonic() + NETWORK_QUIET_MAX_S
        while time.monotonic() < deadline:
            if self.in_flight() == 0 and time.monotonic() - self.last_event >= NETWORK_QUIET_S:
                return True
            await asyncio.sleep(0.05)
        return False

    def summary(self) -> dict[str, Any]:
        urls = {rid: url for rid, url in self.requests.items() if not url.startswith("data:")}
        cached = [r for r in urls if r in self.from_cache]
        return {
            "bytes": sum(self.finished.get(r, 0) for r in urls),
            "requests": len(urls),
            "requests_network": len(urls) - len(cached),
            "requests_from_cache": len(cached),
            "failed": len([r for r in urls if r in self.failed]),
            "ws_bytes_in": self.ws_in,
            "ws_frames_in": self.ws_frames_in,
            "by_url": sorted(
                ((urlsplit(urls[r]).path, self.finished.get(r, 0)) for r in urls), key=lambda x: -x[1]
            ),
        }


async def new_context(browser: Any) -> Any:
    ctx = await browser.new_context()
    await ctx.add_init_script(INIT_SCRIPT)
    return ctx


async def load(page: Any, url: str, net: NetLog | None) -> dict[str, Any]:
    """One navigation, timed in the page from navigation start to `__bench.live`."""
    if net is not None:
        net.reset()
    await page.goto(url, wait_until="commit", timeout=LIVE_TIMEOUT_MS)
    await page.wait_for_function("window.__bench && window.__bench.live !== null", timeout=LIVE_TIMEOUT_MS)
    figures = await page.evaluate("""() => {
      const nav = performance.getEntriesByType('navigation')[0] || {};
      return { live: window.__bench.live, first_frame: window.__bench.firstFrame,
               response_end: nav.responseEnd, dom_content_loaded: nav.domContentLoadedEventEnd,
               load_event: nav.loadEventEnd };
    }""")
    if net is not None:
        figures["network_quiet"] = await net.quiet()
        figures.update(net.summary())
    return figures


async def measure_loads(browser: Any, url: str, n: int) -> list[dict[str, Any]]:
    """n cold loads (each in a new context: empty cache, no cookie), each followed by a warm one."""
    out = []
    for _ in range(n):
        ctx = await new_context(browser)
        try:
            page = await ctx.new_page()
            cdp = await ctx.new_cdp_session(page)
            net = NetLog()
            net.attach(cdp)
            await cdp.send("Network.enable")
            cold = await load(page, url, net)
            await asyncio.sleep(0.2)
            warm = await load(page, url, net)  # same context and page: cookie and HTTP cache kept
            out.append({"cold": cold, "warm": warm})
        finally:
            await ctx.close()
    return out


async def measure_clicks(
    browser: Any, url: str, fw: dict[str, str], n: int, warm: int, trusted: int
) -> dict[str, Any]:
    ctx = await new_context(browser)
    try:
        page = await ctx.new_page()
        await load(page, url, None)
        res = await page.evaluate(
            CLICK_JS, {"n": n, "warm": warm, "button": fw["button"], "count": fw["count"]}
        )
        lat = res["latencies"]
        expected = str(n + warm)
        if res["text"].strip() != expected:
            raise RuntimeError(f"after {n + warm} clicks the count shows {res['text']!r}, not {expected}")
        trusted_lat = []
        button = page.locator(fw["button"])
        await button.scroll_into_view_if_needed()  # below 200 list items: outside the viewport
        box = await button.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        for _ in range(trusted):
            await page.evaluate(ARM_TRUSTED_JS, fw["count"])
            await page.mouse.click(x, y)
            d = await page.evaluate("window.__trusted")
            if d is not None:
                trusted_lat.append(d)
            await asyncio.sleep(random.uniform(0.002, 0.010))
        return {
            "p50_ms": percentile(lat, 50),
            "p99_ms": percentile(lat, 99),
            "mean_ms": statistics.fmean(lat),
            "min_ms": min(lat),
            "max_ms": max(lat),
            "clicks": len(lat),
            "trusted_p50_ms": percentile(trusted_lat, 50) if trusted_lat else None,
            "trusted_clicks": len(trusted_lat),
            "latencies_ms": [round(v, 3) for v in lat],
        }
    finally:
        await ctx.close()


async def open_sessions(browser: Any, url: str, n: int) -> list[Any]:
    """n live pages, each in its own context (its own cookie, hence its own htag session)."""
    sem = asyncio.Semaphore(OPEN_CONCURRENCY)

    async def one() -> Any:
        async with sem:
            ctx = await new_context(browser)
            try:
                page = await ctx.new_page()
                await load(page, url, None)
            except BaseException:
                await ctx.close()
                raise
            return ctx

    results = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
    ctxs = [r for r in results if not isinstance(r, BaseException)]
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        for c in ctxs:
            await c.close()
        raise RuntimeError(f"{len(errors)} of {n} sessions did not come up: {errors[0]!r}")
    return ctxs


async def all_connected(ctxs: list[Any], fw: dict[str, str]) -> int:
    n = 0
    for ctx in ctxs:
        for page in ctx.pages:
            if await page.evaluate(f"() => !!({fw['connected']})"):
                n += 1
    return n


async def measure_memory(
    browser: Any, server: Server, fw: dict[str, str], lo: int, hi: int
) -> dict[str, Any]:
    ctxs: list[Any] = []
    try:
        ctxs += await open_sessions(browser, server.url, lo)
        if (c := await all_connected(ctxs, fw)) != lo:
            raise RuntimeError(f"only {c} of {lo} sessions connected")
        t = time.monotonic()
        at_lo = await settled_rss(server)
        settle_s = time.monotonic() - t
        ctxs += await open_sessions(browser, server.url, hi - lo)
        if (c := await all_connected(ctxs, fw)) != hi:
            raise RuntimeError(f"only {c} of {hi} sessions connected")
        t = time.monotonic()
        at_hi = await settled_rss(server)
        settle_s += time.monotonic() - t
        if (c := await all_connected(ctxs, fw)) != hi:
            raise RuntimeError(f"only {c} of {hi} sessions still connected after the RSS reading")
        return {
            "sessions": [lo, hi],
            "rss_lo": at_lo["rss"],
            "rss_hi": at_hi["rss"],
            "settled": at_lo["settled"] and at_hi["settled"],
            "settle_s": round(settle_s, 1),
            "per_session_kib": (at_hi["rss"] - at_lo["rss"]) / (hi - lo) / 1024,
        }
    finally:
        await asyncio.gather(*(ctx.close() for ctx in ctxs), return_exceptions=True)


async def measure_framework(
    pw: Any, framework: str, args: argparse.Namespace, nicegui_py: Path, workdir: Path
) -> dict[str, Any]:
    fw = FRAMEWORKS[framework]
    out: dict[str, Any] = {"loadavg_start": loadavg()}
    t0 = time.monotonic()
    server = Server(framework, partial(counter_command, framework, args.ours_python, nicegui_py), workdir)
    browser = None
    try:
        out["server_ready_s"] = round(server.ready_s, 2)
        out["rss_idle"] = server.rss()
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        out["chromium"] = browser.version
        # warm-up: the server's first page and first event (lazy imports, first-request work)
        ctx = await new_context(browser)
        page = await ctx.new_page()
        await load(page, server.url, None)
        await page.click(fw["button"])
        await ctx.close()
        phases = out["phase_s"] = {"start": round(time.monotonic() - t0, 1)}
        t = time.monotonic()
        out["loads"] = await measure_loads(browser, server.url, args.loads)
        phases["loads"], t = round(time.monotonic() - t, 1), time.monotonic()
        out["clicks"] = await measure_clicks(
            browser, server.url, fw, args.clicks, args.warmup_clicks, args.trusted_clicks
        )
        phases["clicks"], t = round(time.monotonic() - t, 1), time.monotonic()
        lo, hi = args.sessions
        out["memory"] = await measure_memory(browser, server, fw, lo, hi)
        phases["memory"] = round(time.monotonic() - t, 1)
        out["server_log_tail"] = server.log_tail(5)
    except BaseException as e:
        out["error"] = repr(e)
        out["server_log_tail"] = server.log_tail(25)
        raise
    finally:
        if browser is not None:
            try:
                await asyncio.wait_for(browser.close(), 20)
            except Exception as e:  # noqa: BLE001 - closing must never hide the figures or the real error
                print(
                    f"  closing Chromium failed: {e!r} (the playwright driver kills it on exit)",
                    file=sys.stderr,
                )
        server.stop()
        out["seconds"] = round(time.monotonic() - t0, 1)
    return out


# --------------------------------------------------------------------------- figures and report


# (key, label, unit, extractor from one framework's run)
def _loads(kind: str, key: str):
    return lambda r: median([ld[kind][key] for ld in r["loads"]])


FIGURES: list[tuple[str, str, str, Any]] = [
    ("load_cold_ms", "page load to app live, cold (new context)", "ms", _loads("cold", "live")),
    ("load_warm_ms", "page load to app live, warm (same context, cache)", "ms", _loads("warm", "live")),
    ("dcl_cold_ms", "  of which DOMContentLoaded, cold", "ms", _loads("cold", "dom_content_loaded")),
    ("bytes_cold", "page weight, cold (transferred)", "B", _loads("cold", "bytes")),
    ("requests_cold", "requests, cold", "n", _loads("cold", "requests_network")),
    ("bytes_warm", "page weight, warm (transferred)", "B", _loads("warm", "bytes")),
    (
        "requests_warm",
        "requests, warm (on the network; rest from cache)",
        "n",
        _loads("warm", "requests_network"),
    ),
    ("ws_bytes_cold", "WebSocket payload received during a cold load", "B", _loads("cold", "ws_bytes_in")),
    ("click_p50_ms", "click to DOM, p50 (dispatched `click()`)", "ms", lambda r: r["clicks"]["p50_ms"]),
    ("click_p99_ms", "click to DOM, p99 (dispatched `click()`)", "ms", lambda r: r["clicks"]["p99_ms"]),
    (
        "trusted_p50_ms",
        "click to DOM, p50, trusted CDP click (see caveat)",
        "ms",
        lambda r: r["clicks"]["trusted_p50_ms"],
    ),
    (
        "mem_per_session_kib",
        "server RSS per connected session",
        "KiB",
        lambda r: r["memory"]["per_session_kib"],
    ),
    ("rss_lo_mib", "server RSS with the lower session count", "MiB", lambda r: r["memory"]["rss_lo"] / 2**20),
]


def per_run_figures(run: dict[str, Any]) -> dict[str, float | None]:
    out = {}
    for key, _label, _unit, get in FIGURES:
        try:
            out[key] = get(run)
        except (KeyError, TypeError, ZeroDivisionError):
            out[key] = None
    return out


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "B":
        return f"{value / 1000:,.1f} KB" if value >= 1000 else f"{value:,.0f} B"
    if unit == "n":
        return f"{value:g}"
    if unit == "ms":
        return f"{value:,.1f} ms" if value >= 10 else f"{value:,.2f} ms"
    if unit == "KiB":
        return f"{value:,.0f} KiB"
    if unit == "MiB":
        return f"{value:,.1f} MiB"
    return f"{value:g}"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "—"
    r = a / b
    return f"{r:,.1f}x" if r >= 10 else f"{r:.2f}x"


def summarize(results: dict[str, Any]) -> dict[str, Any]:
    meds: dict[str, dict[str, float | None]] = {}
    for framework in FRAMEWORKS:
        per_run = [r["figures"][framework] for r in results["runs"] if framework in r.get("figures", {})]
        meds[framework] = {key: median([p.get(key) for p in per_run]) for key, *_ in FIGURES}
    return meds


def render_section(results: dict[str, Any]) -> str:
    meta, meds = results["meta"], results["medians"]
    v = meta["versions"]
    n_ok = len([r for r in results["runs"] if not r.get("errors")])
    lo, hi = meta["sessions"]
    lines = [
        START,
        "## Browser side: htag against NiceGUI in real Chromium",
        "",
        "Rewritten by `python benches/browser_side.py` (method and caveats: benches/README-browser.md). The",
        "same Counter page (200 `li`, the count, a button) on both, each served as its users serve it, in",
        "its own subprocess, driven by a fresh headless Chromium per server and run, in a rotating order.",
        (
            "Each figure is the median across runs of the run's value (loads: median of the run's "
            f"{meta['loads_per_run']} loads); ratio = NiceGUI / htag (above 1: htag is lighter or faster)."
        ),
        "",
        f"- date: {meta['date']}",
        f"- machine: {meta['machine']}",
        (
            f"- 1-minute load average: {meta['loadavg_before']} before, {meta['loadavg_after']} after "
            "(2 cores: above ~0.5, other programs shared the machine during the run)"
        ),
        (
            f"- versions: htag {v['htag']} (granian {v['granian']}, starlette {v['starlette']}, Python {v['python']}); "
            f"NiceGUI {v['nicegui']} (uvicorn {v['nicegui_uvicorn']}, fastapi {v['nicegui_fastapi']}, "
            f"python-socketio {v['nicegui_socketio']}, Python {v['nicegui_python']}, its own venv); "
            f"Chromium {meta.get('chromium', '?')} headless, playwright {v['playwright']}"
        ),
        f"- command: `{meta.get('command', 'python benches/browser_side.py')}`",
        f"- commit: {meta['commit']}; runs: {n_ok} of {meta['runs']} complete; "
        f"{meta['clicks']} clicks per run after {meta['warmup_clicks']} warm-up; "
        f"memory at {lo} and {hi} sessions; took {meta['seconds']:.0f} s"
        + (f" ({meta['stopped']})" if meta.get("stopped") else ""),
        "",
        "| figure | NiceGUI | htag | ratio NiceGUI/htag |",
        "|---|---|---|---|",
    ]
    for key, label, unit, _ in FIGURES:
        if key == "rss_lo_mib":
            label = f"server RSS with {lo} sessions open"
        if key == "mem_per_session_kib":
            label = f"server RSS per connected session ({lo} -> {hi} sessions)"
        ng, ht = meds["nicegui"].get(key), meds["htag"].get(key)
        lines.append(f"| {label.strip()} | {fmt(ng, unit)} | {fmt(ht, unit)} | {ratio(ng, ht)} |")
    lines += [""]
    weights = results.get("weights", {})
    for framework in FRAMEWORKS:
        if weights.get(framework):
            parts = ", ".join(f"`{u}` {b / 1000:.1f} KB" for u, b in weights[framework][:4])
            lines.append(f"- {FRAMEWORKS[framework]['label']} cold load, largest responses: {parts}")
    lines += [
        "",
        (
            "Caveats. The machine is shared and has 2 cores: these are ratios measured in one run, and a re-run "
            "on a quiet machine is needed for final numbers. Click latency is timed inside the page from the "
            "dispatch of the input (`button.click()`, an untrusted event) to the MutationObserver seeing the "
            "count's text change; headless Chromium here delays the reply to a WebSocket message sent from a "
            "*trusted* click's listener by ~10-13 ms for any server, which is why the trusted-click row "
            "(CDP `Input.dispatchMouseEvent`, timed from the `click` event's dispatch) is higher on both "
            "sides: compare the two frameworks on the same row, not a row against another. htag runs with its "
            "per-connection event flood guard lifted (as in the server-side benchmark), NiceGUI with its defaults. "
            "Page weight is the sum of CDP `Network.loadingFinished` encodedDataLength (bytes on the wire, "
            "headers included, compressed when the server compresses); WebSocket frames are not in it (their "
            "payload is the separate row). RSS is the server's whole process tree (psutil), read once two "
            "readings 1 s apart differ by less than 1%."
        ),
        f"Raw per-run results: `{rel(RESULTS)}`.",
    ]
    problems = [f"- run {r['run']}: {e}" for r in results["runs"] for e in r.get("errors", [])]
    unsettled = [
        f"run {r['run']} {fw}"
        for r in results["runs"]
        for fw, d in r.get("frameworks", {}).items()
        if d.get("memory") and not d["memory"]["settled"]
    ]
    if problems:
        lines += ["", "Failed measurements (left out of the medians):", *problems]
    if unsettled:
        lines += [
            "",
            f"RSS did not settle within {SETTLE_MAX_S:.0f} s (read anyway): {', '.join(unsettled)}.",
        ]
    lines.append(END)
    return "\n".join(lines)


def write_report(section: str) -> None:
    text = REPORT.read_text() if REPORT.exists() else "# Benchmarks\n"
    start, end = text.find(START), text.find(END)
    if start != -1 and end > start:
        text = text[:start] + section + text[end + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    REPORT.write_text(text)


# --------------------------------------------------------------------------- main


async def run_all(args: argparse.Namespace, nicegui_py: Path, results: dict[str, Any]) -> None:
    from playwright.async_api import async_playwright

    names = list(FRAMEWORKS)
    with tempfile.TemporaryDirectory(prefix="htag-browser-bench-") as tmp:
        async with async_playwright() as pw:
            t_start, slowest = time.monotonic(), 0.0
            for i in range(args.runs):
                elapsed = time.monotonic() - t_start
                if i > 0 and elapsed + slowest > args.budget:
                    note = (
                        f"stopped after {i} of {args.runs} runs: another run (the slowest took "
                        f"{slowest:.0f} s) would end past the {args.budget:.0f} s budget (--budget)"
                    )
                    results["meta"]["stopped"] = note
                    print(note, flush=True)
                    break
                t_run = time.monotonic()
                order = names if i % 2 == 0 else names[::-1]
                run: dict[str, Any] = {
                    "run": i + 1,
                    "order": order,
                    "frameworks": {},
                    "figures": {},
                    "errors": [],
                    "loadavg_start": loadavg(),
                }
                results["runs"].append(run)
                for framework in order:
                    print(f"run {i + 1}/{args.runs}: {framework} ...", flush=True)
                    try:
                        data = await measure_framework(pw, framework, args, nicegui_py, Path(tmp))
                    except (RuntimeError, TimeoutError) as e:
                        run["errors"].append(f"{framework}: {e}")
                        print(f"  failed: {e}", file=sys.stderr, flush=True)
                        continue
                    except Exception as e:  # playwright errors: keep the run going, report it
                        if type(e).__module__.startswith("playwright"):
                            run["errors"].append(f"{framework}: {type(e).__name__}: {str(e)[:300]}")
                            print(f"  failed: {e}", file=sys.stderr, flush=True)
                            continue
                        raise
                    results.setdefault("meta", {})["chromium"] = data.get("chromium", "?")
                    run["frameworks"][framework] = data
                    run["figures"][framework] = per_run_figures(data)
                    f = run["figures"][framework]
                    print(
                        f"  {data['seconds']} s {data['phase_s']} settle {data['memory']['settle_s']} s: load cold {f['load_cold_ms']:.0f} ms, "
                        f"{f['bytes_cold'] / 1000:.1f} KB in {f['requests_cold']:g} requests; "
                        f"click p50 {f['click_p50_ms']:.2f} ms; {f['mem_per_session_kib']:.0f} KiB/session",
                        flush=True,
                    )
                if len(run["frameworks"]) < len(names):  # one side failed: the run is not a comparison
                    run["figures"] = {}
                run["seconds"] = round(time.monotonic() - t_run, 1)
                slowest = max(slowest, run["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--loads", type=int, default=3, help="cold (+ warm) loads per framework and run")
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--warmup-clicks", type=int, default=20)
    parser.add_argument("--trusted-clicks", type=int, default=30)
    parser.add_argument("--sessions", default="10,60", help="LO,HI connected sessions for the memory figure")
    parser.add_argument(
        "--budget",
        type=float,
        default=300.0,
        help="seconds: no run is started that would likely end past this (default 300)",
    )
    parser.add_argument(
        "--nicegui-venv",
        type=Path,
        default=Path(os.environ.get("HTAG_NICEGUI_VENV", BENCHES / ".bench-venv-nicegui")),
    )
    parser.add_argument("--ours-python", default=sys.executable)
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: 1 run, 1 load, 50 clicks, 5 -> 15 sessions"
    )
    parser.add_argument("--no-write", action="store_true", help="print the section; write no file")
    parser.add_argument(
        "--from-json", type=Path, help="measure nothing: re-render the report from saved results"
    )
    args = parser.parse_args()
    args.sessions = tuple(int(x) for x in args.sessions.split(","))
    if len(args.sessions) != 2 or not 0 < args.sessions[0] < args.sessions[1]:
        parser.error("--sessions wants LO,HI with 0 < LO < HI")
    if args.quick:
        args.runs, args.loads, args.clicks, args.warmup_clicks, args.trusted_clicks = 1, 1, 50, 10, 10
        args.sessions = (5, 15)

    if args.from_json:
        results = json.loads(args.from_json.read_text())
        results["medians"] = summarize(results)
    else:
        if not Path(CHROMIUM).exists():
            sys.exit(f"no Chromium at {CHROMIUM}: install Debian's chromium package")
        check = subprocess.run(
            [args.ours_python, "-c", "import htag, htag._core"],
            capture_output=True,
            text=True,
            check=False,
            cwd=tempfile.gettempdir(),
        )
        if check.returncode != 0:
            sys.exit(
                f"htag (with its built _core) does not import with {args.ours_python}: "
                f"build it first (maturin develop --release)\n{check.stderr[-500:]}"
            )
        nicegui_py = nicegui_python(args.nicegui_venv)

        def on_term(signum: int, _frame: Any) -> None:
            raise SystemExit(f"stopped by signal {signum}")

        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGHUP, on_term)
        t0 = time.monotonic()
        results = {
            "meta": {
                "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "machine": f"{os.cpu_count()} cores, {cpu_model()}, {platform.system()} {platform.release()}",
                "commit": git_commit(),
                "versions": versions(nicegui_py),
                "runs": args.runs,
                "loads_per_run": args.loads,
                "clicks": args.clicks,
                "warmup_clicks": args.warmup_clicks,
                "trusted_clicks": args.trusted_clicks,
                "sessions": list(args.sessions),
                "loadavg_before": loadavg(),
                "nicegui_venv": rel(args.nicegui_venv),
                "command": " ".join(["python", rel(__file__), *sys.argv[1:]]),
            },
            "runs": [],
        }
        try:
            asyncio.run(run_all(args, nicegui_py, results))
        finally:
            _kill_all()
            results["meta"]["loadavg_after"] = loadavg()
            results["meta"]["seconds"] = round(time.monotonic() - t0, 1)
        results["medians"] = summarize(results)
    # the largest responses of a cold load, from the last complete run (what dominates the weight)
    results["weights"] = {}
    for run in reversed(results["runs"]):
        if run.get("figures"):
            for framework, data in run["frameworks"].items():
                results["weights"][framework] = data["loads"][0]["cold"]["by_url"]
            break
    section = render_section(results)
    print(section)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")
        write_report(section)
        print(f"wrote {rel(RESULTS)} and the browser-side section of {rel(REPORT)}")


if __name__ == "__main__":
    main()
