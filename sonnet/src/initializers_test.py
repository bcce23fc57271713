# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.initializers."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt

init = snt.initializers


class InitializersTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters(tf.float16, tf.float32, tf.float64)
  def test_fills(self, dtype):
    self.assertAllEqual(init.zeros([2, 3], dtype=dtype), np.zeros([2, 3]))
    self.assertAllEqual(init.ones([4], dtype), np.ones([4]))
    self.assertIs(init.zeros(), init.zeros)
    self.assertEqual(init.zeros([2], dtype=dtype).dtype, dtype)
    self.assertAllEqual(init.constant(2.5)([2, 2], dtype=dtype), np.full([2, 2], 2.5))
    self.assertAllEqual(init.constant([[1, 2]])([1, 2], dtype), [[1, 2]])
    self.assertAllEqual(init.zeros([2], tf.int32), [0, 0])

  def test_constant_shape_mismatch(self):
    with self.assertRaisesRegex(ValueError, r"value has shape \[2\], but the variable has "
                                r"shape \[3\]"):
      init.constant([1, 2])([3])

  def test_truncated_normal_statistics(self):
    values = init.truncated_normal(stddev=0.1, mean=1.0, seed=3)([200, 200]).numpy()
    self.assertAllInRange(values, 1.0 - 0.2, 1.0 + 0.2)
    self.assertNear(values.mean(), 1.0, 0.01)
    self.assertNear(values.std(), 0.088, 0.005)  # A truncated normal's std is 0.88 sigma.

  def test_random_normal_and_uniform(self):
    normal = init.random_normal(stddev=2.0, seed=1)([100, 100]).numpy()
    self.assertNear(normal.std(), 2.0, 0.1)
    uniform = init.random_uniform(-1.0, 3.0, seed=1)([100, 100]).numpy()
    self.assertAllInRange(uniform, -1.0, 3.0)
    self.assertNear(uniform.mean(), 1.0, 0.1)
    with self.assertRaisesRegex(ValueError, "minval < maxval"):
      init.random_uniform(1.0, 1.0)

  @parameterized.parameters(-1.0, float("nan"), float("inf"))
  def test_bad_stddev(self, stddev):
    with self.assertRaisesRegex(ValueError, "stddev must be"):
      init.truncated_normal(stddev=stddev)

  @parameterized.parameters(tf.int32, tf.bool, tf.complex64)
  def test_random_needs_float(self, dtype):
    with self.assertRaisesRegex(ValueError, "Expected floating point type"):
      init.truncated_normal()([2], dtype=dtype)

  def test_keras_and_tf_initializers_fit_the_convention(self):
    module = snt.Linear(2, initializers={"w": tf.keras.initializers.Ones(),
                                         "b": tf.compat.v1.constant_initializer(3.0)})
    self.assertAllEqual(module(tf.ones([1, 3])), [[6.0, 6.0]])


if __name__ == "__main__":
  tf.test.main()
