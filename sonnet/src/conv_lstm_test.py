# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for Conv1DLSTM / Conv2DLSTM / Conv3DLSTM against a numpy reference."""

from collections.abc import Callable
import itertools
from typing import Any

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils

B, C_IN, C = 2, 2, 3


def np_conv_same(x, w, rate):
  """'SAME' convolution (cross-correlation, TF convention) with dilation, stride 1."""
  kernel = w.shape[:-2]
  spatial = x.shape[1:-1]
  pads = []
  for k, r in zip(kernel, rate):
    total = (k - 1) * r
    pads.append((total // 2, total - total // 2))
  padded = np.pad(x, [(0, 0)] + pads + [(0, 0)])
  out = np.zeros(x.shape[:-1] + (w.shape[-1],))
  for offset in itertools.product(*[range(k) for k in kernel]):
    index = tuple(slice(o * r, o * r + s) for o, r, s in zip(offset, rate, spatial))
    out += padded[(slice(None),) + index] @ w[offset]
  return out


def np_conv_lstm_step(x, h, c, w_input, w_hidden, b, rate, forget_bias=1.0):
  sigmoid = lambda v: 1 / (1 + np.exp(-v))
  gates = np_conv_same(x, w_input, rate) + np_conv_same(h, w_hidden, rate) + b
  i, j, f, o = np.split(gates, 4, axis=-1)
  c2 = sigmoid(f + forget_bias) * c + sigmoid(i) * np.tanh(j)
  return np.tanh(c2) * sigmoid(o), c2


CASES = [
    ("1d", snt.Conv1DLSTM, (5, C_IN), 3, (1,)),
    ("1d_dilated", snt.Conv1DLSTM, (6, C_IN), 2, (2,)),
    ("2d", snt.Conv2DLSTM, (4, 3, C_IN), (3, 2), (1, 1)),
]


class ConvLSTMTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(*[
      (name + "_" + mode, cls, shape, kernel, rate, mode)
      for name, cls, shape, kernel, rate in CASES for mode in test_utils.MODES])
  def test_step_matches_numpy(self, cls, input_shape, kernel, rate, mode):
    ndims = len(input_shape) - 1
    kernel_shape = (kernel,) * ndims if isinstance(kernel, int) else kernel
    rng = np.random.RandomState(0)
    w_input = rng.randn(*kernel_shape, C_IN, 4 * C) * 0.5
    w_hidden = rng.randn(*kernel_shape, C, 4 * C) * 0.5
    b = rng.randn(4 * C)
    x = rng.randn(B, *input_shape).astype(np.float32)
    h = rng.randn(B, *input_shape[:-1], C).astype(np.float32)
    c = rng.randn(B, *input_shape[:-1], C).astype(np.float32)
    kernels = iter([w_input, w_hidden])

    def w_init(shape, dtype=tf.float32, **unused):
      value = next(kernels)
      self.assertEqual(list(shape), list(value.shape))
      return tf.constant(value, dtype)

    def fn():
      inits: dict[str, Callable[..., tf.Tensor]] = {
          "w": w_init, "b": lambda s, dtype=tf.float32, **u: tf.constant(b, dtype)}
      core = cls(input_shape, C, kernel, rate=rate[0] if len(set(rate)) == 1 else rate,
                 initializers=inits)
      return core(tf.constant(x), snt.LSTMState(tf.constant(h), tf.constant(c)))

    output, state = test_utils.evaluate_in_mode(mode, fn)
    # Both convolutions' biases (`b`, `b_hidden`) start at `b` (Sonnet 1's default).
    expected_h, expected_c = np_conv_lstm_step(x, h, c, w_input, w_hidden, 2 * b, rate)
    self.assertAllClose(output, expected_h, atol=1e-5)
    self.assertAllClose(state.cell, expected_c, atol=1e-5)

  def test_bias_added_twice_by_default_once_without_legacy_behaviour(self):
    # Zero kernels: the gates are exactly the bias, added by both convolutions by default
    # (Sonnet 1's legacy_bias_behaviour=True), once with legacy_bias_behaviour=False.
    for legacy, gate in ((None, 1.0), (True, 1.0), (False, 0.5)):
      kwargs: dict[str, Any] = {} if legacy is None else {"legacy_bias_behaviour": legacy}
      core = snt.Conv2DLSTM((3, 3, C_IN), C, 3, forget_bias=0.0, initializers={
          "w": tf.zeros_initializer(), "b": tf.constant_initializer(0.5)}, **kwargs)
      zeros = tf.zeros([B, 3, 3, C])
      output, state = core(tf.ones([B, 3, 3, C_IN]), snt.LSTMState(zeros, zeros))
      sigmoid = 1 / (1 + np.exp(-gate))
      expected_c = sigmoid * np.tanh(gate)
      self.assertAllClose(state.cell, np.full([B, 3, 3, C], expected_c), atol=1e-6)
      self.assertAllClose(output, np.full([B, 3, 3, C], np.tanh(expected_c) * sigmoid),
                          atol=1e-6)

  def test_legacy_bias_behaviour_default(self):
    self.assertTrue(snt.Conv1DLSTM((4, C_IN), C, 3).legacy_bias_behaviour)
    self.assertTrue(snt.Conv3DLSTM((2, 2, 2, C_IN), C, 1).legacy_bias_behaviour)

  def test_unrolls_agree_and_variables(self):
    core = snt.Conv3DLSTM((2, 3, 3, C_IN), C, 2)
    x = tf.random.normal([3, B, 2, 3, 3, C_IN])
    dynamic, final = snt.dynamic_unroll(core, x, core.initial_state(B))
    static, _ = snt.static_unroll(core, x, core.initial_state(B))
    self.assertAllClose(dynamic, static, atol=1e-5)
    self.assertEqual(dynamic.shape, [3, B, 2, 3, 3, C])
    self.assertEqual(core.state_size.cell, tf.TensorShape([2, 3, 3, C]))
    self.assertEqual(sorted(v.name.split("/")[-1] for v in core.variables),
                     ["b:0", "b_hidden:0", "w_hidden:0", "w_input:0"])
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(snt.dynamic_unroll(core, x, core.initial_state(B))[0])
    self.assertNotIn(None, tape.gradient(loss, core.trainable_variables))

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, "input_shape must have 3 entries"):
      snt.Conv2DLSTM((4, C_IN), C, 3)
    with self.assertRaisesRegex(ValueError, "stride must be 1"):
      snt.Conv1DLSTM((4, C_IN), C, 3, stride=2)
    with self.assertRaisesRegex(ValueError, "padding must be 'SAME'"):
      snt.Conv1DLSTM((4, C_IN), C, 3, padding="VALID")
    with self.assertRaisesRegex(ValueError, "kernel_shape"):
      snt.Conv2DLSTM((4, 4, C_IN), C, (3, 3, 3))
    core = snt.Conv1DLSTM((4, C_IN), C, 3)
    with self.assertRaisesRegex(snt.IncompatibleShapeError, r"\[batch\] \+ \[4, 2\]"):
      core(tf.zeros([B, 5, C_IN]), core.initial_state(B))
    with self.assertRaisesRegex(snt.IncompatibleShapeError, "prev_state.hidden"):
      core(tf.zeros([B, 4, C_IN]), snt.LSTMState(tf.zeros([B, 4, 1]), tf.zeros([B, 4, C])))


if __name__ == "__main__":
  tf.test.main()
