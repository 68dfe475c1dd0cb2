"""Property: the frames keep the client's DOM equal to a fresh full render.

Random trees (static and reactive children, reactive attributes, fragments, lambdas
reading plain attributes of the App) and random sequences of mutations. After every
step, the frame from `next_frame()` is applied to a model of the client DOM
(htag/testing/dom.py, docs/protocol.md); the result must equal `str(app)` structurally.
"""

# `tag <= child` is htag's append operator, not a comparison
# ruff: noqa: B015

from __future__ import annotations

import os
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from htag import App, State, Tag
from htag.testing.dom import ClientDOM, canonical, parse_one, unique_ids

SCALE = int(os.environ.get("HTAG_PROPERTY_SCALE", "1"))  # e.g. 10 for a long hunt
ELEMENTS = ["div", "span", "p", "b", "ul", "li", "section"]
WORDS = ["", "a", "bb", "x y", "<i>&amp;", 'q"uote', "é✓"]
ATTR_NAMES = ["title", "data-x", "class", "hidden", "aria-label"]
ATTR_VALUES: list[Any] = ["a", "b", "a b", 'q"<&>', "", True, False, None, 0, 12]
CLASSES = ["on", "off", "big"]


class World(App):
    def init(self) -> None:
        self.word = "w"  # plain attributes read by lambdas (the seed promise)
        self.count = 0
        self.states = [State("s0"), State(1), State("z")]


