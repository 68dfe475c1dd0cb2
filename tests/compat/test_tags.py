"""Tags behave as in htag 2: GTag's positional element name, fragments, class
helpers, instance hooks, reserved names."""

from __future__ import annotations

import pytest

from htag import App, GTag, Tag


def test_gtag_takes_its_element_name_from_the_first_argument():
    t = GTag("span", "x", _class="c")
    assert t.tag == "span"
    assert str(t) == f'<span id="{t.id}" class="c">x</span>'
    assert t.childs == ["x"]


def test_gtag_without_arguments_is_a_div_and_none_makes_a_fragment():
    assert GTag().tag == "div"
    f = GTag(None, "a", "b")
    assert f.tag is None
    assert str(f) == "ab"


def test_gtag_name_dashes_underscores():
    assert GTag("my_widget").tag == "my-widget"


def test_subclass_without_a_name_takes_it_from_its_first_argument():
    class Box(GTag):
        pass

    class Titled(GTag):
        def init(self, title):
            self.add(title)

    assert Box("p", "z").tag == "p" and Box("p", "z").childs == ["z"]
    assert Box().tag == "div"
    t = Titled("h1", "Hello")
    assert t.tag == "h1" and t.childs == ["Hello"]


def test_class_attribute_tag_names_the_element():
    class Label(GTag):
        tag = "label"

    t = Label("text")
    assert t.tag == "label"
    assert str(t) == f'<label id="{t.id}">text</label>'


def test_gtag_input_is_a_form_control():
    # the name given at creation decides the value sync, as for Tag.input
    class Form(App):
        def init(self):
            self.field = GTag("input", _value="a")
            self.add(self.field)

    from htag._core import F_FORM

    app = Form()
    assert app.field.tag == "input"
    assert app.field._flags & F_FORM  # the client syncs its value, as for Tag.input
    renamed = GTag("input")
    renamed.tag = "div"
    assert not renamed._flags & F_FORM


def test_fragment_tag_is_none():
    assert Tag("x").tag is None
    assert Tag.div().tag == "div"


def test_removing_the_last_class_leaves_an_empty_class():
    d = Tag.div(_class="a")
    d.remove_class("a")
    assert d["class"] == ""
    d.toggle_class("b").toggle_class("b")
    assert d["class"] == ""


def test_on_mount_assigned_on_an_instance_is_called():
    calls = []
    t = Tag.div()
    t.on_mount = lambda: calls.append("mount")
    t.on_unmount = lambda: calls.append("unmount")
    u = Tag.div(on_mount=lambda: calls.append("kw"))

    class Main(App):
        def init(self):
            self.add(t)
            self.add(u)

    app = Main()
    app.render_page()  # served: the App's tree mounts
    assert calls == ["mount", "kw"]
    app.remove(t)
    assert calls == ["mount", "kw", "unmount"]


def test_on_mount_assigned_later_runs_on_the_next_mount():
    calls = []
    app = App()
    t = Tag.div()
    t.on_mount = lambda: calls.append("m")
    app.add(t)
    assert calls == ["m"]


@pytest.mark.parametrize("name", ["call", "CALL", "Call", "bind", "BIND", "Add", "REMOVE"])
def test_reserved_names_raise(name):
    with pytest.raises(AttributeError, match="cannot be used as a tag name"):
        getattr(Tag, name)


def test_id_reads_back_what_was_set():
    t = Tag.div()
    t.id = "main"
    assert t.id == "main"
    assert f'id="{t.id}"' in str(t)  # document.getElementById(t.id) finds it
    assert Tag.div(_id="given").id == "given"


class BoxApp(App):
    """An App holding one empty div, `box`."""

    def init(self):
        self.box = Tag.div()
        self.add(self.box)


def test_set_id_still_finds_the_tag_for_events():
    app = BoxApp()
    app.box.id = "main"
    assert app.find_tag("main") is app.box
    assert app.find_tag(app.box._hid) is app.box


def test_removing_what_is_not_a_child_does_nothing():
    d = Tag.div("a")
    other = Tag.span()
    assert d.remove("zz") is d
    assert d.remove(other) is d
    assert d.childs == ["a"]


def test_call_js_takes_htag2s_keyword():
    app = BoxApp()
    app.render_page()
    app.box.call_js(script="window.x = 1")
    assert "window.x = 1" in str(app.next_frame())


class Card(Tag.div):
    """A composite component: what is added to it goes into its body (htag 2 pattern)."""

    def init(self, title):
        Tag.h2(title)
        self.body = Tag.div(_class="card-body")

    def add(self, *items):
        body = getattr(self, "body", None)
        if body is None:  # still building itself
            return Tag.div.add(self, *items)
        body.add(*items)
        return self


def test_an_overridden_add_receives_what_is_built_inside():
    card = Card("T")
    card <= Tag.p("le")  # noqa: B015 - the operator under test
    with card:
        Tag.p("plain")  # a plain tag (built in Rust) goes through add() too
        Tag.b(Tag.i("nested"))
    card += "text"
    assert [type(c).__name__ for c in card.childs] == ["h2", "div"]
    assert [c if isinstance(c, str) else c.text or c.tag for c in card.body.childs] == [
        "le",
        "plain",
        "b",
        "text",
    ]


def test_an_overridden_add_inside_an_app():
    class Page(App):
        def init(self):
            with Card("in app") as self.card:
                Tag.span("s")

    app = Page()
    assert [c.tag for c in app.card.body.childs] == ["span"]
    assert app.find_tag(app.card.body.childs[0].id) is app.card.body.childs[0]
