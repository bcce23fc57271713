# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.base: AbstractModule, Module, reuse_variables, connection rules."""

import copy
import os
import functools
import pickle

from absl.testing import parameterized
import numpy as np
import sonnet as snt
from sonnet.src import base
from sonnet.src import test_utils
import tensorflow as tf


class Scale(snt.AbstractModule):
  """Multiplies by a per-feature variable; records what get_variable returned."""

  def __init__(self, name=None, custom_getter=None):
    super().__init__(name=name, custom_getter=custom_getter)
    self.returned = []

  def _build(self, inputs):
    scale = snt.get_variable("scale", shape=[inputs.shape[-1]], dtype=inputs.dtype,
                             initializer=snt.initializers.ones)
    self.returned.append(scale)
    return inputs * scale


class NoSuperInit(snt.AbstractModule):

  def __init__(self):  # pylint: disable=super-init-not-called
    pass

  def _build(self, inputs):
    return inputs


class ConvNet2DStyle(snt.AbstractModule):
  """Builds sub-modules in __init__ under _enter_variable_scope and in _build."""

  def __init__(self, name=None):
    super().__init__(name=name)
    with self._enter_variable_scope():
      self.first = snt.Linear(3, name="first")

  def _build(self, inputs):
    self.second = snt.Linear(2, name="second")
    return self.second(self.first(inputs))


class Wrapper(snt.AbstractModule):
  """Receives a module at construction."""

  def __init__(self, inner, name=None):
    super().__init__(name=name)
    self.inner = inner

  def _build(self, inputs):
    return Scale(name="own")(self.inner(inputs))


class FailsAfterVariables(snt.AbstractModule):

  def _build(self, inputs):
    snt.get_variable("w", shape=[2])
    snt.Linear(2, name="child")(inputs)
    raise RuntimeError("boom")


class MLP(snt.AbstractModule):

  def _build(self, inputs):
    return inputs


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


class NamingTest(parameterized.TestCase, tf.test.TestCase):

  def test_default_name_is_snake_case_with_acronyms_whole(self):
    with tf.Graph().as_default():
      self.assertEqual(MLP().module_name, "mlp")
      self.assertEqual(ConvNet2DStyle().module_name, "conv_net2_d_style")
      self.assertEqual(Scale().module_name, "scale")

  def test_names_are_uniquified_per_graph(self):
    with tf.Graph().as_default():
      names = [snt.Linear(2).scope_name for _ in range(3)]
      self.assertEqual(names, ["linear", "linear_1", "linear_2"])
    with tf.Graph().as_default():
      self.assertEqual(snt.Linear(2).scope_name, "linear")

  def test_explicit_name_and_variable_scope_prefix(self):
    with tf.Graph().as_default():
      with tf.compat.v1.variable_scope("scope"):
        module = snt.Linear(2, name="lin")
      self.assertEqual(module.scope_name, "scope/lin")
      self.assertEqual(module.module_name, "lin")
      module(tf.ones([1, 3]))
      self.assertEqual(module.w.name, "scope/lin/w:0")

  @parameterized.parameters((3, TypeError, "Name must be a string"),
                            ("not valid", ValueError, "not a valid module name"),
                            ("1abc", ValueError, "not a valid module name"))
  def test_bad_names(self, name, error, message):
    with self.assertRaisesRegex(error, message):
      snt.Linear(2, name=name)

  def test_positional_name_is_refused(self):
    with self.assertRaises(TypeError):
      Scale.__bases__[0].__init__(Scale.__new__(Scale), "name")  # pylint: disable=too-many-function-args

  @test_utils.run_in_modes
  def test_submodule_names(self, mode):
    def fn():
      net = ConvNet2DStyle(name="net")
      passed_in = snt.Linear(2, name="passed_in")
      wrapped = Wrapper(passed_in, name="wrapper")
      net(tf.ones([1, 4]))
      wrapped(tf.ones([1, 4]))
      self.assertEqual(
          [v.name for v in net.variables],
          [f"{net.scope_name}/{suffix}" for suffix in
           ("first/b:0", "first/w:0", "second/b:0", "second/w:0")])
      self.assertEqual(
          sorted(v.name for v in wrapped.variables),
          sorted([f"{passed_in.scope_name}/b:0", f"{passed_in.scope_name}/w:0",
                  f"{wrapped.scope_name}/own/scale:0"]))
      self.assertIn(net.first, net.submodules)
      self.assertIn(net.second, net.submodules)
      if mode == "graph":
        self.assertEqual(net.scope_name, "net")
      return tf.constant(0)
    test_utils.evaluate_in_mode(mode, fn)

  def test_tf_module_name_and_name_scope(self):
    with tf.Graph().as_default():
      net = ConvNet2DStyle(name="net")
      self.assertEqual(net.name, "net")
      self.assertEqual(net.first.name_scope.name, "net/first/")


