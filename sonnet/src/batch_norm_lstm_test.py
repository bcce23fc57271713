# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for BatchNormLSTM against a numpy reference with per-step statistics."""

from typing import Any

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils

B, IN, H = 4, 3, 2
EPS = 1e-3


def _sigmoid(x):
  return 1 / (1 + np.exp(-x))


class NumpyBatchNormLSTM:
  """Reference with moving statistics, `max_unique_stats` rows per normalised term."""

  def __init__(self, v, bn_h, bn_x, bn_c, peepholes, max_stats, decay):
    self.v, self.bn_h, self.bn_x, self.bn_c = v, bn_h, bn_x, bn_c
    self.peepholes, self.max_stats, self.decay = peepholes, max_stats, decay
    self.stats = {k: [np.zeros([max_stats, d]), np.ones([max_stats, d])]
                  for k, d in (("h", 4 * H), ("x", 4 * H), ("c", H))}

  def bn(self, x, key, t, training, local):
    row = min(t, self.max_stats - 1)
    mean, var = self.stats[key][0][row], self.stats[key][1][row]
    if training or local:
      batch_mean, batch_var = x.mean(0), x.var(0)
      if training:
        self.stats[key][0][row] = self.decay * mean + (1 - self.decay) * batch_mean
        self.stats[key][1][row] = self.decay * var + (1 - self.decay) * batch_var
      mean, var = batch_mean, batch_var
    return (x - mean) / np.sqrt(var + EPS)

  def step(self, x, h, c, t, training=True, local=True):
    v = self.v
    gates_h = h @ v["w_gates_h"]
    if self.bn_h:
      gates_h = v["gamma_h"] * self.bn(gates_h, "h", t, training, local)
    gates_x = x @ v["w_gates_x"]
    if self.bn_x:
      gates_x = v["gamma_x"] * self.bn(gates_x, "x", t, training, local)
    i, j, f, o = np.split(gates_h + gates_x + v["b_gates"], 4, axis=1)
    if self.peepholes:
      f, i = f + v["w_f_diag"] * c, i + v["w_i_diag"] * c
    c2 = _sigmoid(f + 1.0) * c + _sigmoid(i) * np.tanh(j)
    cell_out = c2
    if self.bn_c:
      cell_out = v["beta_c"] + v["gamma_c"] * self.bn(c2, "c", t, training, local)
    if self.peepholes:  # Sonnet 1's output peephole: on the cell output.
      cell_out = cell_out + v["w_o_diag"] * cell_out
    return np.tanh(cell_out) * _sigmoid(o), c2


def _initializers(seed):
  rng = np.random.RandomState(seed)
  values = {
      "w_gates_x": rng.randn(IN, 4 * H), "w_gates_h": rng.randn(H, 4 * H),
      "b_gates": rng.randn(4 * H), "gamma_h": rng.rand(4 * H) + 0.5,
      "gamma_x": rng.rand(4 * H) + 0.5, "gamma_c": rng.rand(H) + 0.5,
      "beta_c": rng.randn(H), "w_f_diag": rng.randn(H), "w_i_diag": rng.randn(H),
      "w_o_diag": rng.randn(H)}
  weights = iter([values["w_gates_x"], values["w_gates_h"]])
  initializers = {k: (lambda value: lambda shape, dtype=tf.float32, **u: tf.constant(
      value, dtype))(values[k]) for k in values if not k.startswith("w_gates")}
  initializers["w_gates"] = lambda shape, dtype=tf.float32, **u: tf.constant(
      next(weights), dtype)
  return initializers, values


CONFIGS = [
    ("h", dict(use_batch_norm_h=True)),
    ("x_c_peepholes", dict(use_batch_norm_h=False, use_batch_norm_x=True,
                           use_batch_norm_c=True, use_peepholes=True)),
    ("all", dict(use_batch_norm_h=True, use_batch_norm_x=True, use_batch_norm_c=True)),
]


class BatchNormLSTMTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(*[
      (name + "_" + mode, config, mode) for name, config in CONFIGS
      for mode in test_utils.MODES])
  def test_unroll_with_per_step_statistics(self, config, mode):
    rng = np.random.RandomState(1)
    x = rng.randn(3, B, IN).astype(np.float32)

    def fn():
      initializers, _ = _initializers(0)
      keys = snt.BatchNormLSTM.get_possible_initializer_keys(
          config.get("use_peepholes", False), config.get("use_batch_norm_h", True),
          config.get("use_batch_norm_x", False), config.get("use_batch_norm_c", False))
      core = snt.BatchNormLSTM(H, initializers={k: initializers[k] for k in keys},
                               max_unique_stats=2, decay_rate=0.5, **config)
      training = core.with_batch_norm_control(is_training=True)
      outputs, final = snt.dynamic_unroll(training, tf.constant(x), core.initial_state(B))
      with tf.control_dependencies(tf.nest.flatten(outputs)):
        stats = {v.name.split("/")[-1][:-2]: tf.identity(v)
                 for v in core.non_trainable_variables}
      return outputs, final, stats

    outputs, final, stats = test_utils.evaluate_in_mode(mode, fn)
    _, values = _initializers(0)
    reference = NumpyBatchNormLSTM(
        values, config.get("use_batch_norm_h", True), config.get("use_batch_norm_x", False),
        config.get("use_batch_norm_c", False), config.get("use_peepholes", False), 2, 0.5)
    h, c = np.zeros([B, H]), np.zeros([B, H])
    for t in range(3):
      h, c = reference.step(x[t], h, c, t)
      self.assertAllClose(outputs[t], h, atol=1e-4)
    self.assertAllClose(final[1], c, atol=1e-4)
    self.assertAllEqual(final[2], np.full([B, 1], 3))
    for key, (mean, var) in reference.stats.items():
      if "moving_mean_" + key in stats:
        self.assertAllClose(stats["moving_mean_" + key], mean, atol=1e-4)
        self.assertAllClose(stats["moving_variance_" + key], var, atol=1e-4)

  @parameterized.parameters((False, True), (False, False), (True, True))
  def test_flags(self, is_training, test_local_stats):
    initializers, values = _initializers(2)
    core = snt.BatchNormLSTM(H, initializers={k: initializers[k] for k in (
        "w_gates", "b_gates", "gamma_h")})
    rng = np.random.RandomState(3)
    x, h = rng.randn(B, IN).astype(np.float32), rng.randn(B, H).astype(np.float32)
    c = rng.randn(B, H).astype(np.float32)

    @tf.function
    def run(training):
      return core(x, snt.LSTMState(h, c), is_training=training,
                  test_local_stats=test_local_stats)

    static_output, _ = core(x, snt.LSTMState(h, c), is_training=is_training,
                            test_local_stats=test_local_stats)
    tensor_output, _ = run(tf.constant(is_training))
    reference = NumpyBatchNormLSTM(values, True, False, False, False, 1, 0.999)
    expected, _ = reference.step(x, h, c, 0, training=is_training, local=test_local_stats)
    self.assertAllClose(static_output, expected, atol=1e-4)
    self.assertAllClose(tensor_output, expected, atol=1e-4)

  def test_with_batch_norm_control(self):
    core = snt.BatchNormLSTM(H)
    testing = core.with_batch_norm_control(is_training=False, test_local_stats=False)
    outputs, _ = snt.dynamic_unroll(testing, tf.ones([3, B, IN]), core.initial_state(B))
    self.assertEqual(outputs.shape, [3, B, H])
    self.assertAllEqual(core.non_trainable_variables[0], np.zeros([1, 4 * H]))

  def test_gradients_reach_every_variable(self):
    core = snt.BatchNormLSTM(H, use_batch_norm_x=True, use_batch_norm_c=True,
                             use_peepholes=True)
    with tf.GradientTape() as tape:
      outputs, _ = snt.dynamic_unroll(core.with_batch_norm_control(is_training=True),
                                      tf.random.normal([3, B, IN]),
                                      core.initial_state(B, trainable=True))
      loss = tf.reduce_sum(tf.square(outputs))
    grads = tape.gradient(loss, core.trainable_variables)
    self.assertLen(grads, 12)
    for variable, grad in zip(core.trainable_variables, grads):
      self.assertIsNotNone(grad, variable.name)

  def test_cell_only_batch_norm_has_one_gate_matrix(self):
    # Without h or x batch norm, Sonnet 1's single `w_gates` multiplies [x, h].
    initializers, values = _initializers(3)
    w_xh = np.concatenate([values["w_gates_x"], values["w_gates_h"]])
    initializers["w_gates"] = lambda shape, dtype=tf.float32, **u: tf.constant(w_xh, dtype)
    del initializers["gamma_h"], initializers["gamma_x"]
    core = snt.BatchNormLSTM(H, use_batch_norm_h=False, use_batch_norm_c=True,
                             use_peepholes=True, initializers=initializers)
    rng = np.random.RandomState(4)
    x, h, c = rng.randn(B, IN), rng.randn(B, H), rng.randn(B, H)
    out, state = core(tf.constant(x, tf.float32),
                      snt.LSTMState(tf.constant(h, tf.float32), tf.constant(c, tf.float32)),
                      is_training=True)
    names = sorted(v.name.split("/")[-1][:-2] for v in core.trainable_variables)
    self.assertEqual(names, ["b_gates", "beta_c", "gamma_c", "w_f_diag", "w_gates", "w_i_diag",
                             "w_o_diag"])
    self.assertIs(core._w_xh, core.trainable_variables[names.index("w_gates")])
    self.assertAllEqual(core._w_xh.shape, [IN + H, 4 * H])
    reference = NumpyBatchNormLSTM(values, bn_h=False, bn_x=False, bn_c=True, peepholes=True,
                                   max_stats=1, decay=0.999)
    expected_out, expected_cell = reference.step(x, h, c, 0)
    self.assertAllClose(out, expected_out, atol=1e-5)
    self.assertAllClose(state.cell, expected_cell, atol=1e-5)

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, "max_unique_stats must be >= 1"):
      snt.BatchNormLSTM(H, max_unique_stats=0)
    with self.assertRaisesRegex(ValueError, "batch norm disabled"):
      snt.BatchNormLSTM(H, use_batch_norm_h=False, max_unique_stats=2)
    with self.assertRaisesRegex(KeyError, "gamma_c"):
      snt.BatchNormLSTM(H, initializers={"gamma_c": tf.ones_initializer()})
    core = snt.BatchNormLSTM(H, max_unique_stats=2)
    with self.assertRaisesRegex(ValueError, "tuple of length 3"):
      core(tf.zeros([B, IN]), snt.LSTMState(tf.zeros([B, H]), tf.zeros([B, H])),
           is_training=True)
    # As Sonnet 1: with batch norm, is_training must be given.
    for flag in ("use_batch_norm_h", "use_batch_norm_x", "use_batch_norm_c"):
      flags: dict[str, Any] = {"use_batch_norm_h": False, flag: True}
      core = snt.BatchNormLSTM(H, **flags)
      with self.assertRaisesRegex(ValueError, "is_training flag must be explicitly specified"):
        core(tf.zeros([B, IN]), core.initial_state(B))
    core = snt.BatchNormLSTM(H, use_batch_norm_h=False)  # No batch norm: not needed.
    self.assertEqual(core(tf.zeros([B, IN]), core.initial_state(B))[0].shape, [B, H])


if __name__ == "__main__":
  tf.test.main()
