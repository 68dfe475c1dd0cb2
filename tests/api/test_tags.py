"""HTAG_API.md, "Package face", "Creating tags" and "A tag's surface": exact HTML and frames.

Why one file over 500 lines: it follows those sections of HTAG_API.md one after another
and shares their helpers (`frame_after`).
"""

# `tag <= child` is htag's append operator, not a comparison
# ruff: noqa: B015

from __future__ import annotations

import logging
import time

import pytest
from statics_refs import css_ref, js_ref

import htag
from htag import HTML, App, State, Tag
from htag.tag import GTag


def frame_after(app: App, change) -> dict | None:
    """Starts change tracking, applies `change`, returns the next frame."""
    app.render_page()
    change()
    return app.next_frame()


# -- package face -------------------------------------------------------------------


def test_package_face():
    from htag import __version__

    for name in ("Tag", "State", "States", "WebApp", "Router", "ChromeApp", "HTML", "prevent", "stop"):
        assert name in htag.__all__
    assert htag.States is not None and htag.prevent is not None and htag.stop is not None

    assert htag.App is App
    assert Tag.App is App
    assert isinstance(__version__, str) and __version__
    # no handler of its own (a NullHandler would hide the warnings Python prints by default)
    assert not [h for h in logging.getLogger("htag").handlers if isinstance(h, logging.NullHandler)]
    with pytest.raises(AttributeError):
        htag.does_not_exist  # noqa: B018


# -- Tag.xxx classes -------------------------------------------------------------------


def test_tag_classes_name_elements():
    assert str(Tag.div()).startswith("<div ")
    w = Tag.my_widget("x")
    assert str(w) == f'<my-widget id="{w.id}">x</my-widget>'
    assert w.tag == "my-widget"
    assert isinstance(w, GTag)


def test_tag_classes_are_cached():
    assert Tag.div is Tag.div
    assert Tag.my_widget is Tag.my_widget
    assert Tag.span is not Tag.div


@pytest.mark.parametrize(
    "name", ["add", "remove", "update", "clear", "call", "bind", "text", "childs", "parent", "root", "add_class",
             "call_js", "init", "on_mount", "id", "get", "Add"],
)  # fmt: skip
def test_reserved_names_raise(name):
    with pytest.raises(AttributeError):
        getattr(Tag, name)


def test_invalid_tag_names_raise():
    with pytest.raises(AttributeError):
        getattr(Tag, "9x")


# -- kwargs ------------------------------------------------------------------------------


def test_underscore_kwargs_are_attributes():
    d = Tag.div(_class="x", _data_id=1, _aria_label="hi", _hidden=True, _title=None, _draggable=False)
    assert str(d) == f'<div id="{d.id}" class="x" data-id="1" aria-label="hi" hidden></div>'
    assert d["data-id"] == "1"
    assert d["data_id"] == "1"  # the key is dashed too
    assert d["class"] == "x"
    assert d["hidden"] is True
    with pytest.raises(KeyError):
        d["title"]


def test_event_kwargs():
    def cb(e):
        pass

    b = Tag.button("ok", _onclick=cb, _onmouseover="alert(1)")
    assert str(b) == f'<button id="{b.id}" onclick="htag_on(this,event)" onmouseover="alert(1)">ok</button>'
    assert b["onclick"] is cb
    assert b._event_handler("click") is cb


def test_event_flags_render():
    b = Tag.button(_onclick=htag.prevent(lambda e: None))
    assert 'onclick="htag_on(this,event,1)"' in str(b)
    c = Tag.button(_onclick=htag.stop(htag.prevent(lambda e: None)))
    assert 'onclick="htag_on(this,event,3)"' in str(c)


def test_plain_kwargs_are_set_before_init():
    seen = {}

    class Card(Tag.div):
        def init(self, title, **kw):
            seen["color"] = self.color
            seen["kw"] = kw
            self <= Tag.h1(title)

    c = Card("T", color="red", _class="card")
    assert seen == {"color": "red", "kw": {"color": "red"}}
    assert c.color == "red"
    h1 = c.childs[0]
    assert str(c) == f'<div id="{c.id}" class="card"><h1 id="{h1.id}">T</h1></div>'


