"""htag.testing and real Chromium agree: the same scripted interaction on the same server
(the apps of tests/testing/testing_apps.py and the examples of examples/, on Granian), one session
each, ends in the same DOM: elements, attributes, text, and the live state of the form controls.
What legitimately differs between two sessions (a clock, who is chatting) is masked by id."""

from __future__ import annotations

import mimetypes
import re
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))
from browser.conftest import SKIP_REASON, wait_connected
from harness import interrupt, start_script, wait_until_served
from server.conftest import Server, free_port

from htag.testing import Client
from htag.testing.dom import Element

APPS = TESTS / "testing" / "testing_apps.py"
EXAMPLES = TESTS.parent / "examples"


def shows(selector: str, text: str) -> str:
    return f"document.querySelector({selector!r}).textContent === {text!r}"


# name: (apps module, app, steps, until: (selector, regular expression its text must match) pairs
# that both wait for, ids whose content is masked)
SCENARIOS = {
    "counter": (APPS, "Counter", [("click", "#inc"), ("click", "#inc")], [("#count", "^2$")], ()),
    "form": (
        APPS,
        "Form",
        [
            ("type", "#who", "Ada"),
            ("check", "#news"),
            ("check", "#size-l"),
            ("select", "#color", "g"),
            ("select", "#tags", ["a", "c"]),
            ("click", "form button"),
        ],
        [("#result", ".")],
        (),
    ),
    "greeter": (
        APPS,
        "Greeter",
        [("type", "#live", "quiet"), ("type", "#msg", "hello"), ("press", "#msg", "Enter"), ("type", "#name", "Bo")],
        [("#sent", "hello"), ("#echo", "^QUIET$")],
        (),
    ),
    "bubbles": (APPS, "Bubbles", [("click", "#inner"), ("click", "#locked"), ("click", "#r2")], [("#log", "locked,locked$")], ()),
    "thread": (APPS, "Pushes", [("click", "text=thread")], [("#status", "^thread done$")], ()),
    # the examples
    "example counter": (EXAMPLES / "counter.py", "Counter", [("click", "#inc"), ("click", "#inc"), ("click", "#dec")], [("#count", "^1$")], ()),
    "example todo": (
        EXAMPLES / "todo.py",
        "Todo",
        [
            ("type", "#text", "milk"), ("click", "#add"), ("type", "#text", "eggs"), ("click", "#add"),
            ("check", "#item-0"), ("select", "#filter", "done"), ("click", "#clear-done"),
            ("select", "#filter", "all"),
        ],
        [("#left", "^1 left$"), ("#items", "^eggs$")],
        (),
    ),
    "example pages": (
        EXAMPLES / "pages.py",
        "Site",
        [("click", "#to-books"), ("click", "text=Neuromancer"), ("click", "#to-home"), ("click", "#open-2")],
        [("#details", "^William Gibson, 1984$")],
        (),
    ),
    "example stream": (EXAMPLES / "stream.py", "Stream", [("click", "#go")], [("#status", "^done: 17 primes$")], ()),
    "example clock": (EXAMPLES / "clock.py", "Clock", [], [("#ticks", "^[1-9][0-9]* ticks$")], ("now", "ticks")),
    "example bigtable": (
        EXAMPLES / "bigtable.py",
        "BigTable",
        [("click", "#by-score"), ("click", "#by-score"), ("type", "#filter", "Oslo")],
        [("#summary", "^[0-9]{2,3} rows, by score$")],
        (),
    ),
    "example upload": (
        EXAMPLES / "upload.py",
        "Uploader",
        [("upload", "#files", ("notes.txt", b"hello"), ("data.csv", b"a,b\\n1,2\\n"))],
        [("#status", "^2 file\\(s\\) received$"), ("#percent", "^100%$")],
        (),
    ),
    "example download": (EXAMPLES / "download.py", "Downloader", [("click", "#hello")], [("#status", "^greeting sent$")], ()),
    "example login": (
        EXAMPLES / "login.py",
        "host",
        [
            ("type", "#user", "ada"), ("type", "#password", "lovelace"), ("click", "#submit"),
            ("wait", "#click"), ("click", "#click"), ("click", "#click"),
        ],
        [("#clicks", "^ada clicked 2 times$")],
        ("logout-csrf",),  # each session's own token
    ),
    "example chat": (EXAMPLES / "chat.py", "Chat", [("type", "#msg", "hello"), ("click", "#say button")], [("#lines", "hello")], ("me", "lines")),
}  # fmt: skip

# The DOM as a comparable tree, read in the page (whitespace-only text left out on both sides)
DOM_TREE = """() => {
  const walk = (el) => {
    const attrs = {};
    for (const a of el.attributes) attrs[a.name] = a.value;
    if (el === document.body && !attrs['class']) delete attrs['class'];  // `interacting` came and went
    const node = [el.tagName.toLowerCase(), attrs, [], null];
    if (el.tagName === 'INPUT') node[3] = (el.type === 'checkbox' || el.type === 'radio') ? el.checked : el.value;
    if (el.tagName === 'TEXTAREA') node[3] = el.value;
    if (el.tagName === 'OPTION') node[3] = el.selected;
    let text = '';
    const flush = () => { if (text.trim()) node[2].push(text); text = ''; };
    for (const c of el.childNodes) {
      if (c.nodeType === 3) text += c.nodeValue;
      else if (c.nodeType === 1) { flush(); node[2].push(walk(c)); }
    }
    flush();
    return node;
  };
  return walk(document.body);
}"""


