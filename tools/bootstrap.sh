# Shared set-up for tools/setup.sh and tools/test.sh. Source it, then call
# sonnet_bootstrap. Idempotent and quick when everything is already there.
#
# 1. System packages (Debian 12): Bazel from Debian (bazel-bootstrap,
#    bazel-rules-java, bazel-platforms), a C++ compiler, python3-venv.
#    apt-get runs only when something is missing (with sudo if not root).
# 2. A virtual environment ($SONNET_VENV, default .venv in the repository)
#    with the packages of requirements-dev.txt; pip runs only when the
#    requirements or the interpreter changed since the last successful run.
#
# Environment: SONNET_VENV (venv path), SONNET_PYTHON (interpreter that
# creates it, default python3), SONNET_TF_PACKAGE (tensorflow-cpu or
# tensorflow; default: keep whichever 2.21 is installed, else tensorflow-cpu),
# SONNET_SKIP_APT=1 (never call apt-get).

SONNET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SONNET_VENV="${SONNET_VENV:-$SONNET_ROOT/.venv}"
SONNET_APT_PACKAGES=(bazel-bootstrap bazel-rules-java bazel-platforms g++ python3 python3-venv)

sonnet_log() { echo "[sonnet] $*" >&2; }

sonnet_install_system_packages() {
  local missing=() pkg
  if ! command -v dpkg >/dev/null 2>&1; then
    if ! command -v bazel >/dev/null 2>&1; then
      sonnet_log "not a Debian system and no bazel on PATH: install Bazel 4.x, g++ and python3-venv yourself."
      return 1
    fi
    return 0
  fi
  for pkg in "${SONNET_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    return 0
  fi
  if [[ "${SONNET_SKIP_APT:-0}" == 1 ]]; then
    sonnet_log "missing system packages (${missing[*]}) and SONNET_SKIP_APT=1."
    return 1
  fi
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    sudo=(sudo)
  fi
  sonnet_log "installing system packages: ${missing[*]}"
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}

# Prints the requirements to install, with the TensorFlow flavour chosen.
sonnet_requirements() {
  local tf_package="${SONNET_TF_PACKAGE:-}"
  if [[ -z "$tf_package" ]]; then
    tf_package=tensorflow-cpu
    if "$SONNET_VENV/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata as m, sys
sys.exit(0 if m.version("tensorflow").startswith("2.21.") else 1)
PY
    then
      tf_package=tensorflow
    fi
  fi
  sed -e 's/[[:space:]]*#.*$//' -e '/^[[:space:]]*$/d' \
      -e "s/^tensorflow-cpu==/${tf_package}==/" "$SONNET_ROOT/requirements-dev.txt"
}

sonnet_create_venv() {
  if [[ ! -x "$SONNET_VENV/bin/python" ]]; then
    local python="${SONNET_PYTHON:-python3}"
    sonnet_log "creating virtual environment $SONNET_VENV with $python"
    "$python" -m venv "$SONNET_VENV"
  fi
  local requirements stamp_file stamp
  requirements="$(sonnet_requirements)"
  stamp_file="$SONNET_VENV/.sonnet-requirements.stamp"
  stamp="$( { echo "$requirements"; "$SONNET_VENV/bin/python" -VV; } | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" ]] \
      && "$SONNET_VENV/bin/python" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("tensorflow") is None)' 2>/dev/null; then
    return 0
  fi
  sonnet_log "installing Python packages into $SONNET_VENV"
  # shellcheck disable=SC2086
  "$SONNET_VENV/bin/python" -m pip install -q --disable-pip-version-check $requirements
  echo "$stamp" > "$stamp_file"
}

sonnet_bootstrap() {
  sonnet_install_system_packages
  sonnet_create_venv
  export PATH="$SONNET_VENV/bin:$PATH"
  export VIRTUAL_ENV="$SONNET_VENV"
  export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
}

# Configures and builds the given Bazel targets with the venv's TensorFlow.
sonnet_build() {
  (cd "$SONNET_ROOT" && ./configure --python "$SONNET_VENV/bin/python" --quiet)
  (cd "$SONNET_ROOT" && bazel build --jobs="${SONNET_BAZEL_JOBS:-auto}" --noshow_progress "$@")
}

# Installs the pins of the `bayes` extra of the installed distribution $1 (sonnet1-tf)
# into the venv (TensorFlow Probability and tf-keras; about 8 s), only those missing or
# at another version, so that it is quick when they are there. tf-keras asks for the
# distribution `tensorflow`, which tensorflow-cpu provides under another name: it is
# installed without dependencies, so that pip does not add `tensorflow` over it.
sonnet_install_bayes_extra() {
  local missing pin
  missing="$("$SONNET_VENV/bin/python" - "$1" <<'PY'
import importlib.metadata as m
import sys
for requirement in m.requires(sys.argv[1]) or ():
  pin, _, marker = requirement.partition(";")
  if 'extra == "bayes"' not in marker:
    continue
  name, _, version = pin.strip().partition("==")
  try:
    installed = m.version(name)
  except m.PackageNotFoundError:
    installed = None
  if installed != version:
    print(pin.strip())
PY
)"
  if [[ -z "$missing" ]]; then
    return 0
  fi
  sonnet_log "installing the bayes extra of $1:" $missing
  for pin in $missing; do
    if [[ "$pin" == tf-keras==* ]]; then
      "$SONNET_VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps "$pin"
    else
      "$SONNET_VENV/bin/python" -m pip install -q --disable-pip-version-check "$pin"
    fi
  done
}