def test_components_init_once_and_default_init():
    calls = []

    class Card(Tag.section):
        def init(self, a, b=2):
            calls.append((a, b))
            self.add(a, b)

    c = Card(1, b=3)
    assert calls == [(1, 3)]
    assert str(c) == f'<section id="{c.id}">13</section>'
    d = Tag.div("a", Tag.b("b"), None, ["c", ("d",)])  # default init: args are children
    b = d.childs[1]
    assert str(d) == f'<div id="{d.id}">a<b id="{b.id}">b</b>cd</div>'


def test_fragment_renders_children_only():
    f = Tag(Tag.b("x"), "y<")
    b = f.childs[0]
    assert str(f) == f'<b id="{b.id}">x</b>y&lt;'
    d = Tag.div(f)
    assert str(d) == f'<div id="{d.id}"><b id="{b.id}">x</b>y&lt;</div>'


def test_with_block_appends_created_tags():
    with Tag.div() as d:
        Tag.p("x")
        with Tag.ul() as u:
            Tag.li("1")
            Tag.li("2")
    p = d.childs[0]
    li1, li2 = u.childs
    assert str(d) == (
        f'<div id="{d.id}"><p id="{p.id}">x</p><ul id="{u.id}"><li id="{li1.id}">1</li>'
        f'<li id="{li2.id}">2</li></ul></div>'
    )
    after = Tag.p("outside")  # the block is over
    assert after.parent is None


def test_tags_created_inside_init_join_the_component():
    class Box(Tag.div):
        def init(self):
            Tag.span("a")
            self.inner = Tag.b("b")
            Tag.i(self.inner)  # moves `inner` into the <i>

    box = Box()
    span, i = box.childs
    assert (
        str(box)
        == f'<div id="{box.id}"><span id="{span.id}">a</span><i id="{i.id}"><b id="{box.inner.id}">b</b></i></div>'
    )


@pytest.mark.parametrize("name", ["input", "img", "br", "hr", "meta", "link", "area", "source", "wbr", "col"])
def test_void_elements(name):
    t = getattr(Tag, name)(_class="v")
    assert str(t) == f'<{name} id="{t.id}" class="v">'


def test_html_vs_escaped_strings():
    d = Tag.div("<b>x</b>", HTML("<b>y</b>"))
    assert str(d) == f'<div id="{d.id}">&lt;b&gt;x&lt;/b&gt;<b>y</b></div>'
    assert isinstance(HTML("x"), str)


def test_style_and_script_content_not_escaped():
    s = Tag.style("a > b { content: '&' }")
    assert str(s) == f"<style id=\"{s.id}\">a > b {{ content: '&' }}</style>"
    j = Tag.script("if (a < b && c > d) x = '\"';")
    assert str(j) == f'<script id="{j.id}">if (a < b && c > d) x = \'"\';</script>'


def test_numbers_and_objects_become_text():
    d = Tag.div(1, 2.5, True)
    assert str(d) == f'<div id="{d.id}">12.5True</div>'


# -- a tag's surface ---------------------------------------------------------------------


def test_add_operators_return_self():
    d = Tag.div()
    assert d.add("a") is d
    r = d <= "b"
    assert r is d
    e = d
    e += "c"
    assert e is d
    assert str(d) == f'<div id="{d.id}">abc</div>'
    with pytest.raises(TypeError):
        d << "x"


def test_add_flattens_and_skips_none():
    d = Tag.div()
    d.add(["a", None, ("b", ["c"])], None)
    assert d.childs == ["a", "b", "c"]


def test_add_moves_a_tag():
    a, b = Tag.div(), Tag.div()
    x = Tag.span("x")
    a <= x
    b <= x
    assert x.parent is b
    assert a.childs == []
    assert b.childs == [x]


def test_add_refuses_cycles():
    a = Tag.div()
    b = Tag.div()
    a <= b
    with pytest.raises(ValueError):
        b <= a
    with pytest.raises(ValueError):
        a.add(a)
    assert b.parent is a and a.childs == [b]


