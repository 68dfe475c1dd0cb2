"""What one more session's App costs in memory, and that sharing its static rows with the other
sessions' changes nothing a session can see.

Each session builds its own App; their static rows (leaves in Rust) share equal attribute lists
and short texts (see rust/src/tree/compact.rs and rust/src/intern.rs).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc

import pytest

from htag import Tag

ROWS = 200
APPS = 100


class Rows(Tag.App):
    """The static part of the benchmark's Counter page (benches/workloads/counter_app.py)."""

    def init(self) -> None:
        with Tag.ul():
            for i in range(ROWS):
                Tag.li(f"item {i}", _class="it")


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _malloc_in_use() -> int:
    """Bytes the process holds from glibc's malloc (Rust's data and Python's large objects)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    if not hasattr(libc, "mallinfo2"):
        pytest.skip("needs glibc >= 2.33 (mallinfo2)")
    libc.mallinfo2.restype = _Mallinfo2
    return libc.mallinfo2().uordblks


def test_an_app_with_200_static_rows_takes_less_than_36_kib_of_malloc() -> None:
    # 45.9 KiB per App before its rows shared attribute lists and texts, 29 KiB after
    warm = [Rows() for _ in range(3)]  # the shared tables and the allocator's pools exist
    gc.collect()
    before = _malloc_in_use()
    apps = [Rows() for _ in range(APPS)]
    gc.collect()
    per_app = (_malloc_in_use() - before) / APPS
    assert per_app < 36 * 1024, f"{per_app / 1024:.1f} KiB per App"
    assert len(apps) + len(warm) == APPS + 3


def test_shared_rows_stay_each_sessions_own() -> None:
    first, second = Rows(), Rows()
    assert str(first).count(' class="it">') == ROWS
    row = first.childs[0].childs[7]  # a leaf becomes a tag again when reached from Python
    row["class"] = "picked"
    row.add("!")
    assert 'class="picked"' in str(row) and "item 7!" in str(row)
    other = second.childs[0].childs[7]
    assert other["class"] == "it"
    assert str(other).endswith(">item 7</li>")
    assert str(second).count(' class="it">') == ROWS
    assert str(first).count(' class="it">') == ROWS - 1
