"""`htag new NAME`: a starter project that runs with one command and passes its own test."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

HELP = "create a starter project: an app, its test, a README"
DESCRIPTION = """\
Creates the folder NAME with app.py (a counter App), test_app.py (its test, with pytest)
and README.md (how to run and test it). An existing non-empty folder is left untouched."""
EPILOG = """\
example:
  htag new hello && cd hello && python app.py
"""

APP = '''\
"""{title}: an htag app. Run it: `python app.py` (or `htag run app:App --dev`)."""

from htag import State, Tag, WebApp


class App(Tag.App):
    def init(self):
        self.count = State(0)
        Tag.h1("{title}")
        Tag.p(lambda: f"Clicked {{self.count.value}} times")
        Tag.button("+1", _onclick=self.increment)

    def increment(self, event):
        self.count.value += 1


if __name__ == "__main__":
    WebApp(App).run()
'''

TEST = '''\
"""The App as a user meets it, in-process (no server, no browser: milliseconds): htag.testing
opens a real session, clicks, and reads the page as the browser would show it."""

from htag.testing import Client

from app import App


def test_first_page_shows_zero():
    with Client(App) as page:
        assert page.text("p") == "Clicked 0 times"


def test_a_click_updates_the_counter():
    with Client(App) as page:
        page.click("+1")  # a button's visible text (or a CSS selector)
        page.click("+1")
        assert page.text("p") == "Clicked 2 times"


def test_the_pytest_fixture_does_the_same(htag_client):
    page = htag_client(App)
    page.click("+1")
    assert page.text("p") == "Clicked 1 times"
'''

README = """\
# {title}

An [htag](https://github.com/manatlan/htag) app.

    pip install htag pytest
    python app.py            # http://127.0.0.1:8000/
    htag run app:App --dev   # the same, with the debug overlay and reload on change
    python -m pytest         # its test

In production, set `HTAG_SECRET_KEY` and see `htag run --help`.
"""


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "new",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", metavar="NAME", help="the folder to create (its last part names the app)")
    p.set_defaults(command=command)


def command(args: argparse.Namespace) -> int:
    folder = Path(args.name)
    title = folder.resolve().name
    if not re.fullmatch(r"[\w.-]+", title):
        print(f"htag: error: {title!r}: use letters, digits, '-', '_' or '.'", file=sys.stderr)
        return 2
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        print(f"htag: error: {folder} already exists and is not empty: nothing written", file=sys.stderr)
        return 1
    folder.mkdir(parents=True, exist_ok=True)
    files = {"app.py": APP, "test_app.py": TEST, "README.md": README}
    for name, text in files.items():
        (folder / name).write_text(text.format(title=title), encoding="utf-8")
    print(f"created {folder}/ ({', '.join(files)})")
    print(f"run it:  cd {folder} && python app.py")
    print("test it: python -m pytest")
    return 0
