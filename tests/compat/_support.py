"""Helpers of tests/compat: serving an app file with our htag on a real server (Granian, a
free loopback port) and driving it as our client does, with the code of
`examples/htag2/compare.py` (one driver for the comparison and for these tests)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
APPS = HERE / "_apps.py"


def _load_compare():
    spec = importlib.util.spec_from_file_location("htag2_compare", REPO / "examples" / "htag2" / "compare.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


compare = _load_compare()


def serve_app(name: str, log_dir: Path):
    """An app of `_apps.py` served by our htag (a context manager giving the server)."""
    return compare.serve(f"{APPS}:{name}", sys.executable, log_dir)
