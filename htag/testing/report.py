"""Failure messages that show the relevant HTML: indented, trimmed to a readable size."""

from __future__ import annotations

import html as html_lib

from .dom import VOID, Element

LIMIT = 2000  # characters of HTML in a failure message
TEXT_LIMIT = 80  # characters of one text node


def excerpt(el: Element, limit: int = LIMIT) -> str:
    """The element's markup, one element per line, indented; cut at `limit` characters."""
    lines: list[str] = []
    _lines(el, 0, lines)
    out = "\n".join(lines)
    if len(out) > limit:
        out = out[:limit].rsplit("\n", 1)[0] + f"\n... ({len(out) - limit} more characters)"
    return out


def _lines(el: Element, depth: int, out: list[str]) -> None:
    pad = "  " * depth
    attrs = "".join(f" {k}" if v == "" else f' {k}="{html_lib.escape(v)}"' for k, v in el.attrs.items())
    if el.tag in VOID:
        out.append(f"{pad}<{el.tag}{attrs}>")
        return
    texts = [c for c in el.children if isinstance(c, str)]
    if len(el.children) == len(texts):  # text only: one line
        out.append(f"{pad}<{el.tag}{attrs}>{_trim(''.join(texts))}</{el.tag}>")
        return
    out.append(f"{pad}<{el.tag}{attrs}>")
    for c in el.children:
        if isinstance(c, str):
            if c.strip():
                out.append(pad + "  " + _trim(c))
        elif el.tag in ("script", "style"):
            continue
        else:
            _lines(c, depth + 1, out)
    out.append(f"{pad}</{el.tag}>")


def _trim(text: str) -> str:
    text = html_lib.escape(" ".join(text.split()), quote=False)
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 3] + "..."
