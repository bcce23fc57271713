#!/usr/bin/env bash
# Runs the whole test suite: bootstrap (idempotent), ruff and mypy over the
# Python code, ./configure and bazel build, the C++ guard-page test of the AVX2
# loops (plain and under UBSan), a small run of the C++ access-pattern
# benchmark, copies the op library and its build record into sonnet/src/ops/,
# then pytest over the repository (pytest.ini). Extra arguments go to pytest.
# Exits non-zero on any failure; no Bazel server outlives it.
#
# SONNET_PYTEST_WORKERS: pytest-xdist workers (default 2; 0 = no xdist).
# Measured on 2 cores: a mixed 440-test subset took 38 s serially and 21 s
# with 2 workers; the whole suite takes about 85 s of pytest with 2.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

cleanup() { (cd "$SONNET_ROOT" && bazel shutdown >/dev/null 2>&1) || true; }
trap cleanup EXIT

sonnet_bootstrap
cd "$SONNET_ROOT"
# Lint and type check first: seconds, and they fail fast (ruff.toml, mypy.ini).
"$SONNET_VENV/bin/ruff" check --no-cache sonnet bench examples tools
"$SONNET_VENV/bin/mypy" sonnet
sonnet_build :install //cc:resampler_loops_test \
  //cc:resampler_loops_test_ubsan //cc:resampler_access_bench \
  //cc:work_sharing_test
cd "$SONNET_ROOT"
# The C++ guard-page test of the AVX2 loops (cc/resampler_loops_test.cc),
# then the same under UBSan (NaN, infinite and huge coordinates included).
bazel-bin/cc/resampler_loops_test
bazel-bin/cc/resampler_loops_test_ubsan
# ShareWork: every index once, helpers on other cores, fork, CPU masks.
bazel-bin/cc/work_sharing_test
# A small run of the access-pattern benchmark: it fails if its forward loop
# disagrees with the scalar loop.
bazel-bin/cc/resampler_access_bench 2 16 16 16 8 8 2 >/dev/null
for name in _resampler_ops.so _build_info.json; do
  install -m 0644 "bazel-bin/cc/$name" "sonnet/src/ops/$name"
done
# The wheel test reuses this build instead of starting Bazel again.
export SONNET_INSTALL_BINARY="$SONNET_ROOT/bazel-bin/install"
cleanup

WORKERS="${SONNET_PYTEST_WORKERS:-2}"
XDIST=()
if [[ "$WORKERS" != 0 ]]; then
  XDIST=(-n "$WORKERS")
fi
"$SONNET_VENV/bin/python" -m pytest -q "${XDIST[@]}" "$@"
