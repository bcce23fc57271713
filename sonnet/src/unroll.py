# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Unrolling recurrent cores over sequences: `snt.dynamic_unroll` and `snt.static_unroll`.

Both take a core, a (nested) input sequence and an initial state and return
`(output_sequence, final_state)`. `dynamic_unroll` builds one `tf.while_loop` (so a compiled
training step does not grow with the sequence length); `static_unroll` is a Python loop.

With `sequence_length`, outputs past the end of each sequence are zero and each sequence's
final state is its state at its last valid step. A sequence of length 0 gives empty outputs
of the right shape and the initial state back.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import tensorflow as tf

from sonnet.src import errors
from sonnet.src import mixed_precision
from sonnet.src import rnn_core

ERR_EMPTY_INPUT = "{fn}: input_sequence must contain at least one tensor."
ERR_INPUT_RANK = (
    "{fn}: every input_sequence tensor needs a time and a batch dimension (rank >= 2), but "
    "input_sequence{path} has shape {shape}.")
ERR_TIME_MISMATCH = (
    "{fn}: all input_sequence tensors must have the same number of time steps; "
    "input_sequence{path} has {actual}, the first has {expected}.")
ERR_BATCH_MISMATCH = (
    "{fn}: all input_sequence tensors must have the same batch size; input_sequence{path} "
    "has {actual}, the first has {expected}.")
ERR_STATIC_TIME = (
    "static_unroll needs a statically known number of time steps, but input_sequence has "
    "shape {shape}; use snt.dynamic_unroll for sequences of unknown length.")
ERR_SEQUENCE_LENGTH_SHAPE = (
    "{fn}: sequence_length must be a vector of shape [batch_size] = [{batch}], got shape "
    "{shape}.")
ERR_SEQUENCE_LENGTH_DTYPE = "{fn}: sequence_length must be integer, got dtype {dtype}."
ERR_NO_INITIAL_STATE = (
    "{fn}: initial_state is None and the core {core} has no initial_state method to make "
    "one; pass the initial state.")
ERR_STATE_STRUCTURE_CHANGED = (
    "{fn}: the core {core} returned a next_state whose structure differs from prev_state: "
    "{difference}.")

_TIME_AXIS = 0
_BATCH_AXIS = 1


def project_sequence(sequence: tf.Tensor, weights: tf.Tensor,
                     bias: tf.Tensor | None) -> tf.Tensor:
  """`sequence @ weights (+ bias)` for a `[T, B, in]` sequence, as one matrix product."""
  shape = tf.shape(sequence)
  flat = tf.reshape(sequence, [-1, sequence.shape[-1]])
  projected = tf.matmul(flat, weights)
  if bias is not None:
    projected = tf.nn.bias_add(projected, bias)
  result = tf.reshape(projected, tf.concat([shape[:2], [weights.shape[-1]]], 0))
  result.set_shape(sequence.shape[:2].concatenate([weights.shape[-1]]))
  return result


class ProjectedInputs:
  """One step of an input sequence already transformed by `RNNCore._prepare_unroll`.

  Passed as `inputs` to the core's own `__call__` so the step runs in the core's scope;
  `extras` holds loop-invariant tensors computed once (e.g. weight slices).
  """

  __slots__ = ("value", "extras", "whole_sequence")

  def __init__(self, value: tf.Tensor, extras: Mapping[str, Any],
               whole_sequence: bool = False):
    self.value = value
    self.extras = extras
    self.whole_sequence = whole_sequence


def _core_name(core: Any) -> str:
  return getattr(core, "module_name", None) or getattr(core, "name", None) or repr(core)


def _to_time_major(tensor: tf.Tensor) -> tf.Tensor:
  perm = [1, 0] + list(range(2, tensor.shape.rank))
  return tf.transpose(tensor, perm)


