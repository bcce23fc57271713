# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for AddBias, ConcatLinear, TrainableVariable and SelectInput."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import basic
from sonnet.src import errors
from sonnet.src import initializers
from sonnet.src import test_utils

NORMAL = initializers.random_normal(stddev=1.0)
X = np.random.RandomState(0).randn(2, 3, 4, 5).astype(np.float32)


class AddBiasTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(
      (None, (3, 4, 5)), ([], ()), ([1], (3, 1, 1)), ([-1], (5,)), ([1, 3], (3, 1, 5)),
      ([2], (4, 1)))
  def test_bias_shape_and_values(self, bias_dims, bias_shape):
    for mode in test_utils.in_process_modes():
      def fn():
        module = basic.AddBias(bias_dims=bias_dims, initializers={"b": NORMAL})
        return module(X), module(X, multiplier=tf.constant(-2.0)), module.b

      out, out_scaled, b = test_utils.evaluate_in_mode(mode, fn)
      self.assertEqual(b.shape, bias_shape)
      self.assertAllClose(out, X + b)
      self.assertAllClose(out_scaled, X - 2 * b)

  def test_variables_and_sharing(self):
    module = basic.AddBias()
    with self.assertRaises(errors.NotConnectedError):
      _ = module.b
    module(tf.ones([2, 3]))
    module(tf.ones([5, 3]))
    self.assertEqual([v.name for v in module.variables], [module.scope_name + "/b:0"])
    self.assertAllEqual(module.b, np.zeros(3))
    self.assertEqual(basic.AddBias.get_possible_initializer_keys(), {"b"})
    self.assertStartsWith(module.module_name, "add")

  @parameterized.parameters(tf.float16, tf.bfloat16, tf.float64)
  def test_dtypes(self, dtype):
    module = basic.AddBias()
    self.assertEqual(module(tf.ones([1, 2], dtype)).dtype, dtype)
    self.assertEqual(module.b.dtype, dtype)

  @test_utils.run_in_modes
  def test_unknown_batch_and_gradient(self, mode):
    def fn():
      module = basic.AddBias(bias_dims=[-1])

      @tf.function(input_signature=[tf.TensorSpec([None, 3, 4])])
      def apply(x):
        with tf.GradientTape() as tape:
          loss = tf.reduce_sum(module(x))
        return tape.gradient(loss, module.b)

      return apply(tf.ones([2, 3, 4])), apply(tf.ones([0, 3, 4]))

    grad, grad_empty = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(grad, np.full([4], 6.0))
    self.assertAllClose(grad_empty, np.zeros([4]))

  def test_transpose(self):
    module = basic.AddBias(bias_dims=[1])
    transposed = module.transpose()
    self.assertEqual(transposed.module_name, module.module_name + "_transpose")
    with self.assertRaisesRegex(errors.ParentNotBuiltError, "Build the original"):
      transposed(X)
    module(X)
    self.assertEqual(transposed(X).shape, X.shape)
    self.assertEqual(transposed.b.shape, (3, 1, 1))
    with self.assertRaisesRegex(errors.IncompatibleShapeError, "Input shape must be"):
      module.transpose()(tf.ones([2, 3]))

  @parameterized.parameters(*test_utils.MODES)
  def test_call_errors(self, mode):
    cases = [
        (lambda: basic.AddBias()(tf.ones([3])), errors.IncompatibleShapeError, ">= 2"),
        (lambda: basic.AddBias(bias_dims=[0])(X), ValueError, "across the minibatch"),
        (lambda: basic.AddBias(bias_dims=[4])(X), errors.IncompatibleShapeError,
         "out of range"),
        (lambda: basic.AddBias(output_shape=(2, 3, 4, 6))(X), errors.IncompatibleShapeError,
         "Input shape must be"),
        (lambda: basic.AddBias()(tf.ones([2, 3], tf.int32)), ValueError,
         "Expected floating point type"),
    ]
    for fn, error, regex in cases:
      test_utils.assert_raises_in_mode(self, mode, fn, error, regex)

  def test_input_shape_changed(self):
    module = basic.AddBias(bias_dims=[])
    module(tf.ones([2, 3]))
    with self.assertRaisesRegex(errors.IncompatibleShapeError, "Input shape has changed"):
      module(tf.ones([2, 4]))

  def test_unknown_bias_dim(self):
    apply = tf.function(basic.AddBias(), input_signature=[tf.TensorSpec([None, None])])
    with self.assertRaisesRegex(errors.UnderspecifiedError, "dimension 1"):
      apply(tf.ones([2, 3]))

  def test_constructor_errors(self):
    with self.assertRaisesRegex(TypeError, "bias_dims must be"):
      basic.AddBias(bias_dims=1)  # type: ignore[arg-type]  # deliberately wrong
    with self.assertRaisesRegex(KeyError, "Invalid initializer keys 'w'"):
      basic.AddBias(initializers={"w": NORMAL})


class ConcatLinearTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_values(self, mode):
    a = np.random.RandomState(1).randn(2, 3).astype(np.float32)
    b = np.random.RandomState(2).randn(2, 4).astype(np.float32)

    def fn():
      module = basic.ConcatLinear(5, initializers={"b": NORMAL})
      with tf.GradientTape() as tape:
        out = module([a, b])
        loss = tf.reduce_sum(out)
      return out, module.w, module.b, tape.gradient(loss, [module.w, module.b])

    out, w, bias, (grad_w, grad_b) = test_utils.evaluate_in_mode(mode, fn)
    self.assertEqual(w.shape, (7, 5))
    self.assertAllClose(out, np.concatenate([a, b], 1) @ w + bias, atol=1e-5)
    self.assertAllClose(grad_b, np.full([5], 2.0))
    self.assertAllClose(grad_w, np.tile(np.concatenate([a, b], 1).sum(0)[:, None], [1, 5]),
                        atol=1e-5)

  def test_module_basics(self):
    module = basic.ConcatLinear(2, use_bias=False, name="cl")
    with self.assertRaises(errors.NotConnectedError):
      _ = module.w
    module([tf.ones([3, 1]), tf.ones([3, 2])])
    self.assertEqual([v.name for v in module.variables], [module.scope_name + "/linear/w:0"])
    self.assertEqual(module.input_sizes, (1, 2))
    self.assertEqual(basic.ConcatLinear.get_possible_initializer_keys(use_bias=False), {"w"})
    with self.assertRaises(errors.IncompatibleShapeError):
      module([tf.ones([3, 2]), tf.ones([3, 2])])
    with self.assertRaisesRegex(TypeError, "non-empty list"):
      module([])
    with self.assertRaisesRegex(errors.IncompatibleShapeError, "rank 2"):
      module([tf.ones([3, 1, 1]), tf.ones([3, 2])])

  def test_mismatched_inputs(self):
    module = basic.ConcatLinear(2)
    with self.assertRaisesRegex(TypeError, r"same dtype, but got \['float32', 'float64'\]"):
      module([tf.ones([3, 1]), tf.ones([3, 2], tf.float64)])
    with self.assertRaisesRegex(errors.IncompatibleShapeError,
                                r"same batch size, but got shapes \[\(3, 1\), \(4, 2\)\]"):
      module([tf.ones([3, 1]), tf.ones([4, 2])])
    self.assertFalse(module.is_connected)
    # An unknown batch size is checked by the concatenation at run time.
    fn = tf.function(module, input_signature=[[tf.TensorSpec([None, 1]),
                                               tf.TensorSpec([None, 2])]])
    self.assertEqual(fn([tf.ones([3, 1]), tf.ones([3, 2])]).shape, (3, 2))
    with self.assertRaises(tf.errors.InvalidArgumentError):
      fn([tf.ones([3, 1]), tf.ones([4, 2])])


class TrainableVariableTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_returns_shared_variable(self, mode):
    def fn():
      module = basic.TrainableVariable([4, 5], initializers={"w": initializers.ones})
      first, second = module(), module()
      self.assertLen(module.variables, 1)
      with tf.GradientTape() as tape:
        loss = tf.reduce_sum(module() * 3.0)
      return first, second, tape.gradient(loss, module.w)

    first, second, grad = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllEqual(first, np.ones([4, 5]))
    self.assertAllEqual(second, first)
    self.assertAllEqual(grad, np.full([4, 5], 3.0))

  def test_default_initializer_and_dtype(self):
    module = basic.TrainableVariable([40, 50], dtype=tf.float64)
    with self.assertRaises(errors.NotConnectedError):
      _ = module.w
    w = module().numpy()
    self.assertEqual(w.dtype, np.float64)
    stddev = 1 / np.sqrt(2000)
    self.assertLessEqual(np.abs(w).max(), 2 * stddev)
    self.assertNear(w.std(), 0.88 * stddev, 0.1 * stddev)
    self.assertEqual(basic.TrainableVariable(()).__call__().shape, ())

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, "shape must be"):
      basic.TrainableVariable([0, 2])
    with self.assertRaisesRegex(ValueError, "Expected floating point type"):
      basic.TrainableVariable([2], dtype=tf.int32)
    with self.assertRaisesRegex(KeyError, "Invalid initializer keys 'b'"):
      basic.TrainableVariable([2], initializers={"b": NORMAL})


class SelectInputTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_select(self, mode):
    def fn():
      a, b, c = tf.constant(1.0), tf.constant([2.0]), tf.constant([[3.0]])
      return (basic.SelectInput(1)(a, b, c), basic.SelectInput([0, (2, 1)])(a, b, c),
              basic.SelectInput([2, 2])(a, b, c))

    single, nested, repeated = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllEqual(single, [2.0])
    self.assertEqual(nested[0], 1.0)
    self.assertAllEqual(nested[1][0], [[3.0]])
    self.assertAllEqual(nested[1][1], [2.0])
    self.assertLen(repeated, 2)

  def test_errors(self):
    for idx in ("a", 1.5, [], [0, [None]], True):
      with self.assertRaisesRegex(TypeError, r"`idx` should be a \(nested\) array/tuple, "
                                  "or an integer."):
        basic.SelectInput(idx)  # type: ignore[arg-type]  # deliberately wrong
    with self.assertRaisesRegex(ValueError, r"`idx` contains out of bound entries \(they should "
                                r"be in the range \[0, 2\)\)"):
      basic.SelectInput([0, 3])(tf.ones([1]), tf.ones([1]))



class Sonnet1SizesTest(tf.test.TestCase):

  def test_trainable_variable_integral_float_and_dimension_shape(self):
    shape = [2.0, tf.compat.v1.Dimension(3)]
    module = basic.TrainableVariable(shape, initializers={"w": tf.ones_initializer()})
    self.assertAllEqual(module(), np.ones([2, 3]))
    with self.assertRaisesRegex(ValueError, "shape must be a sequence of positive integers"):
      basic.TrainableVariable([2.5])  # type: ignore[list-item]


if __name__ == "__main__":
  tf.test.main()
