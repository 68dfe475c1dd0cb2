"""Targets: a CSS selector or a visible text, resolved against the DOM model (`dom.py`).

Selectors: `*`, `tag`, `#id`, `.class`, `[attr]`, `[attr=v]` (also `~=`, `^=`, `$=`,
`*=`, values quoted or not), compounds of them (`button.primary[name=go]`), the
descendant (space) and child (`>`) combinators, and comma lists. Anything else
(pseudo-classes, `+`, `~`) raises `SelectorError`: a test should not pass because a
selector was half understood.

Which one a target is: `css=...` is a selector and `text=...` a text, explicitly;
otherwise a target is a selector when it starts with one of `#.[*`, when it
parses as one whose element names are all HTML ones (lowercase), e.g. `li > b`, or
when it starts with an HTML element name and holds one of `#.[:>+~,` (then it must
parse: `div:hover` raises); anything else (`"Add"`, `"Save all"`) is a visible text.

A visible text matches an element whose text (as `innerText`: scripts and styles left
out, whitespace collapsed) is exactly it; an `<input type=submit|button|reset>` by its
value, a text field by its placeholder or `aria-label`. Among several matches the
clickable ones win (button, a, label, `input[type=submit|button|reset]`, an element
with an htag event handler), then the innermost ones (a match containing another is
dropped): `<li><button>Add</button></li>` finds the button.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dom import Element

_ELEMENT_NAMES = """a abbr address area article aside audio b bdi bdo blockquote body br button canvas caption
    cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input
    ins kbd label legend li link main map mark menu meta meter nav noscript object ol optgroup
    option output p param picture pre progress q rp rt ruby s samp script search section select
    slot small source span strong style sub summary sup table tbody td template textarea tfoot th
    thead time title tr track u ul var video wbr svg path circle rect line g text"""
HTML_ELEMENTS = frozenset(_ELEMENT_NAMES.split())
SKIPPED = {"script", "style", "template", "head", "title"}  # never visible text
BUTTON_INPUTS = {"submit", "button", "reset"}


class SelectorError(ValueError):
    """A selector this engine does not support (or not a selector at all)."""


@dataclass
class Compound:
    """One element's conditions: `tag#id.class[attr=v]`."""

    tag: str | None = None
    conditions: list[tuple[str, str, str | None]] = field(default_factory=list)  # (attr, op, value)

    def matches(self, el: Element) -> bool:
        if self.tag not in (None, "*") and el.tag != self.tag:
            return False
        for name, op, value in self.conditions:
            have = el.attrs.get(name)
            if have is None:
                return False
            if op == "" or (op == "=" and have == value):
                continue
            if op == "~=" and value in have.split():
                continue
            if value and (
                (op == "^=" and have.startswith(value))
                or (op == "$=" and have.endswith(value))
                or (op == "*=" and value in have)
            ):
                continue
            return False
        return True


@dataclass
class Selector:
    """A comma list of chains; a chain is compounds joined by " " or ">"."""

    source: str
    chains: list[list[tuple[str, Compound]]]  # [(combinator before it, compound)]

    def matches(self, el: Element) -> bool:
        return any(_chain_matches(chain, len(chain) - 1, el) for chain in self.chains)

    def select(self, root: Element) -> list[Element]:
        return [el for el in root.walk() if self.matches(el)]

    def tags(self) -> set[str]:
        return {c.tag for chain in self.chains for _, c in chain if c.tag not in (None, "*")}


def _chain_matches(chain: list[tuple[str, Compound]], i: int, el: Element) -> bool:
    combinator, compound = chain[i]
    if not compound.matches(el):
        return False
    if i == 0:
        return True
    if combinator == ">":
        return el.parent is not None and _chain_matches(chain, i - 1, el.parent)
    return any(_chain_matches(chain, i - 1, up) for up in el.ancestors())


_NAME = r"-?[_a-zA-Z][-_a-zA-Z0-9]*"
_TOKEN = re.compile(
    rf"""(?P<space>\s+)|(?P<child>>)|(?P<comma>,)|(?P<star>\*)|(?P<tag>{_NAME})|\#(?P<id>{_NAME})
    |\.(?P<cls>{_NAME})|\[\s*(?P<attr>[^\s~^$*|=\]]+)\s*(?:(?P<op>[~^$*]?=)\s*
    (?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\]\s]+))\s*)?\]""",
    re.VERBOSE,
)


