"""The user guide's programs run (docs/guide/*.md, and the README's demo).

Each fenced ```python block is either a complete program (it defines an App subclass,
and any `run()` is under `if __name__ == "__main__":`) or is marked ```python fragment.
A program is executed as a module (not `__main__`, so it serves nothing by itself), its
App is served in-process through the ASGI application (Starlette's TestClient), and:
- the page answers 200;
- each `# test: page contains "text"` line of the program holds on the page;
- each `# test: EVENT TARGET [JSON data] -> TARGET == "text"` (or `-> page contains
  "text"`) line is played: EVENT (click, input, change, submit...) is sent over the
  WebSocket as the browser client would (with `data`), the reply is awaited, the page is
  loaded again (same session, a reload; again until a deadline, for what threads and
  tasks change) and the element's text compared. A TARGET is
  `#id` or `"visible text"`.
`# test: app Name` picks the App when the program defines several.
Fragments are compiled. Every program must carry at least one `# test:` line.
"""

from __future__ import annotations

import json
import re
import runpy
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from htag import App, WebApp

with warnings.catch_warnings():  # Starlette 1.x asks for httpx2; the test client works with httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "guide"
FENCE = re.compile(r"^```python([^\n]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
DIRECTIVE = re.compile(r"^\s*# test: (.+)$", re.MULTILINE)
REPLY_TIMEOUT = 30.0  # seconds: generous for a loaded machine; a reply normally takes milliseconds
CHAPTERS = [
    "index.md",
    "getting-started.md",
    "components.md",
    "state.md",
    "events.md",
    "forms.md",
    "lifecycle.md",
    "threads-and-tasks.md",
    "running.md",
    "testing.md",
    "deployment.md",
    "security.md",
]


@dataclass
class Block:
    where: str  # file:line
    code: str
    fragment: bool


def blocks_of(path: Path) -> list[Block]:
    text = path.read_text()
    found = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        where = f"{path.relative_to(REPO)}:{line}"
        found.append(Block(where, match.group(2), match.group(1).strip() == "fragment"))
    return found


def guide_blocks() -> list[Block]:
    return [b for path in sorted(GUIDE.glob("*.md")) for b in blocks_of(path)]


def test_the_guide_has_every_chapter_and_the_index_links_them():
    index = (GUIDE / "index.md").read_text()
    for chapter in CHAPTERS:
        assert (GUIDE / chapter).is_file(), chapter
        if chapter != "index.md":
            assert f"({chapter})" in index, f"index.md does not link {chapter}"


def test_the_guide_links_point_to_files_that_exist():
    for path in GUIDE.glob("*.md"):
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", path.read_text()):
            if target.startswith(("http://", "https://")):
                continue
            # docs/testing.md is written on another branch: the guide may link it already
            if (path.parent / target).resolve() == REPO / "docs" / "testing.md":
                continue
            assert (path.parent / target).resolve().exists(), f"{path.name}: broken link {target}"


@pytest.mark.parametrize("block", [b for b in guide_blocks() if b.fragment], ids=lambda b: b.where)
def test_fragments_compile(block):
    compile(block.code, block.where, "exec")


@pytest.mark.parametrize("block", [b for b in guide_blocks() if "def test_" in b.code], ids=lambda b: b.where)
def test_the_tests_the_guide_shows_pass(block, tmp_path):
    """A block that shows a test is a test: it runs, and passes."""
    name = "guide_" + re.sub(r"\W", "_", block.where)
    program = tmp_path / f"{name}.py"
    program.write_text(block.code)
    tests = {k: v for k, v in runpy.run_path(str(program), run_name=name).items() if k.startswith("test_")}
    assert tests
    for test in tests.values():
        test()


@pytest.mark.parametrize("block", [b for b in guide_blocks() if not b.fragment], ids=lambda b: b.where)
def test_programs_run(block, tmp_path):
    run_program(block.where, block.code, DIRECTIVE.findall(block.code), tmp_path)


def test_the_readme_demo_runs(tmp_path):
    blocks = blocks_of(REPO / "README.md")
    assert blocks, "README.md has no python block"
    demo = blocks[0]
    checks = ['page contains "Clicked 0 times"', 'click "+1" -> page contains "Clicked 1 times"']
    run_program(demo.where, demo.code, checks, tmp_path)


def test_a_wrong_expectation_fails(tmp_path):
    """The checks are real: a program whose page does not say what its comment claims fails."""
    demo = blocks_of(REPO / "README.md")[0]
    with pytest.raises(AssertionError, match="Clicked 1 times"):
        run_program(demo.where, demo.code, ['click "+1" -> page contains "Clicked 2 times"'], tmp_path, 0.2)
    with pytest.raises(AssertionError, match="the page says .*Clicked 0 times"):
        run_program(demo.where, demo.code, ['page contains "Clicked 9 times"'], tmp_path, 0.2)


# -- running a program ------------------------------------------------------------


def run_program(
    where: str, code: str, directives: list[str], tmp_path: Path, timeout: float = REPLY_TIMEOUT
) -> None:
    assert directives, (
        f"{where}: a complete program needs a `# test:` line (or mark the block `python fragment`)"
    )
    unguarded_run = re.search(r"^\S.*\.run\(", code, re.MULTILINE)
    assert not unguarded_run, f'{where}: run() at module level: put it under `if __name__ == "__main__":`'
    name = "guide_" + re.sub(r"\W", "_", where)
    program = tmp_path / f"{name}.py"
    program.write_text(code)
    namespace = runpy.run_path(str(program), run_name=name)
    app = pick_app(where, namespace, name, directives)
    with TestClient(WebApp(app, secret_key="guide").app, base_url="http://testserver") as client:
        page = client.get("/")
        assert page.status_code == 200, f"{where}: {page.status_code} {page.text[:500]}"
        for directive in directives:
            if directive.startswith("app "):
                continue
            if directive.startswith("page contains "):
                seen = wait_until(client, directive, timeout)
                assert seen is True, f"{where}: {seen}"
                continue
            play(where, client, page.text, directive, timeout)
            page = client.get("/")


def pick_app(where: str, namespace: dict[str, object], module: str, directives: list[str]) -> type[App]:
    named = [d[len("app ") :].strip() for d in directives if d.startswith("app ")]
    if named:
        return namespace[named[0]]  # type: ignore[return-value]
    apps = [
        v
        for v in namespace.values()
        if isinstance(v, type) and issubclass(v, App) and v.__module__ == module and v.__name__ != "App"
    ]
    assert len(apps) == 1, f"{where}: {len(apps)} App classes: say which with `# test: app Name`"
    return apps[0]


def play(where: str, client: TestClient, html: str, directive: str, timeout: float) -> None:
    """`click #inc -> #count == "1"`: sends the event, then checks the reloaded page."""
    action, _, check = directive.partition(" -> ")
    event, _, rest = action.partition(" ")
    target, data = split_target(rest.strip())
    hid = htag_id(html, target)
    assert hid, f"{where}: no element {target} on the page"
    token = re.search(r'data-htag-token="([^"]+)"', html).group(1)
    with client.websocket_connect(f"/ws?token={token}", headers={"origin": "http://testserver"}) as ws:
        receive(ws)  # the body, as a new connection gets it
        ws.send_text(json.dumps({"id": hid, "event": event, "data": {**data, "callback_id": "guide"}}))
        while receive(ws).get("callback_id") != "guide":
            pass
    seen = wait_until(client, check, timeout)
    assert seen is True, f"{where}: after {action!r}: {seen}"


def wait_until(client: TestClient, check: str, timeout: float) -> bool | str:
    """Reloads the page until `check` holds: what a thread or a task changes arrives later."""
    deadline = time.monotonic() + timeout
    while True:
        page = client.get("/")
        assert page.status_code == 200
        seen = holds(page.text, check)
        if seen is True or time.monotonic() > deadline:
            return seen
        time.sleep(0.02)


def holds(html: str, check: str) -> bool | str:
    """True, or what the page shows instead."""
    if check.startswith("page contains "):
        expected = json.loads(check[len("page contains ") :])
        return expected in visible_text(html) or f"the page says {visible_text(html)!r}"
    watched, _, expected = check.partition(" == ")
    found = text_of(html, watched.strip())
    return found == json.loads(expected) or f"{watched} is {found!r}"


def receive(ws: object) -> dict[str, object]:
    with ThreadPoolExecutor(1) as pool:  # a deadline: the test client's receive has none
        frame = pool.submit(ws.receive_text).result(REPLY_TIMEOUT)  # type: ignore[attr-defined]
    return json.loads(frame)


def split_target(rest: str) -> tuple[str, dict[str, object]]:
    if rest.startswith('"'):
        end = rest.index('"', 1) + 1
    else:
        end = rest.find(" ") if " " in rest else len(rest)
    target, data = rest[:end], rest[end:].strip()
    return target, json.loads(data) if data else {}


# -- reading the page -------------------------------------------------------------


class _Elements(HTMLParser):
    """Every element's attributes and visible text (nested text included)."""

    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[dict[str, str | None], list[str]]] = []
        self.open: list[list[str]] = []
        self.in_body = False
        self.body: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.in_body = True
        text: list[str] = []
        self.elements.append((dict(attrs), text))
        if tag not in self.VOID:
            self.open.append(text)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for text in self.open:
            text.append(data)
        if self.in_body:
            self.body.append(data)


def parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def find(html: str, target: str) -> dict[str, str | None] | None:
    for attrs, text in parse(html).elements:
        if target.startswith("#") and attrs.get("id") == target[1:]:
            return attrs
        if target.startswith('"') and "".join(text).strip() == json.loads(target):
            return attrs
    return None


def htag_id(html: str, target: str) -> str | None:
    attrs = find(html, target)
    if attrs is None:
        return None
    return attrs.get("data-htag-id") or attrs.get("id")  # the internal id names the tag


def text_of(html: str, target: str) -> str | None:
    for attrs, text in parse(html).elements:
        if target.startswith("#") and attrs.get("id") == target[1:]:
            return "".join(text).strip()
        if target.startswith('"') and "".join(text).strip() == json.loads(target):
            return "".join(text).strip()
    return None


def visible_text(html: str) -> str:
    return " ".join(" ".join(parse(html).body).split())
