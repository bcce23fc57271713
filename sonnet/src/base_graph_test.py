# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.base in tf.compat.v1 graph mode.

One graph per module, connected subgraphs, the variable_scope property and
tf.compat.v1.get_variable inside modules.
"""

from absl.testing import parameterized
import tensorflow as tf

import sonnet as snt
from sonnet.src import base_test


class GraphModeTest(parameterized.TestCase, tf.test.TestCase):

  def test_different_graph_error(self):
    module = snt.Linear(2)
    with tf.Graph().as_default():
      module(tf.ones([1, 3]))
    with tf.Graph().as_default():
      with self.assertRaisesRegex(snt.DifferentGraphError,
                                  "Cannot connect module to multiple Graphs"):
        module(tf.ones([1, 3]))
    with self.assertRaisesRegex(snt.DifferentGraphError, "eager mode"):
      module(tf.ones([1, 3]))
    with self.assertRaises(snt.DifferentGraphError):
      with module._enter_variable_scope():
        pass

  def test_same_graph_inside_tf_function_in_graph_mode(self):
    with tf.Graph().as_default():
      module = snt.Linear(2)
      out = module(tf.ones([1, 3]))
      traced = tf.function(module)(tf.ones([1, 3]))
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        a, b = session.run([out, traced])
    self.assertAllClose(a, b)

  def test_connected_subgraphs_in_graph_mode(self):
    with tf.Graph().as_default():
      module = base_test.Scale(name="foo")
      x = tf.ones([1, 2])
      y = module(x)
      with tf.name_scope("blah"):
        z = module(x)
      self.assertEqual(module.name_scopes, ("foo", "blah/foo"))
      subgraph = module.last_connected_subgraph
      self.assertIs(subgraph.module, module)
      self.assertIs(subgraph.inputs.args[0], x)
      self.assertIs(subgraph.outputs, z)
      self.assertIs(module.connected_subgraphs[0].outputs, y)
      self.assertIs(module.graph, tf.compat.v1.get_default_graph())

  def test_connected_subgraphs_not_supported_in_eager(self):
    module = base_test.Scale()
    module(tf.ones([1, 2]))
    self.assertIsNone(module.graph)
    with self.assertRaisesRegex(snt.NotSupportedError, "graph mode"):
      _ = module.connected_subgraphs
    with self.assertRaisesRegex(snt.NotSupportedError, "graph mode"):
      _ = module.last_connected_subgraph

  def test_variable_scope_property(self):
    with tf.Graph().as_default():
      module = snt.Linear(2)
      with self.assertRaises(snt.NotConnectedError):
        _ = module.variable_scope
      module(tf.ones([1, 3]))
      self.assertEqual(module.variable_scope.name, "linear")
      self.assertEqual(snt.get_variables_in_scope(module.variable_scope),
                       (module.b, module.w))

  def test_last_connected_subgraph_before_connection_in_graph(self):
    with tf.Graph().as_default():
      with self.assertRaises(snt.NotConnectedError):
        _ = base_test.Scale().last_connected_subgraph


class Tf1GetVariableTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters("eager", "tf_function")
  def test_raw_tf1_get_variable_outside_graph_mode(self, mode):
    def build(x):
      w = tf.compat.v1.get_variable("w", shape=[x.shape[-1], 2],
                                    regularizer=lambda w: tf.reduce_sum(w * 0.0 + 1.0))
      return tf.matmul(x, w)
    module = snt.Module(build, name="tf1_eager")
    with module._enter_variable_scope():
      pass  # Entering the scope in __init__ style must not count as a first call.
    call = tf.function(module) if mode == "tf_function" else module
    outputs = [call(tf.ones([b, 3])) for b in (1, 2, 3, 1)]
    self.assertLen(module.variables, 1)
    self.assertEqual(module.variables[0].name, f"{module.scope_name}/w:0")
    self.assertAllClose(outputs[0], outputs[3])
    self.assertAllClose(snt.get_regularization_loss(module), 6.0)

  def test_raw_tf1_get_variable_in_graph_mode(self):
    def build(x):
      w = tf.compat.v1.get_variable("w", shape=[x.shape[-1], 2])
      return tf.matmul(x, w)
    with tf.Graph().as_default():
      module = snt.Module(build, name="tf1_style")
      y1 = module(tf.ones([1, 3]))
      y2 = module(tf.ones([1, 3]))
      self.assertEqual([v.name for v in tf.compat.v1.global_variables()], ["tf1_style/w:0"])
      self.assertEqual([v.name for v in module.variables], ["tf1_style/w:0"])
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        a, b = session.run([y1, y2])
    self.assertAllEqual(a, b)



if __name__ == "__main__":
  tf.test.main()
