"""Tests of ./configure (tools/configure.py): flag parsing and clear failures."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "tools"))
import configure  # noqa: E402 (after the sys.path entry above)

TF_COMPILE_FLAGS = ["-I/venv/site-packages/tensorflow/include",
                    "-D_GLIBCXX_USE_CXX11_ABI=1", "--std=c++17",
                    "-DEIGEN_MAX_ALIGN_BYTES=64"]
TF_LINK_FLAGS = ["-L/venv/site-packages/tensorflow",
                 "-l:libtensorflow_framework.so.2"]


class ParseFlagsTest(unittest.TestCase):

  def test_tf_2_21_flags(self):
    flags = configure.parse_flags(TF_COMPILE_FLAGS, TF_LINK_FLAGS)
    self.assertEqual(flags["header_dir"], "/venv/site-packages/tensorflow/include")
    self.assertEqual(flags["library_dir"], "/venv/site-packages/tensorflow")
    self.assertEqual(flags["library_name"], "libtensorflow_framework.so.2")
    self.assertEqual(flags["cxxopts"], ["-std=c++17"])
    self.assertEqual(flags["copts"], ["-D_GLIBCXX_USE_CXX11_ABI=1",
                                      "-DEIGEN_MAX_ALIGN_BYTES=64"])

  def test_abi_zero_and_plain_library_flag(self):
    flags = configure.parse_flags(
        ["-I/x", "-D_GLIBCXX_USE_CXX11_ABI=0", "-std=c++14"],
        ["-L/y", "-ltensorflow_framework"])
    self.assertEqual(flags["library_name"], "libtensorflow_framework.so")
    self.assertEqual(flags["cxxopts"], ["-std=c++14"])
    self.assertEqual(flags["copts"], ["-D_GLIBCXX_USE_CXX11_ABI=0"])

  def test_missing_flags(self):
    with self.assertRaisesRegex(ValueError, "-I<include dir>"):
      configure.parse_flags(TF_COMPILE_FLAGS[1:], TF_LINK_FLAGS)
    with self.assertRaisesRegex(ValueError, "-l<library>"):
      configure.parse_flags(TF_COMPILE_FLAGS, TF_LINK_FLAGS[:1])

  def test_render(self):
    flags = configure.parse_flags(TF_COMPILE_FLAGS, TF_LINK_FLAGS)
    text = configure.render("2.21.0", 1, "/venv/bin/python", flags,
                            TF_COMPILE_FLAGS, TF_LINK_FLAGS)
    self.assertIn("build --repo_env=TF_VERSION=2.21.0\n", text)
    self.assertIn("build --repo_env=TF_CXX11_ABI_FLAG=1\n", text)
    self.assertIn("build --repo_env=TF_SHARED_LIBRARY_NAME="
                  "libtensorflow_framework.so.2\n", text)
    self.assertIn("build --copt=-D_GLIBCXX_USE_CXX11_ABI=1\n", text)
    self.assertIn("build --copt=-DEIGEN_MAX_ALIGN_BYTES=64\n", text)
    self.assertIn("build --cxxopt=-std=c++17\n", text)

  def test_version_tuple(self):
    self.assertEqual(configure.version_tuple("2.21.0"), (2, 21))
    self.assertEqual(configure.version_tuple("2.22.0rc1"), (2, 22))
    self.assertLess(configure.version_tuple("2.9.1"), configure.MIN_TF_VERSION)


class ConfigureScriptTest(unittest.TestCase):
  """Runs ./configure with interpreters that lack a usable TensorFlow."""

  def setUp(self):
    self.tmp = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
    # A bare venv: no TensorFlow, and nothing from the caller's environment.
    self.venv = os.path.join(self.tmp, "venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", self.venv],
                   check=True)
    self.python = os.path.join(self.venv, "bin", "python")

  def _configure(self, extra_env=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHON_BIN_PATH", "PYTHONPATH")}
    env.update(extra_env or {})
    return subprocess.run(
        [os.path.join(REPO_ROOT, "configure"), "--python", self.python],
        env=env, capture_output=True, text=True, timeout=120)

  def test_missing_tensorflow(self):
    result = self._configure()
    self.assertEqual(result.returncode, 1)
    self.assertIn("TensorFlow cannot be imported by %s" % self.python,
                  result.stderr)
    self.assertIn("tensorflow-cpu==2.21.*", result.stderr)

  def test_tensorflow_too_old(self):
    fake = os.path.join(self.tmp, "fake", "tensorflow")
    os.makedirs(fake)
    with open(os.path.join(fake, "__init__.py"), "w") as f:
      f.write('__version__ = "2.15.1"\n')
    result = self._configure({"PYTHONPATH": os.path.dirname(fake)})
    self.assertEqual(result.returncode, 1)
    self.assertIn("TensorFlow 2.15.1", result.stderr)
    self.assertIn("too old", result.stderr)


if __name__ == "__main__":
  unittest.main()
