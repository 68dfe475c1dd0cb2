"""`htag new NAME` writes a project that runs with one command and passes its own test."""

from __future__ import annotations

import subprocess
import sys


def test_new_project_passes_its_own_test(run_htag, tmp_path):
    done = run_htag("new", "hello", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    project = tmp_path / "hello"
    assert sorted(p.name for p in project.iterdir()) == ["README.md", "app.py", "test_app.py"]
    assert "python app.py" in (project / "README.md").read_text()
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout  # htag.testing, and its pytest fixture


def test_new_project_app_is_servable(run_htag, tmp_path):
    run_htag("new", "hello", cwd=tmp_path)
    done = run_htag("bench", "app:App", "--seconds", "0.05", "--instances", "5", cwd=tmp_path / "hello")
    assert done.returncode == 0, done.stderr
    assert "frame after one State change (count)" in done.stdout


def test_new_refuses_a_non_empty_folder(run_htag, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "mine.txt").write_text("keep me")
    done = run_htag("new", "taken", cwd=tmp_path)
    assert done.returncode == 1 and "not empty" in done.stderr
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["mine.txt"]
    assert (tmp_path / "taken" / "mine.txt").read_text() == "keep me"


def test_new_refuses_a_bad_name(run_htag, tmp_path):
    done = run_htag("new", "bad name!", cwd=tmp_path)
    assert done.returncode == 2 and "use letters" in done.stderr
    assert list(tmp_path.iterdir()) == []
