"""Scoped CSS for htag components.

A component class can declare ``styles = "..."``.  Those styles are written by
the component's author for *that* component only, yet they end up in one page
where every component shares the same global CSS namespace.  :func:`scope_css`
rewrites such a stylesheet so that each rule only matches the element that
carries the component's scope class (e.g. ``htag-Card``) and its descendants::

    >>> print(scope_css(".t { color: red }", "htag-Card"))
    .htag-Card.t, .htag-Card .t { color: red }

Scoping rules, for each selector of a rule's selector list:

* the selector matches the scope element itself *or* an element inside it, so
  two selectors are produced: the *compound form* (scope class attached to the
  first compound selector) and the *descendant form* (``.scope `` prepended):
  ``.t`` -> ``.htag-Card.t, .htag-Card .t``;
* in the compound form the scope class goes right after a leading type
  selector, so pseudo-elements stay last: ``p::before`` ->
  ``p.htag-Card::before, .htag-Card p::before``;
* a leading universal selector is absorbed: ``*`` -> ``.htag-Card, .htag-Card *``
  and ``*.x`` -> ``.htag-Card.x, .htag-Card *.x``;
* ``:root``, ``html`` and ``body`` in the first compound stand for the
  component's root element and are replaced by the scope class (one selector
  only): ``:root`` -> ``.htag-Card``, ``body > p`` -> ``.htag-Card > p``,
  ``html.dark a`` -> ``.htag-Card.dark a``;
* ``&`` (the nesting selector) stands for the scope element too and switches
  the automatic prefix off: ``&.active`` -> ``.htag-Card.active``,
  ``.dark & p`` -> ``.dark .htag-Card p``, ``&div`` -> ``div.htag-Card``
  (Sass-style suffixes such as ``&-title`` are rejected);
* a leading combinator is relative to the scope element:
  ``> li`` -> ``.htag-Card > li``;
* a selector that already contains the scope class (as a class selector
  outside any functional pseudo-class) is kept as written, which makes
  ``scope_css`` idempotent on its own output;
* duplicate selectors in a list are emitted once.

Commas inside ``()``, ``[]`` and strings never split a selector list.

At-rules: the rules inside ``@media``, ``@supports``, ``@container``,
``@layer``, ``@document``/``@-moz-document`` and ``@starting-style`` blocks are
scoped recursively; every other at-rule (``@keyframes``, ``@font-face``,
``@page``, ...) is copied untouched, and at-rule statements such as
``@import``, ``@charset``, ``@namespace`` or ``@layer a, b;`` are kept as is.
Declaration blocks are copied verbatim (including nested rules and comments);
comments in selectors and at-rule preludes are dropped and their whitespace is
collapsed.

Output: one rule, statement, at-rule opening or closing ``}`` per line, rules
as ``selectors { declarations }``, no indentation (so the output size stays
linear even for deeply nested at-rules); deterministic.

Malformed input never hangs and never raises anything but :class:`ValueError`,
whose message gives the line and column: unbalanced braces, brackets or
parentheses, unterminated strings, comments or ``url(``, empty selectors,
dangling combinators and declarations outside any rule are all rejected.
Selectors are otherwise not validated: an invalid selector stays invalid (and
is ignored by the browser), it never escapes the scope.

The implementation is a single left-to-right scan with an explicit stack (no
recursion, no backtracking regular expression), so it runs in time linear in
the size of the input.

Why one file over 500 lines: the scanner, the selector rewriter and the at-rule
handling share one cursor and one error reporter; split apart they would pass
that state around and the single-scan guarantee would no longer read in one place.
"""

from __future__ import annotations

import re

__all__ = ["scope_css"]

# At-rules whose block holds ordinary rules that must be scoped as well.
_SCOPED_AT_RULES = frozenset(
    {
        "media",
        "supports",
        "container",
        "layer",
        "document",
        "-moz-document",
        "starting-style",
    }
)

_WHITESPACE = " \t\n\r\f"
_COMBINATORS = ">+~"
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_CLOSER = {"(": ")", "[": "]"}
_ROOT_TYPES = frozenset({"html", "body"})

# Runs of characters with no meaning to the scanners; each is a plain character
# class, so matching is linear and cannot backtrack.
_PLAIN_PRELUDE = re.compile(r"[^\s/\"'\\{};()\[\]]+")
_PLAIN_BLOCK = re.compile(r"[^/\"'\\{}(]+")
_PLAIN_SELECTOR = re.compile(r"[^\s\"'\\()\[\],>+~&]+")
_IDENT_RUN = re.compile(r"[-\w\x80-\U0010ffff]+")
_AT_NAME = re.compile(r"@([-\w\x80-\U0010ffff]*)")
_SCOPE_CLASS = re.compile(r"(?:--|-?[_a-zA-Z\x80-\U0010ffff])[-\w\x80-\U0010ffff]*")


