"""A user's name that shadows the Tag API is refused with a message naming the clash
(htag/core/shadowing.py); every legitimate override (hooks, compatible methods,
properties) keeps working."""

from __future__ import annotations

import inspect
import runpy

import pytest

from htag import Tag
from htag.core import App, GTag, shadowing


def methods_of_the_api(base: type) -> list[str]:
    return sorted(n for n in shadowing.api_names if inspect.isroutine(getattr(base, n, None)))


def test_the_api_is_read_from_the_classes():
    public = {n for n in dir(App) if not n.startswith("_")} - shadowing.OVERRIDABLE
    assert shadowing.api_names == public
    assert {"add", "clear", "remove", "update", "call_js", "parent", "root", "childs", "find_tag"} <= public


def test_a_callback_named_add_is_refused_at_class_creation():
    with pytest.raises(TypeError) as error:

        class MyApp(Tag.App):
            def init(self):
                Tag.button("+", _onclick=self.add)

            def add(self, ev):
                pass

    message = str(error.value)
    assert message.startswith(
        "test_a_callback_named_add_is_refused_at_class_creation.<locals>.MyApp.add shadows Tag.add"
    )
    assert "add(self, *items)" in message and "rename your method" in message


@pytest.mark.parametrize("name", methods_of_the_api(App))
def test_every_method_of_the_api_refuses_a_callback(name):
    def callback(self, ev, extra):  # two required args: no method of the API takes them
        pass

    with pytest.raises(TypeError, match=rf"^Widget\.{name} shadows (Tag|App)\.{name} \(a method htag calls"):
        type("Widget", (App,), {name: callback})


@pytest.mark.parametrize(
    ("body", "clash"),
    [
        ({"clear": 3}, "a int value cannot replace this method"),
        ({"update": staticmethod(lambda: None)}, "a staticmethod value cannot replace this method"),
        ({"remove": lambda self, item: None}, "does not accept the calls htag makes"),
        ({"text": lambda self: "x"}, "only a property can replace it"),
        ({"parent": None}, "only a property can replace it"),
        ({"root": "x"}, "only a property can replace it"),
    ],
)
def test_class_attributes_that_replace_the_api_are_refused(body, clash):
    name = next(iter(body))
    with pytest.raises(TypeError, match=rf"^Card\.{name} shadows Tag\.{name} .*{clash}"):
        type("Card", (Tag.div,), body)


def test_async_or_generator_overrides_are_refused():
    with pytest.raises(TypeError, match="async or generator method cannot replace it"):

        class A(Tag.div):
            async def update(self, throttle=None):
                pass

    with pytest.raises(TypeError, match="async or generator method cannot replace it"):

        class B(Tag.div):
            def clear(self, *items):
                yield

    with pytest.raises(TypeError, match="async or generator method cannot replace it"):

        class C(Tag.App):
            async def find_tag(self, root_or_id, tag_id=None):
                pass


def test_an_instance_attribute_set_in_init_is_refused_at_first_use():
    class Box(Tag.div):
        def init(self):
            self.clear = lambda e: None

    with pytest.raises(TypeError, match=r"^Box\.clear \(an instance attribute\) would shadow Tag\.clear"):
        Box()

    box = Tag.div()
    with pytest.raises(TypeError, match=r"^div\.update \(an instance attribute\) would shadow Tag\.update"):
        box.update = 1
    with pytest.raises(TypeError, match=r"^div\.parent \(an instance attribute\) would shadow Tag\.parent"):
        box.parent = None
    assert box.__dict__.get("update") is None  # nothing was set


def test_instances_of_the_api_classes_themselves_are_checked():
    with pytest.raises(TypeError, match=r"^GTag\.add \(an instance attribute\) would shadow Tag\.add"):
        GTag("span").add = 1
    with pytest.raises(
        TypeError, match=r"^App\.find_tag \(an instance attribute\) would shadow App\.find_tag"
    ):
        App().find_tag = None
    tag = GTag("span")
    tag.text, tag.id = "settable", "through-their-setters"
    assert tag.id == "through-their-setters" and tag.text == "settable"
    assert 'id="through-their-setters"' in str(tag)


def test_a_plain_kwarg_named_like_the_api_is_refused():
    with pytest.raises(TypeError, match=r"^div\.add \(an instance attribute\) would shadow Tag\.add"):
        Tag.div(add=1)


def test_an_app_method_is_api_on_apps_only():
    class Panel(Tag.div):  # a component may call its own things `find_tag`, `app`...
        def init(self, app):
            self.app = app

        def find_tag(self, ev):
            return "mine"

    panel = Panel("the app")
    assert panel.app == "the app" and panel.find_tag(None) == "mine"
    with pytest.raises(TypeError, match=r"^Main\.app \(an instance attribute\) would shadow App\.app"):

        class Main(Tag.App):
            def init(self):
                self.app = 1

        Main()


def test_legitimate_overrides_keep_working():
    events: list[str] = []

    class Card(Tag.div):
        """htag 2's composite: what is built inside goes into the body."""

        statics = [Tag.style(".card{}")]
        styles = ".card{color:red}"
        tag = "section"

        def init(self, title):
            Tag.h2(title)
            self.body = Tag.div()

        def add(self, *items):
            body = self.__dict__.get("body")
            return super().add(*items) if body is None else body.add(*items)

        def update(self, throttle=None):  # a compatible override that calls super()
            events.append("update")
            super().update(throttle)

        def remove(self, item=None, *more):
            return super().remove(item)

        def on_mount(self):
            events.append("mount")

        def on_unmount(self):
            events.append("unmount")

    class Label(Tag.span):
        @property
        def text(self):  # a property over a property
            return "label: " + GTag.text.fget(self)

        @text.setter
        def text(self, value):
            GTag.text.fset(self, value)

    class Main(Tag.App):
        def init(self):
            with Card("T") as self.card:
                Tag.p("inside")
            self.label = Label("x")
            self.label.on_mount = lambda: events.append("instance hook")  # htag 2: hooks per instance
            self.label.text = "y"  # a property with a setter goes through it

        def on_destroy(self):
            pass

    app = Main()
    app.render_page()
    assert [c.tag for c in app.card.body.childs] == ["p"]
    assert app.card.tag == "section"
    assert app.label.text == "label: y"
    app.card.update()
    assert "mount" in events and "instance hook" in events and "update" in events
    app.card.remove()
    assert "unmount" in events


def test_a_module_with_a_shadowing_callback_fails_at_import(tmp_path):
    """The issue's case: before, the class was accepted and the page answered a bare 500."""
    program = tmp_path / "counter.py"
    program.write_text(
        "from htag import Tag\n"
        "class Counter(Tag.App):\n"
        "    def init(self):\n"
        "        Tag.button('+', _onclick=self.add)\n"
        "    def add(self, event):\n"
        "        pass\n"
    )
    with pytest.raises(TypeError, match=r"^Counter\.add shadows Tag\.add"):
        runpy.run_path(str(program))
