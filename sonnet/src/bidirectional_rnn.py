# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`BidirectionalRNN`: one core reads a sequence forwards, another backwards."""

from collections.abc import Mapping
from typing import Any

import tensorflow as tf

from sonnet.src import base
from sonnet.src import rnn_core
from sonnet.src import types
from sonnet.src import unroll

ERR_BIDIRECTIONAL_STATE = (
    "{module}: state must be (forward_state, backward_state), got {state!r}.")
ERR_NOT_RECURRENT = (
    "{module}: {arg} must be a recurrent core (an snt.RNNCore, or a callable with "
    "state_size, output_size and initial_state), got {core!r}.")


def _is_recurrent(core: Any) -> bool:
  return callable(core) and all(
      hasattr(core, attr) for attr in ("state_size", "output_size", "initial_state"))


class _StatesAsOutputs:
  """Wraps a core for `snt.dynamic_unroll`: each step outputs `(output, next_state)`.

  Passes on the core's per-sequence work (`_prepare_unroll`), its `state_size` (for the
  initial state's checks) and its name (for messages).
  """

  def __init__(self, core: Any):
    self._core = core
    # Named as `snt.dynamic_unroll` names the core itself.
    self.module_name = (getattr(core, "module_name", None) or getattr(core, "name", None) or
                        repr(core))

  @property
  def state_size(self) -> Any:
    return self._core.state_size

  def __call__(self, inputs: Any, prev_state: Any) -> tuple[tuple[Any, Any], Any]:
    output, next_state = self._core(inputs, prev_state)
    return (output, next_state), next_state

  def _prepare_unroll(self, input_sequence: Any) -> tuple[Any, Any]:
    prepare = getattr(self._core, "_prepare_unroll", None)
    if prepare is None:
      return input_sequence, self
    sequence, step = prepare(input_sequence)
    if step is self._core:
      return input_sequence, self

    def step_with_state(inputs, prev_state):
      output, next_state = step(inputs, prev_state)
      return (output, next_state), next_state

    return sequence, step_with_state


class BidirectionalRNN(base.AbstractModule):
  """Runs one core forward and another backward over a sequence.

  Returns `{"outputs": {"forward": ..., "backward": ...}, "state": {"forward": ...,
  "backward": ...}}`: as in Sonnet 1, a state per step (`[T, B, ...]`, like the outputs).
  Both sequences are aligned with the input's time order and are zero past a sequence's
  end (`sequence_length`): `state["forward"][t]` is the forward core's state after reading
  steps `0..t`, `state["backward"][t]` the backward core's after reading steps `T-1..t`
  (so its final state is at step 0, the forward core's at the last valid step).
  """

  def __init__(self, forward_core: rnn_core.RNNCore, backward_core: rnn_core.RNNCore,
               name: str = "bidir_rnn"):
    """Constructs the module.

    Args:
      forward_core: the core reading the sequence from first to last step.
      backward_core: the core reading it from last to first step.
      name: module name.

    Raises:
      ValueError: if a core is not recurrent.
    """
    super().__init__(name=name)
    for arg, core in (("forward_core", forward_core), ("backward_core", backward_core)):
      if not _is_recurrent(core):
        raise ValueError(ERR_NOT_RECURRENT.format(module=self.module_name, arg=arg,
                                                  core=core))
    self._forward_core = forward_core
    self._backward_core = backward_core

  def _build(self, input_sequence: Any, state: tuple[Any, Any], sequence_length: Any = None,
             time_major: bool = True) -> Mapping[str, Mapping[str, Any]]:
    """Unrolls both cores with `snt.dynamic_unroll`.

    Args:
      input_sequence: nest of `[T, B, ...]` tensors (`[B, T, ...]` if not time_major).
      state: `(forward_initial_state, backward_initial_state)`.
      sequence_length: optional `[B]` valid lengths; the backward core reads each
        sequence from its own last valid step.
      time_major: layout of inputs and outputs.

    Returns:
      The dict described in the class docstring.

    Raises:
      ValueError: if `state` is not a pair of states, or a state does not have the
        structure of its core's state.
      snt.IncompatibleShapeError: as `snt.dynamic_unroll`.
    """
    if not isinstance(state, (tuple, list)) or len(state) != 2:
      raise ValueError(ERR_BIDIRECTIONAL_STATE.format(module=self.module_name, state=state))
    forward_state, backward_state = state
    # Sonnet 1 returned the states of every step: the cores' states are unrolled as outputs.
    (output_f, states_f), _ = unroll.dynamic_unroll(
        _StatesAsOutputs(self._forward_core), input_sequence, forward_state,
        sequence_length=sequence_length, time_major=time_major, name="forward_rnn")
    time_axis, batch_axis = (0, 1) if time_major else (1, 0)
    if sequence_length is not None:
      # As in the unroll, a length past the end means the whole sequence and a negative
      # one means none of it (tf.reverse_sequence would reject both).
      num_steps = tf.shape(tf.nest.flatten(input_sequence)[0], out_type=tf.int64)[time_axis]
      reverse_lengths = tf.clip_by_value(tf.cast(sequence_length, tf.int64), 0, num_steps)

    def reverse(x):
      if sequence_length is None:
        return tf.reverse(x, [time_axis])
      return tf.reverse_sequence(x, reverse_lengths, seq_axis=time_axis,
                                 batch_axis=batch_axis)

    reversed_inputs = tf.nest.map_structure(reverse, input_sequence)
    (output_b, states_b), _ = unroll.dynamic_unroll(
        _StatesAsOutputs(self._backward_core), reversed_inputs, backward_state,
        sequence_length=sequence_length, time_major=time_major, name="backward_rnn")
    output_b, states_b = tf.nest.map_structure(reverse, (output_b, states_b))
    return {"outputs": {"forward": output_f, "backward": output_b},
            "state": {"forward": states_f, "backward": states_b}}

  def initial_state(self,
                    batch_size: types.BatchSize,
                    dtype: types.DTypeLike | None = None,
                    trainable: bool = False,
                    name: str | None = None,
                    **kwargs) -> tuple[Any, Any]:
    """Returns `(forward core initial state, backward core initial state)`.

    Args:
      batch_size: Python int or int scalar tensor.
      dtype: the states' dtype; default: each core's own (see `snt.RNNCore.initial_state`).
      trainable: whether the initial states are learned (each core owns its variables).
      name: name scope (default `<module_name>_initial_state`).
      **kwargs: further `snt.RNNCore.initial_state` arguments, passed to both cores.

    Returns:
      A pair of states.
    """
    with tf.name_scope(name or f"{self.module_name}_initial_state"):
      return (self._forward_core.initial_state(batch_size, dtype=dtype, trainable=trainable,
                                               **kwargs),
              self._backward_core.initial_state(batch_size, dtype=dtype,
                                                trainable=trainable, **kwargs))

  @property
  def state_size(self) -> tuple[Any, Any]:
    """`(forward core state_size, backward core state_size)`."""
    return (self._forward_core.state_size, self._backward_core.state_size)

  @property
  def output_size(self) -> tuple[Any, Any]:
    """`(forward core output_size, backward core output_size)`."""
    return (self._forward_core.output_size, self._backward_core.output_size)

  @property
  def forward_core(self) -> Any:
    """The core reading the sequence from the first to the last step."""
    return self._forward_core

  @property
  def backward_core(self) -> Any:
    """The core reading the sequence from the last to the first step."""
    return self._backward_core
