# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for ACTCore on halting sequences worked out by hand."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils

# Halting probabilities per example and ponder step.
HALTING = np.array([[0.3, 0.4, 0.5, 0.5],
                    [0.995, 0.5, 0.5, 0.5],
                    [0.2, 0.2, 0.2, 0.9]])
LOGITS = np.log(HALTING / (1 - HALTING)).astype(np.float32)
IDENTITY = {"w": tf.ones_initializer(), "b": tf.zeros_initializer()}


class CountingCore(snt.RNNCore):
  """State n counts ponder steps; output 10 n; halting logit looked up per (example, n)."""

  def __init__(self, name=None):
    super().__init__(name=name)
    self.inputs_seen = []

  def _build(self, inputs, prev_state):
    self.inputs_seen.append(inputs)
    next_state = prev_state + 1
    return 10 * next_state, next_state

  @property
  def state_size(self):
    return tf.TensorShape([1])

  @property
  def output_size(self):
    return tf.TensorShape([1])


def _halting_feature(state):
  step = tf.cast(state[:, 0], tf.int32) - 1
  return tf.gather(tf.constant(LOGITS), step[:, None], batch_dims=1)


def _act(max_steps=0, threshold=0.99):
  return snt.ACTCore(CountingCore(), 1, threshold, _halting_feature, max_steps=max_steps,
                     initializers={"halting_linear": IDENTITY,
                                   "act_output_linear": IDENTITY})


class ACTCoreTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_hand_worked_halting(self, mode):
    def fn():
      act = _act()
      return act(tf.zeros([3, 2]), tf.zeros([3, 1]))

    (output, (iterations, remainder)), state = test_utils.evaluate_in_mode(mode, fn)
    # Example 0: cumulative 0.3, 0.7, 1.2 > 0.99 -> N = 3, p = (0.3, 0.4, 0.3), R = 0.3.
    # Example 1: 0.995 > 0.99 at once -> N = 1, p = (1,), R = 1.
    # Example 2: 0.2, 0.4, 0.6, 1.5 -> N = 4, p = (0.2, 0.2, 0.2, 0.4), R = 0.4.
    self.assertAllClose(iterations, [[3], [1], [4]])
    self.assertAllClose(remainder, [[0.3], [1.0], [0.4]], atol=1e-6)
    self.assertAllClose(output, [[0.3 * 10 + 0.4 * 20 + 0.3 * 30], [10.0],
                                 [0.2 * 10 + 0.2 * 20 + 0.2 * 30 + 0.4 * 40]], atol=1e-5)
    self.assertAllClose(state, [[0.3 + 0.8 + 0.9], [1.0], [0.2 + 0.4 + 0.6 + 1.6]],
                        atol=1e-5)

  def test_max_steps(self):
    act = _act(max_steps=2)
    (output, (iterations, remainder)), _ = act(tf.zeros([3, 2]), tf.zeros([3, 1]))
    self.assertAllClose(iterations, [[2], [1], [2]])
    self.assertAllClose(remainder, [[0.7], [1.0], [0.8]], atol=1e-6)
    self.assertAllClose(output, [[0.3 * 10 + 0.7 * 20], [10.0], [0.2 * 10 + 0.8 * 20]],
                        atol=1e-5)

  def test_flag_column(self):
    act = _act()
    x = tf.fill([3, 2], 7.0)
    act(x, tf.zeros([3, 1]))
    first, later = act._core.inputs_seen[:2]
    self.assertAllEqual(first, [[7.0, 7.0, 0.0]] * 3)
    self.assertAllEqual(later, [[7.0, 7.0, 1.0]] * 3)

  def test_unroll_and_learning_signals(self):
    act = snt.ACTCore(snt.GRU(4), 3, 0.9, lambda state: state, max_steps=4)
    x = tf.random.normal([5, 2, 3])
    with tf.GradientTape() as tape:
      (outputs, (iterations, remainders)), _ = snt.dynamic_unroll(
          act, x, act.initial_state(2))
      loss = tf.reduce_sum(outputs) + tf.reduce_sum(iterations + remainders)
    self.assertEqual(outputs.shape, [5, 2, 3])
    self.assertTrue(np.all(iterations.numpy() <= 4))
    grads = tape.gradient(loss, act.trainable_variables)
    self.assertLen(grads, 9 + 4)
    self.assertNotIn(None, grads)
    self.assertEqual(act.output_size[1], (tf.TensorShape([1]), tf.TensorShape([1])))

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, "threshold must be a number in"):
      snt.ACTCore(snt.GRU(2), 1, 1.5, lambda s: s)
    with self.assertRaisesRegex(ValueError, "single 1-D output"):
      snt.ACTCore(snt.Conv1DLSTM((3, 1), 2, 1), 1, 0.9, lambda s: s.hidden)
    with self.assertRaisesRegex(ValueError, "max_steps"):
      snt.ACTCore(snt.GRU(2), 1, 0.9, lambda s: s, max_steps=-1)
    with self.assertRaises(snt.IncompatibleShapeError):
      act = _act()
      act(tf.zeros([3]), tf.zeros([3, 1]))
    with self.assertRaises(snt.NotConnectedError):
      _act().batch_size


if __name__ == "__main__":
  tf.test.main()
