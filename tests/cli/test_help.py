"""Every subcommand explains itself; the console script and `python -m htag` are one command."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import htag


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ((), ["run", "new", "bench", "build", "docs/cli.md"]),
        (
            ("run",),
            ["module:App", "--port", "--reload", "--dev", "HTAG_SECRET_KEY", "HTAG_PORT", "examples:"],
        ),
        (("new",), ["NAME", "app.py", "test_app.py", "README.md", "example:"]),
        (("bench",), ["module:App", "--json", "--state", "plain", "memory", "examples:"]),
        (("build",), ["module:App", "--name", "--out", "PyInstaller", "htag[build]", "example:"]),
    ],
)
def test_help_reads_well(run_htag, command, words):
    done = run_htag(*command, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: htag")
    for word in words:
        assert word in done.stdout, word
    assert max(len(line) for line in done.stdout.splitlines()) <= 100  # fits a terminal


def test_no_command_is_a_usage_error(run_htag):
    done = run_htag()
    assert done.returncode == 2
    assert "usage: htag" in done.stderr and "required" in done.stderr


def test_console_script_is_installed():
    script = shutil.which("htag", path=str(Path(sys.executable).parent))
    assert script is not None, "the htag console script is not installed next to this Python"
    done = subprocess.run([script, "--version"], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"htag {htag.__version__}"


def test_unknown_target_is_a_clear_error(run_htag, tmp_path):
    done = run_htag("bench", "no_such_module:App", cwd=tmp_path)
    assert done.returncode == 2
    assert "no module named 'no_such_module'" in done.stderr and "Traceback" not in done.stderr
    (tmp_path / "two.py").write_text("from htag import Tag\nclass A(Tag.App): pass\nclass B(Tag.App): pass\n")
    done = run_htag("bench", "two", cwd=tmp_path)
    assert done.returncode == 2 and "2 App classes (A, B)" in done.stderr
    done = run_htag("bench", "two:C", cwd=tmp_path)
    assert done.returncode == 2 and "has no 'C' (it defines: A, B)" in done.stderr