class _SelectorError(ValueError):
    """A selector problem, located by the caller (selectors lose positions)."""


def scope_css(css: str, scope_class: str) -> str:
    """Return ``css`` with every rule restricted to ``.scope_class`` and its
    descendants (see the module docstring for the exact rules).

    :raises TypeError: if an argument is not a string.
    :raises ValueError: if ``scope_class`` is not a bare CSS class name, or if
        ``css`` is malformed (the message gives line and column).
    """
    if not isinstance(css, str) or not isinstance(scope_class, str):
        raise TypeError("scope_css() expects two strings")
    if not _SCOPE_CLASS.fullmatch(scope_class):
        raise ValueError(
            f"invalid scope class {scope_class!r}: expected a bare CSS class "
            "name such as 'htag-Card' (no leading dot, no spaces)"
        )
    return _Scoper(css, "." + scope_class).run()


# --------------------------------------------------------------------------
# Low-level lexical helpers, shared by every scanner.  Each takes the text and
# the index of the construct's first character and returns the index just
# past it.
# --------------------------------------------------------------------------


def _skip_escape(text: str, i: int) -> int:
    """Skip a backslash escape (hex escapes eat one trailing whitespace)."""
    n = len(text)
    j = i + 1
    if j >= n:
        return n
    if text[j] not in _HEX_DIGITS:
        return j + 1
    end = min(j + 6, n)
    while j < end and text[j] in _HEX_DIGITS:
        j += 1
    if text.startswith("\r\n", j):
        return j + 2
    if j < n and text[j] in _WHITESPACE:
        return j + 1
    return j


def _skip_string(text: str, i: int) -> int:
    """Skip a quoted string; an unescaped newline or EOF is an error."""
    quote = text[i]
    n = len(text)
    j = i + 1
    while j < n:
        c = text[j]
        if c == quote:
            return j + 1
        if c == "\\":
            j = _skip_escape(text, j)
        elif c in "\n\r\f":
            break
        else:
            j += 1
    raise _located(text, i, "unterminated string")


def _skip_comment(text: str, i: int) -> int:
    end = text.find("*/", i + 2)
    if end < 0:
        raise _located(text, i, "unterminated comment")
    return end + 2


def _url_end(text: str, i: int) -> int | None:
    """If ``text[i] == "("`` opens an unquoted ``url(...)``, return the index
    past its ``)``; otherwise return ``None``.  An unquoted URL may contain
    braces and semicolons, so it must be skipped as a whole."""
    if i < 3 or text[i - 3 : i].lower() != "url":
        return None
    if i > 3 and (text[i - 4].isalnum() or text[i - 4] in "-_\\"):
        return None
    n = len(text)
    j = i + 1
    while j < n and text[j] in _WHITESPACE:
        j += 1
    if j < n and text[j] in "\"'":
        return None  # quoted: an ordinary function, handled by the caller
    while j < n:
        c = text[j]
        if c == ")":
            return j + 1
        j = _skip_escape(text, j) if c == "\\" else j + 1
    raise _located(text, i - 3, "unterminated url(")


def _skip_group(text: str, i: int) -> int:
    """Skip a balanced ``(...)`` or ``[...]`` group (strings and escapes
    inside are honoured).  Iterative, so nesting depth is unbounded."""
    stack = [_CLOSER[text[i]]]
    n = len(text)
    j = i + 1
    while j < n:
        c = text[j]
        if c in "\"'":
            j = _skip_string(text, j)
            continue
        if c == "\\":
            j = _skip_escape(text, j)
            continue
        if c in _CLOSER:
            stack.append(_CLOSER[c])
        elif c in ")]":
            if c != stack.pop():
                raise _SelectorError(f"mismatched {c!r}")
            if not stack:
                return j + 1
        j += 1
    raise _SelectorError(f"unclosed {text[i]!r}")


def _ident_end(text: str, i: int) -> int:
    """Index past the identifier (possibly empty) that starts at ``i``."""
    n = len(text)
    while i < n:
        m = _IDENT_RUN.match(text, i)
        if m:
            i = m.end()
        elif text[i] == "\\":
            i = _skip_escape(text, i)
        else:
            break
    return i


