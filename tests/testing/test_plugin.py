"""The pytest plugin, as an app author uses it: a test file in a fresh directory, run by
pytest in a subprocess, the fixtures coming from htag's `pytest11` entry point."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

AUTHOR_TESTS = """
import pytest
from htag import App, State, Tag


class Counter(App):
    def init(self):
        self.n = State(0)
        Tag.span(self.n, _id="count")
        Tag.button("+", _onclick=self.inc)

    def inc(self, e):
        self.n.value += 1


def test_sync(htag_client):
    page = htag_client(Counter)
    page.click("+")
    assert page.text("#count") == "1"
    other = htag_client(Counter)  # another tab, another session
    assert other.text("#count") == "0"


@pytest.mark.anyio
async def test_async(htag_async_client):
    page = await htag_async_client(Counter)
    await page.click("+")
    await page.click("+")
    assert page.text("#count") == "2"


def test_failure_shows_html(htag_client):
    page = htag_client(Counter)
    page.click("#missing")
"""


def run_pytest(tmp_path, source: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_author.py").write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_author.py"],
        check=False,  # the author file fails on purpose
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_fixtures_from_the_entry_point(tmp_path):
    result = run_pytest(tmp_path, AUTHOR_TESTS)
    out = result.stdout + result.stderr
    assert "1 failed, 2 passed" in out, out
    assert "test_author.py::test_failure_shows_html" in out
    assert "no element for selector '#missing'" in out
    assert 'id="count"' in out  # the page's HTML is in the failure


def test_htag_testing_imports_neither_pytest_nor_starlette_by_itself():
    code = (
        "import sys, htag; assert 'htag.testing' not in sys.modules; "
        "import htag.testing; print('pytest' in sys.modules, 'starlette' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_the_example_of_docs_testing_md_passes(tmp_path):
    guide = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
    example = re.findall(r"```python\n(.*?)```", guide.read_text(), re.DOTALL)[0]
    result = run_pytest(tmp_path, example)
    assert "4 passed" in result.stdout, result.stdout + result.stderr
