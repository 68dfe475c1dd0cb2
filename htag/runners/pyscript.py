"""`PyScript`: htag 2's runner inside a PyScript/Pyodide page. Not available here.

htag 2 was pure Python, so it could run in the browser's Python. This htag's core is
a compiled Rust extension (`htag._core`), which Pyodide cannot load: there is no
build of it for WebAssembly. The name still imports, so that code choosing a runner
at run time (`PyScript` in the browser, `ChromeApp` or `WebApp` elsewhere) keeps
working; creating a `PyScript` raises `PyScriptUnavailable`, a `RuntimeError` as htag
2 raised outside Pyodide.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import HtagError

__all__ = ["PyScript", "PyScriptUnavailable"]

WHY = (
    "htag's PyScript runner is not available: this htag's core is a compiled Rust "
    "extension (htag._core) that Pyodide/PyScript cannot load. Serve the App with "
    "WebApp(App).run() or ChromeApp(App).run() instead."
)


class PyScriptUnavailable(HtagError, RuntimeError):
    """Raised when a `PyScript` runner is created (see the module docstring)."""


class PyScript:
    """htag 2's in-browser runner; creating one raises `PyScriptUnavailable` (why: the
    module docstring)."""

    def __init__(self, app: Any = None, debug: bool = True) -> None:
        raise PyScriptUnavailable(WHY)