def _located(text: str, pos: int, message: str) -> ValueError:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return ValueError(f"invalid CSS at line {line}, column {column}: {message}")


def _excerpt(prelude: str) -> str:
    return repr(prelude if len(prelude) <= 40 else prelude[:37] + "...")


# --------------------------------------------------------------------------
# Stylesheet level: preludes, blocks and the at-rule stack.
# --------------------------------------------------------------------------


class _Scoper:
    """One scoping run over one stylesheet."""

    def __init__(self, text: str, scope: str) -> None:
        self.text = text
        self.scope = scope  # ".htag-Card"
        self.lines: list[str] = []

    def run(self) -> str:
        text = self.text
        # Open scoped at-rule blocks: (prelude, position, index of its line).
        stack: list[tuple[str, int, int]] = []
        i = 0
        while True:
            prelude, start, end, stop = self._read_prelude(i)
            if stop == "{":
                if prelude.startswith("@") and _at_name(prelude) in _SCOPED_AT_RULES:
                    stack.append((prelude, start, len(self.lines)))
                    self.lines.append(f"{prelude} {{")
                    i = end + 1
                    continue
                if not prelude:
                    raise _located(text, end, "missing selector before '{'")
                close = self._read_block(end)
                if prelude.startswith("@"):
                    head = prelude
                else:
                    try:
                        head = _scope_selector_list(prelude, self.scope)
                    except _SelectorError as exc:
                        raise _located(text, start, f"{exc} in {_excerpt(prelude)}") from None
                body = text[end + 1 : close].strip()
                self.lines.append(f"{head} {{ {body} }}" if body else f"{head} {{}}")
                i = close + 1
            elif stop == ";":
                if prelude.startswith("@"):
                    self.lines.append(f"{prelude};")
                elif prelude:
                    raise _located(text, start, f"declaration {_excerpt(prelude)} outside of any rule")
                i = end + 1
            elif stop == "}":
                if prelude:
                    raise _located(text, start, f"expected '{{' after {_excerpt(prelude)}")
                if not stack:
                    raise _located(text, end, "unexpected '}' (no block is open)")
                opener, _, line_index = stack.pop()
                if line_index == len(self.lines) - 1:  # empty block
                    self.lines[line_index] = f"{opener} {{}}"
                else:
                    self.lines.append("}")
                i = end + 1
            else:  # end of input
                if prelude:
                    raise _located(text, start, f"unexpected end of input after {_excerpt(prelude)}")
                if stack:
                    opener, position, _ = stack[-1]
                    raise _located(text, position, f"unclosed block {_excerpt(opener)}")
                return "\n".join(self.lines)

    def _read_prelude(self, i: int) -> tuple[str, int, int, str]:
        """Read a selector list / at-rule prelude starting at ``i``.

        Returns ``(prelude, start, end, stop)``: the prelude with comments
        removed and whitespace collapsed, the position of its first character,
        the position of the character that stopped it, and that character
        (``"{"``, ``"}"``, ``";"`` or ``""`` at end of input).  ``;`` only
        stops outside parentheses/brackets (``@import url(a;b)``).
        """
        text = self.text
        n = len(text)
        parts: list[str] = []
        space = False
        start = -1
        groups: list[tuple[str, int]] = []  # expected closer, its opener position

        while i < n:
            c = text[i]
            if c in _WHITESPACE:
                space = True
                i += 1
                continue
            if c == "/" and text.startswith("*", i + 1):
                i = _skip_comment(text, i)
                continue
            if c in "{}" or (c == ";" and not groups):
                if groups:
                    _, position = groups[-1]
                    raise _located(text, position, f"unclosed {text[position]!r}")
                return "".join(parts), start if start >= 0 else i, i, c
            if c in "\"'":
                j = _skip_string(text, i)
            elif c == "\\":
                j = _skip_escape(text, i)
            elif c == "(":
                url_end = _url_end(text, i)
                if url_end is None:
                    groups.append((")", i))
                j = url_end if url_end is not None else i + 1
            elif c == "[":
                groups.append(("]", i))
                j = i + 1
            elif c in ")]":
                if not groups or groups[-1][0] != c:
                    raise _located(text, i, f"unexpected {c!r}")
                groups.pop()
                j = i + 1
            elif c == "/" or c == ";":  # a lone slash, or ';' inside a group
                j = i + 1
            else:
                m = _PLAIN_PRELUDE.match(text, i)
                j = m.end() if m else i + 1
            if start < 0:
                start = i
            elif space:
                parts.append(" ")
            space = False
            parts.append(text[i:j])
            i = j

        if groups:
            _, position = groups[-1]
            raise _located(text, position, f"unclosed {text[position]!r}")
        return "".join(parts), start if start >= 0 else n, n, ""

    def _read_block(self, open_pos: int) -> int:
        """Return the index of the ``}`` matching the ``{`` at ``open_pos``."""
        text = self.text
        n = len(text)
        depth = 1
        i = open_pos + 1
        while i < n:
            c = text[i]
            if c == "{":
                depth += 1
                i += 1
            elif c == "}":
                depth -= 1
                if not depth:
                    return i
                i += 1
            elif c in "\"'":
                i = _skip_string(text, i)
            elif c == "\\":
                i = _skip_escape(text, i)
            elif c == "/" and text.startswith("*", i + 1):
                i = _skip_comment(text, i)
            elif c == "(":
                url_end = _url_end(text, i)
                i = url_end if url_end is not None else i + 1
            else:
                m = _PLAIN_BLOCK.match(text, i)
                i = m.end() if m else i + 1
        raise _located(text, open_pos, "unclosed '{' (missing '}')")


