# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.base.reuse_variables: methods that create and share variables."""

from typing import Any

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

  @test_utils.run_in_modes
  def test_method_call_connects_the_module(self, mode):
    # Sonnet 1: a decorated method's first success connects the module, as a call does.
    def fn():
      module = WithMethods()
      self.assertFalse(module.is_connected)
      with self.assertRaisesRegex(snt.NotConnectedError, "not instantiated yet"):
        module.get_variables()
      x = tf.ones([2, 3])
      outputs = module.scale(x)
      self.assertTrue(module.is_connected)
      self.assertEqual([v.name for v in module.get_variables()], ["with_methods/s:0"])
      self.assertEqual([v.name for v in module.variables], ["with_methods/s:0"])
      self.assertEqual([v.name for v in module._all_variables], ["with_methods/s:0"])
      if test_utils.session_mode(mode):
        (subgraph,) = module.connected_subgraphs
        self.assertIs(subgraph.module, module)
        self.assertEqual(subgraph.name_scope, "with_methods/scale/")
        self.assertEqual(subgraph.inputs, {"inputs": x})
        self.assertIs(subgraph.outputs, outputs)
        module(x)  # A call after it: its `_build` calls a method, recorded first.
        self.assertEqual(module.name_scopes, (
            "with_methods/scale/", "with_methods_1/with_methods/add_bias/",
            "with_methods_1"))
      else:
        with self.assertRaises(snt.NotSupportedError):
          module.connected_subgraphs  # pylint: disable=pointless-statement
      return outputs
    self.assertAllClose(test_utils.evaluate_in_mode(mode, fn), np.full([2, 3], 2.0))

  def test_method_connections_are_observed(self):
    seen: list[Any] = []
    module = WithMethods()
    x = tf.ones([1, 3])
    with snt.observe_connections(seen.append):
      outputs = module.scale(x)
    (subgraph,) = seen
    self.assertIs(subgraph.module, module)
    self.assertIs(subgraph.outputs, outputs)
    self.assertEqual(subgraph.inputs, {"inputs": x})

  def test_failed_enclosing_call_undoes_the_method_connection(self):
    inner = WithMethods()

    def fails(x):
      inner.scale(x)
      raise ValueError("enclosing call fails")

    with self.assertRaisesRegex(ValueError, "enclosing call fails"):
      snt.Module(fails)(tf.ones([1, 3]))
    self.assertFalse(inner.is_connected)
    self.assertEqual(inner._all_variables, ())
    self.assertAllClose(inner.scale(tf.ones([1, 3])), [[2.0, 2.0, 2.0]])
    self.assertTrue(inner.is_connected)

  @parameterized.named_parameters(("graph", "graph"), ("legacy", "legacy"))
  def test_tf1_get_variable_traced_first_then_in_the_graph(self, mode):
    # A tf.function traced in a TF1 graph creates the variables (module's own store); calls
    # outside it, through TensorFlow's variable store, must find them, not make others.
    del mode  # A session mode: run in a graph (legacy mode in its own process).

    class Tf1Methods(snt.AbstractModule):

      def _build(self, inputs):
        return self.add_b(inputs + self.a())

      @snt.reuse_variables
      def a(self):
        return tf.compat.v1.get_variable("a", shape=[], initializer=tf.ones_initializer())

      @snt.reuse_variables
      def add_b(self, inputs):
        return inputs + tf.compat.v1.get_variable(
            "b", shape=[], initializer=tf.constant_initializer(2.0))

    with tf.Graph().as_default():
      module = Tf1Methods()
      traced = tf.function(module)(tf.zeros([]))
      raw = module.add_b(module.a())
      self.assertLen(module.variables, 2)
      self.assertLen(tf.compat.v1.global_variables(), 2)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        session.run([v.assign(v + 1.0) for v in module.variables])
        self.assertAllClose(session.run([traced, raw]), [5.0, 5.0])


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
