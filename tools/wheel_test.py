"""End-to-end test of the wheel: build it, install it into a throwaway virtual
environment, import it from another directory and run the resampler.

Uses `./bazel-bin/install` (built by tools/test.sh, which also sets
SONNET_INSTALL_BINARY). The throwaway environment sees the running
TensorFlow through a .pth file, so nothing is downloaded, but never the
running environment's own `sonnet` (tools/setup.sh installs the wheel into
.venv): the .pth adds copies of its site-packages made of links to every
entry except Sonnet's, so pip installs the wheel and `import sonnet` can only
find the copy pip put into the throwaway environment. The test checks that
Sonnet is absent there before the install, so a leak fails it.
"""

import email.parser
import importlib.util
import json
import os
import platform
import re
import shutil
import site
import subprocess
import sys
import tarfile
import tempfile
import unittest
import zipfile

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INSTALL_BINARY = os.environ.get(
    "SONNET_INSTALL_BINARY", os.path.join(REPO_ROOT, "bazel-bin", "install"))
sys.path.insert(0, os.path.join(REPO_ROOT, "tools"))
import build_wheel  # noqa: E402 (after the sys.path entry above)
import manylinux  # noqa: E402
import sonnet_build_backend  # noqa: E402

# Names of site-packages entries that belong to an installed Sonnet: the package,
# its dist-info, and what an editable install (`pip install -e`) leaves there.
# `sonnet1_tf` is the distribution's name, `sonnet` its former one.
SONNET_ENTRY = re.compile(r"^(__editable__[._])?sonnet(1[-_]tf)?([-_.].*)?$", re.IGNORECASE)
DIST_NAMES = ("sonnet", "sonnet1-tf")

# Run in the throwaway environment before the install: Sonnet must not be there.
ABSENT_SCRIPT = """
import importlib.metadata, importlib.util
print("SPEC", importlib.util.find_spec("sonnet"))
print("DISTS", [d.metadata["Name"] for d in importlib.metadata.distributions()
                if d.metadata["Name"] in ("sonnet", "sonnet1-tf")])
"""

CHECK_SCRIPT = """
import importlib.metadata, os, sys
import numpy as np
import sonnet as snt
import tensorflow as tf
assert snt.__file__.startswith(sys.prefix), (snt.__file__, sys.prefix)
dists = [d for d in importlib.metadata.distributions()
         if d.metadata["Name"] in ("sonnet", "sonnet1-tf")]
print("DISTS", [(d.version, str(d.locate_file(""))) for d in dists])
data = np.arange(12, dtype=np.float32).reshape([1, 3, 4, 1])
warp = np.array([[[1.5, 0.5], [3.0, 2.0], [-0.5, 0.0]]], np.float32)
with tf.GradientTape() as tape:
  warp_t = tf.constant(warp)
  tape.watch(warp_t)
  out = snt.resampler(data, warp_t)
grad = tape.gradient(out, warp_t)
print("RESULT", out.numpy().ravel().tolist(), grad.numpy().ravel().tolist())
print("LOADED_FROM", os.path.dirname(snt.__file__))
"""


def without_sonnet(site_dirs, dest):
  """Mirrors site-packages directories, leaving out any installed Sonnet.

  Args:
    site_dirs: the running environment's site-packages directories.
    dest: an empty directory to create the mirrors in.

  Returns:
    The mirrors' paths, in the order of `site_dirs`: each holds a link to
    every entry of its directory except those of Sonnet (`SONNET_ENTRY`).
  """
  mirrors = []
  for index, site_dir in enumerate(site_dirs):
    if not os.path.isdir(site_dir):
      continue
    mirror = os.path.join(dest, str(index))
    os.makedirs(mirror)
    for name in os.listdir(site_dir):
      if not SONNET_ENTRY.match(name):
        os.symlink(os.path.join(site_dir, name), os.path.join(mirror, name))
    mirrors.append(mirror)
  return mirrors


