# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Runs examples/char_lm.py for a few steps."""

import os
import sys
import unittest

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

  def test_text_is_read_from_the_standard_library(self):
    text = char_lm.load_stdlib_text(5000)
    self.assertEqual(len(text), 5000)
    ids = char_lm.encode(text)
    self.assertEqual(char_lm.decode(ids[:10]), "".join(
        c if c in char_lm.VOCAB else "?" for c in text[:10]))


if __name__ == "__main__":
  unittest.main()
