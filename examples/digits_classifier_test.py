"""Runs examples/digits_classifier.py for a few steps: in-process and as a script."""

import os
import subprocess
import sys
import unittest

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from examples import digits_classifier  # noqa: E402 (after the sys.path entry above)


class DigitsClassifierTest(unittest.TestCase):

  def test_short_training_learns(self):
    for model in ("convnet", "mlp"):
      metrics = digits_classifier.train_and_evaluate(steps=150, batch_size=32, seed=1,
                                                     model=model, log_every=0)
      self.assertLess(metrics["final_loss"], metrics["first_loss"] / 4, (model, metrics))
      self.assertGreater(metrics["test_accuracy"], 0.85, (model, metrics))  # chance is 0.1

  def test_data_split(self):
    x_train, y_train, x_test, y_test = digits_classifier.load_digits(seed=0)
    self.assertEqual(x_train.shape[1:], (8, 8, 1))
    self.assertEqual(len(x_train) + len(x_test), 1797)
    self.assertEqual(len(x_test), 450)
    self.assertEqual(set(y_train) | set(y_test), set(range(10)))
    self.assertLessEqual(x_train.max(), 1.0)


@pytest.mark.slow
class DigitsClassifierScriptTest(unittest.TestCase):

  def test_script_reports_test_accuracy(self):
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, os.path.join(REPO_ROOT, "examples", "digits_classifier.py"),
         "--steps=20", "--batch_size=16", "--seed=3", "--log_every=10"],
        env=env, capture_output=True, text=True, timeout=300)
    self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
    self.assertRegex(result.stdout, r"Test accuracy: [01]\.\d{4} \(convnet model, 20 steps")
    self.assertIn("step 10/20", result.stderr)


if __name__ == "__main__":
  unittest.main()