class PackageFilesTest(unittest.TestCase):
  """What the wheel builder takes from a source tree (no Bazel needed)."""

  def test_test_only_code_is_left_out(self):
    names = [name for name, _ in build_wheel.package_files(REPO_ROOT)]
    self.assertIn("sonnet/__init__.py", names)
    self.assertIn("sonnet/src/conv.py", names)
    self.assertIn("sonnet/py.typed", names)
    self.assertFalse([n for n in names if n.endswith("_test.py")])
    self.assertNotIn("sonnet/src/conv_reference.py", names)
    self.assertFalse([n for n in names if n.startswith("sonnet/src/conformance/")])
    # The source tree has them: the filter, not their absence, keeps them out.
    self.assertTrue(os.path.isfile(
        os.path.join(REPO_ROOT, "sonnet", "src", "conv_reference.py")))
    self.assertTrue(os.path.isfile(
        os.path.join(REPO_ROOT, "sonnet", "src", "conformance", "__init__.py")))

  def test_is_test_only(self):
    self.assertTrue(build_wheel.is_test_only("sonnet/src/conv_test.py"))
    self.assertTrue(build_wheel.is_test_only("sonnet/src/conformance/__init__.py"))
    self.assertTrue(build_wheel.is_test_only("sonnet/src/conv_reference.py"))
    self.assertFalse(build_wheel.is_test_only("sonnet/src/conv.py"))
    self.assertFalse(build_wheel.is_test_only("sonnet/src/conv_reference_extra.py"))
    self.assertFalse(build_wheel.is_test_only("sonnet/src/conformance.py"))


@pytest.mark.slow
@unittest.skipUnless(os.path.exists(INSTALL_BINARY),
                     "run tools/test.sh (or bazel build :install) first")
