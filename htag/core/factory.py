"""`Tag`: the factory of tag classes (`Tag.div`, `Tag.my_widget`) and fragments (`Tag(...)`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import _core
from .app import App
from .tag import GTag

_RESERVED = {"call", "bind"}


class TagCreator:
    """The factory of tags (`htag.Tag`): `Tag.div` is the tag class for `<div>`.

    `Tag.div("text", Tag.b("bold"), _class="c", _onclick=callback)` makes one;
    `Tag.my_widget` is `<my-widget>` (underscores become dashes); `class Card(Tag.div)`
    defines a component (implement `init`). `Tag(...)` is a fragment: children with no
    wrapper element. `Tag.App` is the App class. Names of tag methods (`Tag.add`,
    `Tag.CALL`...) raise AttributeError.
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