def parse_selector(source: str) -> Selector:
    """Parses a supported CSS selector; raises SelectorError with what is not supported."""
    text = source.strip()
    if not text:
        raise SelectorError("empty selector")
    chains: list[list[tuple[str, Compound]]] = [[]]
    current: Compound | None = None
    before = ""  # the combinator before the compound being read
    pending = ""  # the combinator before the next compound
    pos = 0

    def close_compound() -> None:
        nonlocal current
        if current is not None:
            chains[-1].append((before, current))
            current = None

    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            rest = text[pos:]
            what = {":": " (pseudo-classes are not supported)", "+": " (+ is not supported)",
                    "~": " (~ is not supported)"}.get(rest[0], "")  # fmt: skip
            raise SelectorError(
                f"unsupported selector {source!r} at {rest[:20]!r}{what}: htag.testing knows tag, #id,"
                " .class, [attr], [attr=v], descendant, >, and commas; use text=... for a visible text"
            )
        pos = m.end()
        kind = m.lastgroup if m.lastgroup not in ("dq", "sq", "bare", "op") else "attr"
        if kind == "space":
            if current is not None:
                close_compound()
                pending = " "
            continue
        if kind in ("child", "comma"):
            close_compound()
            if not chains[-1] or (kind == "child" and pending == ">"):
                raise SelectorError(f"unsupported selector {source!r}: {m.group()!r} without an element")
            if kind == "comma":
                chains.append([])
            pending = ">" if kind == "child" else ""
            continue
        if current is None:
            current, before, pending = Compound(), pending, ""
        elif kind in ("star", "tag"):
            raise SelectorError(f"unsupported selector {source!r}: element name inside a compound")
        if kind in ("star", "tag"):
            current.tag = m.group().lower() if kind == "tag" else "*"
        elif kind == "id":
            current.conditions.append(("id", "=", m.group("id")))
        elif kind == "cls":
            current.conditions.append(("class", "~=", m.group("cls")))
        else:
            value = next((v for v in (m.group("dq"), m.group("sq"), m.group("bare")) if v is not None), None)
            current.conditions.append((m.group("attr").lower(), m.group("op") or "", value))
    close_compound()
    if pending == ">" or any(not chain for chain in chains):
        raise SelectorError(f"unsupported selector {source!r}: it ends with a combinator or a comma")
    return Selector(source, chains)


@dataclass
class Text:
    """A visible-text target."""

    text: str


Target = Selector | Text


def parse_target(target: str) -> Target:
    """A selector or a visible text, by the rules of this module's docstring."""
    if target.startswith("css="):
        return parse_selector(target[4:])
    if target.startswith("text="):
        return Text(target[5:])
    if target[:1] in ("#", ".", "[", "*"):
        return parse_selector(target)
    try:
        selector = parse_selector(target)
    except SelectorError:
        head = re.match(r"[a-z][a-z0-9]*", target)
        if head and head.group() in HTML_ELEMENTS and re.search(r"[#.\[:>+~,]", target):
            raise  # `div:hover`, `li >`: a selector we do not support, not a text
        return Text(target)
    if all(tag in HTML_ELEMENTS for tag in selector.tags()) and not re.search(r"[A-Z]", _names(target)):
        return selector
    return Text(target)


def _names(target: str) -> str:
    """The parts of a selector that are element names (not values in brackets)."""
    return re.sub(r"\[[^\]]*\]|[#.][-\w]+", "", target)


def visible_text(el: Element) -> str:
    """The text a user reads (as `innerText`, roughly): whitespace collapsed."""
    return " ".join(_texts(el).split())


def _texts(el: Element) -> str:
    if el.tag in SKIPPED:
        return ""
    parts = []
    for c in el.children:
        if isinstance(c, str):
            parts.append(c)
        elif _is_block(c):  # a block's text does not run into its neighbours'
            parts.append(f" {_texts(c)} ")
        else:
            parts.append(_texts(c))
    return "".join(parts)


def _is_block(el: Element) -> bool:
    return el.tag in {"div", "p", "li", "ul", "ol", "tr", "table", "section", "br", "h1", "h2", "h3", "form"}


def is_clickable(el: Element) -> bool:
    if el.tag in ("button", "a", "label", "summary"):
        return True
    if el.tag == "input" and el.input_type in BUTTON_INPUTS:
        return True
    return any(k.startswith("on") and "htag_on(" in v for k, v in el.attrs.items())


def _label_of(el: Element) -> str | None:
    if el.tag == "input" and el.input_type in BUTTON_INPUTS:
        return el.attrs.get("value", "")
    return None


def _text_matches(el: Element, text: str) -> bool:
    if el.tag in SKIPPED:
        return False
    label = _label_of(el)
    if label is not None:
        return " ".join(label.split()) == text
    if el.tag in ("input", "textarea", "select") and text in (
        el.attrs.get("placeholder"),
        el.attrs.get("aria-label"),
    ):
        return True
    return visible_text(el) == text


def find_text(root: Element, text: str) -> list[Element]:
    """The elements of a visible text, the rule of this module's docstring applied."""
    wanted = " ".join(text.split())
    hits = [el for el in root.walk() if not _hidden_region(el) and _text_matches(el, wanted)]
    clickable = [el for el in hits if is_clickable(el)]
    if clickable:
        hits = clickable
    innermost = [el for el in hits if not any(other is not el and el in other.ancestors() for other in hits)]
    return innermost


def _hidden_region(el: Element) -> bool:
    return any(up.tag in SKIPPED for up in (el, *el.ancestors()))


def resolve(root: Element, target: Target) -> list[Element]:
    if isinstance(target, Text):
        return find_text(root, target.text)
    return target.select(root)


def describe(target: Target) -> str:
    return f"text {target.text!r}" if isinstance(target, Text) else f"selector {target.source!r}"


def container_hint(root: Element, target: Target) -> Element:
    """Where a missing target should have been: the one element the longest prefix of
    its selector chain finds (`#list` for `#list > li.done`), else `root`."""
    if isinstance(target, Selector) and len(target.chains) == 1:
        chain = target.chains[0]
        for k in range(len(chain) - 1, 0, -1):
            found = Selector(target.source, [chain[:k]]).select(root)
            if len(found) == 1:
                return found[0]
    return root


def common_ancestor(elements: list[Element]) -> Element:
    """The innermost element holding them all."""
    first = [elements[0], *elements[0].ancestors()]
    for candidate in first:
        if all(el is candidate or candidate in el.ancestors() for el in elements):
            return candidate
    return first[-1]
