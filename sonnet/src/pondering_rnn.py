# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`ACTCore`: Adaptive Computation Time (Graves, 2016, arXiv:1603.08983).

At every time step the wrapped core "ponders": it is run repeatedly on the same input
(with an extra flag, 0 on the first ponder step and 1 afterwards) until, per example, the
sum of the halting probabilities `sigmoid(halting_linear(get_state_for_halting(state)))`
exceeds `threshold` (or `max_steps` ponder steps ran). Ponder step n gets weight `p_n =
h_n` for the steps before the last, and the remainder `R = 1 - sum_{n<N} h_n` for the last
step N; the output and the state are the `p`-weighted sums. The output goes through a
final `act_output_linear`.
"""

from collections.abc import Callable
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import errors
from sonnet.src import linear
from sonnet.src import rnn_core
from sonnet.src import types
from sonnet.src import util

ERR_CORE_OUTPUT = (
    "{module}: the core must have a single 1-D output, i.e. output_size a TensorShape of "
    "rank 1, got {actual}.")
ERR_THRESHOLD = "{module}: threshold must be a number in [0, 1], got {value!r}."
ERR_INPUT_RANK = "{module}: inputs must have shape [batch_size, input_size], got {actual}."


class ACTCore(rnn_core.CoreWrapper):
  """Adaptive computation time around a core (see the module docstring).

  `_build(x, prev_state)` returns `((output, (iterations, remainder)), state)`: `output`
  `[B, output_size]`, `iterations` `[B, 1]` the number of ponder steps N, `remainder`
  `[B, 1]` the remainder R (the ponder cost of Graves' paper is `N + R`).
  """

  def __init__(self,
               core: rnn_core.RNNCore,
               output_size: int,
               threshold: float,
               get_state_for_halting: Callable[[Any], tf.Tensor],
               max_steps: int = 0,
               initializers: types.Initializers | None = None,
               name: str = "act_core"):
    """Constructs the core.

    Args:
      core: the pondering core; its `output_size` must be a rank-1 `tf.TensorShape`.
      output_size: size of the final output (`act_output_linear`).
      threshold: halting threshold in [0, 1] (Graves uses 1 - epsilon).
      get_state_for_halting: maps the core's state to the `[B, D]` tensor the halting
        probability is computed from.
      max_steps: if positive, the most ponder steps per time step.
      initializers: optional dict with keys `halting_linear` and `act_output_linear`, each
        a dict for that `snt.Linear` (keys `w`, `b`).
      name: module name.

    Raises:
      ValueError: for a core without a single 1-D output, a threshold outside [0, 1], a
        negative `max_steps` or a non-positive `output_size`.
    """
    super().__init__(core, name)
    module = self.module_name
    core_output = core.output_size
    if not isinstance(core_output, tf.TensorShape) or core_output.rank != 1:
      raise ValueError(ERR_CORE_OUTPUT.format(module=module, actual=core_output))
    self._threshold = argument_checks.check_number_in_range(module, "threshold", threshold,
                                                            message=ERR_THRESHOLD)
    self._max_steps = argument_checks.check_non_negative_int(module, "max_steps", max_steps)
    self._output_size = argument_checks.check_positive_int(module, "output_size", output_size)
    self._get_state_for_halting = get_state_for_halting
    self._initializers = util.check_initializers(initializers,
                                                 {"halting_linear", "act_output_linear"})
    with self._enter_variable_scope():
      self._halting_linear = linear.Linear(
          1, name="halting_linear", initializers=self._initializers.get("halting_linear"))
      self._output_linear = linear.Linear(
          self._output_size, name="act_output_linear",
          initializers=self._initializers.get("act_output_linear"))
    self._batch_size = None
    self._dtype = None

  def _build(self, x: Any, prev_state: Any) -> tuple[tuple[tf.Tensor, tuple[tf.Tensor,
                                                                            tf.Tensor]], Any]:
    """Ponders on one input.

    Args:
      x: `[batch_size, input_size]`.
      prev_state: the core's state.

    Returns:
      `((output, (iterations, remainder)), next_state)`.

    Raises:
      snt.IncompatibleShapeError: for inputs not of rank 2.
    """
    x = tf.convert_to_tensor(x)
    if x.shape.rank != 2:
      raise errors.IncompatibleShapeError(ERR_INPUT_RANK.format(module=self.module_name,
                                                                actual=x.shape))
    dtype = x.dtype
    batch = tf.shape(x)[0]
    self._batch_size = tf.compat.dimension_value(x.shape[0])
    self._dtype = dtype
    column = tf.ones(tf.stack([batch, 1]), dtype)
    x_first = tf.concat([x, 0 * column], axis=1)
    x_later = tf.concat([x, column], axis=1)
    core_output_size = self._core.output_size[0]

    def zeros(width):
      return tf.zeros(tf.stack([batch, width]), dtype)

    cumulative_state = tf.nest.map_structure(tf.zeros_like, prev_state)

    def body(x_in, cumulative_output, state, cumulative_state, cumulative_halting,
             iteration, remainder):
      running = cumulative_halting < 1
      next_iteration = tf.where(running, iteration + 1, iteration)
      output, next_state = self._core(x_in, state)
      next_state = tf.nest.pack_sequence_as(state, tf.nest.flatten(next_state))
      halting = tf.sigmoid(self._halting_linear(self._get_state_for_halting(next_state)))
      raw = cumulative_halting + halting
      halt = raw > self._threshold
      if self._max_steps > 0:
        halt = tf.logical_or(halt, next_iteration >= self._max_steps)
      next_cumulative_halting = tf.where(running, tf.where(halt, tf.ones_like(raw), raw),
                                         cumulative_halting)
      next_remainder = tf.where(tf.logical_and(running, tf.logical_not(halt)), 1 - raw,
                                remainder)
      # p is h_n before the last step, the remainder at it, 0 once halted.
      p = next_cumulative_halting - cumulative_halting
      next_cumulative_state = tf.nest.map_structure(
          lambda c, s: c + _broadcast_weights(p, s) * s, cumulative_state, next_state)
      return (x_later, cumulative_output + p * output, next_state, next_cumulative_state,
              next_cumulative_halting, next_iteration, next_remainder)

    def cond(unused_x, unused_out, unused_state, unused_cumulative_state,
             cumulative_halting, unused_iteration, unused_remainder):
      return tf.reduce_any(cumulative_halting < 1)

    # The first ponder step runs outside the loop (creates variables, fixes shapes).
    loop_vars = body(x_first, zeros(core_output_size), prev_state, cumulative_state,
                     zeros(1), zeros(1), tf.ones_like(zeros(1)))
    (_, final_output, _, final_state, _, iterations, remainder) = tf.while_loop(
        cond, body, loop_vars)
    # Halting at the first step leaves the remainder at 1: R = 1 - (empty sum).
    act_output = self._output_linear(final_output)
    return (act_output, (iterations, remainder)), final_state

  @property
  def output_size(self) -> tuple[tf.TensorShape, tuple[tf.TensorShape, tf.TensorShape]]:
    """Nest of `tf.TensorShape`: the output's sizes, without the batch dimension."""
    return (tf.TensorShape([self._output_size]),
            (tf.TensorShape([1]), tf.TensorShape([1])))

  @property
  def batch_size(self) -> int | None:
    """The static batch size of the last connection (None if unknown).

    Raises:
      snt.NotConnectedError: before the first connection.
    """
    self._ensure_is_connected()
    return self._batch_size

  @property
  def dtype(self) -> tf.DType:
    """The dtype of the last connection's inputs.

    Raises:
      snt.NotConnectedError: before the first connection.
    """
    self._ensure_is_connected()
    return self._dtype


def _broadcast_weights(p: tf.Tensor, state: tf.Tensor) -> tf.Tensor:
  """Reshapes `[B, 1]` weights to broadcast against a state leaf of any rank."""
  rank = state.shape.rank
  if rank is None or rank == 2:
    return p
  return tf.reshape(p, [-1] + [1] * (rank - 1))