class WheelTest(unittest.TestCase):

  @classmethod
  def setUpClass(cls):
    cls.tmp = tempfile.mkdtemp()
    dist = os.path.join(cls.tmp, "dist")
    subprocess.run([INSTALL_BINARY, dist, sys.executable], check=True,
                   capture_output=True, timeout=300)
    wheels = [n for n in os.listdir(dist) if n.endswith(".whl")]
    assert len(wheels) == 1, wheels
    cls.wheel = os.path.join(dist, wheels[0])

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.tmp, ignore_errors=True)

  def test_wheel_is_manylinux_tagged_with_a_pep440_version(self):
    name = os.path.basename(self.wheel)
    self.assertNotIn("none-any", name)
    self.assertEqual(name, "sonnet1_tf-%s-py3-none-%s.whl" % (
        build_wheel.read_version(REPO_ROOT), manylinux.platform_tag()))
    self.assertNotIn("+", name)  # No local version label: the index refuses them.
    if platform.machine() == "x86_64":
      self.assertTrue(name.endswith("-py3-none-manylinux_2_27_x86_64.whl"), name)

  @unittest.skipUnless(importlib.util.find_spec("auditwheel"), "auditwheel not installed")
  def test_auditwheel(self):
    # `show` accepts the tag: the symbol versions allow it, and the wheel's library needs
    # no library outside the manylinux set (not even TensorFlow's, loaded by TensorFlow).
    show = subprocess.run([sys.executable, "-m", "auditwheel", "show", "--json", self.wheel],
                          check=True, capture_output=True, text=True, timeout=120)
    report = json.loads(show.stdout)
    for key in ("sym_tag", "overall_tag"):
      tag = re.fullmatch(r"manylinux_(\d+)_(\d+)_x86_64", report[key])
      self.assertTrue(tag, report)
      self.assertLessEqual((int(tag.group(1)), int(tag.group(2))), (2, 27))
    self.assertEqual(report["external_libs"], {})
    # `repair`, told so (--exclude), accepts the wheel's tag without vendoring anything.
    out = os.path.join(self.tmp, "repaired")
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable),
                                                  os.environ.get("PATH", "")]))
    subprocess.run([sys.executable, "-m", "auditwheel", "repair", "--plat",
                    "manylinux_2_27_x86_64", "--only-plat", "--exclude",
                    "libtensorflow_framework.so.2", "-w", out, self.wheel],
                   check=True, capture_output=True, timeout=120, env=env)
    repaired, = os.listdir(out)
    with zipfile.ZipFile(os.path.join(out, repaired)) as wheel:
      self.assertFalse([n for n in wheel.namelist() if ".libs/" in n or "libtensorflow" in n])

  @unittest.skipUnless(importlib.util.find_spec("twine"), "twine not installed")
  def test_twine_check(self):
    result = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", self.wheel],
                            capture_output=True, text=True, timeout=120)
    self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

  def test_wheel_contents(self):
    with zipfile.ZipFile(self.wheel) as wheel:
      names = wheel.namelist()
      metadata_name = [n for n in names if n.endswith(".dist-info/METADATA")][0]
      metadata = email.parser.Parser().parsestr(
          wheel.read(metadata_name).decode())
      wheel_name = [n for n in names if n.endswith(".dist-info/WHEEL")][0]
      wheel_text = wheel.read(wheel_name).decode()
    self.assertIn("sonnet/__init__.py", names)
    self.assertIn("sonnet/src/ops/resampler.py", names)
    self.assertIn("sonnet/src/ops/_resampler_ops.so", names)
    self.assertIn("sonnet/src/ops/_build_info.json", names)
    self.assertFalse([n for n in names if "libtensorflow" in n])
    self.assertFalse([n for n in names if n.endswith("_test.py")])
    # Test-only code (tools/build_wheel.py's TEST_ONLY) is not shipped either.
    self.assertNotIn("sonnet/src/conv_reference.py", names)
    self.assertFalse([n for n in names if n.startswith("sonnet/src/conformance/")])
    self.assertIn("sonnet/src/conv.py", names)
    self.assertIn("Root-Is-Purelib: false", wheel_text)
    self.assertIn("Tag: py3-none-%s\n" % manylinux.platform_tag(), wheel_text)
    import tensorflow as tf
    major, minor = (int(n) for n in tf.__version__.split(".")[:2])
    self.assertIn("built for TensorFlow %s" % tf.__version__,
                  metadata["Summary"])
    pin = ">=%d.%d,<%d.%d" % (major, minor, major, minor + 1)
    self.assertEqual(metadata.get_all("Requires-Dist"), [
        "numpy>=1.26.0", "absl-py>=1.0.0", 'tensorflow-cpu%s; extra == "cpu"' % pin,
        'tensorflow%s; extra == "gpu"' % pin,
        'tensorflow-probability==0.25.0; extra == "bayes"', 'tf-keras==2.21.0; extra == "bayes"'])
    self.assertEqual(metadata["Name"], "sonnet1-tf")
    self.assertNotIn("+", metadata["Version"])
    self.assertEqual(metadata["License-Expression"], "Apache-2.0")
    self.assertEqual(metadata["Requires-Python"], ">=3.10")
    self.assertEqual(metadata["Description-Content-Type"], "text/markdown")
    self.assertIn("Operating System :: POSIX :: Linux", metadata.get_all("Classifier"))
    self.assertTrue(metadata.get_all("Project-URL"))
    self.assertIn("## Troubleshooting", metadata.get_payload())  # The README.
    self.assertIn(metadata_name.replace("METADATA", "licenses/LICENSE"), names)

  def test_install_into_fresh_venv_and_run_elsewhere(self):
    venv = os.path.join(self.tmp, "venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv],
                   check=True, timeout=120)
    python = os.path.join(venv, "bin", "python")
    # The throwaway environment uses the running TensorFlow (no download), but
    # not a Sonnet installed next to it.
    venv_site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    running_sites = without_sonnet(site.getsitepackages(),
                                   os.path.join(self.tmp, "running_site"))
    # As site directories, so that .pth files there (a running venv may reach
    # its packages through one) take effect too.
    with open(os.path.join(venv_site, "_running_tf.pth"), "w") as f:
      f.write("import site; %s\n" % "; ".join(
          "site.addsitedir(%r)" % path for path in running_sites))
    workdir = os.path.join(self.tmp, "elsewhere")
    os.makedirs(workdir)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    absent = subprocess.run([python, "-c", ABSENT_SCRIPT], cwd=workdir, env=env,
                            capture_output=True, text=True, timeout=120)
    self.assertEqual(absent.returncode, 0, absent.stderr)
    self.assertIn("SPEC None\nDISTS []\n", absent.stdout)
    subprocess.run([sys.executable, "-m", "pip", "--python", python, "install",
                    "-q", "--no-deps", "--no-index", "--disable-pip-version-check",
                    self.wheel], check=True, timeout=300, env=env)
    result = subprocess.run([python, "-c", CHECK_SCRIPT], cwd=workdir, env=env,
                            capture_output=True, text=True, timeout=300)
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn("RESULT [3.5, 11.0, 0.0] [1.0, 4.0, -11.0, -11.0, 0.0, 2.0]",
                  result.stdout)
    self.assertIn("LOADED_FROM " + os.path.join(venv_site, "sonnet"),
                  result.stdout)
    version = os.path.basename(self.wheel).split("-")[1]
    self.assertIn("DISTS %r" % [(version, venv_site)], result.stdout)


