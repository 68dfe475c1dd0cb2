"""HTAG_API.md, "Reactivity" and the seed promise: States and lambdas in tags, exact frames."""

# `tag <= child` is htag's append operator, not a comparison
# ruff: noqa: B015

from __future__ import annotations

import pytest

from htag import App, State, States, Tag


def test_state_child_renders_and_updates():
    s = State(1)
    p = Tag.p(s)
    app = App()
    app <= p
    _, body = app.render_page()
    assert body == f'<body id="{app.id}"><p id="{p.id}">1</p></body>'
    s.value = 2
    assert app.next_frame() == {"action": "update", "updates": {p.id: f'<p id="{p.id}">2</p>'}}
    assert app.next_frame() is None
    s.value = 2  # same value: no notification, no frame
    assert app.next_frame() is None


def test_states_as_children_and_attributes():
    st = States(n=0, cls="a", on=True)
    b = Tag.button(st.n, _class=st.cls, _disabled=st.on)
    app = App()
    app <= b
    app.render_page()
    assert str(b) == f'<button id="{b.id}" class="a" disabled>0</button>'
    st.n += 1
    assert app.next_frame() == {
        "action": "update",
        "updates": {b.id: f'<button id="{b.id}" class="a" disabled>1</button>'},
    }
    st.cls = "b"
    st.on = False
    frame = app.next_frame()
    assert frame["action"] == "update" and "updates" not in frame
    assert sorted(frame["ops"]) == sorted([["attr", b.id, "class", "b"], ["attr", b.id, "disabled", None]])
    st.on = True
    assert app.next_frame() == {"action": "update", "ops": [["attr", b.id, "disabled", ""]]}
    with pytest.raises(AttributeError):
        st.undeclared = 1


def test_lambda_child_returns_str_tag_or_list():
    mode = State("str")

    def view():
        if mode.value == "str":
            return "<plain>"
        if mode.value == "tag":
            return Tag.b("bold")
        return ["a", Tag.i("b"), None, ["c"]]

    d = Tag.div(view)
    assert str(d) == f'<div id="{d.id}">&lt;plain&gt;</div>'
    mode.value = "tag"
    html = str(d)
    assert html.startswith(f'<div id="{d.id}"><b id="') and html.endswith('">bold</b></div>')
    mode.value = "list"
    html = str(d)
    assert html.startswith(f'<div id="{d.id}">a<i id="') and html.endswith('">b</i>c</div>')


def test_lambda_children_reading_states_send_only_their_tag():
    a, b = State("a"), State("b")
    pa, pb = Tag.p(lambda: a.value * 2), Tag.p(lambda: b.value.upper())
    app = App()
    app.add(Tag.div(pa, pb))
    app.render_page()
    b.value = "c"
    assert app.next_frame() == {"action": "update", "updates": {pb.id: f'<p id="{pb.id}">C</p>'}}
    a.value = "x"
    b.value = "d"
    assert app.next_frame() == {
        "action": "update",
        "updates": {pa.id: f'<p id="{pa.id}">xx</p>', pb.id: f'<p id="{pb.id}">D</p>'},
    }


def test_unchanged_lambda_output_sends_nothing():
    s = State(1)
    p = Tag.p(lambda: "odd" if s.value % 2 else "even", _class=lambda: "c" if s.value > 0 else None)
    app = App()
    app <= p
    app.render_page()
    s.value = 3  # still "odd", still "c"
    assert app.next_frame() is None
    s.value = 4
    assert app.next_frame() == {"action": "update", "updates": {p.id: f'<p id="{p.id}" class="c">even</p>'}}
    s.value = -2  # same text, class gone: the tag is re-sent (its content lambda was re-run)
    assert app.next_frame() == {"action": "update", "updates": {p.id: f'<p id="{p.id}">even</p>'}}
    s.value = -4
    assert app.next_frame() is None


def test_seed_promise_public_attribute_rerenders_lambdas():
    class Counter(Tag.div):
        def init(self):
            self.count = 0
            self.label = Tag.span(lambda: f"count={self.count}")
            self.other = Tag.span("static")
            self.add(self.label, self.other)

    app = App()
    c = Counter()
    app <= c
    app.render_page()
    c.count = 3
    assert app.next_frame() == {
        "action": "update",
        "updates": {c.label.id: f'<span id="{c.label.id}">count=3</span>'},
    }
    assert app.next_frame() is None
    c.count = 3  # same value: the lambda's output is unchanged, nothing is sent
    assert app.next_frame() is None
    c.unrelated = "x"  # no lambda output changes
    assert app.next_frame() is None


def test_seed_promise_app_attribute_and_reactive_attribute():
    class MyApp(App):
        def init(self):
            self.theme = "light"
            self.box = Tag.div("x", _class=lambda: "box " + self.theme)
            self <= self.box

    app = MyApp()
    app.render_page()
    app.theme = "dark"
    assert app.next_frame() == {"action": "update", "ops": [["attr", app.box.id, "class", "box dark"]]}
    app.theme = "dark"
    assert app.next_frame() is None


def test_private_attributes_are_not_watched():
    class C(Tag.div):
        def init(self):
            self._hidden = 1
            self <= (lambda: str(self._hidden))

    app = App()
    c = C()
    app <= c
    app.render_page()
    c._hidden = 2
    assert app.next_frame() is None  # only public attributes are the seed promise


def test_state_is_reused_not_wrapped():
    s = State(5)
    assert State(s) is s
    d = Tag.div(State(s))
    assert str(d) == f'<div id="{d.id}">5</div>'


def test_mutable_state_value_rerenders():
    items = State(["a"])
    ul = Tag.ul(lambda: [Tag.li(x, _data_gen=1) for x in items])
    app = App()
    app <= ul
    app.render_page()
    items.append("b")
    frame = app.next_frame()
    assert list(frame["updates"]) == [ul.id]
    assert frame["updates"][ul.id].count("<li") == 2
    _ = items.count("a")  # a read-only method never notifies
    assert app.next_frame() is None


def test_lambda_reading_keys_does_not_loop():
    d = State({"a": 1})
    t = Tag.div(lambda: ",".join(d.keys()))
    app = App()
    app <= t
    app.render_page()
    assert app.next_frame() is None
    d["b"] = 2
    assert app.next_frame() == {"action": "update", "updates": {t.id: f'<div id="{t.id}">a,b</div>'}}
    assert app.next_frame() is None


def test_unmounted_tags_produce_no_frames():
    s = State(1)
    app = App()
    p = Tag.p(s)
    app <= p
    app.render_page()
    p.remove()
    assert app.next_frame() == {"action": "update", "updates": {app.id: f'<body id="{app.id}"></body>'}}
    s.value = 2
    assert app.next_frame() is None


def test_state_write_before_page_is_rendered():
    s = State("a")
    app = App()
    app <= Tag.p(s)
    s.value = "b"
    _, body = app.render_page()
    assert ">b</p>" in body
    assert app.next_frame() is None


def test_a_tag_class_may_override_state_changed():
    told = []

    class Watching(Tag.span):
        def state_changed(self, state):
            told.append(state)
            super().state_changed(state)

    s = State(1)
    w = Watching(s)
    app = App()
    app <= w
    app.render_page()
    s.value = 2
    assert told == [s]  # the override runs (a plain tag is told in Rust, without a Python call)
    assert app.next_frame() == {"action": "update", "updates": {w.id: f'<span id="{w.id}">2</span>'}}