def _at_name(prelude: str) -> str:
    m = _AT_NAME.match(prelude)
    return m.group(1).lower() if m else ""


# --------------------------------------------------------------------------
# Selector level.  Selectors arrive comment-free, whitespace-collapsed and
# with balanced groups (checked by _read_prelude).
# --------------------------------------------------------------------------


def _split_selector_list(prelude: str) -> list[str]:
    """Split on commas outside strings, parentheses and brackets."""
    selectors: list[str] = []
    n = len(prelude)
    begin = i = 0
    while i < n:
        c = prelude[i]
        if c == ",":
            selectors.append(prelude[begin:i].strip())
            begin = i = i + 1
        elif c in "\"'":
            i = _skip_string(prelude, i)
        elif c == "\\":
            i = _skip_escape(prelude, i)
        elif c in _CLOSER:
            i = _skip_group(prelude, i)
        else:
            i += 1
    selectors.append(prelude[begin:].strip())
    if any(not s for s in selectors):
        raise _SelectorError("empty selector")
    return selectors


def _split_complex(selector: str, scope: str) -> tuple[list[str], bool]:
    """Split a complex selector into ``[compound, combinator, compound, ...]``.

    Combinators are ``" "``, ``">"``, ``"+"`` or ``"~"``.  The first compound
    is ``""`` when the selector starts with a combinator.  ``&`` is replaced
    by ``scope`` everywhere; the flag tells whether one was found.
    """
    parts: list[str] = []
    chunk: list[str] = []  # pieces of the compound being read
    has_amp = False
    n = len(selector)
    i = 0
    while i < n:
        c = selector[i]
        if c in _WHITESPACE or c in _COMBINATORS:
            j = i
            while j < n and selector[j] in _WHITESPACE:
                j += 1
            combinator = " "
            if j < n and selector[j] in _COMBINATORS:
                combinator = selector[j]
                j += 1
                while j < n and selector[j] in _WHITESPACE:
                    j += 1
            if j < n and selector[j] in _COMBINATORS:
                raise _SelectorError(f"unexpected {selector[j]!r} after a combinator")
            if j >= n:
                if combinator != " ":
                    raise _SelectorError(f"dangling combinator {combinator!r}")
                break
            if not chunk and parts:
                raise _SelectorError("misplaced combinator")
            parts.append("".join(chunk))
            parts.append(combinator)
            chunk = []
            i = j
            continue
        if c == "&":
            replacement, i = _nesting(selector, i, scope, not chunk)
            chunk.append(replacement)
            has_amp = True
            continue
        if c == ",":  # defensive: top-level commas were split off already
            j = i + 1
        elif c in "\"'":
            j = _skip_string(selector, i)
        elif c == "\\":
            j = _skip_escape(selector, i)
        elif c in _CLOSER:
            j = _skip_group(selector, i)
            group = selector[i:j]
            if "&" in group:
                group, found = _replace_amp(group, scope)
                has_amp = has_amp or found
            chunk.append(group)
            i = j
            continue
        elif c in ")]":
            raise _SelectorError(f"unexpected {c!r}")
        else:
            m = _PLAIN_SELECTOR.match(selector, i)
            j = m.end() if m else i + 1
        chunk.append(selector[i:j])
        i = j
    parts.append("".join(chunk))
    return parts, has_amp