def _prepare_inputs(fn: str, input_sequence: Any, time_major: bool):
  """Converts, checks and (if needed) transposes the inputs to time-major."""
  flat = [tf.convert_to_tensor(x) for x in tf.nest.flatten(input_sequence)]
  if not flat:
    raise ValueError(ERR_EMPTY_INPUT.format(fn=fn))
  paths = [p for p, _ in rnn_core.flatten_with_paths(input_sequence, "")]
  for path, x in zip(paths, flat):
    if x.shape.rank is None or x.shape.rank < 2:
      raise errors.IncompatibleShapeError(ERR_INPUT_RANK.format(fn=fn, path=path,
                                                                shape=x.shape))
  if not time_major:
    flat = [_to_time_major(x) for x in flat]
  # dimension_value: v1 shapes (TF1 legacy mode) hold Dimensions, never None.
  num_steps = tf.compat.dimension_value(flat[0].shape[_TIME_AXIS])
  batch = tf.compat.dimension_value(flat[0].shape[_BATCH_AXIS])
  for path, x in zip(paths[1:], flat[1:]):
    steps_x = tf.compat.dimension_value(x.shape[_TIME_AXIS])
    batch_x = tf.compat.dimension_value(x.shape[_BATCH_AXIS])
    if num_steps is not None and steps_x is not None and steps_x != num_steps:
      raise errors.IncompatibleShapeError(ERR_TIME_MISMATCH.format(
          fn=fn, path=path, actual=steps_x, expected=num_steps))
    if batch is not None and batch_x is not None and batch_x != batch:
      raise errors.IncompatibleShapeError(ERR_BATCH_MISMATCH.format(
          fn=fn, path=path, actual=batch_x, expected=batch))
    num_steps = num_steps if num_steps is not None else steps_x
    batch = batch if batch is not None else batch_x
  return flat, num_steps, batch


def _cast_for_mixed_precision(input_sequence: Any, initial_state: Any) -> tuple[Any, Any]:
  """Under a mixed-precision policy, the floating-point inputs and state in its compute
  dtype (the core would cast each step; the loop needs the state's dtype fixed first)."""
  compute = mixed_precision.compute_dtype()
  if compute is None:
    return input_sequence, initial_state
  (input_sequence, initial_state), _ = mixed_precision.cast_inputs(
      (input_sequence, initial_state), {}, compute)
  return input_sequence, initial_state


def _check_initial_state(fn: str, core: Any, initial_state: Any, batch: int | None,
                         flat_inputs: Sequence[tf.Tensor]):
  """Static checks of the initial state against the core (when it exposes state_size);
  None makes the core's initial state in the inputs' floating-point dtype."""
  dtype = rnn_core.floating_dtype_of(flat_inputs)
  if initial_state is None:
    make = getattr(core, "initial_state", None)
    if not callable(make):
      raise ValueError(ERR_NO_INITIAL_STATE.format(fn=fn, core=_core_name(core)))
    batch_size = batch if batch is not None else tf.shape(flat_inputs[0])[_BATCH_AXIS]
    initial_state = make(batch_size, dtype=dtype)
  try:
    state_size = core.state_size
  except (errors.Error, AttributeError, NotImplementedError):
    state_size = None
  if state_size is None:
    return tf.nest.map_structure(tf.convert_to_tensor, initial_state)
  return rnn_core.check_state(initial_state, state_size, module_name=_core_name(core),
                              arg_name="initial_state", batch_size=batch, dtype=dtype)


def _prepare_sequence_length(fn: str, sequence_length: Any, batch: int | None):
  if sequence_length is None:
    return None
  sequence_length = tf.convert_to_tensor(sequence_length)
  if not sequence_length.dtype.is_integer:
    raise TypeError(ERR_SEQUENCE_LENGTH_DTYPE.format(fn=fn, dtype=sequence_length.dtype.name))
  shape = sequence_length.shape
  if shape.rank is not None and (shape.rank != 1 or (
      batch is not None and tf.compat.dimension_value(shape[0]) is not None and
      shape[0] != batch)):
    raise errors.IncompatibleShapeError(ERR_SEQUENCE_LENGTH_SHAPE.format(
        fn=fn, batch=batch if batch is not None else "?", shape=shape))
  return tf.cast(sequence_length, tf.int32)


def _mask_like(valid: tf.Tensor, tensor: tf.Tensor) -> tf.Tensor:
  """Reshapes a [batch] bool vector to broadcast against `tensor` ([batch, ...])."""
  rank = tensor.shape.rank
  if rank is None:
    return tf.reshape(valid, tf.concat([tf.shape(valid), tf.ones([tf.rank(tensor) - 1],
                                                                  tf.int32)], 0))
  return tf.reshape(valid, [-1] + [1] * (rank - 1))


def _select(valid: tf.Tensor, new: Any, old: Any) -> Any:
  return tf.nest.map_structure(lambda n, o: tf.where(_mask_like(valid, n), n, o), new, old)


def _zero_past_end(valid: tf.Tensor, output: Any) -> Any:
  return tf.nest.map_structure(
      lambda o: tf.where(_mask_like(valid, o), o, tf.zeros_like(o)), output)


