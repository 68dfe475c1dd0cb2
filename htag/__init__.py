"""htag: web user interfaces in pure Python, on a Rust core.

`Tag` builds tags, `State` makes them reactive, `App` is a session's root, and
`WebApp` serves it (Starlette on Granian).
"""

from __future__ import annotations

import logging
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from .app import App
from .events import HtagEventError, prevent, stop
from .html import HTML
from .state import State, States
from .tag import GTag, Tag

try:
    __version__ = version("htag")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "unknown"

logging.getLogger("htag").addHandler(logging.NullHandler())

# the web layer imports Starlette: load it only when asked for
_LAZY = {"WebApp": "htag.web", "Router": "htag.router", "ChromeApp": "htag.runners.chromeapp"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'htag' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = [
    "HTML",
    "App",
    "ChromeApp",
    "GTag",
    "HtagEventError",
    "Router",
    "State",
    "States",
    "Tag",
    "WebApp",
    "__version__",
    "prevent",
    "stop",
]
