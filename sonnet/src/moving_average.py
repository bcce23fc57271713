# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`MovingAverage`: an exponential moving average of the values a module is called with.

The first call stores its input; each later call returns
`decay * average + (1 - decay) * inputs` and stores it. The gradient of the output with
respect to `inputs` is the identity (it flows through the newest value, as in Sonnet 1),
so the average can stand in for a noisy loss term while still training what produced it.
"""

from typing import Any

import numpy as np
import tensorflow as tf

from sonnet.src import base
from sonnet.src import state_variables
from sonnet.src import variables

ERR_DECAY = "{module}: decay must be a number in [0, 1], but got {value!r}."
ERR_NOT_FLOAT = "{module}: Expected floating point type for inputs, got {dtype}."


def _update_average(average: tf.Variable, initialized: tf.Variable, inputs: tf.Tensor,
                    decay: float) -> tf.Tensor:
  """Assigns the next moving average (the inputs themselves the first time) and returns it.

  Kept as the one place that writes the state, so how the variables are updated (e.g.
  across replicas) can change here alone.

  Args:
    average: the variable holding the average.
    initialized: the boolean variable saying whether `average` holds a value yet.
    inputs: the new value, of the variable's shape and dtype.
    decay: the weight of the old average.

  Returns:
    The new average, readable once both variables are assigned.
  """
  decay_t = tf.cast(decay, inputs.dtype)
  blended = decay_t * average + (1 - decay_t) * inputs
  new_average = tf.where(tf.convert_to_tensor(initialized), blended, inputs)
  assign_average = average.assign(new_average)
  with tf.control_dependencies([assign_average]):
    assign_flag = initialized.assign(True, read_value=False)
  with tf.control_dependencies([assign_flag]):
    return tf.identity(assign_average)


class MovingAverage(base.AbstractModule):
  """An exponential moving average of the inputs, differentiable through the newest one.

  `MovingAverage(decay)(x)` returns the average after adding `x`: `x` itself on the first
  call (or after `reset()`), then `decay * previous + (1 - decay) * x`. The gradient with
  respect to `x` is the identity. The state lives in two non-trainable variables,
  `moving_average` (the shape and dtype of the inputs) and `initialized` (bool); in a
  `tf.compat.v1` graph they go in `LOCAL_VARIABLES` when `local=True` (as Sonnet 1, so
  `tf.compat.v1.train.Saver()` does not save them) and in `GLOBAL_VARIABLES` otherwise.

  In a graph, running the output runs the update; every call updates the same average.

  Args:
    decay: the weight of the previous average, in `[0, 1]` (default 0.99).
    local: graph mode only: whether the variables are local (default) or global.
    name: module name (default "moving_average").

  Raises:
    ValueError: if `decay` is not a number in `[0, 1]`.
  """

  def __init__(self, decay: float = 0.99, local: bool = True, name: str = "moving_average"):
    super().__init__(name=name)
    if (isinstance(decay, bool) or not isinstance(decay, (int, float, np.floating))
        or not 0.0 <= float(decay) <= 1.0):
      raise ValueError(ERR_DECAY.format(module=self.module_name, value=decay))
    self._decay = float(decay)
    self._local = bool(local)
    self._average: Any = None
    self._initialized: Any = None

  def _build(self, inputs: Any) -> tf.Tensor:
    """Adds `inputs` to the average and returns the new average.

    Args:
      inputs: a floating point tensor of fully defined shape (the same at every call).

    Returns:
      The new average, of the shape and dtype of `inputs`; its gradient with respect to
      `inputs` is the identity.

    Raises:
      ValueError: for non floating point inputs.
      snt.UnderspecifiedError: if the shape of the inputs is not fully defined at the
        first call.
      snt.IncompatibleShapeError: if the shape or dtype differs from the first call's.
    """
    inputs = tf.convert_to_tensor(inputs)
    if not inputs.dtype.is_floating:
      raise ValueError(ERR_NOT_FLOAT.format(module=self.module_name, dtype=inputs.dtype.name))
    collection = (tf.compat.v1.GraphKeys.LOCAL_VARIABLES if self._local
                  else tf.compat.v1.GraphKeys.GLOBAL_VARIABLES)
    # Under a tf.distribute strategy every replica keeps its own copy (ON_READ), all
    # updated with the mean of the replicas' inputs, so the copies agree.
    self._initialized = variables.get_variable(
        "initialized", shape=[], dtype=tf.bool, initializer=np.zeros([], np.bool_),
        trainable=False, collections=[collection],
        synchronization=state_variables.SYNCHRONIZATION,
        aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
    self._average = state_variables.get_state_variable(
        "moving_average", shape=inputs.shape, dtype=inputs.dtype,
        initializer=tf.compat.v1.zeros_initializer(), collections=[collection])
    average = _update_average(self._average, self._initialized,
                              state_variables.replica_mean(inputs), self._decay)
    # Forward: exactly the average (`x - x` is 0); backward: the identity to `inputs`.
    return tf.stop_gradient(average) + (inputs - tf.stop_gradient(inputs))

  def reset(self) -> Any:
    """Forgets the average: the next call starts again from its input.

    Returns:
      In a `tf.compat.v1` graph, the operation to run; None when executed eagerly (the
      state is reset at once; inside `tf.function` the reset runs with the function).

    Raises:
      snt.NotConnectedError: if the module was never called.
    """
    self._ensure_is_connected()
    reset_op = tf.group(
        self._average.assign(tf.zeros_like(self._average), read_value=False),
        self._initialized.assign(False, read_value=False), name="reset")
    # Only a tf.compat.v1 graph needs the op; tf.function cannot return one.
    return None if tf.compat.v1.executing_eagerly_outside_functions() else reset_op

  @property
  def decay(self) -> float:
    """The weight of the previous average."""
    return self._decay

  @property
  def local(self) -> bool:
    """Whether the variables go in the graph's `LOCAL_VARIABLES` collection."""
    return self._local
