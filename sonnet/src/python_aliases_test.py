# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for the Sonnet 1 import paths `sonnet.python.*` (aliases of the public API)."""

import importlib
import os
import subprocess
import sys

from absl.testing import absltest

import sonnet as snt

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class AliasesTest(absltest.TestCase):

  def test_paths_resolve_to_public_objects(self):
    import sonnet.python.custom_getters.bayes_by_backprop as bbb  # pylint: disable=g-import-not-at-top
    from sonnet.python.modules import basic  # pylint: disable=g-import-not-at-top
    from sonnet.python.modules import util  # pylint: disable=g-import-not-at-top
    from sonnet.python.modules.nets import mlp  # pylint: disable=g-import-not-at-top
    from sonnet.python.ops import nest  # pylint: disable=g-import-not-at-top

    self.assertIs(basic.Linear, snt.Linear)
    self.assertIs(util.SUPPORTED, snt.SUPPORTED)
    self.assertIs(util.reuse_variables, snt.reuse_variables)
    self.assertIs(mlp.MLP, snt.nets.MLP)
    self.assertIs(nest.flatten, snt.nest.flatten)
    self.assertIs(bbb.EstimatorModes, snt.custom_getters.bayes_by_backprop.EstimatorModes)
    self.assertIs(importlib.import_module("sonnet.python.custom_getters.context").Context,
                  snt.custom_getters.Context)
    self.assertIs(importlib.import_module("sonnet.python.ops.initializers").zeros,
                  snt.initializers.zeros)
    self.assertIn("Linear", dir(basic))

  def test_missing_names_and_paths(self):
    from sonnet.python.modules import basic  # pylint: disable=g-import-not-at-top
    with self.assertRaisesRegex(AttributeError, "'NoSuchModule'.*public names of snt"):
      _ = basic.NoSuchModule
    with self.assertRaises(AttributeError):
      _ = basic._private_helper  # noqa: SLF001
    with self.assertRaises(ImportError):
      importlib.import_module("sonnet.python.modules.no_such_module")

  def test_import_sonnet_does_not_load_them(self):
    script = ("import sys, sonnet\n"
              "print(any(m.startswith('sonnet.python') for m in sys.modules),"
              " hasattr(sonnet, 'python'))")
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertEqual(result.stdout.split(), ["False", "False"])


if __name__ == "__main__":
  absltest.main()
