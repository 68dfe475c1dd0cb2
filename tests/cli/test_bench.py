"""`htag bench`: the fields exist and are sane; speeds are never asserted."""

from __future__ import annotations

import json

FIELDS = ("build_us", "render_us", "plain_us", "frame_us", "frames_per_second", "render_vs_plain")


def test_bench_json_on_the_demo(run_htag, demo):
    done = run_htag("bench", f"{demo}:Demo", "--json", "--seconds", "0.05", "--instances", "20")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for field in FIELDS:
        assert result[field] > 0, field
    assert result["render_bytes"] > 0 and result["frame_bytes"] > 0
    assert result["plain_same_markup"] is True  # the plain builder made the very same page
    assert result["plain_bytes"] == result["render_bytes"]
    assert result["frame_state"] == "count"
    assert result["memory_kib_per_instance"] >= 0 and result["memory_instances"] == 20
    assert "never awaited" not in done.stderr  # the demo's async on_mount is not left dangling


def test_bench_table_and_state_choice(run_htag, demo):
    done = run_htag("bench", str(demo), "--state", "now", "--seconds", "0.05", "--instances", "5")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for label in ("build (App())", "full render (first page)", "plain string building", "frames per second"):
        assert any(line.startswith(label) for line in lines), label
    assert any(line.startswith("frame after one State change (now)") for line in lines)


def test_bench_explains_a_missing_state(run_htag, demo):
    done = run_htag("bench", str(demo), "--state", "nope", "--seconds", "0.05")
    assert done.returncode == 2
    assert "no State attribute 'nope'" in done.stderr and "count" in done.stderr
