"""Apps served to real Chromium by the browser tests (imported by the server subprocess only)."""

import asyncio
import importlib.util
import json
import threading
import time
from pathlib import Path

from htag import Router, State, Tag, prevent

ROOT = Path(__file__).resolve().parents[2]


def _load(path: Path, name: str):
    """The module at `path`, imported as `name` (this module is `apps` in its server process,
    the name of tests/server/apps.py too)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


server_apps = _load(ROOT / "tests" / "server" / "apps.py", "server_apps")
_record = server_apps._record  # appends a line to $HTAG_TEST_LOG: what Python really ran


class Counter(server_apps.Counter):
    """tests/server/apps.py's Counter, with a change the server pushes after the reply (from a
    thread) and a reply that comes late."""

    def init(self):
        super().init()
        Tag.button("later", _id="later", _onclick=self.later_from_thread)
        Tag.button("slow inc", _id="slowinc", _onclick=self.slow_inc)

    async def slow_inc(self, e):
        _record(f"slow_inc {e.callback_id}")
        await asyncio.sleep(0.6)
        self.n.value += 1
        return self.n.value


# -- a copy of /work/shared/workloads/typing_app.py ------------------------------------------------
class Typing(Tag.App):
    def init(self):
        self.n = State(0)
        # the input sits inside a container that re-renders on every keystroke
        self.box = Tag.div(_class=lambda: f"box k{self.n.value}")
        with self.box:
            Tag.span(lambda: f"keys: {self.n.value}", _id="keys")
            self.inp = Tag.input(_id="field", _onkeyup=self.key)
        self <= self.box  # noqa: B015 - as in the workload

    def key(self, e):
        self.n.value += 1


# -- morphing keeps what the user is doing ---------------------------------------------------------
class Selection(Tag.App):
    """A textarea inside a container that the server re-renders as a whole."""

    def init(self):
        self.n = State(0)
        self.box = Tag.div(_id="box")
        with self.box:
            Tag.span(lambda: f"ticks: {self.n.value}", _id="ticks")
            self.ta = Tag.textarea("", _id="ta", _rows="4", _cols="40")
        Tag.button("rerender", _id="rerender", _onclick=self.rerender)
        Tag.button("thread", _id="thread", _onclick=self.from_thread)
        Tag.button("read", _id="read", _onclick=lambda e: self.ta["value"])
        Tag.button("clear", _id="clear", _onclick=self.clear_textarea)

    def tick(self):
        self.n.value += 1
        self.box.update()  # the whole container (textarea included) is sent again

    def rerender(self, e):
        self.tick()

    def clear_textarea(self, e):
        self.ta["value"] = ""
        self.tick()

    def from_thread(self, e):
        def work():
            for _ in range(3):
                time.sleep(0.1)
                self.tick()

        threading.Thread(target=work, daemon=True).start()


class ScrollList(Tag.App):
    """An overflow:auto list of 200 items inside a container the server re-renders."""

    def init(self):
        self.n = State(0)
        self.box = Tag.div(_id="box")
        with self.box:
            Tag.span(lambda: f"renders: {self.n.value}", _id="renders")
            with Tag.div(_id="list", _style="height:200px;overflow:auto;border:1px solid #999"):
                Tag.div(lambda: f"item 0 (v{self.n.value})", _id="first", _style="height:20px")
                for i in range(1, 200):
                    Tag.div(f"item {i}", _style="height:20px")
        Tag.button("rerender", _id="rerender", _onclick=self.rerender)

    def rerender(self, e):
        self.n.value += 1
        self.box.update()


class Chat(Tag.App):
    """The common pattern: Enter sends the message and Python clears the focused input."""

    def init(self):
        self.messages = State([])
        Tag.ul(lambda: [Tag.li(m) for m in self.messages.value], _id="messages")
        self.inp = Tag.input(_id="msg", _onkeyup=self.key)

    def key(self, e):
        if e.key == "Enter" and e.value:
            self.messages.append(e.value)
            self.inp["value"] = ""


# -- values of form controls as Python sees them ---------------------------------------------------
def _typed(value):
    """A value with the Python type names of what it holds (so JSON keeps bool vs str)."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    return [value, type(value).__name__]


