"""Runs each htag 2.0.28-style example unchanged on upstream htag 2.0.28 and on ours, and
compares what a browser would see.

    python examples/htag2/compare.py [--upstream-venv DIR] [--only NAME ...]

(run with our venv's python, from anywhere; it installs `itsdangerous`, which the host app of
`hosted.py` needs, into the upstream venv when that venv lacks it)

For each app of `SCENARIOS` and each side, it starts the app as a real server on a free
loopback port (`_serve.py`, with that side's interpreter: ours is this one, upstream the
venv that `benches/server_side.py` finds or creates), loads the page over HTTP, opens the
WebSocket the way that side's client does (ours: `?token=` and a same-origin `Origin`;
upstream: the `htag_sid` cookie alone), sends one event, and records:

- the page text (the visible text of `<body>`, whitespace collapsed);
- the reply to that event: its `action`, its `result`, and the visible text of the page once
  every frame received up to the reply is applied (ids differ between the two sides, and
  ours sends attribute patches where upstream re-sends whole tags: the text is compared).

It prints a table (markdown) and, for each difference, both sides' values. Exit status 0.
`tests/compat/test_examples.py` drives ours with the same code.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "benches"))
from server_side import (  # benches/ is not a package
    RunningServer,
    find_upstream_venv,
    free_port,
    placement,
)

TIMEOUT_S = 10.0
CALLBACK_ID = "compare-1"
# what the examples need beyond htag 2.0.28 and Starlette: hosted.py's SessionMiddleware
EXAMPLE_DEPENDENCIES = ["itsdangerous"]


@dataclass(frozen=True)
class Scenario:
    """One example app and the one event sent to it."""

    name: str
    file: str  # in examples/htag2/, with `:NAME` when the served object is not `app`
    target: str  # the HTML id of the event's target; "body": the App
    event: str
    data: Callable[[str], dict[str, Any]] = lambda page_url: {}  # the event's data, given the page URL
    page: str = "/"  # where the App's page is
    before: tuple[str, ...] = ()  # paths loaded first (a host app's routes)
    wait_text: str | None = None  # the page shows this (pushed by the server) before the event
    expect_result: Any = None  # what a working htag answers ...
    expect_text: str = ""  # ... and shows once the reply is applied

    @property
    def spec(self) -> str:
        """What `_serve.py` serves: the file's path, and `:NAME` if given."""
        path, colon, name = self.file.partition(":")
        return str(HERE / path) + colon + name


SCENARIOS = [
    Scenario("generator", "generator.py", "run", "click", expect_result=3, expect_text="fetch parse store"),
    Scenario(
        "form",
        "form.py",
        "form",
        "submit",
        data=lambda url: {"value": {"name": "Ada", "city": "Paris"}},
        expect_result=["city", "name"],
        expect_text="Hello Ada from Paris",
    ),
    Scenario(
        "router",
        "router.py",
        "body",
        "hashchange",
        data=lambda url: {"newURL": url + "#/users/7", "oldURL": url},
        expect_text="at /users/7 User 7",
    ),
    Scenario(
        "background",
        "background.py",
        "reset",
        "click",
        wait_text="done",
        expect_result=3,
        expect_text="ticks: 0 running",
    ),
    Scenario("find_tag", "find.py", "open", "click", expect_result=True, expect_text="open"),
    Scenario(
        "hosted",
        "hosted.py:host",
        "visit",
        "click",
        page="/app/",
        before=("/login?user=ada",),
        expect_result={"user": "ada", "visits": 1},
        expect_text="Welcome ada",
    ),
]