def _check_same_structure(fn: str, core: Any, prev_state: Any, next_state: Any):
  difference = rnn_core.first_structure_difference(prev_state, next_state, "next_state")
  if difference is not None:
    raise ValueError(ERR_STATE_STRUCTURE_CHANGED.format(fn=fn, core=_core_name(core),
                                                        difference=difference))


def _pack_state_like(prev_state: Any, next_state: Any) -> Any:
  """Packs `next_state` into the exact structure (types) of `prev_state`."""
  return tf.nest.pack_sequence_as(prev_state, tf.nest.flatten(next_state))


def _masked_step(fn: str, core: Any, step_fn: Any, t: Any, inputs_t: Any, state: Any,
                 sequence_length: tf.Tensor | None) -> tuple[Any, Any]:
  """One step; past a sequence's end its output is zero and its state is held."""
  output, next_state = step_fn(inputs_t, state)
  _check_same_structure(fn, core, state, next_state)
  next_state = _pack_state_like(state, next_state)
  if sequence_length is not None:
    valid = t < sequence_length
    output = _zero_past_end(valid, output)
    next_state = _select(valid, next_state, state)
  return output, next_state


def _empty_outputs(probe_output: Any, batch_size: Any) -> Any:
  """Zero-length `[0, batch, ...]` outputs shaped like one step's outputs."""
  def empty(o):
    dims = []
    for i, d in enumerate(o.shape.as_list()):
      if d is not None:
        dims.append(d)
      elif i == 0:
        dims.append(batch_size)
      else:
        dims.append(tf.shape(o)[i])
    shape = tf.stack([tf.constant(0, tf.int32)] + [tf.cast(d, tf.int32) for d in dims])
    result = tf.zeros(shape, o.dtype)
    result.set_shape(tf.TensorShape([0]).concatenate(o.shape))
    return result
  return tf.nest.map_structure(empty, probe_output)


def _zeros_for_one_step(sequence: tf.Tensor) -> tf.Tensor:
  """Zeros shaped like one time step of a time-major sequence (static shape kept)."""
  step_shape = sequence.shape[1:]
  if step_shape.is_fully_defined():
    return tf.zeros(step_shape, sequence.dtype)
  zeros = tf.zeros(tf.shape(sequence)[1:], sequence.dtype)
  zeros.set_shape(step_shape)
  return zeros


def _restore_batch_major(output_sequence: Any, time_major: bool) -> Any:
  if time_major:
    return output_sequence
  return tf.nest.map_structure(_to_time_major, output_sequence)


def _with_static_steps(output: tf.Tensor, num_steps: int | None) -> tf.Tensor:
  """Gives a time-major output the statically known number of steps.

  A fused unroll stacks its outputs from a loop, which leaves the time axis unknown in
  graphs; the generic path keeps it, and so must every path.
  """
  if num_steps is not None and output.shape.rank is not None and output.shape.rank >= 1:
    output.set_shape(tf.TensorShape([num_steps]).concatenate(output.shape[1:]))
  return output


def _shape_invariant(*tensors: tf.Tensor) -> tf.TensorShape:
  shape = tensors[0].shape
  for t in tensors[1:]:
    shape = shape.most_specific_compatible_shape(t.shape)
  return shape


