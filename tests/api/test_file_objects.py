"""`UploadedFile` (what a callback's `e.files` holds) and `Tag.download` without a server."""

from __future__ import annotations

import pytest

from htag import Tag
from htag.core.errors import HtagError
from htag.core.files import SPOOL_MEMORY, Download, UploadedFile


def filled(content: bytes) -> UploadedFile:
    f = UploadedFile("a.bin", "application/octet-stream", len(content))
    for i in range(0, len(content), 1000):
        f.write(content[i : i + 1000])
    return f


def test_a_small_file_stays_in_memory_and_reads_back():
    f = filled(b"x" * 5000)
    assert f.in_memory
    assert f.read() == b"x" * 5000
    assert b"".join(f.chunks(777)) == b"x" * 5000
    assert max(len(c) for c in f.chunks(777)) == 777
    assert f.open().read(3) == b"xxx"
    assert repr(f) == "<UploadedFile 'a.bin' application/octet-stream 5000 bytes>"


def test_a_large_file_goes_to_disk_and_is_gone_once_closed(tmp_path):
    content = bytes(range(256)) * (SPOOL_MEMORY // 256 + 10)
    f = filled(content)
    assert not f.in_memory
    assert f.save(tmp_path / "copy.bin").read_bytes() == content
    f.close()
    assert f.closed
    with pytest.raises(ValueError):
        f.read()


def test_download_checks_what_it_is_given(tmp_path):
    with pytest.raises(ValueError):
        Download(b"x", "")
    with pytest.raises(FileNotFoundError):
        Download(tmp_path / "missing", "m.txt")
    with pytest.raises(TypeError):
        Download(12, "n.txt")
    assert Download(iter([b"a"]), "gen.bin").filename == "gen.bin"


def test_download_needs_a_server():
    class Page(Tag.App):
        def init(self):
            self.button = Tag.button("get")

    page = Page()
    with pytest.raises(HtagError, match="download"):
        page.button.download(b"data", "d.bin")
