"""HTAG_API.md, "Runners and hosting": `Router()` — a hash router. Routes with `:params`
(given to the page's `init` as strings), `navigate(path)`, a 404 page, a reactive
`router.path`, back/forward through the App's `onhashchange`, mount/unmount of pages.

No server: an App is rendered with `render_page()`, the client's `hashchange` is
simulated by calling the App's `onhashchange` handler with an object carrying `newURL`
(or by the real dispatcher with the message the client sends), frames come from
`app.next_frame()`.

Why one file over 500 lines: one component, its routes, pages and reports, tested
against one site (the classes at the top) that every test shares.
"""

# `tag <= child` is htag's append operator, not a comparison
# ruff: noqa: B015

from __future__ import annotations

import asyncio
import json
import re
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import unquote

import pytest

from htag import App, Router, State, Tag
from htag.dispatch import Dispatcher
from htag.router import NotFound

HOSTILE = [
    "\"quote\" 'single'",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "é ✓ 漢字 🎉 \u2028 \u2029",
    "a%20b %zz 100%",
    "`${x}` \\ back",
    "?q=1#frag",
]


class Log:
    events: list = []


class Home(Tag.div):
    def init(self):
        self.add("home")

    def on_mount(self):
        Log.events.append(("mount", "home"))

    def on_unmount(self):
        Log.events.append(("unmount", "home"))


class UserPage(Tag.div):
    def init(self, id):
        self.user = id
        self.add(f"user {id}")

    def on_mount(self):
        Log.events.append(("mount", f"user {self.user}"))

    def on_unmount(self):
        Log.events.append(("unmount", f"user {self.user}"))


class PostPage(Tag.div):
    def init(self, user, post):
        self.add(f"post {post} of {user}")


class Site(App):
    """An App holding a Router and a reactive view of its path."""

    def init(self):
        self.router = Router()
        self.router.add_route("/", Home)
        self.router.add_route("/users/:id", UserPage)
        self.router.add_route("/users/:user/posts/:post", PostPage)
        self.where = Tag.p(lambda: f"at {self.router.path.value}")
        self <= self.where
        self <= self.router


@pytest.fixture(autouse=True)
def fresh_log():
    Log.events = []
    yield Log.events


def live(app: App | None = None) -> App:
    app = app or Site()
    app.render_page()
    app.next_frame()  # the Router's request for the client's fragment
    return app


def hashchange(app: App, fragment: str, base: str = "http://127.0.0.1:8000/"):
    """What the client does on `hashchange`: call the App's handler with `newURL`."""
    handler = app.get("onhashchange")
    assert callable(handler), "the Router hooks itself to the App's onhashchange"
    return handler(SimpleNamespace(newURL=base + fragment, oldURL=base, name="hashchange", target=app))


def text_of(tag) -> str:
    return re.sub(r"<[^>]+>", "", str(tag))


# -- matching -----------------------------------------------------------------------


def test_nothing_is_shown_until_the_client_tells_its_fragment():
    app = Site()
    _, body = app.render_page()
    assert app.router.path.value == ""
    assert app.router.childs == [] and app.router.page is None
    frame = app.next_frame()
    # the Router asks the client for its current fragment, to its own `route` handler
    assert frame["js"] == [f"htag_event({json.dumps(app.router.id)},'route',{{hash:location.hash}})"]
    assert 'onhashchange="htag_on(this,event)"' in body


def test_the_clients_report_shows_its_route():
    app = live()
    app.router._event_handler("route")(SimpleNamespace(hash="#/users/7"))
    assert text_of(app.router) == "user 7"
    assert app.router.path.value == "/users/7"
    assert app.router.params == {"id": "7"}
    app2 = live()
    app2.router._event_handler("route")(SimpleNamespace(hash=""))  # no fragment: "/"
    assert text_of(app2.router) == "home" and app2.router.path.value == "/"


def test_route_matching_with_params():
    app = live()
    hashchange(app, "#/")
    assert text_of(app.router) == "home"
    hashchange(app, "#/users/42")
    assert text_of(app.router) == "user 42"
    assert isinstance(app.router.page, UserPage) and app.router.page.user == "42"
    hashchange(app, "#/users/bob/posts/9")
    assert text_of(app.router) == "post 9 of bob"
    assert app.router.params == {"user": "bob", "post": "9"}
    hashchange(app, "#users/5/")  # no leading slash, trailing slash: same route
    assert text_of(app.router) == "user 5" and app.router.path.value == "/users/5"
    hashchange(app, "")  # no fragment at all
    assert text_of(app.router) == "home"


