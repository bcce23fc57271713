# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Checks that the LSTM/GRU benchmark compares equal work, and runs it tiny."""

import contextlib
import io

import numpy as np
import tensorflow as tf

from bench import lstm_bench

SHAPES = dict(hidden=3, input_size=2, batch=4, steps=5)


def _loss_and_input_gradient(step):
  loss, d_x = step()[:2]
  return np.asarray(loss.numpy()), np.asarray(d_x.numpy())


class LSTMBenchTest(tf.test.TestCase):

  def _check_agree(self, candidates, reference_name, skip=()):
    names = [name for name, _ in candidates]
    reference = _loss_and_input_gradient(dict(candidates)[reference_name])
    self.assertEqual(reference[1].shape, (SHAPES["batch"], SHAPES["steps"],
                                          SHAPES["input_size"]))
    for name, step in candidates:
      if name in skip or "sequence_length" in name:
        continue
      for got, want in zip(_loss_and_input_gradient(step), reference):
        self.assertAllClose(got, want, atol=1e-5, msg=name)
    return names

  def test_lstm_candidates_agree(self):
    candidates = lstm_bench.lstm_candidates(**SHAPES)
    names = self._check_agree(candidates, "snt.dynamic_unroll (time-major)")
    self.assertEqual(names[0] == "torch.nn.LSTM", lstm_bench.torch is not None)
    # With sequence_length the loss differs, but the fused kernel equals the step path's.
    self.assertIn("keras.layers.LSTM", names)

  def test_gru_candidates_agree(self):
    candidates = lstm_bench.gru_candidates(**SHAPES)
    names = self._check_agree(candidates, "snt.dynamic_unroll GRU (time-major)",
                              skip=("torch.nn.GRU",))  # Another GRU variant.
    self.assertIn("keras.layers.GRU (reset_after=False)", names)

  def test_main_prints_every_row(self):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
      lstm_bench.main(["--hidden", "3", "--input", "2", "--batch", "4", "--steps", "5",
                       "--repeats", "2", "--threads", "0"])
    text = out.getvalue()
    for row in ("keras.layers.LSTM", "snt.dynamic_unroll (time-major)",
                "snt.dynamic_unroll (sequence_length)", "snt.dynamic_unroll GRU (batch-major)"):
      self.assertIn(row, text)
    if lstm_bench.torch is not None:
      self.assertIn("torch.nn.LSTM", text)
      self.assertIn("/ torch (median)", text)


if __name__ == "__main__":
  tf.test.main()
