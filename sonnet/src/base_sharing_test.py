# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.base: variables shared across calls and modes.

Also snt.get_variable's checks and the variables a module reports.
"""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import base_test
from sonnet.src import test_utils


def _call_repeatedly(mode, module, inputs_list):
  """Calls `module` on each input in the given mode; returns numpy outputs."""
  if mode == "eager":
    return [module(x).numpy() for x in inputs_list]
  if mode == "tf_function":
    function = tf.function(module)
    return [function(x).numpy() for x in inputs_list]
  with tf.Graph().as_default():
    outputs = [module(tf.constant(x)) for x in inputs_list]
    with tf.compat.v1.Session() as session:
      session.run(tf.compat.v1.global_variables_initializer())
      return session.run(outputs)


class SharingTest(parameterized.TestCase, tf.test.TestCase):

  @test_utils.run_in_modes
  def test_sharing_over_many_calls(self, mode):
    module = base_test.Scale()
    calls = 1000
    inputs = [np.full([1 + i % 3, 2], i, np.float32) for i in range(calls)]
    outputs = _call_repeatedly(mode, module, inputs)
    self.assertLen(module.variables, 1)
    variable = module.variables[0]
    self.assertTrue(all(r is variable for r in module.returned))
    for x, y in zip(inputs, outputs):
      self.assertAllClose(x, y)

  def test_mixing_eager_and_traced_calls_in_any_order(self):
    module = snt.Linear(3)
    traced = tf.function(module)
    signature = tf.function(module, input_signature=[tf.TensorSpec([None, 4])])
    x = tf.random.normal([2, 4])
    first = traced(x)
    second = module(x)
    third = signature(tf.random.normal([5, 4]))
    fourth = traced(tf.random.normal([7, 4]))  # Retrace with a new shape.
    empty = signature(tf.zeros([0, 4]))
    self.assertAllClose(first, second)
    self.assertEqual(third.shape, (5, 3))
    self.assertEqual(fourth.shape, (7, 3))
    self.assertEqual(empty.shape, (0, 3))
    self.assertLen(module.variables, 2)
    self.assertLen(signature.get_concrete_function().graph.variables, 2)

  def test_first_call_inside_tf_function_then_eager(self):
    module = snt.nets.MLP([4, 2])
    x = tf.random.normal([3, 5])
    traced = tf.function(module)(x)
    eager = module(x)
    self.assertAllClose(traced, eager)
    self.assertLen(module.variables, 4)

  @test_utils.run_in_modes
  def test_first_call_inside_while_loop_and_cond(self, mode):
    def fn():
      linear = snt.Linear(3)

      def body(i, x):
        return i + 1, tf.tanh(linear(x))
      _, looped = tf.while_loop(lambda i, x: i < 4, body, (tf.constant(0), tf.ones([2, 3])))
      in_cond = snt.Linear(3, name="in_cond")
      branch = tf.cond(tf.constant(True), lambda: in_cond(tf.ones([2, 3])),
                       lambda: tf.zeros([2, 3]))
      self.assertLen(linear.variables + in_cond.variables, 4)
      manual = tf.ones([2, 3])
      for _ in range(4):
        manual = tf.tanh(tf.matmul(manual, linear.w) + linear.b)
      return looped, manual, branch, tf.matmul(tf.ones([2, 3]), in_cond.w) + in_cond.b
    looped, manual, branch, branch_expected = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(looped, manual)
    self.assertAllClose(branch, branch_expected)

  def test_modules_in_tf_distribute(self):
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    outside = snt.Linear(3)
    with strategy.scope():
      inside = snt.Linear(3)

      @tf.function
      def step(x):
        return strategy.run(lambda v: inside(v) + outside(v), args=(x,))
      out = step(tf.ones([2, 4]))
    self.assertEqual(out.shape, (2, 3))
    expected = tf.ones([2, 4]) @ (inside.w + outside.w) + inside.b + outside.b
    self.assertAllClose(out, expected)
    self.assertLen(inside.variables + outside.variables, 4)


class GetVariableTest(parameterized.TestCase, tf.test.TestCase):

  def test_not_connected_errors(self):
    module = snt.Linear(2, name="lonely")
    for access in (lambda: module.w, lambda: module.b, module.get_variables,
                   lambda: module.input_shape):
      with self.assertRaisesRegex(snt.NotConnectedError,
                                  r"Variables in lonely(_\d+)? not instantiated yet"):
        access()

  def test_get_variable_outside_module(self):
    with self.assertRaisesRegex(snt.Error, "outside of any module"):
      snt.get_variable("w", shape=[1])

  @test_utils.run_in_modes
  def test_get_variable_shape_mismatch(self, mode):
    def build(x):
      return snt.get_variable("w", shape=[x.shape[-1]]) * x
    with test_utils.graph_mode_if(mode):
      module = snt.Module(build)
      test_utils.run_fn_in_mode(mode, module, tf.ones([1, 2]))
      with self.assertRaisesRegex(snt.IncompatibleShapeError,
                                  r"requested shape \[3\] is not the shape \[2\]"):
        test_utils.run_fn_in_mode(mode, module, tf.ones([1, 3]))
      self.assertLen(module.variables, 1)

  def test_get_variable_dtype_mismatch(self):
    module = snt.Module(lambda x: snt.get_variable("w", shape=[2], dtype=x.dtype) * x)
    module(tf.ones([2]))
    with self.assertRaisesRegex(snt.IncompatibleShapeError, "dtype float64"):
      module(tf.ones([2], tf.float64))

  @test_utils.run_in_modes
  def test_initializer_returning_wrong_shape(self, mode):
    def fn():
      module = snt.Linear(2, initializers={"w": lambda shape, dtype: tf.zeros([5, 5], dtype)})
      with self.assertRaisesRegex(snt.IncompatibleShapeError,
                                  r"returned a value of shape \[5, 5\], but the variable "
                                  r"has shape \[3, 2\]"):
        module(tf.ones([1, 3]))
      if mode == test_utils.LEGACY:  # TF1 behaviour: Sonnet 1 refuses, nothing was made.
        with self.assertRaises(snt.NotConnectedError):
          module.variables  # pylint: disable=pointless-statement
      else:
        self.assertEmpty(module.variables)
      self.assertFalse(module.is_connected)
      return tf.constant(0)
    test_utils.evaluate_in_mode(mode, fn)

  def test_get_variable_unknown_shape(self):
    module = snt.Module(lambda x: snt.get_variable("w", shape=[None]) * x)
    with self.assertRaisesRegex(snt.UnderspecifiedError, "must be fully defined"):
      module(tf.ones([2]))


class VariablesTest(parameterized.TestCase, tf.test.TestCase):

  @test_utils.run_in_modes
  def test_variables_include_passed_in_modules_once(self, mode):
    with test_utils.graph_mode_if(mode):
      shared = snt.Linear(2, name="shared")
      a = base_test.Wrapper(shared, name="a")
      b = base_test.Wrapper(shared, name="b")
      pair = snt.Module(lambda x: a(x) + b(x), name="pair")
      test_utils.run_fn_in_mode(mode, pair, tf.ones([1, 3]))
      names = [v.name for v in pair.variables]
      self.assertLen(names, 4)
      self.assertEqual(names, sorted(names))
      self.assertLen(a.variables, 3)
      # get_variables: only what was created in the module's own scope.
      self.assertEqual([v.name.split("/", 1)[1] for v in a.get_variables()],
                       ["own/scale:0"])

  @test_utils.run_in_modes
  def test_trainable_and_non_trainable(self, mode):
    def build(x):
      counter = snt.get_variable("counter", shape=[], trainable=False,
                                 initializer=snt.initializers.zeros)
      return x * snt.get_variable("w", shape=[]) + counter
    with test_utils.graph_mode_if(mode):
      module = snt.Module(build)
      test_utils.run_fn_in_mode(mode, module, tf.ones([2]))
      self.assertEqual([v.name.split("/")[-1] for v in module.trainable_variables],
                       ["w:0"])
      self.assertEqual([v.name.split("/")[-1] for v in module.non_trainable_variables],
                       ["counter:0"])
      collection = tf.compat.v1.GraphKeys.GLOBAL_VARIABLES
      self.assertLen(module.get_variables(collection), 2)
      self.assertLen(module.get_variables(), 1)

  @test_utils.run_in_modes
  def test_regularization_loss(self, mode):
    def fn():
      module = snt.Linear(2, regularizers={"w": lambda w: tf.reduce_sum(tf.abs(w)),
                                           "b": lambda b: 10.0 * tf.reduce_sum(b)},
                          initializers={"w": snt.initializers.constant(-0.5),
                                        "b": snt.initializers.ones})
      module(tf.ones([1, 3]))
      collected = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES)
      if test_utils.session_mode(mode):
        self.assertLen(collected, 2)
      return snt.get_regularization_loss(module)
    self.assertAllClose(test_utils.evaluate_in_mode(mode, fn), 0.5 * 6 + 10.0 * 2)

  def test_eager_regularization_loss_reaches_default_graph_collection(self):
    # As tf.compat.v1.get_variable (and Sonnet 1) eagerly: the loss's value at creation.
    key = tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES
    collected = tf.compat.v1.get_collection_ref(key)
    before = len(collected)
    module = snt.Linear(2, regularizers={"w": lambda w: tf.reduce_sum(tf.abs(w))},
                        initializers={"w": snt.initializers.constant(-0.5)})
    module(tf.ones([1, 3]))
    self.assertLen(collected, before + 1)
    self.assertAllClose(collected[-1], 0.5 * 6)
    del collected[before:]

  def test_regularization_loss_without_regularizers_is_zero(self):
    module = snt.Linear(2)
    module(tf.ones([1, 3]))
    self.assertEqual(float(snt.get_regularization_loss(module)), 0.0)
    with self.assertRaises(TypeError):
      snt.get_regularization_loss("not a module")



if __name__ == "__main__":
  tf.test.main()
