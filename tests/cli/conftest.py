"""The `htag` command, run as users run it: in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def htag(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m htag ARGS` (the console script runs the same `htag.cli:main`: test_help checks it)."""
    return subprocess.run(
        [sys.executable, "-m", "htag", *args],
        cwd=cwd,
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def run_htag():
    return htag


@pytest.fixture
def demo() -> Path:
    """The README's example app, served and benchmarked as a user would."""
    return REPO / "examples" / "demo.py"