class ConnectionTest(parameterized.TestCase, tf.test.TestCase):

  @test_utils.run_in_modes
  def test_sharing_over_many_calls(self, mode):
    module = Scale()
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

  @test_utils.run_in_modes
  def test_failed_first_call_creates_nothing(self, mode):
    with test_utils.graph_mode_if(mode) as graph:
      module = FailsAfterVariables()
      with self.assertRaisesRegex(RuntimeError, "boom"):
        test_utils.run_fn_in_mode(mode, module, tf.ones([1, 3]))
      self.assertFalse(module.is_connected)
      self.assertEmpty(module.variables)
      if graph is not None:
        self.assertEmpty(tf.compat.v1.global_variables())
        self.assertEmpty(tf.compat.v1.trainable_variables())

  @test_utils.run_in_modes
  def test_linear_failed_first_call_leaves_unconnected(self, mode):
    with test_utils.graph_mode_if(mode):
      module = snt.Linear(2)
      with self.assertRaisesRegex(snt.IncompatibleShapeError, "rank of shape must be 2"):
        test_utils.run_fn_in_mode(mode, module, tf.ones([1, 2, 3]))
      self.assertFalse(module.is_connected)
      with self.assertRaisesRegex(snt.NotConnectedError, "linear"):
        _ = module.w

  @test_utils.run_in_modes
  def test_failed_call_leaves_submodules_built_in_init_unconnected(self, mode):
    with test_utils.graph_mode_if(mode):
      inner = snt.Linear(2, name="inner")

      def build(x):
        inner(x)
        raise RuntimeError("boom")

      module = snt.Module(build)
      with self.assertRaisesRegex(RuntimeError, "boom"):
        test_utils.run_fn_in_mode(mode, module, tf.ones([1, 3]))
      self.assertFalse(inner.is_connected)
      self.assertIsNone(inner.graph)
      with self.assertRaisesRegex(snt.NotConnectedError, "inner"):
        _ = inner.w
      outputs = test_utils.run_fn_in_mode(mode, inner, tf.ones([1, 3]))
      self.assertEqual(outputs.shape, (1, 2))
      self.assertTrue(inner.is_connected)

  def test_failed_call_then_success_tracks_submodule_once(self):
    attempts = []

    def build(x):
      y = snt.Linear(2, name="child")(x)
      if not attempts:
        attempts.append(1)
        raise RuntimeError("first attempt fails")
      return y

    module = snt.Module(build)
    with self.assertRaises(RuntimeError):
      module(tf.ones([1, 3]))
    self.assertEmpty(module.submodules)
    module(tf.ones([1, 3]))
    module(tf.ones([1, 3]))
    self.assertLen(module.submodules, 1)
    self.assertLen(module.variables, 2)

  def test_failed_first_call_of_a_submodule_tree_leaves_nothing_behind(self):
    # The second layer fails after the first created (and stored) its variables.
    net = snt.nets.MLP([2, 2], name="net")
    inner = net.layers[0]
    failing = snt.Module(lambda x: net(x) + tf.ones([1, 5]), name="outer")
    with self.assertRaises((ValueError, tf.errors.InvalidArgumentError)):
      failing(tf.ones([1, 3]))
    self.assertFalse(inner.is_connected)
    self.assertEqual(net.variables, ())
    self.assertIsNone(vars(inner).get("_w"))
    path = tf.train.Checkpoint(model=net).save(os.path.join(self.get_temp_dir(), "ckpt"))
    saved = [name for name, _ in tf.train.list_variables(path)]
    self.assertEqual([n for n in saved if "VARIABLE_VALUE" in n and "model" in n], [])

  def test_failed_first_call_does_not_break_checkpoints(self):
    attempts = []

    class Flaky(snt.AbstractModule):

      def _build(self, inputs):
        self.w = snt.get_variable("w", shape=[3], initializer=snt.initializers.ones)
        if not attempts:
          attempts.append(1)
          raise RuntimeError("first attempt fails")
        return inputs * self.w

    module = Flaky()
    with self.assertRaises(RuntimeError):
      module(tf.ones([3]))
    self.assertFalse(hasattr(module, "w"))
    module(tf.ones([3]))
    module.w.assign([1.0, 2.0, 3.0])
    path = tf.train.Checkpoint(model=module).save(os.path.join(self.get_temp_dir(), "ckpt"))
    module.w.assign(tf.zeros([3]))
    tf.train.Checkpoint(model=module).restore(path).assert_consumed()
    self.assertAllEqual(module.w.numpy(), [1.0, 2.0, 3.0])

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

  def test_not_initialized(self):
    module = NoSuperInit()
    with self.assertRaisesRegex(snt.NotInitializedError, "super"):
      module(tf.ones([1]))
    with self.assertRaisesRegex(snt.NotInitializedError, "NoSuperInit"):
      with module._enter_variable_scope():  # pylint: disable=protected-access
        pass
    for attribute in ("module_name", "scope_name", "is_connected", "variables",
                      "trainable_variables", "non_trainable_variables", "graph"):
      with self.assertRaisesRegex(snt.NotInitializedError, "super", msg=attribute):
        getattr(module, attribute)
    with self.assertRaisesRegex(snt.NotInitializedError, "super"):
      module.get_all_variables()

  def test_not_connected_errors(self):
    module = snt.Linear(2, name="lonely")
    for access in (lambda: module.w, lambda: module.b, module.get_variables,
                   lambda: module.input_shape):
      with self.assertRaisesRegex(snt.NotConnectedError,
                                  r"Variables in lonely(_\d+)? not instantiated yet"):
        access()

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
      with module._enter_variable_scope():  # pylint: disable=protected-access
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
      module = Scale(name="foo")
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
    module = Scale()
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
        _ = Scale().last_connected_subgraph

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
      self.assertEmpty(module.variables)
      self.assertFalse(module.is_connected)
      return tf.constant(0)
    test_utils.evaluate_in_mode(mode, fn)

  def test_get_variable_unknown_shape(self):
    module = snt.Module(lambda x: snt.get_variable("w", shape=[None]) * x)
    with self.assertRaisesRegex(snt.UnderspecifiedError, "must be fully defined"):
      module(tf.ones([2]))

  @parameterized.named_parameters(
      ("deepcopy", copy.deepcopy),
      ("pickle", lambda module: pickle.loads(pickle.dumps(module))))
  def test_copies_have_new_variables_with_same_names_and_values(self, copier):
    module = snt.nets.MLP([3, 2])
    x = tf.random.normal([2, 4])
    expected = module(x)
    copied = copier(module)
    self.assertIsNot(copied, module)
    self.assertTrue(copied.is_connected)
    self.assertEqual(copied.scope_name, module.scope_name)
    self.assertEqual([v.name for v in copied.variables], [v.name for v in module.variables])
    self.assertEqual([v.device for v in copied.variables],
                     [v.device for v in module.variables])
    for a, b in zip(copied.variables, module.variables):
      self.assertIsNot(a, b)
      self.assertAllEqual(a, b)
    self.assertAllEqual(copied(x), expected)
    copied.variables[0].assign_add(tf.ones_like(copied.variables[0]))
    self.assertAllEqual(module(x), expected)  # Independent variables.
    self.assertNotAllClose(copied(x), expected)  # The copy computes with its own.
    self.assertLen(copied.variables, 4)
    self.assertIsInstance(copied.layers[0], snt.Linear)

  def test_copy_of_graph_module_refused(self):
    with tf.Graph().as_default():
      module = snt.Linear(2)
      module(tf.ones([1, 3]))
      with self.assertRaisesRegex(snt.NotSupportedError, "tf.compat.v1 graph"):
        pickle.dumps(module)
      with self.assertRaisesRegex(snt.NotSupportedError, "tf.compat.v1 graph"):
        copy.deepcopy(module)

  @parameterized.parameters("eager", "tf_function")
  def test_raw_tf1_get_variable_outside_graph_mode(self, mode):
    def build(x):
      w = tf.compat.v1.get_variable("w", shape=[x.shape[-1], 2],
                                    regularizer=lambda w: tf.reduce_sum(w * 0.0 + 1.0))
      return tf.matmul(x, w)
    module = snt.Module(build, name="tf1_eager")
    with module._enter_variable_scope():  # pylint: disable=protected-access
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


