# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for the warning about another distribution providing `sonnet` (dm-sonnet)."""

import os
import shutil
import subprocess
import sys
import tempfile
from unittest import mock
import warnings

from absl.testing import absltest

from sonnet.src import distribution_check

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def make_distribution(site_dir, name, version, summary, top_level="sonnet",
                      files=("sonnet/__init__.py",)):
  """Writes a minimal `.dist-info` directory, as pip would, into `site_dir`."""
  dist_info = os.path.join(site_dir, "%s-%s.dist-info" % (
      name.replace("-", "_"), version))
  os.makedirs(dist_info)
  with open(os.path.join(dist_info, "METADATA"), "w") as f:
    f.write("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\n"
            % (name, version, summary))
  if top_level is not None:
    with open(os.path.join(dist_info, "top_level.txt"), "w") as f:
      f.write(top_level + "\n")
  with open(os.path.join(dist_info, "RECORD"), "w") as f:
    f.writelines("%s,,\n" % name for name in files)


class FindClashTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.site = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, self.site)
    os.makedirs(os.path.join(self.site, "sonnet"))
    self.init_file = os.path.join(self.site, "sonnet", "__init__.py")
    with open(self.init_file, "w") as f:
      f.write("")

  def find(self):
    return distribution_check.find_clash(self.init_file, path=[self.site])

  def find_message(self, init_file=None):
    message = distribution_check.find_clash(init_file or self.init_file, path=[self.site])
    assert message is not None, "no clash found"
    return message

  def test_own_distribution_alone_is_fine(self):
    make_distribution(self.site, "sonnet1-tf", "2.0.0", "this project")
    self.assertIsNone(self.find())

  def test_nothing_installed_is_fine(self):
    self.assertIsNone(self.find())

  def test_dm_sonnet_next_to_own_distribution(self):
    make_distribution(self.site, "sonnet1-tf", "2.0.0", "this project")
    make_distribution(self.site, "dm-sonnet", "2.0.2", "Sonnet 2",
                      files=("sonnet/__init__.py", "sonnet/src/base.py"))
    message = self.find_message()
    self.assertIn("dm-sonnet 2.0.2 (Sonnet 2) in %s" % self.site, message)
    # Both RECORDs list the same __init__.py (the files were overwritten): the
    # project's own distribution is named as the one imported.
    self.assertIn("`import sonnet` imports sonnet1-tf 2.0.0 from %s." % self.site, message)
    self.assertIn("separate virtual environments", message)
    self.assertIn("pip uninstall dm-sonnet,", message)

  def test_dm_sonnet_with_the_source_tree(self):
    make_distribution(self.site, "dm-sonnet", "2.0.2", "Sonnet 2", top_level=None)
    message = self.find_message(os.path.join(REPO_ROOT, "sonnet", "__init__.py"))
    self.assertIn("dm-sonnet 2.0.2", message)
    self.assertIn("imports the source tree at %s" % REPO_ROOT, message)

  def test_unrelated_distribution_without_a_sonnet_package_is_fine(self):
    # The name `sonnet` is also an unrelated package's: only one that really
    # installs `sonnet/` clashes.
    make_distribution(self.site, "sonnet", "0.1.6", "something else",
                      top_level="poetry", files=("poetry/__init__.py",))
    self.assertIsNone(self.find())

  def test_former_name_of_this_project(self):
    make_distribution(self.site, "sonnet", "2.0.0.dev0+tf2.21", "Sonnet modules")
    message = self.find_message()
    self.assertIn("sonnet 2.0.0.dev0+tf2.21 (Sonnet modules)", message)
    self.assertIn("pip uninstall sonnet,", message)

  def test_warn_on_clash_warns_with_the_text(self):
    with mock.patch.object(distribution_check, "find_clash",
                                    return_value="the text"):
      with self.assertWarnsRegex(distribution_check.DistributionClashWarning,
                                 "^the text$"):
        distribution_check.warn_on_clash(self.init_file)

  def test_broken_metadata_never_stops_the_import(self):
    with mock.patch.object(distribution_check, "find_clash",
                                    side_effect=ValueError("bad RECORD")):
      with warnings.catch_warnings():
        warnings.simplefilter("error")
        distribution_check.warn_on_clash(self.init_file)  # Neither raises nor warns.


class ImportWarningTest(absltest.TestCase):

  def test_import_sonnet_warns_about_dm_sonnet(self):
    with tempfile.TemporaryDirectory() as site:
      make_distribution(site, "dm-sonnet", "2.0.2", "Sonnet 2")
      env = dict(os.environ, PYTHONPATH=os.pathsep.join([REPO_ROOT, site]),
                 TF_CPP_MIN_LOG_LEVEL="3")
      script = ("import warnings; warnings.simplefilter('error', UserWarning)\n"
                "try:\n  import sonnet\nexcept UserWarning as w:\n"
                "  print('WARNED', type(w).__name__, w)\nelse:\n  print('NO WARNING')\n")
      result = subprocess.run([sys.executable, "-c", script], env=env, cwd=site,
                              capture_output=True, text=True, timeout=300)
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn("WARNED DistributionClashWarning", result.stdout)
    self.assertIn("dm-sonnet 2.0.2 (Sonnet 2) in %s" % site, result.stdout)
    self.assertIn("`import sonnet` imports the source tree at %s" % REPO_ROOT, result.stdout)


if __name__ == "__main__":
  absltest.main()
