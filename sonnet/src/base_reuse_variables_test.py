# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.base.reuse_variables: methods that create and share variables."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils


class WithMethods(snt.AbstractModule):

  def _build(self, inputs):
    return self.add_bias(inputs)

  @snt.reuse_variables
  def add_bias(self, inputs):
    b = snt.get_variable("b", shape=[inputs.shape[-1]], initializer=snt.initializers.ones)
    return inputs + b

  @snt.reuse_variables
  def scale(self, inputs):
    s = snt.get_variable("s", shape=[], initializer=snt.initializers.constant(2.0))
    return inputs * s

  @snt.reuse_variables
  def conflicting(self, inputs):
    return inputs + snt.get_variable("b", shape=[inputs.shape[-1]])


class ReuseVariablesTest(parameterized.TestCase, tf.test.TestCase):

  @test_utils.run_in_modes
  def test_methods_share_variables(self, mode):
    def fn():
      module = WithMethods()
      x = tf.ones([2, 3])
      outputs = [module.scale(x), module(x), module.add_bias(x), module.scale(x)]
      self.assertEqual(sorted(v.name.split("/")[-1] for v in module.variables),
                       ["b:0", "s:0"])
      return outputs
    outputs = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(outputs[0], np.full([2, 3], 2.0))
    self.assertAllClose(outputs[1], np.full([2, 3], 2.0))
    self.assertAllClose(outputs[2], np.full([2, 3], 2.0))
    self.assertAllClose(outputs[3], np.full([2, 3], 2.0))

  def test_variables_are_reused_after_first_call(self):
    module = WithMethods()
    traced = tf.function(module.add_bias)
    traced(tf.ones([1, 3]))
    (b,) = module.variables
    b.assign([5.0, 6.0, 7.0])
    self.assertAllClose(module.add_bias(tf.zeros([1, 3])), [[5.0, 6.0, 7.0]])
    self.assertAllClose(traced(tf.zeros([4, 3]))[0], [5.0, 6.0, 7.0])
    self.assertLen(module.variables, 1)

  def test_each_method_owns_its_variables(self):
    module = WithMethods()
    module.add_bias(tf.ones([1, 2]))
    with self.assertRaisesRegex(ValueError, "must own its variables"):
      module.conflicting(tf.ones([1, 2]))

  def test_not_a_method(self):
    with self.assertRaisesRegex(TypeError, "only be used with methods"):
      snt.reuse_variables(lambda x: x)

    class NotAModule:
      @snt.reuse_variables
      def method(self):
        return 1
    with self.assertRaisesRegex(TypeError, "Sonnet modules"):
      NotAModule().method()

  def test_keeps_name_and_doc(self):
    self.assertEqual(WithMethods.add_bias.__name__, "add_bias")




class HasVariableScope:
  """Not a module: supplies its scope through a `variable_scope` attribute (Sonnet 1)."""

  def __init__(self, name):
    with tf.compat.v1.variable_scope(name) as scope:
      self.variable_scope = scope

  @snt.reuse_variables
  def scale(self, x):
    a = tf.compat.v1.get_variable("a", [], initializer=tf.constant_initializer(3.0))
    return a * x

  @snt.reuse_variables
  def conflicting(self, x):
    return tf.compat.v1.get_variable("a", []) * x


class ObjectWithVariableScopeTest(tf.test.TestCase):

  def test_first_call_creates_later_calls_reuse(self):
    with tf.Graph().as_default():
      obj = HasVariableScope("obj")
      first, second = obj.scale(tf.constant(1.0)), obj.scale(tf.constant(2.0))
      self.assertEqual([v.name for v in tf.compat.v1.global_variables()], ["obj/a:0"])
      self.assertStartsWith(first.op.name, "obj/scale/")
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        self.assertAllClose(session.run([first, second]), [3.0, 6.0])
    with tf.Graph().as_default():  # Another graph: created afresh.
      obj.scale(tf.constant(1.0))
      self.assertEqual([v.name for v in tf.compat.v1.global_variables()], ["obj/a:0"])

  def test_each_method_owns_its_variables(self):
    with tf.Graph().as_default():
      obj = HasVariableScope("obj")
      obj.scale(tf.constant(1.0))
      with self.assertRaisesRegex(ValueError, "already exists"):
        obj.conflicting(tf.constant(1.0))

  def test_name_scopes_follow_the_current_name_scope(self):
    # Sonnet 1: <current name scope>/<variable scope name>/<method>, the method part unique.
    with tf.Graph().as_default():
      obj = HasVariableScope("obj")
      self.assertEqual(obj.scale(tf.constant(1.0)).op.name, "obj/scale/mul")
      self.assertEqual(obj.scale(tf.constant(1.0)).op.name, "obj/scale_1/mul")
      with tf.name_scope("outer"):
        self.assertEqual(obj.scale(tf.constant(1.0)).op.name, "outer/obj/scale/mul")
      self.assertLen(tf.compat.v1.global_variables(), 1)

  def test_eager_refused(self):
    with self.assertRaisesRegex(ValueError, "graph mode only"):
      HasVariableScope("obj").scale(tf.constant(1.0))
    # Sonnet 1's wording is part of the text.
    with self.assertRaisesRegex(ValueError, " is not supported in eager mode "):
      HasVariableScope("obj").scale(tf.constant(1.0))


if __name__ == "__main__":
  tf.test.main()
