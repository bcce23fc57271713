# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.batch_norm_v2."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import batch_norm_test
from sonnet.src import batch_norm_v2
from sonnet.src import errors
from sonnet.src import test_utils

_SHAPES = {"NC": [4, 3], "NWC": [2, 5, 3], "NCW": [2, 3, 5], "NHWC": [2, 3, 4, 3],
           "NCHW": [2, 3, 3, 4], "NDHWC": [2, 2, 2, 2, 3], "NCDHW": [2, 3, 2, 2, 2]}


class BatchNormV2Test(tf.test.TestCase, parameterized.TestCase):

  @parameterized.product(data_format=sorted(_SHAPES), fused=[False, True])
  def test_training_values_and_updates(self, data_format, fused):
    shape = _SHAPES[data_format]
    channel_axis = 1 if data_format.startswith("NC") else len(shape) - 1
    axes = tuple(i for i in range(len(shape)) if i != channel_axis)
    x = np.random.RandomState(0).randn(*shape).astype(np.float32) * 2 + 1
    bn = batch_norm_v2.BatchNormV2(data_format=data_format, fused=fused, decay_rate=0.5,
                                   scale=True)
    out = bn(x, is_training=True)
    mean = x.mean(axes, keepdims=True)
    var = x.var(axes, keepdims=True)
    self.assertAllClose(out, (x - mean) / np.sqrt(var + 1e-3), atol=1e-4)
    self.assertEqual(bn.moving_mean.shape, (3,))
    self.assertEqual(bn.gamma.shape, (3,))
    self.assertAllClose(bn.moving_mean, 0.5 * mean.ravel(), atol=1e-6)
    self.assertAllClose(bn.moving_variance, 0.5 + 0.5 * var.ravel(), atol=1e-6)
    # Test mode uses the moving statistics by default.
    out = bn(x, is_training=False)
    expected = ((x - 0.5 * mean) / np.sqrt(0.5 + 0.5 * var + 1e-3))
    self.assertAllClose(out, expected, atol=1e-4)

  @parameterized.product(mode=test_utils.MODES, fused=[False, True])
  def test_modes_update_with_output(self, mode, fused):
    def build():
      bn = batch_norm_v2.BatchNormV2(fused=fused, decay_rate=0.5)
      return bn, lambda t, training: bn(t, is_training=training)

    # Graph mode: no collection is run; the updates are control deps of the output.
    runner = batch_norm_test.ModeRunner(
        mode, build, [tf.TensorSpec([None, 2, 2, 2]), tf.TensorSpec([], tf.bool)],
        run_update_ops=False)
    x = np.ones([3, 2, 2, 2], np.float32) * 4.
    out = runner(x, True)
    self.assertAllClose(out, np.zeros_like(x), atol=1e-5)
    self.assertAllClose(runner.value(lambda m: m.moving_mean), [2., 2.])
    self.assertAllClose(runner.value(lambda m: m.moving_variance), [0.5, 0.5])
    out = runner(x, False)
    self.assertAllClose(out, (x - 2.) / np.sqrt(0.5 + 1e-3), atol=1e-4)
    self.assertAllClose(runner.value(lambda m: m.moving_mean), [2., 2.])

  def test_graph_mode_collection(self):
    with tf.Graph().as_default():
      bn = batch_norm_v2.BatchNormV2(update_ops_collection="my_updates")
      bn(tf.ones([2, 3]), is_training=True)
      self.assertLen(tf.compat.v1.get_collection("my_updates"), 2)
      self.assertEmpty(tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.UPDATE_OPS))

  def test_low_precision(self):
    x = np.random.RandomState(1).randn(2, 3, 3, 4).astype(np.float32)
    for dtype in (tf.float16, tf.bfloat16):
      bn = batch_norm_v2.BatchNormV2()
      out = bn(tf.constant(x, dtype), is_training=True)
      self.assertEqual(out.dtype, dtype)
      self.assertEqual(bn.moving_mean.dtype, tf.float32)
      mean, var = x.mean((0, 1, 2)), x.var((0, 1, 2))
      self.assertAllClose(tf.cast(out, tf.float32), (x - mean) / np.sqrt(var + 1e-3),
                          atol=0.1)

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, "`data_format` must be None or one of"):
      batch_norm_v2.BatchNormV2(data_format="NHCW")
    bn = batch_norm_v2.BatchNormV2(data_format="NCHW")
    with self.assertRaisesRegex(errors.IncompatibleShapeError,
                                "rank 3.*does not match data_format 'NCHW', which needs rank 4"):
      bn(tf.ones([2, 3, 4]), is_training=True)
    with self.assertRaisesRegex(errors.IncompatibleShapeError, "rank 2 to 5"):
      batch_norm_v2.BatchNormV2()(tf.ones([2]), is_training=True)
    with self.assertRaisesRegex(TypeError, "floating point"):
      batch_norm_v2.BatchNormV2()(tf.ones([2, 3], tf.int32), is_training=True)
    with self.assertRaises(TypeError):
      batch_norm_v2.BatchNormV2()(tf.ones([2, 3]))  # is_training is required
    fn = tf.function(lambda t: batch_norm_v2.BatchNormV2()(t, is_training=True),
                     input_signature=[tf.TensorSpec([None, None])])
    with self.assertRaisesRegex(errors.UnderspecifiedError, "channel dimension"):
      fn(tf.ones([2, 3]))
    self.assertFalse(bn.is_connected)
    with self.assertRaises(errors.NotConnectedError):
      bn.moving_mean

  def test_variables_and_sharing(self):
    bn = batch_norm_v2.BatchNormV2(scale=True, data_format="NCW")
    bn(tf.ones([2, 3, 4]), is_training=True)
    bn(tf.ones([5, 3, 1]), is_training=False)
    self.assertCountEqual([v.name[len(bn.scope_name):] for v in bn.variables],
                          ["/gamma:0", "/beta:0", "/moving_mean:0", "/moving_variance:0"])
    self.assertLen(bn.trainable_variables, 2)
    with self.assertRaises(errors.IncompatibleShapeError):
      bn(tf.ones([2, 4, 4]), is_training=True)  # 4 channels, variables have 3

  def test_gradients(self):
    bn = batch_norm_v2.BatchNormV2(scale=True)
    x = tf.constant(np.random.RandomState(2).randn(4, 3))
    f = lambda t: bn(t, is_training=True) * tf.constant([1., 2., 3.], tf.float64)
    theoretical, numerical = tf.test.compute_gradient(f, [x])
    self.assertAllClose(theoretical, numerical, atol=1e-6)
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(f(x) ** 2 + f(x))
    grads = tape.gradient(loss, bn.trainable_variables)
    self.assertLen(grads, 2)
    self.assertNotIn(None, grads)


if __name__ == "__main__":
  tf.test.main()
