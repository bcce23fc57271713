# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for the testing helpers themselves."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils


class EvaluateInModeTest(parameterized.TestCase, tf.test.TestCase):

  @test_utils.run_in_modes
  def test_returns_numpy_nest(self, mode):
    def fn():
      return {"a": tf.ones([2]), "b": (tf.constant(3), None)}
    out = test_utils.evaluate_in_mode(mode, fn)
    self.assertIsInstance(out["a"], np.ndarray)
    self.assertAllEqual(out["a"], [1.0, 1.0])
    self.assertEqual(int(out["b"][0]), 3)
    self.assertIsNone(out["b"][1])

  @test_utils.run_in_modes
  def test_runs_in_the_right_mode(self, mode):
    def fn():
      return tf.constant(tf.executing_eagerly())
    eager = bool(test_utils.evaluate_in_mode(mode, fn))
    self.assertEqual(eager, mode == "eager")

  @test_utils.run_in_modes
  def test_modules_built_inside_fn_have_one_set_of_variables(self, mode):
    built = []

    def fn():
      module = snt.nets.MLP([3, 2])
      built.append(module)
      return module(tf.ones([1, 4])), module(tf.ones([2, 4]))
    first, second = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(first[0], second[0])
    variables = {id(v) for module in built for v in module.variables}
    self.assertLen(variables, 4)  # tf.function's second trace adopts the first's.

  def test_bad_mode(self):
    with self.assertRaisesRegex(ValueError, "mode must be one of"):
      test_utils.evaluate_in_mode("jit", lambda: 1)

  @test_utils.run_in_modes
  def test_assert_raises_in_mode(self, mode):
    def fn():
      return snt.Linear(2)(tf.ones([1, 2, 3]))
    test_utils.assert_raises_in_mode(self, mode, fn, snt.IncompatibleShapeError, "rank")
    with self.assertRaises(AssertionError):
      test_utils.assert_raises_in_mode(self, mode, lambda: tf.ones([1]), ValueError)


if __name__ == "__main__":
  tf.test.main()
