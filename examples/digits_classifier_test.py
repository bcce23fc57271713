"""Runs examples/digits_classifier.py for a few steps: in-process and as a script."""

import glob
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import pytest
import tensorflow as tf

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

  def test_checkpoint_resume(self):
    with tempfile.TemporaryDirectory() as checkpoint_dir:
      kwargs = dict(batch_size=16, seed=2, model="mlp", log_every=0,
                    checkpoint_dir=checkpoint_dir, checkpoint_every=4)
      first = digits_classifier.train_and_evaluate(steps=10, **kwargs)
      self.assertEqual((first["start_step"], first["step"]), (0, 10))
      # Every 4 steps and after the last; the manager keeps the 3 newest.
      self.assertEqual(tf.train.latest_checkpoint(checkpoint_dir),
                       os.path.join(checkpoint_dir, "ckpt-10"))
      saved = tf.train.load_checkpoint(checkpoint_dir)
      self.assertEqual(saved.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE"), 10)
      # Nothing left to train: the restored weights alone give the same predictions.
      again = digits_classifier.train_and_evaluate(steps=10, **kwargs)
      self.assertEqual((again["start_step"], again["step"]), (10, 10))
      self.assertEqual(again["test_accuracy"], first["test_accuracy"])
      self.assertEqual(again["train_accuracy"], first["train_accuracy"])
      self.assertTrue(np.isnan(again["first_loss"]))
      # More steps continue from step 10 (the optimizer's step counter too).
      more = digits_classifier.train_and_evaluate(steps=14, **kwargs)
      self.assertEqual((more["start_step"], more["step"]), (10, 14))
      saved = tf.train.load_checkpoint(checkpoint_dir)
      self.assertEqual(saved.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE"), 14)
      self.assertEqual(saved.get_tensor("optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE"), 14)

  def test_resumed_run_matches_an_uninterrupted_one(self):
    with tempfile.TemporaryDirectory() as checkpoint_dir:
      kwargs = dict(batch_size=16, seed=4, model="mlp", log_every=0)
      straight = digits_classifier.train_and_evaluate(steps=12, **kwargs)
      digits_classifier.train_and_evaluate(steps=6, checkpoint_dir=checkpoint_dir, **kwargs)
      resumed = digits_classifier.train_and_evaluate(steps=12, checkpoint_dir=checkpoint_dir,
                                                     **kwargs)
      self.assertEqual(resumed["start_step"], 6)
      # Same batches, restored weights and Adam moments: the same final loss.
      np.testing.assert_allclose(resumed["losses"], straight["losses"][6:], rtol=1e-4)
      self.assertEqual(resumed["test_accuracy"], straight["test_accuracy"])

  def test_logdir_gets_summaries(self):
    with tempfile.TemporaryDirectory() as logdir:
      digits_classifier.train_and_evaluate(steps=4, batch_size=8, seed=0, model="mlp",
                                           log_every=2, logdir=logdir)
      events = glob.glob(os.path.join(logdir, "events.out.tfevents.*"))
      self.assertEqual(len(events), 1, events)
      tags = {value.tag: value for event in tf.compat.v1.train.summary_iterator(events[0])
              for value in event.summary.value}
      self.assertEqual(set(tags), {"loss", "train_accuracy", "test_accuracy"})


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

  def test_help_exits_with_zero(self):
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    script = os.path.join(REPO_ROOT, "examples", "digits_classifier.py")
    result = subprocess.run([sys.executable, script, "--help"], env=env,
                            capture_output=True, text=True, timeout=300)
    self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
    self.assertIn("--checkpoint_dir", result.stdout)
    # A bad flag is still an error.
    result = subprocess.run([sys.executable, script, "--steps=many"], env=env,
                            capture_output=True, text=True, timeout=300)
    self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
    self.assertIn("Flags parsing error", result.stderr)


if __name__ == "__main__":
  unittest.main()
