"""Update frames (docs/protocol.md): only topmost changed tags, attribute-only changes as
`ops`, nothing when the output did not change."""

# `tag <= child` is htag's append operator, not a comparison
# ruff: noqa: B015

from __future__ import annotations

import orjson
from statics_refs import js_ref

from htag import App, State, Tag


def live(*children) -> App:
    app = App()
    app.add(*children)
    app.render_page()  # starts change tracking
    return app


def test_no_change_no_frame():
    app = live(Tag.div("x"))
    assert app.next_frame() is None
    assert app.next_frame() is None


def test_changes_before_render_page_are_not_tracked():
    app = App()
    d = Tag.div()
    app <= d
    d <= "x"
    d["class"] = "c"
    assert app.next_frame() is None  # nothing was sent yet: render_page() sends it all
    _, body = app.render_page()
    assert body == f'<body id="{app.id}"><div id="{d.id}" class="c">x</div></body>'


def test_content_change_sends_outer_html_of_the_tag():
    d = Tag.div("a")
    app = live(Tag.section(d))
    d <= Tag.b("b")
    b = d.childs[1]
    assert app.next_frame() == {
        "action": "update",
        "updates": {d.id: f'<div id="{d.id}">a<b id="{b.id}">b</b></div>'},
    }


def test_only_topmost_changed_tags():
    inner = Tag.p("1")
    outer = Tag.div(inner)
    side = Tag.span("s")
    app = live(outer, side)
    inner <= "2"
    outer <= "3"
    side["class"] = "c"
    inner["title"] = "t"  # covered by the outer update
    frame = app.next_frame()
    assert frame == {
        "action": "update",
        "updates": {outer.id: f'<div id="{outer.id}"><p id="{inner.id}" title="t">12</p>3</div>'},
        "ops": [["attr", side.id, "class", "c"]],
    }


def test_ancestor_and_descendant_never_both_sent():
    a = Tag.div()
    b = Tag.div()
    c = Tag.div()
    a <= b
    b <= c
    app = live(a)
    c <= "c"
    a <= "a"
    b <= "b"
    frame = app.next_frame()
    assert list(frame["updates"]) == [a.id]


def test_attribute_only_changes_are_ops():
    d = Tag.div("x", _class="a")
    app = live(d)
    d["class"] = "b"
    d["data-k"] = 1
    d["hidden"] = True
    frame = app.next_frame()
    assert set(frame) == {"action", "ops"}
    assert sorted(frame["ops"]) == [
        ["attr", d.id, "class", "b"],
        ["attr", d.id, "data-k", "1"],
        ["attr", d.id, "hidden", ""],
    ]


def test_attribute_ops_exact():
    d = Tag.div(_class="a")
    app = live(d)
    d["class"] = "b"
    assert app.next_frame() == {"action": "update", "ops": [["attr", d.id, "class", "b"]]}
    del d["class"]
    assert app.next_frame() == {"action": "update", "ops": [["attr", d.id, "class", None]]}
    d["hidden"] = True
    assert app.next_frame() == {"action": "update", "ops": [["attr", d.id, "hidden", ""]]}
    d["hidden"] = False
    assert app.next_frame() == {"action": "update", "ops": [["attr", d.id, "hidden", None]]}


def test_same_attribute_value_sends_nothing():
    d = Tag.div(_class="a", _n=1, _on=True)
    app = live(d)
    d["class"] = "a"
    d["n"] = 1
    d["n"] = "1"
    d["on"] = True
    d["absent"] = None
    d["absent2"] = False
    assert app.next_frame() is None


def test_set_then_restore_sends_the_final_value():
    d = Tag.div(_class="a")
    app = live(d)
    d["class"] = "b"
    d["class"] = "a"
    # the client may get the (unchanged) final value, never the intermediate one
    assert app.next_frame() == {"action": "update", "ops": [["attr", d.id, "class", "a"]]}


def test_reactive_attribute_ops():
    s = State(False)
    d = Tag.input(_disabled=s, _class=lambda: "on" if s.value else "off")
    app = live(d)
    s.value = True
    assert app.next_frame() == {
        "action": "update",
        "ops": [["attr", d.id, "disabled", ""], ["attr", d.id, "class", "on"]],
    }
    s.value = True
    assert app.next_frame() is None


def test_class_flip_is_a_small_ops_frame():
    flag = State(False)
    box = Tag.div(*[Tag.span(i) for i in range(1000)], _class=lambda: "box on" if flag.value else "box")
    app = live(box)
    flag.value = True
    frame = app.next_frame()
    assert frame == {"action": "update", "ops": [["attr", box.id, "class", "box on"]]}
    assert len(orjson.dumps(frame)) < 300
    flag.value = False
    frame = app.next_frame()
    assert frame == {"action": "update", "ops": [["attr", box.id, "class", "box"]]}
    assert len(orjson.dumps(frame)) < 300
    flag.value = False
    assert app.next_frame() is None