class Forms(Tag.App):
    def init(self):
        self.out = State("")
        Tag.input(_type="checkbox", _id="cb", _onchange=lambda e: self.got("checkbox", e.value))
        for v in ("a", "b", "c"):
            with Tag.label():
                Tag.input(
                    _type="radio",
                    _name="r",
                    _value=v,
                    _id=f"r{v}",
                    _onchange=lambda e: self.got("radio", e.value),
                )
                Tag.span(v)
        with Tag.select(_id="sel", _onchange=lambda e: self.got("select", e.value)):
            for v in ("x", "y", "z"):
                Tag.option(v.upper(), _value=v)
        with Tag.form(_id="form", _onsubmit=self.submit):
            Tag.input(_name="name", _id="fname")
            Tag.input(_type="checkbox", _name="agree", _id="fagree")
            Tag.input(_type="checkbox", _name="news", _id="fnews")
            with Tag.select(_name="color", _id="fcolor"):
                for v in ("red", "green", "blue"):
                    Tag.option(v, _value=v)
            for v in ("s", "m", "l"):
                Tag.input(_type="radio", _name="size", _value=v, _id=f"fsize{v}")
            Tag.textarea("", _name="notes", _id="fnotes")
            Tag.button("send", _type="submit", _id="fsend")
        with Tag.form(_id="plain", _onsubmit=self.plain):  # no @prevent
            Tag.input(_name="q", _id="q")
        Tag.pre(self.out, _id="out")

    def plain(self, e):
        self.out.value = json.dumps({"kind": "plain", "value": _typed(e.value)})

    def got(self, kind, value):
        self.out.value = json.dumps({"kind": kind, "value": _typed(value)})

    @prevent
    def submit(self, e):
        self.out.value = json.dumps(
            {"kind": "form", "value": _typed(e.value), "agree": _typed(e["agree"]), "name": _typed(e["name"])}
        )


class Controls(Tag.App):
    """Form controls without callbacks (their values reach Python by htag:sync) inside a container
    that the server re-renders as a whole."""

    def init(self):
        self.n = State(0)
        self.box = Tag.div(_id="box")
        with self.box:
            Tag.span(lambda: f"renders: {self.n.value}", _id="renders")
            self.line = Tag.input(_id="text", _value="initial")
            self.check = Tag.input(_type="checkbox", _id="check")
            self.radios = [
                Tag.input(_type="radio", _name="g", _value=v, _id=f"g{v}", _checked=(v == "c")) for v in "abc"
            ]
            self.pick = Tag.select(_id="pick")
            with self.pick:
                for v in ("x", "y", "z"):
                    Tag.option(v.upper(), _value=v, _selected=(v == "y"))
            self.area = Tag.textarea("initial text", _id="area")
        Tag.button("rerender", _id="rerender", _onclick=self.rerender)
        Tag.button("read", _id="read", _onclick=self.read)

    def rerender(self, e):
        self.n.value += 1
        self.box.update()

    def read(self, e):
        return {
            "text": self.line["value"],
            "check": bool(self.check.get("checked")),
            "radios": {r["value"]: bool(r.get("checked")) for r in self.radios},
            "pick": self.pick["value"],
            "area": self.area["value"],
        }


# -- htag_event() from user JS -----------------------------------------------------------------------
class Calls(Tag.App):
    def init(self):
        self.n = State(0)
        Tag.div(
            lambda: f"calls: {self.n.value}",
            _id="calc",
            _oncompute=self.compute,
            _ondouble=self.double,
            _onslow=self.slow,
            _onfail=self.fail,
        )

    def compute(self, e):
        self.n.value += 1
        return {"sum": e["a"] + e["b"], "echo": e["tag"] if e["tag"] is not None else e.value}

    def double(self, e):
        return e.value * 2

    async def slow(self, e):
        await asyncio.sleep(0.05)
        self.n.value += 1
        return [e.value, "async"]

    def fail(self, e):
        raise ValueError("nope")


class Values(Tag.App):
    """What `e.value` is for elements that are not form controls (htag 2)."""

    def init(self):
        self.out = State("")
        Tag.button("x", _value="x", _id="valued", _onclick=self.show)
        Tag.button("plain", _id="plain", _onclick=self.show)
        Tag.div("div", _id="box", _onclick=self.show)
        Tag.pre(self.out, _id="out")

    def show(self, e):
        value = e.value
        self.out.value = json.dumps(sorted(value) if isinstance(value, dict) else value)


# -- statics and call_js -------------------------------------------------------------------------------
class Widget(Tag.div):
    statics = [
        Tag.style(".widget { color: rgb(0, 128, 0); }"),
        Tag.script("window.widget_runs = (window.widget_runs || 0) + 1;"),
        Tag.title("Widget title"),
    ]

    def init(self, n):
        self.add_class("widget")
        self.add(f"widget {n}")


class Statics(Tag.App):
    statics = [
        Tag.style(".marked { color: rgb(255, 0, 0); }"),
        Tag.script("window.static_runs = (window.static_runs || 0) + 1;"),
        Tag.title("Statics title"),
    ]

    def init(self):
        self.n = State(0)
        Tag.span(self.n, _id="count", _class="marked")
        Tag.button("js", _id="js", _onclick=self.js)
        Tag.button("bump", _id="bump", _onclick=self.bump)
        Tag.button("widget", _id="widget", _onclick=self.widget)
        self.holder = Tag.div(_id="holder")

    def js(self, e):
        self.call_js("window.js_runs = (window.js_runs || 0) + 1;")
        self.n.value += 1

    def bump(self, e):
        self.n.value += 1

    def widget(self, e):
        self.holder.add(Widget(len(self.holder.childs)))