def test_params_are_percent_decoded_strings():
    app = live()
    hashchange(app, "#/users/jean%20paul")
    assert app.router.page.user == "jean paul"
    hashchange(app, "#/users/%C3%A9l%C3%A8ve")
    assert app.router.page.user == "élève"
    hashchange(app, "#/users/a%2Fb")  # an encoded slash stays inside its segment
    assert app.router.page.user == "a/b"


def test_first_route_added_wins_and_literals_are_literal():
    class New(Tag.div):
        def init(self):
            self.add("new user form")

    app = Site()
    app.router.add_route("/users/new", New)  # after /users/:id: never reached
    app.router.add_route("/a.b", New)
    app.router.add_route("/(.*)", New)
    live(app)
    hashchange(app, "#/users/new")
    assert text_of(app.router) == "user new"
    hashchange(app, "#/axb")  # '.' is no regex wildcard
    assert isinstance(app.router.page, NotFound)
    hashchange(app, "#/a.b")
    assert text_of(app.router) == "new user form"
    hashchange(app, "#/anything")  # '(.*)' is a literal segment
    assert isinstance(app.router.page, NotFound)
    hashchange(app, "#/(.*)")
    assert text_of(app.router) == "new user form"


def test_bad_routes_are_refused():
    router = Router()
    with pytest.raises(ValueError, match="valid Python name"):
        router.add_route("/users/:user-id", UserPage)
    with pytest.raises(ValueError, match="valid Python name"):
        router.add_route("/users/:", UserPage)
    with pytest.raises(ValueError, match="twice"):
        router.add_route("/:a/:a", UserPage)
    with pytest.raises(TypeError):
        router.add_route("/x", "not a page")


def test_a_page_may_be_any_callable_returning_a_tag():
    app = Site()
    app.router.add_route("/hello/:name", lambda name: Tag.b(f"hello {name}"))
    live(app)
    hashchange(app, "#/hello/ann")
    assert text_of(app.router) == "hello ann"


# -- 404 ------------------------------------------------------------------------------


def test_unknown_path_shows_the_default_not_found_page():
    app = live()
    hashchange(app, "#/nowhere/at/all")
    assert isinstance(app.router.page, NotFound)
    assert "Page not found: /nowhere/at/all" in text_of(app.router)
    assert app.router.path.value == "/nowhere/at/all"
    assert app.router.params == {}


def test_custom_not_found_pages():
    class Missing(Tag.section):
        def init(self, path):
            self.add(f"missing {path}")

    class Plain(Tag.section):
        def init(self):
            self.add("plain 404")

    app = Site()
    app.router.set_not_found(Missing)
    live(app)
    hashchange(app, "#/x")
    assert text_of(app.router) == "missing /x"
    app.router.set_not_found(Plain)
    hashchange(app, "#/y")
    assert text_of(app.router) == "plain 404"
    other = Site()
    other.router = Router(not_found=Plain)
    assert isinstance(other.router._not_found_page("/z"), Plain)


# -- navigate / reactive path -----------------------------------------------------------------


def test_navigate_updates_path_state_produces_a_frame_and_a_js_call():
    app = live()
    hashchange(app, "#/")
    app.next_frame()
    app.router.navigate("/users/3")
    assert app.router.path.value == "/users/3"
    assert isinstance(app.router.path, State)
    frame = app.next_frame()
    assert frame["js"] == ['location.hash="#/users/3"']
    updates = frame["updates"]
    assert updates[app.where.id] == f'<p id="{app.where.id}">at /users/3</p>'
    assert "user 3" in updates[app.router.id]
    # the browser's echo of that change is no new navigation
    hashchange(app, "#/users/3")
    assert app.next_frame() is None


def test_navigate_to_the_current_path_keeps_the_page():
    app = live()
    hashchange(app, "#/users/1")
    page = app.router.page
    app.router.navigate("/users/1/")
    assert app.router.page is page


def test_echoes_of_earlier_navigations_do_not_go_back():
    app = live()
    hashchange(app, "#/")
    app.router.navigate("/users/1")
    app.router.navigate("/users/2")
    assert text_of(app.router) == "user 2"
    # the client applies both `location.hash=` and fires two hashchange events
    hashchange(app, "#/users/1")
    assert text_of(app.router) == "user 2", "a stale echo must not bring /users/1 back"
    hashchange(app, "#/users/2")
    assert text_of(app.router) == "user 2"
    # then the user presses Back: a real navigation
    hashchange(app, "#/users/1")
    assert text_of(app.router) == "user 1"
    hashchange(app, "#/")
    assert text_of(app.router) == "home"


