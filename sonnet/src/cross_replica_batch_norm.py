# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""CrossReplicaBatchNorm: batch normalisation over the global batch of all replicas."""

from collections.abc import Iterable

import tensorflow as tf

from sonnet.src import batch_norm
from sonnet.src import state_variables
from sonnet.src import types


def cross_replica_safe_moments(x: tf.Tensor, axes):
  """Mean and biased variance over `axes` of the batch of every replica together.

  Per replica `x` may have a different size along `axes` (also zero). Sums and counts are
  all-reduced (twice: the sum of squared deviations is taken from the global mean), so
  the result equals `batch_norm.safe_moments` of the concatenated batches; gradients flow
  through the all-reduce to every replica's inputs. A synchronisation point: call it
  outside `tf.cond`. With one replica (or none) it is `batch_norm.safe_moments`.

  Returns:
    `(mean, variance, count)`: keep-dims statistics and the global number of elements.
  """
  if state_variables.num_replicas() <= 1:
    return batch_norm.safe_moments(x, axes)
  axes = list(axes)
  count = tf.reduce_prod(tf.gather(tf.shape(x), axes))
  total, total_count = state_variables.replica_sum(
      (tf.reduce_sum(x, axis=axes, keepdims=True), tf.cast(count, x.dtype)))
  denominator = tf.maximum(total_count, 1)
  mean = total / denominator
  squares = tf.reduce_sum(tf.math.squared_difference(x, tf.stop_gradient(mean)), axis=axes,
                          keepdims=True)
  variance = state_variables.replica_sum(squares) / denominator
  return mean, variance, tf.cast(total_count, count.dtype)


class CrossReplicaBatchNorm(batch_norm.BatchNorm):
  """`snt.BatchNorm` whose batch statistics are those of the global batch of all replicas.

  Under `tf.distribute` (`MirroredStrategy`, `MultiWorkerMirroredStrategy`, ...), called
  inside `strategy.run`, the mean and variance are all-reduced across the replicas
  (sums and element counts, so replicas with different batch sizes are weighted
  correctly): outputs, gradients and moving averages equal those of `snt.BatchNorm` on
  one device fed the concatenated batch. Without a strategy, or with one replica, it is
  `snt.BatchNorm(fused=False)` exactly, with the same variables and names.

  (`snt.BatchNorm` under a strategy normalises each replica with its own batch's
  statistics; its moving averages follow the global batch too.)

  The statistics are always computed by the unfused path (TensorFlow's fused kernel
  cannot take external statistics). All replicas must call the module the same number
  of times (the all-reduce is a synchronisation point); it must not be called inside
  `tf.cond` or a loop body under `MirroredStrategy`. With a tensor `is_training` or
  `test_local_stats`, the global statistics are computed on every call.
  """

  def __init__(self,
               axis: Iterable[int] | None = None,
               offset: bool = True,
               scale: bool = False,
               decay_rate: float = 0.999,
               eps: float = 1e-3,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               update_ops_collection: str | None = "update_ops",
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "batch_norm"):
    """Constructs a CrossReplicaBatchNorm module (the arguments of `snt.BatchNorm`).

    Args:
      axis: iterable of non-negative dimensions to reduce over; default all but the last.
      offset: whether to add a learnt offset `beta` (zeros).
      scale: whether to multiply by a learnt scale `gamma` (ones).
      decay_rate: decay of the moving averages, in [0, 1].
      eps: small positive number added to the variance.
      initializers: optional dict, keys 'gamma', 'beta', 'moving_mean', 'moving_variance'.
      partitioners: optional dict, keys 'gamma', 'beta'.
      regularizers: optional dict, keys 'gamma', 'beta'.
      update_ops_collection: graph mode only: the collection the update ops go to, or None
        to make them control dependencies of the output.
      custom_getter: optional custom getter (callable or dict).
      name: name of the module (the default is `snt.BatchNorm`'s, so checkpoints and
        variable names are interchangeable).

    Raises:
      TypeError: bad `axis`, dict arguments or `update_ops_collection`.
      ValueError: `decay_rate` outside [0, 1], `eps` not positive, empty `axis`.
      KeyError: unknown dict keys.
    """
    super().__init__(axis=axis, offset=offset, scale=scale, decay_rate=decay_rate, eps=eps,
                     initializers=initializers, partitioners=partitioners,
                     regularizers=regularizers, update_ops_collection=update_ops_collection,
                     fused=False, custom_getter=custom_getter, name=name)

  def _batch_moments_fn(self, x, axis, use_batch_stats):
    # The all-reduce must not sit inside the tf.cond that picks batch or moving stats.
    if batch_norm.static_bool(use_batch_stats) is False:
      return lambda: batch_norm.safe_moments(x, axis)
    moments = cross_replica_safe_moments(x, axis)
    return lambda: moments

  def _moving_update_moments(self, mean, variance, count, is_training):
    # Already the global batch's statistics.
    return mean, variance, count
