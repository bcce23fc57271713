# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.base: what a failed call takes back.

The variables, sub-modules, attributes and first connections the call created.
"""

import os

from absl.testing import parameterized
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils


class FailsAfterVariables(snt.AbstractModule):

  def _build(self, inputs):
    snt.get_variable("w", shape=[2])
    snt.Linear(2, name="child")(inputs)
    raise RuntimeError("boom")


class FailedCallTest(parameterized.TestCase, tf.test.TestCase):

  @test_utils.run_in_modes
  def test_failed_first_call_creates_nothing(self, mode):
    with test_utils.graph_mode_if(mode) as graph:
      module = FailsAfterVariables()
      with self.assertRaisesRegex(RuntimeError, "boom"):
        test_utils.run_fn_in_mode(mode, module, tf.ones([1, 3]))
      self.assertFalse(module.is_connected)
      if mode == test_utils.LEGACY:  # TF1 behaviour: Sonnet 1 refuses, nothing was made.
        with self.assertRaises(snt.NotConnectedError):
          module.variables  # pylint: disable=pointless-statement
      else:
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
    attempts: list[int] = []

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
    attempts: list[int] = []

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



if __name__ == "__main__":
  tf.test.main()
