"""htag: web user interfaces in pure Python, on a Rust core.

`Tag` builds tags, `State` makes them reactive, `App` is a session's root, and
`WebApp` serves it (Starlette on Granian); `ChromeApp` opens it in an app window.
Code written for htag 2 imports the same names from the same places (`htag.core`,
`htag.tag`, `htag.server`, `htag.runners`, `htag.exceptions`...).

Layers, each importing only the ones below it:
    htag.core      tags, State, the App and its update engine (over the Rust `_core`)
    htag.server    the web layer: sessions, connections, the protocol engine, Starlette
    htag.router, htag.runners   built on both
    htag.testing   a testing client for apps, above the web layer (not imported by `import htag`)
The browser client is `htag/client/htag.js`, built from `htag/client/src/`.

`current_request` is htag 2's `ContextVar` holding the Starlette Request (or WebSocket)
being served: `htag.current_request.get()` reads it anywhere (None outside a request);
in a tag, `self.request` is simpler. (A ContextVar carries no docstring of its own.)

Start with `help(htag.Tag)`; the user guide is docs/guide/index.md.
"""

from importlib import import_module as _import_module
from importlib.metadata import PackageNotFoundError as _PackageNotFoundError
from importlib.metadata import version as _version

from . import _compat
from .core import HTML, App, Event, GTag, HtagEventError, State, States, Tag, current_request, prevent, stop
from .core import app as _app_module

try:
    __version__ = _version("htag")
except _PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "unknown"

_compat.install()


def _asgi_of(target: object) -> object:
    """`App.app`: the core layer asks for its ASGI application here, above both layers."""
    return _import_module("htag.server").WebApp(target).app


_app_module.asgi_factory = _asgi_of

# the web layer imports Starlette: load it only when asked for
_LAZY = {
    "WebApp": "htag.server",
    "Router": "htag.router",
    "ChromeApp": "htag.runners",
    "PyScript": "htag.runners",
}
# submodules htag 2 had imported by `import htag` (`htag.core`, `htag.web`...)
_SUBMODULES = {"core", "server", "router", "runners"} | {m.split(".")[1] for m in _compat.MOVED}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is not None:
        return getattr(_import_module(module), name)
    if name in _SUBMODULES:
        return _import_module(f"htag.{name}")
    raise AttributeError(f"module 'htag' has no attribute {name!r}")


__all__ = [
    "HTML",
    "App",
    "ChromeApp",
    "Event",
    "GTag",
    "HtagEventError",
    "PyScript",
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
