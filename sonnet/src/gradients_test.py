# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for scale_gradient and clip_gradient."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import gradients
from sonnet.src import test_utils

FLOATS = (tf.float16, tf.bfloat16, tf.float32, tf.float64)


def _grad(fn, x, upstream):
  with tf.GradientTape() as tape:
    tape.watch(x)
    y = fn(x)
  return y, tape.gradient(y, x, output_gradients=upstream)


class ScaleGradientTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*[(mode, dtype, scale) for mode in test_utils.MODES
                              for dtype, scale in zip(FLOATS, (2.0, -0.5, 0.0, 1.0))])
  def test_forward_identity_and_scaled_gradient(self, mode, dtype, scale):
    values = np.array([[1.0, -2.0], [3.0, 0.5]], np.float32)
    upstream = np.array([[1.0, 2.0], [-4.0, 8.0]], np.float32)

    def fn():
      x = tf.constant(values, dtype)
      return _grad(lambda t: gradients.scale_gradient(t, scale), x,
                   tf.constant(upstream, dtype))

    y, dx = test_utils.evaluate_in_mode(mode, fn)
    self.assertEqual(y.dtype, dtype.as_numpy_dtype)
    self.assertAllClose(y.astype(np.float32), values)
    if scale == 0:
      self.assertIsNone(dx)  # stop_gradient: no gradient path.
    else:
      self.assertAllClose(dx.astype(np.float32), upstream * scale)

  def test_tensor_scale_and_nests(self):
    x = tf.constant([1.0, 2.0])
    scale = tf.Variable(3.0)
    _, dx = _grad(lambda t: gradients.scale_gradient(t, scale), x, tf.ones([2]))
    self.assertAllClose(dx, [3.0, 3.0])
    with tf.GradientTape() as tape:
      tape.watch(x)
      out = gradients.scale_gradient({"a": x, "b": (x, x)}, 2.0)
      total = tf.reduce_sum(out["a"]) + tf.reduce_sum(out["b"][1])
    self.assertAllClose(tape.gradient(total, x), [4.0, 4.0])

  def test_two_calls_keep_their_own_scales(self):
    # Sonnet 1.1 shared the first call's value across a graph.
    x = tf.constant(1.0)
    with tf.GradientTape(persistent=True) as tape:
      tape.watch(x)
      a = gradients.scale_gradient(x, 2.0)
      b = gradients.scale_gradient(x, 5.0)
    self.assertAllClose(tape.gradient(a, x), 2.0)
    self.assertAllClose(tape.gradient(b, x), 5.0)

  def test_unknown_shape_in_tf_function(self):
    @tf.function(input_signature=[tf.TensorSpec(None)])
    def grad(x):
      return _grad(lambda t: gradients.scale_gradient(t, 0.5), x, tf.ones_like(x))[1]

    self.assertAllClose(grad(tf.ones([2, 3])), np.full([2, 3], 0.5))

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, "Expected floating point type .* got int32"):
      gradients.scale_gradient(tf.constant([1]), 2.0)
    with self.assertRaisesRegex(TypeError, "`scale` must be a Python number"):
      gradients.scale_gradient(tf.constant([1.0]), "2")


class ClipGradientTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*[(mode, dtype) for mode in test_utils.MODES
                              for dtype in FLOATS])
  def test_forward_identity_and_clipped_gradient(self, mode, dtype):
    values = np.array([1.0, -2.0, 3.0, 0.5], np.float32)
    upstream = np.array([-3.0, -0.5, 0.25, 4.0], np.float32)

    def fn():
      x = tf.constant(values, dtype)
      return _grad(lambda t: gradients.clip_gradient(t, -1.0, 2.0), x,
                   tf.constant(upstream, dtype))

    y, dx = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(y.astype(np.float32), values)
    self.assertAllClose(dx.astype(np.float32), np.clip(upstream, -1.0, 2.0))

  def test_two_calls_keep_their_own_bounds(self):
    x = tf.constant([5.0, -5.0])
    with tf.GradientTape(persistent=True) as tape:
      tape.watch(x)
      a = gradients.clip_gradient(x, -1.0, 1.0)
      b = gradients.clip_gradient(x, -2.0, 3.0)
    self.assertAllClose(tape.gradient(a, x, output_gradients=tf.constant([9.0, -9.0])),
                        [1.0, -1.0])
    self.assertAllClose(tape.gradient(b, x, output_gradients=tf.constant([9.0, -9.0])),
                        [3.0, -2.0])

  def test_tensor_bounds(self):
    lo, hi = tf.constant(-0.5), tf.constant(0.5)
    _, dx = _grad(lambda t: gradients.clip_gradient(t, lo, hi), tf.constant([1.0, 2.0]),
                  tf.constant([3.0, -3.0]))
    self.assertAllClose(dx, [0.5, -0.5])

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, "clip_value_min=2.0 and clip_value_max=1.0"):
      gradients.clip_gradient(tf.constant([1.0]), 2.0, 1.0)
    with self.assertRaisesRegex(ValueError, "Expected floating point type .* got int64"):
      gradients.clip_gradient(tf.constant([1], tf.int64), -1.0, 1.0)


if __name__ == "__main__":
  tf.test.main()
