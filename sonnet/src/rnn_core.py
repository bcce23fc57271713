# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""The recurrent core protocol: `RNNCore`, initial states and state checks.

A recurrent core maps `(inputs, prev_state)` to `(output, next_state)`. States and outputs
are nests (tuples, namedtuples, dicts) of tensors whose sizes, without the batch dimension,
are given by `state_size` and `output_size` (nests of `tf.TensorShape`). Swapping one core
for another therefore needs no other change in the user's code.
"""

import abc
import collections
from collections.abc import Callable, Sequence
from typing import Any
import warnings

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import errors
from sonnet.src import mixed_precision
from sonnet.src import nest_paths
from sonnet.src import variables

ERR_STATE_STRUCTURE = (
    "{module}: {arg} does not have the structure of the core's state_size {state_size}: "
    "{difference}.")
ERR_STATE_RANK = (
    "{module}: {arg} component {path} should have rank {expected} ([batch] + {size}), but has "
    "shape {shape}.")
ERR_STATE_SIZE = (
    "{module}: {arg} component {path} should have size {size} after the batch dimension, but "
    "has shape {shape}.")
ERR_STATE_BATCH = (
    "{module}: {arg} component {path} has batch size {actual}, but the inputs have batch size "
    "{expected}.")
ERR_STATE_DTYPE = (
    "{module}: {arg} component {path} has dtype {actual}, but the inputs have dtype "
    "{expected}; make the state in the inputs' dtype (e.g. "
    "core.initial_state(batch_size, dtype=inputs.dtype)), or cast one of them.")
ERR_INITIALIZERS_NOT_CALLABLE = "Not all the passed initializers are callable objects."
ERR_REGULARIZERS_NOT_CALLABLE = "Not all the passed regularizers are callable objects."
ERR_TRAINABLE_STRUCTURE = (
    "{arg} must be None or a nest with the structure of the state {state_size}: {error}")
ERR_ROWS_DIFFER = "All rows of initial_state[{}] must be equal."
ERR_INITIAL_STATE_NOT_LIFTABLE = (
    "TrainableInitialState: initial_state[{}] is a tensor computed inside the tf.function "
    "that first calls the module; the variable it initializes is created outside that "
    "function, so pass a value known there (a numpy array, constant or eager tensor).")
ERR_MASK_TYPE = "Mask should be None or a list of boolean values."
ERR_POSITIVE_INT = argument_checks.ERR_POSITIVE_INT
ERR_CLIP_VALUE = argument_checks.ERR_POSITIVE_NUMBER_OR_NONE
ERR_INPUT_RANK = (
    "{module}: inputs must have shape [batch_size, input_size] (rank 2), got shape {shape}.")
ERR_INPUT_UNKNOWN = (
    "{module}: the input size (last dimension of inputs) must be known statically, got "
    "shape {shape}.")
ERR_INPUT_DTYPE = "{module}: inputs must be floating point, got dtype {dtype}."
ERR_INPUT_SIZE = (
    "{module}: inputs have size {actual} on the last axis, but the module was first "
    "connected to inputs of size {expected}.")
ERR_BATCH_SIZE = "batch_size must be a non-negative integer or an integer scalar tensor, got {!r}."


# ----------------------------------------------------------------------------------------
# Paths into nests, so that error messages can name the offending state component. The
# walking is `nest_paths`'; paths here are strings like `prev_state.cell` or `s[1]['a']`.


def flatten_with_paths(structure: Any, prefix: str) -> Sequence[tuple[str, Any]]:
  """Flattens a nest (in `tf.nest.flatten` order) into `(path, leaf)` pairs.

  Args:
    structure: a nest; `tf.TensorShape`s are leaves.
    prefix: the name of the whole structure, e.g. `"prev_state"`.

  Returns:
    A list of `(path, leaf)`, paths like `"prev_state.cell"` or `"prev_state[1].hidden"`.
  """
  return nest_paths.flatten_with_paths(structure, path=prefix,
                                       extend=nest_paths.append_attribute)


def _describe(value: Any) -> str:
  if nest_paths.is_structure(value):
    if nest_paths.is_namedtuple(value):
      return f"a {type(value).__name__} with fields {value._fields}"
    if isinstance(value, collections.abc.Mapping):
      return f"a {type(value).__name__} with keys {sorted(value)}"
    return f"a {type(value).__name__} of length {len(value)}"
  if isinstance(value, tf.TensorShape):
    return f"a tensor of size {value}"
  return f"a leaf ({type(value).__name__})"


def _level_difference(expected: Any, actual: Any, path: str) -> str | None:
  """The `nest_paths` check of the cores: a message if the nests differ at this level.

  Sequence types are not compared (a tuple may stand for a namedtuple), only nesting,
  lengths, and keys (a mapping never stands for a sequence).
  """
  if not nest_paths.is_structure(expected):
    if nest_paths.is_structure(actual):
      return f"{path}: expected a tensor but got {_describe(actual)}"
    return None
  if not nest_paths.is_structure(actual):
    return f"{path}: expected {_describe(expected)} but got a tensor"
  exp_mapping = isinstance(expected, collections.abc.Mapping)
  act_mapping = isinstance(actual, collections.abc.Mapping)
  if exp_mapping != act_mapping or len(expected) != len(actual) or (
      exp_mapping and sorted(expected) != sorted(actual)):
    return f"{path}: expected {_describe(expected)} but got {_describe(actual)}"
  return None


def first_structure_difference(expected: Any, actual: Any, prefix: str) -> str | None:
  """Returns a message naming the first place where two nests differ, or None.

  Sequence types are not compared (a tuple may stand for a namedtuple), only nesting,
  lengths and dict keys.

  Args:
    expected: the expected nest (e.g. a core's `state_size`).
    actual: the nest to compare with it.
    prefix: the name of `actual`, e.g. `"prev_state"`, which starts the path.

  Returns:
    `"<path>: expected ... but got ..."`, or None if the nests agree.
  """
  return nest_paths.first_difference(expected, actual, _level_difference, path=prefix,
                                     extend=nest_paths.append_attribute)


def _shallow_level_error(shallow: Any, value: Any, path: str) -> ValueError | None:
  difference = _level_difference(shallow, value, path)
  return None if difference is None else ValueError(difference)


def flatten_up_to(shallow: Any, value: Any, arg_name: str = "value") -> Sequence[Any]:
  """Flattens `value` down to the leaves of `shallow`, which may be structures in `value`.

  The same walk as `snt.nest.flatten_up_to`, with the cores' rules and messages (those of
  `first_structure_difference`): sequence types are not compared, so a tuple may stand for
  a namedtuple, and errors name the path from `arg_name`.

  Args:
    shallow: the shallow nest (e.g. a core's `state_size`).
    value: a nest at least as deep as `shallow`.
    arg_name: the name of `value`, which starts the path in errors.

  Returns:
    The sub-structures of `value` at the leaves of `shallow`, in `tf.nest.flatten` order.

  Raises:
    ValueError: if `value` does not have the structure of `shallow` down to its leaves.
  """
  return nest_paths.flatten_up_to(shallow, value, _shallow_level_error, path=arg_name,
                                  extend=nest_paths.append_attribute)


def _as_shape(size: Any) -> tf.TensorShape:
  return size if isinstance(size, tf.TensorShape) else tf.TensorShape(size)


def check_state(state: Any,
                state_size: Any,
                *,
                module_name: str,
                arg_name: str,
                batch_size: Any = None,
                dtype: tf.DType | None = None) -> Any:
  """Checks a state against a core's `state_size` and packs it into the same structure.

  Checks run on static shapes, so they cost nothing at run time; dimensions not known
  statically are not checked.

  Args:
    state: the state given by the user (a nest of tensors, arrays or variables).
    state_size: the core's `state_size`.
    module_name: name of the core, for messages.
    arg_name: name of the argument, e.g. `"prev_state"` or `"initial_state"`.
    batch_size: the batch size of the inputs, if statically known (else None).
    dtype: the floating-point dtype of the inputs, if known (else None): floating-point
      components must have it.

  Returns:
    `state` packed into the structure of `state_size` (so a plain tuple given for an
    `LSTMState` comes back as an `LSTMState`), leaves converted to tensors.

  Raises:
    ValueError: if the nesting differs, naming the first differing component.
    snt.IncompatibleShapeError: if a component has the wrong rank, size or batch size.
    TypeError: if a floating-point component's dtype is not `dtype`.
  """
  difference = first_structure_difference(state_size, state, arg_name)
  if difference is not None:
    raise ValueError(ERR_STATE_STRUCTURE.format(
        module=module_name, arg=arg_name, state_size=state_size, difference=difference))
  flat_sizes = flatten_with_paths(state_size, arg_name)
  flat_state = [tf.convert_to_tensor(leaf) for leaf in tf.nest.flatten(state)]
  for (path, size), leaf in zip(flat_sizes, flat_state):
    if dtype is not None and leaf.dtype.is_floating and leaf.dtype.base_dtype != dtype:
      raise TypeError(ERR_STATE_DTYPE.format(
          module=module_name, arg=arg_name, path=path, actual=leaf.dtype.base_dtype.name,
          expected=tf.as_dtype(dtype).name))
    size = _as_shape(size)
    shape = leaf.shape
    if shape.rank is None or size.rank is None:
      continue
    if shape.rank != size.rank + 1:
      raise errors.IncompatibleShapeError(ERR_STATE_RANK.format(
          module=module_name, arg=arg_name, path=path, expected=size.rank + 1,
          size=size.as_list(), shape=shape))
    if not size.is_compatible_with(shape[1:]):
      raise errors.IncompatibleShapeError(ERR_STATE_SIZE.format(
          module=module_name, arg=arg_name, path=path, size=size.as_list(), shape=shape))
    batch_size = tf.compat.dimension_value(batch_size)  # A Dimension in TF1 legacy mode.
    if (batch_size is not None and tf.compat.dimension_value(shape[0]) is not None and
        int(shape[0]) != int(batch_size)):
      raise errors.IncompatibleShapeError(ERR_STATE_BATCH.format(
          module=module_name, arg=arg_name, path=path, actual=shape[0],
          expected=batch_size))
  return tf.nest.pack_sequence_as(state_size, flat_state)


def floating_dtype_of(inputs: Any) -> tf.DType | None:
  """The dtype of the first floating-point leaf of `inputs` (tensors or arrays), or None."""
  for leaf in tf.nest.flatten(inputs):
    leaf_dtype = getattr(leaf, "dtype", None)
    if leaf_dtype is None:
      continue
    try:
      leaf_dtype = tf.as_dtype(leaf_dtype)
    except TypeError:
      continue
    if leaf_dtype.is_floating:
      return leaf_dtype.base_dtype
  return None


# The attribute where a core keeps the floating-point dtype of its latest inputs.
_INPUT_DTYPE_ATTRIBUTE = "_snt_input_dtype"


def record_input_dtype(core: Any, inputs: Any) -> tf.DType | None:
  """Remembers the floating-point dtype of a core's inputs (for `state_dtype`).

  Returns:
    That dtype, or None if `inputs` has no floating-point leaf.
  """
  dtype = floating_dtype_of(inputs)
  if dtype is not None and core.__dict__.get(_INPUT_DTYPE_ATTRIBUTE) is not dtype:
    setattr(core, _INPUT_DTYPE_ATTRIBUTE, dtype)
  return dtype


def state_dtype(core: Any, dtype: Any) -> Any:
  """Resolves the `dtype` argument of `initial_state` / `zero_state`.

  Args:
    core: the core.
    dtype: the dtype asked for, or None for the default.

  Returns:
    `dtype` if given; else the compute dtype of an active mixed-precision policy (see
    `snt.mixed_precision`); else the floating-point dtype of the inputs of the core's latest
    call; else float32.
  """
  if dtype is not None:
    return dtype
  compute = mixed_precision.compute_dtype()
  if compute is not None:
    return compute
  return core.__dict__.get(_INPUT_DTYPE_ATTRIBUTE) or tf.float32


# ----------------------------------------------------------------------------------------
# Argument and input checks shared by the cores.


# The checks live in `argument_checks`; these names stay for the cores that import them.
check_positive_int = argument_checks.check_positive_int


def check_clip_value(module: str, arg: str, value: Any) -> float | None:
  """Checks an optional clip value: None or a positive number (see `argument_checks`)."""
  return argument_checks.check_positive_number(module, arg, value, allow_none=True,
                                               message=ERR_CLIP_VALUE)


def check_rank2_inputs(module: str, inputs: Any, expected_size: int | None) -> tf.Tensor:
  """Checks `[batch, input_size]` float inputs; returns them as a tensor.

  Raises:
    snt.IncompatibleShapeError: wrong rank, or a size other than `expected_size`.
    snt.UnderspecifiedError: unknown input size.
    TypeError: non-float inputs.
  """
  inputs = tf.convert_to_tensor(inputs)
  if inputs.shape.rank != 2:
    raise errors.IncompatibleShapeError(ERR_INPUT_RANK.format(module=module,
                                                              shape=inputs.shape))
  if tf.compat.dimension_value(inputs.shape[1]) is None:
    raise errors.UnderspecifiedError(ERR_INPUT_UNKNOWN.format(module=module,
                                                              shape=inputs.shape))
  if not inputs.dtype.is_floating:
    raise TypeError(ERR_INPUT_DTYPE.format(module=module, dtype=inputs.dtype.name))
  if expected_size is not None and inputs.shape[1] != expected_size:
    raise errors.IncompatibleShapeError(ERR_INPUT_SIZE.format(
        module=module, actual=inputs.shape[1], expected=expected_size))
  return inputs


def check_sequence_inputs(module: str, input_sequence: Any,
                          expected_size: int | None) -> tf.Tensor:
  """As `check_rank2_inputs`, for a time-major `[T, B, input_size]` sequence."""
  input_sequence = tf.convert_to_tensor(input_sequence)
  shape = input_sequence.shape
  if shape.rank != 3:
    raise errors.IncompatibleShapeError(ERR_INPUT_RANK.format(
        module=module, shape=shape[1:] if shape.rank else shape))
  step = tf.TensorShape(shape[1:])
  if tf.compat.dimension_value(step[1]) is None:
    raise errors.UnderspecifiedError(ERR_INPUT_UNKNOWN.format(module=module, shape=step))
  if not input_sequence.dtype.is_floating:
    raise TypeError(ERR_INPUT_DTYPE.format(module=module, dtype=input_sequence.dtype.name))
  if expected_size is not None and step[1] != expected_size:
    raise errors.IncompatibleShapeError(ERR_INPUT_SIZE.format(
        module=module, actual=step[1], expected=expected_size))
  return input_sequence


# ----------------------------------------------------------------------------------------
# Zero and trainable initial states.


def _check_batch_size(batch_size: Any) -> Any:
  batch_size = tf.compat.dimension_value(batch_size)  # A Dimension in TF1 legacy mode.
  if isinstance(batch_size, (int,)) and not isinstance(batch_size, bool):
    if batch_size < 0:
      raise ValueError(ERR_BATCH_SIZE.format(batch_size))
    return batch_size
  if tf.is_tensor(batch_size) and batch_size.dtype.is_integer and batch_size.shape.rank in (
      0, None):
    return batch_size
  if hasattr(batch_size, "__index__") and not isinstance(batch_size, bool):
    return int(batch_size)
  raise ValueError(ERR_BATCH_SIZE.format(batch_size))


def _batched_shape(batch_size: Any, size: tf.TensorShape) -> Any:
  if isinstance(batch_size, int):
    return [batch_size] + size.as_list()
  return tf.concat([tf.reshape(tf.cast(batch_size, tf.int32), [1]),
                    tf.constant(size.as_list(), tf.int32)], axis=0)


def zero_state_for(state_size: Any, batch_size: Any, dtype: Any = tf.float32) -> Any:
  """Zeros of shape `[batch_size] + size` for every leaf of `state_size`.

  Args:
    state_size: a nest of `tf.TensorShape` (or lists of ints).
    batch_size: a Python int or an int scalar tensor.
    dtype: a dtype, or a nest of dtypes with the structure of `state_size`.

  Returns:
    A nest of zero tensors with the structure of `state_size`.
  """
  batch_size = _check_batch_size(batch_size)
  sizes = tf.nest.flatten(state_size)
  if tf.nest.is_nested(dtype):
    dtypes = flatten_up_to(state_size, dtype, "dtype")
  else:
    dtypes = [dtype] * len(sizes)
  zeros = []
  for size, leaf_dtype in zip(sizes, dtypes):
    size = _as_shape(size)
    zero = tf.zeros(_batched_shape(batch_size, size), dtype=leaf_dtype)
    if not isinstance(batch_size, int):
      static_batch = tf.get_static_value(batch_size)
      zero.set_shape(tf.TensorShape([static_batch]).concatenate(size))
    zeros.append(zero)
  return tf.nest.pack_sequence_as(state_size, zeros)


def _leaf_suffixes(state_size: Any) -> Sequence[str]:
  """Variable-name suffixes per state leaf: field names for a flat namedtuple, else indices."""
  flat = tf.nest.flatten(state_size)
  if nest_paths.is_namedtuple(state_size) and len(state_size._fields) == len(flat):
    return list(state_size._fields)
  return [str(i) for i in range(len(flat))]


def _flatten_options(options: Any, state_size: Any, arg: str, error: str) -> Sequence[Any]:
  if options is None:
    return [None] * len(tf.nest.flatten(state_size))
  try:
    flat = flatten_up_to(state_size, options, arg)
  except (TypeError, ValueError) as e:
    raise ValueError(
        ERR_TRAINABLE_STRUCTURE.format(arg=arg, state_size=state_size, error=e)) from e
  if not all(option is None or callable(option) for option in flat):
    raise ValueError(error)
  return flat


def trainable_initial_state(batch_size: Any,
                            state_size: Any,
                            dtype: Any = tf.float32,
                            initializers: Any = None,
                            regularizers: Any = None,
                            name: str | None = None) -> Any:
  """Creates (or reuses) one trainable vector per state leaf and tiles it to the batch.

  The variables are made with `snt.get_variable` in the current module's scope, named
  `initial_state_<suffix>` (`suffix` is the field name for a flat namedtuple state such as
  `LSTMState`, the leaf index otherwise), shape `[1] + size`, zeros unless an initializer is
  given. Called again in the same scope it returns the same variables, not new ones (unlike
  Sonnet 1). Normally used through `core.initial_state(batch, trainable=True)`, which runs it
  inside the core's scope so the variables belong to the core.

  Args:
    batch_size: Python int or int scalar tensor.
    state_size: a nest of `tf.TensorShape`.
    dtype: the variables' dtype.
    initializers: None, or a nest with the structure of `state_size` of initializers (or
      None entries for the default, zeros).
    regularizers: None, or likewise a nest of regularizers.
    name: name scope for the tiling ops (default "trainable_initial_state").

  Returns:
    A nest with the structure of `state_size` of tensors `[batch_size] + size`.

  Raises:
    ValueError: if the initializers or regularizers do not match the state's structure
      or are not callable.
  """
  batch_size = _check_batch_size(batch_size)
  flat_sizes = [_as_shape(s) for s in tf.nest.flatten(state_size)]
  flat_init = _flatten_options(initializers, state_size, "initializers",
                               ERR_INITIALIZERS_NOT_CALLABLE)
  flat_reg = _flatten_options(regularizers, state_size, "regularizers",
                              ERR_REGULARIZERS_NOT_CALLABLE)
  suffixes = _leaf_suffixes(state_size)
  tiled = []
  with tf.name_scope(name or "trainable_initial_state"):
    for size, init, reg, suffix in zip(flat_sizes, flat_init, flat_reg, suffixes):
      variable = variables.get_variable(
          "initial_state_" + suffix, shape=[1] + size.as_list(), dtype=dtype,
          initializer=init or tf.zeros_initializer(), regularizer=reg, trainable=True)
      multiples = [batch_size] + [1] * size.rank
      tiled.append(tf.tile(variable, multiples, name=f"state_{suffix}_tiled"))
  return tf.nest.pack_sequence_as(state_size, tiled)


# ----------------------------------------------------------------------------------------
# The protocol.


class RNNCore(base.AbstractModule, metaclass=abc.ABCMeta):
  """Base class for recurrent cores.

  Subclasses implement `_build(inputs, prev_state) -> (output, next_state)` and the
  properties `state_size` and `output_size` (nests of `tf.TensorShape` without the batch
  dimension). Cores can be unrolled with `snt.dynamic_unroll` / `snt.static_unroll`, and in
  graph mode also passed to `tf.compat.v1.nn.dynamic_rnn` / `static_rnn` (they duck-type
  TensorFlow's RNN cells).
  """

  @property
  @abc.abstractmethod
  def state_size(self) -> Any:
    """Nest of `tf.TensorShape`: the state's sizes, without the batch dimension."""

  @property
  @abc.abstractmethod
  def output_size(self) -> Any:
    """Nest of `tf.TensorShape`: the output's sizes, without the batch dimension."""

  def initial_state(self,
                    batch_size: Any,
                    dtype: Any = None,
                    trainable: bool = False,
                    trainable_initializers: Any = None,
                    trainable_regularizers: Any = None,
                    name: str | None = None,
                    **unused_kwargs) -> Any:
    """Returns an initial state for this core.

    Args:
      batch_size: Python int or int scalar tensor.
      dtype: the state's dtype; default (None): the compute dtype of an active
        mixed-precision policy, else the floating-point dtype of the inputs of the core's
        latest call, else float32.
      trainable: if True, the initial state is learned: one variable per state leaf, owned
        by this core (`<core scope>/initial_state_<suffix>`), created on the first call and
        reused by later calls.
      trainable_initializers: with `trainable`, a nest matching `state_size` of
        initializers (default zeros).
      trainable_regularizers: with `trainable`, a nest matching `state_size` of
        regularizers.
      name: name scope for the ops (default `<module_name>_initial_state`).
      **unused_kwargs: accepted and ignored, so wrappers can forward options.

    Returns:
      A nest with the structure of `state_size` of tensors `[batch_size] + size`.

    Raises:
      ValueError: for a bad batch size, or initializers/regularizers that do not match the
        state's structure.
    """
    del unused_kwargs
    name = name or f"{self.module_name}_initial_state"
    dtype = state_dtype(self, dtype)
    if not trainable:
      with tf.name_scope(name):
        return self.zero_state(batch_size, dtype)
    with self._enter_variable_scope():
      return trainable_initial_state(
          batch_size, self.state_size, dtype, initializers=trainable_initializers,
          regularizers=trainable_regularizers, name=name)

  def zero_state(self, batch_size: Any, dtype: Any = None) -> Any:
    """Returns a state of zeros, `[batch_size] + size` per leaf of `state_size`.

    Args:
      batch_size: Python int or int scalar tensor.
      dtype: the dtype (or a nest of dtypes matching `state_size`); default as for
        `initial_state`.

    Returns:
      A nest with the structure of `state_size`.
    """
    return zero_state_for(self.state_size, batch_size, state_dtype(self, dtype))

  @property
  def _prev_state_sizes(self) -> Any:
    """The sizes a call checks `prev_state` against: `state_size`, unless a core computes
    with other sizes too (Sonnet 1's `VanillaRNN`), where they are left unknown."""
    return self.state_size

  def _check_prev_state(self, prev_state: Any, inputs: Any = None) -> Any:
    """Checks `prev_state` against `_prev_state_sizes` (static shapes and, given `inputs`,
    the inputs' floating-point dtype) and returns it packed."""
    batch = dtype = None
    if inputs is not None:
      first = tf.nest.flatten(inputs)[0]
      if first.shape.rank:
        batch = tf.compat.dimension_value(first.shape[0])
      dtype = record_input_dtype(self, inputs)
    return check_state(prev_state, self._prev_state_sizes, module_name=self.module_name,
                       arg_name="prev_state", batch_size=batch, dtype=dtype)

  def _prepare_unroll(self, input_sequence: Any) -> tuple[Any, Callable[[Any, Any], Any]]:
    """Hook for `snt.dynamic_unroll`: work done once per sequence instead of once per step.

    The default does nothing: it returns `(input_sequence, self)`. A core whose step starts
    with an input-only transformation (e.g. the input projection of an LSTM) can apply it to
    the whole time-major sequence in one large operation and return the transformed
    sequence with a step function consuming it. The step function must compute exactly
    what `self(inputs_t, prev_state)` computes.

    Args:
      input_sequence: the time-major input sequence, a nest of `[T, B, ...]` tensors.

    Returns:
      `(step_input_sequence, step_fn)`, `step_fn(step_inputs_t, prev_state)` returning
      `(output, next_state)`.
    """
    return input_sequence, self

  def _fused_unroll(self, input_sequence: Any, initial_state: Any,
                    sequence_length: tf.Tensor | None = None,
                    parallel_iterations: int = 10) -> tuple[Any, Any] | None:
    """Hook for `snt.dynamic_unroll`: the whole unroll in one fused computation.

    The default returns None, meaning "no fused path": `dynamic_unroll` then steps the
    core in a `tf.while_loop`. A core with a fused kernel (e.g. `snt.LSTM`) overrides this
    and may still return None for configurations the kernel does not cover. The result
    must equal the step-by-step unroll's.

    Args:
      input_sequence: the time-major input sequence, a nest of `[T, B, ...]` tensors.
      initial_state: the checked initial state.
      sequence_length: None, or an int32 `[B]` tensor of valid lengths; past its end
        outputs must be zero and the state held.
      parallel_iterations: as for `tf.while_loop`.

    Returns:
      None, or `(output_sequence, final_state)` with the outputs time-major.
    """
    del input_sequence, initial_state, sequence_length, parallel_iterations  # Unused.
    return None


class TrainableInitialState(base.AbstractModule):
  """Deprecated: a learned initial state initialised from a given state.

  Use `core.initial_state(batch_size, trainable=True)` instead.
  """

  def __init__(self, initial_state: Any, mask: Any = None,
               name: str = "trainable_initial_state"):
    """Constructs the module.

    Args:
      initial_state: a nest of tensors `[batch, ...]` whose rows are all equal; the first
        row initialises the variables.
      mask: None, or a nest of Python bools with the structure of `initial_state`; False
        leaves are returned unchanged instead of being learned.
      name: module name.

    Raises:
      TypeError: if `mask` is not None or a nest of bools matching `initial_state`.
    """
    super().__init__(name=name)
    warnings.warn("Use the trainable flag in initial_state instead.", DeprecationWarning,
                  stacklevel=2)
    if mask is not None:
      flat_mask = tf.nest.flatten(mask)
      if not all(isinstance(m, bool) for m in flat_mask):
        raise TypeError(ERR_MASK_TYPE)
      try:
        tf.nest.assert_same_structure(initial_state, mask, check_types=False)
      except (TypeError, ValueError) as e:
        raise TypeError(ERR_MASK_TYPE) from e
    self._initial_state = initial_state
    self._mask = mask

  def _build(self) -> Any:
    """Returns the learned initial state, tiled to the batch of the given state.

    Returns:
      A nest with the structure of the given initial state.

    Raises:
      tf.errors.InvalidArgumentError: (at run time) if the rows of the given state differ.
    """
    given = tf.nest.flatten(self._initial_state)
    flat_state = [tf.convert_to_tensor(s) for s in given]
    flat_mask = (tf.nest.flatten(self._mask) if self._mask is not None
                 else [True] * len(flat_state))
    outputs = []
    compute = mixed_precision.compute_dtype()
    for i, (state, learn) in enumerate(zip(flat_state, flat_mask)):
      if not learn:
        outputs.append(state)
        continue
      first_row = state[:1]
      check = tf.debugging.assert_equal(
          state, tf.broadcast_to(first_row, tf.shape(state)),
          message=ERR_ROWS_DIFFER.format(i))
      variable = variables.get_variable(
          f"initial_state_{i}", shape=first_row.shape,
          # Under mixed precision a float32 variable, read in the compute dtype.
          dtype=compute if compute is not None and state.dtype.is_floating else state.dtype,
          initializer=_first_row_initializer(given[i], i))
      with tf.control_dependencies([check]):
        multiples = tf.concat([tf.shape(state)[:1], tf.ones([state.shape.rank - 1],
                                                             tf.int32)], 0)
        outputs.append(tf.tile(variable, multiples))
    return tf.nest.pack_sequence_as(self._initial_state, outputs)


def _first_row_initializer(value: Any, index: int) -> Callable[..., tf.Tensor]:
  """Initializes a variable from the first row of `value`, as given to the constructor.

  Variables are initialized outside any `tf.function` being traced, so the initializer
  reads the value given at construction (an array, constant, eager tensor or variable, or a
  tensor of the TF1 graph) instead of a tensor computed inside the trace.
  """

  def initializer(shape, dtype=None, **unused_kwargs):
    del unused_kwargs
    source = value
    if tf.is_tensor(source) and not isinstance(source, tf.Variable):
      try:
        graph = source.graph
      except AttributeError:  # An eager tensor has no graph.
        graph = None
      # A symbolic tensor of another graph, or any symbolic one where the variable is
      # created eagerly (init_scope keeps the function graph as the default graph there).
      foreign = graph is not None and (
          tf.executing_eagerly() or graph is not tf.compat.v1.get_default_graph())
      if foreign:
        source = tf.get_static_value(source)
        if source is None:
          raise ValueError(ERR_INITIAL_STATE_NOT_LIFTABLE.format(index))
    tensor = tf.convert_to_tensor(source)
    # As Sonnet 1, the initial value also checks the rows (in TF1 graph mode, running the
    # variables' initializer fails on differing rows).
    check = tf.debugging.assert_equal(
        tensor, tf.broadcast_to(tensor[:1], tf.shape(tensor)),
        message=ERR_ROWS_DIFFER.format(index))
    with tf.control_dependencies([check]):
      return tf.reshape(tf.cast(tensor[:1], dtype or tensor.dtype), shape)

  return initializer


class CoreWrapper(RNNCore):
  """Base for a core around another core (`self._core`) whose state it keeps.

  `state_size`, `output_size`, `initial_state` and `zero_state` are the wrapped core's;
  subclasses implement `_build` and override what they change.
  """

  def __init__(self, core: Any, name: str):
    """Constructs the wrapper.

    Args:
      core: the wrapped core.
      name: module name.
    """
    super().__init__(name=name)
    self._core = core

  @property
  def state_size(self) -> Any:
    """Nest of `tf.TensorShape`: the state's sizes, without the batch dimension."""
    return self._core.state_size

  @property
  def output_size(self) -> Any:
    """Nest of `tf.TensorShape`: the output's sizes, without the batch dimension."""
    return self._core.output_size

  def initial_state(self, *args, **kwargs) -> Any:
    """The wrapped core's initial state (see `snt.RNNCore.initial_state`)."""
    return self._core.initial_state(*args, **kwargs)

  def zero_state(self, batch_size: Any, dtype: Any = None) -> Any:
    """The wrapped core's zero state (see `snt.RNNCore.zero_state`)."""
    return self._core.zero_state(batch_size, dtype)
