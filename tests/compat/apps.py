"""Apps served by tests/compat (`_support.serve_app(NAME)`: `examples/htag2/_serve.py`
serves `apps.py:NAME`, a WebApp or a host Starlette app). `record()` appends a line to the
file named by $HTAG_TEST_LOG, for hooks that leave no trace in the page."""

# `tag <= child` is htag's append operator, not a comparison
# ruff: noqa: B015

from __future__ import annotations

import asyncio
import os
import threading

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.routing import Mount, Route

from htag import Tag, WebApp, current_request

SECRET = "compat-test-secret"


def record(line: str) -> None:
    with open(os.environ["HTAG_TEST_LOG"], "a") as f:
        f.write(line + "\n")


def describe(request) -> str:
    return f"{type(request).__name__} {request.url.path}" if request is not None else "None"


class RequestProbe(Tag.App):
    """Shows what `self.request` is in init and in on_mount; records what a task started
    by on_mount reads once the page is answered."""

    def init(self):
        Tag.p(f"init: {describe(self.request)}")
        Tag.p(f"session in init: {dict(self.request.session)!r}"[:60])

    def on_mount(self):
        self <= Tag.p(f"mount: {describe(self.request)}")
        self.later = asyncio.create_task(self.read_later())

    async def read_later(self):
        await asyncio.sleep(0.05)  # the page has been answered
        record(f"task: {describe(self.request)} {self.request.headers.get('x-probe')}")


class EventProbe(Tag.App):
    """Each button answers with what its callback saw of the Event."""

    def init(self):
        Tag.button("probe", _id="probe", _onclick=self.probe)
        Tag.button("x", _id="valued", _value="x", _onclick=self.probe)

    def probe(self, e):
        return {
            "value": e.value,
            "id": e.id,
            "item_id": e["id"],
            "name": e.name,
            "target": e.target.id,
            "a": e.a,
            "missing": e.missing,
        }


event_probe = WebApp(EventProbe, secret_key=SECRET)


class CurrentRequestProbe(Tag.App):
    """What htag 2's `htag.core.current_request` holds in init and in a callback."""

    def init(self):
        from htag.core import current_request

        self.seen_in_init = type(current_request.get()).__name__
        Tag.button("probe", _id="probe", _onclick=self.probe)

    def probe(self, e):
        from htag.core import current_request

        return {"init": self.seen_in_init, "callback": type(current_request.get()).__name__}


current_request_probe = WebApp(CurrentRequestProbe, secret_key=SECRET)


class SessionReader(Tag.App):
    """Reads the host's session in init, and over the WebSocket in a callback."""

    def init(self):
        self.loads = 0
        Tag.h1(f"user: {self.request.session.get('user', 'nobody')}")
        Tag.button("who", _id="who", _onclick=self.who)

    def on_mount(self):  # every page load of this session (F5 included)
        self.loads += 1

    def who(self, e):
        same = current_request.get() is self.request  # htag 2's context var: the WebSocket
        return {"user": self.request.session.get("user"), "loads": self.loads, "same": same}


async def login(request):
    request.session["user"] = "ada"
    return RedirectResponse("/app/", status_code=303)


async def whoami(request):
    return PlainTextResponse(str(request.session.get("user")))


host = Starlette(
    routes=[
        Route("/login", login),
        Route("/whoami", whoami),
        Mount("/app", app=WebApp(SessionReader, secret_key=SECRET).app),
    ],
    middleware=[Middleware(SessionMiddleware, secret_key="host secret")],
)

request_probe = WebApp(RequestProbe, secret_key=SECRET)


class Loaded(Tag.div):
    async def on_mount(self):
        await asyncio.sleep(0.01)
        self <= f"loaded {self.id}"


class Leaving(Tag.div):
    def init(self, status):
        self.status = status  # its hook runs once it is detached: no root any more
        self <= "going"

    def on_unmount(self):
        self.status.text = "leaving"
        yield
        self.status.text = "left"


class Lifecycle(Tag.App):
    """A click adds a tag with an async on_mount; another removes one whose on_unmount
    is a generator; on_destroy is async."""

    def init(self):
        self.status = Tag.p("idle", _id="status")
        self.box = Tag.div(_id="box")
        self.leaving = Leaving(self.status, _id="leaving")
        self.box <= self.leaving
        Tag.button("add", _id="add", _onclick=self.add_loaded)
        Tag.button("remove", _id="remove", _onclick=self.remove_leaving)
        Tag.button("thread", _id="thread", _onclick=self.add_from_a_thread)

    def add_loaded(self, e):
        self.box <= Loaded(_id="loaded")

    def remove_leaving(self, e):
        self.leaving.remove()

    def add_from_a_thread(self, e):
        def work():
            self.box <= Loaded(_id="threaded")

        threading.Thread(target=work).start()

    async def on_destroy(self):
        await asyncio.sleep(0.01)
        record("destroyed")


lifecycle = WebApp(Lifecycle, secret_key=SECRET)