class VariablesTest(parameterized.TestCase, tf.test.TestCase):

  @test_utils.run_in_modes
  def test_variables_include_passed_in_modules_once(self, mode):
    with test_utils.graph_mode_if(mode):
      shared = snt.Linear(2, name="shared")
      a = Wrapper(shared, name="a")
      b = Wrapper(shared, name="b")
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
      if mode == "graph":
        self.assertLen(collected, 2)
      return snt.get_regularization_loss(module)
    self.assertAllClose(test_utils.evaluate_in_mode(mode, fn), 0.5 * 6 + 10.0 * 2)

  def test_regularization_loss_without_regularizers_is_zero(self):
    module = snt.Linear(2)
    module(tf.ones([1, 3]))
    self.assertEqual(float(snt.get_regularization_loss(module)), 0.0)
    with self.assertRaises(TypeError):
      snt.get_regularization_loss("not a module")


class CustomGetterTest(parameterized.TestCase, tf.test.TestCase):

  @test_utils.run_in_modes
  def test_stop_gradient(self, mode):
    def fn():
      module = snt.Linear(2, custom_getter=snt.custom_getters.stop_gradient)
      x = tf.ones([1, 3])
      with tf.GradientTape() as tape:
        y = tf.reduce_sum(module(x))
      grads = tape.gradient(y, [module.w, module.b])
      return [g is None for g in grads]
    self.assertEqual(list(test_utils.evaluate_in_mode(mode, fn)), [True, True])

  @test_utils.run_in_modes
  def test_weight_noise_applies_to_submodules(self, mode):
    def noisy(getter, *args, **kwargs):
      variable = getter(*args, **kwargs)
      return variable + 100.0

    def fn():
      module = snt.nets.MLP([2], custom_getter=noisy,
                            initializers={"w": snt.initializers.zeros,
                                          "b": snt.initializers.zeros})
      return module(tf.ones([1, 3])), module.layers[0].w
    outputs, w = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(outputs, np.full([1, 2], 3 * 100.0 + 100.0))
    self.assertAllClose(w, np.zeros([3, 2]))  # The variable itself is untouched.

  @test_utils.run_in_modes
  def test_bayes_by_backprop_style_getter(self, mode):
    def posterior(getter, name, shape=None, dtype=tf.float32, **kwargs):
      del kwargs
      loc = getter(name + "/posterior_loc", shape=shape, dtype=dtype,
                   initializer=snt.initializers.constant(1.0))
      scale = getter(name + "/posterior_scale", shape=shape, dtype=dtype,
                     initializer=snt.initializers.constant(0.0))
      return loc + tf.nn.softplus(scale) * 0.0  # Deterministic sample for the test.

    with test_utils.graph_mode_if(mode):
      module = snt.Linear(2, custom_getter={"w": posterior}, name="bbb")
      out1 = test_utils.run_fn_in_mode(mode, module, tf.ones([1, 3]))
      out2 = test_utils.run_fn_in_mode(mode, module, tf.ones([1, 3]))
      names = sorted(v.name.split("/", 1)[1] for v in module.variables)
      self.assertEqual(names, ["b:0", "w/posterior_loc:0", "w/posterior_scale:0"])
      with self.assertRaisesRegex(AttributeError, "no variable 'w': the custom getter "
                                  r"created \['b', 'w/posterior_loc', 'w/posterior_scale'\]"):
        _ = module.w
      if mode != "graph":
        self.assertAllClose(out1, np.full([1, 2], 3.0))
        self.assertAllClose(out1, out2)

  @test_utils.run_in_modes
  def test_non_trainable_getter(self, mode):
    def fn():
      # Patterns see names relative to the module that declares them: "linear_0/w".
      unmatched = snt.nets.MLP([2], custom_getter={"w": snt.custom_getters.non_trainable})
      unmatched(tf.ones([1, 3]))
      self.assertEmpty(unmatched.non_trainable_variables)
      module = snt.nets.MLP([2], custom_getter={r".*/w$": snt.custom_getters.non_trainable})
      module(tf.ones([1, 3]))
      self.assertEqual([v.name.split("/")[-1] for v in module.trainable_variables], ["b:0"])
      self.assertEqual([v.name.split("/")[-1] for v in module.non_trainable_variables],
                       ["w:0"])
      return tf.constant(0)
    test_utils.evaluate_in_mode(mode, fn)

  def test_router_errors(self):
    with self.assertRaisesRegex(TypeError, "not callable"):
      snt.Linear(2, custom_getter=3)
    with self.assertRaisesRegex(TypeError, "not callable"):
      snt.Linear(2, custom_getter={"w": 3})
    with self.assertRaisesRegex(ValueError, r"custom_getter pattern '\(w' is not a valid "
                                "regular expression"):
      snt.Linear(2, custom_getter={"(w": snt.custom_getters.stop_gradient})
    both = {".*": snt.custom_getters.stop_gradient, "w": snt.custom_getters.stop_gradient}
    module = snt.Linear(2, custom_getter=both)
    with self.assertRaisesRegex(KeyError, "More than one custom_getter"):
      module(tf.ones([1, 3]))
    self.assertFalse(module.is_connected)

  def test_nested_getters_order(self):
    calls = []

    def tag(label):
      def getter(next_getter, *args, **kwargs):
        calls.append(label)
        return next_getter(*args, **kwargs)
      return getter

    outer = snt.Module(lambda x: snt.Linear(2, custom_getter=tag("inner"))(x),
                       custom_getter=tag("outer"))
    outer(tf.ones([1, 3]))
    self.assertEqual(calls, ["inner", "outer"] * 2)


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


