# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for LSTM and GRU against numpy references."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils

B, IN, H, P = 3, 4, 5, 2


def _sigmoid(x):
  return 1 / (1 + np.exp(-x))


def _random_initializers(seed, keys):
  rng = np.random.RandomState(seed)
  cache = {}

  def make(key):
    def init(shape, dtype=tf.float32, **unused):
      if key not in cache:
        cache[key] = rng.uniform(-0.8, 0.8, size=shape)
      return tf.constant(cache[key], dtype)
    return init
  return {k: make(k) for k in keys}, cache


def numpy_lstm_step(x, h, c, v, forget_bias=1.0, peepholes=False, layer_norm=False,
                    hidden_clip=None, cell_clip=None, projection=False):
  """Reference LSTM step; `v` maps variable names to arrays."""
  if hidden_clip is not None:
    h = np.clip(h, -hidden_clip, hidden_clip)
  if cell_clip is not None:
    c = np.clip(c, -cell_clip, cell_clip)
  gates = np.concatenate([x, h], 1) @ v["w_gates"]
  if layer_norm:
    mean = gates.mean(1, keepdims=True)
    var = gates.var(1, keepdims=True)
    gates = (gates - mean) / np.sqrt(var + 1e-5) * v["gamma"] + v["beta"]
  gates = gates + v["b_gates"]
  i, j, f, o = np.split(gates, 4, axis=1)
  if peepholes:
    f = f + v["w_f_diag"] * c
    i = i + v["w_i_diag"] * c
  c2 = _sigmoid(f + forget_bias) * c + _sigmoid(i) * np.tanh(j)
  out = c2
  if peepholes:  # Sonnet 1's output peephole: on the cell output.
    out = c2 + v["w_o_diag"] * c2
  h2 = np.tanh(out) * _sigmoid(o)
  if projection:
    h2 = h2 @ v["w_h_projection"]
  return h2, c2


def numpy_gru_step(x, h, v):
  z = _sigmoid(x @ v["wz"] + h @ v["uz"] + v["bz"])
  r = _sigmoid(x @ v["wr"] + h @ v["ur"] + v["br"])
  cand = np.tanh(x @ v["wh"] + (r * h) @ v["uh"] + v["bh"])
  return (1 - z) * h + z * cand


LSTM_CONFIGS = [
    ("plain", {}),
    ("peepholes", dict(use_peepholes=True)),
    ("clipping", dict(hidden_clip_value=0.3, cell_clip_value=0.2)),
    ("projection", dict(projection_size=P)),
    ("layer_norm", dict(use_layer_norm=True)),
    ("everything", dict(use_peepholes=True, use_layer_norm=True, projection_size=P,
                        hidden_clip_value=0.5, cell_clip_value=0.5, forget_bias=0.3)),
]


class LSTMTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(*[
      (name + "_" + mode, config, mode) for name, config in LSTM_CONFIGS
      for mode in test_utils.MODES])
  def test_step_matches_numpy(self, config, mode):
    keys = snt.LSTM.get_possible_initializer_keys(
        use_peepholes=config.get("use_peepholes", False),
        use_projection="projection_size" in config,
        use_layer_norm=config.get("use_layer_norm", False))
    inits, values = _random_initializers(0, keys)
    rng = np.random.RandomState(1)
    out = P if "projection_size" in config else H
    x = rng.randn(B, IN).astype(np.float32)
    h = rng.randn(B, out).astype(np.float32)
    c = rng.randn(B, H).astype(np.float32)

    def fn():
      lstm = snt.LSTM(H, initializers=inits, **config)
      return lstm(tf.constant(x), snt.LSTMState(tf.constant(h), tf.constant(c)))

    output, state = test_utils.evaluate_in_mode(mode, fn)
    expected_h, expected_c = numpy_lstm_step(
        x, h, c, values, forget_bias=config.get("forget_bias", 1.0),
        peepholes=config.get("use_peepholes", False),
        layer_norm=config.get("use_layer_norm", False),
        hidden_clip=config.get("hidden_clip_value"), cell_clip=config.get("cell_clip_value"),
        projection="projection_size" in config)
    self.assertAllClose(output, expected_h, atol=1e-5)
    self.assertAllClose(state.hidden, expected_h, atol=1e-5)
    self.assertAllClose(state.cell, expected_c, atol=1e-5)

  @parameterized.named_parameters(*[(name, config) for name, config in LSTM_CONFIGS])
  def test_unrolled_matches_numpy(self, config):
    # dynamic_unroll takes the precomputed-projection path: check it against numpy too.
    keys = snt.LSTM.get_possible_initializer_keys(
        use_peepholes=config.get("use_peepholes", False),
        use_projection="projection_size" in config,
        use_layer_norm=config.get("use_layer_norm", False))
    inits, values = _random_initializers(2, keys)
    x = np.random.RandomState(3).randn(4, B, IN).astype(np.float32)
    lstm = snt.LSTM(H, initializers=inits, **config)
    outputs, final = snt.dynamic_unroll(lstm, tf.constant(x), lstm.initial_state(B))
    out = P if "projection_size" in config else H
    h, c = np.zeros([B, out], np.float32), np.zeros([B, H], np.float32)
    for t in range(4):
      h, c = numpy_lstm_step(
          x[t], h, c, values, forget_bias=config.get("forget_bias", 1.0),
          peepholes=config.get("use_peepholes", False),
          layer_norm=config.get("use_layer_norm", False),
          hidden_clip=config.get("hidden_clip_value"),
          cell_clip=config.get("cell_clip_value"), projection="projection_size" in config)
      self.assertAllClose(outputs[t], h, atol=1e-5)
    self.assertAllClose(final.cell, c, atol=1e-5)

  def test_gradients_float64(self):
    lstm = snt.LSTM(3, use_peepholes=True, use_layer_norm=True, projection_size=2)
    rng = np.random.RandomState(0)
    x = tf.constant(rng.randn(2, 3), tf.float64)
    h = tf.constant(rng.randn(2, 2), tf.float64)
    c = tf.constant(rng.randn(2, 3), tf.float64)
    lstm(x, (h, c))
    theoretical, numerical = tf.test.compute_gradient(
        lambda x, h, c: tf.concat(list(lstm(x, (h, c))[1]), 1), [x, h, c])
    for t, n in zip(theoretical, numerical):
      self.assertAllClose(t, n, atol=1e-6)

  def test_gradients_reach_every_variable(self):
    lstm = snt.LSTM(H, use_peepholes=True, use_layer_norm=True, projection_size=P)
    x = tf.random.normal([3, B, IN])
    with tf.GradientTape() as tape:
      outputs, _ = snt.dynamic_unroll(lstm, x, lstm.initial_state(B, trainable=True))
      loss = tf.reduce_sum(tf.square(outputs))
    grads = tape.gradient(loss, lstm.trainable_variables)
    self.assertLen(lstm.trainable_variables, 10)
    for variable, grad in zip(lstm.trainable_variables, grads):
      self.assertIsNotNone(grad, variable.name)
      self.assertGreater(np.abs(grad.numpy()).sum(), 0, variable.name)

  def test_variable_names_and_sizes(self):
    lstm = snt.LSTM(H, projection_size=P, use_peepholes=True)
    lstm(tf.zeros([B, IN]), lstm.initial_state(B))
    self.assertEqual(sorted(v.name for v in lstm.variables), [
        lstm.scope_name + "/" + name + ":0" for name in (
            "b_gates", "w_f_diag", "w_gates", "w_h_projection", "w_i_diag", "w_o_diag")])
    self.assertEqual(lstm.w_gates.shape, [IN + P, 4 * H])
    self.assertEqual(lstm.state_size, snt.LSTMState(tf.TensorShape([P]),
                                                     tf.TensorShape([H])))
    self.assertEqual(lstm.output_size, tf.TensorShape([P]))
    # As Sonnet 1, b_gates defaults to w_gates' truncated normal, 1/sqrt(fan_in), not zeros.
    stddev = 1.0 / np.sqrt(IN + P)
    b_gates = lstm.b_gates.numpy()
    self.assertTrue(np.all(np.abs(b_gates) <= 2 * stddev + 1e-6), b_gates)
    self.assertGreater(np.std(b_gates), 0.3 * stddev)

  def test_not_connected(self):
    with self.assertRaises(snt.NotConnectedError):
      snt.LSTM(H).w_gates

  @test_utils.run_in_modes
  def test_other_input_size_raises(self, mode):
    def fn():
      lstm = snt.LSTM(H)
      lstm(tf.zeros([B, IN]), lstm.initial_state(B))
      return lstm(tf.zeros([B, IN + 1]), lstm.initial_state(B))
    test_utils.assert_raises_in_mode(self, mode, fn, snt.IncompatibleShapeError,
                                     "inputs have size 5.*size 4")

  @parameterized.parameters(
      ("wrong batch", lambda: snt.LSTMState(tf.zeros([B + 1, H]), tf.zeros([B, H])),
       snt.IncompatibleShapeError, r"prev_state.hidden has batch size 4"),
      ("wrong size", lambda: snt.LSTMState(tf.zeros([B, H]), tf.zeros([B, H + 1])),
       snt.IncompatibleShapeError, r"prev_state.cell should have size \[5\]"),
      ("wrong rank", lambda: (tf.zeros([B, H]), tf.zeros([H])),
       snt.IncompatibleShapeError, r"prev_state.cell should have rank 2"),
      ("not a pair", lambda: tf.zeros([B, H]), ValueError, "expected a LSTMState"),
      ("three", lambda: (tf.zeros([B, H]),) * 3, ValueError, "tuple of length 3"),
  )
  def test_bad_state_raises(self, unused_name, make_state, error, regex):
    lstm = snt.LSTM(H)
    with self.assertRaisesRegex(error, regex):
      lstm(tf.zeros([B, IN]), make_state())
    self.assertFalse(lstm.is_connected)
    self.assertEmpty(lstm.variables)

  def test_bad_constructor_arguments(self):
    with self.assertRaisesRegex(ValueError, "hidden_size must be a positive integer"):
      snt.LSTM(0)
    with self.assertRaisesRegex(ValueError, "cell_clip_value"):
      snt.LSTM(3, cell_clip_value=-1)
    with self.assertRaisesRegex(KeyError, "w_f_diag"):
      snt.LSTM(3, initializers={"w_f_diag": tf.zeros_initializer()})
    with self.assertRaises(snt.IncompatibleShapeError):
      snt.LSTM(3)(tf.zeros([2, 3, 4]), snt.LSTM(3).initial_state(2))


class GRUTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_step_matches_numpy(self, mode):
    inits, values = _random_initializers(4, snt.GRU.POSSIBLE_INITIALIZER_KEYS)
    rng = np.random.RandomState(5)
    x = rng.randn(B, IN).astype(np.float32)
    h = rng.randn(B, H).astype(np.float32)

    def fn():
      return snt.GRU(H, initializers=inits)(tf.constant(x), tf.constant(h))

    output, state = test_utils.evaluate_in_mode(mode, fn)
    expected = numpy_gru_step(x, h, values)
    self.assertAllClose(output, expected, atol=1e-5)
    self.assertAllClose(state, expected, atol=1e-5)

  def test_unrolled_matches_numpy(self):
    inits, values = _random_initializers(6, snt.GRU.POSSIBLE_INITIALIZER_KEYS)
    x = np.random.RandomState(7).randn(3, B, IN).astype(np.float32)
    gru = snt.GRU(H, initializers=inits)
    outputs, _ = snt.dynamic_unroll(gru, tf.constant(x), gru.initial_state(B))
    h = np.zeros([B, H], np.float32)
    for t in range(3):
      h = numpy_gru_step(x[t], h, values)
      self.assertAllClose(outputs[t], h, atol=1e-5)

  def test_gradients_float64(self):
    gru = snt.GRU(3)
    rng = np.random.RandomState(0)
    x = tf.constant(rng.randn(2, 4), tf.float64)
    h = tf.constant(rng.randn(2, 3), tf.float64)
    gru(x, h)
    theoretical, numerical = tf.test.compute_gradient(lambda x, h: gru(x, h)[0], [x, h])
    for t, n in zip(theoretical, numerical):
      self.assertAllClose(t, n, atol=1e-6)

  def test_variables(self):
    gru = snt.GRU(H)
    gru(tf.zeros([B, IN]), gru.initial_state(B))
    self.assertLen(gru.variables, 9)
    self.assertEqual(gru.state_size, tf.TensorShape([H]))


if __name__ == "__main__":
  tf.test.main()
