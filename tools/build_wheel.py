"""Builds the Sonnet wheel from staged files; standard library only.

Called by install.sh (`./bazel-bin/install DIR`), which the PEP 517 backend
(tools/sonnet_build_backend.py) runs too. The wheel holds the Python package and
the op library with its build record, and none of TensorFlow's own libraries.
It is tagged manylinux_2_27_x86_64, TensorFlow 2.21's own level, after
tools/manylinux.py has checked the library against that policy (the build fails
otherwise). The metadata comes from pyproject.toml; the version (PEP 440, no
local label) from sonnet/__init__.py. The TensorFlow release the library was
built for is in the summary and in the extras `[cpu]` (tensorflow-cpu) and
`[gpu]` (tensorflow), pinned like other TensorFlow custom-op packages
(tensorflow-text, tensorflow-io) to that minor release: `>=2.21,<2.22`.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import sys
import tomllib
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import manylinux  # noqa: E402 (after the sys.path entry above)

OPS_DIR = "sonnet/src/ops"
# Wheel file timestamps are fixed so rebuilding gives the same bytes.
ZIP_DATE = (2026, 1, 1, 0, 0, 0)
# Test-only code, besides the `*_test.py` files: a package (trailing slash) or a
# file. BUILD's `package_sources` excludes the same, so it is not even staged.
TEST_ONLY = ("sonnet/src/conformance/", "sonnet/src/conv_reference.py",
             "sonnet/src/distribute_test_worker.py")


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


def read_project(source_root):
  """The `[project]` and `[tool.sonnet]` tables of pyproject.toml.

  Returns:
    (project, tool) dictionaries.
  """
  with open(os.path.join(source_root, "pyproject.toml"), "rb") as f:
    data = tomllib.load(f)
  return data["project"], data.get("tool", {}).get("sonnet", {})


def normalized_name(name):
  """The distribution name as wheel and sdist file names spell it."""
  return re.sub(r"[-_.]+", "_", name).lower()


def tensorflow_extras(tf_version):
  """The extras, pinned to the TensorFlow minor release the op was built for."""
  major, minor = (int(part) for part in tf_version.split(".")[:2])
  pin = ">=%d.%d,<%d.%d" % (major, minor, major, minor + 1)
  return {"cpu": ["tensorflow-cpu" + pin], "gpu": ["tensorflow" + pin]}


def metadata(source_root, version, tf_version=None):
  """The core metadata (METADATA of the wheel, PKG-INFO of the sdist).

  Args:
    source_root: where pyproject.toml, the readme and the license files are.
    version: the distribution's version.
    tf_version: the TensorFlow the op library was built against; None for
      the sdist, whose summary and TensorFlow pins are then `Dynamic`.

  Returns:
    The metadata text.
  """
  project, tool = read_project(source_root)
  summary = tool["summary"]
  if tf_version is not None:
    summary += " (op library built for TensorFlow %s)" % tf_version
  lines = [
      "Metadata-Version: 2.4",
      "Name: %s" % project["name"],
      "Version: %s" % version,
      "Summary: %s" % summary,
  ]
  lines += ["Author: %s" % author["name"] for author in project.get("authors", [])]
  lines.append("License-Expression: %s" % project["license"])
  lines += ["License-File: %s" % name for name in project.get("license-files", [])]
  lines.append("Keywords: %s" % ",".join(project.get("keywords", [])))
  lines += ["Classifier: %s" % c for c in project.get("classifiers", [])]
  lines += ["Project-URL: %s, %s" % item for item in project.get("urls", {}).items()]
  lines.append("Requires-Python: %s" % project["requires-python"])
  lines += ["Requires-Dist: %s" % r for r in project.get("dependencies", [])]
  extras = tensorflow_extras(tf_version or "0.0")
  for extra, requirements in extras.items():
    if tf_version is not None:
      lines += ['Requires-Dist: %s; extra == "%s"' % (r, extra) for r in requirements]
    lines.append("Provides-Extra: %s" % extra)
  # Extras that do not depend on the TensorFlow build: listed in the sdist too.
  for extra, requirements in tool.get("extras", {}).items():
    lines += ['Requires-Dist: %s; extra == "%s"' % (r, extra) for r in requirements]
    lines.append("Provides-Extra: %s" % extra)
  if tf_version is None:
    lines += ["Dynamic: Summary", "Dynamic: Requires-Dist"]
  lines.append("Description-Content-Type: text/markdown")
  with open(os.path.join(source_root, project["readme"]), encoding="utf-8") as f:
    readme = f.read()
  return "\n".join(lines) + "\n\n" + readme


def license_files(source_root):
  """(name, path) of the license files pyproject.toml names."""
  project, _ = read_project(source_root)
  return [(name, os.path.join(source_root, name))
          for name in project.get("license-files", [])]


def record_line(name, data):
  digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
  return "%s,sha256=%s,%d" % (name, digest.rstrip(b"=").decode(), len(data))


def dist_info_files(source_root, version, tf_version, tag):
  """(name, bytes) of the .dist-info files, RECORD aside.

  Also what the PEP 517 backend's prepare_metadata_for_build_wheel writes.
  """
  project, _ = read_project(source_root)
  dist_info = "%s-%s.dist-info" % (normalized_name(project["name"]), version)
  files = []
  for license_name, path in license_files(source_root):
    with open(path, "rb") as f:
      files.append((dist_info + "/licenses/" + license_name, f.read()))
  files.append((dist_info + "/METADATA",
                metadata(source_root, version, tf_version).encode()))
  files.append((dist_info + "/WHEEL",
                ("Wheel-Version: 1.0\nGenerator: sonnet tools/build_wheel.py\n"
                 "Root-Is-Purelib: false\nTag: %s\n" % tag).encode()))
  files.append((dist_info + "/top_level.txt", b"sonnet\n"))
  return files


def wheel_library(library):
  """The op library as the wheel holds it; fails the build if it breaks the policy.

  The wheel's copy drops the DT_NEEDED entry for libtensorflow_framework.so.2
  (see manylinux.without_needed), so that it needs nothing beyond the manylinux
  system libraries and `auditwheel show` accepts the tag.
  """
  with open(library, "rb") as f:
    data = manylinux.without_needed(f.read(), manylinux.TENSORFLOW_LIBRARIES)
  problems = manylinux.violations(manylinux.parse_dynamic_info(data),
                                  allowed_libraries=manylinux.SYSTEM_LIBRARIES)
  if problems:
    raise SystemExit("build_wheel: %s does not meet %s, which the wheel's tag promises:\n  %s"
                     % (library, manylinux.POLICY, "\n  ".join(problems)))
  return data


def build(source_root, library, build_info, dest):
  """Writes the wheel into dest and returns its path."""
  with open(build_info) as f:
    info = json.load(f)
  tf_version = info["tf_version"]
  library_data = wheel_library(library)
  project, _ = read_project(source_root)
  dist_name = normalized_name(project["name"])
  version = read_version(source_root)
  tag = "py3-none-%s" % manylinux.platform_tag()
  dist_info = "%s-%s.dist-info" % (dist_name, version)
  entries = []
  for name, path in package_files(source_root):
    with open(path, "rb") as f:
      entries.append((name, f.read(), 0o644))
  entries.append((OPS_DIR + "/_resampler_ops.so", library_data, 0o755))
  with open(build_info, "rb") as f:
    entries.append((OPS_DIR + "/_build_info.json", f.read(), 0o644))
  entries += [(name, data, 0o644) for name, data in
              dist_info_files(source_root, version, tf_version, tag)]
  record = [record_line(name, data) for name, data, _ in entries]
  record.append(dist_info + "/RECORD,,")
  entries.append((dist_info + "/RECORD", ("\n".join(record) + "\n").encode(),
                  0o644))
  os.makedirs(dest, exist_ok=True)
  wheel_path = os.path.join(dest, "%s-%s-%s.whl" % (dist_name, version, tag))
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
