# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Runs examples/mixed_precision_mlp.py for a few steps: in-process and as a script."""

import os
import subprocess
import sys
import unittest

import keras
import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from examples import mixed_precision_mlp  # noqa: E402 (after the sys.path entry above)


class MixedPrecisionMlpTest(unittest.TestCase):

  def test_every_precision_learns(self):
    for precision, logits_dtype in (("float32", "float32"), ("mixed_bfloat16", "bfloat16"),
                                    ("mixed_float16", "float16")):
      metrics = mixed_precision_mlp.train_and_evaluate(
          steps=120, batch_size=32, seed=1, precision=precision, log_every=0)
      self.assertEqual(metrics["logits_dtype"], logits_dtype, precision)
      self.assertEqual(metrics["variable_dtypes"], {"float32"}, precision)
      self.assertLess(metrics["final_loss"], metrics["first_loss"] / 4, (precision, metrics))
      self.assertGreater(metrics["test_accuracy"], 0.85, (precision, metrics))  # chance 0.1

  def test_keras_policy_is_followed_and_restored(self):
    metrics = mixed_precision_mlp.train_and_evaluate(
        steps=20, batch_size=16, seed=2, precision="mixed_float16", policy="keras",
        log_every=0)
    self.assertEqual(metrics["logits_dtype"], "float16")
    self.assertEqual(metrics["variable_dtypes"], {"float32"})
    self.assertEqual(keras.mixed_precision.global_policy().name, "float32")


@pytest.mark.slow
class MixedPrecisionMlpScriptTest(unittest.TestCase):

  def test_script_and_help(self):
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    script = os.path.join(REPO_ROOT, "examples", "mixed_precision_mlp.py")
    result = subprocess.run([sys.executable, script, "--steps=10", "--batch_size=16"],
                            env=env, capture_output=True, text=True, timeout=300)
    self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
    self.assertRegex(result.stdout, r"Test accuracy: [01]\.\d{4} \(mixed_bfloat16, logits "
                     r"bfloat16, variables float32, 10 steps")
    result = subprocess.run([sys.executable, script, "--help"], env=env,
                            capture_output=True, text=True, timeout=300)
    self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
    self.assertIn("--precision", result.stdout)


if __name__ == "__main__":
  unittest.main()
