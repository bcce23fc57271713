# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for the fused GRU kernel that `snt.dynamic_unroll` runs for `snt.GRU`."""

from unittest import mock

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import fused_gru
from sonnet.src import test_utils

B, D, H = 3, 2, 3


def _numpy_gru(x, h, w, u, b, lengths):
  """A numpy GRU unroll: (outputs, final state); w, u, b hold the z, r, h parts."""
  sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731 (a one-line helper)
  outputs = []
  for t, x_t in enumerate(x):
    z = sigmoid(x_t @ w["z"] + h @ u["z"] + b["z"])
    r = sigmoid(x_t @ w["r"] + h @ u["r"] + b["r"])
    new_h = (1 - z) * h + z * np.tanh(x_t @ w["h"] + (r * h) @ u["h"] + b["h"])
    valid = (t < np.asarray(lengths))[:, None] if lengths is not None else True
    outputs.append(np.where(valid, new_h, 0))
    h = np.where(valid, new_h, h)
  return np.stack(outputs), h


class FusedGRUTest(tf.test.TestCase, parameterized.TestCase):
  """The GRU's dynamic unroll runs a fused kernel with a hand-written gradient."""

  @parameterized.named_parameters(("all_valid", None), ("lengths", [2, 1, 0]))
  def test_kernel_gradient_float64(self, lengths):
    rng = np.random.RandomState(0)
    args = [tf.constant(rng.randn(*shape), tf.float64) for shape in
            ([2, B, 3 * H], [B, H], [H, 2 * H], [H, H])]
    lengths = None if lengths is None else tf.constant(lengths)
    # Outputs (18) and final state (9) seen along 4 random directions (a wrong gradient
    # shows in every direction almost surely).
    directions = tf.constant(rng.randn(4, 27), tf.float64)

    def fn(projected, h, u_zr, u_h):
      outputs, final = fused_gru.fused_gru_sequence(projected, h, u_zr, u_h, lengths)
      flat = tf.concat([tf.reshape(outputs, [-1]), tf.reshape(final, [-1])], 0)
      return tf.linalg.matvec(directions, flat)

    theoretical, numerical = tf.test.compute_gradient(fn, args, delta=1e-4)
    for t, n in zip(theoretical, numerical):
      self.assertAllClose(t, n, atol=1e-7)  # Finite differences: O(delta^2) error.

  @parameterized.named_parameters(("all_valid", None), ("lengths", [4, 1, 0]))
  def test_matches_numpy(self, lengths):
    rng = np.random.RandomState(2)
    x, h = rng.randn(4, B, D), rng.randn(B, H)
    gru = snt.GRU(H)
    outputs, final = snt.dynamic_unroll(gru, tf.constant(x), tf.constant(h),
                                        sequence_length=lengths)
    # The variables by name: {"z": wz, "r": wr, "h": wh} and so on.
    by_name = {v.name.split("/")[-1].split(":")[0]: v.numpy() for v in gru.variables}
    w, u, b = ({k: by_name[prefix + k] for k in "zrh"} for prefix in "wub")
    want_outputs, want_final = _numpy_gru(x, h, w, u, b, lengths)
    self.assertAllClose(outputs, want_outputs, atol=1e-12)
    self.assertAllClose(final, want_final, atol=1e-12)

  @parameterized.named_parameters(*[
      (f"{mode}_{lengths is not None}", mode, lengths)
      for mode in test_utils.MODES for lengths in (None, [5, 2, 0])])
  def test_matches_step_by_step_with_gradients(self, mode, lengths):
    rng = np.random.RandomState(1)
    x_value, state_value = rng.randn(5, B, D), rng.randn(B, H)

    def fn():
      gru = snt.GRU(H)
      x = tf.constant(x_value)
      results = []
      for unroll in (snt.dynamic_unroll, snt.static_unroll):
        initial = tf.constant(state_value)
        with tf.GradientTape() as tape:
          tape.watch([x, initial])
          outputs, final = unroll(gru, x, initial, sequence_length=lengths)
          loss = tf.reduce_sum(tf.sin(outputs)) + tf.reduce_sum(final ** 2)
        grads = tape.gradient(loss, [x, initial] + list(gru.trainable_variables))
        results.append((outputs, final, grads))
      return results

    fused, reference = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(fused, reference, atol=1e-10)

  def test_not_used_for_nested_inputs_or_overridden_build(self):

    class DoubledGRU(snt.GRU):

      def _build(self, inputs, prev_state):
        output, state = super()._build(inputs, prev_state)
        return output * 2, state

    with mock.patch.object(fused_gru, "fused_gru_sequence",
                           wraps=fused_gru.fused_gru_sequence) as kernel:
      gru = snt.GRU(H)
      outputs, _ = snt.dynamic_unroll(gru, tf.ones([4, B, D]), gru.initial_state(B))
      self.assertEqual(kernel.call_count, 1)
      self.assertEqual(outputs.shape, [4, B, H])
      doubled = DoubledGRU(H)
      outputs, _ = snt.dynamic_unroll(doubled, tf.ones([4, B, D]), doubled.initial_state(B))
      want, _ = snt.static_unroll(doubled, tf.ones([4, B, D]), doubled.initial_state(B))
      self.assertEqual(kernel.call_count, 1)
    self.assertAllClose(outputs, want)

  def test_unknown_length_known_batch_and_unused_outputs(self):
    gru = snt.GRU(H)

    @tf.function(input_signature=[tf.TensorSpec([None, B, D], tf.float64)])
    def final_grad(x):
      with tf.GradientTape() as tape:
        _, final = snt.dynamic_unroll(gru, x, gru.initial_state(B, tf.float64))
        loss = tf.reduce_sum(final)
      return tape.gradient(loss, gru._uh)  # noqa: SLF001 (the variable under test)

    x = tf.random.normal([4, B, D], dtype=tf.float64)
    with tf.GradientTape() as tape:
      _, final = snt.static_unroll(gru, x, gru.initial_state(B, tf.float64))
      loss = tf.reduce_sum(final)
    self.assertAllClose(final_grad(x), tape.gradient(loss, gru._uh))  # noqa: SLF001
    self.assertAllEqual(final_grad(tf.zeros([0, B, D], tf.float64)), np.zeros([H, H]))

  @parameterized.named_parameters(
      ("gru_all_valid", snt.GRU, None), ("gru_lengths", snt.GRU, [4, 1, 0]),
      ("lstm_all_valid", snt.LSTM, None), ("lstm_lengths", snt.LSTM, [4, 1, 0]))
  def test_persistent_tape_gradient_twice(self, core_class, lengths):
    # Both fused kernels: a persistent tape runs the backward loop twice, alike.
    core = core_class(H)
    x = tf.constant(np.random.RandomState(3).randn(4, B, D))
    with tf.GradientTape(persistent=True) as tape:
      tape.watch(x)
      outputs, _ = snt.dynamic_unroll(core, x, core.initial_state(B, tf.float64),
                                      sequence_length=lengths)
      loss = tf.reduce_sum(outputs ** 2)
    first, second = tape.gradient(loss, x), tape.gradient(loss, x)
    with tf.GradientTape() as tape:
      tape.watch(x)
      outputs, _ = snt.static_unroll(core, x, core.initial_state(B, tf.float64),
                                     sequence_length=lengths)
      loss = tf.reduce_sum(outputs ** 2)
    self.assertAllEqual(first, second)
    self.assertAllClose(first, tape.gradient(loss, x), atol=1e-12)

  @parameterized.named_parameters(("lstm", snt.LSTM), ("gru", snt.GRU))
  def test_saved_model_with_sequence_length_and_gradients(self, core_class):
    # A SavedModel saves the gradient functions too: they must capture no loop arrays.
    core, module = core_class(H), tf.Module()
    module.core = core
    snt.static_unroll(core, tf.zeros([1, B, D]), core.initial_state(B))

    def call(x, lengths):
      with tf.GradientTape() as tape:
        tape.watch(x)
        outputs, _ = snt.dynamic_unroll(core, x, core.initial_state(B),
                                        sequence_length=lengths)
        loss = tf.reduce_sum(outputs ** 2)
      return outputs, tape.gradient(loss, x)

    module.call = tf.function(call, input_signature=[
        tf.TensorSpec([4, B, D]), tf.TensorSpec([B], tf.int32)])
    args = (tf.constant(np.random.RandomState(4).randn(4, B, D), tf.float32),
            tf.constant([4, 2, 0]))
    path = self.get_temp_dir() + "/saved_" + core.module_name
    tf.saved_model.save(module, path)
    loaded = tf.saved_model.load(path)
    self.assertAllClose(loaded.call(*args), module.call(*args))


if __name__ == "__main__":
  tf.test.main()
