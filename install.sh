#!/usr/bin/env bash
# Writes the Sonnet wheel (Python package + op library, manylinux-tagged) into DIR.
# Usage: ./bazel-bin/install DIR [PYTHON]      (after `bazel build :install`)
# PYTHON (default: the interpreter ./configure found) runs the wheel builder,
# which needs nothing beyond the standard library.
set -euo pipefail
if [[ $# -lt 1 || "$1" == "-h" || "$1" == "--help" ]]; then
  echo "usage: $0 DIR [PYTHON]   writes sonnet1_tf-*.whl into DIR" >&2
  exit 2
fi
DEST="$1"
RUNFILES="${RUNFILES_DIR:-$0.runfiles}/sonnet"
if [[ ! -f "$RUNFILES/tools/build_wheel.py" ]]; then
  echo "install: runfiles not found at $RUNFILES; run 'bazel build :install' first." >&2
  exit 1
fi
BUILD_INFO="$RUNFILES/cc/_build_info.json"
PYTHON="${2:-${PYTHON_BIN_PATH:-}}"
if [[ -z "$PYTHON" ]]; then
  PYTHON="$(sed -n 's/^[[:space:]]*"python": "\(.*\)",\{0,1\}$/\1/p' "$BUILD_INFO" | head -n1)"
fi
if [[ -z "$PYTHON" || ! -x "$PYTHON" ]]; then
  PYTHON="$(command -v python3)"
fi
mkdir -p "$DEST"
exec "$PYTHON" "$RUNFILES/tools/build_wheel.py" \
  --source-root "$RUNFILES" \
  --library "$RUNFILES/cc/_resampler_ops.so" \
  --build-info "$BUILD_INFO" \
  --dest "$DEST"
