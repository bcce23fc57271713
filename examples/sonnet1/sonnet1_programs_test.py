# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Runs the Sonnet 1-style programs of examples/sonnet1/ for a few steps.

Each program runs in its own process (TF1 behaviour is process-wide) against this source
tree (`PYTHONPATH`), with flags small enough for a few seconds of training, and must exit
with status 0 and print losses that went down.
"""

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import unittest

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
HAS_TFP = importlib.util.find_spec("tensorflow_probability") is not None
# Imports TensorFlow Probability as missing, then runs the program as __main__.
WITHOUT_TFP = ("import runpy, sys; sys.modules['tensorflow_probability'] = None; "
               "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")
TIMEOUT_S = 300


def run_program(name, *flags, python_args=()):
  """Runs examples/sonnet1/<name>.py; returns (exit status, stdout, stderr)."""
  env = dict(os.environ, PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="2",
             CUDA_VISIBLE_DEVICES="")
  result = subprocess.run(
      [sys.executable, *python_args, os.path.join(HERE, name + ".py"), *flags],
      env=env, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=REPO_ROOT)
  return result.returncode, result.stdout, result.stderr


def number(pattern, text):
  """The float the regex `pattern` captures in `text` (its last match)."""
  matches = re.findall(pattern, text)
  if not matches:
    raise AssertionError(f"{pattern!r} not in the output:\n{text}")
  return float(matches[-1])


@pytest.mark.slow
class Sonnet1ProgramsTest(unittest.TestCase):

  def run_and_check(self, name, *flags, min_decrease):
    status, out, err = run_program(name, *flags)
    self.assertEqual(status, 0, f"{name} failed:\n{out}\n{err[-5000:]}")
    first, final = number(r"first_loss (\S+)", out), number(r"final_loss (\S+)", out)
    self.assertLess(final, first - min_decrease, out)
    return out

  def test_mnist_mlp(self):
    out = self.run_and_check("mnist_mlp", "--num_steps=40", "--batch_size=32",
                             "--hidden_sizes=32", "--num_train=500", "--num_test=200",
                             "--report_every=0", min_decrease=1.0)
    self.assertGreater(number(r"test_accuracy (\S+)", out), 0.5, out)

  def test_batch_norm_walkthrough(self):
    with tempfile.TemporaryDirectory() as checkpoint_dir:
      out = self.run_and_check("batch_norm_walkthrough", "--num_steps=40",
                               "--num_channels=4", "--image_size=8", "--report_every=0",
                               f"--checkpoint_dir={checkpoint_dir}", min_decrease=0.3)
    # Two BatchNorms update through UPDATE_OPS; BatchNormV2 updates with its output.
    self.assertIn("4 update ops in tf.GraphKeys.UPDATE_OPS", out)
    self.assertIn("restored moving_mean", out)
    accuracies = re.search(r"test_accuracy (\S+) \(moving statistics\), (\S+)", out)
    self.assertGreater(float(accuracies.group(1)), 0.5, out)
    self.assertGreater(float(accuracies.group(2)), 0.5, out)

  def test_char_rnn(self):
    with tempfile.TemporaryDirectory() as checkpoint_dir:
      out = self.run_and_check(
          "char_rnn", "--num_steps=60", "--batch_size=8", "--truncation_length=12",
          "--hidden_size=24", "--embedding_size=8", "--learning_rate=0.03",
          "--sample_length=10", "--report_every=0", "--checkpoint_every=30",
          f"--checkpoint_dir={checkpoint_dir}", min_decrease=0.1)
      self.assertTrue(os.path.exists(os.path.join(checkpoint_dir, "model.ckpt-60.index")))
    self.assertIn("restored model.ckpt-60; sample:", out)
    valid = re.search(r"valid_loss (\S+) -> (\S+)", out)
    self.assertLess(float(valid.group(2)), float(valid.group(1)), out)

  def test_relational_nth_farthest(self):
    out = self.run_and_check("relational_nth_farthest", "--num_steps=80",
                             "--batch_size=32", "--head_size=8", "--report_every=0",
                             min_decrease=0.1)
    self.assertIn("with submodules: 22", out)

  def test_vqvae(self):
    for vq_flag in ("--vq_ema", "--novq_ema"):
      with self.subTest(vq_flag):
        out = self.run_and_check("vqvae", vq_flag, "--num_steps=30", "--batch_size=16",
                                 "--num_hiddens=16", "--num_residual_hiddens=8",
                                 "--num_residual_layers=1", "--report_every=0",
                                 min_decrease=0.5)
        self.assertIn("decoded codes to images of shape (64, 16, 16, 3)", out)

  @unittest.skipUnless(HAS_TFP, "tensorflow_probability is not installed "
                       "(pip install \"sonnet1-tf[bayes]\")")
  def test_bayes_rnn(self):
    out = self.run_and_check("bayes_rnn", "--num_steps=50", "--hidden_size=16",
                             "--report_every=0", min_decrease=1.0)
    self.assertIn("'bayes_lm/softmax/linear/w'", out)  # By the variable_scope's getter.

  def test_bayes_rnn_without_tfp_names_the_package(self):
    status, out, err = run_program("bayes_rnn", "--num_steps=1",
                                   python_args=("-c", WITHOUT_TFP))
    self.assertNotEqual(status, 0, out)
    self.assertIn("ImportError: snt.custom_getters.bayes_by_backprop."
                  "bayes_by_backprop_getter needs TensorFlow Probability", err)
    self.assertIn('pip install "sonnet1-tf[bayes]"', err)


if __name__ == "__main__":
  unittest.main()
