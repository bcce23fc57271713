# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Non-trainable state (moving averages) that stays the same on every replica.

Under `tf.distribute` each replica holds its own copy of a variable. Trainable
variables agree because the optimizer applies all-reduced gradients; state that a
module updates itself (BatchNorm's moving statistics, VectorQuantizerEMA's
averages) must be made to agree explicitly. Two things do that here:

* State variables are created with `synchronization=ON_READ` and
  `aggregation=MEAN` (`get_state_variable`). A replica then updates its own copy
  without a synchronisation point (so an update may sit inside `tf.cond`), and
  reading the variable outside `strategy.run` (a checkpoint, `.numpy()`) gives
  the mean of the copies.
* The value an update is computed from is all-reduced first (`replica_sum`,
  `replica_mean`, `cross_replica_moments`), so every replica applies the same
  update and the copies stay equal: the result is the one a single device gets
  on the global batch.

Without a strategy (or with one replica) nothing is reduced and the updates are
the plain ones; the synchronisation and aggregation settings have no effect
there (TF1 graph mode included), and checkpoint keys are unchanged.

All-reduces are synchronisation points: `tf.distribute.MirroredStrategy` refuses
them inside `tf.cond`/`tf.while_loop` bodies, so compute the reduced values
before entering control flow and pass them to the update.
"""

from collections.abc import Sequence
from typing import Any

import tensorflow as tf

from sonnet.src import errors
from sonnet.src import variables

ERR_NOT_VARIABLE = (
    "The state variable must be a variable to be updated, but got {value!r}; route custom "
    "getters away from it.")

# How every state variable is synchronised and aggregated (see the module docstring).
SYNCHRONIZATION = tf.VariableSynchronization.ON_READ
AGGREGATION = tf.VariableAggregation.MEAN


def get_state_variable(name: str,
                       shape: Any = None,
                       dtype: Any = tf.float32,
                       initializer: Any = None,
                       collections: Sequence[str] | None = None) -> Any:
  """Creates (or returns) a non-trainable state variable of the current module.

  Like `snt.get_variable` with `trainable=False`, plus the synchronisation and
  aggregation that keep replicas in agreement (`SYNCHRONIZATION`, `AGGREGATION`).

  Args:
    name: the variable's name relative to the module.
    shape: the variable's shape.
    dtype: the variable's dtype.
    initializer: an initializer callable or an initial value.
    collections: graph mode only: the collections to add the variable to.

  Returns:
    The variable (or what the module's custom getters return for it).
  """
  return variables.get_variable(name, shape=shape, dtype=dtype, initializer=initializer,
                                trainable=False, collections=collections,
                                synchronization=SYNCHRONIZATION, aggregation=AGGREGATION)


def _replica_context_to_reduce():
  """The replica context when there are several replicas to reduce over, else None.

  None without a strategy, with one replica, and in a cross-replica context (outside
  `strategy.run`, where updates go to every copy alike anyway).
  """
  if not tf.distribute.has_strategy() or tf.distribute.in_cross_replica_context():
    return None
  context = tf.distribute.get_replica_context()
  if context is None or context.num_replicas_in_sync <= 1:
    return None
  return context


def num_replicas() -> int:
  """The number of replicas that `replica_sum` reduces over (1 when nothing is reduced)."""
  context = _replica_context_to_reduce()
  return 1 if context is None else context.num_replicas_in_sync


def replica_sum(values: Any) -> Any:
  """Sums a nest of tensors over the replicas; returns `values` itself with one replica.

  A synchronisation point: call it outside `tf.cond` and loop bodies.

  Args:
    values: a nest of tensors, the same structure, shapes and dtypes on every replica.

  Returns:
    The nest of sums (the same on every replica).
  """
  context = _replica_context_to_reduce()
  if context is None:
    return values
  return context.all_reduce(tf.distribute.ReduceOp.SUM, values)


def replica_mean(value: tf.Tensor, weight: Any = None) -> tf.Tensor:
  """The mean of `value` over the replicas, weighted by `weight` (e.g. batch sizes).

  Args:
    value: a tensor.
    weight: None (every replica counts the same) or a scalar per replica; replicas
      whose weights sum to zero give zeros.

  Returns:
    The (weighted) mean, the same on every replica; `value` itself with one replica.
  """
  if _replica_context_to_reduce() is None:
    return value
  value = tf.convert_to_tensor(value)
  if weight is None:
    weight = tf.ones([], value.dtype)
  weight = tf.cast(weight, value.dtype)
  total, total_weight = replica_sum((value * weight, weight))
  return tf.math.divide_no_nan(total, total_weight)


def cross_replica_moments(mean: tf.Tensor, variance: tf.Tensor, count: Any):
  """Combines per-replica batch moments into the moments of the global batch.

  Each replica passes the mean and biased variance of its own batch and the number of
  elements `count` they were computed from; replicas may have different counts (zero
  too). The global mean is the count-weighted mean of the means, the global variance
  the count-weighted mean of `variance + (mean - global_mean)**2` (exact, not
  `E[x**2] - E[x]**2`).

  Args:
    mean: per-replica mean.
    variance: per-replica biased variance, the shape of `mean`.
    count: per-replica number of elements (integer scalar).

  Returns:
    `(mean, variance, count)` of the global batch, the same on every replica; the
    inputs themselves with one replica. The count keeps its dtype.
  """
  if _replica_context_to_reduce() is None:
    return mean, variance, count
  count = tf.convert_to_tensor(count)
  n = tf.cast(count, mean.dtype)
  total_mean, total_n = replica_sum((mean * n, n))
  global_mean = tf.math.divide_no_nan(total_mean, total_n)
  spread = n * (variance + tf.math.squared_difference(mean, global_mean))
  global_variance = tf.math.divide_no_nan(replica_sum(spread), total_n)
  return global_mean, global_variance, tf.cast(total_n, count.dtype)


def check_variable(variable: Any, message: str = ERR_NOT_VARIABLE) -> None:
  """Raises `snt.NotSupportedError` (with `message`) if `variable` is not a variable."""
  if not isinstance(variable, tf.Variable):
    raise errors.NotSupportedError(message.format(value=variable))


def assign_moving_average(variable: tf.Variable, value: tf.Tensor, decay: Any,
                          has_data: Any = True) -> Any:
  """Assigns `variable <- decay * variable + (1 - decay) * value` (unless `has_data` is False).

  `value` must already be the same on every replica (reduce it with `replica_mean` or
  `cross_replica_moments` first, outside control flow); then every replica's copy of
  an ON_READ state variable gets the same update, with no synchronisation point here.

  Args:
    variable: a state variable (see `get_state_variable`).
    value: the new observation, broadcastable to (or reshapeable into) the variable's
      shape; cast to its dtype.
    decay: Python float or scalar tensor in [0, 1].
    has_data: bool or boolean scalar tensor; False leaves the variable as it is.

  Returns:
    The assign operation (None in eager mode).

  Raises:
    snt.NotSupportedError: if `variable` is not a variable.
  """
  check_variable(variable)
  current = tf.convert_to_tensor(variable)
  value = tf.reshape(tf.cast(value, variable.dtype), variable.shape)
  value = tf.where(has_data, value, current)
  delta = (current - value) * tf.cast(1.0 - decay, variable.dtype)
  return variable.assign_sub(delta, read_value=False)


def scatter_update(variable: tf.Variable, indices: tf.Tensor, updates: tf.Tensor) -> Any:
  """`variable.scatter_nd_update(indices, updates)`, also for a variable under a strategy.

  Distributed variables have no `scatter_nd_update`; their (replica-local) copy is
  assigned whole instead, which gives the same value.

  Args:
    variable: a state variable.
    indices: int tensor `[N, index_depth]`, as for `tf.tensor_scatter_nd_update`.
    updates: the new values at `indices`.

  Returns:
    The update operation.

  Raises:
    snt.NotSupportedError: if `variable` is not a variable.
  """
  check_variable(variable)
  if isinstance(variable, tf.distribute.DistributedValues):
    new_value = tf.tensor_scatter_nd_update(tf.convert_to_tensor(variable), indices, updates)
    return variable.assign(new_value)
  return variable.scatter_nd_update(indices, updates)
