"""`App.find_tag(id)` and htag 2's `App.find_tag(root, id)`."""

from __future__ import annotations

import pytest

from htag import App, Tag


class Page(App):
    def init(self):
        with Tag.div() as self.left:
            self.x = Tag.span(_id="x")
        with Tag.div() as self.right:
            self.y = Tag.i("y")


def test_find_tag_by_id_alone():
    app = Page()
    assert app.find_tag("x") is app.x
    assert app.find_tag(app.y.id) is app.y


def test_find_tag_under_a_root():
    app = Page()
    assert app.find_tag(app, "x") is app.x
    assert app.find_tag(app.left, "x") is app.x
    assert app.find_tag(app.left, app.left.id) is app.left


def test_find_tag_outside_the_root_is_none():
    app = Page()
    assert app.find_tag(app.right, "x") is None
    assert app.find_tag(app.left, app.y.id) is None
    assert app.find_tag(app, "nope") is None


def test_find_tag_in_a_detached_tree():
    app = Page()
    loose = Tag.div(Tag.p("z", _id="z"))
    assert app.find_tag(loose, "z").text == "z"


def test_find_tag_in_a_reactive_child():
    app = Page()
    made = []

    def rows():
        made.append(Tag.li("r", _id="row"))
        return made[-1]

    holder = Tag.ul(rows)
    app.add(holder)
    str(app)
    assert app.find_tag(holder, "row") is made[-1]
    assert app.find_tag(app.left, "row") is None


def test_find_tag_rejects_a_non_string_id():
    app = Page()
    with pytest.raises(TypeError):
        app.find_tag(app.left)
