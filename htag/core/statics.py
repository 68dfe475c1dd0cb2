"""Statics: `<style>`, `<script>`, `<link>`, `<title>`... a component class (or
instance) declares in `statics`. Rendered once per class; each App's update engine
tracks which it has sent (see `engine.py`).

An inline `<style>` or `<script>` static becomes a `Static` asset of the process: its
content is hashed in Rust (`_core.static_hash` to deduplicate it across classes and
sessions, `_core.static_digest` to name its URL), kept once, and the page and frames
carry a reference instead (`<link rel="stylesheet" href="_htag/s/<digest>.css">`,
`<script src="_htag/s/<digest>.js"></script>`): a browser caches it, and the page
needs no `'unsafe-inline'` in its Content-Security-Policy. The server serves them
(`htag/server/assets.py`). Any other static (a `<link>`, a `<script src>` from a CDN,
a `<title>`, a data block) is sent as it is."""

from __future__ import annotations

import re
import threading
import weakref
from typing import Any

from .. import _core

# where the server serves the assets, relative to the App's base URL
ASSETS_PATH = "_htag/s/"

# one element, alone: `<style ...>css</style>` or `<script ...>js</script>`
_INLINE = re.compile(r"\A\s*<(style|script)(\s[^>]*)?>(.*)</\1\s*>\s*\Z", re.IGNORECASE | re.DOTALL)
_ATTR = re.compile(r"""([^\s=/>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")
_SCRIPT_TYPES = ("", "text/javascript", "application/javascript", "module")
# attributes that would change when a referenced script runs (inline ones ignore them)
_DROPPED = {"style": {"type"}, "script": {"defer", "async"}}
_MEDIA_TYPES = {"css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8"}


class Static:
    """One distinct static content, shared by every class and session using it."""

    __slots__ = ("__weakref__", "body", "digest", "ext", "html", "reference")

    def __init__(self, html: str, body: bytes, ext: str, attrs: list[str]) -> None:
        self.html = html  # as declared
        self.body = body  # the file's bytes
        self.ext = ext  # "css" or "js"
        self.digest = _core.static_digest(body)
        self.reference = _reference(ext, attrs, f"{ASSETS_PATH}{self.digest}.{ext}")  # sent instead

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self.ext]


class StaticsRegistry:
    """The statics of the process: one `Static` per distinct content, alive while a
    class or an App's engine holds it (weakly referenced here, so statics built per
    instance do not pile up), found by digest when a browser asks for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_hash: weakref.WeakValueDictionary[tuple[int, str], Static] = weakref.WeakValueDictionary()
        self._by_digest: weakref.WeakValueDictionary[str, Static] = weakref.WeakValueDictionary()

    def wire(self, html: str) -> str | Static:
        """`html` as sent: a `Static` for an inline style or script, else `html` itself."""
        parsed = _parse_inline(html)
        if parsed is None:
            return html
        kind, attrs, content = parsed
        body = content.encode()
        ext = "css" if kind == "style" else "js"
        key = (_core.static_hash(body), ext + " ".join(attrs))
        with self._lock:
            found = self._by_hash.get(key)
            if found is None or found.body != body:
                found = Static(html, body, ext, attrs)
                self._by_hash[key] = found
                self._by_digest[found.digest] = found
            return found

    def find(self, digest: str) -> Static | None:
        return self._by_digest.get(digest)

    def __len__(self) -> int:
        return len(self._by_digest)


STATICS = StaticsRegistry()


def _parse_inline(html: str) -> tuple[str, list[str], str] | None:
    """(element, its attributes, its content) of a lone inline style/script with
    content; None for anything else (kept as it is)."""
    match = _INLINE.match(html)
    if match is None:
        return None
    kind, attrs_text, content = match.group(1).lower(), match.group(2) or "", match.group(3)
    if not content.strip() or re.search(rf"</?{kind}[\s>]", content, re.IGNORECASE):
        return None  # empty, or more than one element
    attrs = []
    for name, value in _ATTR.findall(attrs_text):
        lower = name.lower()
        if kind == "script" and lower == "src":
            return None  # already a reference (e.g. a CDN)
        if kind == "script" and lower == "type" and value.strip("\"'").strip().lower() not in _SCRIPT_TYPES:
            return None  # a data block (JSON, a template): never run, never blocked
        if lower not in _DROPPED[kind]:
            attrs.append(f"{name}={value}" if value else name)
    return kind, attrs, content


def _reference(ext: str, attrs: list[str], path: str) -> str:
    extra = "".join(" " + a for a in attrs)
    if ext == "css":
        return f'<link rel="stylesheet" href="{path}"{extra}>'
    return f'<script src="{path}"{extra}></script>'


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


def wire_statics(items: list[str]) -> list[str | Static]:
    """Statics as sent (see `StaticsRegistry.wire`), duplicates dropped, order kept."""
    out: dict[str | Static, None] = {}
    for html in items:
        out.setdefault(STATICS.wire(html), None)
    return list(out)


def class_statics(cls: type) -> tuple[str | Static, ...]:
    """Statics of a class and its bases (base first), rendered once per class."""
    cached = cls.__dict__.get("_htag_statics")
    if cached is None:
        out: list[str] = []
        for klass in reversed(cls.__mro__):
            out.extend(render_statics(klass.__dict__.get("statics")))
        cached = tuple(wire_statics(out))
        type.__setattr__(cls, "_htag_statics", cached)
    return cached


def wire_html(item: str | Static) -> str:
    """What a page or frame carries for a static."""
    return item if isinstance(item, str) else item.reference


def forget_class(cls: type) -> None:
    """Drops the rendered statics of a class (its `statics` were redefined)."""
    if "_htag_statics" in cls.__dict__:
        type.__delattr__(cls, "_htag_statics")
