# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.layer_norm."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import errors
from sonnet.src import layer_norm
from sonnet.src import test_utils


def _numpy_layer_norm(x, axis, eps=1e-5, gamma=1.0, beta=0.0):
  mean = x.mean(axis=axis, keepdims=True)
  var = x.var(axis=axis, keepdims=True)
  return (x - mean) / np.sqrt(var + eps) * gamma + beta


class LayerNormTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.product(
      mode=test_utils.MODES,
      shape_axis=[([3, 5], None, (1,)), ([2, 3, 4], None, (1, 2)), ([2, 3, 4], [-1], (2,)),
                  ([2, 3, 4, 5], [1, 2], (1, 2)), ([2, 3, 4], 1, (1,))])
  def test_values(self, mode, shape_axis):
    shape, axis, np_axis = shape_axis
    rng = np.random.RandomState(0)
    x = rng.randn(*shape).astype(np.float32) * 3 + 1
    gamma = rng.randn(shape[-1]).astype(np.float32)
    beta = rng.randn(shape[-1]).astype(np.float32)

    def fn():
      ln = layer_norm.LayerNorm(axis=axis, initializers={
          "gamma": tf.constant_initializer(gamma), "beta": tf.constant_initializer(beta)})
      return ln(tf.constant(x)), ln.gamma, ln.beta

    out, g, b = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(out, _numpy_layer_norm(x, np_axis, gamma=gamma, beta=beta),
                        atol=1e-4)
    self.assertEqual(g.shape, (shape[-1],))
    self.assertEqual(b.shape, (shape[-1],))

  def test_unknown_batch_tf_function(self):
    ln = layer_norm.LayerNorm(eps=1e-3)
    fn = tf.function(ln, input_signature=[tf.TensorSpec([None, 4])])
    for batch in (0, 1, 3):
      x = np.random.RandomState(batch).randn(batch, 4).astype(np.float32)
      out = fn(x)
      self.assertEqual(out.shape, (batch, 4))
      self.assertAllClose(out, _numpy_layer_norm(x, (1,), eps=1e-3), atol=1e-4)
    self.assertLen(ln.variables, 2)

  def test_no_offset_no_scale(self):
    ln = layer_norm.LayerNorm(offset=False, scale=False)
    x = np.random.RandomState(1).randn(2, 6).astype(np.float32)
    self.assertAllClose(ln(x), _numpy_layer_norm(x, (1,)), atol=1e-5)
    self.assertEmpty(ln.variables)
    with self.assertRaisesRegex(errors.Error, "scale=False, so it has no `gamma`"):
      ln.gamma
    with self.assertRaisesRegex(errors.Error, "offset=False, so it has no `beta`"):
      ln.beta

  @parameterized.parameters(tf.float16, tf.bfloat16, tf.float64)
  def test_dtypes(self, dtype):
    x = np.random.RandomState(2).randn(3, 8).astype(np.float32)
    ln = layer_norm.LayerNorm()
    out = ln(tf.constant(x, dtype))
    self.assertEqual(out.dtype, dtype)
    expected_param_dtype = tf.float64 if dtype == tf.float64 else tf.float32
    self.assertEqual(ln.gamma.dtype, expected_param_dtype)
    tol = 1e-6 if dtype == tf.float64 else 5e-2
    self.assertAllClose(tf.cast(out, tf.float32), _numpy_layer_norm(x, (1,)), atol=tol)

  @parameterized.parameters(*test_utils.MODES)
  def test_integer_input_rejected(self, mode):
    ln = layer_norm.LayerNorm()
    with self.assertRaisesRegex(TypeError, "`inputs` must be a floating point tensor"):
      test_utils.evaluate_in_mode(mode, lambda: ln(tf.ones([2, 3], tf.int64)))
    self.assertFalse(ln.is_connected)

  @parameterized.named_parameters(
      ("rank1", [3], None, errors.IncompatibleShapeError, "at least 2.*got rank 1"),
      ("axis_range", [2, 3], [2], errors.IncompatibleShapeError,
       r"`axis` \[2\] is out of range for inputs of rank 2"),
      ("axis_duplicate", [2, 3, 4], [1, -2], errors.IncompatibleShapeError,
       "names the same dimension twice"))
  def test_shape_errors(self, shape, axis, error, message):
    for mode in test_utils.in_process_modes():
      ln = layer_norm.LayerNorm(axis=axis)

      def connect(ln=ln):
        return ln(tf.ones(shape))

      with self.assertRaisesRegex(error, message):
        test_utils.evaluate_in_mode(mode, connect)
      self.assertFalse(ln.is_connected)

  def test_unknown_last_dimension(self):
    ln = layer_norm.LayerNorm()
    fn = tf.function(ln, input_signature=[tf.TensorSpec([None, None])])
    with self.assertRaisesRegex(errors.UnderspecifiedError, "last dimension.*must be known"):
      fn(tf.ones([2, 3]))

  def test_constructor_errors(self):
    with self.assertRaisesRegex(TypeError, "`axis` must be None, an int or an iterable"):
      layer_norm.LayerNorm(axis=1.5)  # type: ignore[arg-type]  # deliberately wrong
    with self.assertRaisesRegex(TypeError, "`axis` must be None, an int or an iterable"):
      layer_norm.LayerNorm(axis=[1, "a"])  # type: ignore[list-item]  # deliberately wrong
    with self.assertRaisesRegex(ValueError, "`axis` must name at least one dimension"):
      layer_norm.LayerNorm(axis=[])
    with self.assertRaisesRegex(ValueError, "`eps` must be a positive number"):
      layer_norm.LayerNorm(eps=-1.)
    with self.assertRaisesRegex(KeyError, "Invalid initializer keys"):
      layer_norm.LayerNorm(initializers={"moving_mean": tf.zeros_initializer()})
    self.assertEqual(layer_norm.LayerNorm.get_possible_initializer_keys(), {"gamma", "beta"})

  def test_not_connected(self):
    ln = layer_norm.LayerNorm()
    with self.assertRaises(errors.NotConnectedError):
      ln.gamma
    with self.assertRaises(errors.NotConnectedError):
      ln.beta

  def test_variables_and_sharing(self):
    ln = layer_norm.LayerNorm()
    ln(tf.ones([2, 3]))
    ln(tf.ones([5, 3]))
    self.assertCountEqual([v.name for v in ln.variables],
                          [ln.scope_name + "/gamma:0", ln.scope_name + "/beta:0"])
    with self.assertRaises(errors.IncompatibleShapeError):
      ln(tf.ones([2, 4]))

  def test_custom_getter(self):
    ln = layer_norm.LayerNorm(custom_getter=lambda getter, *a, **k: getter(*a, **k) * 2.)
    x = np.array([[1., 2., 3.]], np.float32)
    self.assertAllClose(ln(x), _numpy_layer_norm(x, (1,)) * 2., atol=1e-4)

  def test_gradients(self):
    ln = layer_norm.LayerNorm(initializers={"gamma": tf.constant_initializer([1., 2., 3.])})
    x = tf.constant(np.random.RandomState(3).randn(2, 3))
    theoretical, numerical = tf.test.compute_gradient(ln, [x])
    self.assertAllClose(theoretical, numerical, atol=1e-6)
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(ln(x) ** 3)
    for grad in tape.gradient(loss, ln.trainable_variables):
      self.assertIsNotNone(grad)


if __name__ == "__main__":
  tf.test.main()
