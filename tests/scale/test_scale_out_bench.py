"""`benches/scale_out.py`: it runs (a quick run: nginx in front of 1 then 2 processes, the load client
through nginx) and its report names both configurations and their ratio; the section it writes
replaces the one between its markers and nothing else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scale_support import nginx_binary

BENCHES = Path(__file__).resolve().parents[2] / "benches"
sys.path.insert(0, str(BENCHES))

import scale_out  # benches/scale_out.py


def test_a_quick_run_measures_one_and_two_processes_behind_nginx():
    nginx_binary()  # installed (or the test fails / is skipped as the other scale tests)
    done = subprocess.run(
        [sys.executable, str(BENCHES / "scale_out.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "run 1, 1 proc, counter, 20 sessions:" in out and "run 1, 2 proc, counter, 20 sessions:" in out
    rows = [line for line in out.splitlines() if line.startswith("| counter | 20 |")]
    assert [row.split("|")[3].strip() for row in rows] == ["1", "2", "2 / 1"]
    assert "failed" not in rows[0] + rows[1] and "Failed or with errors" not in out, out
    assert float(rows[2].split("|")[4].strip().rstrip("x")) > 0  # the ratio of events/s


def test_the_section_replaces_only_what_is_between_its_markers(tmp_path):
    page = tmp_path / "scaling.md"
    page.write_text(f"# Title\n\nbefore\n\n{scale_out.START}\nold figures\n{scale_out.END}\n\nafter\n")
    scale_out.write_section("new figures", page)
    assert (
        page.read_text() == f"# Title\n\nbefore\n\n{scale_out.START}\nnew figures\n{scale_out.END}\n\nafter\n"
    )
    bare = tmp_path / "bare.md"
    bare.write_text("# Title\n")
    scale_out.write_section("figures", bare)
    assert bare.read_text() == f"# Title\n\n{scale_out.START}\nfigures\n{scale_out.END}\n"
