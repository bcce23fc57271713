# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests of the op library loader: lazy loading, the version guard, errors."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from unittest import mock

from absl.testing import parameterized
import tensorflow as tf

from sonnet.src.ops import op_library
from sonnet.src.ops import resampler as resampler_lib

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))


def _write_library_dir(directory, tf_version=None, abi_flag=None,
                       library_bytes=b"", build_info=True):
  with open(os.path.join(directory, resampler_lib.LIBRARY_NAME), "wb") as f:
    f.write(library_bytes)
  if build_info:
    info = {
        "tf_version": tf_version or tf.__version__,
        "cxx11_abi_flag": (int(tf.sysconfig.CXX11_ABI_FLAG)
                           if abi_flag is None else abi_flag),
    }
    with open(os.path.join(directory, op_library.BUILD_INFO_NAME), "w") as f:
      json.dump(info, f)


class LoaderTest(tf.test.TestCase, parameterized.TestCase):

  def setUp(self):
    super().setUp()
    self.directory = self._make_tempdir()

  def _make_tempdir(self):
    # tempfile, not create_tempdir(): absl flags are not parsed under pytest.
    directory = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, directory, ignore_errors=True)
    return directory

  def test_missing_library_names_paths_and_build_command(self):
    other = self._make_tempdir()
    loader = resampler_lib.make_loader([self.directory, other])
    with self.assertRaises(ImportError) as raised:
      loader.load()
    message = str(raised.exception)
    self.assertIn(self.directory, message)
    self.assertIn(other, message)
    self.assertIn("_resampler_ops.so was not found", message)
    self.assertIn("bash tools/test.sh", message)
    self.assertIn("bazel build :install", message)

  @parameterized.parameters("2.20.0", "2.22.0", "1.15.0", "3.21.0")
  def test_version_mismatch_names_both_versions(self, built):
    _write_library_dir(self.directory, tf_version=built)
    loader = resampler_lib.make_loader([self.directory])
    with self.assertRaises(ImportError) as raised:
      loader.load()
    message = str(raised.exception)
    self.assertIn("built against TensorFlow %s" % built, message)
    self.assertIn("running TensorFlow is %s" % tf.__version__, message)
    self.assertIn("Rebuild it with: bash tools/test.sh", message)

  def test_patch_release_difference_is_accepted_by_the_guard(self):
    major, minor = tf.__version__.split(".")[:2]
    _write_library_dir(self.directory, tf_version="%s.%s.99" % (major, minor))
    loader = resampler_lib.make_loader([self.directory])
    info = loader.check_build_info(loader.find())
    self.assertEqual(info["tf_version"], "%s.%s.99" % (major, minor))

  def test_abi_mismatch(self):
    _write_library_dir(self.directory,
                       abi_flag=1 - int(tf.sysconfig.CXX11_ABI_FLAG))
    loader = resampler_lib.make_loader([self.directory])
    with self.assertRaisesRegex(ImportError, "C\\+\\+11 ABI flag"):
      loader.load()

  @parameterized.parameters("", "{not json", '{"tf_version": "2.21.0"}')
  def test_missing_or_broken_build_record(self, text):
    _write_library_dir(self.directory, build_info=False)
    if text:
      with open(os.path.join(self.directory, "_build_info.json"), "w") as f:
        f.write(text)
    loader = resampler_lib.make_loader([self.directory])
    with self.assertRaisesRegex(ImportError, "has no build record"):
      loader.load()

  @parameterized.parameters(b"", b"not an ELF file at all" * 10)
  def test_corrupt_library(self, contents):
    _write_library_dir(self.directory, library_bytes=contents)
    loader = resampler_lib.make_loader([self.directory])
    # Whether an earlier test in this process loaded the real library must not matter: with
    # the op registered, the loader would refuse any second copy before trying this one.
    no_copy_loaded = mock.patch.object(op_library, "_op_is_registered", return_value=False)
    with no_copy_loaded, self.assertRaises(ImportError) as raised:
      loader.load()
    message = str(raised.exception)
    self.assertIn("could not be loaded", message)
    self.assertIn(os.path.join(self.directory, "_resampler_ops.so"), message)
    # Failures are not cached: the next call retries and fails the same way.
    with no_copy_loaded, self.assertRaisesRegex(ImportError, "could not be loaded"):
      loader.load()

  def test_truncated_library_is_not_loaded(self):
    # dlopen of a truncated library can die of a bus error, so the loader
    # must refuse it first; in a subprocess, so a regression fails the test
    # instead of killing the test runner.
    real = resampler_lib._LOADER.find()
    with open(real, "rb") as f:
      contents = f.read()
    script = (
        "import os, sys\n"
        "from sonnet.src.ops import resampler as r\n"
        "for directory in sys.argv[1:]:\n"
        "  try:\n"
        "    r.make_loader([directory]).load()\n"
        "    print('LOADED', directory)\n"
        "  except ImportError as e:\n"
        "    print('IMPORT ERROR:', e)\n")
    sizes = (1000, 4096, 65536, len(contents) // 2, len(contents) - 1)
    directories = []
    for size in sizes:
      directories.append(self._make_tempdir())
      _write_library_dir(directories[-1], library_bytes=contents[:size])
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, "-c", script, *directories],
                            env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    self.assertEqual(result.returncode, 0, result.stderr)
    lines = result.stdout.splitlines()
    self.assertLen(lines, len(sizes))
    for line, directory, size in zip(lines, directories, sizes):
      self.assertStartsWith(
          line, "IMPORT ERROR: The Sonnet resampler op library "
          f"{os.path.join(directory, resampler_lib.LIBRARY_NAME)} is "
          f"truncated: its ELF headers describe {len(contents)} bytes, but "
          f"the file has {size}.")
      self.assertIn("Rebuild it with:", line)

  def test_copy_loaded_elsewhere_first_is_not_loaded_again(self):
    # A second copy of the library would register its kernels twice: the op
    # then fails for every dtype not used before ("Multiple OpKernel
    # registrations"). The loader refuses it instead; loading the path that
    # is already loaded is fine. In a subprocess: registrations are global.
    real = resampler_lib._LOADER.find()
    copies = []
    for _ in range(2):
      copies.append(self._make_tempdir())
      shutil.copy(real, copies[-1])
      shutil.copy(os.path.join(os.path.dirname(real),
                               op_library.BUILD_INFO_NAME), copies[-1])
    script = (
        "import sys\n"
        "import numpy as np\n"
        "import tensorflow as tf\n"
        "first = tf.load_op_library(sys.argv[1] + '/_resampler_ops.so')\n"
        "# Imported after the other copy: its own load at import is refused too.\n"
        "from sonnet.src.ops import resampler as r\n"
        "assert not r.resampler_is_available()\n"
        "try:\n"
        "  r.make_loader([sys.argv[2]]).load()\n"
        "  print('LOADED SECOND COPY')\n"
        "except ImportError as e:\n"
        "  print('IMPORT ERROR:', e)\n"
        "for dtype in (np.float64, np.float32, np.float16):\n"
        "  out = first.sonnet_resampler(data=np.ones([1, 2, 2, 1], dtype),\n"
        "                               warp=np.zeros([1, 1, 2], dtype))\n"
        "  print('RESULT', out.numpy().ravel().tolist())\n"
        "same = r.make_loader([sys.argv[1]]).load()\n"
        "print('SAME PATH', same is first)\n")
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, "-c", script, *copies], env=env,
                            capture_output=True, text=True, timeout=300,
                            check=False)
    self.assertEqual(result.returncode, 0, result.stderr)
    lines = result.stdout.splitlines()
    first_path = os.path.join(copies[0], resampler_lib.LIBRARY_NAME)
    second_path = os.path.join(copies[1], resampler_lib.LIBRARY_NAME)
    self.assertEqual(
        lines[0], "IMPORT ERROR: " + op_library.ALREADY_REGISTERED_MESSAGE
        .format(op=resampler_lib.OP_NAME, others=first_path,
                library=second_path, entry_point=resampler_lib.ENTRY_POINT))
    self.assertEqual(lines[1:4], ["RESULT [1.0]"] * 3)
    self.assertEqual(lines[4], "SAME PATH True")

  def test_first_call_in_tf_function_gives_no_autograph_warning(self):
    # Loading happens while the first call is traced; AutoGraph must not try
    # to convert the loader (it warned about os.path functions).
    script = (
        "import numpy as np\n"
        "import sonnet as snt\n"
        "import tensorflow as tf\n"
        "out = tf.function(snt.resampler)(np.ones([1, 2, 2, 1], np.float32),\n"
        "                                 np.zeros([1, 1, 2], np.float32))\n"
        "print('RESULT', out.numpy().ravel().tolist())\n")
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    result = subprocess.run([sys.executable, "-c", script], env=env,
                            capture_output=True, text=True, timeout=300,
                            check=False)
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertEqual(result.stdout.strip(), "RESULT [1.0]")
    self.assertNotIn("AutoGraph", result.stderr)
    self.assertNotIn("Unable to locate the source code", result.stderr)

  def test_elf_extent_of_complete_libraries_is_their_size(self):
    real = resampler_lib._LOADER.find()
    self.assertEqual(op_library.elf_extent(real), os.path.getsize(real))
    framework = os.path.join(tf.sysconfig.get_lib(),
                             "libtensorflow_framework.so.2")
    self.assertEqual(op_library.elf_extent(framework),
                     os.path.getsize(framework))
    not_elf = os.path.join(self.directory, "not_elf")
    with open(not_elf, "wb") as f:
      f.write(b"#!/bin/sh\n" * 10)
    self.assertIsNone(op_library.elf_extent(not_elf))

  def test_real_library_loads_once(self):
    first = resampler_lib.load_op_library()
    self.assertIs(first, resampler_lib.load_op_library())
    self.assertTrue(hasattr(first, "sonnet_resampler"))
    self.assertTrue(resampler_lib.resampler_is_available())

  def test_import_without_library(self):
    # A copy of the pure-Python package, with no op library anywhere near it.
    root = self._make_tempdir()
    shutil.copytree(os.path.join(REPO_ROOT, "sonnet"),
                    os.path.join(root, "sonnet"),
                    ignore=shutil.ignore_patterns("*.so", "*.json",
                                                  "__pycache__"))
    # implementation="op" raises the loader's error; "auto" falls back to the composite
    # (builtin ops) with one warning per process; "composite" never needs the library.
    script = (
        "import warnings\n"
        "import sonnet as snt\n"
        "assert not snt.resampler_is_available()\n"
        "try:\n"
        "  snt.resampler([[[[0.]]]], [[[0., 0.]]], implementation='op')\n"
        "except ImportError as e:\n"
        "  print('IMPORT ERROR:', e)\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "  warnings.simplefilter('always')\n"
        "  print('COMPOSITE', snt.resampler([[[[2.]]]], [[[0., 0.]]],\n"
        "                                   implementation='composite').numpy().tolist())\n"
        "  print('NO WARNING', len(caught) == 0)\n"
        "  for _ in range(2):\n"
        "    print('AUTO', snt.resampler([[[[3.]]]], [[[0., 0.]]]).numpy().tolist())\n"
        "print('WARNINGS', len(caught), type(caught[0].message).__name__)\n"
        "print('WARNING TEXT', caught[0].message)\n")
    env = dict(os.environ, PYTHONPATH=root, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, "-c", script], cwd=root, env=env,
                            capture_output=True, text=True, timeout=300)
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn("IMPORT ERROR: The Sonnet resampler op library "
                  "_resampler_ops.so was not found", result.stdout)
    self.assertIn(os.path.join(root, "sonnet", "src", "ops"), result.stdout)
    self.assertIn("COMPOSITE [[[2.0]]]\nNO WARNING True\nAUTO [[[3.0]]]\nAUTO [[[3.0]]]\n"
                  "WARNINGS 1 ResamplerFallbackWarning\n", result.stdout)
    self.assertIn("WARNING TEXT snt.resampler: the C++ op is not available, so "
                  "implementation='auto' uses the composite implementation", result.stdout)
    self.assertIn("The op library did not load: The Sonnet resampler op library "
                  "_resampler_ops.so was not found", result.stdout)


if __name__ == "__main__":
  tf.test.main()