def test_initial_report_after_navigations_in_init():
    class Start(Site):
        def init(self):
            super().init()
            self.router.navigate("/users/1")
            self.router.navigate("/users/2")

    app = Start()
    assert text_of(app.router) == "user 2"
    app.render_page()
    frame = app.next_frame()
    # the hash is set before the Router asks for it
    assert frame["js"][:2] == ['location.hash="#/users/1"', 'location.hash="#/users/2"']
    assert frame["js"][2].startswith("htag_event(")
    app.router._event_handler("route")(SimpleNamespace(hash="#/users/2"))
    hashchange(app, "#/users/1")  # the echoes come after the report
    hashchange(app, "#/users/2")
    assert text_of(app.router) == "user 2"


def test_reactive_path_in_attributes():
    app = Site()
    link = Tag.a("home", _href="#/", _class=lambda: "on" if app.router.path == "/" else "off")
    app <= link
    live(app)
    hashchange(app, "#/")
    assert app.next_frame()["ops"] == [["attr", link.id, "class", "on"]]
    app.router.navigate("/users/9")
    frame = app.next_frame()
    assert ["attr", link.id, "class", "off"] in frame["ops"]


def test_a_failing_page_leaves_the_router_where_it_was():
    class Broken(Tag.div):
        def init(self):
            raise RuntimeError("boom")

    app = Site()
    app.router.add_route("/broken", Broken)
    live(app)
    hashchange(app, "#/users/1")
    app.next_frame()
    with pytest.raises(RuntimeError, match="boom"):
        app.router.navigate("/broken")
    assert app.router.path.value == "/users/1" and text_of(app.router) == "user 1"
    frame = app.next_frame()
    assert frame is None or "js" not in frame, "the URL is not changed for a page that failed"


def test_navigate_rejects_non_strings():
    with pytest.raises(TypeError):
        Router().navigate(3)


# -- mount / unmount --------------------------------------------------------------------


def test_pages_are_mounted_and_unmounted_when_switched(fresh_log):
    app = live()
    hashchange(app, "#/")
    assert fresh_log == [("mount", "home")]
    home = app.router.page
    hashchange(app, "#/users/1")
    assert fresh_log == [("mount", "home"), ("unmount", "home"), ("mount", "user 1")]
    assert home.parent is None and home.root is None, "the previous page left the tree"
    assert app.router.childs == [app.router.page]
    del fresh_log[:]
    hashchange(app, "#/users/2")  # same route, other params: a new page
    assert fresh_log == [("unmount", "user 1"), ("mount", "user 2")]
    del fresh_log[:]
    hashchange(app, "#/users/2")  # same path: nothing happens
    assert fresh_log == []


def test_page_tags_are_in_the_app_and_their_events_work():
    clicked = []

    class Clicky(Tag.div):
        def init(self):
            self.button = Tag.button("go", _onclick=lambda e: clicked.append(1))

    app = Site()
    app.router.add_route("/clicky", Clicky)
    live(app)
    hashchange(app, "#/clicky")
    button = app.router.page.button
    assert app.find_tag(button.id) is button
    button._event_handler("click")(None)
    assert clicked == [1]


def test_unmounting_the_router_gives_the_app_handler_back():
    seen = []

    class Mine(App):
        def init(self):
            self["onhashchange"] = lambda e: seen.append(e.newURL)
            self.router = Router()
            self.router.add_route("/", Home)
            self <= self.router

    app = live(Mine())
    hashchange(app, "#/")
    assert seen == ["http://127.0.0.1:8000/#/"], "the App's own handler is still called"
    assert text_of(app.router) == "home"
    app.router.remove()
    hashchange(app, "#/x")
    assert seen[-1].endswith("#/x") and len(seen) == 2
    assert app.get("onhashchange") is not None
    app <= app.router  # mounted again: hooked again, the handler still chained once
    hashchange(app, "#/y")
    assert len(seen) == 3 and isinstance(app.router.page, NotFound)


def test_router_without_app_handler_removes_its_own():
    app = live()
    router = app.router
    router.remove()
    assert app.get("onhashchange") is None
    assert "onhashchange" not in app.render_page()[1]


def test_reload_rehooks_once():
    calls = []

    class Mine(Site):
        def init(self):
            self["onhashchange"] = lambda e: calls.append(1)
            super().init()

    app = live(Mine())
    app._remount()  # what a page reload (F5) does
    app._remount()
    hashchange(app, "#/users/1")
    assert calls == [1]
    assert text_of(app.router) == "user 1"
    assert "htag_event(" in app.next_frame()["js"][0], "the reloaded page is asked for its fragment"