# --------------------------------------------------------------------------- a tiny DOM


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
HIDDEN = {"script", "style", "title", "head", "template"}


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)
    parent: Element | None = None

    def text(self) -> str:
        parts: list[str] = []
        self._text(parts)
        return " ".join(" ".join(parts).split())

    def _text(self, parts: list[str]) -> None:
        if self.tag in HIDDEN:
            return
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            else:
                child._text(parts)

    def find(self, match: Callable[[Element], bool]) -> Element | None:
        if match(self):
            return self
        for child in self.children:
            if isinstance(child, Element) and (found := child.find(match)) is not None:
                return found
        return None


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Element(tag, {k: v or "" for k, v in attrs}, parent=self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def htag_id(element: Element) -> str | None:
    """The id an htag client sends for this element (ours: `data-htag-id` when a user id is set)."""
    return element.attrs.get("data-htag-id") or element.attrs.get("id")


class Page:
    """The body of a page, patched by the `update` frames of either side."""

    def __init__(self, html: str) -> None:
        self.body = parse(html).find(lambda e: e.tag == "body") or Element("body", {})

    def element(self, key: str) -> Element | None:
        return self.body.find(lambda e: key in (e.attrs.get("id"), e.attrs.get("data-htag-id")))

    def apply(self, frame: dict[str, Any]) -> None:
        for key, html in (frame.get("updates") or {}).items():
            old = self.element(key)
            new = parse(html).find(lambda e: e.tag != "#root")
            if old is None or new is None:
                continue
            if old is self.body:
                self.body = new
                new.parent = None
            else:
                siblings = old.parent.children  # type: ignore[union-attr]
                siblings[siblings.index(old)] = new
                new.parent = old.parent
        for op in frame.get("ops") or ():  # ours: attribute patches (no visible text)
            element = self.element(op[1]) if len(op) == 4 and op[0] == "attr" else None
            if element is not None:
                if op[3] is None:
                    element.attrs.pop(op[2], None)
                else:
                    element.attrs[op[2]] = op[3]

    def text(self) -> str:
        return self.body.text()


# --------------------------------------------------------------------------- driving one app


@dataclass
class Outcome:
    page_text: str = ""
    action: str | None = None
    result: Any = None
    text_after: str = ""
    error: str | None = None  # the app could not be driven (or answered an error frame)

    def matches(self, scenario: Scenario) -> bool:
        return (
            self.error is None
            and self.action == "update"
            and self.result == scenario.expect_result
            and scenario.expect_text in self.text_after
        )


class Client:
    """A scripted browser tab of either side: the page over HTTP (its cookies kept), then
    the WebSocket the way that side's client opens it; every frame received patches `page`."""

    def __init__(self, url: str, ours: bool) -> None:
        self.url = url
        self.ours = ours
        self.http = httpx.AsyncClient(base_url=url, follow_redirects=True, timeout=TIMEOUT_S)
        self.ws: Any = None
        self.page = Page("")
        self._calls = 0

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path)

    async def load(self, path: str = "/") -> httpx.Response:
        """Loads an App's page (the page it shows is `self.page`) and connects to it."""
        response = await self.http.get(path)
        if response.status_code != 200:
            return response
        self.page = Page(response.text)
        ws_url = "ws" + self.url[4:] + path.split("?")[0].rstrip("/") + "/ws"
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())}
        if self.ours:  # the page token, the render the page holds, and a same-origin Origin
            token = re.search(r'data-htag-token="([^"]+)"', response.text)
            version = re.search(r'data-htag-version="([^"]+)"', response.text)
            ws_url += f"?token={token.group(1) if token else ''}&v={version.group(1) if version else ''}"
            headers["Origin"] = self.url
        if self.ws is not None:
            await self.ws.close()
        self.ws = await websockets.connect(ws_url, additional_headers=headers, max_size=None)
        await self.receive()  # the first frame: the body, or "the page is current"
        return response

    async def receive(self) -> dict[str, Any]:
        frame = orjson.loads(await asyncio.wait_for(self.ws.recv(), TIMEOUT_S))
        self.page.apply(frame)
        return frame

    async def until(self, text: str) -> None:
        """Receives frames until the page shows `text`."""
        deadline = time.monotonic() + TIMEOUT_S
        while text not in self.page.text():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page never showed {text!r}: {self.page.text()!r}")
            await self.receive()

    async def event(self, target: str, name: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Sends an event to the element of HTML id `target` ("body": the App), as the
        client does (to its htag id); returns the reply (or an error frame)."""
        element = self.page.body if target == "body" else self.page.element(target)
        if element is None or htag_id(element) is None:
            raise LookupError(f"no element {target!r} in the page")
        self._calls += 1
        callback_id = f"{CALLBACK_ID}-{self._calls}"
        message = {"id": htag_id(element), "event": name, "data": dict(data or {}, callback_id=callback_id)}
        await self.ws.send(orjson.dumps(message).decode())
        while True:
            frame = await self.receive()
            # upstream's error frames may carry no callback id
            if frame.get("callback_id") == callback_id or frame.get("action") == "error":
                return frame

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        await self.http.aclose()


async def drive(url: str, scenario: Scenario, ours: bool) -> Outcome:
    """Loads the page, connects as that side's client does, sends the scenario's event."""
    outcome = Outcome()
    client = Client(url, ours)
    try:
        for path in scenario.before:
            (await client.get(path)).raise_for_status()
        response = await client.load(scenario.page)
        if response.status_code != 200:
            outcome.error = f"page: HTTP {response.status_code}"
            return outcome
        outcome.page_text = Page(response.text).text()
        if scenario.wait_text:
            await client.until(scenario.wait_text)
        frame = await client.event(scenario.target, scenario.event, scenario.data(url + scenario.page))
    finally:
        await client.close()
    outcome.action = frame.get("action")
    outcome.result = frame.get("result")
    outcome.text_after = client.page.text()
    if outcome.action == "error":
        message = frame.get("message") or frame.get("traceback") or ""
        outcome.error = message.strip().splitlines()[-1][:160] if message.strip() else "error frame"
    return outcome


class ExampleServer(RunningServer):
    """An example served by `_serve.py`: ready once its port accepts connections (a host
    app has no `/favicon.ico`, and a page request would create a session)."""

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=2).close()
                return
            except OSError:
                time.sleep(0.1)
        tail = self.log_tail(3)
        self.stop()
        raise RuntimeError("example server did not start: " + " / ".join(tail))


@contextmanager
def serve(spec: str, python: str, log_dir: Path) -> Iterator[ExampleServer]:
    """`FILE.py[:NAME]` served by `python` (ours or upstream's) on a free loopback port."""
    port = free_port()
    log = log_dir / f"{Path(spec.partition(':')[0]).stem}-{Path(python).parent.parent.name}-{port}.log"
    server = ExampleServer([python, str(HERE / "_serve.py"), spec, str(port)], port, log, placement(False))
    try:
        yield server
    finally:
        server.stop()


def run_side(scenario: Scenario, python: str, ours: bool, log_dir: Path) -> Outcome:
    try:
        with serve(scenario.spec, python, log_dir) as server:
            return asyncio.run(drive(server.url, scenario, ours))
    except Exception as e:  # noqa: BLE001 - one app failing is a row of the table, not the end
        return Outcome(error=" ".join(f"{type(e).__name__}: {e}".split())[:160])  # one table line


# --------------------------------------------------------------------------- the table


def cell(outcome: Outcome, scenario: Scenario) -> str:
    if outcome.matches(scenario):
        return "works"
    return f"fails: {outcome.error}" if outcome.error else "unexpected reply"


def comparison(upstream: Outcome, ours: Outcome) -> str:
    same_page = upstream.page_text == ours.page_text
    same_reply = (upstream.action, upstream.result, upstream.text_after) == (
        ours.action,
        ours.result,
        ours.text_after,
    )
    if same_page and same_reply:
        return "same"
    return ", ".join(
        what for what, same in (("page text differs", same_page), ("reply differs", same_reply)) if not same
    )


def ensure_dependencies(python: str) -> None:
    """Installs into the upstream venv what the examples import besides htag."""
    code = "import " + ", ".join(EXAMPLE_DEPENDENCIES)
    if subprocess.run([python, "-c", code], capture_output=True, check=False).returncode != 0:
        print(f"installing {' '.join(EXAMPLE_DEPENDENCIES)} into {python} ...", file=sys.stderr)
        subprocess.run([python, "-m", "pip", "install", "-q", *EXAMPLE_DEPENDENCIES], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream-venv", help="venv with htag==2.0.28 (see benches/server_side.py)")
    parser.add_argument("--only", nargs="*", help="scenario names")
    args = parser.parse_args()
    upstream_python = str(find_upstream_venv(args.upstream_venv) / "bin" / "python")
    ensure_dependencies(upstream_python)
    rows, details = [], []
    with tempfile.TemporaryDirectory(prefix="htag-compare-") as tmp:
        for scenario in SCENARIOS:
            if args.only and scenario.name not in args.only:
                continue
            up = run_side(scenario, upstream_python, False, Path(tmp))
            ours = run_side(scenario, sys.executable, True, Path(tmp))
            rows.append(
                f"| {scenario.name} | `{scenario.file}` | {cell(up, scenario)} | {cell(ours, scenario)} "
                f"| {comparison(up, ours)} |"
            )
            if comparison(up, ours) != "same":
                details.append(f"- {scenario.name}:\n  - upstream: {up}\n  - ours:     {ours}")
    print("| app | file | upstream 2.0.28 | ours | observable result |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    if details:
        print("\nDifferences:\n" + "\n".join(details))


if __name__ == "__main__":
    main()