# -- statics as content-addressed assets (test_browser_statics.py) ----------------------------------------
# 40 KB of rules: the update that brings them must wait for the stylesheet
LATE_CSS = ".late-widget { color: rgb(0, 0, 200); }\n" + "".join(
    f".late-rule-{i} {{ margin: {i}px }}\n" for i in range(2000)
)


class LateWidget(Tag.div):
    statics = [
        Tag.style(LATE_CSS),
        Tag.script("window.order = (window.order || []).concat('a');"),
        Tag.script("window.order = window.order.concat(window.late_a_seen = 'b');"),
        Tag.title("Late title"),
    ]

    def init(self, n):
        self.add_class("late-widget")
        self.add(f"late {n}")


class Assets(Tag.App):
    statics = [Tag.style(".page-style { color: rgb(200, 0, 0); }"), Tag.script("window.page_runs = 1;")]

    def init(self):
        self.n = State(0)
        Tag.span(self.n, _id="count", _class="page-style")
        Tag.button("inc", _id="inc", _onclick=self.inc)
        with Tag.form(_id="form", _onsubmit=self.submitted):
            Tag.button("send", _id="send")
        Tag.button("late", _id="late", _onclick=self.late)
        self.holder = Tag.div(_id="holder")

    def inc(self, e):
        self.n.value += 1

    @prevent
    def submitted(self, e):
        self.n.value += 10

    def late(self, e):
        self.holder.add(LateWidget(len(self.holder.childs)))


class TextHandlers(Tag.App):
    """Event attributes written as JavaScript text, as htag 2 allows."""

    def init(self):
        Tag.button("text", _id="text-js", _onclick="document.getElementById('out').textContent = 'ran'")
        button = Tag.button("set", _id="set-js")
        button["onclick"] = "this.textContent = 'set ran'"
        Tag.span("", _id="out")


# -- errors -----------------------------------------------------------------------------------------------
SECRET_MESSAGE = "secret-kaboom-7431"


class Errors(Tag.App):
    def init(self):
        self.n = State(0)
        Tag.span(self.n, _id="count")
        Tag.button("inc", _id="inc", _onclick=self.inc)
        Tag.button("boom", _id="boom", _onclick=self.boom)

    def inc(self, e):
        self.n.value += 1

    def boom(self, e):
        self.n.value += 1  # changed before the failure: still sent
        helper_that_fails(self.n.value)


def helper_that_fails(n):
    raise RuntimeError(f"{SECRET_MESSAGE} at step {n}")


# -- body.interacting ------------------------------------------------------------------------------------
class Slow(Tag.App):
    def init(self):
        self.status = State("idle")
        Tag.span(self.status, _id="status")
        Tag.button("slow", _id="slow", _onclick=self.slow)

    async def slow(self, e):
        # an intermediate frame re-renders <body> itself while the callback still runs
        self.status.value = "working"
        self.add(Tag.p("working", _id="working"))
        yield
        await asyncio.sleep(1.0)
        self.status.value = "done"


# -- the hash Router (test_router_browser.py) ------------------------------------------------------
# a path segment with quotes, markup, a JS line separator, non-ASCII and a percent sign
HOSTILE_ID = "\"<b>x<script>alert(1)\u2028'é%41"


class RouterHome(Tag.div):
    def init(self):
        Tag.h1("home")
        Tag.a("to user 3", _href="#/users/3", _id="link3")


class RouterUser(Tag.div):
    def init(self, id):
        Tag.h1(f"user {id}", _id="title")


class RouterSite(Tag.App):
    def init(self):
        self.router = Router()
        self.router.add_route("/", RouterHome)
        self.router.add_route("/users/:id", RouterUser)
        Tag.p(lambda: f"path={self.router.path.value}", _id="path")
        Tag.button("go 5", _id="go5", _onclick=lambda e: self.router.navigate("/users/5"))
        Tag.button("hostile", _id="hostile", _onclick=lambda e: self.router.navigate("/users/" + HOSTILE_ID))
        self <= self.router  # noqa: B015 - htag's append operator


# -- apps of examples/ and tests/server/file_apps.py, imported by path --------------------------------
# by name, loaded on demand (the other apps do not need them): module path, module name, attribute
ON_DEMAND = {
    "Demo": (ROOT / "examples" / "demo.py", "htag_demo_example", "Demo"),
    "Uploader": (ROOT / "examples" / "upload.py", "htag_example_upload", "Uploader"),
    "Downloader": (ROOT / "examples" / "download.py", "htag_example_download", "Downloader"),
    # the upload/download apps the server tests serve too
    "Files": (ROOT / "tests" / "server" / "file_apps.py", "htag_file_apps", "Files"),
    "AsyncFiles": (ROOT / "tests" / "server" / "file_apps.py", "htag_file_apps", "AsyncFiles"),
}


def __getattr__(name):
    if name in ON_DEMAND:
        path, module, attribute = ON_DEMAND[name]
        return getattr(_load(path, module), attribute)
    raise AttributeError(name)
