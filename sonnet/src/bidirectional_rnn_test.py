# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for BidirectionalRNN."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils

T, B, IN = 4, 2, 3


class BidirectionalRNNTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_outputs_and_states(self, mode):
    x_value = np.random.RandomState(0).randn(T, B, IN).astype(np.float32)
    lengths_value = [4, 2]

    def fn():
      forward, backward = snt.LSTM(3), snt.GRU(2)
      bidir = snt.BidirectionalRNN(forward, backward)
      x, lengths = tf.constant(x_value), tf.constant(lengths_value)
      result = bidir(x, bidir.initial_state(B), sequence_length=lengths)
      expected_f = snt.static_unroll(forward, x, forward.initial_state(B),
                                     sequence_length=lengths)
      # Sequence 1 read backwards: steps 1, 0.
      expected_b = snt.static_unroll(backward, tf.reverse(x[:2, 1:2], [0]),
                                     backward.initial_state(1))
      return result, expected_f, expected_b

    result, (expected_f, state_f), (expected_b, state_b) = test_utils.evaluate_in_mode(
        mode, fn)
    self.assertAllClose(result["outputs"]["forward"], expected_f, atol=1e-6)
    # As Sonnet 1, a state per step [T, B, ...]; the final ones at the last valid step.
    states_f = result["state"]["forward"]
    self.assertEqual(states_f.cell.shape, (T, B, 3))
    self.assertAllClose(states_f.hidden, expected_f, atol=1e-6)  # An LSTM outputs h.
    self.assertAllClose([states_f.cell[3, 0], states_f.cell[1, 1]], state_f.cell, atol=1e-6)
    self.assertAllEqual(states_f.cell[2:, 1], np.zeros([2, 3]))
    # Backward outputs and states are aligned with the input's time; zero past the end.
    self.assertAllClose(result["outputs"]["backward"][:2, 1], expected_b[::-1, 0],
                        atol=1e-6)
    self.assertAllEqual(result["outputs"]["backward"][2:, 1], np.zeros([2, 2]))
    self.assertAllClose(result["state"]["backward"], result["outputs"]["backward"])  # GRU.
    self.assertAllClose(result["state"]["backward"][0, 1], state_b[0], atol=1e-6)

  def test_without_lengths_and_batch_major(self):
    forward, backward = snt.GRU(3), snt.VanillaRNN(2)
    bidir = snt.BidirectionalRNN(forward, backward)
    x = tf.random.normal([B, T, IN])
    result = bidir(x, bidir.initial_state(B), time_major=False)
    expected_b, state_b = snt.dynamic_unroll(backward, tf.reverse(x, [1]),
                                             backward.initial_state(B), time_major=False)
    self.assertAllClose(result["outputs"]["backward"], tf.reverse(expected_b, [1]))
    self.assertEqual(result["state"]["backward"].shape, [B, T, 2])
    self.assertAllClose(result["state"]["backward"][:, 0], state_b)
    self.assertAllClose(result["state"]["forward"][:, -1],
                        snt.static_unroll(forward, x, time_major=False)[1])
    self.assertEqual(result["outputs"]["forward"].shape, [B, T, 3])
    self.assertEqual(bidir.state_size, (tf.TensorShape([3]), tf.TensorShape([2])))
    self.assertEqual(bidir.output_size, (tf.TensorShape([3]), tf.TensorShape([2])))

  def test_lengths_outside_the_sequence_are_clipped(self):
    bidir = snt.BidirectionalRNN(snt.LSTM(3), snt.GRU(2))
    x = tf.random.normal([T, B, IN])
    clipped = bidir(x, bidir.initial_state(B), sequence_length=[T, 0])
    self.assertAllClose(bidir(x, bidir.initial_state(B), sequence_length=[T + 3, -1]),
                        clipped)
    self.assertAllEqual(clipped["outputs"]["backward"][:, 1], np.zeros([T, 2]))

  def test_errors(self):
    bidir = snt.BidirectionalRNN(snt.LSTM(3), snt.GRU(2))
    x = tf.zeros([T, B, IN])
    with self.assertRaisesRegex(ValueError, "forward_state, backward_state"):
      bidir(x, tf.zeros([B, 3]))
    regex = bidir.backward_core.module_name + r": initial_state component initial_state "
    with self.assertRaisesRegex(snt.IncompatibleShapeError, regex):
      bidir(x, (bidir.forward_core.initial_state(B), tf.zeros([B, 5])))
    with self.assertRaisesRegex(ValueError, "backward_core must be a recurrent core"):
      snt.BidirectionalRNN(snt.LSTM(3), snt.Linear(2))


if __name__ == "__main__":
  tf.test.main()
