"""Builds the Sonnet wheel from staged files; standard library only.

Called by install.sh (`./bazel-bin/install DIR`). The wheel is platform-tagged
(it carries the native op library), holds the Python package and the op
library with its build record, and none of TensorFlow's own libraries. Its
version carries the TensorFlow release it was built for as a local label
(`2.0.0.dev0+tf2.21`), and its metadata says so too; TensorFlow itself is an
extra (`[cpu]` or `[gpu]`), because either `tensorflow` or `tensorflow-cpu`
may provide it.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import sys
import sysconfig
import zipfile

DIST_NAME = "sonnet"
OPS_DIR = "sonnet/src/ops"
# Wheel file timestamps are fixed so rebuilding gives the same bytes.
ZIP_DATE = (2026, 1, 1, 0, 0, 0)
# Test-only code, besides the `*_test.py` files: a package (trailing slash) or a
# file. BUILD's `package_sources` excludes the same, so it is not even staged.
TEST_ONLY = ("sonnet/src/conformance/", "sonnet/src/conv_reference.py")


def is_test_only(name):
  """Whether a package file stays out of the wheel.

  Args:
    name: its name in the wheel, e.g. "sonnet/src/conv.py".

  Returns:
    True for `*_test.py` files and for what TEST_ONLY names.
  """
  if name.endswith("_test.py"):
    return True
  return any(name.startswith(entry) if entry.endswith("/") else name == entry
             for entry in TEST_ONLY)


def read_version(source_root):
  with open(os.path.join(source_root, "sonnet", "__init__.py")) as f:
    match = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M)
  if not match:
    raise SystemExit("build_wheel: no __version__ in sonnet/__init__.py")
  return match.group(1)


def package_files(source_root):
  """Yields (archive name, path) for the package's Python files."""
  package = os.path.join(source_root, "sonnet")
  for directory, dirs, files in os.walk(package, followlinks=True):
    dirs[:] = sorted(d for d in dirs if d != "__pycache__")
    for name in sorted(files):
      if name.endswith(".py") or name == "py.typed":
        path = os.path.join(directory, name)
        archive_name = os.path.relpath(path, source_root).replace(os.sep, "/")
        if not is_test_only(archive_name):
          yield archive_name, path


def platform_tag():
  return re.sub(r"[-.]", "_", sysconfig.get_platform())


def metadata(version, tf_version, abi_flag):
  minor = ".".join(tf_version.split(".")[:2])
  return "\n".join([
      "Metadata-Version: 2.1",
      "Name: %s" % DIST_NAME,
      "Version: %s" % version,
      "Summary: Sonnet neural-network modules for TensorFlow; op library "
      "built for TensorFlow %s" % tf_version,
      "License: Apache-2.0",
      "Requires-Python: >=3.10",
      "Requires-Dist: numpy",
      "Requires-Dist: absl-py",
      'Requires-Dist: tensorflow-cpu==%s.*; extra == "cpu"' % minor,
      'Requires-Dist: tensorflow==%s.*; extra == "gpu"' % minor,
      "Provides-Extra: cpu",
      "Provides-Extra: gpu",
      "Description-Content-Type: text/plain",
      "",
      "Built for TensorFlow %s (C++11 ABI flag %d). The op library works only "
      "with TensorFlow %s.x: install `tensorflow-cpu==%s.*` or "
      "`tensorflow==%s.*` (or use the extras [cpu] / [gpu])."
      % (tf_version, abi_flag, minor, minor, minor),
      "",
  ])


def record_line(name, data):
  digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
  return "%s,sha256=%s,%d" % (name, digest.rstrip(b"=").decode(), len(data))


def build(source_root, library, build_info, dest):
  """Writes the wheel into dest and returns its path."""
  with open(build_info) as f:
    info = json.load(f)
  tf_version = info["tf_version"]
  tf_minor = ".".join(tf_version.split(".")[:2])
  version = "%s+tf%s" % (read_version(source_root), tf_minor)
  tag = "py3-none-%s" % platform_tag()
  dist_info = "%s-%s.dist-info" % (DIST_NAME, version)
  entries = []
  for name, path in package_files(source_root):
    with open(path, "rb") as f:
      entries.append((name, f.read(), 0o644))
  for name, path, mode in ((OPS_DIR + "/_resampler_ops.so", library, 0o755),
                           (OPS_DIR + "/_build_info.json", build_info, 0o644)):
    with open(path, "rb") as f:
      entries.append((name, f.read(), mode))
  wheel_text = ("Wheel-Version: 1.0\nGenerator: sonnet tools/build_wheel.py\n"
                "Root-Is-Purelib: false\nTag: %s\n" % tag)
  entries.append((dist_info + "/METADATA",
                  metadata(version, tf_version,
                           int(info["cxx11_abi_flag"])).encode(), 0o644))
  entries.append((dist_info + "/WHEEL", wheel_text.encode(), 0o644))
  entries.append((dist_info + "/top_level.txt", b"sonnet\n", 0o644))
  record = [record_line(name, data) for name, data, _ in entries]
  record.append(dist_info + "/RECORD,,")
  entries.append((dist_info + "/RECORD", ("\n".join(record) + "\n").encode(),
                  0o644))
  os.makedirs(dest, exist_ok=True)
  wheel_path = os.path.join(dest, "%s-%s-%s.whl" % (DIST_NAME, version, tag))
  tmp_path = wheel_path + ".part"
  with zipfile.ZipFile(tmp_path, "w", zipfile.ZIP_DEFLATED) as wheel:
    for name, data, mode in entries:
      zinfo = zipfile.ZipInfo(name, date_time=ZIP_DATE)
      zinfo.external_attr = (0o100000 | mode) << 16
      zinfo.compress_type = zipfile.ZIP_DEFLATED
      wheel.writestr(zinfo, data)
  os.replace(tmp_path, wheel_path)
  return wheel_path


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__)
  parser.add_argument("--source-root", required=True)
  parser.add_argument("--library", required=True)
  parser.add_argument("--build-info", required=True)
  parser.add_argument("--dest", required=True)
  args = parser.parse_args(argv)
  path = build(args.source_root, args.library, args.build_info,
               os.path.abspath(args.dest))
  print("Wrote %s" % path)
  return 0


if __name__ == "__main__":
  sys.exit(main())
