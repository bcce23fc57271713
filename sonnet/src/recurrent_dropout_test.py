# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for recurrent dropout and zoneout (and the LSTM / highway variants using them)."""

import numpy as np
import tensorflow as tf

import sonnet as snt

B, IN, H = 3, 4, 5


class DropoutAndZoneoutTest(tf.test.TestCase):

  def test_recurrent_dropout_mask_fixed_per_sequence(self):
    train_core, test_core = snt.lstm_with_recurrent_dropout(H, keep_prob=0.5)
    state = train_core.initial_state(B)
    _, masks = state
    # As Sonnet 1: a list with one mask per dropped-out component (the cell has none).
    self.assertIsInstance(masks, list)
    self.assertLen(masks, 1)
    mask = masks[0].numpy()
    self.assertTrue(np.all((mask == 0) | (mask == 2)))
    self.assertEqual(train_core.state_size, (snt.LSTMState(tf.TensorShape([H]),
                                                           tf.TensorShape([H])),
                                             [tf.TensorShape([H])]))
    x = tf.random.normal([4, B, IN])
    _, (final_lstm, final_masks) = snt.dynamic_unroll(train_core, x, state)
    self.assertAllEqual(final_masks[0], mask)
    # The test core is the LSTM itself, sharing the variables.
    test_out, _ = snt.dynamic_unroll(test_core, x, test_core.initial_state(B))
    self.assertEqual(test_out.shape, [4, B, H])
    self.assertLen(test_core.variables, 2)
    # Step by step by hand: as Sonnet 1, the LSTM's next hidden state is multiplied by the
    # mask (so the next step sees the dropped-out state); the output is the LSTM's.
    h = snt.LSTMState(tf.random.normal([B, H]), tf.random.normal([B, H]))
    out, (next_state, _) = train_core(x[0], (h, masks))
    expected, expected_state = test_core(x[0], h)
    self.assertAllClose(out, expected)
    self.assertAllClose(next_state.hidden, expected_state.hidden * mask)
    self.assertAllClose(next_state.cell, expected_state.cell)
    self.assertAllEqual(final_lstm.hidden.numpy() == 0, mask == 0)

  def test_zero_state_samples_masks(self):
    # Zero masks would drop every unit; TF's dynamic_rnn asks cells for a zero state.
    train_core, _ = snt.lstm_with_recurrent_dropout(H, keep_prob=0.5)
    core_state, masks = train_core.zero_state(64)
    self.assertAllEqual(core_state.cell, np.zeros([64, H]))
    self.assertLen(masks, 1)
    self.assertTrue(np.all((masks[0].numpy() == 0) | (masks[0].numpy() == 2)))
    self.assertGreater(np.mean(masks[0].numpy()), 0.5)

  def test_zoneout(self):
    train_core, test_core = snt.lstm_with_zoneout(H, keep_prob_c=0.5, keep_prob_h=0.9)
    x = tf.random.normal([B, IN])
    prev = snt.LSTMState(tf.random.normal([B, H]), tf.random.normal([B, H]))
    _, new = train_core._core(x, prev)
    _, zoned = train_core(x, prev)
    for p, n, z in zip(prev, new, zoned):
      self.assertTrue(np.all(np.isclose(z, p) | np.isclose(z, n)))
    _, expected = test_core(x, prev)
    self.assertAllClose(expected.cell, 0.5 * new.cell + 0.5 * prev.cell)
    self.assertAllClose(expected.hidden, 0.9 * new.hidden + 0.1 * prev.hidden)

  def test_rates(self):
    # 2000 units per state: the updated / kept fractions are within 0.05 of the keep
    # probabilities (about 4.5 standard deviations).
    tf.random.set_seed(0)
    batch = 400
    zoneout, _ = snt.lstm_with_zoneout(H, keep_prob_c=0.3, keep_prob_h=0.8)
    x = tf.random.normal([batch, IN])
    prev = snt.LSTMState(tf.random.normal([batch, H]), tf.random.normal([batch, H]))
    _, new = zoneout._core(x, prev)
    _, zoned = zoneout(x, prev)
    for keep_prob, n, z in ((0.8, new.hidden, zoned.hidden), (0.3, new.cell, zoned.cell)):
      self.assertNear(np.mean(np.isclose(z, n)), keep_prob, 0.05)
    dropout, _ = snt.lstm_with_recurrent_dropout(H, keep_prob=0.3)
    masks = dropout.initial_state(batch)[1]
    self.assertNear(np.mean(masks[0].numpy() != 0), 0.3, 0.05)

  def test_bad_keep_prob(self):
    with self.assertRaisesRegex(ValueError, "keep_probs must be None or a number"):
      snt.lstm_with_recurrent_dropout(H, keep_prob=0.0)
    with self.assertRaisesRegex(ValueError, "structure"):
      snt.ZoneoutWrapper(snt.LSTM(H), (0.5, 0.5, 0.5))

  def test_with_recurrent_dropout(self):
    train, test = snt.highway_core_with_recurrent_dropout(H, 2, keep_prob=0.5)
    outputs, _ = snt.dynamic_unroll(train, tf.ones([3, B, IN]), train.initial_state(B))
    self.assertEqual(outputs.shape, [3, B, H])
    self.assertLen(test.variables, 2 + 4 * 2)


if __name__ == "__main__":
  tf.test.main()
