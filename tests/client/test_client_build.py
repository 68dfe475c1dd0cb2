"""The committed htag/client/htag.js is exactly what htag/client/build.py makes of htag/client/src/.

No browser and no server: build.py is loaded from the repository by its path (it imports nothing from
htag), and the failing `--check` is exercised on a copy in a temporary directory, so that no tracked
file is ever rewritten.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CLIENT = Path(__file__).resolve().parents[2] / "htag" / "client"
BUILD = CLIENT / "build.py"

if not BUILD.exists():  # pragma: no cover - only outside a checkout
    pytest.skip(f"no {BUILD} (the tests run from a checkout of the repository)", allow_module_level=True)


def load_build():
    spec = importlib.util.spec_from_file_location("htag_client_build", BUILD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_build(build_py: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(build_py), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=build_py.parent,
    )


def test_committed_htag_js_is_the_build_output():
    build = load_build()
    assert (CLIENT / "htag.js").read_bytes() == build.build().encode("utf-8"), (
        "htag/client/htag.js is stale: run python htag/client/build.py"
    )


def test_check_passes_on_the_repository():
    before = (CLIENT / "htag.js").read_bytes()
    res = run_build(BUILD, "--check")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "up to date" in res.stdout
    assert (CLIENT / "htag.js").read_bytes() == before


def copy_client(tmp_path: Path) -> Path:
    dst = tmp_path / "client"
    shutil.copytree(CLIENT / "src", dst / "src")
    shutil.copy2(BUILD, dst / "build.py")
    shutil.copy2(CLIENT / "htag.js", dst / "htag.js")
    return dst


def test_check_fails_clearly_on_a_stale_file_and_rewrites_nothing(tmp_path):
    dst = copy_client(tmp_path)
    src = dst / "src" / "morph.js"
    src.write_text(src.read_text() + "// an edit not built yet\n")
    stale = (dst / "htag.js").read_bytes()
    res = run_build(dst / "build.py", "--check")
    assert res.returncode == 1
    assert "htag.js is not what" in res.stderr and "run: python" in res.stderr
    assert "length" in res.stderr or "line " in res.stderr
    assert (dst / "htag.js").read_bytes() == stale  # --check never writes

    # the build itself brings it up to date, and then the check passes
    assert run_build(dst / "build.py").returncode == 0
    assert (dst / "htag.js").read_bytes() != stale
    assert "// an edit not built yet\n" in (dst / "htag.js").read_text()
    assert run_build(dst / "build.py", "--check").returncode == 0


def test_check_fails_on_a_missing_file_and_on_an_undeclared_source(tmp_path):
    dst = copy_client(tmp_path)
    (dst / "htag.js").unlink()
    res = run_build(dst / "build.py", "--check")
    assert res.returncode == 1 and "is missing" in res.stderr

    (dst / "src" / "extra.js").write_text("/* extra.js -- not declared */\n")
    res = run_build(dst / "build.py", "--check")
    assert res.returncode != 0 and "not in SOURCES ['extra.js']" in res.stderr


def test_output_is_one_iife_with_every_source_in_order():
    build = load_build()
    text = build.build()
    assert text.startswith("/*\n * htag client")
    body = text[text.index("(function () {\n'use strict';\n") :]
    assert body.endswith("})();\n")
    banners = re.findall(r"^// =+ src/(\S+) =+$", text, flags=re.MULTILINE)
    assert banners == build.SOURCES
    for name in build.SOURCES:
        assert (CLIENT / "src" / name).read_text() in text


@pytest.mark.parametrize("name", load_build().SOURCES)
def test_each_source_is_small_and_says_what_it_does(name):
    text = (CLIENT / "src" / name).read_text()
    lines = text.splitlines()
    assert len(lines) <= 300, f"{name}: {len(lines)} lines"
    # a one-paragraph header comment naming the file, then the code
    assert lines[0].startswith(f"/* {name} -- "), lines[0]
    header = text[: text.index("*/") + 2]
    assert len(header.split()) >= 30, f"{name}: header too short"
    assert "\n\n" not in header, f"{name}: header is more than one paragraph"
