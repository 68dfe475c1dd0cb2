"""The pure morph of the client, fixture by fixture, in real Chromium and without a server.

Every page is served by Playwright itself (a route on http://htag.test/): the fixture's body and the
built htag/client/htag.js, loaded with `window.htag_no_connect = true`. The test plays the user's
steps, marks the elements whose identity matters, calls `htag._morph(target, update, policy)` with the
fixture's policy, then compares the whole <body> (canonical serialisation) with the expected HTML
and reads the state (focus, values, selection, scroll...) right after the morph and again two
animation frames later. The fixtures are in morph_fixtures.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from morph_fixtures import FIXTURES

TIMEOUT_MS = 10_000
VIEWPORT = {"width": 900, "height": 700}
HTAG_JS = Path(__file__).resolve().parents[2] / "htag" / "client" / "htag.js"
ORIGIN = "http://htag.test"

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{name}</title>
<style>body {{ margin: 0 }}</style>
<script>window.htag_no_connect = true; window.__globals0 = Object.getOwnPropertyNames(window);</script>
<script src="/htag.js"></script></head><body>{body}</body></html>"""

# Canonical serialisation: namespace, sorted attributes (a morph may reorder them), text, comments,
# template contents. Shared by the page and the expectation.
CANON = """
window.__canon = function canon(node) {
  if (node.nodeType === 3) return JSON.stringify(node.nodeValue);
  if (node.nodeType === 8) return '<!--' + node.nodeValue + '-->';
  if (node.nodeType !== 1) return '<?' + node.nodeType + '>';
  const ns = {'http://www.w3.org/1999/xhtml': '', 'http://www.w3.org/2000/svg': 'svg:',
              'http://www.w3.org/1998/Math/MathML': 'math:'}[node.namespaceURI];
  const tag = (ns === undefined ? '{' + node.namespaceURI + '}' : ns) + node.localName;
  const attrs = Array.from(node.attributes).map((a) =>
    (a.namespaceURI ? '{' + a.namespaceURI + '}' : '') + a.localName + '=' + JSON.stringify(a.value)).sort();
  const kids = node.localName === 'template' && node.content ? node.content.childNodes : node.childNodes;
  return '<' + [tag].concat(attrs).join(' ') + '>' + Array.from(kids).map(canon).join('') + '</' + tag + '>';
};
"""

RUN = """async (fx) => {
  const $ = (sel) => document.querySelector(sel);
  for (const sel of fx.same.concat(fx.fresh)) {
    const el = $(sel);
    if (!el) throw new Error('no element ' + sel + ' before the morph');
    el.__fx = sel;
  }
  const policy = { ownsValue: (el) => fx.owns.some((sel) => el.matches(sel)) };
  const done = htag._morph(fx.target, fx.update, policy);

  const expectedBody = new DOMParser().parseFromString(
    '<!doctype html><html><head></head><body' + fx.bodyAttrs + '>' + fx.expected + '</body></html>', 'text/html').body;
  const read = () => {
    const out = { done: done, dom: __canon(document.body) };
    out.identity = {};
    for (const sel of fx.same) out.identity[sel] = $(sel) ? $(sel).__fx === sel ? 'same' : 'new' : 'missing';
    for (const sel of fx.fresh) out.identity[sel] = $(sel) ? $(sel).__fx === undefined ? 'new' : 'same' : 'missing';
    const active = document.activeElement;
    if ('focus' in fx.state) {
      out.focus = active === document.body || !active ? null
        : fx.state.focus && $(fx.state.focus) === active ? fx.state.focus : active.outerHTML.slice(0, 80);
    }
    const each = (key, fn) => {
      if (!fx.state[key]) return;
      out[key] = {};
      for (const sel of Object.keys(fx.state[key])) out[key][sel] = $(sel) ? fn($(sel)) : 'missing';
    };
    each('values', (el) => el.value);
    each('checked', (el) => el.checked);
    each('selected', (el) => Array.from(el.selectedOptions).map((o) => o.value));
    each('selection', (el) => [el.selectionStart, el.selectionEnd, el.selectionDirection]);
    each('scroll', (el) => [el.scrollTop, el.scrollLeft]);
    if ('page_scroll' in fx.state) out.page_scroll = window.scrollY;
    if (fx.state.caret) {
      const s = getSelection();
      out.caret = s.rangeCount && s.isCollapsed ? [s.anchorNode.textContent, s.anchorOffset] : null;
    }
    if (fx.state.js) {
      out.js = {};
      for (const expr of Object.keys(fx.state.js)) out.js[expr] = (0, eval)(expr);
    }
    return out;
  };
  const now = read();
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return { now: now, later: read(), expected: __canon(expectedBody) };
}"""

STATE_KEYS = ("focus", "values", "checked", "selected", "selection", "scroll", "page_scroll", "caret", "js")


