# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.base: `AbstractModule.defun()` and `defun_wrapped` (Sonnet 1)."""

import copy
import pickle

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import base_test
from sonnet.src import test_utils


class CountingMatMul(snt.AbstractModule):
  """`inputs @ w` with `w` all twos; counts how often `_build` runs."""

  def __init__(self, name=None):
    super().__init__(name=name)
    self.builds = 0

  def _build(self, inputs):
    self.builds += 1
    self.w = snt.get_variable("w", shape=[inputs.shape[-1], 3],
                              initializer=snt.initializers.constant(2.0))
    return tf.matmul(inputs, self.w)


class DefunTest(parameterized.TestCase, tf.test.TestCase):

  def test_defun_wrapped(self):
    module = CountingMatMul()
    self.assertFalse(module.defun_wrapped)
    for _ in range(2):  # A second defun() changes nothing.
      module.defun()
      self.assertTrue(module.defun_wrapped)
    self.assertIsInstance(module, CountingMatMul)
    self.assertEqual(type(module).__name__, "CountingMatMul")
    self.assertEqual(repr(module), "CountingMatMul(name='counting_mat_mul')")
    other = CountingMatMul()
    self.assertFalse(other.defun_wrapped)  # Per module, not per class.
    self.assertIs(type(other), CountingMatMul)

  @test_utils.run_in_modes
  def test_calls_run_the_traced_function(self, mode):
    def fn():
      module = CountingMatMul()
      module.defun()
      outputs = [module(tf.ones([2, 4])), module(tf.ones([2, 4])),
                 module(tf.fill([5, 4], 3.0)), module(tf.fill([5, 4], 3.0))]
      if mode != "tf_function":  # There the enclosing function may be traced twice.
        # One trace per input signature: `_build` ran for the first call of each shape.
        self.assertEqual(module.builds, 2)
      self.assertLen(module.variables, 1)
      self.assertEqual(module.variables[0].name, "counting_mat_mul/w:0")
      return outputs
    outputs = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(outputs[0], np.full([2, 3], 8.0))
    self.assertAllClose(outputs[1], np.full([2, 3], 8.0))
    self.assertAllClose(outputs[2], np.full([5, 3], 24.0))
    self.assertAllClose(outputs[3], np.full([5, 3], 24.0))

  @test_utils.run_in_modes
  def test_shares_variables_with_calls_before_defun(self, mode):
    def fn():
      module = CountingMatMul()
      before = module(tf.ones([1, 2]))
      (w,) = module.variables
      module.defun()
      after = module(tf.ones([1, 2]))
      self.assertEqual(module.variables, (w,))
      return before, after
    before, after = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(before, np.full([1, 3], 4.0))
    self.assertAllClose(after, np.full([1, 3], 4.0))

  def test_sees_assignments(self):
    module = CountingMatMul()
    module.defun()
    module(tf.ones([1, 2]))
    module.w.assign(np.arange(6, dtype=np.float32).reshape([2, 3]))
    self.assertAllClose(module(tf.ones([1, 2])), [[3.0, 5.0, 7.0]])
    self.assertEqual(module.builds, 1)

  def test_get_variables_refused_in_eager_mode(self):
    module = CountingMatMul()
    module.defun()
    module(tf.ones([1, 2]))
    with self.assertRaisesRegex(
        snt.NotSupportedError,
        r"^`module.get_variables\(\)` relies on TensorFlow collections which are not "
        r"supported when your module is wrapped with defun\. Instead use "
        r"`module.trainable_variables` or `module.variables`\.$"):
      module.get_variables()
    self.assertEqual([v.name for v in module.trainable_variables], ["counting_mat_mul/w:0"])

  @parameterized.named_parameters(("graph", "graph"), ("legacy", "legacy"))
  def test_get_variables_in_graph_mode(self, mode):
    del mode  # A session mode: run in a graph (legacy mode in its own process).
    with tf.Graph().as_default():
      module = CountingMatMul()
      module.defun()
      module(tf.ones([1, 2]))
      self.assertEqual(module.get_variables(), (module.w,))
      self.assertEqual(module.w.name, "counting_mat_mul/w:0")

  def test_not_initialized(self):
    with self.assertRaises(snt.NotInitializedError):
      base_test.NoSuperInit().defun()

  def test_pickle_and_deepcopy_refused(self):
    module = CountingMatMul()
    module.defun()
    module(tf.ones([1, 2]))
    with self.assertRaisesRegex(snt.NotSupportedError, "wrapped with defun"):
      pickle.dumps(module)
    with self.assertRaisesRegex(snt.NotSupportedError, "wrapped with defun"):
      copy.deepcopy(module)


if __name__ == "__main__":
  tf.test.main()
