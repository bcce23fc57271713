# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests of the error for building a module inside `Dataset.map` (and its workarounds)."""

from absl.testing import absltest
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import naming

_PATTERN = (r"linear: cannot create variable linear/w inside a tf.data function "
            r"\(Dataset.map, filter, interleave, ...; traced as 'Dataset_map_lambda'\).*"
            r"Build the module outside the function and call it once eagerly first")


def _dataset():
  return tf.data.Dataset.from_tensor_slices(np.arange(8, dtype=np.float32).reshape([4, 2]))


class DatasetMapTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    naming.reset_eager_names()  # `linear`, not `linear_3`, in the messages.

  def test_building_inside_map_raises_a_clear_error(self):
    with self.assertRaisesRegex(snt.NotSupportedError, _PATTERN):
      _dataset().map(lambda x: snt.Linear(3)(x[None]))

  def test_first_call_inside_map_raises(self):
    linear = snt.Linear(3)  # Built outside, but its variables do not exist yet.
    with self.assertRaisesRegex(snt.NotSupportedError, _PATTERN):
      _dataset().map(lambda x: linear(x[None]))
    self.assertEqual(linear.variables, ())  # Nothing half-created.

  def test_filter_is_named(self):
    with self.assertRaisesRegex(snt.NotSupportedError, "traced as 'Dataset_filter_lambda'"):
      _dataset().filter(lambda x: tf.reduce_sum(snt.Linear(1)(x[None])) > 0)

  def test_inside_tf_function(self):

    @tf.function
    def total():
      ds = _dataset().map(lambda x: snt.Linear(3)(x[None]))
      return ds.reduce(0.0, lambda acc, y: acc + tf.reduce_sum(y))

    with self.assertRaisesRegex(snt.NotSupportedError, "inside a tf.data function"):
      total()

  def test_calling_once_eagerly_first_works(self):
    linear = snt.Linear(3)
    linear(tf.zeros([1, 2]))
    outputs = [y.numpy() for y in _dataset().map(lambda x: linear(x[None]))]
    w, b = linear.w.numpy(), linear.b.numpy()
    expected = np.arange(8, dtype=np.float32).reshape([4, 1, 2]) @ w + b
    self.assertAllClose(np.stack(outputs), expected)

  def test_tf1_graph_mode_still_builds_inside_map(self):
    # In a tf.compat.v1 graph the variables are created in the graph itself: it works.
    with tf.Graph().as_default():
      ds = _dataset().map(lambda x: snt.Linear(3)(x[None]))
      iterator = tf.compat.v1.data.make_initializable_iterator(ds)
      next_element = iterator.get_next()
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        session.run(iterator.initializer)
        self.assertEqual(session.run(next_element).shape, (1, 3))

  def test_tf_function_without_dataset_still_creates(self):
    linear = snt.Linear(3)
    self.assertEqual(tf.function(linear)(tf.ones([1, 2])).shape, (1, 3))
    self.assertLen(linear.variables, 2)


if __name__ == "__main__":
  absltest.main()
