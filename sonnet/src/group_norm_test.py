# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.group_norm."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import errors
from sonnet.src import group_norm
from sonnet.src import test_utils


def _numpy_group_norm(x, groups, channels_first, eps=1e-5):
  """Reference: move channels last, split them into groups, normalise each group."""
  if channels_first:
    x = np.moveaxis(x, 1, -1)
  shape = x.shape
  grouped = x.reshape(shape[0], -1, groups, shape[-1] // groups)
  mean = grouped.mean(axis=(1, 3), keepdims=True)
  var = grouped.var(axis=(1, 3), keepdims=True)
  out = ((grouped - mean) / np.sqrt(var + eps)).reshape(shape)
  return np.moveaxis(out, -1, 1) if channels_first else out


class GroupNormTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.product(
      mode=test_utils.MODES,
      case=[([2, 6], None, 3), ([2, 4, 6], None, 2), ([2, 3, 3, 4], "NHWC", 4),
            ([2, 4, 3, 3], "NCHW", 2), ([1, 5, 6], "NWC", 1)])
  def test_values(self, mode, case):
    shape, data_format, groups = case
    x = np.random.RandomState(0).randn(*shape).astype(np.float32) * 2 + 1
    channels_first = data_format is not None and data_format.startswith("NC")

    def fn():
      gn = group_norm.GroupNorm(groups, data_format=data_format,
                                initializers={"beta": tf.constant_initializer(0.5)})
      return gn(tf.constant(x)), gn.gamma, gn.beta

    out, gamma, beta = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(out, _numpy_group_norm(x, groups, channels_first) + 0.5, atol=1e-4)
    channels = shape[1] if channels_first else shape[-1]
    self.assertEqual(gamma.shape, (channels,))
    self.assertEqual(beta.shape, (channels,))

  @parameterized.parameters("NHWC", "NCHW")
  def test_instance_norm(self, data_format):
    x = np.random.RandomState(1).randn(2, 3, 3, 3).astype(np.float32)
    inorm = group_norm.InstanceNorm(data_format=data_format)
    axes = (1, 2) if data_format == "NHWC" else (2, 3)
    expected = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5)
    self.assertAllClose(inorm(x), expected, atol=1e-4)
    self.assertIsNone(inorm.groups)

  def test_unknown_batch_and_spatial(self):
    gn = group_norm.GroupNorm(2)
    fn = tf.function(gn, input_signature=[tf.TensorSpec([None, None, 4])])
    for shape in ([1, 3, 4], [3, 5, 4]):
      x = np.random.RandomState(2).randn(*shape).astype(np.float32)
      out = fn(x)
      self.assertAllClose(out, _numpy_group_norm(x, 2, False), atol=1e-4)
    graph_out = fn.get_concrete_function().structured_outputs
    self.assertEqual(graph_out.shape.as_list(), [None, None, 4])

  @parameterized.parameters(tf.float16, tf.bfloat16)
  def test_low_precision(self, dtype):
    x = np.random.RandomState(3).randn(2, 8).astype(np.float32)
    gn = group_norm.GroupNorm(2)
    out = gn(tf.constant(x, dtype))
    self.assertEqual(out.dtype, dtype)
    self.assertEqual(gn.gamma.dtype, tf.float32)
    self.assertAllClose(tf.cast(out, tf.float32), _numpy_group_norm(x, 2, False), atol=0.05)

  def test_errors(self):
    for groups in (0, -1, 1.5, True):
      with self.assertRaisesRegex(ValueError, "`groups` must be a positive int"):
        group_norm.GroupNorm(groups)  # type: ignore[arg-type]  # deliberately wrong
    with self.assertRaisesRegex(ValueError, "`data_format` must be None or one of"):
      group_norm.GroupNorm(2, data_format="HWC")
    gn = group_norm.GroupNorm(4)
    with self.assertRaisesRegex(errors.IncompatibleShapeError,
                                r"channels \(6\) must be a multiple of groups=4"):
      gn(tf.ones([2, 6]))
    with self.assertRaisesRegex(errors.IncompatibleShapeError, "rank at least 2"):
      gn(tf.ones([4]))
    with self.assertRaisesRegex(errors.IncompatibleShapeError, "needs rank 4"):
      group_norm.GroupNorm(1, data_format="NCHW")(tf.ones([2, 3]))
    with self.assertRaisesRegex(TypeError, "floating point"):
      gn(tf.ones([2, 4], tf.int32))
    self.assertFalse(gn.is_connected)
    with self.assertRaises(errors.NotConnectedError):
      gn.gamma
    fn = tf.function(gn, input_signature=[tf.TensorSpec([None, None])])
    with self.assertRaisesRegex(errors.UnderspecifiedError, "channel dimension"):
      fn(tf.ones([2, 4]))

  def test_gradients_and_variables(self):
    gn = group_norm.GroupNorm(2, initializers={"gamma": tf.constant_initializer(
        [1., 2., 3., 4.])})
    x = tf.constant(np.random.RandomState(4).randn(2, 3, 4))
    theoretical, numerical = tf.test.compute_gradient(gn, [x])
    self.assertAllClose(theoretical, numerical, atol=1e-6)
    self.assertCountEqual([v.name for v in gn.variables],
                          [gn.scope_name + "/gamma:0", gn.scope_name + "/beta:0"])
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(gn(x) ** 3)
    self.assertNotIn(None, tape.gradient(loss, gn.trainable_variables))


if __name__ == "__main__":
  tf.test.main()
