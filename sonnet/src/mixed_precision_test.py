# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for `snt.mixed_precision` and the dtypes of recurrent states."""

import os
import tempfile

from absl.testing import absltest
from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import rnn_core
from sonnet.src import test_utils


def _inputs(dtype=tf.float32):
  return tf.constant(np.linspace(-1.0, 1.0, 12).reshape(3, 4), dtype)


class ScopeTest(parameterized.TestCase, tf.test.TestCase):

  def test_no_policy_by_default(self):
    self.assertIsNone(snt.mixed_precision.compute_dtype())

  def test_scopes_nest_and_none_switches_off(self):
    with snt.mixed_precision.scope(tf.bfloat16):
      self.assertEqual(snt.mixed_precision.compute_dtype(), tf.bfloat16)
      with snt.mixed_precision.scope("float16"):
        self.assertEqual(snt.mixed_precision.compute_dtype(), tf.float16)
      with snt.mixed_precision.scope(None):
        self.assertIsNone(snt.mixed_precision.compute_dtype())
      with snt.mixed_precision.scope(tf.float32):
        self.assertIsNone(snt.mixed_precision.compute_dtype())
    self.assertIsNone(snt.mixed_precision.compute_dtype())

  @parameterized.parameters(tf.float64, tf.int32, "not a dtype")
  def test_bad_dtype(self, dtype):
    with self.assertRaisesRegex(ValueError, "compute_dtype must be float16, bfloat16"):
      with snt.mixed_precision.scope(dtype):
        pass

  def test_linear_matches_numpy(self):
    linear = snt.Linear(2)
    with snt.mixed_precision.scope(tf.bfloat16):
      outputs = linear(_inputs())
    self.assertEqual(outputs.dtype, tf.bfloat16)
    self.assertEqual(linear.variables[0].dtype, tf.float32)
    w = linear.variables[1].numpy()  # Sorted by name: b, w.
    b = linear.variables[0].numpy()
    expected = _inputs().numpy() @ w + b
    self.assertAllClose(expected, tf.cast(outputs, tf.float32), atol=0.05, rtol=0.05)
    # Without the scope the same float32 variables compute in float32.
    self.assertAllClose(expected, linear(_inputs()), atol=1e-5, rtol=1e-5)

  def test_gradients_reach_float32_variables(self):
    linear = snt.Linear(2)
    with tf.GradientTape() as tape:
      with snt.mixed_precision.scope(tf.float16):
        loss = tf.reduce_sum(tf.cast(linear(_inputs()), tf.float32))
    grads = tape.gradient(loss, linear.trainable_variables)
    self.assertEqual([g.dtype for g in grads], [tf.float32, tf.float32])
    # d loss / d b = batch size; d loss / d w[i, j] = sum of inputs[:, i].
    self.assertAllClose(grads[0], [3.0, 3.0])
    expected_w = np.repeat(_inputs().numpy().sum(0)[:, None], 2, axis=1)
    self.assertAllClose(grads[1], expected_w, atol=1e-2)

  def test_checkpoint_holds_float32(self):
    mlp = snt.nets.MLP([3, 2])
    with snt.mixed_precision.scope(tf.bfloat16):
      mlp(_inputs())
    path = tf.train.Checkpoint(module=mlp).save(os.path.join(tempfile.mkdtemp(), "ckpt"))
    dtypes = {name: tf.train.load_checkpoint(path).get_variable_to_dtype_map()[name]
              for name, _ in tf.train.list_variables(path) if "module" in name}
    self.assertNotEmpty(dtypes)
    self.assertEqual(set(dtypes.values()), {tf.float32})

  def test_batch_norm_statistics_float32(self):
    bn = snt.BatchNorm(scale=True)
    with snt.mixed_precision.scope(tf.float16):
      outputs = bn(_inputs(), is_training=True)
    self.assertEqual(outputs.dtype, tf.float16)
    self.assertEqual({v.dtype for v in bn.variables}, {tf.float32})
    x = _inputs().numpy()
    expected = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3)
    self.assertAllClose(expected, tf.cast(outputs, tf.float32), atol=1e-2)

  @test_utils.run_in_modes
  def test_in_every_mode(self, mode):
    def fn():
      linear = snt.Linear(2, initializers={"w": tf.ones_initializer()})
      with snt.mixed_precision.scope(tf.bfloat16):
        outputs = linear(_inputs())
      assert outputs.dtype == tf.bfloat16, outputs.dtype
      assert linear.w.dtype == tf.float32  # The property is the variable.
      assert [v.dtype for v in linear.variables] == [tf.float32, tf.float32]
      return outputs
    outputs = test_utils.evaluate_in_mode(mode, fn)
    inputs = np.linspace(-1.0, 1.0, 12).reshape(3, 4)  # As _inputs(), read without a session.
    expected = np.repeat(inputs.sum(1, keepdims=True), 2, axis=1)
    self.assertAllClose(expected, np.asarray(outputs, np.float32), atol=0.02)

  def test_no_policy_float16_inputs_make_float16_variables(self):
    linear = snt.Linear(2)
    self.assertEqual(linear(_inputs(tf.float16)).dtype, tf.float16)
    self.assertEqual({v.dtype for v in linear.variables}, {tf.float16})


