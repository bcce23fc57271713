# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.Linear."""

import copy
import pickle
from unittest import mock

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils
from sonnet.src import variables


def _constant_linear(output_size=3, **kwargs):
  return snt.Linear(output_size, initializers={
      "w": snt.initializers.constant(
          np.arange(12, dtype=np.float32).reshape(4, 3)[:, :output_size] / 10.0),
      "b": snt.initializers.constant(np.arange(output_size, dtype=np.float32))}, **kwargs)


class LinearTest(parameterized.TestCase, tf.test.TestCase):

  @test_utils.run_in_modes
  def test_numpy_reference(self, mode):
    x = np.random.RandomState(0).randn(5, 4).astype(np.float32)

    def fn():
      module = _constant_linear()
      return module(tf.constant(x)), module.w, module.b
    out, w, b = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(out, x @ w + b, rtol=1e-6)
    self.assertAllClose(w, np.arange(12).reshape(4, 3) / 10.0)

  @parameterized.parameters((np.float16, 1e-2), (np.float32, 1e-6), (np.float64, 1e-12))
  def test_dtypes(self, dtype, tol):
    x = np.random.RandomState(1).randn(3, 4).astype(dtype)
    module = snt.Linear(2)
    out = module(tf.constant(x))
    self.assertEqual(out.dtype, tf.as_dtype(dtype))
    self.assertEqual(module.w.dtype, tf.as_dtype(dtype))
    expected = x.astype(np.float64) @ module.w.numpy().astype(np.float64)
    self.assertAllClose(out, expected, rtol=tol, atol=tol)

  def test_gradients_float64(self):
    module = snt.Linear(3)
    x = tf.constant(np.random.RandomState(2).randn(2, 4))
    module(x)
    theoretical, numerical = tf.test.compute_gradient(module, [x])
    self.assertAllClose(theoretical, numerical, atol=1e-8)

  @test_utils.run_in_modes
  def test_variables_names_and_shapes(self, mode):
    def fn():
      module = snt.Linear(3, name="lin")
      module(tf.ones([2, 4]))
      self.assertEqual([v.name for v in module.variables],
                       [f"{module.scope_name}/b:0", f"{module.scope_name}/w:0"])
      self.assertEqual(module.w.shape, (4, 3))
      self.assertEqual(module.b.shape, (3,))
      self.assertEqual(module.input_shape, (2, 4))
      no_bias = snt.Linear(3, use_bias=False)
      no_bias(tf.ones([2, 4]))
      self.assertLen(no_bias.variables, 1)
      with self.assertRaisesRegex(AttributeError, "No bias Variable"):
        _ = no_bias.b
      return tf.constant(0)
    test_utils.evaluate_in_mode(mode, fn)

  @test_utils.run_in_modes
  def test_unknown_batch_size_signature(self, mode):
    x = np.ones([0, 4], np.float32)
    if test_utils.session_mode(mode):
      with tf.Graph().as_default():
        module = snt.Linear(3)
        placeholder = tf.compat.v1.placeholder(tf.float32, [None, 4])
        out = module(placeholder)
        self.assertEqual(out.shape.as_list(), [None, 3])
        with tf.compat.v1.Session() as session:
          session.run(tf.compat.v1.global_variables_initializer())
          self.assertEqual(session.run(out, {placeholder: x}).shape, (0, 3))
          self.assertEqual(session.run(out, {placeholder: np.ones([7, 4])}).shape, (7, 3))
      return
    module = snt.Linear(3)
    function = tf.function(module, input_signature=[tf.TensorSpec([None, 4])])
    if mode == "eager":
      function = module
    self.assertEqual(function(tf.constant(x)).shape, (0, 3))
    self.assertEqual(function(tf.ones([7, 4])).shape, (7, 3))

  @test_utils.run_in_modes
  def test_input_size_change_error(self, mode):
    with test_utils.graph_mode_if(mode):
      module = snt.Linear(2, name="lin")
      test_utils.run_fn_in_mode(mode, module, tf.ones([1, 4]))
      with self.assertRaisesRegex(
          snt.IncompatibleShapeError,
          r"Input shape must be \[batch_size, 4\] not: \[batch_size, 5\]"):
        test_utils.run_fn_in_mode(mode, module, tf.ones([1, 5]))
      self.assertLen(module.variables, 2)

  @test_utils.run_in_modes
  def test_rank_error(self, mode):
    with test_utils.graph_mode_if(mode):
      module = snt.Linear(2)
      with self.assertRaisesRegex(snt.IncompatibleShapeError, "rank of shape must be 2 not: 3"):
        test_utils.run_fn_in_mode(mode, module, tf.ones([1, 2, 4]))
      with self.assertRaisesRegex(snt.IncompatibleShapeError, "rank of shape must be 2 not: 1"):
        test_utils.run_fn_in_mode(mode, module, tf.ones([4]))
      self.assertFalse(module.is_connected)

  def test_unknown_input_size(self):
    with tf.Graph().as_default():
      module = snt.Linear(2)
      with self.assertRaisesRegex(snt.IncompatibleShapeError,
                                  "Input size must be specified at module build time"):
        module(tf.compat.v1.placeholder(tf.float32, [None, None]))
    function = tf.function(snt.Linear(2), input_signature=[tf.TensorSpec([None, None])])
    with self.assertRaisesRegex(snt.IncompatibleShapeError, "Input size must be specified"):
      function(tf.ones([1, 2]))
    function = tf.function(snt.Linear(2), input_signature=[tf.TensorSpec(None)])
    with self.assertRaisesRegex(snt.IncompatibleShapeError, "not: unknown"):
      function(tf.ones([1, 2]))

  def test_integer_input(self):
    with self.assertRaisesRegex(ValueError, "Expected floating point type"):
      snt.Linear(2)(tf.ones([1, 2], tf.int32))

  @test_utils.run_in_modes
  def test_integer_input_with_given_w_initializer(self, mode):
    # As Sonnet 1: only the default truncated-normal `w` initializer needs a float dtype.
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    w = np.arange(12, dtype=np.int32).reshape(3, 4) - 5

    def fn():
      module = snt.Linear(4, initializers={"w": snt.initializers.constant(w)})
      out = module(tf.constant(x))
      return out, module.w, module.b

    out, w_value, b_value = test_utils.evaluate_in_mode(mode, fn)
    self.assertEqual(out.dtype, np.int32)
    self.assertEqual(w_value.dtype, np.int32)
    self.assertEqual(b_value.dtype, np.int32)
    self.assertAllEqual(out, x @ w)

  @parameterized.parameters((0, ValueError), (-1, ValueError), (2.5, TypeError),
                            ("3", TypeError), (True, TypeError))
  def test_bad_output_size(self, output_size, error):
    with self.assertRaisesRegex(error, "output_size"):
      snt.Linear(output_size)

  def test_bad_dicts(self):
    with self.assertRaisesRegex(KeyError, "Invalid initializer keys 'x'"):
      snt.Linear(2, initializers={"x": snt.initializers.zeros})
    with self.assertRaisesRegex(KeyError, "Invalid initializer keys 'b'"):
      snt.Linear(2, use_bias=False, initializers={"b": snt.initializers.zeros})
    with self.assertRaisesRegex(TypeError, "Initializer for 'w' is not a callable"):
      snt.Linear(2, initializers={"w": 3})  # type: ignore[dict-item]  # deliberately wrong
    with self.assertRaisesRegex(TypeError, "A dict of regularizers was expected"):
      snt.Linear(2, regularizers=lambda w: w)  # type: ignore[arg-type]  # deliberately wrong
    with self.assertRaisesRegex(KeyError, "Invalid partitioner keys"):
      snt.Linear(2, partitioners={"q": None})  # type: ignore[dict-item]  # deliberately wrong
    # As Sonnet 1, partitioners are accepted at construction in eager mode too; the first
    # call, which would create a partitioned variable, refuses them.
    module = snt.Linear(2, partitioners={"w": tf.compat.v1.fixed_size_partitioner(2)})
    with self.assertRaisesRegex(snt.NotSupportedError, "graph mode"):
      module(tf.ones([1, 3]))

  def test_user_initializers_dict_not_mutated(self):
    given = {"w": snt.initializers.zeros}
    module = snt.Linear(2, initializers=given)
    module(tf.ones([1, 3]))
    self.assertEqual(list(given), ["w"])
    self.assertEqual(list(module.initializers), ["w"])

  def test_partitioners_in_graph_mode(self):
    with tf.Graph().as_default():
      module = snt.Linear(3, partitioners={"w": tf.compat.v1.fixed_size_partitioner(2)})
      out = module(tf.ones([2, 4]))
      names = [v.name for v in tf.compat.v1.trainable_variables()]
      self.assertEqual(names, ["linear/w/part_0:0", "linear/w/part_1:0", "linear/b:0"])
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        self.assertEqual(session.run(out).shape, (2, 3))

  @test_utils.run_in_modes
  def test_allow_many_batch_dims(self, mode):
    x = np.random.RandomState(3).randn(2, 3, 4).astype(np.float32)

    def fn():
      module = _constant_linear(allow_many_batch_dims=True)
      out = module(tf.constant(x))
      self.assertEqual(out.shape.as_list(), [2, 3, 3])
      return out, module.w, module.b
    out, w, b = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(out, x @ w + b, rtol=1e-6)
    module = snt.Linear(2, allow_many_batch_dims=True)
    with self.assertRaisesRegex(snt.IncompatibleShapeError, "at least 2 not: 1"):
      module(tf.ones([4]))

  def test_callable_output_size(self):
    module = snt.Linear(lambda: 5)
    self.assertEqual(module(tf.ones([1, 2])).shape, (1, 5))
    self.assertEqual(module.output_size, 5)
    with self.assertRaisesRegex(ValueError, "output_size"):
      snt.Linear(lambda: 0)(tf.ones([1, 2]))

  def test_clone(self):
    with tf.Graph().as_default():
      module = snt.Linear(3, name="lin")
      clone = module.clone()
      self.assertEqual(clone.module_name, "lin_clone")
      module(tf.ones([1, 4]))
      clone(tf.ones([1, 4]))
      self.assertLen(tf.compat.v1.trainable_variables(), 4)
      self.assertEqual(clone.output_size, 3)
      self.assertEqual(module.clone(name="other").module_name, "other")

  @test_utils.run_in_modes
  def test_transpose(self, mode):
    with test_utils.graph_mode_if(mode):
      with tf.compat.v1.variable_scope("scope1"):
        module = snt.Linear(3)
      with tf.compat.v1.variable_scope("scope2"):
        transposed = module.transpose()
      if test_utils.session_mode(mode):
        self.assertEqual(transposed.scope_name, "scope2/linear_transpose")
      self.assertEqual(transposed.module_name.split("_transpose")[0] + "_transpose",
                       module.module_name + "_transpose")
      with self.assertRaises(snt.NotConnectedError):
        test_utils.run_fn_in_mode(mode, transposed, tf.ones([1, 3]))
      self.assertFalse(transposed.is_connected)
      x = tf.ones([2, 6])
      y = test_utils.run_fn_in_mode(mode, module, x)
      back = test_utils.run_fn_in_mode(mode, transposed, y)
      self.assertEqual(back.shape.as_list(), [2, 6])

  def test_input_shape_not_connected(self):
    with self.assertRaises(snt.NotConnectedError):
      _ = snt.Linear(2).input_shape

  def test_possible_keys(self):
    self.assertEqual(snt.Linear.get_possible_initializer_keys(), {"w", "b"})
    self.assertEqual(snt.Linear.get_possible_initializer_keys(use_bias=False), {"w"})

  def test_regularizers_and_default_initializers(self):
    module = snt.Linear(2, regularizers={"w": tf.nn.l2_loss})
    module(tf.ones([3, 400]))
    std = float(np.std(module.w.numpy()))
    # truncated_normal(1/sqrt(400)) has std ~0.88/20.
    self.assertBetween(std, 0.6 / 20, 1.1 / 20)
    self.assertAllEqual(module.b, np.zeros([2]))
    self.assertAllClose(snt.get_regularization_loss(module), tf.nn.l2_loss(module.w))



