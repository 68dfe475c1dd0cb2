"""`Tag`: the factory of tag classes (`Tag.div`, `Tag.my_widget`) and fragments (`Tag(...)`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import _core
from .app import App
from .tag import GTag

_RESERVED = {"call", "bind"}


class TagCreator:
    """`htag.Tag`: makes tags, and is where an htag program starts.

    Tags
        `Tag.div("text", Tag.b("bold"), _class="c")` is `<div class="c">text<b>bold</b></div>`.
        Any name is an element (`Tag.my_widget` is `<my-widget>`: `_` becomes `-`).
        Keyword arguments starting with `_` are HTML attributes (`_data_id=1` ->
        `data-id="1"`); the others (`Tag.div(count=0)`) become Python attributes of the
        tag. `t.add(x)`, `t <= x`, `t += x` append children; `t.remove()`, `t.clear()`,
        `t.text`, `t["attr"]`, `t.add_class(...)` change it. `Tag(a, b)` is a fragment:
        children without a wrapper element. Tags created inside a `with t:` block (or
        inside `init`) are appended to `t`. Strings are escaped; `HTML("<b>x</b>")` is not.

    Components
        `class Card(Tag.div)` defines one: build it in `init(self, *args, **kwargs)`
        (never `__init__`); `statics = [Tag.style(...)]` adds to the page's `<head>`,
        `styles = "css"` is CSS scoped to the component. Hooks: `on_mount()` when shown,
        `on_unmount()` when removed. A component may not reuse the name of a Tag method
        for its own things (a callback named `add` is refused at class creation; see
        `htag.core.shadowing`).

    Events
        `Tag.button("+", _onclick=self.inc)`: `inc(self, e)` is called with an `Event`
        (`e.target`, `e.value`, `e.key`, `e["field"]`...; see `help(htag.Event)`). A
        callback may be `async`, or a generator whose every `yield` shows a step. What it
        changes is sent to the browser when it returns. `@prevent` / `@stop` call
        `preventDefault()` / `stopPropagation()` in the browser.

    State
        `self.count = State(0)`; `Tag.span(self.count)` or `Tag.span(lambda: f"{self.count}")`
        re-render when `self.count.value` changes (from a callback, a task or any thread);
        reactive attributes too: `_class=lambda: "on" if self.on else "off"`.

    Running
        The App is the page: `class Main(Tag.App)` (it renders as `<body>`), then
        `WebApp(Main).run()` (or `Main.app`, the ASGI application, for any ASGI server).
        Every browser session gets its own `Main()`.

            from htag import State, Tag, WebApp

            class Counter(Tag.App):
                def init(self):
                    self.count = State(0)
                    Tag.button("+", _onclick=self.inc)
                    Tag.span(self.count)

                def inc(self, e):
                    self.count.value += 1

            if __name__ == "__main__":
                WebApp(Counter).run()

    `Tag.App` is `htag.App`. Names of tag methods (`Tag.add`, `Tag.CALL`...) are not
    element names and raise AttributeError. The guide: docs/guide/index.md.
    """

    def __init__(self) -> None:
        self._registry: dict[str, type[GTag]] = {}

    def __call__(self, *children: Any, **kwargs: Any) -> GTag:
        return Fragment(*children, **kwargs)

    def __getattr__(self, name: str) -> type[GTag]:
        if name.startswith("__"):
            raise AttributeError(name)
        klass = self._registry.get(name)
        if klass is not None:
            return klass
        if name == "App":
            return App
        if name.lower() in _RESERVED or hasattr(GTag, name) or hasattr(GTag, name.lower()):
            raise AttributeError(f"{name!r} is a tag method and cannot be used as a tag name")
        tag_name = name.lower().replace("_", "-")
        if not _core.valid_tag_name(tag_name):
            raise AttributeError(f"{name!r} is not a valid tag name")
        klass = type(name, (GTag,), {"_htag_tag": tag_name, "__module__": __name__})
        self._registry[name] = klass
        setattr(self, name, klass)  # later lookups are plain attribute reads
        return klass

    def __dir__(self) -> Iterator[str]:  # type: ignore[override]
        return iter(sorted(self._registry))


class Fragment(GTag):
    """Groups children without a wrapper element (`Tag(...)`); its `tag` is None."""

    _htag_fragment = True


Tag = TagCreator()
