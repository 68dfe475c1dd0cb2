"""A model of the client's DOM: parse htag's HTML, apply update frames the way
docs/protocol.md says a client does, and compare trees structurally.

An element is found by its internal id: `id="<hid>"`, else `data-htag-id="<hid>"`.
Frames are applied in protocol order: `ops`, then `updates` (the client morphs the
element into the new HTML: structurally, a replacement).
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
}  # fmt: skip


class Element:
    __slots__ = ("attrs", "children", "parent", "tag")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Element | str] = []
        self.parent: Element | None = None

    def append(self, child: Element | str) -> None:
        if isinstance(child, str):
            if not child:
                return
            if self.children and isinstance(self.children[-1], str):
                self.children[-1] += child  # adjacent text is one DOM text node
                return
        else:
            child.parent = self
        self.children.append(child)

    def walk(self) -> list[Element]:
        out: list[Element] = []
        stack: list[Element] = [self]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed([c for c in node.children if isinstance(c, Element)]))
        return out

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = [n for n, _ in attrs]
        if len(names) != len(set(names)):
            raise AssertionError(f"duplicate attribute in <{tag} {attrs}>")
        # a bare attribute and `=""` are the same thing in a DOM
        el = Element(tag, {n: ("" if v is None else v) for n, v in attrs})
        self.stack[-1].append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        top = self.stack[-1]
        if top.tag != tag:
            raise AssertionError(f"</{tag}> closes <{top.tag}>: markup broke its structure")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].append(data)

    def handle_comment(self, data: str) -> None:
        raise AssertionError(f"unexpected comment {data!r}")


def parse(html: str) -> list[Element | str]:
    """Top-level nodes of an HTML fragment; raises when the markup is unbalanced."""
    b = _Builder()
    b.feed(html)
    b.close()
    if len(b.stack) != 1:
        raise AssertionError(f"unclosed elements: {b.stack[1:]}")
    return b.root.children


def parse_one(html: str) -> Element:
    nodes = parse(html)
    if len(nodes) != 1 or not isinstance(nodes[0], Element):
        raise AssertionError(f"expected one element, got {nodes!r}")
    nodes[0].parent = None
    return nodes[0]


def hid_of(el: Element) -> str | None:
    return el.attrs.get("data-htag-id", el.attrs.get("id"))


class ClientDOM:
    """The body as the client holds it."""

    def __init__(self, body_html: str) -> None:
        self.body = parse_one(body_html)

    def find(self, hid: str) -> Element:
        elements = self.body.walk()
        for el in elements:  # getElementById first ...
            if el.attrs.get("id") == hid:
                return el
        for el in elements:  # ... then [data-htag-id]
            if el.attrs.get("data-htag-id") == hid:
                return el
        raise AssertionError(f"frame targets {hid!r}, which the client does not have")

    def apply(self, frame: dict[str, Any] | None) -> None:
        if frame is None:
            return
        assert frame["action"] == "update", frame
        assert set(frame) <= {"action", "updates", "ops", "js", "statics", "callback_id", "result"}, frame
        for op in frame.get("ops", ()):
            kind, hid, name, value = op
            assert kind == "attr", op
            el = self.find(hid)
            if value is None:
                el.attrs.pop(name, None)
            else:
                el.attrs[name] = value
        updates = frame.get("updates", {})
        targets = {hid: self.find(hid) for hid in updates}
        for hid, el in targets.items():  # never a tag together with one of its ancestors
            up = el.parent
            while up is not None:
                assert up not in targets.values(), f"update {hid!r} sent with its ancestor"
                up = up.parent
        for hid, html in updates.items():
            self.replace(targets[hid], parse_one(html))

    def replace(self, old: Element, new: Element) -> None:
        parent = old.parent
        if parent is None:
            assert old is self.body
            self.body = new
            return
        i = next(i for i, c in enumerate(parent.children) if c is old)
        parent.children[i] = new
        new.parent = parent


def canonical(el: Element | str, volatile: str | None = "data-gen") -> Any:
    """A comparable form: attributes unordered; the ids of elements marked `volatile`
    (tags built anew by each run of a reactive lambda) are replaced by a placeholder."""
    if isinstance(el, str):
        return el
    attrs = dict(el.attrs)
    if volatile and volatile in attrs:
        for key in ("id", "data-htag-id"):
            if key in attrs:
                attrs[key] = "*"
    return (el.tag, tuple(sorted(attrs.items())), tuple(canonical(c, volatile) for c in el.children))


def same_tree(a: Element, b: Element) -> bool:
    return canonical(a) == canonical(b)


def unique_ids(root: Element) -> None:
    seen: set[str] = set()
    for el in root.walk():
        hid = hid_of(el)
        assert hid is not None, f"element without an id: {el!r}"
        assert hid not in seen, f"duplicate id {hid!r}"
        seen.add(hid)