class Builder:
    """Builds random subtrees from hypothesis draws."""

    def __init__(self, app: World, data: st.DataObject) -> None:
        self.app = app
        self.data = data

    def draw(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self.data.draw(strategy)

    def reactive_child(self) -> Any:
        app = self.app
        kind = self.draw(st.sampled_from(["state", "word", "count", "tag", "list", "mixed"]))
        if kind == "state":
            return self.draw(st.sampled_from(app.states))
        if kind == "word":
            return lambda: app.word
        if kind == "count":
            return lambda: f"#{app.count}"
        if kind == "tag":  # tags built by the lambda: new ones (new ids) on each run
            return lambda: Tag.b(app.word, _data_gen="1")
        if kind == "list":
            return lambda: [str(app.count), Tag.i(app.count, _data_gen="1")] if app.count % 2 else None
        st0 = app.states[0]
        return lambda: f"{st0.value}/{app.word}"

    def reactive_attr(self) -> Any:
        app = self.app
        kind = self.draw(st.sampled_from(["state", "word", "flag", "class"]))
        if kind == "state":
            return self.draw(st.sampled_from(app.states))
        if kind == "word":
            return lambda: app.word or None
        if kind == "flag":
            return lambda: app.count % 2 == 0
        s = app.states[1]
        return lambda: "on" if s.value % 2 else "off"

    def tree(self, depth: int) -> Any:
        kind = self.draw(
            st.sampled_from(["text", "elem", "elem", "frag", "reactive"] if depth else ["text", "reactive"])
        )
        if kind == "text":
            return self.draw(st.sampled_from(WORDS))
        if kind == "reactive":
            return self.reactive_child()
        kids = [self.tree(depth - 1) for _ in range(self.draw(st.integers(0, 3)))]
        if kind == "frag":
            return Tag(*kids)
        tag = getattr(Tag, self.draw(st.sampled_from(ELEMENTS)))(*kids)
        if self.draw(st.booleans()):
            # plain static tags nobody keeps: they become Rust leaves when the block ends
            with tag:
                for _ in range(self.draw(st.integers(1, 3))):
                    Tag.em(self.draw(st.sampled_from(WORDS)), _class=self.draw(st.sampled_from(CLASSES)))
        for name in self.draw(st.lists(st.sampled_from(ATTR_NAMES), max_size=2, unique=True)):
            tag[name] = (
                self.reactive_attr() if self.draw(st.booleans()) else self.draw(st.sampled_from(ATTR_VALUES))
            )
        if self.draw(st.integers(0, 5)) == 0:
            tag["id"] = "user-" + tag.id  # a user id: the internal one goes to data-htag-id
        return tag


def tags_of(app: App) -> list[Any]:
    """Every tag of the tree (not those built by lambdas, which re-renders replace)."""
    return list(app._walk())


def step(app: World, b: Builder) -> str:
    draw = b.draw
    tags = tags_of(app)
    elements = [t for t in tags if t.tag not in ("", "br")]
    target = draw(st.sampled_from(elements))
    action = draw(
        st.sampled_from(
            [
                "add", "add", "add_text", "move", "remove", "remove_str", "clear", "set_attr", "set_attr",
                "del_attr", "reactive_attr", "add_class", "remove_class", "toggle_class", "state", "state",
                "word", "count", "text", "update", "noop", "childs",
            ]
        )
    )  # fmt: skip
    if action == "add":
        target.add(b.tree(2))
    elif action == "add_text":
        target <= draw(st.sampled_from(WORDS))
    elif action == "move":
        movable = [t for t in tags if t is not app and t is not target and t not in target._ancestors()]
        if movable:
            target += draw(st.sampled_from(movable))
    elif action == "remove":
        if target is not app:
            target.remove()
    elif action == "remove_str":
        strings = [c for c in target.childs if type(c) is str]
        if strings:
            target.remove(draw(st.sampled_from(strings)))
    elif action == "clear":
        target.clear(*[b.tree(1) for _ in range(draw(st.integers(0, 2)))])
    elif action == "set_attr":
        target[draw(st.sampled_from(ATTR_NAMES))] = draw(st.sampled_from(ATTR_VALUES))
    elif action == "del_attr":
        name = draw(st.sampled_from(ATTR_NAMES))
        if target.get(name) is not None:
            del target[name]
    elif action == "reactive_attr":
        target[draw(st.sampled_from(ATTR_NAMES))] = b.reactive_attr()
    elif action in ("add_class", "remove_class", "toggle_class"):
        getattr(target, action)(draw(st.sampled_from(CLASSES)))
    elif action == "state":
        i = draw(st.integers(0, 2))
        app.states[i].value = draw(st.sampled_from([0, 1, 2, 7] if i == 1 else ["s0", "z", "<&>", ""]))
    elif action == "word":
        app.word = draw(st.sampled_from(WORDS))
    elif action == "count":
        app.count += draw(st.integers(0, 2))
    elif action == "text":
        if target is not app:
            target.text = draw(st.sampled_from([*WORDS, 3]))
    elif action == "update":
        target.update()
    elif action == "childs":
        target.childs  # noqa: B018 - reading children gives Rust leaves their Python objects back
    return action


def check(app: App, client: ClientDOM) -> None:
    frame = app.next_frame()
    if frame is not None:
        orjson.dumps(frame)  # frames are JSON
    client.apply(frame)
    unique_ids(client.body)
    expected = parse_one(str(app))
    assert canonical(client.body) == canonical(expected)


@settings(
    max_examples=300 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_frames_keep_the_client_equal_to_a_full_render(data: st.DataObject) -> None:
    app = World()
    b = Builder(app, data)
    for _ in range(data.draw(st.integers(1, 4))):
        app.add(b.tree(3))
    _, body = app.render_page()
    client = ClientDOM(body)
    assert canonical(client.body) == canonical(parse_one(str(app)))
    for _ in range(data.draw(st.integers(1, 12))):
        for _ in range(data.draw(st.integers(1, 3))):  # sometimes several changes per frame
            step(app, b)
        check(app, client)
    # once in sync, nothing changed means nothing to send
    assert app.next_frame() is None


@settings(max_examples=150 * SCALE, deadline=None)
@given(st.lists(st.sampled_from(["w", "", "x"]), min_size=1, max_size=6))
def test_unchanged_lambda_output_sends_nothing(words: list[str]) -> None:
    app = World()
    app <= Tag.div(lambda: app.word.upper() or "-", _title=lambda: app.word[:1] or None)
    app.render_page()
    seen = app.word
    for w in words:
        app.word = w
        frame = app.next_frame()
        if (w.upper() or "-") == (seen.upper() or "-") and (w[:1] or None) == (seen[:1] or None):
            assert frame is None
        else:
            assert frame is not None
        seen = w