def model_tree(el: Element) -> list:
    live = None
    if el.tag == "input":
        live = el.checked if el.is_toggle() else el.control_value()
    elif el.tag == "textarea":
        live = el.control_value()
    elif el.tag == "option":
        live = bool(el.live.get("selected"))
    children: list = []
    text = ""
    for c in el.children:
        if isinstance(c, str):
            text += c
            continue
        if text.strip():
            children.append(text)
        text = ""
        children.append(model_tree(c))
    if text.strip():
        children.append(text)
    return [el.tag, dict(el.attrs), children, live]


HID = re.compile(r"^h[0-9a-z]{1,4}$")  # htag's internal ids (the apps' own ids are words)


def masked(tree: list, ids: tuple[str, ...]) -> list:
    """The tree with the elements of `ids` reduced to their name and id."""
    tag, attrs, children, live = tree
    if attrs.get("id") in ids:
        return [tag, {"id": attrs["id"]}, ["(masked)"], None]
    return [tag, attrs, [c if isinstance(c, str) else masked(c, ids) for c in children], live]


def without_hids(tree: list, seen: dict | None = None) -> list:
    """The tree with htag's internal ids numbered by first appearance: two sessions
    number their tags differently."""
    seen = {} if seen is None else seen
    tag, attrs, children, live = tree
    attrs = {
        k: seen.setdefault(v, f"#{len(seen)}") if k in ("id", "data-htag-id") and HID.match(v) else v
        for k, v in attrs.items()
    }
    return [tag, attrs, [c if isinstance(c, str) else without_hids(c, seen) for c in children], live]


def run_in_chromium(page, steps) -> None:
    for action, target, *args in steps:
        if action == "click":
            page.click(target)
        elif action == "type":
            page.fill(target, args[0])
            page.locator(target).evaluate("e => e.blur()")  # leaving the field: `change`
        elif action == "check":
            page.check(target)
        elif action == "select":
            page.select_option(target, args[0])
        elif action == "press":
            page.press(target, args[0])
        elif action == "upload":
            files = [{"name": n, "mimeType": mimetypes.guess_type(n)[0], "buffer": b} for n, b in args]
            page.set_input_files(target, files)
        elif action == "wait":  # a page load (a plain form's post, its redirect): connected again
            page.wait_for_selector(target)
            wait_connected(page)


def run_in_testing_client(page, steps) -> None:
    for action, target, *args in steps:
        if action != "wait":  # the testing client's page loads are over when its action returns
            getattr(page, action)(target, *args)


class ScriptServer:
    """`python <script>` serving on $HTAG_PORT."""

    def __init__(self, script: Path, log: Path) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.proc = start_script(script, port, log, {"HTAG_SECRET_KEY": "s" * 32})
        wait_until_served(self.url, self.proc, log)

    def stop(self) -> None:
        interrupt(self.proc)


@pytest.fixture(scope="module")
def testing_servers(tmp_path_factory):
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)
    tmp = tmp_path_factory.mktemp("agree")
    started: dict[tuple[str, Path], Server] = {}

    def serve(app: str, module: Path = APPS) -> Server:
        if (app, module) not in started:
            if app == "host":  # a Starlette app of its own (examples/login.py): started as its docstring says
                started[app, module] = ScriptServer(module, tmp / f"{module.stem}.log")
            else:
                started[app, module] = Server(app, "granian", tmp / f"{app}.log", apps_module=module)
        return started[app, module]

    yield serve
    for server in started.values():
        server.stop()


def text_matches(until: list[tuple[str, str]]) -> str:
    """`until` as a JavaScript condition (textContent, as the testing client's `text`)."""
    checks = [
        f"new RegExp({p!r}).test((document.querySelector({sel!r}) || {{}}).textContent || '')"
        for sel, p in until
    ]
    return " && ".join(checks)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_chromium_and_the_testing_client_end_in_the_same_dom(name, testing_servers, browser):
    module, app, steps, until, ids = SCENARIOS[name]
    server = testing_servers(app, module)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        wait_connected(page)
        run_in_chromium(page, steps)
        page.wait_for_function(f"() => {text_matches(until)}")
        page.wait_for_function("() => !document.body.classList.contains('interacting')")
        in_chromium = page.evaluate(DOM_TREE)
    finally:
        context.close()
    with Client(url=server.url) as client:
        run_in_testing_client(client, steps)
        client.wait_for(lambda p: all(re.search(pattern, p.text(sel)) for sel, pattern in until))
        in_testing = model_tree(client.core.dom.body)
    assert masked(without_hids(in_testing), ids) == masked(without_hids(in_chromium), ids)