class KerasPolicyTest(parameterized.TestCase, tf.test.TestCase):

  def tearDown(self):
    keras.mixed_precision.set_global_policy("float32")
    super().tearDown()

  @parameterized.parameters(("mixed_float16", tf.float16), ("mixed_bfloat16", tf.bfloat16))
  def test_follows_global_policy(self, policy, dtype):
    keras.mixed_precision.set_global_policy(policy)
    self.assertEqual(snt.mixed_precision.compute_dtype(), dtype)
    mlp = snt.nets.MLP([3, 2])
    self.assertEqual(mlp(_inputs()).dtype, dtype)
    self.assertEqual({v.dtype for v in mlp.variables}, {tf.float32})
    with snt.mixed_precision.scope(None):  # A scope overrides the policy.
      self.assertEqual(mlp(_inputs()).dtype, tf.float32)

  @parameterized.parameters("float32", "float16", "bfloat16")
  def test_non_mixed_policies_ignored(self, policy):
    keras.mixed_precision.set_global_policy(policy)
    self.assertIsNone(snt.mixed_precision.compute_dtype())
    self.assertEqual(snt.Linear(2)(_inputs()).dtype, tf.float32)


class RecurrentDTypeTest(parameterized.TestCase, tf.test.TestCase):

  @test_utils.run_in_modes
  def test_state_dtype_mismatch_names_module(self, mode):
    def fn():
      lstm = snt.LSTM(3, name="my_lstm")
      return lstm(_inputs(tf.float16), lstm.zero_state(3, tf.float32))[0]

    with self.assertRaisesRegex(
        TypeError, r"my_lstm(_\d+)?: prev_state component prev_state.hidden has dtype float32, but "
        "the inputs have dtype float16"):
      test_utils.evaluate_in_mode(mode, fn)

  def test_error_text(self):
    self.assertIn("{module}", rnn_core.ERR_STATE_DTYPE)
    self.assertIn("{expected}", rnn_core.ERR_STATE_DTYPE)

  def test_initial_state_follows_inputs(self):
    gru = snt.GRU(3)
    self.assertEqual(gru.initial_state(2).dtype, tf.float32)  # Before any call.
    gru(_inputs(tf.float16), gru.initial_state(3, dtype=tf.float16))
    self.assertEqual(gru.initial_state(2).dtype, tf.float16)
    self.assertEqual(gru.zero_state(2).dtype, tf.float16)
    self.assertEqual(gru.initial_state(2, tf.float64).dtype, tf.float64)

  def test_initial_state_under_policy(self):
    lstm = snt.LSTM(3)
    with snt.mixed_precision.scope(tf.bfloat16):
      state = lstm.initial_state(2, trainable=True)
    self.assertEqual(state.hidden.dtype, tf.bfloat16)
    self.assertEqual({v.dtype for v in lstm.variables}, {tf.float32})

  @parameterized.parameters(snt.dynamic_unroll, snt.static_unroll)
  def test_unroll_without_initial_state(self, unroll):
    core = snt.VanillaRNN(3)
    sequence = tf.constant(np.ones([2, 3, 4]), tf.float64)
    outputs, state = unroll(core, sequence)
    self.assertEqual(outputs.dtype, tf.float64)
    self.assertEqual(state.dtype, tf.float64)
    # Equal to an unroll from explicit zeros.
    expected, _ = unroll(core, sequence, tf.zeros([3, 3], tf.float64))
    self.assertAllClose(expected, outputs)

  @parameterized.parameters(snt.dynamic_unroll, snt.static_unroll)
  def test_unroll_state_dtype_mismatch(self, unroll):
    with self.assertRaisesRegex(TypeError, r"lstm(_\d+)?: initial_state component "
                                "initial_state.hidden has dtype float32, but the inputs "
                                "have dtype float16"):
      unroll(snt.LSTM(3), tf.ones([2, 3, 4], tf.float16), snt.LSTM(3).zero_state(3))

  def test_unroll_under_policy_casts_state(self):
    lstm = snt.LSTM(3)
    with snt.mixed_precision.scope(tf.float16):
      outputs, state = snt.dynamic_unroll(lstm, tf.ones([2, 3, 4]),
                                          lstm.zero_state(3, tf.float32))
    self.assertEqual(outputs.dtype, tf.float16)
    self.assertEqual(state.cell.dtype, tf.float16)
    reference, _ = snt.dynamic_unroll(lstm, tf.ones([2, 3, 4]))
    self.assertAllClose(reference, tf.cast(outputs, tf.float32), atol=1e-2)

  def test_trainable_initial_state_under_policy(self):
    with self.assertWarns(DeprecationWarning):
      module = snt.TrainableInitialState(np.full([2, 3], 0.5, np.float32))
    with snt.mixed_precision.scope(tf.bfloat16):
      state = module()
    self.assertEqual(state.dtype, tf.bfloat16)
    self.assertEqual(module.variables[0].dtype, tf.float32)
    self.assertAllClose(np.full([2, 3], 0.5), tf.cast(state, tf.float32))

  def test_second_call_other_dtype_names_module(self):
    linear = snt.Linear(2, name="lin")
    linear(_inputs())
    with self.assertRaisesRegex(snt.IncompatibleShapeError,
                                r"lin(_\d+)?: .* requested dtype float64 is not the dtype "
                                "float32"):
      linear(_inputs(tf.float64))


if __name__ == "__main__":
  absltest.main()