class ModuleTest(parameterized.TestCase, tf.test.TestCase):

  def test_not_callable(self):
    with self.assertRaisesRegex(TypeError, "Input 'build' must be callable"):
      snt.Module(3)

  def test_names(self):
    def my_network(x):
      return x
    with tf.Graph().as_default():
      self.assertEqual(snt.Module(my_network).module_name, "my_network")
      self.assertEqual(snt.Module(functools.partial(my_network)).module_name,
                       "my_network_1")
      self.assertEqual(snt.Module(lambda x: x).module_name, "module")

  @test_utils.run_in_modes
  def test_sharing_through_partial(self, mode):
    def build(x, size):
      return snt.Linear(size, name="inner")(x) + snt.get_variable("bias", shape=[size])

    with test_utils.graph_mode_if(mode):
      module = snt.Module(functools.partial(build, size=2))
      for _ in range(3):
        test_utils.run_fn_in_mode(mode, module, tf.ones([1, 3]))
      self.assertLen(module.variables, 3)
      self.assertEqual(module.scope_name.split("_")[0], "build")


class TransposableTest(tf.test.TestCase):

  def test_is_abstract(self):
    with self.assertRaises(TypeError):
      base.Transposable()  # pylint: disable=abstract-class-instantiated
    self.assertIsInstance(snt.Linear(2), snt.Transposable)
    self.assertIsInstance(snt.nets.MLP([2]), snt.Transposable)


