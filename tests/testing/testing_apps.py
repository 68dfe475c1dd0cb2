"""Apps the htag.testing tests drive (also served by Granian, see test_network.py)."""

# `tag <= child` is htag's append operator, not a comparison
# ruff: noqa: B015

import asyncio
import threading
import time

from htag import App, State, Tag, prevent


class Counter(App):
    def init(self):
        self.n = State(0)
        Tag.h1("Counter")
        Tag.span(self.n, _id="count")
        Tag.button("+", _id="inc", _onclick=self.inc)
        Tag.button("-", _onclick=self.dec)

    def inc(self, e):
        self.n.value += 1
        return self.n.value

    def dec(self, e):
        self.n.value -= 1


class Greeter(App):
    """Typing, then a callback reading the value; an input handler; a chat-like Enter."""

    def init(self):
        self.name = Tag.input(_id="name", _placeholder="Your name")
        self.live = Tag.input(_id="live", _oninput=self.echo)
        self.msg = Tag.input(_id="msg", _onkeyup=self.on_key)
        Tag.button("Greet", _onclick=self.greet)
        self.out = Tag.p("", _id="out")
        self.echoed = Tag.p("", _id="echo")
        self.sent = Tag.ul(_id="sent")
        self.note = Tag.textarea("first", _id="note")

    def greet(self, e):
        self.out.text = f"Hello {self.name['value']}! ({self.note['value']})"

    def echo(self, e):
        self.echoed.text = e.value.upper()

    def on_key(self, e):
        if e.key == "Enter":
            self.sent <= Tag.li(e.value)
            self.msg["value"] = ""  # clears the field: the reply to this event may


class Form(App):
    """check, select, submit."""

    def init(self):
        with Tag.form(_id="f", _onsubmit=self.send):
            Tag.input(_name="who", _id="who")
            Tag.label(Tag.input(_type="checkbox", _name="news", _id="news"), "Newsletter")
            Tag.input(_type="radio", _name="size", _value="s", _id="size-s", _checked=True)
            Tag.input(_type="radio", _name="size", _value="l", _id="size-l")
            with Tag.select(_name="color", _id="color"):
                Tag.option("Red", _value="r")
                Tag.option("Green", _value="g")
            with Tag.select(_name="tags", _id="tags", _multiple=True):
                Tag.option("A", _value="a")
                Tag.option("B", _value="b")
                Tag.option("C", _value="c")
            Tag.button("Send", _name="action", _value="send")
        self.toggle = Tag.input(_type="checkbox", _id="alone", _onchange=self.toggled)
        self.result = Tag.pre("", _id="result")
        self.state = Tag.p("", _id="state")

    def send(self, e):
        self.result.text = repr(sorted(e.value.items()))

    def toggled(self, e):
        self.state.text = f"alone={e.checked}"


class Pushes(App):
    """Updates that no action answers: a thread's and a task's."""

    def init(self):
        self.ticks = State(0)
        self.status = State("idle")
        Tag.span(self.ticks, _id="ticks")
        Tag.span(self.status, _id="status")
        Tag.button("thread", _onclick=self.from_thread)
        Tag.button("task", _onclick=self.from_task)

    def from_thread(self, e):
        def work():
            for _ in range(5):
                time.sleep(0.01)
                self.ticks.value += 1
            self.status.value = "thread done"

        threading.Thread(target=work, daemon=True).start()

    def from_task(self, e):
        async def work():
            for _ in range(5):
                await asyncio.sleep(0.01)
                self.ticks.value += 10
            self.status.value = "task done"

        self._task = asyncio.ensure_future(work())


class Lifecycle(App):
    """What a reload (F5) does to a session."""

    def init(self):
        self.mounts = State(0)
        self.clicks = State(0)
        Tag.span(self.mounts, _id="mounts")
        Tag.span(self.clicks, _id="clicks")
        Tag.button("click", _onclick=self.click)
        Tag.button("js", _onclick=self.js)

    def on_mount(self):
        self.mounts.value += 1

    def click(self, e):
        self.clicks.value += 1

    def js(self, e):
        self.call_js("console.log('from python')")


