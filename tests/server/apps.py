"""Apps served by the server tests (imported by the server subprocess)."""

import asyncio
import os
import threading
import time

from htag import State, Tag


def _record(line: str) -> None:
    path = os.environ.get("HTAG_TEST_LOG")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


class Counter(Tag.App):
    def init(self):
        self.n = State(0)
        Tag.span(self.n, _id="count")
        Tag.button("inc", _id="inc", _onclick=self.inc)
        Tag.input(_id="field", _value="start")
        Tag.button("read", _id="read", _onclick=self.read)
        Tag.button("thread", _id="thread", _onclick=self.later_from_thread)
        Tag.button("task", _id="task", _onclick=self.later_from_task)
        Tag.button("boom", _id="boom", _onclick=self.boom)
        Tag.button("steps", _id="steps", _onclick=self.steps)
        Tag.button("bad", _id="bad", _onclick=lambda e: self.not_awaited())
        Tag.button("asyncinc", _id="asyncinc", _onclick=self.async_inc)
        Tag.button("session", _id="session", _onclick=self.whoami)

    def inc(self, e):
        self.n.value += 1
        return self.n.value

    async def async_inc(self, e):
        await asyncio.sleep(0.01)
        self.n.value += 1
        return {"n": self.n.value}

    def read(self, e):
        return self.childs[2]["value"]

    def later_from_thread(self, e):
        def work():
            time.sleep(0.2)
            self.n.value = 100

        threading.Thread(target=work).start()

    def later_from_task(self, e):
        async def work():
            await asyncio.sleep(0.2)
            self.n.value = 200

        self._task = asyncio.ensure_future(work())

    def boom(self, e):
        raise RuntimeError("kaboom </script><b>x</b>")

    def steps(self, e):
        for i in range(3):
            self.n.value = 1000 + i
            yield

    async def not_awaited(self):
        return 1

    def whoami(self, e):
        return type(self.request).__name__

    def on_destroy(self):
        _record(f"destroy {id(self)}")


def serve_mounted(app_class, port: int, secret: str) -> None:
    """htag mounted under /ui of a host Starlette application, served by Granian."""
    import contextlib

    from granian import Granian
    from granian.constants import Interfaces
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route

    from htag import WebApp

    webapp = WebApp(app_class, secret_key=secret)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async with webapp.lifespan(app):
            yield

    host = Starlette(
        routes=[
            Route("/health", lambda request: PlainTextResponse("host app")),
            Mount("/ui", app=webapp.app),
        ],
        lifespan=lifespan,
    )
    Granian("apps:host", address="127.0.0.1", port=port, interface=Interfaces.ASGI, websockets=True).serve(
        target_loader=lambda *_: host
    )


class FragileRender(Tag.App):
    """Its second click makes a reactive child raise while the reply renders."""

    def init(self):
        self.n = State(0)
        Tag.span(lambda: f"n={10 // (2 - self.n.value)}", _id="out")
        Tag.button("inc", _id="inc", _onclick=self.inc)

    def inc(self, e):
        self.n.value += 1
        return self.n.value


def _block_until_released() -> None:
    """Blocks this thread (time.sleep, as a slow query would) until the test's go-ahead, a
    file next to the record log, exists (60 s at most)."""
    go = os.environ.get("HTAG_TEST_LOG", "") + ".go"
    deadline = time.monotonic() + 60
    while not os.path.exists(go) and time.monotonic() < deadline:
        time.sleep(0.01)


class Blocking(Tag.App):
    """`block` blocks its thread (time.sleep, as a slow query would) until the test
    creates the go-ahead file, then sets the counter to 777."""

    def init(self):
        self.n = State(0)
        Tag.span(self.n, _id="count")
        Tag.button("inc", _id="inc", _onclick=self.inc)
        Tag.button("block", _id="block", _onclick=self.block)

    def inc(self, e):
        self.n.value += 1
        return self.n.value

    def block(self, e):
        _record("block started")
        _block_until_released()
        self.n.value = 777
        _record("block ended")
        return "unblocked"


class Flood(Tag.App):
    """`flood` pushes 600 frames of ~8 KB, each sent at once (throttle 0), while the
    test's client reads nothing."""

    def init(self):
        self.n = State(0)
        Tag.span(lambda: f"{self.n.value}:" + "x" * 8000, _id="big")
        Tag.button("flood", _id="flood", _onclick=self.flood)
        Tag.button("inc", _id="inc", _onclick=self.inc)

    async def flood(self, e):
        for _ in range(600):
            self.n.value += 1
            self.update(throttle=0)
            await asyncio.sleep(0)
        _record("flood done")

    def inc(self, e):
        self.n.value += 1
        return self.n.value


class BlockingSteps(Blocking):
    """`steps`: a generator whose first step blocks its thread until the go-ahead."""

    def init(self):
        super().init()
        Tag.button("steps", _id="steps", _onclick=self.steps)

    def steps(self, e):
        _record("steps started")
        _block_until_released()
        self.n.value = 5
        yield
        self.n.value = 6
        _record("steps ended")


# -- statics as assets (test_statics_assets.py) -----------------------------------------------------------
SHARED_CSS = ".shared { color: rgb(1, 2, 3) }"
BIG_CSS = "".join(f".big{i} {{ margin: {i}px }}\n" for i in range(2000))
LATE_JS = "window.late_runs = (window.late_runs || 0) + 1;"
CDN_SCRIPT = '<script src="https://cdn.example.com/lib.js"></script>'


class SharedOne(Tag.div):
    statics = Tag.style(SHARED_CSS)


class SharedTwo(Tag.div):
    statics = [Tag.style(SHARED_CSS), Tag.style(BIG_CSS)]


class LateWidget(Tag.div):
    statics = [Tag.style(".late { color: rgb(4, 5, 6) }"), Tag.script(LATE_JS)]


class StaticsApp(Tag.App):
    statics = [Tag.title("Assets"), CDN_SCRIPT, Tag.script('{"data": 1}', _type="application/json")]

    def init(self):
        SharedOne(_id="one")
        SharedTwo(_id="two")
        self.holder = Tag.div(_id="holder")
        Tag.button("late", _id="late", _onclick=lambda e: self.holder.add(LateWidget()))


class Chat(Tag.App):
    """A room: `say` publishes on the topic "room"; every session's `heard` shows the last line."""

    def init(self):
        from htag import pubsub

        self.last = State("")
        self.heard_count = State(0)
        Tag.span(self.last, _id="last")
        Tag.span(self.heard_count, _id="heard")
        Tag.button("say", _id="say", _onclick=self.say)
        self.subscription = pubsub.subscribe("room", self.heard)

    def heard(self, message):
        self.last.value = message["text"]
        self.heard_count.value += 1

    def say(self, e):
        from htag import pubsub

        return pubsub.publish("room", {"text": f"hello from {id(self)}"})

    def on_destroy(self):
        self.subscription.cancel()


class Visits(Tag.App):
    """Counts the visits of a browser in `request.session` (the signed cookie), read by each new App."""

    def init(self):
        session = self.request.session
        session["visits"] = session.get("visits", 0) + 1
        Tag.span(f"visits={session['visits']}", _id="visits")
