# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Runs examples/char_lm.py for a few steps."""

import glob
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import tensorflow as tf

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from examples import char_lm  # noqa: E402 (after the sys.path entry above)


class CharLMTest(unittest.TestCase):

  def test_few_steps_learn_and_sample(self):
    result = char_lm.train_and_sample(
        num_steps=40, batch_size=8, unroll_length=16, hidden_size=32, num_layers=1,
        learning_rate=1e-2, max_chars=20_000, sample_length=20, log_every=0, seed=1)
    # Uniform guessing over the 96 characters costs log2(96) = 6.6 bits.
    self.assertLess(result["final_loss"], 4.5, result)
    self.assertLess(result["final_loss"], result["first_loss"] - 1.0, result)
    self.assertEqual(len(result["sample"]), len("def ") + 20)
    self.assertTrue(set(result["sample"]) <= set(char_lm.VOCAB))

  def test_checkpoint_resume_and_summaries(self):
    tiny = dict(batch_size=4, unroll_length=8, hidden_size=16, num_layers=1,
                max_chars=5_000, sample_length=5, log_every=2, seed=2, checkpoint_every=3)
    with tempfile.TemporaryDirectory() as workdir:
      checkpoint_dir = os.path.join(workdir, "ckpt")
      logdir = os.path.join(workdir, "logs")
      first = char_lm.train_and_sample(num_steps=4, checkpoint_dir=checkpoint_dir,
                                       logdir=logdir, **tiny)
      self.assertEqual((first["start_step"], first["step"]), (0, 4))
      self.assertEqual(tf.train.latest_checkpoint(checkpoint_dir),
                       os.path.join(checkpoint_dir, "ckpt-4"))
      trained = [v.numpy() for v in first["model"].variables]
      # Nothing left to train: a fresh model gets the saved weights back.
      again = char_lm.train_and_sample(num_steps=4, checkpoint_dir=checkpoint_dir, **tiny)
      self.assertEqual((again["start_step"], again["step"]), (4, 4))
      self.assertTrue(np.isnan(again["final_loss"]))
      restored = [v.numpy() for v in again["model"].variables]
      self.assertEqual(len(restored), len(trained))
      for saved, value in zip(trained, restored):
        np.testing.assert_array_equal(value, saved)
      more = char_lm.train_and_sample(num_steps=6, checkpoint_dir=checkpoint_dir, **tiny)
      self.assertEqual((more["start_step"], more["step"]), (4, 6))
      saved = tf.train.load_checkpoint(checkpoint_dir)
      self.assertEqual(saved.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE"), 6)
      self.assertEqual(saved.get_tensor("optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE"), 6)
      events = glob.glob(os.path.join(logdir, "events.out.tfevents.*"))
      self.assertEqual(len(events), 1, events)
      tags = {value.tag for event in tf.compat.v1.train.summary_iterator(events[0])
              for value in event.summary.value}
      self.assertEqual(tags, {"loss_bits_per_char", "sample"})

  def test_help_exits_with_zero(self):
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, os.path.join(REPO_ROOT, "examples", "char_lm.py"), "--help"],
        env=env, capture_output=True, text=True, timeout=300)
    self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
    self.assertIn("--checkpoint_dir", result.stdout)

  def test_text_is_read_from_the_standard_library(self):
    text = char_lm.load_stdlib_text(5000)
    self.assertEqual(len(text), 5000)
    ids = char_lm.encode(text)
    self.assertEqual(char_lm.decode(ids[:10]), "".join(
        c if c in char_lm.VOCAB else "?" for c in text[:10]))


if __name__ == "__main__":
  unittest.main()
