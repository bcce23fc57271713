# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for the fused LSTM kernel that `snt.dynamic_unroll` runs for a plain `snt.LSTM`."""

from unittest import mock

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import fused_lstm
from sonnet.src import test_utils

B, D = 3, 2


class FusedLSTMTest(tf.test.TestCase, parameterized.TestCase):
  """The plain LSTM's dynamic unroll runs a fused kernel with a hand-written gradient."""

  @parameterized.named_parameters(("all_valid", None), ("lengths", [2, 1, 0]))
  def test_kernel_gradient_float64(self, lengths):
    rng = np.random.RandomState(0)
    args = [tf.constant(rng.randn(*shape), tf.float64) for shape in
            ([2, 3, 8], [3, 2], [3, 2], [2, 8])]
    lengths = None if lengths is None else tf.constant(lengths)
    # Outputs (12), final hidden (6) and cell (6) seen along 4 random directions: a wrong
    # gradient shows in every direction almost surely, at 4 rather than 24 backward passes.
    directions = tf.constant(rng.randn(4, 24), tf.float64)

    def fn(projected, h, c, w_h):
      outputs, h_t, c_t = fused_lstm.fused_lstm_sequence(projected, h, c, w_h, lengths)
      flat = tf.concat([tf.reshape(outputs, [-1]), tf.reshape(h_t, [-1]),
                        tf.reshape(c_t, [-1])], 0)
      return tf.linalg.matvec(directions, flat)

    theoretical, numerical = tf.test.compute_gradient(fn, args)
    for t, n in zip(theoretical, numerical):
      self.assertAllClose(t, n, atol=1e-6)  # Finite differences: O(delta^2) error.

  @parameterized.named_parameters(*[
      (f"{mode}_{lengths is not None}", mode, lengths)
      for mode in test_utils.MODES for lengths in (None, [5, 2, 0])])
  def test_matches_step_by_step_with_gradients(self, mode, lengths):
    rng = np.random.RandomState(1)
    x_value = rng.randn(5, B, D)
    state_value = rng.randn(2, B, 3)

    def fn():
      lstm = snt.LSTM(3, forget_bias=0.7)
      x = tf.constant(x_value)
      results = []
      for unroll in (snt.dynamic_unroll, snt.static_unroll):
        initial = snt.LSTMState(tf.constant(state_value[0]), tf.constant(state_value[1]))
        with tf.GradientTape() as tape:
          tape.watch([x, initial])
          outputs, final = unroll(lstm, x, initial, sequence_length=lengths)
          loss = (tf.reduce_sum(tf.sin(outputs)) + tf.reduce_sum(final.hidden * 2) +
                  tf.reduce_sum(final.cell ** 2))
        grads = tape.gradient(loss, [x, initial] + list(lstm.trainable_variables))
        results.append((outputs, final, grads))
      return results

    fused, reference = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(fused, reference, atol=1e-10)

  @parameterized.named_parameters(
      ("plain", {}, 1), ("peepholes", dict(use_peepholes=True), 0),
      ("layer_norm", dict(use_layer_norm=True), 0), ("projection", dict(projection_size=2), 0),
      ("clipping", dict(cell_clip_value=1.0), 0))
  def test_used_only_for_the_plain_lstm(self, options, expected_calls):
    lstm = snt.LSTM(3, **options)
    with mock.patch.object(fused_lstm, "fused_lstm_sequence",
                           wraps=fused_lstm.fused_lstm_sequence) as kernel:
      outputs, _ = snt.dynamic_unroll(lstm, tf.ones([4, B, D]), lstm.initial_state(B))
      snt.static_unroll(lstm, tf.ones([4, B, D]), lstm.initial_state(B))
    self.assertEqual(kernel.call_count, expected_calls)
    self.assertEqual(outputs.shape, [4, B, lstm.output_size[0]])

  def test_unknown_length_known_batch_and_unused_outputs(self):
    lstm = snt.LSTM(3)

    @tf.function(input_signature=[tf.TensorSpec([None, B, D], tf.float64)])
    def final_cell_grad(x):
      with tf.GradientTape() as tape:
        _, final = snt.dynamic_unroll(lstm, x, lstm.initial_state(B, tf.float64))
        loss = tf.reduce_sum(final.cell)
      return tape.gradient(loss, lstm.w_gates)

    x = tf.random.normal([4, B, D], dtype=tf.float64)
    with tf.GradientTape() as tape:
      _, final = snt.static_unroll(lstm, x, lstm.initial_state(B, tf.float64))
      loss = tf.reduce_sum(final.cell)
    self.assertAllClose(final_cell_grad(x), tape.gradient(loss, lstm.w_gates))
    self.assertAllEqual(final_cell_grad(tf.zeros([0, B, D], tf.float64)),
                        np.zeros([D + 3, 12]))


if __name__ == "__main__":
  tf.test.main()