def test_remove_child_and_self():
    d = Tag.div()
    x, y = Tag.b("x"), Tag.i("y")
    d.add(x, "text", y)
    assert d.remove(x) is d
    assert x.parent is None
    assert y.remove() is y
    assert d.childs == ["text"]
    assert Tag.p().remove() is not None  # no parent: nothing to do


def test_remove_string_child():
    d = Tag.div("a", "b", "a")
    d.remove("a")
    assert d.childs == ["b", "a"]
    h = HTML("<i>x</i>")
    d.add(h)
    d.remove(h)
    assert d.childs == ["b", "a"]
    assert d.remove("zzz") is d  # not a child: nothing to do (htag 2)
    assert d.childs == ["b", "a"]


def test_remove_reactive_child():
    fn = lambda: "x"
    d = Tag.div(fn, "y")
    d.remove(fn)
    assert d.childs == ["y"]


def test_clear_then_add():
    d = Tag.div("a", Tag.b())
    b = d.childs[1]
    assert d.clear("n", 1) is d
    assert d.childs == ["n", "1"]
    assert b.parent is None
    d.clear()
    assert str(d) == f'<div id="{d.id}"></div>'


def test_text_get_and_set():
    d = Tag.div("a", Tag.b("zz"), HTML("<i>c</i>"))
    assert d.text == "a<i>c</i>"
    d.text = 5
    assert d.childs == ["5"]
    d.text = "<x>"
    assert str(d) == f'<div id="{d.id}">&lt;x&gt;</div>'


def test_text_set_replaces_a_lone_tag_or_lambda():
    d = Tag.div(Tag.b("x"))
    d.text = ""
    assert d.childs == [""]
    e = Tag.div(lambda: "")
    e.text = ""
    assert e.childs == [""]
    f = Tag.div(HTML("<b>"))
    f.text = "<b>"
    assert f.childs == ["<b>"] and type(f.childs[0]) is str


def test_text_set_same_value_marks_nothing():
    app = App()
    p = Tag.p("same")
    app <= p
    assert frame_after(app, lambda: setattr(p, "text", "same")) is None
    frame = frame_after(app, lambda: setattr(p, "text", "new"))
    assert frame == {"action": "update", "updates": {p.id: f'<p id="{p.id}">new</p>'}}


def test_attributes_by_name():
    d = Tag.div()
    d["class"] = "a"
    d["data-x"] = 3
    d["data_y"] = 1.5
    d["disabled"] = True
    d["hidden"] = False
    d["title"] = None
    assert str(d) == f'<div id="{d.id}" class="a" data-x="3" data-y="1.5" disabled></div>'
    assert d["data-y"] == "1.5"
    del d["data-x"]
    del d["data_y"]
    with pytest.raises(KeyError):
        del d["nope"]
    assert str(d) == f'<div id="{d.id}" class="a" disabled></div>'
    assert d.get("nope", 7) == 7
    with pytest.raises(TypeError):
        d[0]


def test_reactive_attributes():
    s = State("on")
    d = Tag.div(_class=lambda: "box " + s.value, _disabled=State(True))
    assert str(d) == f'<div id="{d.id}" class="box on" disabled></div>'
    s.value = "off"
    assert str(d) == f'<div id="{d.id}" class="box off" disabled></div>'


def test_events_by_item():
    d = Tag.div()
    d["onclick"] = lambda e: None
    assert 'onclick="htag_on(this,event)"' in str(d)
    d["onclick"] = "go()"
    assert 'onclick="go()"' in str(d)
    assert d._event_handler("click") is None
    del d["onclick"]
    assert "onclick" not in str(d)


def test_ids():
    a, b = Tag.div(), Tag.div()
    assert a.id != b.id
    assert a["id"] == a.id
    u = Tag.div(_id="main")
    assert u.id == "main"
    assert str(u) == '<div id="main"></div>'
    v = Tag.div()
    hid = v.id
    v.id = "custom"
    assert str(v) == f'<div data-htag-id="{hid}" id="custom"></div>'
    assert v["id"] == "custom"
    assert v.id == "custom"  # htag 2: reads back what was set
    assert v._hid == hid  # events still find it by its internal id


