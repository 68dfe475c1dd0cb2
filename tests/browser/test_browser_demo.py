"""The demo app (examples/demo.py) in a real browser (its screenshot: see SCREENSHOTS)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # conftest skips every test of this folder
    expect = None

# Tests never rewrite tracked files: screenshots go to a temporary folder, or to the
# folder HTAG_SCREENSHOTS names (HTAG_SCREENSHOTS=docs/images refreshes the docs' images).
SCREENSHOTS = os.environ.get("HTAG_SCREENSHOTS")


@pytest.mark.app("Demo")
def test_demo_counter_and_todos(page, tmp_path):
    assert page.title() == "htag demo"
    page.evaluate("window.loaded_once = true")  # gone if the page reloads (a native form submit)

    page.get_by_role("button", name="+1").click()
    expect(page.locator("#count")).to_have_text("1")
    page.get_by_role("button", name="+1").click()
    expect(page.locator("#count")).to_have_text("2")

    page.fill("#todo", "write the browser tests")
    page.get_by_role("button", name="add").click()
    expect(page.locator("#todos li")).to_have_text(["write the browser tests"])
    expect(page.locator("#todo")).to_have_value("")
    page.fill("#todo", "take a screenshot")
    page.press("#todo", "Enter")
    expect(page.locator("#todos li")).to_have_text(["write the browser tests", "take a screenshot"])
    page.locator("#todos li").first.click()  # toggles it done
    expect(page.locator("#todos li").first).to_have_class("done")

    assert page.evaluate("window.loaded_once") is True, "the page reloaded: the form submitted natively"
    assert "?" not in page.url
    expect(page.locator("#count")).to_have_text("2")
    expect(page.locator("#clock")).to_have_text(re.compile(r"^Server time: \d\d:\d\d:\d\d$"))  # it ticks
    page.locator("#todo").blur()
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "demo.png"))
