"""A model of the browser client's DOM: parse htag's HTML, apply the server's frames
the way `htag/client/src/frames.js` does (docs/protocol.md), compare trees.

One set of frame-application rules for the property tests (tests/properties) and for
`htag.testing.Client`: what a test sees is what the browser client would show.

An element is found by its internal id: `id="<hid>"` (unless it carries another
`data-htag-id`), else `data-htag-id="<hid>"` (`findEl` in dom.js). An `update` is
applied in protocol order: `statics` (only a `<title>` matters here: it becomes the
page title; styles and scripts are not run), `ops` (attributes, mirrored to the live
state of form controls), `updates` (the client morphs the element into the new HTML:
structurally a replacement, the live state of the controls taken from the new
attributes, except for a control the user owns), then `js` (recorded, never run).

Form controls keep a live state beside their attributes, as in a browser: `value`
(input, textarea), `checked` (checkbox, radio), `selected` (option). `ClientDOM.owns`
is the policy of sync.js: the user owns the focused control, except in the reply to an
event sent while it held exactly its current value.
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
}  # fmt: skip
TOGGLES = {"checkbox", "radio"}
FRAME_KEYS = {"action", "updates", "ops", "js", "statics", "callback_id", "result"}


class Element:
    """An element: tag name, attributes, children (elements and text), and the live
    state of a form control (`live`: "value", "checked" or "selected")."""

    __slots__ = ("attrs", "children", "live", "parent", "tag")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Element | str] = []
        self.parent: Element | None = None
        self.live: dict[str, Any] = {}

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
        """This element and its descendants, in document order."""
        out: list[Element] = []
        stack: list[Element] = [self]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed([c for c in node.children if isinstance(c, Element)]))
        return out

    def ancestors(self) -> Iterator[Element]:
        up = self.parent
        while up is not None:
            yield up
            up = up.parent

    def closest(self, tag: str) -> Element | None:
        for el in (self, *self.ancestors()):
            if el.tag == tag:
                return el
        return None

    def text_content(self) -> str:
        """All the text inside, as `textContent`."""
        return "".join(c if isinstance(c, str) else c.text_content() for c in self.children)

    def outer_html(self) -> str:
        """The markup of this element as it stands (attributes, not live state)."""
        attrs = "".join(
            f" {k}" if v == "" else f' {k}="{html_lib.escape(v, quote=True)}"' for k, v in self.attrs.items()
        )
        if self.tag in VOID:
            return f"<{self.tag}{attrs}>"
        raw = self.tag in ("script", "style")
        inner = "".join(
            (c if raw else html_lib.escape(c, quote=False)) if isinstance(c, str) else c.outer_html()
            for c in self.children
        )
        return f"<{self.tag}{attrs}>{inner}</{self.tag}>"

    # -- form controls (dom.js: isFormControl, isToggle, selectValue) -------------

    @property
    def input_type(self) -> str:
        return self.attrs.get("type", "text").lower() if self.tag == "input" else ""

    def is_form_control(self) -> bool:
        return self.tag in ("input", "textarea", "select")

    def is_toggle(self) -> bool:
        return self.tag == "input" and self.input_type in TOGGLES

    def options(self) -> list[Element]:
        return [e for e in self.walk() if e.tag == "option"]

    def option_value(self) -> str:
        return self.attrs["value"] if "value" in self.attrs else " ".join(self.text_content().split())

    def control_value(self) -> Any:
        """The live value: a select's is the value of its selected option (a list for a
        multiple one), a checkbox's or radio's its `value` attribute ("on" by default)."""
        if self.tag == "select":
            chosen = [o.option_value() for o in self.options() if o.live.get("selected")]
            if "multiple" in self.attrs:
                return chosen
            return chosen[0] if chosen else ""
        if self.is_toggle():
            return self.attrs.get("value", "on")
        if self.tag in ("input", "textarea"):
            return self.live.get("value", "")
        return None

    def state(self) -> Any:
        """The whole live state of a control, to compare two moments (`controlValue`)."""
        if self.is_toggle():
            return (self.checked, self.control_value())
        return self.control_value()

    @property
    def checked(self) -> bool:
        return bool(self.live.get("checked"))

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"


class _Builder(HTMLParser):
    """Builds Elements. Strict: unbalanced markup and comments raise (the property tests
    check what htag renders). Lenient (`strict=False`): as a browser, an end tag closes
    the open element of its name, a stray one is ignored, comments are dropped."""

    def __init__(self, strict: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.strict = strict
        self.root = Element("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = [n for n, _ in attrs]
        if self.strict and len(names) != len(set(names)):
            raise AssertionError(f"duplicate attribute in <{tag} {attrs}>")
        # a bare attribute and `=""` are the same thing in a DOM; the first of a duplicate wins
        values: dict[str, str] = {}
        for n, v in attrs:
            values.setdefault(n, "" if v is None else v)
        el = Element(tag, values)
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
        if top.tag == tag:
            self.stack.pop()
        elif self.strict:
            raise AssertionError(f"</{tag}> closes <{top.tag}>: markup broke its structure")
        elif any(el.tag == tag for el in self.stack[1:]):
            while self.stack.pop().tag != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.stack[-1].append(data)

    def handle_comment(self, data: str) -> None:
        if self.strict:
            raise AssertionError(f"unexpected comment {data!r}")


def parse(html: str, strict: bool = True) -> list[Element | str]:
    """Top-level nodes of an HTML fragment; strict: raises when the markup is unbalanced."""
    b = _Builder(strict)
    b.feed(html)
    b.close()
    if strict and len(b.stack) != 1:
        raise AssertionError(f"unclosed elements: {b.stack[1:]}")
    return b.root.children


def parse_one(html: str, strict: bool = True) -> Element:
    nodes = [n for n in parse(html, strict) if strict or not (isinstance(n, str) and not n.strip())]
    if len(nodes) != 1 or not isinstance(nodes[0], Element):
        raise AssertionError(f"expected one element, got {nodes!r}")
    nodes[0].parent = None
    return nodes[0]


def hid_of(el: Element) -> str | None:
    """The key by which the server identifies an element (`keyOf` in dom.js)."""
    return el.attrs.get("data-htag-id", el.attrs.get("id"))


# -- live state of form controls (morph.js: syncFormState) ------------------------


def set_checked(el: Element, checked: bool) -> None:
    """As the `checked` property: checking a radio unchecks the others of its group."""
    el.live["checked"] = checked
    if checked and el.input_type == "radio" and el.attrs.get("name"):
        for other in radio_group(el):
            if other is not el:
                other.live["checked"] = False


def radio_group(el: Element) -> list[Element]:
    name = el.attrs.get("name")
    scope = el.closest("form") or _root_of(el)
    return [
        r
        for r in scope.walk()
        if r.tag == "input" and r.input_type == "radio" and r.attrs.get("name") == name
        and r.closest("form") is el.closest("form")
    ]  # fmt: skip


def _root_of(el: Element) -> Element:
    for up in el.ancestors():
        el = up
    return el


def select_options(select: Element, values: list[str]) -> None:
    """Selects the options of these values (the others are unselected)."""
    for opt in select.options():
        opt.live["selected"] = opt.option_value() in values


def settle_control(el: Element) -> None:
    """Gives a control the live state its attributes describe (nobody owns it)."""
    if el.tag == "input":
        if el.input_type == "file":
            return
        if el.is_toggle():
            set_checked(el, "checked" in el.attrs)
        else:
            el.live["value"] = el.attrs.get("value", "")
    elif el.tag == "textarea":
        # browsers ignore a `value` attribute on a <textarea>, htag keeps the current value there
        el.live["value"] = el.attrs["value"] if "value" in el.attrs else el.text_content()
    elif el.tag == "select":
        options = el.options()
        if "multiple" not in el.attrs and "value" in el.attrs:
            wanted = [o for o in options if o.option_value() == el.attrs["value"]]
            if wanted:
                for o in options:
                    o.live["selected"] = o is wanted[0]
                return
        selected = [o for o in options if "selected" in o.attrs]
        if "multiple" not in el.attrs:
            # a single select shows its last `selected` option, else its first one
            selected = selected[-1:] or options[:1]
        for o in options:
            o.live["selected"] = o in selected


def settle_tree(root: Element, keep: dict[str, Element] | None = None) -> None:
    """Settles every control under `root`; those of `keep` (hid -> the old element a
    user owns) keep their live state, as the morph keeps a reused element's."""
    for el in root.walk():
        if not el.is_form_control():
            continue
        old = keep.get(hid_of(el) or "") if keep else None
        if old is not None and old.tag == el.tag:
            el.live = dict(old.live)
            if el.tag == "select":
                kept = old.control_value()
                select_options(el, kept if isinstance(kept, list) else [kept])
            continue
        settle_control(el)


