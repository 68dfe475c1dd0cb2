"""A reactive `class` attribute edited by `add_class` / `remove_class`.

The helpers cannot rewrite a lambda's output, so they wrap it: the wrapper evaluates
the source at each render and applies the classes added and removed since, keeping
the attribute reactive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .state import State


class ReactiveClass:
    """A reactive `class` plus classes added/removed by the helpers: stays reactive."""

    __slots__ = ("added", "removed", "source")

    def __init__(self, source: Callable[[], Any], added: set[str], removed: set[str]) -> None:
        self.source = source
        self.added = added
        self.removed = removed

    @classmethod
    def wrap(
        cls, value: Callable[[], Any], add: set[str] = frozenset(), remove: set[str] = frozenset()
    ) -> Any:
        if isinstance(value, cls):
            return cls(value.source, (value.added | add) - remove, (value.removed | remove) - add)
        return cls(value, set(add), set(remove))

    def __call__(self) -> str:
        value = self.source()
        if isinstance(value, State):
            value = value.value
        names = [c for c in str(value or "").split() if c not in self.removed]
        names += [c for c in self.added if c not in names]
        return " ".join(names)
