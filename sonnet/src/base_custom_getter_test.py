# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.base: custom getters of modules and of the modules they nest in."""

import copy
import pickle

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils


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
      outputs = module(tf.ones([1, 3]))
      variable = [v for v in module.get_variables() if v.name.endswith("/w:0")]
      return outputs, module.layers[0].w, variable
    outputs, w, variable = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(outputs, np.full([1, 2], 3 * 100.0 + 100.0))
    # As Sonnet 1, the layer's w is what the getter returned; the variable is untouched.
    self.assertAllClose(w, np.full([3, 2], 100.0))
    self.assertAllClose(variable, [np.zeros([3, 2])])

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
      # As Sonnet 1, w is the sample the getter returned at the latest call.
      self.assertIsInstance(module.w, tf.Tensor)
      self.assertNotIsInstance(module.w, tf.Variable)
      if not test_utils.session_mode(mode):
        self.assertAllClose(out1, np.full([1, 2], 3.0))
        self.assertAllClose(out1, out2)
      if mode == "eager":
        self.assertAllClose(module.w, np.ones([3, 2]))
      elif test_utils.session_mode(mode):
        with tf.compat.v1.Session() as session:
          session.run(tf.compat.v1.global_variables_initializer())
          self.assertAllClose(session.run(module.w), np.ones([3, 2]))

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
      snt.Linear(2, custom_getter=3)  # type: ignore[arg-type]  # deliberately wrong
    with self.assertRaisesRegex(TypeError, "not callable"):
      snt.Linear(2, custom_getter={"w": 3})  # type: ignore[dict-item]  # deliberately wrong
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


  @test_utils.run_in_modes
  def test_linear_w_is_the_variable_the_latest_call_got(self, mode):
    # Sonnet 1: Linear.w is what get_variable returned at the latest call; a custom getter
    # that makes a renamed variable changes it while it applies.
    def renamed(getter, name, *args, **kwargs):
      return getter(name + "_other", *args, **kwargs)

    context = snt.custom_getters.Context(renamed)
    with test_utils.graph_mode_if(mode):
      with tf.compat.v1.variable_scope("", custom_getter=context):
        module = snt.Linear(2, name="lin")
      test_utils.run_fn_in_mode(mode, module, tf.ones([1, 3]))
      own = module.w
      self.assertEqual(own.name, "lin/w:0")
      with context:
        test_utils.run_fn_in_mode(mode, module, tf.ones([1, 3]))
      self.assertEqual(module.w.name, "lin/w_other:0")
      self.assertEqual(module.b.name, "lin/b_other:0")
      test_utils.run_fn_in_mode(mode, module, tf.ones([1, 3]))
      self.assertIs(module.w, own)
      # As Sonnet 1, a tensor returned by a custom getter is what w and b give.
      frozen = snt.Linear(2, name="frozen", custom_getter=snt.custom_getters.stop_gradient)
      test_utils.run_fn_in_mode(mode, frozen, tf.ones([1, 3]))
      self.assertIsInstance(frozen.w, tf.Tensor)
      self.assertNotIsInstance(frozen.w, tf.Variable)
      self.assertIsInstance(frozen.b, tf.Tensor)

  @test_utils.run_in_modes
  def test_linear_w_and_b_are_the_tensors_a_getter_returned(self, mode):
    # Sonnet 1: Linear.w / b are what the custom getter returned, even a tensor.
    def plus_one(getter, *args, **kwargs):
      return getter(*args, **kwargs) + 1.0

    def fn():
      module = snt.Linear(2, custom_getter=plus_one,
                          initializers={"w": tf.constant_initializer(2.0)})
      out = module(tf.ones([1, 3]))
      own = {v.name.split("/")[-1][0]: v for v in module.get_variables()}
      return out, module.w, module.b, own

    if mode == "tf_function":
      # The tensors belong to the traced function: check them there.
      def traced():
        out, w, b, own = fn()
        self.assertNotIsInstance(w, tf.Variable)
        return out, tf.identity(w), tf.identity(b), own
      out, w, b, own = test_utils.evaluate_in_mode(mode, traced)
    else:
      out, w, b, own = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(w, np.full([3, 2], 3.0))
    self.assertAllClose(b, np.ones([2]))
    self.assertAllClose(out, np.full([1, 2], 10.0))
    self.assertAllClose(own["w"], np.full([3, 2], 2.0))
    self.assertAllClose(own["b"], np.zeros([2]))

  def test_copy_after_tf_function_drops_the_traced_tensor(self):
    # The tensor the getter returned in the trace stays with the trace: a copy's w is its
    # own (copied) variable until the copy is called.
    module = snt.Linear(2, custom_getter=snt.custom_getters.stop_gradient,
                        initializers={"w": tf.constant_initializer(2.0)})
    tf.function(module)(tf.ones([1, 3]))
    self.assertTrue(tf.is_symbolic_tensor(module.w))
    for copied in (copy.deepcopy(module), pickle.loads(pickle.dumps(module))):
      self.assertIsInstance(copied.w, tf.Variable)
      self.assertAllClose(copied.w, np.full([3, 2], 2.0))
      copied(tf.ones([1, 3]))
      self.assertNotIsInstance(copied.w, tf.Variable)
      self.assertAllClose(copied.w, np.full([3, 2], 2.0))


if __name__ == "__main__":
  tf.test.main()
