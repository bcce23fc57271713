"""The op library's symbol versions against the wheel's manylinux policy.

Lists the GLIBC/GLIBCXX/CXXABI/GCC versions the built library needs and fails
if one is newer than manylinux_2_27 (TensorFlow 2.21's own level), if it needs
a library outside the manylinux set and TensorFlow's, or if it has a RUNPATH;
and checks the wheel's copy, which does not name TensorFlow's library.
"""

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "tools"))
import manylinux  # noqa: E402 (after the sys.path entry above)

LIBRARY_PLACES = (os.path.join(REPO_ROOT, "sonnet", "src", "ops", "_resampler_ops.so"),
                  os.path.join(REPO_ROOT, "bazel-bin", "cc", "_resampler_ops.so"))
LIBRARY = next((path for path in LIBRARY_PLACES if os.path.isfile(path)), None)


@unittest.skipUnless(LIBRARY, "run tools/test.sh (or bazel build :install) first")
class LibraryTest(unittest.TestCase):

  def setUp(self):
    self.info = manylinux.read_dynamic_info(LIBRARY)

  def test_symbol_versions_within_policy(self):
    listing = "\n".join("%s: %s" % (lib, " ".join(names))
                        for lib, names in sorted(self.info.versions.items()))
    print("%s needs:\n%s" % (LIBRARY, listing))
    self.assertEqual(manylinux.violations(self.info), [], listing)
    newest = manylinux.newest_versions(self.info)
    self.assertLessEqual(manylinux.version_key(newest["GLIBC"])[1], (2, 27))
    self.assertLessEqual(manylinux.version_key(newest["GLIBCXX"])[1], (3, 4, 24))

  def test_no_runpath_and_tensorflow_not_vendored(self):
    self.assertEqual(self.info.search_paths, [])
    self.assertIn("libtensorflow_framework.so.2", self.info.needed)

  def test_wheel_copy_needs_no_tensorflow_library(self):
    with open(LIBRARY, "rb") as f:
      data = f.read()
    copy = manylinux.without_needed(data, manylinux.TENSORFLOW_LIBRARIES)
    self.assertEqual(len(copy), len(data))
    info = manylinux.parse_dynamic_info(copy)
    self.assertEqual(info.needed,
                     [n for n in self.info.needed if n not in manylinux.TENSORFLOW_LIBRARIES])
    self.assertEqual(info.versions, self.info.versions)
    self.assertEqual(
        manylinux.violations(info, allowed_libraries=manylinux.SYSTEM_LIBRARIES), [])
    # The original keeps it, and the strict policy says so.
    self.assertIn("libtensorflow_framework.so.2", " ".join(manylinux.violations(
        self.info, allowed_libraries=manylinux.SYSTEM_LIBRARIES)))

  def test_wheel_copy_loads_after_import_tensorflow(self):
    # Without the DT_NEEDED entry, TensorFlow's symbols come from the copy of
    # libtensorflow_framework.so.2 that `import tensorflow` loaded (RTLD_GLOBAL).
    # In a fresh process, since a loaded op library cannot be unloaded.
    with open(LIBRARY, "rb") as f:
      copy = manylinux.without_needed(f.read(), manylinux.TENSORFLOW_LIBRARIES)
    directory = self.enterContext(tempfile.TemporaryDirectory())
    path = os.path.join(directory, "_resampler_ops.so")
    with open(path, "wb") as f:
      f.write(copy)
    script = ("import sys, numpy as np, tensorflow as tf\n"
              "ops = tf.load_op_library(sys.argv[1])\n"
              "data = np.arange(4, dtype=np.float32).reshape([1, 2, 2, 1])\n"
              "out = ops.sonnet_resampler(data, np.array([[[0.5, 0.5]]], np.float32))\n"
              "print(float(out.numpy().ravel()[0]))\n")
    result = subprocess.run([sys.executable, "-c", script, path], capture_output=True,
                            text=True, timeout=300,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertEqual(result.stdout.split()[-1], "1.5")  # The mean of 0, 1, 2 and 3.

  @unittest.skipUnless(shutil.which("objdump"), "objdump (binutils) not installed")
  def test_reader_agrees_with_objdump(self):
    dump = subprocess.run(["objdump", "-T", LIBRARY], check=True, capture_output=True,
                          text=True).stdout
    from_objdump = set(re.findall(r"\(((?:GLIBC|GLIBCXX|CXXABI|GCC)_[0-9A-Z_.]+)\)", dump))
    ours = {name for lib, names in self.info.versions.items()
            if lib not in manylinux.TENSORFLOW_LIBRARIES for name in names}
    self.assertEqual(from_objdump, ours)


class PolicyTest(unittest.TestCase):

  def test_newer_versions_runpath_and_libraries_are_refused(self):
    info = manylinux.DynamicInfo(
        needed=["libc.so.6", "libfoo.so.1", "libtensorflow_framework.so.2"],
        search_paths=["$ORIGIN/../_solib_k8/x"],
        versions={"libc.so.6": ["GLIBC_2.2.5", "GLIBC_2.27", "GLIBC_2.32"],
                  "libstdc++.so.6": ["GLIBCXX_3.4.24", "GLIBCXX_3.4.30", "CXXABI_TM_1"]})
    problems = manylinux.violations(info)
    self.assertEqual(len(problems), 4, problems)
    self.assertIn("needs GLIBC_2.32 from libc.so.6", " ".join(problems))
    self.assertIn("needs GLIBCXX_3.4.30 from libstdc++.so.6", " ".join(problems))
    self.assertIn("libfoo.so.1", " ".join(problems))
    self.assertIn("RUNPATH $ORIGIN/../_solib_k8/x", " ".join(problems))

  def test_policy_is_not_newer_than_tensorflows_own_wheel(self):
    tags = []
    for name in ("tensorflow", "tensorflow-cpu"):
      try:
        wheel = importlib.metadata.distribution(name).read_text("WHEEL") or ""
      except importlib.metadata.PackageNotFoundError:
        continue
      tags += re.findall(r"manylinux_(\d+)_(\d+)_x86_64", wheel)
    if not tags:
      self.skipTest("no TensorFlow wheel with a manylinux_x_y tag installed")
    ours = tuple(int(n) for n in manylinux.POLICY.split("_")[1:])
    self.assertLessEqual(ours, min((int(a), int(b)) for a, b in tags))

  def test_policy_matches_auditwheels(self):
    try:
      import auditwheel
    except ImportError:
      self.skipTest("auditwheel not installed")
    path = os.path.join(os.path.dirname(auditwheel.__file__), "policy",
                        "manylinux-policy.json")
    with open(path) as f:
      policy, = [p for p in json.load(f) if p["name"] == manylinux.POLICY]
    for family, maximum in manylinux.MAX_VERSIONS.items():
      allowed = [tuple(int(n) for n in v.split("."))
                 for v in policy["symbol_versions"]["x86_64"][family] if v[0].isdigit()]
      self.assertEqual(max(allowed), maximum, family)
    self.assertLessEqual(set(manylinux.SYSTEM_LIBRARIES) - {"ld-linux-x86-64.so.2"},
                         set(policy["lib_whitelist"]))


if __name__ == "__main__":
  unittest.main()