def test_navigation():
    app = App()
    d = Tag.div()
    x = Tag.b()
    d <= x
    assert x.parent is d and d.parent is None
    assert x.root is None
    app <= d
    assert x.root is app and d.root is app and app.root is app
    assert d.childs == [x]
    d.remove()
    assert x.root is None


def test_class_helpers_return_self_and_render():
    d = Tag.div(_class="a")
    assert d.add_class("b") is d
    assert d.add_class("b") is d
    assert d["class"] == "a b"
    assert d.has_class("a") and not d.has_class("z")
    assert d.remove_class("a") is d
    assert d["class"] == "b"
    assert d.toggle_class("c") is d
    assert d["class"] == "b c"
    d.toggle_class("b").toggle_class("c")
    assert d.get("class") == ""  # htag 2 keeps the emptied attribute
    assert str(d) == f'<div id="{d.id}" class=""></div>'
    assert d.remove_class("zz") is d


def test_class_helpers_mark_dirty_only_on_real_change():
    app = App()
    d = Tag.div(_class="a")
    app <= d
    assert frame_after(app, lambda: d.add_class("a")) is None
    assert frame_after(app, lambda: d.remove_class("zz")) is None
    assert frame_after(app, lambda: d.add_class("b")) == {
        "action": "update",
        "ops": [["attr", d.id, "class", "a b"]],
    }
    frame = frame_after(app, lambda: d.toggle_class("a").toggle_class("b"))
    assert frame == {"action": "update", "ops": [["attr", d.id, "class", ""]]}


def test_class_helpers_keep_a_reactive_class_reactive():
    s = State("x")
    app = App()
    d = Tag.div(_class=lambda: s.value)
    app <= d
    app.render_page()
    d.add_class("extra")
    assert d.has_class("extra") and d.has_class("x")
    assert app.next_frame() == {"action": "update", "ops": [["attr", d.id, "class", "x extra"]]}
    s.value = "y"
    assert app.next_frame() == {"action": "update", "ops": [["attr", d.id, "class", "y extra"]]}
    d.add_class("extra")  # already there: nothing to send
    assert app.next_frame() is None
    d.add_class("y")  # the source already gives it: nothing visible changes
    assert app.next_frame() is None
    d.remove_class("y")
    assert app.next_frame() == {"action": "update", "ops": [["attr", d.id, "class", "extra"]]}
    s.value = "y z"
    assert app.next_frame() == {"action": "update", "ops": [["attr", d.id, "class", "z extra"]]}
    d.toggle_class("z")
    assert app.next_frame() == {"action": "update", "ops": [["attr", d.id, "class", "extra"]]}
    assert str(d) == f'<div id="{d.id}" class="extra"></div>'


def test_class_helpers_on_a_state_class():
    s = State("a")
    d = Tag.div(_class=s)
    d.add_class("b")
    assert str(d) == f'<div id="{d.id}" class="a b"></div>'
    s.value = "c"
    assert str(d) == f'<div id="{d.id}" class="c b"></div>'


def test_call_js_goes_with_the_next_frame():
    app = App()
    d = Tag.div()
    app <= d
    app.render_page()
    assert d.call_js("alert(1)") is d
    d.call_js("f()")
    assert app.next_frame() == {"action": "update", "js": ["alert(1)", "f()"]}
    assert app.next_frame() is None


def test_call_js_before_mount_waits_for_mount():
    app = App()
    app.render_page()
    d = Tag.div()
    d.call_js("early()")
    app <= d
    frame = app.next_frame()
    assert frame["js"] == ["early()"]


def test_update_resends_the_tag():
    app = App()
    d = Tag.div("x")
    app <= d
    app.render_page()
    calls = []
    app._set_notifier(calls.append)
    d.update()
    d.update(throttle=0)
    assert calls[-1] == 0
    assert app.next_frame() == {"action": "update", "updates": {d.id: f'<div id="{d.id}">x</div>'}}