class Texts(App):
    """Visible-text targets: clickables win, then the innermost."""

    statics = [Tag.title("Texts page")]

    def init(self):
        self.log = State("")
        with Tag.ul(_id="list"):
            Tag.li(Tag.button("Add", _onclick=lambda e: self.note("button")))
            Tag.li("Add")
        Tag.div(Tag.span("Save"), _onclick=lambda e: self.note("div"), _id="save")
        Tag.a("Open", _href="#x", _onclick=lambda e: self.note("link"))
        Tag.button("Twice", _class="twin")
        Tag.button("Twice", _class="twin")
        Tag.input(_type="submit", _value="Go", _onclick=lambda e: self.note("go"))
        Tag.button("search", _onclick=lambda e: self.note("search"))
        Tag.p(self.log, _id="log")

    def note(self, what):
        self.log.value = what


class Failing(App):
    def init(self):
        self.n = State(0)
        Tag.span(self.n, _id="n")
        Tag.button("boom", _onclick=self.boom)
        Tag.button("ok", _onclick=self.ok)
        Tag.button("async boom", _onclick=self.async_boom)
        Tag.button("slow", _onclick=self.slow)

    def boom(self, e):
        raise ValueError("boom from a callback")

    async def async_boom(self, e):
        await asyncio.sleep(0)
        raise KeyError("async boom")

    def ok(self, e):
        self.n.value += 1

    async def slow(self, e):
        await asyncio.sleep(3)


class Bubbles(App):
    """An event bubbles to the ancestors' handlers; @prevent keeps a checkbox as it was."""

    def init(self):
        self.seen = []
        self.log = Tag.p("", _id="log")
        with Tag.div(_id="outer", _onclick=self.outer):
            Tag.button("inner", _id="inner", _onclick=self.inner, _value="v1")
        Tag.input(_type="checkbox", _id="locked", _onclick=self.locked)
        Tag.input(_type="radio", _name="r", _id="r1", _checked=True)
        Tag.input(_type="radio", _name="r", _id="r2", _onclick=self.locked)

    def inner(self, e):
        self.seen.append(f"inner:{e.value}")
        self.log.text = ",".join(self.seen)

    def outer(self, e):
        self.seen.append(f"outer:{e.target.id == 'outer'}")
        self.log.text = ",".join(self.seen)

    @prevent
    def locked(self, e):
        self.seen.append("locked")
        self.log.text = ",".join(self.seen)


class Chat(App):
    """One instance per session; messages go to every session through a shared list."""

    rooms: list = []

    def init(self):
        self.box = Tag.ul(_id="messages")
        self.field = Tag.input(_id="text")
        Tag.button("Send", _onclick=self.send)
        Chat.rooms.append(self)

    def send(self, e):
        for app in Chat.rooms:
            app.box <= Tag.li(self.field["value"])

    def on_destroy(self):
        Chat.rooms.remove(self)


class Home(Tag.div):
    def init(self):
        self <= Tag.h2("Home")
        self <= Tag.a("to user 3", _href="#/users/3")


class User(Tag.div):
    def init(self, id):
        self <= Tag.h2(f"User {id}")
        self <= Tag.button("home", _onclick=lambda e: self.root.router.navigate("/"))


class Site(App):
    """htag's hash Router: links, navigate(), and the fragment a reload keeps."""

    def init(self):
        from htag import Router

        self.router = Router()
        self.router.add_route("/", Home)
        self.router.add_route("/users/:id", User)
        self <= self.router


class MountFails(App):
    """An error no action waits for: an async on_mount that raises."""

    def init(self):
        Tag.button("ok", _onclick=lambda e: None)

    async def on_mount(self):
        await asyncio.sleep(0)
        raise ValueError("mount failed")
