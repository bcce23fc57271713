# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.state_variables without several replicas.

With several replicas (two logical CPUs, two worker processes) see distribute_test.py.
"""

import numpy as np
import tensorflow as tf

from sonnet.src import base
from sonnet.src import cross_replica_batch_norm
from sonnet.src import errors
from sonnet.src import state_variables
from sonnet.src import variables


class _Stateful(base.AbstractModule):
  """A module with one state variable and one trainable variable."""

  def _build(self):
    state = state_variables.get_state_variable("state", shape=[2],
                                               initializer=tf.ones_initializer())
    weight = variables.get_variable("w", shape=[2], initializer=tf.zeros_initializer())
    return state, weight


class StateVariablesTest(tf.test.TestCase):

  def test_state_variable_is_on_read_mean_and_not_trainable(self):
    module = _Stateful(name="stateful")
    state, weight = module()
    self.assertEqual(state.name, "stateful/state:0")
    self.assertFalse(state.trainable)
    self.assertEqual(state.synchronization, tf.VariableSynchronization.ON_READ)
    self.assertEqual(state.aggregation, tf.VariableAggregation.MEAN)
    self.assertEqual(list(module.trainable_variables), [weight])
    self.assertAllEqual(state, [1., 1.])

  def test_graph_mode_collections_and_update(self):
    with tf.Graph().as_default():
      module = _Stateful(name="stateful")
      state, _ = module()
      names = [v.name for v in tf.compat.v1.global_variables()]
      trainable = [v.name for v in tf.compat.v1.trainable_variables()]
      update = state_variables.assign_moving_average(state, tf.constant([3., 5.]), 0.75)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        session.run(update)
        self.assertAllClose(session.run(state), [1.5, 2.])
    self.assertEqual(names, ["stateful/state:0", "stateful/w:0"])
    self.assertEqual(trainable, ["stateful/w:0"])

  def test_reductions_are_identities_without_replicas(self):
    value = tf.constant([1., 2.])
    self.assertEqual(state_variables.num_replicas(), 1)
    self.assertIs(state_variables.replica_sum(value), value)
    self.assertIs(state_variables.replica_mean(value, weight=3.), value)
    mean, variance, count = tf.constant([1.]), tf.constant([2.]), tf.constant(4)
    self.assertEqual(state_variables.cross_replica_moments(mean, variance, count),
                     (mean, variance, count))

  def test_one_replica_strategy_reduces_nothing(self):
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])

    def replica_fn(x):
      self.assertEqual(state_variables.num_replicas(), 1)
      return state_variables.replica_sum(x)

    self.assertAllEqual(strategy.run(replica_fn, (tf.constant([1., 2.]),)), [1., 2.])

  def test_assign_moving_average_matches_numpy(self):
    variable = tf.Variable([[1., -2.]], trainable=False)
    value = np.array([3., 4.], np.float32)
    state_variables.assign_moving_average(variable, value, 0.9)
    self.assertAllClose(variable, 0.9 * np.array([[1., -2.]]) + 0.1 * value)

  def test_assign_moving_average_without_data_changes_nothing(self):
    variable = tf.Variable([1., 2.], trainable=False)
    state_variables.assign_moving_average(variable, [7., 7.], 0.5, has_data=tf.constant(False))
    self.assertAllEqual(variable, [1., 2.])

  def test_assign_to_a_tensor_raises(self):
    with self.assertRaisesRegex(errors.NotSupportedError, "must be a variable"):
      state_variables.assign_moving_average(tf.constant([1.]), [2.], 0.5)

  def test_scatter_update(self):
    variable = tf.Variable(np.zeros([3, 2], np.float32), trainable=False)
    state_variables.scatter_update(variable, tf.constant([[1]]), tf.constant([[4., 5.]]))
    self.assertAllEqual(variable, [[0., 0.], [4., 5.], [0., 0.]])

  def test_cross_replica_safe_moments_without_replicas_matches_numpy(self):
    x = np.random.RandomState(0).normal(size=[5, 3]).astype(np.float32)
    mean, variance, count = cross_replica_batch_norm.cross_replica_safe_moments(
        tf.constant(x), (0,))
    self.assertAllClose(mean, x.mean(0, keepdims=True))
    self.assertAllClose(variance, x.var(0, keepdims=True))
    self.assertEqual(int(count), 5)


if __name__ == "__main__":
  tf.test.main()
