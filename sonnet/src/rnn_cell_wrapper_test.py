# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.RNNCellWrapper."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils


def _sigmoid(x):
  return 1.0 / (1.0 + np.exp(-x))


def _numpy_keras_gru_step(x, h, kernel, recurrent_kernel, bias):
  """Keras GRUCell (reset_after=True, bias [2, 3 * units]), gate order z, r, h."""
  units = h.shape[1]
  x_proj = x @ kernel + bias[0]
  h_proj = h @ recurrent_kernel + bias[1]
  z = _sigmoid(x_proj[:, :units] + h_proj[:, :units])
  r = _sigmoid(x_proj[:, units:2 * units] + h_proj[:, units:2 * units])
  candidate = np.tanh(x_proj[:, 2 * units:] + r * h_proj[:, 2 * units:])
  return z * h + (1 - z) * candidate


def _numpy_keras_lstm_step(x, h, c, kernel, recurrent_kernel, bias):
  """Keras LSTMCell, gate order i, f, c, o."""
  z = x @ kernel + h @ recurrent_kernel + bias
  i, f, g, o = np.split(z, 4, axis=1)
  next_c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
  return _sigmoid(o) * np.tanh(next_c), next_c


X = np.random.RandomState(0).randn(2, 3).astype(np.float32)
H = np.random.RandomState(1).randn(2, 4).astype(np.float32)
C = np.random.RandomState(2).randn(2, 4).astype(np.float32)


def _by_leaf_name(core):
  return {v.name.split("/")[-1].split(":")[0]: v for v in core.variables}


class RNNCellWrapperTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_gru_cell_matches_numpy(self, mode):
    if mode == test_utils.LEGACY:
      self.skipTest("Keras 3 cells do not run after tf.compat.v1.disable_v2_behavior()")

    # Constructed outside: a Keras cell makes its own variables, once.
    core = snt.RNNCellWrapper(tf.keras.layers.GRUCell, 4)

    def fn():
      output, state = core(tf.constant(X), tf.constant(H))
      return output, state, _by_leaf_name(core)

    output, state, named = test_utils.evaluate_in_mode(mode, fn)
    expected = _numpy_keras_gru_step(X, H, named["kernel"], named["recurrent_kernel"],
                                     named["bias"])
    self.assertAllClose(output, expected, rtol=1e-5, atol=1e-6)
    self.assertAllClose(state, expected, rtol=1e-5, atol=1e-6)

  @test_utils.run_in_modes
  def test_lstm_cell_state_is_a_tuple(self, mode):

    core = snt.RNNCellWrapper(tf.keras.layers.LSTMCell, 4, name="wrapped_lstm")

    def fn():
      output, state = core(tf.constant(X), (tf.constant(H), tf.constant(C)))
      return output, state, _by_leaf_name(core)

    output, state, named = test_utils.evaluate_in_mode(mode, fn)
    self.assertIsInstance(state, tuple)
    expected_h, expected_c = _numpy_keras_lstm_step(
        X, H, C, named["kernel"], named["recurrent_kernel"], named["bias"])
    self.assertAllClose(output, expected_h, rtol=1e-5, atol=1e-6)
    self.assertAllClose(state[0], expected_h, rtol=1e-5, atol=1e-6)
    self.assertAllClose(state[1], expected_c, rtol=1e-5, atol=1e-6)

  def test_sizes_variables_and_unroll(self):
    core = snt.RNNCellWrapper(tf.keras.layers.LSTMCell, 4)
    self.assertEqual(core.state_size, (tf.TensorShape([4]), tf.TensorShape([4])))
    self.assertEqual(core.output_size, tf.TensorShape([4]))
    state = core.initial_state(2)
    sequence = np.random.RandomState(3).randn(5, 2, 3).astype(np.float32)
    outputs, final = snt.dynamic_unroll(core, tf.constant(sequence), state)
    self.assertEqual(outputs.shape, (5, 2, 4))
    self.assertLen(core.trainable_variables, 3)
    steps = []
    for t in range(5):
      out, state = core(tf.constant(sequence[t]), state)
      steps.append(out)
    self.assertAllClose(outputs, tf.stack(steps), rtol=1e-5, atol=1e-6)
    self.assertAllClose(final[1], state[1], rtol=1e-5, atol=1e-6)
    self.assertLen(core.trainable_variables, 3)  # Shared by every call.

  def test_gradients_reach_the_cell_variables(self):
    core = snt.RNNCellWrapper(tf.keras.layers.SimpleRNNCell, 3)
    with tf.GradientTape() as tape:
      out, _ = core(tf.constant(X), core.initial_state(2))
      loss = tf.reduce_sum(out)
    grads = tape.gradient(loss, core.trainable_variables)
    self.assertLen(grads, 3)
    self.assertTrue(all(g is not None for g in grads))

  def test_checkpoint_round_trip(self):
    core = snt.RNNCellWrapper(tf.keras.layers.GRUCell, 4)
    expected, _ = core(tf.constant(X), tf.constant(H))
    path = tf.train.Checkpoint(module=core).write(self.get_temp_dir() + "/ckpt")
    restored = snt.RNNCellWrapper(tf.keras.layers.GRUCell, 4)
    restored(tf.constant(X), tf.constant(H))
    tf.train.Checkpoint(module=restored).read(path).assert_existing_objects_matched()
    self.assertAllClose(restored(tf.constant(X), tf.constant(H))[0], expected)

  def test_cell_instance_and_sonnet_core(self):
    cell = tf.keras.layers.GRUCell(2)
    self.assertIs(snt.RNNCellWrapper(cell).cell, cell)
    core = snt.RNNCellWrapper(snt.LSTM, 3)
    output, state = core(tf.constant(X), core.initial_state(2))
    self.assertEqual(output.shape, (2, 3))
    self.assertIsInstance(state, snt.LSTMState)

  def test_errors(self):
    with self.assertRaisesRegex(TypeError, "must have `state_size` and `output_size`"):
      snt.RNNCellWrapper(lambda: object())
    core = snt.RNNCellWrapper(tf.keras.layers.GRUCell, 4)
    with self.assertRaises(snt.IncompatibleShapeError):
      core(tf.constant(X), tf.ones([2, 5]))


if __name__ == "__main__":
  tf.test.main()
