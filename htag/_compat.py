"""Import paths that moved: `htag.tag`, `htag.web`, `htag.runner`... keep working.

htag 2's modules and our first layout put everything at the top of the package;
the code now lives in two layers, `htag.core` and `htag.server`. An old name is an
alias of its new module (the same module object, so `htag.state.State is
htag.core.state.State` and monkeypatching either name patches both).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Sequence

MOVED = {
    "htag.tag": "htag.core",  # GTag, Tag (upstream's home of `Tag`)
    "htag.runner": "htag.core",  # AppRunner (the App), Event
    "htag.exceptions": "htag.core.errors",
    "htag.context": "htag.core.context",  # current_request
    "htag.app": "htag.core.app",
    "htag.state": "htag.core.state",
    "htag.css": "htag.core.css",
    "htag.events": "htag.core.events",
    "htag.html": "htag.core.html",
    "htag.statics": "htag.core.statics",
    "htag.web": "htag.server.webapp",
    "htag.sessions": "htag.server.sessions",
    "htag.connections": "htag.server.connections",
    "htag.updates": "htag.server.updates",
    "htag.dispatch": "htag.server.dispatch",
    "htag.serve": "htag.server.serve",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self) -> None:
        self._real_specs: dict[str, importlib.machinery.ModuleSpec | None] = {}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = importlib.import_module(MOVED[spec.name])
        self._real_specs[spec.name] = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # the import system stamped the alias's spec on the real module: give it back
        module.__spec__ = self._real_specs.pop(module.__spec__.name)


def install() -> None:
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.append(_Alias())
