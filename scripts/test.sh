#!/usr/bin/env bash
# The whole test suite, from a fresh machine: builds the wheel, installs it into a
# fresh virtual environment, and runs pytest against the INSTALLED package, then cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv=${HTAG_TEST_VENV:-$root/.venv-test}

if ! command -v chromium >/dev/null 2>&1 && [ "${HTAG_SKIP_BROWSER:-0}" != 1 ]; then
  echo "== installing chromium (browser tests)"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null; }; then
    echo "!! chromium could not be installed: the browser tests cannot run (HTAG_SKIP_BROWSER=1 skips them)" >&2
    exit 1
  fi
fi

# tests/scale: nginx in front of htag processes, Redis between them
for need in nginx:nginx-light redis-server:redis-server; do
  binary=${need%%:*} package=${need#*:}
  if ! command -v "$binary" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$binary" ] && [ "${HTAG_SKIP_SCALE:-0}" != 1 ]; then
    echo "== installing $package (tests/scale)"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "$package" >/dev/null; }; then
      echo "!! $package could not be installed: the scale tests cannot run (HTAG_SKIP_SCALE=1 skips them)" >&2
      exit 1
    fi
  fi
done

echo "== virtual environment $venv"
rm -rf "$venv"
python3 -m venv "$venv"
# shellcheck disable=SC1091
. "$venv/bin/activate"
pip install -q --upgrade pip
pip install -q "maturin>=1.5,<2" ziglang auditwheel

echo "== client build check (htag/client/htag.js is what htag/client/src/ gives)"
python htag/client/build.py --check
echo "== building the wheel (manylinux2014, as released: linked by zig against glibc 2.17)"
rm -rf dist
maturin build --release --zig --compatibility manylinux2014 --out dist -q
pip install -q "$(ls dist/htag-*.whl)[test,uvicorn]"

echo "== pytest (installed wheel)"
cd "$root/tests"
python -c "import htag, htag._core; print('testing', htag.__file__)"
python -m pytest -q "$@"
cd "$root"

echo "== the wheel without Rust (scripts/smoke_wheel.sh)"
bash scripts/smoke_wheel.sh "$(ls dist/htag-*.whl)"

echo "== cargo test"
cargo test --release -q
