# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for the clear ImportError of `import sonnet` without TensorFlow."""

import os
import subprocess
import sys
import tempfile
import textwrap

from absl.testing import absltest

from sonnet.src import tensorflow_check

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

# Makes `import tensorflow` fail as if it were not installed.
HIDE_TENSORFLOW = textwrap.dedent("""
    import sys

    class HideTensorFlow:
      def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "tensorflow":
          raise ModuleNotFoundError("No module named 'tensorflow'",
                                    name="tensorflow")

    sys.meta_path.insert(0, HideTensorFlow())
""")

# Leaves only a directory named tensorflow/ (like the source tree's Bazel
# glue) where `import tensorflow` looks.
SHADOW_TENSORFLOW = textwrap.dedent("""
    import sys

    sys.path[:] = [p for p in sys.path if "-packages" not in p]
    sys.path.insert(0, {shadow_root!r})
""")


def import_sonnet_after(prelude: str) -> subprocess.CompletedProcess:
  code = prelude + f"\nsys.path.insert(0, {REPO_ROOT!r})\nimport sonnet\n"
  return subprocess.run([sys.executable, "-c", code], capture_output=True,
                        text=True, timeout=120, check=False)


class TensorFlowCheckTest(absltest.TestCase):

  def test_missing_tensorflow_says_what_to_install(self):
    result = import_sonnet_after(HIDE_TENSORFLOW)
    self.assertNotEqual(result.returncode, 0)
    version = tensorflow_check.required_version()
    self.assertIn(
        f"ImportError: Sonnet needs TensorFlow {version}, which is not "
        f"installed for this Python ({sys.executable})", result.stderr)
    self.assertIn(f'pip install "tensorflow-cpu=={version}.*"', result.stderr)
    self.assertNotIn("ModuleNotFoundError: No module named 'tensorflow'\n",
                     result.stderr.splitlines()[-1])

  def test_directory_named_tensorflow_is_not_taken_for_it(self):
    with tempfile.TemporaryDirectory() as shadow_root:
      os.mkdir(os.path.join(shadow_root, "tensorflow"))
      result = import_sonnet_after(
          SHADOW_TENSORFLOW.format(shadow_root=shadow_root))
    self.assertNotEqual(result.returncode, 0)
    last_line = result.stderr.strip().splitlines()[-1]
    # The source tree's own tensorflow/ may be listed too.
    self.assertRegex(last_line, r"^ImportError: `import tensorflow` found .*"
                     r", which is not TensorFlow")
    self.assertIn(os.path.join(shadow_root, "tensorflow"), last_line)
    self.assertIn("is not installed for this Python", last_line)

  def test_required_version_is_major_minor(self):
    version = tensorflow_check.required_version()
    self.assertRegex(version, r"^\d+\.\d+$")


if __name__ == "__main__":
  absltest.main()
