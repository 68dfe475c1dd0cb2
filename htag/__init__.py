"""htag: web user interfaces in pure Python, on a Rust core.

`Tag` builds tags, `State` makes them reactive, `App` is a session's root, and
`WebApp` serves it (Starlette on Granian).

Layers, each importing only the ones below it:
    htag.core      tags, State, the App and its update engine (over the Rust `_core`)
    htag.server    the web layer: sessions, connections, the protocol engine, Starlette
    htag.router, htag.runners   built on both
The browser client is `htag/client/htag.js`, built from `htag/client/src/`.
"""

from __future__ import annotations

import logging
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from . import _compat
from .core import HTML, App, Event, GTag, HtagEventError, State, States, Tag, current_request, prevent, stop
from .core import app as _app_module

try:
    __version__ = version("htag")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "unknown"

logging.getLogger("htag").addHandler(logging.NullHandler())
_compat.install()


def _asgi_of(target: Any) -> Any:
    """`App.app`: the core layer asks for its ASGI application here, above both layers."""
    return import_module("htag.server").WebApp(target).app


_app_module.asgi_factory = _asgi_of

# the web layer imports Starlette: load it only when asked for
_LAZY = {"WebApp": "htag.server", "Router": "htag.router", "ChromeApp": "htag.runners"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'htag' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = [
    "HTML",
    "App",
    "ChromeApp",
    "Event",
    "GTag",
    "HtagEventError",
    "Router",
    "State",
    "States",
    "Tag",
    "WebApp",
    "__version__",
    "current_request",
    "prevent",
    "stop",
]
