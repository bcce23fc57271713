# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.base: module variables in the default graph's collections.

In graph mode variables join the graph's collections. Eager variables join the default
graph's collections only under TF1 behaviour (`tf.compat.v1.disable_v2_behavior()`, our
legacy mode, run eagerly there with `tf.__internal__.eager_context.eager_mode()`), as
Sonnet 1's did; under TensorFlow 2 behaviour they join none (which would keep them alive).
"""

import contextlib
import gc
import weakref

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import base_test
from sonnet.src import test_utils

GLOBAL = tf.compat.v1.GraphKeys.GLOBAL_VARIABLES
TRAINABLE = tf.compat.v1.GraphKeys.TRAINABLE_VARIABLES
LOCAL = tf.compat.v1.GraphKeys.LOCAL_VARIABLES


def _local_getter(getter, *args, **kwargs):
  """Makes every variable a non-trainable local variable (as a TF1 custom getter does)."""
  kwargs["trainable"] = False
  kwargs["collections"] = list(kwargs.get("collections") or []) + [LOCAL]
  return getter(*args, **kwargs)


class Failing(snt.AbstractModule):
  """Creates a variable, then fails."""

  def _build(self, inputs):
    snt.get_variable("v", shape=[1])
    raise ValueError("fails after creating a variable")


def _names(collection):
  return sorted(v.name for v in tf.compat.v1.get_collection(collection))


@contextlib.contextmanager
def _mode_context(mode):
  """Where a test of `mode` runs: a fresh graph, eagerly in it for legacy mode."""
  if mode == "legacy":
    with tf.Graph().as_default(), tf.__internal__.eager_context.eager_mode():
      yield
  elif test_utils.session_mode(mode):
    with tf.Graph().as_default():
      yield
  else:
    yield  # TF2 behaviour, eagerly: the global default graph.


class CollectionsTest(parameterized.TestCase, tf.test.TestCase):

  @test_utils.run_in_modes
  def test_global_and_trainable_collections(self, mode):
    with _mode_context(mode):
      before = (_names(GLOBAL), _names(TRAINABLE))
      linear = snt.Linear(2, name="lin", initializers={"w": snt.initializers.ones})
      bn = snt.BatchNorm(name="bn")
      if mode == "tf_function":
        tf.function(lambda x: bn(linear(x), is_training=True))(tf.ones([3, 4]))
      else:
        output = bn(linear(tf.ones([3, 4])), is_training=True)
        if mode == "legacy":  # Eager there: a value already.
          self.assertAllClose(output, np.zeros([3, 2]))
      if mode in ("eager", "tf_function"):  # TF2 behaviour: no collection changes.
        self.assertEqual((_names(GLOBAL), _names(TRAINABLE)), before)
        return
      self.assertEqual(_names(GLOBAL), ["bn/beta:0", "bn/moving_mean:0",
                                        "bn/moving_variance:0", "lin/b:0", "lin/w:0"])
      self.assertEqual(_names(TRAINABLE), ["bn/beta:0", "lin/b:0", "lin/w:0"])
      self.assertEqual(_names(LOCAL), [])
      self.assertEqual([v.name for v in linear.get_all_variables(GLOBAL)],
                       ["lin/b:0", "lin/w:0"])

  @parameterized.named_parameters(("graph", "graph"), ("legacy", "legacy"))
  def test_collections_argument_and_local_variables(self, mode):
    with _mode_context(mode):
      with tf.compat.v1.variable_scope("", custom_getter=_local_getter):
        wrapper = base_test.Wrapper(base_test.Scale(name="inner"), name="outer")
      wrapper(tf.ones([1, 2]))
      self.assertEqual(_names(LOCAL), ["inner/scale:0", "outer/own/scale:0"])
      self.assertEqual(_names(GLOBAL), [])
      self.assertEqual(_names(TRAINABLE), [])
      self.assertEqual([v.name for v in wrapper.get_all_variables(LOCAL)],
                       ["inner/scale:0", "outer/own/scale:0"])
      self.assertEqual(wrapper.get_all_variables(), ())
      self.assertEqual([v.name for v in wrapper.get_variables(LOCAL)],
                       ["outer/own/scale:0"])
      self.assertEqual([v.name for v in wrapper.non_trainable_variables],
                       ["inner/scale:0", "outer/own/scale:0"])

  def test_eager_variables_join_no_collection_under_tf2_behaviour(self):
    graph = tf.compat.v1.get_default_graph()
    before = {key: len(graph.get_collection(key)) for key in (GLOBAL, TRAINABLE, LOCAL)}
    with tf.compat.v1.variable_scope("", custom_getter=_local_getter):
      local = base_test.Scale()
    local(tf.ones([1, 2]))
    snt.Linear(2)(tf.ones([1, 2]))
    self.assertEqual({key: len(graph.get_collection(key)) for key in before}, before)

  @parameterized.named_parameters(("legacy", "legacy"))
  def test_traced_eagerly_under_tf1_behaviour(self, mode):
    with _mode_context(mode):
      linear = snt.Linear(2, name="lin")
      tf.function(linear)(tf.ones([1, 3]))
      self.assertEqual(_names(TRAINABLE), ["lin/b:0", "lin/w:0"])

  @parameterized.named_parameters(("legacy", "legacy"))
  def test_failed_first_call_leaves_no_variable_in_collections(self, mode):
    with _mode_context(mode):
      with self.assertRaisesRegex(ValueError, "fails after creating a variable"):
        Failing()(tf.ones([1]))
      self.assertEqual(_names(GLOBAL), [])
      self.assertEqual(_names(TRAINABLE), [])

  @parameterized.named_parameters(("legacy", "legacy"))
  def test_reset_default_graph_drops_eager_variables_and_names(self, mode):
    del mode  # Legacy mode, eagerly in the global default graph (which is reset).
    def make_and_drop():  # The module dies with this frame.
      linear = snt.Linear(2)
      linear(tf.ones([1, 3]))
      return weakref.ref(linear.w)

    with tf.__internal__.eager_context.eager_mode():
      variable = make_and_drop()
      gc.collect()
      self.assertIsNotNone(variable())  # The collections keep it, and its name, alive.
      self.assertEqual(snt.Linear(2).scope_name, "linear_1")
      tf.compat.v1.reset_default_graph()
      gc.collect()
      self.assertIsNone(variable())
      self.assertEqual(_names(GLOBAL), [])
      self.assertEqual(snt.Linear(2).scope_name, "linear")


if __name__ == "__main__":
  tf.test.main()
