"""htag.testing and real Chromium agree: the same scripted interaction on the same server
(tests/testing/testing_apps.py on Granian), one session each, ends in the same DOM: elements,
attributes, text, and the live state of the form controls."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from conftest import SKIP_REASON, wait_connected

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))
from server.conftest import Server

from htag.testing import Client
from htag.testing.dom import Element

APPS = TESTS / "testing" / "testing_apps.py"

# (app, steps, a JS condition the browser waits for before the DOM is compared)
SCENARIOS = {
    "counter": ("Counter", [("click", "#inc"), ("click", "#inc")], "document.querySelector('#count').textContent === '2'"),
    "form": (
        "Form",
        [
            ("type", "#who", "Ada"),
            ("check", "#news"),
            ("check", "#size-l"),
            ("select", "#color", "g"),
            ("select", "#tags", ["a", "c"]),
            ("click", "form button"),
        ],
        "document.querySelector('#result').textContent !== ''",
    ),
    "greeter": (
        "Greeter",
        [("type", "#live", "quiet"), ("type", "#msg", "hello"), ("press", "#msg", "Enter"), ("type", "#name", "Bo")],
        "document.querySelector('#sent li') !== null && document.querySelector('#echo').textContent === 'QUIET'",
    ),
    "bubbles": (
        "Bubbles",
        [("click", "#inner"), ("click", "#locked"), ("click", "#r2")],
        "document.querySelector('#log').textContent.endsWith('locked,locked')",
    ),
    "thread": ("Pushes", [("click", "text=thread")], "document.querySelector('#status').textContent === 'thread done'"),
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


def run_in_testing_client(page, steps) -> None:
    for action, target, *args in steps:
        getattr(page, action)(target, *args)


@pytest.fixture(scope="module")
def testing_servers(tmp_path_factory):
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)
    tmp = tmp_path_factory.mktemp("agree")
    started: dict[str, Server] = {}

    def serve(app: str) -> Server:
        if app not in started:
            started[app] = Server(app, "granian", tmp / f"{app}.log", apps_module=APPS)
        return started[app]

    yield serve
    for server in started.values():
        server.stop()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_chromium_and_the_testing_client_end_in_the_same_dom(name, testing_servers, browser):
    app, steps, done = SCENARIOS[name]
    server = testing_servers(app)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        wait_connected(page)
        run_in_chromium(page, steps)
        page.wait_for_function(f"() => {done}")
        page.wait_for_function("() => !document.body.classList.contains('interacting')")
        in_chromium = page.evaluate(DOM_TREE)
    finally:
        context.close()
    with Client(url=server.url) as client:
        run_in_testing_client(client, steps)
        if name == "thread":
            client.wait_for("text=thread done")
        in_testing = model_tree(client.core.dom.body)
    assert without_hids(in_testing) == without_hids(in_chromium)
