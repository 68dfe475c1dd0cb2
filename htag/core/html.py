"""`HTML`: a string rendered verbatim. Every other string child is escaped."""

from __future__ import annotations


class HTML(str):
    """Markup trusted by the developer; never put user input in it."""

    __slots__ = ()
