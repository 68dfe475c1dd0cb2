"""Diff the public API of two installed htags (upstream htag 2 and ours).

Run it with each interpreter, then compare the two outputs:

    UPSTREAM_PY scripts/api_diff.py > /tmp/up.txt
    python scripts/api_diff.py > /tmp/ours.txt
    diff /tmp/up.txt /tmp/ours.txt

Each line is `Class.name: kind signature`, sorted; private names are left out.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any


def classes() -> dict[str, Any]:
    import htag
    from htag import HTML, Router, State, States, Tag, WebApp

    try:
        from htag.core import GTag
    except ImportError:  # pragma: no cover - ours before compat
        from htag import GTag  # type: ignore[attr-defined]
    try:
        from htag.server import Event
    except ImportError:  # pragma: no cover
        from htag import Event  # type: ignore[attr-defined]
    return {
        "htag": htag,
        "Tag": Tag,
        "GTag": GTag,
        "App": Tag.App,
        "State": State,
        "States": States,
        "Event": Event,
        "Router": Router,
        "WebApp": WebApp,
        "HTML": HTML,
    }


def describe(owner: Any, name: str) -> str:
    raw = inspect.getattr_static(owner, name, None)
    if isinstance(raw, property):
        return "property"
    if isinstance(raw, (staticmethod, classmethod)):
        raw = raw.__func__
    if callable(raw):
        try:
            return f"method{inspect.signature(raw)}"
        except (TypeError, ValueError):
            return "method(?)"
    return "attribute"


def main() -> None:
    for label, obj in classes().items():
        names = [n for n in dir(obj) if not n.startswith("_")]
        if label == "htag":
            names = sorted(set(names) | set(getattr(obj, "__all__", [])))
        for name in sorted(names):
            print(f"{label}.{name}: {describe(obj, name)}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
