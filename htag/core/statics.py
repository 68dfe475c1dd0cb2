"""Statics: `<style>`, `<script>`, `<link>`, `<title>`... a component class (or
instance) declares in `statics`. Rendered once per class, deduplicated by content;
each App's update engine tracks which it has sent (see `engine.py`)."""

from __future__ import annotations

from typing import Any

from .. import _core


def render_statics(value: Any) -> list[str]:
    """HTML of a `statics` value: one item or a list; tags render without ids."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for item in items:
        if isinstance(item, _core.Node):
            out.append(item._render_bare())
        elif item is not None:
            out.append(str(item))
    return out


def class_statics(cls: type) -> tuple[str, ...]:
    """Statics of a class and its bases (base first), rendered once per class."""
    cached = cls.__dict__.get("_htag_statics_html")
    if cached is None:
        out: list[str] = []
        for klass in reversed(cls.__mro__):
            out.extend(render_statics(klass.__dict__.get("statics")))
        cached = tuple(dict.fromkeys(out))
        type.__setattr__(cls, "_htag_statics_html", cached)
    return cached


def forget_class(cls: type) -> None:
    """Drops the rendered statics of a class (its `statics` were redefined)."""
    if "_htag_statics_html" in cls.__dict__:
        type.__delattr__(cls, "_htag_statics_html")
