# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.CrossReplicaBatchNorm without several replicas.

With several replicas (outputs, gradients and moving statistics against one device on the
global batch) see distribute_test.py.
"""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import batch_norm
from sonnet.src import cross_replica_batch_norm

UPDATE_OPS = tf.compat.v1.GraphKeys.UPDATE_OPS


def _inputs():
  return np.random.RandomState(1).normal(3., 2., size=[6, 4]).astype(np.float32)


class CrossReplicaBatchNormTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(True, False)
  def test_equals_batch_norm_without_a_strategy(self, in_function):
    x = _inputs()
    cross = cross_replica_batch_norm.CrossReplicaBatchNorm(scale=True, decay_rate=0.5)
    plain = batch_norm.BatchNorm(scale=True, decay_rate=0.5, fused=False)
    calls = [lambda m=m: m(tf.constant(x), is_training=True) for m in (cross, plain)]
    if in_function:
      calls = [tf.function(c) for c in calls]
    out_cross, out_plain = calls[0](), calls[1]()
    self.assertAllClose(out_cross, out_plain)
    self.assertAllClose(out_cross, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), atol=1e-5)
    self.assertAllClose(cross.moving_mean, 0.5 * x.mean(0, keepdims=True))
    self.assertAllClose(cross.moving_variance, 0.5 + 0.5 * x.var(0, keepdims=True))
    # The same variables; module names differ only by the uniquifying suffix.
    self.assertEqual(cross.module_name.split("_")[:2], ["batch", "norm"])
    self.assertEqual([v.name.split("/", 1)[1] for v in cross.variables],
                     [v.name.split("/", 1)[1] for v in plain.variables])

  def test_tensor_flags_in_a_function(self):
    x = _inputs()
    module = cross_replica_batch_norm.CrossReplicaBatchNorm(decay_rate=0.5)
    step = tf.function(lambda training: module(tf.constant(x), is_training=training,
                                               test_local_stats=False))
    step(tf.constant(False))
    self.assertAllEqual(module.moving_mean, np.zeros([1, 4]))
    step(tf.constant(True))
    self.assertAllClose(module.moving_mean, 0.5 * x.mean(0, keepdims=True))

  def test_graph_mode_update_ops(self):
    x = _inputs()
    with tf.Graph().as_default():
      module = cross_replica_batch_norm.CrossReplicaBatchNorm(decay_rate=0.5)
      module(tf.constant(x), is_training=True)
      update_ops = tf.compat.v1.get_collection(UPDATE_OPS)
      self.assertLen(update_ops, 2)  # Like snt.BatchNorm: mean and variance.
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        session.run(update_ops)
        self.assertAllClose(session.run(module.moving_mean), 0.5 * x.mean(0, keepdims=True))

  def test_one_replica_strategy(self):
    x = _inputs()
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
      module = cross_replica_batch_norm.CrossReplicaBatchNorm(decay_rate=0.5)
    out = strategy.run(tf.function(lambda: module(tf.constant(x), is_training=True)))
    self.assertAllClose(out, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), atol=1e-5)
    self.assertAllClose(module.moving_mean, 0.5 * x.mean(0, keepdims=True))

  def test_no_fused_argument(self):
    with self.assertRaises(TypeError):
      cross_replica_batch_norm.CrossReplicaBatchNorm(fused=True)  # type: ignore[call-arg]


if __name__ == "__main__":
  tf.test.main()
