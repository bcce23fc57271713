# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for ResidualCore, SkipConnectionCore and HighwayCore."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils

B, IN, H = 2, 3, 4


def _const(value):
  return lambda shape, dtype=tf.float32, **unused: tf.constant(value, dtype)


class ResidualAndSkipCoreTest(tf.test.TestCase):

  def test_residual_core(self):
    lstm = snt.LSTM(IN)
    core = snt.ResidualCore(lstm)
    x = tf.random.normal([B, IN])
    state = lstm.initial_state(B)
    output, next_state = core(x, state)
    expected, expected_state = lstm(x, state)
    self.assertAllClose(output, expected + x)
    self.assertAllClose(next_state, expected_state)
    self.assertEqual(core.output_size, lstm.output_size)

  def test_skip_connection_core(self):
    lstm = snt.LSTM(H)
    core = snt.SkipConnectionCore(lstm)
    with self.assertRaisesRegex(ValueError, "Output size unknown"):
      core.output_size
    x = tf.random.normal([B, IN])
    output, _ = core(x, core.initial_state(B))
    self.assertAllClose(output[:, :IN], x)
    self.assertEqual(core.output_size, tf.TensorShape([IN + H]))
    self.assertEqual(snt.SkipConnectionCore(snt.GRU(2), input_shape=[5]).output_size,
                     tf.TensorShape([7]))


class HighwayCoreTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_matches_numpy(self, mode):
    rng = np.random.RandomState(1)
    keys = snt.HighwayCore.get_possible_initializer_keys(num_layers=2)
    values = {k: rng.randn(*((H,) if k.startswith("b") else
                             (IN if k in ("wt", "wh") else H, H))) for k in keys}
    x, h = rng.randn(B, IN).astype(np.float32), rng.randn(B, H).astype(np.float32)

    def fn():
      core = snt.HighwayCore(H, 2, initializers={k: _const(v) for k, v in values.items()})
      return core(tf.constant(x), tf.constant(h))

    output, _ = test_utils.evaluate_in_mode(mode, fn)
    s: np.ndarray = h
    for layer in range(2):
      t = s @ values["wt%d" % layer] + values["bt%d" % layer]
      hh = s @ values["wh%d" % layer] + values["bh%d" % layer]
      if layer == 0:
        t, hh = t + x @ values["wt"], hh + x @ values["wh"]
      t = 1 / (1 + np.exp(-t))
      s = s * (1 - t) + np.tanh(hh) * t
    self.assertAllClose(output, s, atol=1e-5)


if __name__ == "__main__":
  tf.test.main()
