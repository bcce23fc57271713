#!/usr/bin/env bash
# From a fresh Debian 12 machine to a working `import sonnet as snt`:
# system packages, .venv, ./configure, `bazel build :install`,
# `./bazel-bin/install dist`, pip-install the wheel (sonnet1-tf) and its `bayes` extra into
# .venv, then run the main example from outside the source tree. Idempotent.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

# The example run at the end (from outside the source tree, installed wheel).
# The flagship: a spatial-transformer classifier on distorted digits, next to the same
# ConvNet without the transformer; it writes a picture of what the transformer learned.
MAIN_EXAMPLE="${SONNET_MAIN_EXAMPLE:-examples/spatial_transformer_demo.py}"

cleanup() { (cd "$SONNET_ROOT" && bazel shutdown >/dev/null 2>&1) || true; }
trap cleanup EXIT

sonnet_bootstrap
sonnet_build :install
cd "$SONNET_ROOT"
rm -f dist/sonnet-*.whl dist/sonnet1_tf-*.whl
./bazel-bin/install dist
WHEEL="$(ls dist/sonnet1_tf-*.whl | head -n1)"
# This project's wheels were once named `sonnet` (version 2.0.0.dev0+tf2.21):
# remove such a one, which would clash with sonnet1-tf's files.
if "$SONNET_VENV/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata as m, sys
sys.exit(0 if "+tf" in m.version("sonnet") else 1)
PY
then
  "$SONNET_VENV/bin/python" -m pip uninstall -q -y --disable-pip-version-check sonnet
fi
"$SONNET_VENV/bin/python" -m pip install -q --disable-pip-version-check \
  --no-deps --force-reinstall "$WHEEL"
sonnet_log "installed $WHEEL into $SONNET_VENV"

# The wheel's `bayes` extra (snt.custom_getters.bayes_by_backprop, and its tests).
sonnet_install_bayes_extra sonnet1-tf

EXAMPLE_PATH="$SONNET_ROOT/$MAIN_EXAMPLE"
RUN_DIR="$(mktemp -d)"
trap 'cleanup; rm -rf "$RUN_DIR"' EXIT
sonnet_log "running $MAIN_EXAMPLE from $RUN_DIR"
mkdir -p "$SONNET_ROOT/examples/output"
case "$MAIN_EXAMPLE" in
  *spatial_transformer_demo.py)
    OUTPUT_FLAG="--output_path=$SONNET_ROOT/examples/output/spatial_transformer_demo.png" ;;
  *) OUTPUT_FLAG="--output_dir=$SONNET_ROOT/examples/output" ;;
esac
(cd "$RUN_DIR" && "$SONNET_VENV/bin/python" "$EXAMPLE_PATH" "$OUTPUT_FLAG")
