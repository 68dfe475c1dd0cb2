"""Smoke tests of examples/upload.py and examples/download.py in Chromium: each one served,
used as a user would, and showing what it should."""

from __future__ import annotations

import csv
import hashlib
import io
import os
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # conftest skips every test of this folder
    expect = None

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.app("Uploader", max_upload_size=4 << 20)
def test_upload_example_shows_progress_then_the_files(page, tmp_path):
    data = os.urandom(3 << 20)
    (tmp_path / "photo.jpg").write_bytes(data)
    page.set_input_files("#files", str(tmp_path / "photo.jpg"))
    expect(page.locator("#received li")).to_have_text(
        f"photo.jpg (image/jpeg, {len(data)} bytes) sha256 {hashlib.sha256(data).hexdigest()}"
    )
    expect(page.locator("#percent")).to_have_text("100%")
    expect(page.locator("#bar")).to_have_attribute("value", "100")
    (tmp_path / "big.bin").write_bytes(bytes(5 << 20))
    page.set_input_files("#files", str(tmp_path / "big.bin"))
    expect(page.locator("#status")).to_have_text("upload refused: 5.0 MiB is over the limit of 4.0 MiB")


@pytest.mark.app("Downloader")
def test_download_example_sends_its_three_kinds(page):
    with page.expect_download() as info:
        page.click("#hello")
    assert info.value.suggested_filename == "grüße.txt"
    assert Path(info.value.path()).read_text() == "Grüße from htag\n"
    with page.expect_download() as info:
        page.click("#squares")
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text())))
    assert rows[0] == ["n", "square"] and len(rows) == 100_001 and rows[-1] == ["99999", str(99999**2)]
    with page.expect_download() as info:
        page.click("#source")
    assert Path(info.value.path()).read_bytes() == (EXAMPLES / "download.py").read_bytes()
    expect(page.locator("#status")).to_have_text("source sent")