def test_id_change_resends_the_tag():
    d = Tag.div()
    app = live(d)
    hid = d.id
    d.id = "mine"
    assert app.next_frame() == {
        "action": "update",
        "updates": {hid: f'<div data-htag-id="{hid}" id="mine"></div>'},
    }


def test_removed_tag_changes_are_dropped():
    d = Tag.div()
    p = Tag.p()
    d <= p
    app = live(d)
    p.remove()
    p["class"] = "x"
    p <= "y"
    assert app.next_frame() == {"action": "update", "updates": {d.id: f'<div id="{d.id}"></div>'}}


def test_fragment_changes_resend_the_nearest_element():
    f = Tag("a")
    d = Tag.div(f)
    app = live(d)
    f <= "b"
    assert app.next_frame() == {"action": "update", "updates": {d.id: f'<div id="{d.id}">ab</div>'}}
    s = State("1")
    g = Tag(s)
    e = Tag.div(Tag(g))
    app <= e
    app.next_frame()
    s.value = "2"
    assert app.next_frame() == {"action": "update", "updates": {e.id: f'<div id="{e.id}">2</div>'}}
    f["class"] = "ignored"  # a fragment renders no attributes
    assert app.next_frame() is None


def test_style_and_script_updates():
    s = Tag.style("a{}")
    app = live(s)
    s.text = "b{}"
    assert app.next_frame() == {"action": "update", "updates": {s.id: f'<style id="{s.id}">b{{}}</style>'}}


def test_js_and_statics_alone():
    class W(Tag.div):
        statics = Tag.script("w()")

    app = live()
    app.call_js("x()")
    assert app.next_frame() == {"action": "update", "js": ["x()"]}
    app <= W()
    frame = app.next_frame()
    assert frame["statics"] == [js_ref("w()")]
    assert list(frame["updates"]) == [app.id]


def test_full_frame():
    d = Tag.div("x")
    app = App()
    app <= d
    app.render_page()
    app.call_js("boot()")
    frame = app.full_frame()
    assert frame == {
        "action": "update",
        "updates": {app.id: f'<body id="{app.id}"><div id="{d.id}">x</div></body>'},
        "js": ["boot()"],
    }
    assert app.next_frame() is None


def test_empty_broadcast_is_none():
    s = State(0)
    app = live(Tag.p(lambda: "x" if s.value >= 0 else "y"))
    for v in range(1, 5):
        s.value = v
        assert app.next_frame() is None


def test_frames_are_json():
    s = State("é\u2028<")
    d = Tag.div(s, _title=s)
    app = live(d)
    s.value = "✓\x00"
    frame = app.next_frame()
    assert orjson.loads(orjson.dumps(frame)) == frame


def test_lambda_output_unchanged_after_attribute_write():
    class Comp(Tag.div):
        def init(self):
            self.n = 1
            self <= (lambda: "big" if self.n > 5 else "small")

    c = Comp()
    app = live(c)
    c.n = 2
    assert app.next_frame() is None
    c.n = 10
    assert app.next_frame() == {"action": "update", "updates": {c.id: f'<div id="{c.id}">big</div>'}}
    assert app.next_frame() is None


def test_moves_within_the_app():
    a, b = Tag.div(), Tag.div()
    x = Tag.span("x")
    a <= x
    app = live(a, b)
    b <= x
    frame = app.next_frame()
    assert frame == {
        "action": "update",
        "updates": {
            a.id: f'<div id="{a.id}"></div>',
            b.id: f'<div id="{b.id}"><span id="{x.id}">x</span></div>',
        },
    }


def test_updates_come_in_the_order_of_the_changes():
    spans = [Tag.span(str(i)) for i in range(5)]
    app = live(*spans)
    for i in (3, 0, 4, 0):
        spans[i].text = f"now {i}"
    assert list(app.next_frame()["updates"]) == [spans[3].id, spans[0].id, spans[4].id]


def test_an_app_dropped_with_unsent_changes_is_collected():
    import gc
    import weakref

    count = State(0)
    span = Tag.span(count)
    app = live(span, Tag.b(_class=lambda: "odd" if count.value % 2 else "even"))
    app._engine.notifier = lambda throttle: None
    count.value = 1  # marked (content and attributes), never sent: the engine holds the tags
    assert app._engine.has_changes
    gone = weakref.ref(app)
    del app, span
    gc.collect()
    assert gone() is None
