#!/usr/bin/env bash
# The released wheel on a machine without Rust: checks that it is manylinux2014, installs it into a
# fresh virtual environment whose PATH has no cargo, rustc or C compiler, and runs the `htag`
# command's tests against it: `htag run` serving examples/demo.py and answering a click over a real
# WebSocket, a busy port refused, `htag bench` on the demo, `htag new` and its own test.
#
#   bash scripts/smoke_wheel.sh dist/htag-*-manylinux2014_x86_64*.whl
#
# Called by scripts/test.sh with the wheel it built.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
wheel=$(realpath "${1:?usage: scripts/smoke_wheel.sh path/to/htag-...-manylinux2014_x86_64....whl}")
smoke=${HTAG_SMOKE_VENV:-$root/.venv-smoke}

echo "== auditwheel show $(basename "$wheel")"
report=$(python -m auditwheel show "$wheel")
echo "$report"
if ! grep -q '"manylinux_2_17_' <<<"$report"; then
  echo "!! the wheel is not manylinux2014 (manylinux_2_17)" >&2
  exit 1
fi

echo "== fresh virtual environment $smoke, PATH without cargo, rustc or a C compiler"
rm -rf "$smoke"
python3 -m venv "$smoke"
bare_path="$smoke/bin"
for tool in cargo rustc rustup cc gcc clang zig maturin; do
  if PATH=$bare_path command -v "$tool" >/dev/null; then
    echo "!! $tool is reachable on the smoke test's PATH" >&2
    exit 1
  fi
done
# the wheel and the test client's libraries, all as wheels: no build step may run
PATH=$bare_path "$smoke/bin/python" -m pip install -q --only-binary=:all: "$wheel" pytest httpx websockets

echo "== the htag command from the installed wheel"
cd "$root/tests"
PATH=$bare_path "$smoke/bin/python" -c "import htag, htag._core; print('smoke testing', htag.__file__)"
PATH=$bare_path "$smoke/bin/python" -m pytest -q -p no:cacheprovider cli server/test_cli_run.py
