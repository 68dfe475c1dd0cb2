#!/usr/bin/env bash
# Release build: abi3 wheels (one per platform, any CPython >= 3.10) and a lean sdist into dist/,
# cross-compiled from one Linux machine with zig as the linker. Each wheel is checked afterwards:
# `auditwheel show` for the Linux ones, the list of files for all.
#
#   bash scripts/build-wheels.sh              # every platform below
#   bash scripts/build-wheels.sh linux-x86_64 # only the ones named
#
# Needs: rustup, and (installed here into the active Python when missing) maturin, ziglang, auditwheel.
# The hosted release (native macOS and Windows runners) is .github/workflows/release.yml.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${HTAG_DIST:-dist}

declare -A TARGETS=(
  [linux-x86_64]="x86_64-unknown-linux-gnu"
  [linux-aarch64]="aarch64-unknown-linux-gnu"
  [macos-x86_64]="x86_64-apple-darwin"
  [macos-arm64]="aarch64-apple-darwin"
  [windows-x86_64]="x86_64-pc-windows-gnu"
)
ORDER=(linux-x86_64 linux-aarch64 macos-x86_64 macos-arm64 windows-x86_64)
if [ $# -gt 0 ]; then wanted=("$@"); else wanted=("${ORDER[@]}" sdist); fi

python -m pip install -q "maturin>=1.5,<2" ziglang auditwheel
mkdir -p "$out"

for name in "${wanted[@]}"; do
  if [ "$name" = sdist ]; then
    echo "== sdist"
    maturin sdist --out "$out"
    continue
  fi
  target=${TARGETS[$name]:-}
  if [ -z "$target" ]; then
    echo "unknown platform '$name' (known: ${ORDER[*]} sdist)" >&2
    exit 2
  fi
  echo "== $name ($target)"
  rustup target add "$target" >/dev/null
  args=(--release --strip --zig --target "$target" --out "$out")
  # manylinux2014 = glibc 2.17: RHEL/CentOS 7+, Ubuntu 14.04+, Amazon Linux 2
  case $name in linux-*) args+=(--compatibility manylinux2014) ;; esac
  maturin build "${args[@]}"
done

echo "== checks"
for wheel in "$out"/*.whl; do
  echo "-- $wheel ($(du -k "$wheel" | cut -f1) KiB)"
  case $wheel in
    *manylinux*) auditwheel show "$wheel" ;;
  esac
  python -m zipfile -l "$wheel"
done
for sdist in "$out"/*.tar.gz; do
  [ -e "$sdist" ] || continue
  echo "-- $sdist ($(du -k "$sdist" | cut -f1) KiB)"
  tar tzf "$sdist"
done
