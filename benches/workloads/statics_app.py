"""The Counter page with ten components that each declare ~10 KB of CSS and ~10 KB of
JS as `statics` (200 KB in all, `statics_content.py`), for `benches/statics.py`."""

from htag import State, Tag

from .statics_content import COMPONENTS, css, js


def component(i: int) -> type:
    return type(f"Lib{i}", (Tag.div,), {"statics": [Tag.style(css(i)), Tag.script(js(i))]})


LIBS = [component(i) for i in range(COMPONENTS)]


class StaticsHeavy(Tag.App):
    def init(self):
        self.n = State(0)
        for i, lib in enumerate(LIBS):
            lib(f"component {i}", _class=f"c{i}-r1")
        Tag.span(self.n, _id="count")
        Tag.button("inc", _id="inc", _onclick=self.inc)

    def inc(self, e):
        self.n.value += 1
