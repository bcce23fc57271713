# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.base: copies (copy.deepcopy, pickle), checkpoints and SavedModel."""

import copy
import pickle

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import base_test
from sonnet.src import test_utils


class CopyTest(parameterized.TestCase, tf.test.TestCase):

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

  def _save_mlp_checkpoint(self, mode):
    """Saves an `MLP([3, 2])` on inputs of size 4 (in a session in a legacy process)."""
    if mode != test_utils.LEGACY:
      source = snt.nets.MLP([3, 2])
      source(tf.ones([1, 4]))
      return tf.train.Checkpoint(model=source).save(self.get_temp_dir() + "/ckpt")
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
      source = snt.nets.MLP([3, 2])
      source(tf.ones([1, 4]))
      session.run(tf.compat.v1.global_variables_initializer())
      checkpoint = tf.compat.v1.train.Checkpoint(model=source)
      return checkpoint.save(self.get_temp_dir() + "/ckpt", session=session)

  @test_utils.run_in_modes
  def test_restore_before_first_call_into_different_shape(self, mode):
    # TensorFlow alone silently skips such a restore (its dict wrapper swallows the
    # ValueError) and assert_consumed() passes; Sonnet raises before creating anything.
    path = self._save_mlp_checkpoint(mode)
    with test_utils.graph_mode_if(mode):
      target = snt.nets.MLP([3, 5])  # linear_0 fits, linear_1 does not.
      tf.train.Checkpoint(model=target).restore(path)
      call = tf.function(target) if mode == "tf_function" else target
      with self.assertRaisesRegex(ValueError, r"linear_1: Received incompatible tensor "
                                  r"with shape \(3, 2\) when attempting to restore variable "
                                  r"with shape \(3, 5\) and name mlp(_\d+)?/linear_1/w"):
        call(tf.ones([1, 4]))
      self.assertFalse(target.is_connected)
      if mode == test_utils.LEGACY:  # TF1 behaviour: Sonnet 1 refuses, nothing was made.
        with self.assertRaises(snt.NotConnectedError):
          target.variables  # pylint: disable=pointless-statement
      else:
        self.assertEmpty(target.variables)
      for layer in target.layers:
        self.assertFalse(layer.is_connected)
      if test_utils.session_mode(mode):
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
      return base_test.Scale(name="inner")(snt.Linear(2, name="lin")(x))
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