def test_async_app_handler_stays_async_through_the_chain():
    results = []

    class Mine(Site):
        def init(self):
            self["onhashchange"] = self.changed
            super().init()

        async def changed(self, e):
            await asyncio.sleep(0)
            results.append(e.newURL)
            return "done"

    app = live(Mine())
    frames = []
    message = {
        "id": app.id,
        "event": "hashchange",
        "data": {"newURL": "http://h/#/users/5", "oldURL": "http://h/", "callback_id": "c1"},
    }
    asyncio.run(Dispatcher(debug=True).handle(app, message, frames.append))
    (reply,) = frames
    assert reply["callback_id"] == "c1" and reply["result"] == "done", reply
    assert results == ["http://h/#/users/5"]
    assert "user 5" in reply["updates"][app.router.id]


def test_the_dispatcher_routes_the_clients_messages():
    """The messages a browser sends: the route report, then a hashchange."""
    app = live()
    frames = []
    dispatcher = Dispatcher(debug=True)
    report = {"id": app.router.id, "event": "route", "data": {"hash": "#/users/8", "callback_id": "a"}}
    asyncio.run(dispatcher.handle(app, report, frames.append))
    change = {"id": app.id, "event": "hashchange", "data": {"newURL": "http://h/#/", "callback_id": "b"}}
    asyncio.run(dispatcher.handle(app, change, frames.append))
    assert [f.get("callback_id") for f in frames] == ["a", "b"]
    assert "user 8" in frames[0]["updates"][app.router.id]
    assert "home" in frames[1]["updates"][app.router.id]
    assert all(f["action"] == "update" for f in frames)


def test_malformed_client_data_is_ignored():
    app = live()
    hashchange(app, "#/users/1")
    app.get("onhashchange")(SimpleNamespace(newURL=None))
    app.get("onhashchange")(SimpleNamespace(newURL={"x": 1}))
    app.router._event_handler("route")(SimpleNamespace(hash=3))
    assert text_of(app.router) == "user 1"


# -- hostile paths ------------------------------------------------------------------------


class Parsed(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def js_hash_literal(js: str) -> str:
    """The string a `location.hash=...` call sets, as JavaScript (and JSON) read it."""
    assert js.startswith("location.hash=")
    literal = js[len("location.hash=") :]
    # a single JSON string literal, nothing after it, nothing that ends a <script>
    assert re.fullmatch(r'"[^"\\<>&\u2028\u2029]*"', literal), literal
    return json.loads(literal)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_paths_are_escaped_in_js_and_html(hostile):
    app = live()
    hashchange(app, "#/")
    app.next_frame()
    path = f"/users/{hostile}"
    app.router.navigate(path)
    frame = app.next_frame()
    (js,) = frame["js"]
    fragment = js_hash_literal(js)
    assert re.fullmatch(r"#[A-Za-z0-9_.~/%:@!$&'()*+,;=-]*", fragment), fragment
    segments = [unquote(s) for s in fragment[1:].split("/") if s]
    assert segments == [s for s in path.split("/") if s], "the path survives the round trip"
    # what the page and the path view render: text, never markup
    for html in frame["updates"].values():
        parsed = Parsed(html)
        assert "script" not in parsed.tags and "img" not in parsed.tags, html
    shown = "".join(Parsed(frame["updates"][app.where.id]).text)
    assert shown == "at /" + "/".join(segments)
    # the browser echoes the fragment back: same page, no new navigation
    page = app.router.page
    hashchange(app, fragment)
    assert app.router.page is page


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_urls_from_the_client_render_as_text(hostile):
    app = live()
    hashchange(app, "#/nowhere/" + hostile)  # a raw, unencoded fragment, as a forged message could send
    html = str(app)
    parsed = Parsed(html)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert isinstance(app.router.page, NotFound)
    assert unquote(hostile).replace("/", "") in "".join(parsed.text).replace("/", "")
    encoded = hostile.replace("%", "%25").replace("/", "%2F").replace("#", "%23")
    hashchange(app, "#/users/" + encoded)
    assert isinstance(app.router.page, UserPage)
    assert app.router.page.user == hostile, "one segment, decoded exactly"
    parsed = Parsed(str(app))
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert f"user {hostile}" in "".join(parsed.text)


def test_router_id_is_json_escaped_in_the_report_call():
    app = App()
    router = Router(_id='r"</script>')
    app <= router
    app.render_page()
    (js,) = app.next_frame()["js"]
    assert "</script>" not in js and '"r\\"\\u003c/script\\u003e"' in js
