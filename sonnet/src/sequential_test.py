# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for Sequential and Residual."""

from unittest import mock

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import linear
from sonnet.src import sequential
from sonnet.src import test_utils

X = np.random.RandomState(0).randn(3, 4).astype(np.float32)


class SequentialTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_values(self, mode):
    def fn():
      first, second = linear.Linear(5), linear.Linear(2)
      seq = sequential.Sequential([first, tf.nn.relu, second])
      return seq(X), first.w, first.b, second.w, second.b

    out, w1, b1, w2, b2 = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(out, np.maximum(X @ w1 + b1, 0) @ w2 + b2, atol=1e-5)

  def test_multiple_inputs_and_outputs(self):
    seq = sequential.Sequential([lambda a, b: (a + b, a - b), lambda s, d: s * d])
    self.assertAllClose(seq(tf.constant(3.0), tf.constant(2.0)), 5.0)
    self.assertAllClose(sequential.Sequential([])(X), X)
    self.assertLen(sequential.Sequential([])(X, X), 2)
    with self.assertRaises(TypeError):  # Arity error from the layer itself.
      sequential.Sequential([lambda a: a])(X, X)

  def test_layers_copied_and_no_own_variables(self):
    layers = [linear.Linear(2)]
    seq = sequential.Sequential(layers)
    layers.append(tf.nn.relu)
    self.assertLen(seq.layers, 1)
    self.assertIsInstance(seq.layers, tuple)
    seq(X)
    apply = tf.function(seq, input_signature=[tf.TensorSpec([None, 4])])
    self.assertEqual(apply(np.zeros([0, 4], np.float32)).shape, (0, 2))
    self.assertStartsWith(seq.module_name, "sequential")

  def test_errors(self):
    with self.assertRaisesRegex(TypeError, "Items 1, 2 not callable with types: int, bool"):
      sequential.Sequential([tf.identity, 1, True])  # type: ignore[list-item]  # deliberately wrong
    # Python's own error, as Sonnet 1.
    with self.assertRaisesRegex(TypeError, "'NoneType' object is not iterable"):
      sequential.Sequential(None)  # type: ignore[arg-type]  # deliberately wrong

  def test_get_variables_warns_and_is_empty(self):
    layer = linear.Linear(2)
    seq = sequential.Sequential([layer])
    seq(X)
    with mock.patch.object(tf.compat.v1.logging, "warning") as warning:
      self.assertEqual(seq.get_variables(), ())
    warning.assert_called_once()
    self.assertIn("will always return an empty tuple", warning.call_args[0][0])
    self.assertLen(seq.variables, 2)  # The layer's, through the module it holds.


class ResidualTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_values_and_gradients(self, mode):
    def fn():
      lin = linear.Linear(4)
      module = sequential.Residual(lin)
      with tf.GradientTape() as tape:
        out = module(X)
        loss = tf.reduce_sum(out)
      return out, lin.w, lin.b, tape.gradient(loss, [lin.w, lin.b])

    out, w, b, (gw, gb) = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(out, X @ w + b + X, atol=1e-5)
    self.assertAllClose(gb, np.full([4], 3.0))
    self.assertAllClose(gw, np.tile(X.sum(0)[:, None], [1, 4]), atol=1e-5)

  def test_nested_and_kwargs(self):
    module = sequential.Residual(lambda x, scale=1.0: {"a": x["a"] * scale, "b": x["b"]})
    out = module({"a": tf.constant(2.0), "b": tf.constant(1.0)}, scale=3.0)
    self.assertAllClose(out, {"a": 8.0, "b": 2.0})
    with self.assertRaises((ValueError, TypeError)):
      sequential.Residual(lambda x: (x, x))(tf.constant(1.0))
    with self.assertRaisesRegex(TypeError, "base_module must be callable"):
      sequential.Residual(None)  # type: ignore[arg-type]  # deliberately wrong


if __name__ == "__main__":
  tf.test.main()
