# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.base: custom getters of modules and of the modules they nest in."""

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
      if not test_utils.session_mode(mode):
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



if __name__ == "__main__":
  tf.test.main()
