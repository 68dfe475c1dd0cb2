"""`module:App` or `path/to/file.py:App` -> the App class (or App, or WebApp) it names."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from htag.core import App


class TargetError(Exception):
    """The command line names something that cannot be served; the message says why."""


def load(spec: str) -> Any:
    """The object `spec` names: `pkg.module:Name`, `file.py:Name`, or either without
    `:Name` when the module defines exactly one App class. Exceptions raised by the
    user's module itself propagate unchanged (their traceback is the useful part)."""
    where, _, name = spec.partition(":")
    if not where:
        raise TargetError(f"{spec!r}: expected module:App or file.py:App")
    module = _import(where)
    if name:
        try:
            obj = getattr(module, name)
        except AttributeError:
            found = ", ".join(_apps_in(module)) or "no App class"
            raise TargetError(f"{where} has no {name!r} (it defines: {found})") from None
    else:
        apps = _apps_in(module)
        if len(apps) != 1:
            found = ", ".join(apps) or "none"
            raise TargetError(f"{where} defines {len(apps)} App classes ({found}): say which, {where}:Name")
        obj = getattr(module, apps[0])
    if not servable(obj):
        raise TargetError(f"{spec} is a {type(obj).__name__}, not an App class, an App or a WebApp")
    return obj


def servable(obj: Any) -> bool:
    from htag.server import WebApp

    return (isinstance(obj, type) and issubclass(obj, App)) or isinstance(obj, (App, WebApp))


def _apps_in(module: Any) -> list[str]:
    """The App classes a module defines itself (not the ones it imports)."""
    return [
        name
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, App)
        and value is not App
        and value.__module__ == module.__name__
    ]


def _import(where: str) -> Any:
    if where.endswith(".py") or "/" in where or "\\" in where:
        path = Path(where).resolve()
        if not path.is_file():
            raise TargetError(f"no such file: {where}")
        # the file's siblings import as they do when it runs as a script
        sys.path.insert(0, str(path.parent))
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
        return module
    sys.path.insert(0, str(Path.cwd()))  # `htag run app:App` imports app.py from here
    try:
        return importlib.import_module(where)
    except ModuleNotFoundError as e:
        if e.name and (
            e.name == where or where.startswith(e.name + ".")
        ):  # the module itself, not one it imports
            raise TargetError(f"no module named {where!r} (from {Path.cwd()})") from None
        raise