@tf.autograph.experimental.do_not_convert
def dynamic_unroll(core: Any,
                   input_sequence: Any,
                   initial_state: Any = None,
                   sequence_length: Any = None,
                   time_major: bool = True,
                   parallel_iterations: int = 10,
                   swap_memory: bool = False,
                   name: str | None = None) -> tuple[Any, Any]:
  """Unrolls a core over a sequence with one `tf.while_loop`.

  The loop is built once whatever the sequence length, so a `tf.function` training step
  stays small. A core may do per-sequence work before the loop (an LSTM projects the whole
  input sequence with one matrix product; see `RNNCore._prepare_unroll`). The first step
  runs before the loop when the number of steps is statically known and positive (this
  creates the core's variables and fixes the shapes of its outputs).

  Args:
    core: an `snt.RNNCore`, or any callable `(inputs, prev_state) -> (output, next_state)`.
    input_sequence: a nest of tensors `[T, B, ...]` (or `[B, T, ...]` if not
      `time_major`). T may be unknown statically, or 0.
    initial_state: the core's initial state (a nest of `[B, ...]` tensors); None (the
      default): `core.initial_state(B, dtype=<the inputs' floating-point dtype>)`. Its
      floating-point components must have the inputs' dtype. Under a mixed-precision
      policy (`snt.mixed_precision`) inputs and state are cast to the compute dtype.
    sequence_length: optional int vector `[B]`: the valid length of each sequence. Outputs
      at and past `sequence_length[b]` are zero; the final state of sequence b is its state
      after step `sequence_length[b] - 1` (the initial state if 0). A length above T
      counts as T, a negative one as 0.
    time_major: whether inputs and outputs are `[T, B, ...]` (True) or `[B, T, ...]`.
    parallel_iterations: passed to `tf.while_loop`.
    swap_memory: passed to `tf.while_loop`.
    name: name scope (default "dynamic_unroll").

  Returns:
    `(output_sequence, final_state)`: outputs stacked over time (time-major iff
    `time_major`) and the final state.

  Raises:
    ValueError: if the initial state does not have the structure of the core's state, or
      the core changes the structure of its state.
    snt.IncompatibleShapeError: if inputs have rank < 2, disagree on time or batch, or a
      state component has the wrong size or batch size.
    TypeError: if a floating-point state component's dtype is not the inputs' dtype.
  """
  fn = "dynamic_unroll"
  with tf.name_scope(name or fn):
    input_sequence, initial_state = _cast_for_mixed_precision(input_sequence, initial_state)
    flat_inputs, num_steps, batch = _prepare_inputs(fn, input_sequence, time_major)
    initial_state = _check_initial_state(fn, core, initial_state, batch, flat_inputs)
    sequence_length = _prepare_sequence_length(fn, sequence_length, batch)
    batch_size = batch if batch is not None else tf.shape(flat_inputs[0])[_BATCH_AXIS]
    num_steps_t = (tf.constant(num_steps, tf.int32) if num_steps is not None else
                   tf.shape(flat_inputs[0])[_TIME_AXIS])
    time_major_inputs = tf.nest.pack_sequence_as(input_sequence, flat_inputs)

    # Only RNNCores declare the fused hook; other callables take the generic path.
    if isinstance(core, rnn_core.RNNCore) and (
        (num_steps is not None and num_steps > 0) or batch is not None):
      result = core._fused_unroll(  # noqa: SLF001 (RNNCore's hook for unrolls)
          time_major_inputs, initial_state, sequence_length, parallel_iterations)
      if result is not None:
        output_sequence, final_state = result
        output_sequence = tf.nest.map_structure(
            lambda o: _with_static_steps(o, num_steps), output_sequence)
        return _restore_batch_major(output_sequence, time_major), final_state

    prepare = getattr(core, "_prepare_unroll", None)
    step_inputs, step_fn = (prepare(time_major_inputs) if prepare is not None else
                            (time_major_inputs, core))
    flat_step_inputs = tf.nest.flatten(step_inputs)

    def step(t, inputs_t, state):
      return _masked_step(fn, core, step_fn, t, inputs_t, state, sequence_length)

    # Reading steps from TensorArrays keeps the gradient sparse: slicing a captured
    # sequence would make every step's gradient a dense [T, B, ...] tensor.
    input_arrays = [
        tf.TensorArray(x.dtype, size=num_steps_t, element_shape=x.shape[1:]).unstack(x)
        for x in flat_step_inputs]

    def inputs_at(t):
      return tf.nest.pack_sequence_as(step_inputs, [ta.read(t) for ta in input_arrays])

    if num_steps is not None and num_steps > 0:
      # First step outside the loop: creates variables, gives the output structure.
      first_output, first_state = step(tf.constant(0), inputs_at(0), initial_state)
      start, loop_state, probe_output = 1, first_state, first_output
    else:
      # Unknown (maybe zero) length: a probe step on zeros gives the output structure and
      # creates variables; in a graph its results are unused (pruned), eagerly T is known.
      probe_inputs = tf.nest.map_structure(_zeros_for_one_step, step_inputs)
      probe_output, probe_state = step_fn(probe_inputs, initial_state)
      _check_same_structure(fn, core, initial_state, probe_state)
      first_output, first_state = None, _pack_state_like(initial_state, probe_state)
      start, loop_state = 0, initial_state
      if num_steps == 0:
        return (_restore_batch_major(_empty_outputs(probe_output, batch_size), time_major),
                initial_state)

    flat_probe = tf.nest.flatten(probe_output)
    output_arrays = [
        tf.TensorArray(o.dtype, size=num_steps_t, element_shape=o.shape,
                       clear_after_read=True) for o in flat_probe]
    if first_output is not None:
      output_arrays = [ta.write(0, o) for ta, o in zip(output_arrays, flat_probe)]
    # Invariants accept both the entering state and one step's state (e.g. an unknown batch
    # from the inputs replacing the static batch of a zero state).
    loop_flat_state = tf.nest.flatten(loop_state)
    state_invariants = [
        _shape_invariant(s, n) for s, n in zip(loop_flat_state, tf.nest.flatten(first_state))]

    def cond(t, *unused):
      del unused
      return t < num_steps_t

    def body(t, arrays, flat_state):
      state = tf.nest.pack_sequence_as(loop_state, flat_state)
      output, next_state = step(t, inputs_at(t), state)
      arrays = [ta.write(t, o) for ta, o in zip(arrays, tf.nest.flatten(output))]
      return t + 1, arrays, tf.nest.flatten(next_state)

    _, output_arrays, final_flat = tf.while_loop(
        cond, body, (tf.constant(start), output_arrays, loop_flat_state),
        shape_invariants=(tf.TensorShape([]), [tf.TensorShape(None) for _ in flat_probe],
                          state_invariants),
        parallel_iterations=parallel_iterations, swap_memory=swap_memory,
        maximum_iterations=num_steps_t)
    final_state = tf.nest.pack_sequence_as(loop_state, final_flat)

    if num_steps is not None:
      outputs = [ta.stack() for ta in output_arrays]
    else:
      empty = tf.nest.flatten(_empty_outputs(probe_output, batch_size))
      outputs = [
          tf.cond(num_steps_t > 0, ta.stack, lambda e=e: e)
          for ta, e in zip(output_arrays, empty)]
    for o, p in zip(outputs, flat_probe):
      o.set_shape(tf.TensorShape([num_steps]).concatenate(p.shape))
    output_sequence = tf.nest.pack_sequence_as(probe_output, outputs)
    return _restore_batch_major(output_sequence, time_major), final_state


