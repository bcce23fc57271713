# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Runs examples/distributed_convnet.py briefly: two replicas against one device."""

import json
import os
import subprocess
import sys
import unittest

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO_ROOT, "examples", "distributed_convnet.py")

# Both runs in one fresh process: the CPU must be split before TensorFlow sets it up.
COMPARE = """
import json
from examples import distributed_convnet as example
example.split_cpu()
results = {}
for single in (False, True):
  metrics = example.train_and_evaluate(steps=60, batch_size=64, seed=3, single_device=single)
  results[str(single)] = {"accuracy": metrics["test_accuracy"],
                          "first_loss": metrics["first_loss"],
                          "final_loss": metrics["final_loss"],
                          "replicas": metrics["replicas"],
                          "moving_mean": metrics["moving_mean"].tolist()}
print("RESULTS " + json.dumps(results))
"""


def _env():
  return dict(os.environ, PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="2")


class DistributedConvnetTest(unittest.TestCase):

  def test_help_exits_with_zero(self):
    result = subprocess.run([sys.executable, SCRIPT, "--help"], env=_env(),
                            capture_output=True, text=True, timeout=120, check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-2000:])
    self.assertIn("--single_device", result.stdout + result.stderr)

  @pytest.mark.slow
  def test_two_replicas_learn_like_one_device(self):
    result = subprocess.run([sys.executable, "-c", COMPARE], env=_env(), cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-4000:])
    line = [text for text in result.stdout.splitlines() if text.startswith("RESULTS ")][-1]
    results = json.loads(line[len("RESULTS "):])
    mirrored, single = results["False"], results["True"]
    self.assertEqual((mirrored["replicas"], single["replicas"]), (2, 1))
    # Same initialisation and batches: nearly the same first loss (each replica's
    # BatchNorm normalises with its own half batch's statistics), then the same learning.
    self.assertAlmostEqual(mirrored["first_loss"], single["first_loss"], delta=0.02)
    for metrics in (mirrored, single):
      self.assertLess(metrics["final_loss"], metrics["first_loss"] / 2, metrics)
      self.assertGreater(metrics["accuracy"], 0.8, metrics)  # Chance is 0.25.
    self.assertLess(abs(mirrored["accuracy"] - single["accuracy"]), 0.05, results)
    # BatchNorm's moving mean (what a checkpoint saves) follows the same data.
    for a, b in zip(mirrored["moving_mean"], single["moving_mean"]):
      self.assertAlmostEqual(a, b, delta=0.05 + 0.05 * abs(b))


if __name__ == "__main__":
  unittest.main()