def _replace_amp(text: str, scope: str) -> tuple[str, bool]:
    """Replace ``&`` outside strings and escapes by ``scope``."""
    out: list[str] = []
    found = False
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c in "\"'":
            j = _skip_string(text, i)
        elif c == "\\":
            j = _skip_escape(text, i)
        elif c == "&":
            replacement, i = _nesting(text, i, scope, text[i - 1 : i] in ("", "(", ",", " ", ">", "+", "~"))
            out.append(replacement)
            found = True
            continue
        else:
            j = i + 1
        out.append(text[i:j])
        i = j
    return "".join(out), found


def _nesting(text: str, i: int, scope: str, compound_start: bool) -> tuple[str, int]:
    """Replace the ``&`` at ``text[i]`` by ``scope``; return it and the index
    after what was consumed.  As in CSS nesting, ``&`` may precede a type
    selector: ``&div`` -> ``div.scope``."""
    j = _ident_end(text, i + 1)
    if j == i + 1:
        return scope, j
    name = text[i + 1 : j]
    if not name[0].isalpha():
        raise _SelectorError(f"'&{name}': Sass-style '&' suffixes are not supported")
    if not compound_start:
        raise _SelectorError(f"'&{name}': a type selector must start its compound selector")
    return name + scope, j


def _split_compound(compound: str) -> tuple[str, list[str]]:
    """Split a compound selector into its type selector (``""`` if none) and
    the list of its other simple selectors, e.g. ``"p.a:is(.b, .c)::before"``
    -> ``("p", [".a", ":is(.b, .c)", "::before"])``."""
    n = len(compound)
    type_end = _type_end(compound)
    pieces: list[str] = []
    i = type_end
    while i < n:
        c = compound[i]
        if c in ".#":
            j = _ident_end(compound, i + 1)
        elif c == ":":
            j = i + 2 if compound.startswith("::", i) else i + 1
            j = _ident_end(compound, j)
            if j < n and compound[j] == "(":
                j = _skip_group(compound, j)
        elif c in _CLOSER:
            j = _skip_group(compound, i)
        elif c in "\"'":
            j = _skip_string(compound, i)
        elif c == "\\":
            j = _skip_escape(compound, i)
        else:
            j = i + 1
        pieces.append(compound[i : max(j, i + 1)])
        i = max(j, i + 1)
    return compound[:type_end], pieces


def _type_end(compound: str) -> int:
    """Length of the leading type (or universal) selector, namespace included."""

    def name_end(i: int) -> int:
        if compound.startswith("*", i):
            return i + 1
        return _ident_end(compound, i)

    end = name_end(0)
    if compound.startswith("|", end) and not compound.startswith("||", end):
        after = name_end(end + 1)
        if after > end + 1:
            return after
    return end


def _join(parts: list[str]) -> str:
    out: list[str] = []
    for index, part in enumerate(parts):
        if index % 2 and part != " ":
            out.append(f" {part} ")
        else:
            out.append(part)
    return "".join(out)


def _scope_selector(selector: str, scope: str) -> list[str]:
    parts, has_amp = _split_complex(selector, scope)
    if has_amp:
        if not parts[0]:  # leading combinator: relative to the scope element
            parts[0] = scope
        return [_join(parts)]

    compounds = parts[0::2]
    if any(scope in _split_compound(c)[1] for c in compounds if scope in c):
        return [_join(parts)]  # already scoped by its author

    first = parts[0]
    if not first:  # leading combinator: relative to the scope element
        return [_join([scope, *parts[1:]])]

    type_name, pieces = _split_compound(first)
    if pieces and _IDENT_RUN.match(pieces[0]):  # e.g. "*a": the scope class would glue
        raise _SelectorError(f"invalid compound selector {first!r}")
    # "*" is absorbed by the scope class: "*.x" -> ".scope.x".
    kept_type = "" if type_name == "*" else type_name
    others = [p for p in pieces if p.lower() != ":root"]
    if type_name.lower() in _ROOT_TYPES or len(others) != len(pieces):
        # html / body / :root: the scope element itself, no descendant form.
        if type_name.lower() in _ROOT_TYPES:
            kept_type = ""
        return [_join([kept_type + scope + "".join(others), *parts[1:]])]

    attached = kept_type + scope + "".join(pieces)
    return [_join([attached, *parts[1:]]), f"{scope} {_join(parts)}"]


def _scope_selector_list(prelude: str, scope: str) -> str:
    scoped: dict[str, None] = {}  # ordered set
    for selector in _split_selector_list(prelude):
        for result in _scope_selector(selector, scope):
            scoped.setdefault(result, None)
    return ", ".join(scoped)