class SdistTest(unittest.TestCase):
  """The sdist (tools/sonnet_build_backend.py's build_sdist; no Bazel needed)."""

  def test_sdist_holds_what_the_build_needs_and_nothing_else(self):
    with tempfile.TemporaryDirectory() as out:
      name = sonnet_build_backend.build_sdist(out)
      version = build_wheel.read_version(REPO_ROOT)
      self.assertEqual(name, "sonnet1_tf-%s.tar.gz" % version)
      with tarfile.open(os.path.join(out, name)) as sdist:
        names = sdist.getnames()
        pkg_info = email.parser.Parser().parsestr(
            sdist.extractfile("sonnet1_tf-%s/PKG-INFO" % version).read().decode())
    files = {n.split("/", 1)[1] for n in names}
    for needed in ("PKG-INFO", "pyproject.toml", "README.md", "LICENSE", "WORKSPACE",
                   "BUILD", ".bazelrc", "configure", "install.sh", "cc/BUILD",
                   "cc/resampler_kernels.cc", "cc/manylinux_compat.h",
                   "tensorflow/tf_configure.bzl", "third_party/rules_cc/cc/defs.bzl",
                   "tools/sonnet_build_backend.py", "tools/build_wheel.py",
                   "tools/manylinux.py", "tools/configure.py", "sonnet/__init__.py",
                   "sonnet/src/ops/resampler.py"):
      self.assertIn(needed, files)
    self.assertFalse([f for f in files if f.endswith(("_test.py", "_test.cc", ".so"))
                      or f.startswith((".ci/", "examples/", "bench/", "docs/", "sonnet/src/"
                                       "conformance/")) or "__pycache__" in f], files)
    self.assertEqual(pkg_info["Name"], "sonnet1-tf")
    self.assertEqual(pkg_info["Version"], version)
    # The TensorFlow pins depend on the TensorFlow the wheel is built against.
    self.assertEqual(pkg_info.get_all("Dynamic"), ["Summary", "Requires-Dist"])
    self.assertEqual(pkg_info.get_all("Provides-Extra"), ["cpu", "gpu", "bayes"])


@pytest.mark.slow
@unittest.skipUnless(os.path.exists(INSTALL_BINARY),
                     "run tools/test.sh (or bazel build :install) first")
class PipWheelTest(unittest.TestCase):
  """`pip wheel .` through the PEP 517 backend gives the classic route's wheel."""

  def test_pip_wheel_gives_the_same_wheel(self):
    with tempfile.TemporaryDirectory() as tmp:
      subprocess.run([INSTALL_BINARY, os.path.join(tmp, "classic"), sys.executable],
                     check=True, capture_output=True, timeout=300)
      env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
      result = subprocess.run(
          [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index",
           "--disable-pip-version-check", "-w", os.path.join(tmp, "pip"), REPO_ROOT],
          capture_output=True, text=True, timeout=600, env=env)
      self.assertEqual(result.returncode, 0, result.stdout[-3000:] + result.stderr[-3000:])
      classic, = os.listdir(os.path.join(tmp, "classic"))
      built, = os.listdir(os.path.join(tmp, "pip"))
      self.assertEqual(built, classic)
      self.assertTrue(built.startswith("sonnet1_tf-"), built)
      with open(os.path.join(tmp, "classic", classic), "rb") as a, \
          open(os.path.join(tmp, "pip", built), "rb") as b:
        self.assertEqual(a.read(), b.read())


if __name__ == "__main__":
  unittest.main()