class CheckpointTest(parameterized.TestCase, tf.test.TestCase):

  def test_round_trip(self):
    module = snt.nets.MLP([3, 2])
    x = tf.random.normal([2, 4])
    expected = module(x)
    path = tf.train.Checkpoint(model=module).save(self.get_temp_dir() + "/ckpt")
    for v in module.variables:
      v.assign(tf.zeros_like(v))
    tf.train.Checkpoint(model=module).restore(path).assert_consumed()
    self.assertAllEqual(module(x), expected)

  def test_restore_before_first_call(self):
    module = snt.nets.MLP([3, 2])
    x = tf.random.normal([2, 4])
    expected = module(x)
    path = tf.train.Checkpoint(model=module).save(self.get_temp_dir() + "/ckpt")
    fresh = snt.nets.MLP([3, 2])
    status = tf.train.Checkpoint(model=fresh).restore(path)
    self.assertAllEqual(tf.function(fresh)(x), expected)
    status.assert_consumed()

  def test_restore_before_first_call_graph_mode(self):
    module = snt.nets.MLP([3, 2])
    x = np.random.RandomState(0).rand(2, 4).astype(np.float32)
    expected = module(x)
    path = tf.train.Checkpoint(model=module).save(self.get_temp_dir() + "/ckpt")
    with tf.Graph().as_default():
      fresh = snt.nets.MLP([3, 2])
      status = tf.train.Checkpoint(model=fresh).restore(path)
      inputs = tf.compat.v1.placeholder(tf.float32, [None, 4])
      outputs = fresh(inputs)
      with tf.compat.v1.Session() as session:
        status.initialize_or_restore(session)  # Runs the deferred restore ops.
        self.assertAllClose(session.run(outputs, {inputs: x}), expected)
        status.assert_consumed()

  @test_utils.run_in_modes
  def test_restore_before_first_call_into_different_shape(self, mode):
    # TensorFlow alone silently skips such a restore (its dict wrapper swallows the
    # ValueError) and assert_consumed() passes; Sonnet raises before creating anything.
    source = snt.nets.MLP([3, 2])
    source(tf.ones([1, 4]))
    path = tf.train.Checkpoint(model=source).save(self.get_temp_dir() + "/ckpt")
    with test_utils.graph_mode_if(mode):
      target = snt.nets.MLP([3, 5])  # linear_0 fits, linear_1 does not.
      tf.train.Checkpoint(model=target).restore(path)
      call = tf.function(target) if mode == "tf_function" else target
      with self.assertRaisesRegex(ValueError, r"linear_1: Received incompatible tensor "
                                  r"with shape \(3, 2\) when attempting to restore variable "
                                  r"with shape \(3, 5\) and name mlp(_\d+)?/linear_1/w"):
        call(tf.ones([1, 4]))
      self.assertFalse(target.is_connected)
      self.assertEmpty(target.variables)
      for layer in target.layers:
        self.assertFalse(layer.is_connected)
      if mode == "graph":
        self.assertEmpty(tf.compat.v1.trainable_variables())

  def test_restore_before_first_call_with_another_dtype(self):
    source = snt.Linear(2)
    source(tf.ones([1, 3]))
    path = tf.train.Checkpoint(model=source).save(self.get_temp_dir() + "/ckpt")
    target = snt.Linear(2)
    tf.train.Checkpoint(model=target).restore(path)
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                "expected dtype double does not equal original dtype float"):
      target(tf.ones([1, 3], tf.float64))
    self.assertFalse(target.is_connected)
    self.assertEmpty(target.variables)

  def test_checkpoint_keys_are_stable(self):
    # Golden keys: changing them breaks every checkpoint users have saved.
    module = snt.nets.MLP([3, 2])
    module(tf.ones([1, 4]))
    path = tf.train.Checkpoint(model=module).save(self.get_temp_dir() + "/ckpt")
    keys = {key: shape for key, shape in tf.train.list_variables(path)
            if key.startswith("model/")}
    prefix = "model/_snt_submodules/{}/_snt_variables/{}/.ATTRIBUTES/VARIABLE_VALUE"
    self.assertEqual(keys, {prefix.format(0, "b"): [3], prefix.format(0, "w"): [4, 3],
                            prefix.format(1, "b"): [2], prefix.format(1, "w"): [3, 2]})

  def test_restore_before_first_call_with_submodules_built_in_build(self):
    def build(x):
      return Scale(name="inner")(snt.Linear(2, name="lin")(x))
    module = snt.Module(build)
    x = tf.random.normal([2, 3])
    expected = module(x)
    path = tf.train.Checkpoint(model=module).save(self.get_temp_dir() + "/ckpt")
    for v in module.variables:
      v.assign(tf.zeros_like(v))
    fresh = snt.Module(build)
    status = tf.train.Checkpoint(model=fresh).restore(path)
    self.assertAllEqual(fresh(x), expected)
    status.assert_consumed()

  def test_restore_into_different_shape_changes_nothing(self):
    source = snt.Linear(3)
    source(tf.ones([1, 4]))
    path = tf.train.Checkpoint(model=source).save(self.get_temp_dir() + "/ckpt")
    target = snt.Linear(5)
    target(tf.ones([1, 4]))
    before = [v.numpy() for v in target.variables]
    with self.assertRaisesRegex(ValueError, "incompatible tensor with shape"):
      tf.train.Checkpoint(model=target).restore(path)
    for old, v in zip(before, target.variables):
      self.assertAllEqual(old, v.numpy())

  def test_saved_model_round_trip(self):
    module = snt.nets.MLP([3, 2])
    module.call = tf.function(module.__call__,
                              input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    x = np.random.RandomState(0).rand(3, 4).astype(np.float32)
    expected = module.call(x)
    path = self.get_temp_dir() + "/saved"
    tf.saved_model.save(module, path)
    loaded = tf.saved_model.load(path)
    self.assertAllClose(loaded.call(x), expected)
    self.assertAllClose(loaded.call(x[:1]), expected[:1])


if __name__ == "__main__":
  tf.test.main()