def test_find_tag():
    app = App()
    d = Tag.div(_id="named")
    e = Tag.span()
    f = Tag.i()
    f.id = "html-id"
    app.add(d, e, f)
    assert app.find_tag(app.id) is app
    assert app.find_tag("named") is d
    assert app.find_tag(e.id) is e
    assert app.find_tag(f.id) is f
    assert app.find_tag("html-id") is f
    assert app.find_tag("nope") is None
    e.remove()
    assert app.find_tag(e.id) is None


def test_str_is_html():
    a = App()
    a <= Tag.p("x")
    p = a.childs[0]
    assert str(a) == f'<body id="{a.id}"><p id="{p.id}">x</p></body>'


def test_request_is_none_outside_a_session():
    assert Tag.div().request is None


# -- statics ---------------------------------------------------------------------------------


def test_statics_class_and_instance_dedup_sent_once():
    class Widget(Tag.div):
        statics = [Tag.style("w{}"), Tag.script("w()")]

    class Other(Tag.div):
        statics = Tag.style("w{}")  # same content: deduplicated

    class MyApp(App):
        statics = [Tag.title("Hello"), Tag.link(_rel="stylesheet", _href="a.css")]

        def init(self):
            self <= Widget()

    app = MyApp()
    statics, _ = app.render_page()
    assert statics == [
        "<title>Hello</title>",
        '<link rel="stylesheet" href="a.css">',
        css_ref("w{}"),
        js_ref("w()"),
    ]
    app <= Other()
    frame = app.next_frame()
    assert "statics" not in frame  # deduplicated by content
    inst = Tag.div()
    inst.statics = [Tag.script("inst()"), HTML("<meta name='x'>")]
    app <= inst
    frame = app.next_frame()
    assert frame["statics"] == [js_ref("inst()"), "<meta name='x'>"]
    app <= Widget()
    assert "statics" not in app.next_frame()
    # a second App sends them again (once per App)
    assert MyApp().render_page()[0] == statics


def test_statics_of_reactive_children():
    class Late(Tag.div):
        statics = Tag.style(".late{}")

    s = State(False)
    app = App()
    app <= Tag.div(lambda: Late() if s.value else "")
    assert app.render_page()[0] == []
    s.value = True
    frame = app.next_frame()
    assert frame["statics"] == [css_ref(".late{}")]


def test_scoped_styles():
    class Card(Tag.div):
        styles = ".t { color: red }"

        def init(self):
            self["class"] = "mine"  # the scope class is added after init

    class Special(Card):
        styles = "p { margin: 0 }"

    class Plain(Card):
        pass

    c = Card()
    assert str(c) == f'<div id="{c.id}" class="mine htag-Card"></div>'
    s = Special()
    assert s.has_class("htag-Card") and s.has_class("htag-Special")
    p = Plain()
    assert p["class"] == "mine htag-Card"
    app = App()
    app.add(s)
    statics, _ = app.render_page()
    assert statics == [
        css_ref(".htag-Card.t, .htag-Card .t { color: red }"),
        css_ref("p.htag-Special, .htag-Special p { margin: 0 }"),
    ]


# -- scale --------------------------------------------------------------------------------------


def test_deep_tree_renders_and_mounts():
    app = App()
    top = cur = Tag.div()
    for _ in range(2000):
        nxt = Tag.div()
        cur <= nxt
        cur = nxt
    cur <= "leaf"
    app <= top
    _, body = app.render_page()
    assert body.count("<div") == 2001
    assert body.endswith("leaf" + "</div>" * 2001 + "</body>")
    assert cur.root is app and app.find_tag(cur.id) is cur
    cur <= "!"
    assert app.next_frame() == {"action": "update", "updates": {cur.id: f'<div id="{cur.id}">leaf!</div>'}}


def test_many_children_add_is_linear():
    app = App()
    big = Tag.div()
    app <= big
    app.render_page()
    t0 = time.perf_counter()
    for i in range(32000):
        big.add(Tag.span(i))
    elapsed = time.perf_counter() - t0
    assert len(big.childs) == 32000
    assert elapsed < 5, elapsed  # upstream: 90 s
    frame = app.next_frame()
    assert list(frame["updates"]) == [big.id]
