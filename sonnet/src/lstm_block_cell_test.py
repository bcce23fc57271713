# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.LSTMBlockCell."""

import itertools

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils


def _sigmoid(x):
  return 1.0 / (1.0 + np.exp(-x))


def _numpy_step(x, c, h, kernel, bias, forget_bias, cell_clip, peepholes):
  z = np.concatenate([x, h], axis=1) @ kernel + bias
  i, j, f, o = np.split(z, 4, axis=1)
  if peepholes is not None:
    i = i + c * peepholes["w_i_diag"]
    f = f + c * peepholes["w_f_diag"]
  next_c = _sigmoid(f + forget_bias) * c + _sigmoid(i) * np.tanh(j)
  if cell_clip is not None:
    next_c = np.clip(next_c, -cell_clip, cell_clip)
  if peepholes is not None:
    o = o + next_c * peepholes["w_o_diag"]
  return _sigmoid(o) * np.tanh(next_c), next_c


RNG = np.random.RandomState(0)
X = RNG.randn(2, 3).astype(np.float32)
C = RNG.randn(2, 4).astype(np.float32) * 2
H = RNG.randn(2, 4).astype(np.float32)


class LSTMBlockCellTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*itertools.product(
      test_utils.MODES, (False, True), (None, 0.5), (1.0, 0.0)))
  def test_step_matches_numpy(self, mode, use_peephole, cell_clip, forget_bias):

    def fn():
      core = snt.LSTMBlockCell(4, forget_bias=forget_bias, cell_clip=cell_clip,
                               use_peephole=use_peephole)
      output, state = core(tf.constant(X), (tf.constant(C), tf.constant(H)))
      named = {v.name.split("/")[-1].split(":")[0]: v for v in core.variables}
      return output, state, named

    output, state, named = test_utils.evaluate_in_mode(mode, fn)
    peepholes = named if use_peephole else None
    expected_h, expected_c = _numpy_step(X, C, H, named["kernel"], named["bias"],
                                         forget_bias, cell_clip, peepholes)
    self.assertAllClose(output, expected_h, rtol=1e-5, atol=1e-6)
    self.assertAllClose(state.h, expected_h, rtol=1e-5, atol=1e-6)
    self.assertAllClose(state.c, expected_c, rtol=1e-5, atol=1e-6)

  def test_variables_and_sizes(self):
    core = snt.LSTMBlockCell(5, name="lstm_block")
    self.assertEqual(core.output_size, 5)
    self.assertEqual(core.state_size, (5, 5))
    self.assertEqual(core.num_units, 5)
    self.assertFalse(core.use_peephole)
    core(tf.ones([2, 3]), core.initial_state(2))
    shapes = {v.name.split("/")[-1]: v.shape.as_list() for v in core.variables}
    self.assertEqual(shapes, {"kernel:0": [8, 20], "bias:0": [20]})
    bias = [v for v in core.variables if "bias" in v.name][0]
    self.assertAllEqual(bias, np.zeros(20))
    peephole = snt.LSTMBlockCell(5, use_peephole=True)
    peephole(tf.ones([2, 3]), peephole.initial_state(2))
    self.assertLen(peephole.trainable_variables, 5)

  def test_variables_shared_across_calls(self):
    core = snt.LSTMBlockCell(3)
    state = core.initial_state(2)
    out1, state = core(tf.ones([2, 2]), state)
    out2, _ = core(tf.ones([2, 2]), state)
    self.assertLen(core.variables, 2)
    self.assertNotAllClose(out1, out2)

  @test_utils.run_in_modes
  def test_dynamic_unroll_matches_steps(self, mode):
    sequence = RNG.randn(4, 2, 3).astype(np.float32)

    def fn():
      core = snt.LSTMBlockCell(4, use_peephole=True, cell_clip=1.0)
      outputs, final = snt.dynamic_unroll(core, tf.constant(sequence), core.initial_state(2))
      state = core.initial_state(2)
      steps = []
      for t in range(4):
        out, state = core(tf.constant(sequence[t]), state)
        steps.append(out)
      return outputs, final, tf.stack(steps), state

    outputs, final, steps, state = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(outputs, steps, rtol=1e-5, atol=1e-6)
    self.assertAllClose(final.c, state.c, rtol=1e-5, atol=1e-6)

  def test_gradients(self):
    core = snt.LSTMBlockCell(4)
    x = tf.constant(X)
    with tf.GradientTape() as tape:
      tape.watch(x)
      out, _ = core(x, (tf.constant(C), tf.constant(H)))
      loss = tf.reduce_sum(out)
    grads = tape.gradient(loss, [x] + list(core.trainable_variables))
    self.assertTrue(all(g is not None for g in grads))

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, "cell_clip must be None or a positive"):
      snt.LSTMBlockCell(3, cell_clip=0.0)
    with self.assertRaises(ValueError):
      snt.LSTMBlockCell(0)
    core = snt.LSTMBlockCell(3)
    with self.assertRaises(snt.IncompatibleShapeError):
      core(tf.ones([2, 2]), (tf.ones([2, 4]), tf.ones([2, 3])))
    with self.assertRaises(ValueError):
      core(tf.ones([2, 2]), tf.ones([2, 3]))


if __name__ == "__main__":
  tf.test.main()