@tf.autograph.experimental.do_not_convert
def static_unroll(core: Any,
                  input_sequence: Any,
                  initial_state: Any = None,
                  sequence_length: Any = None,
                  time_major: bool = True,
                  name: str | None = None) -> tuple[Any, Any]:
  """Unrolls a core over a sequence with a Python loop (one set of ops per step).

  Same arguments, results and errors as `snt.dynamic_unroll`, but the number of time
  steps must be known statically.

  Args:
    core: an `snt.RNNCore`, or any callable `(inputs, prev_state) -> (output, next_state)`.
    input_sequence: a nest of tensors `[T, B, ...]` (or `[B, T, ...]` if not `time_major`)
      with T statically known.
    initial_state: the core's initial state; None (the default): as for `dynamic_unroll`.
    sequence_length: optional int vector `[B]` of valid lengths.
    time_major: whether inputs and outputs are `[T, B, ...]` (True) or `[B, T, ...]`.
    name: name scope (default "static_unroll").

  Returns:
    `(output_sequence, final_state)`.

  Raises:
    ValueError: as `dynamic_unroll`, and if T is not statically known.
    snt.IncompatibleShapeError: as `dynamic_unroll`.
  """
  fn = "static_unroll"
  with tf.name_scope(name or fn):
    input_sequence, initial_state = _cast_for_mixed_precision(input_sequence, initial_state)
    flat_inputs, num_steps, batch = _prepare_inputs(fn, input_sequence, time_major)
    if num_steps is None:
      raise ValueError(ERR_STATIC_TIME.format(shape=flat_inputs[0].shape))
    initial_state = _check_initial_state(fn, core, initial_state, batch, flat_inputs)
    sequence_length = _prepare_sequence_length(fn, sequence_length, batch)
    batch_size = batch if batch is not None else tf.shape(flat_inputs[0])[_BATCH_AXIS]
    if num_steps == 0:
      probe_inputs = tf.nest.pack_sequence_as(
          input_sequence, [_zeros_for_one_step(x) for x in flat_inputs])
      probe_output, _ = core(probe_inputs, initial_state)
      return (_restore_batch_major(_empty_outputs(probe_output, batch_size), time_major),
              initial_state)
    unstacked = [tf.unstack(x, num=num_steps, axis=_TIME_AXIS) for x in flat_inputs]
    state = initial_state
    outputs = []
    for t in range(num_steps):
      inputs_t = tf.nest.pack_sequence_as(input_sequence, [u[t] for u in unstacked])
      output, next_state = _masked_step(fn, core, core, t, inputs_t, state, sequence_length)
      outputs.append(output)
      state = next_state
    output_sequence = tf.nest.map_structure(lambda *steps: tf.stack(steps), *outputs)
    return _restore_batch_major(output_sequence, time_major), state
