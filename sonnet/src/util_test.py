# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for check_initializers / check_regularizers / check_partitioners."""

from absl.testing import parameterized
import tensorflow as tf

import sonnet as snt
from sonnet.src import util


class CheckDictsTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters(("initializer", snt.check_initializers),
                            ("regularizer", snt.check_regularizers))
  def test_checks(self, kind, check):
    self.assertEqual(check(None, {"w"}), {})
    given = {"w": tf.zeros}
    checked = check(given, {"w", "b"})
    self.assertEqual(checked, given)
    self.assertIsNot(checked, given)
    with self.assertRaisesRegex(
        KeyError, f"Invalid {kind} keys 'a', 'x', {kind}s can only be provided for 'b', 'w'"):
      check({"x": tf.zeros, "a": tf.zeros}, {"w", "b"})
    with self.assertRaisesRegex(TypeError, f"{kind.capitalize()} for 'w' is not a callable"):
      check({"w": 1}, {"w"})
    with self.assertRaisesRegex(TypeError, f"A dict of {kind}s was expected"):
      check(tf.zeros, {"w"})
    nested = check({"w": {"inner": tf.zeros}}, {"w"})
    self.assertIn("inner", nested["w"])
    with self.assertRaisesRegex(TypeError, "'inner' is not a callable"):
      check({"w": {"inner": 3}}, {"w"})

  def test_partitioners(self):
    partitioner = tf.compat.v1.fixed_size_partitioner(2)
    self.assertEqual(snt.check_partitioners(None, {"w"}), {})
    with self.assertRaisesRegex(snt.NotSupportedError, "graph mode"):
      snt.check_partitioners({"w": partitioner}, {"w"})
    with tf.Graph().as_default():
      self.assertEqual(snt.check_partitioners({"w": partitioner}, {"w"}), {"w": partitioner})
      with self.assertRaisesRegex(KeyError, "Invalid partitioner keys 'b'"):
        snt.check_partitioners({"b": partitioner}, {"w"})
      with self.assertRaisesRegex(TypeError, "Partitioner for 'w'"):
        snt.check_partitioners({"w": 2}, {"w"})

  def test_partitioners_refused_inside_eager_tf_function(self):
    @tf.function
    def construct():
      snt.check_partitioners({"w": tf.compat.v1.fixed_size_partitioner(2)}, {"w"})
      return 0
    with self.assertRaises(snt.NotSupportedError):
      construct()


class CheckVariableOptionsTest(tf.test.TestCase):
  """util.check_variable_options: the three checks in one call, in constructor order."""

  def test_returns_checked_copies(self):
    initializers = {"w": tf.zeros}
    regularizers = {"b": tf.nn.l2_loss}
    checked = util.check_variable_options(initializers, None, regularizers, {"w", "b"})
    self.assertEqual(checked, ({"w": tf.zeros}, {}, {"b": tf.nn.l2_loss}))
    self.assertIsNot(checked[0], initializers)
    self.assertEqual(util.check_variable_options(None, None, None, iter(["w"])), ({}, {}, {}))

  def test_errors_name_the_dict_and_keys(self):
    with self.assertRaisesRegex(
        KeyError, "Invalid initializer keys 'x', initializers can only be provided for 'w'"):
      util.check_variable_options({"x": tf.zeros}, None, None, {"w"})
    with self.assertRaisesRegex(TypeError, "Regularizer for 'w' is not a callable"):
      util.check_variable_options(None, None, {"w": 2}, {"w"})
    with self.assertRaisesRegex(snt.NotSupportedError, "graph mode"):
      util.check_variable_options(None, {"w": tf.compat.v1.fixed_size_partitioner(2)}, None,
                                  {"w"})

  def test_separate_partitioner_and_regularizer_keys(self):
    partitioner = tf.compat.v1.fixed_size_partitioner(2)
    with tf.Graph().as_default():
      checked = util.check_variable_options(
          {"gamma": tf.ones}, {"beta": partitioner}, {"gamma": tf.nn.l2_loss}, {"gamma"},
          partitioner_keys={"beta"}, regularizer_keys={"gamma"})
      self.assertEqual(checked[1], {"beta": partitioner})
      with self.assertRaisesRegex(KeyError, "Invalid partitioner keys 'gamma'"):
        util.check_variable_options(None, {"gamma": partitioner}, None, {"gamma"},
                                    partitioner_keys={"beta"})
      with self.assertRaisesRegex(KeyError, "Invalid regularizer keys 'beta'"):
        util.check_variable_options(None, None, {"beta": tf.nn.l2_loss}, {"beta"},
                                    regularizer_keys={"gamma"})


class VariableOptionsTest(parameterized.TestCase, tf.test.TestCase):
  """Modules expose the dicts given to their constructor (util.VariableOptions)."""

  @parameterized.named_parameters(
      ("Linear", lambda **kw: snt.Linear(3, **kw), "w"),
      ("Conv2D", lambda **kw: snt.Conv2D(4, 3, **kw), "w"),
      ("Conv2DTranspose", lambda **kw: snt.Conv2DTranspose(4, None, 3, **kw), "w"),
      ("LayerNorm", lambda **kw: snt.LayerNorm(**kw), "gamma"),
      ("GroupNorm", lambda **kw: snt.GroupNorm(2, **kw), "gamma"),
      ("BatchNorm", lambda **kw: snt.BatchNorm(**kw), "gamma"),
      ("BatchNormV2", lambda **kw: snt.BatchNormV2(**kw), "gamma"),
      ("Embed", lambda **kw: snt.Embed(10, 4, **kw), "embeddings"),
      ("MLP", lambda **kw: snt.nets.MLP([3], **kw), "w"),
      ("ConvNet2D", lambda **kw: snt.nets.ConvNet2D([4], [3], [1], ["SAME"], **kw), "w"),
  )
  def test_properties_return_the_checked_dicts(self, make, key):
    initializer, regularizer = tf.zeros_initializer(), tf.keras.regularizers.L2(0.1)
    module = make(initializers={key: initializer}, regularizers={key: regularizer})
    self.assertEqual(module.initializers, {key: initializer})
    self.assertEqual(module.regularizers, {key: regularizer})
    self.assertEqual(module.partitioners, {})


if __name__ == "__main__":
  tf.test.main()
