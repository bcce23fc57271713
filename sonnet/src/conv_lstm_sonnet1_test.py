# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for Sonnet 1's ConvLSTM options (legacy_bias_behaviour, use_layer_norm, the
`convolutions` view) and the LSTM / BatchNormLSTM private attribute aliases."""

import os
import tempfile

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import conv_lstm_test
from sonnet.src import initializers
from sonnet.src import test_utils

RANDOM = initializers.random_normal(stddev=0.5)


def _checkpoint_keys(module, directory):
  path = tf.train.Checkpoint(m=module).save(os.path.join(directory, "ckpt"))
  return sorted(name for name, _ in tf.train.list_variables(path)
                if name.startswith("m/"))


def _np_layer_norm(x, gamma, beta, eps=1e-5):
  axes = tuple(range(1, x.ndim))
  mean = x.mean(axis=axes, keepdims=True)
  variance = x.var(axis=axes, keepdims=True)
  return (x - mean) / np.sqrt(variance + eps) * gamma + beta


class ConvLSTMSonnet1OptionsTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.product(legacy=[False, True], layer_norm=[False, True],
                         mode=["eager", "graph", "tf_function"])
  def test_matches_numpy(self, legacy, layer_norm, mode):
    rng = np.random.RandomState(0)
    x = rng.randn(2, 5, 2).astype(np.float32)
    h = rng.randn(2, 5, 3).astype(np.float32)
    c = rng.randn(2, 5, 3).astype(np.float32)

    def fn():
      core = snt.Conv1DLSTM(input_shape=(5, 2), output_channels=3, kernel_shape=3,
                            legacy_bias_behaviour=legacy, use_layer_norm=layer_norm,
                            initializers={"w": RANDOM, "b": RANDOM})
      out, state = core(tf.constant(x), (tf.constant(h), tf.constant(c)))
      params = {"w_input": core.convolutions["input"].w,
                "w_hidden": core.convolutions["hidden"].w,
                "b": core.convolutions["input"].b}
      if legacy:
        params["b_hidden"] = core.convolutions["hidden"].b
      if layer_norm:
        norm = core._layer_norm
        assert norm is not None  # Built with use_layer_norm=True.
        params["gamma"] = norm.gamma
        params["beta"] = norm.beta
      return out, state.cell, params

    out, cell, p = test_utils.evaluate_in_mode(mode, fn)
    gates = (conv_lstm_test.np_conv_same(x, p["w_input"], (1,)) + p["b"] +
             conv_lstm_test.np_conv_same(h, p["w_hidden"], (1,)))
    if legacy:
      gates = gates + p["b_hidden"]
    if layer_norm:
      gates = _np_layer_norm(gates, p["gamma"], p["beta"])
    sigmoid = lambda v: 1 / (1 + np.exp(-v))
    i, j, f, o = np.split(gates, 4, axis=-1)
    expected_cell = sigmoid(f + 1.0) * c + sigmoid(i) * np.tanh(j)
    self.assertAllClose(cell, expected_cell, rtol=1e-4, atol=1e-4)
    self.assertAllClose(out, np.tanh(expected_cell) * sigmoid(o), rtol=1e-4, atol=1e-4)

  @parameterized.parameters(
      # (use_bias, legacy, layer_norm, variable names)
      (True, False, False, ["b", "w_hidden", "w_input"]),
      (True, True, False, ["b", "b_hidden", "w_hidden", "w_input"]),
      (False, True, False, ["w_hidden", "w_input"]),
      (True, True, True, ["b", "b_hidden", "layer_norm/beta", "layer_norm/gamma",
                          "w_hidden", "w_input"]))
  def test_variables_and_checkpoint_keys(self, use_bias, legacy, layer_norm, names):
    core = snt.Conv2DLSTM(input_shape=(4, 4, 2), output_channels=3, kernel_shape=3,
                          use_bias=use_bias, legacy_bias_behaviour=legacy,
                          use_layer_norm=layer_norm)
    core(tf.ones([1, 4, 4, 2]), core.initial_state(1))
    prefix = core.scope_name + "/"
    self.assertEqual(sorted(v.name for v in core.variables),
                     [prefix + n + ":0" for n in names])
    self.assertLen(core.get_variables(), len(names))
    self.assertEqual(core.use_layer_norm, layer_norm)
    self.assertEqual(core.legacy_bias_behaviour, legacy)
    keys = _checkpoint_keys(core, tempfile.mkdtemp(dir=self.get_temp_dir()))
    self.assertLen(keys, len(names))  # The `convolutions` view adds no second path.
    self.assertEqual(hasattr(core.convolutions["input"], "b"), use_bias)
    self.assertEqual(hasattr(core.convolutions["hidden"], "b"), use_bias and legacy)

  def test_regularizers_count_the_second_bias(self):
    with tf.Graph().as_default():
      core = snt.Conv1DLSTM(input_shape=(4, 2), output_channels=3, kernel_shape=1,
                            legacy_bias_behaviour=True,
                            regularizers={"w": tf.nn.l2_loss, "b": tf.nn.l2_loss})
      core(tf.ones([1, 4, 2]), core.initial_state(1))
      self.assertLen(tf.compat.v1.get_collection(
          tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES), 4)

  def test_convolutions_before_connection(self):
    core = snt.Conv1DLSTM(input_shape=(4, 2), output_channels=3, kernel_shape=1)
    with self.assertRaises(snt.NotConnectedError):
      _ = core.convolutions

  def test_unroll_with_legacy_bias_and_layer_norm_matches_steps(self):
    core = snt.Conv1DLSTM(input_shape=(4, 2), output_channels=3, kernel_shape=3,
                          legacy_bias_behaviour=True, use_layer_norm=True,
                          initializers={"w": RANDOM, "b": RANDOM})
    seq = np.random.RandomState(1).randn(3, 2, 4, 2).astype(np.float32)
    outputs, _ = snt.dynamic_unroll(core, seq, core.initial_state(2))
    state = core.initial_state(2)
    for t in range(3):
      out, state = core(seq[t], state)
      self.assertAllClose(outputs[t], out, rtol=1e-5, atol=1e-5)


class LSTMPrivateAliasesTest(tf.test.TestCase):

  def test_lstm_aliases(self):
    lstm = snt.LSTM(3)
    lstm(tf.ones([2, 4]), lstm.initial_state(2))
    self.assertIs(lstm._w_xh, lstm.w_gates)
    self.assertIs(lstm._b, lstm.b_gates)
    self.assertLen(lstm.variables, 2)
    self.assertEqual(_checkpoint_keys(lstm, tempfile.mkdtemp(dir=self.get_temp_dir())),
                     ["m/_b_gates/.ATTRIBUTES/VARIABLE_VALUE",
                      "m/_w_gates/.ATTRIBUTES/VARIABLE_VALUE"])

  def test_batch_norm_lstm_aliases(self):
    core = snt.BatchNormLSTM(hidden_size=3, use_peepholes=True, use_batch_norm_h=True,
                             use_batch_norm_x=True, use_batch_norm_c=True)
    with self.assertRaisesRegex(AttributeError, "_gamma_h"):
      _ = core._gamma_h
    core(tf.ones([2, 4]), core.initial_state(2), is_training=True)
    by_name = {v.name.split("/")[-1][:-2]: v for v in core.variables}
    for alias, name in [("_w_x", "w_gates_x"), ("_w_h", "w_gates_h"), ("_b", "b_gates"),
                        ("_gamma_h", "gamma_h"), ("_gamma_x", "gamma_x"),
                        ("_gamma_c", "gamma_c"), ("_beta_c", "beta_c"),
                        ("_w_f_diag", "w_f_diag"), ("_w_i_diag", "w_i_diag"),
                        ("_w_o_diag", "w_o_diag")]:
      self.assertIs(getattr(core, alias), by_name[name], alias)
    self.assertAllEqual(core._w_xh, np.concatenate([by_name["w_gates_x"].numpy(),
                                                    by_name["w_gates_h"].numpy()]))
    self.assertLen(core.variables, 16)  # 10 above + 6 moving statistics.
    keys = _checkpoint_keys(core, tempfile.mkdtemp(dir=self.get_temp_dir()))
    self.assertLen(keys, 16)
    self.assertTrue(all(k.startswith("m/_snt_variables/") for k in keys))

  def test_batch_norm_lstm_absent_alias(self):
    core = snt.BatchNormLSTM(hidden_size=3, use_batch_norm_h=True)
    core(tf.ones([2, 4]), core.initial_state(2), is_training=True)
    self.assertFalse(hasattr(core, "_beta_c"))
    self.assertFalse(hasattr(core, "_w_f_diag"))


if __name__ == "__main__":
  tf.test.main()