@pytest.fixture(scope="module")
def fixture_page(browser):
    """One browser context; every test loads its own page (a route serves it: no server)."""
    context = browser.new_context(viewport=VIEWPORT)
    bodies: dict[str, str] = {}
    script = HTAG_JS.read_bytes()

    def serve(route):
        path = route.request.url[len(ORIGIN) :]
        if path == "/htag.js":
            return route.fulfill(status=200, body=script, content_type="text/javascript")
        if path.startswith("/fx/") and path[4:] in bodies:
            name = path[4:]
            return route.fulfill(
                status=200, body=PAGE.format(name=name, body=bodies[name]), content_type="text/html"
            )
        return route.fulfill(status=404, body="not found")

    context.route(ORIGIN + "/**", serve)
    context.add_init_script(CANON)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.page_errors = []
    page.on("pageerror", lambda e: page.page_errors.append(str(e)))

    def load(name: str, body: str):
        bodies[name] = body
        page.page_errors.clear()
        page.goto(f"{ORIGIN}/fx/{name}")
        page.wait_for_function("() => window.htag && window.htag._loaded === true")
        return page

    yield load
    context.close()


def play(page, step) -> None:
    kind, sel, *args = step
    if kind == "fill":
        page.fill(sel, args[0])
    elif kind == "focus":
        page.focus(sel)
    elif kind == "checked":
        page.set_checked(sel, args[0])
    elif kind == "choose":
        page.select_option(sel, args[0])
    elif kind == "range":
        page.eval_on_selector(sel, "(el, a) => el.setSelectionRange(a[0], a[1], a[2])", args)
        assert page.eval_on_selector(
            sel, "(el) => [el.selectionStart, el.selectionEnd, el.selectionDirection]"
        ) == list(args)
    elif kind == "scroll":
        page.eval_on_selector(sel, "(el, a) => { el.scrollTop = a[0]; el.scrollLeft = a[1]; }", args)
        assert page.eval_on_selector(sel, "(el) => [el.scrollTop, el.scrollLeft]") == list(args)
    elif kind == "page_scroll":
        page.evaluate("(y) => window.scrollTo(0, y)", sel)
        assert page.evaluate("window.scrollY") == sel
    elif kind == "caret":
        page.eval_on_selector(
            sel,
            """(el, off) => { el.focus(); const r = document.createRange(); r.setStart(el.firstChild, off);
               r.collapse(true); const s = getSelection(); s.removeAllRanges(); s.addRange(r); }""",
            args[0],
        )
    elif kind == "js":
        page.evaluate(sel)
    else:
        raise ValueError(f"unknown step {step!r}")


def body_attrs(attrs: dict) -> str:
    return "".join(f' {k}="{v}"' for k, v in attrs.items())


@pytest.mark.parametrize("fx", FIXTURES, ids=[f["name"] for f in FIXTURES])
def test_morph_fixture(fixture_page, fx):
    page = fixture_page(fx["name"], fx["before"])
    for step in fx.get("steps", ()):
        play(page, step)
    state = {k: fx[k] for k in STATE_KEYS if k in fx}
    arg = {
        "target": fx.get("target", "c"),
        "update": fx["update"],
        "expected": fx.get("expected", fx["update"]),
        "bodyAttrs": body_attrs(fx.get("expected_body_attrs", {})),
        "owns": fx.get("owns", []),
        "same": fx.get("same", []),
        "fresh": fx.get("fresh", []),
        "state": state,
    }
    result = page.evaluate(RUN, arg)
    assert not page.page_errors, page.page_errors

    wanted_identity = {sel: "same" for sel in arg["same"]} | {sel: "new" for sel in arg["fresh"]}
    for when in ("now", "later"):
        got = result[when]
        assert got["done"] is True
        assert got["dom"] == result["expected"], f"{when}: DOM after the morph differs from the expected HTML"
        assert got["identity"] == wanted_identity, when
        for key in STATE_KEYS:
            if key in state:
                want = state[key]
                if key == "focus":
                    assert got["focus"] == want, f"{when}: focus on {got['focus']}, expected {want}"
                else:
                    assert json.loads(json.dumps(got[key])) == want, f"{when}: {key}"


def test_there_are_enough_fixtures_and_each_checks_something():
    assert len(FIXTURES) >= 30
    assert len({f["name"] for f in FIXTURES}) == len(FIXTURES)
    for fx in FIXTURES:
        # besides the DOM comparison, every fixture checks identity or state
        assert fx.get("same") or fx.get("fresh") or any(k in fx for k in STATE_KEYS), fx["name"]


def test_the_client_adds_only_its_globals(fixture_page):
    page = fixture_page("globals", '<div id="c"></div>')
    added = page.evaluate(
        "() => { const before = new Set(window.__globals0);"
        " return Object.getOwnPropertyNames(window).filter((n) => !before.has(n)).sort(); }"
    )
    # htag_on/htag_event (markup, user JS), htag, and htag 2's fallback() / fallback_pure_http()
    assert added == ["__globals0", "fallback", "fallback_pure_http", "htag", "htag_event", "htag_on"]
    assert page.evaluate("typeof htag._morph + typeof htag.send + htag.mode") == "functionfunctionconnecting"


def test_morph_without_a_policy_owns_nothing_and_with_the_live_one_keeps_the_focused_value(fixture_page):
    """htag._morph(target, html) uses the live policy (focused = owned), as before the split."""
    page = fixture_page("live_policy", '<div id="c"><input id="in"></div>')
    page.fill("#in", "typed")
    page.evaluate('htag._morph(\'c\', \'<div id="c"><input id="in" value="server"></div>\')')
    assert page.input_value("#in") == "typed"
    page.evaluate('htag._morph(\'c\', \'<div id="c"><input id="in" value="server"></div>\', {})')
    assert page.input_value("#in") == "server"