def _tf1_ones_initializer(shape, dtype, partition_info):  # TF1 signature, no defaults.
  assert partition_info is None
  return tf.ones(shape, dtype)


class Sonnet1ArgumentsTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters(8.0, np.float32(8), tf.compat.v1.Dimension(8))
  def test_integral_float_or_dimension_output_size(self, output_size):
    module = snt.Linear(output_size=output_size)
    self.assertEqual(module.output_size, 8)
    self.assertIs(type(module.output_size), int)
    self.assertEqual(module(tf.ones([2, 3])).shape, (2, 8))
    mlp = snt.nets.MLP([4.0, 2.0])  # type: ignore[list-item]  # Sonnet 1 took floats.
    self.assertEqual(mlp(tf.ones([1, 3])).shape, (1, 2))

  @test_utils.run_in_modes
  def test_initializer_with_tf1_signature(self, mode):
    def fn():
      module = snt.Linear(2, initializers={"w": _tf1_ones_initializer,
                                           "b": _tf1_ones_initializer})
      return module(tf.constant([[1.0, 2.0, 3.0]]))
    self.assertAllClose(test_utils.evaluate_in_mode(mode, fn), [[7.0, 7.0]])


class EagerCachedCallTest(tf.test.TestCase):
  """Later eager calls compute from the variables the first call cached (no `_build`)."""

  def test_later_calls_match_numpy_and_give_gradients(self):
    rng = np.random.RandomState(2)
    module = snt.Linear(3)
    module(tf.constant(rng.randn(2, 4).astype(np.float32)))
    x = rng.randn(5, 4).astype(np.float32)
    with tf.GradientTape() as tape:
      out = module(tf.constant(x))
      loss = tf.reduce_sum(out * out)
    w, b = module.w.numpy(), module.b.numpy()
    self.assertAllClose(out, x @ w + b, rtol=1e-5)
    grad_w, grad_b = tape.gradient(loss, [module.w, module.b])
    self.assertAllClose(grad_w, x.T @ (2 * (x @ w + b)), rtol=1e-4)
    self.assertAllClose(grad_b, (2 * (x @ w + b)).sum(axis=0), rtol=1e-4)
    no_bias = snt.Linear(2, use_bias=False)
    no_bias(tf.constant(x))
    self.assertAllClose(no_bias(tf.constant(x)), x @ no_bias.w.numpy(), rtol=1e-5)

  def test_later_eager_calls_skip_build(self):
    module = snt.Linear(3)
    x = tf.ones([2, 4])
    first = module(x)
    with mock.patch.object(variables, "get_variable", wraps=variables.get_variable) as got:
      self.assertAllClose(module(x), first)
      self.assertEqual(got.call_count, 0)
      module(np.ones([2, 4], np.float32))  # Not an eager tensor: the full call.
      self.assertEqual(got.call_count, 2)

  def test_a_subclass_build_runs_on_every_call(self):
    builds = []

    class CountingLinear(snt.Linear):

      def _build(self, inputs):
        builds.append(inputs)
        return super()._build(inputs)

    module = CountingLinear(3)
    x = tf.ones([2, 4])
    for _ in range(3):
      module(x)
    self.assertLen(builds, 3)

  def test_bad_inputs_raise_the_errors_of_the_first_call(self):
    module = snt.Linear(3, name="lin")
    module(tf.ones([2, 4]))
    module(tf.ones([2, 4]))
    with self.assertRaisesRegex(snt.IncompatibleShapeError,
                                r"Input shape must be \[batch_size, 4\] not: "
                                r"\[batch_size, 5\]"):
      module(tf.ones([2, 5]))
    with self.assertRaisesRegex(snt.IncompatibleShapeError, "rank of shape must be 2 not: 3"):
      module(tf.ones([2, 2, 4]))
    with self.assertRaisesRegex(snt.IncompatibleShapeError, "rank of shape must be 2 not: 1"):
      module(tf.ones([4]))
    with self.assertRaisesRegex(snt.IncompatibleShapeError, "requested dtype float64"):
      module(tf.ones([2, 4], tf.float64))
    with self.assertRaises(TypeError):
      module(tf.ones([2, 4]), tf.ones([2, 4]))
    # Other inputs than eager tensors take the full call, with the same result.
    x = np.ones([2, 4], np.float32)
    self.assertAllClose(module(x), module(tf.constant(x)))
    self.assertAllClose(module(inputs=tf.constant(x)), module(tf.constant(x)))

  def test_mixed_precision_after_a_float32_call(self):
    module = snt.Linear(3)
    x = tf.ones([2, 4])
    module(x)
    with snt.mixed_precision.scope(tf.float16):
      out = module(x)
    self.assertEqual(out.dtype, tf.float16)
    self.assertEqual(module.w.dtype, tf.float32)
    self.assertAllClose(out, module(x), rtol=1e-2)

  def test_custom_getter_applies_on_every_call(self):
    def double(getter, *args, **kwargs):
      return 2.0 * getter(*args, **kwargs)

    module = snt.Linear(2, custom_getter=double,
                        initializers={"w": snt.initializers.ones,
                                      "b": snt.initializers.ones})
    for _ in range(3):
      self.assertAllClose(module(tf.ones([1, 3])), [[8.0, 8.0]])

  def test_variables_of_an_undone_first_call_are_not_used(self):
    module = snt.Linear(2)

    def failing(x):
      module(x)
      raise RuntimeError("fails after connecting the Linear")

    with self.assertRaises(RuntimeError):
      snt.Module(failing)(tf.ones([1, 3]))
    self.assertFalse(module.is_connected)
    x = np.ones([1, 5], np.float32)
    out = module(tf.constant(x))
    self.assertEqual(module.w.shape, (5, 2))
    self.assertAllClose(module(tf.constant(x)), x @ module.w.numpy() + module.b.numpy())
    self.assertAllClose(out, x @ module.w.numpy() + module.b.numpy())

  def test_observers_see_later_calls(self):
    module = snt.Linear(2)
    x = tf.ones([1, 3])
    module(x)
    seen: list = []
    with snt.observe_connections(seen.append):
      out = module(x)
    self.assertLen(seen, 1)
    self.assertIs(seen[0].module, module)
    self.assertIs(seen[0].outputs, out)
    self.assertIs(seen[0].inputs.args[0], x)

  def test_copies_compute_with_their_own_variables(self):
    x = tf.ones([1, 3])
    for module in (snt.Linear(2), snt.nets.MLP([4, 2])):
      module(x)
      expected = module(x)
      for copied in (copy.deepcopy(module), pickle.loads(pickle.dumps(module))):
        for variable in copied.variables:
          variable.assign(tf.zeros_like(variable))
        self.assertAllClose(copied(x), np.zeros([1, 2]))
        self.assertAllClose(module(x), expected)

  def test_in_tf_function_after_eager_calls(self):
    module = snt.Linear(2)
    x = tf.ones([1, 3])
    eager = module(x)
    module(x)
    traced = tf.function(module)
    self.assertAllClose(traced(x), eager)
    graph = traced.get_concrete_function(x).graph
    self.assertIn("linear/MatMul", [op.name for op in graph.get_operations()])


if __name__ == "__main__":
  tf.test.main()