@dataclass
class Focus:
    """What the user holds: the focused control (by hid), and `authority`, its value
    when the event whose reply is being applied was sent (sync.js)."""

    hid: str | None = None
    authority: Any = None
    has_authority: bool = False


class ClientDOM:
    """The body as the client holds it. `strict`: a frame the browser would only log
    (an unknown element or op, an unknown key) fails an assertion instead (the
    property tests); the testing client is not strict, as the browser."""

    def __init__(self, body_html: str | Element, strict: bool = True) -> None:
        self.strict = strict
        self.body = body_html if isinstance(body_html, Element) else parse_one(body_html, strict)
        self.focus = Focus()
        self.title: str | None = None
        self.scripts: list[str] = []  # `js` of the frames, in order: recorded, not run
        self.log: list[str] = []  # what the browser client would only log
        settle_tree(self.body)

    def get(self, hid: str) -> Element | None:
        """`findEl` of dom.js."""
        elements = self.body.walk()
        for el in elements:  # getElementById first, unless it carries another hid ...
            if el.attrs.get("id") == hid and el.attrs.get("data-htag-id", hid) == hid:
                return el
        for el in elements:  # ... then [data-htag-id]
            if el.attrs.get("data-htag-id") == hid:
                return el
        return None

    def find(self, hid: str) -> Element:
        el = self.get(hid)
        if el is None:
            raise AssertionError(f"frame targets {hid!r}, which the client does not have")
        return el

    def owns(self, el: Element) -> bool:
        """Whether the user owns this control's live value (`userOwns` of sync.js)."""
        if self.focus.hid is None or hid_of(el) != self.focus.hid:
            return False
        return not (self.focus.has_authority and el.state() == self.focus.authority)

    def _missing(self, what: str) -> None:
        if self.strict:
            raise AssertionError(what)
        self.log.append(what)

    def apply(self, frame: dict[str, Any] | None, authority: tuple[str, Any] | None = None) -> None:
        """Applies an `update` frame. `authority`: (hid, value) of the control that was
        focused when the event this frame replies to was sent (see `owns`)."""
        if frame is None:
            return
        assert frame["action"] == "update", frame
        if self.strict:
            assert set(frame) <= FRAME_KEYS, frame
        if authority is not None and authority[0] == self.focus.hid:
            self.focus.authority, self.focus.has_authority = authority[1], True
        try:
            self._apply_statics(frame.get("statics") or ())
            self._apply_ops(frame.get("ops") or ())
            self._apply_updates(frame.get("updates") or {})
        finally:
            self.focus.authority, self.focus.has_authority = None, False
        self.scripts.extend(frame.get("js") or ())

    def _apply_statics(self, statics: Any) -> None:
        for static in statics:
            for node in parse(static, strict=False):
                if isinstance(node, Element) and node.tag == "title":
                    self.title = node.text_content()

    def _apply_ops(self, ops: Any) -> None:
        for op in ops:
            if not isinstance(op, list) or len(op) != 4 or op[0] != "attr":
                self._missing(f"unknown op {op!r}")
                continue
            _, hid, name, value = op
            el = self.get(hid)
            if el is None:
                self._missing(f"op for unknown element {hid!r}")
                continue
            if value is None:
                el.attrs.pop(name, None)
            else:
                el.attrs[name] = str(value)
            self._mirror(el, name, value)

    def _mirror(self, el: Element, name: str, value: Any) -> None:
        """An attribute is only the default of a form control: its live property follows
        it unless the user owns the control (`applyOps` of frames.js)."""
        if el.tag == "option":
            select = el.closest("select")
            if name == "selected" and not self.owns(select or el):
                el.live["selected"] = value is not None
            return
        if not el.is_form_control() or self.owns(el):
            return
        if name == "value" and el.input_type != "file" and not el.is_toggle():
            text = "" if value is None else str(value)
            if el.tag == "select":
                select_options(el, [text])
            else:
                el.live["value"] = text
        elif name == "checked" and el.is_toggle():
            set_checked(el, value is not None)

    def _apply_updates(self, updates: dict[str, str]) -> None:
        targets: dict[str, Element] = {}
        for hid, markup in updates.items():
            el = self.get(hid)
            if el is None and markup.lstrip()[:5].lower() == "<body":
                el = self.body
            if el is None:
                self._missing(f"update for unknown element {hid!r}")
                continue
            targets[hid] = el
        if self.strict:
            for hid, el in targets.items():  # never a tag together with one of its ancestors
                for up in el.ancestors():
                    assert up not in targets.values(), f"update {hid!r} sent with its ancestor"
        for hid, el in targets.items():
            self.replace(el, parse_one(updates[hid], self.strict))

    def replace(self, old: Element, new: Element) -> None:
        """Morphs `old` into `new`: structurally a replacement; the controls the user
        owns keep their live state."""
        owned = {hid_of(el) or "": el for el in old.walk() if el.is_form_control() and self.owns(el)}
        settle_tree(new, owned)
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
