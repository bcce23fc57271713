# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Basic modules: `AddBias`, `ConcatLinear`, `TrainableVariable`, `SelectInput`."""

from collections.abc import Callable, Sequence
import math
import numbers
from typing import Any

import numpy as np
import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import errors
from sonnet.src import initializers as snt_initializers
from sonnet.src import linear
from sonnet.src import types
from sonnet.src import util
from sonnet.src import variables

ERR_BIAS_BATCH_DIM = "{module}: Cannot apply bias across the minibatch dimension."
ERR_BIAS_DIMS = ("{module}: bias_dims must be None or a sequence of integers, but got "
                 "{value!r}.")
ERR_BIAS_DIM_RANGE = ("{module}: bias dimension {dim} is out of range for an input of rank "
                      "{rank}.")
ERR_RANK_AT_LEAST_2 = ("{module}: rank of input shape must be >= 2 (batch first), but the "
                       "shape was {shape}.")
ERR_INPUT_CHANGED = ("{module}: Input shape has changed: the non-batch shape was {expected} at "
                     "the first call and is now {actual}.")
ERR_OUTPUT_SHAPE = "{module}: Input shape must be {expected} not: {actual}."
ERR_PARENT_NOT_BUILT = ("{module}: Build the original untransposed module before building "
                        "this one.")
ERR_BIAS_UNKNOWN = ("{module}: dimension {dim} of the input must be known at build time to "
                    "create the bias; input shape was {shape}.")
ERR_NOT_FLOAT = "{module}: Expected floating point type for inputs, got {dtype}."
ERR_TRAINABLE_SHAPE = ("{module}: shape must be a sequence of positive integers, but got "
                       "{value!r}.")
ERR_TRAINABLE_DTYPE = "{module}: Expected floating point type for the variable, got {dtype}."
# Sonnet 1's texts (after our module-name prefix).
ERR_IDX_TYPE = "{module}: `idx` should be a (nested) array/tuple, or an integer."
ERR_IDX_RANGE = ("{module}: `idx` contains out of bound entries (they should be in the range "
                 "[0, {n}))")
ERR_CONCAT_INPUTS = ("{module}: inputs_list must be a non-empty list or tuple of tensors of "
                     "rank 2 [batch_size, size], but got {value!r}.")
ERR_CONCAT_DTYPES = ("{module}: every tensor in inputs_list must have the same dtype, but got "
                     "{dtypes}.")
ERR_CONCAT_BATCH = ("{module}: every tensor in inputs_list must have the same batch size, but "
                    "got shapes {shapes}.")


def calculate_bias_shape(input_shape: Sequence[int | None], bias_dims, module: str
                         ) -> tuple[int | None, ...]:
  """Sonnet 1's bias shape for an input shape and `bias_dims` (None, [] or dims).

  Raises:
    ValueError: if `bias_dims` contains the batch dimension.
  """
  rank = len(input_shape)
  if bias_dims is None:
    return tuple(input_shape[1:])
  if not bias_dims:
    return ()
  shape = [1] * rank
  for dim in bias_dims:
    if not -rank <= dim < rank:
      raise errors.IncompatibleShapeError(ERR_BIAS_DIM_RANGE.format(module=module, dim=dim,
                                                                   rank=rank))
    dim %= rank
    if dim == 0:
      raise ValueError(ERR_BIAS_BATCH_DIM.format(module=module))
    shape[dim] = input_shape[dim]
  start = rank
  for dim in range(1, rank):
    if shape[dim] != 1:
      start = dim
      break
  return tuple(shape[start:])


class AddBias(base.AbstractModule, base.Transposable):
  """Adds a bias, broadcast over the batch (and optionally over other dimensions).

  `outputs = inputs + multiplier * b`. With `bias_dims=None` the bias covers every
  non-batch dimension; `[]` gives a scalar bias; a list of dimensions (negative allowed)
  keeps those and broadcasts over the others (input `[B, d1, d2, d3]` with `bias_dims=[1]`
  gives `b` of shape `(d1, 1, 1)`).

  Args:
    output_shape: optional expected input shape (the batch entry is ignored), or a
      callable returning it (used by `transpose()`).
    bias_dims: None, [] or a sequence of dimensions the bias varies along.
    initializers, partitioners, regularizers: dicts keyed by "b" (default zeros).
    custom_getter: custom getter(s) for the variable.
    name: module name (default "add").

  Raises:
    ValueError: `bias_dims` containing the batch dimension 0 (checked at the call).
    TypeError: bad `bias_dims`; KeyError / TypeError: bad dicts.
  """

  POSSIBLE_INITIALIZER_KEYS = {"b"}

  def __init__(self,
               output_shape: None | types.ShapeLike | Callable[[], types.ShapeLike] = None,
               bias_dims: Sequence[int] | None = None,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "add"):
    super().__init__(name=name, custom_getter=custom_getter)
    if bias_dims is not None and not (
        isinstance(bias_dims, (list, tuple)) and
        all(argument_checks.is_integer(d) for d in bias_dims)):
      raise TypeError(ERR_BIAS_DIMS.format(module=self.module_name, value=bias_dims))
    self._output_shape = output_shape
    self._bias_dims = None if bias_dims is None else tuple(int(d) for d in bias_dims)
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, self.POSSIBLE_INITIALIZER_KEYS)
    self._ctor_kwargs: dict[str, Any] = dict(
        initializers=initializers, partitioners=partitioners, regularizers=regularizers,
        custom_getter=custom_getter)
    self._input_shape: tuple[int | None, ...] | None = None
    self._b = None

  def _build(self, inputs: tf.Tensor, multiplier: float | tf.Tensor = 1) -> tf.Tensor:
    """Adds `multiplier * b` to `inputs`.

    Args:
      inputs: a floating point tensor of rank >= 2, batch first.
      multiplier: a number or tensor the bias is scaled by (broadcast against the bias).

    Returns:
      `inputs + multiplier * b`.

    Raises:
      errors.IncompatibleShapeError: rank < 2, a changed non-batch shape, or a shape other
        than `output_shape`.
      errors.ParentNotBuiltError: for a transpose whose original was not connected.
      errors.UnderspecifiedError: if a dimension the bias covers is unknown.
      ValueError: bias across the batch dimension, or a non floating point input.
    """
    inputs = tf.convert_to_tensor(inputs)
    label = self.module_name
    if inputs.shape.rank is None or inputs.shape.rank < 2:
      raise errors.IncompatibleShapeError(ERR_RANK_AT_LEAST_2.format(
          module=label, shape=None if inputs.shape.rank is None else tuple(inputs.shape)))
    if not inputs.dtype.is_floating:
      raise ValueError(ERR_NOT_FLOAT.format(module=label, dtype=inputs.dtype.name))
    input_shape = tuple(inputs.shape.as_list())
    bias_shape = calculate_bias_shape(input_shape, self._bias_dims, label)
    if self._input_shape is not None and input_shape[1:] != self._input_shape[1:]:
      raise errors.IncompatibleShapeError(ERR_INPUT_CHANGED.format(
          module=label, expected=self._input_shape[1:], actual=input_shape[1:]))
    output_shape = self._output_shape
    if callable(output_shape):
      try:
        output_shape = output_shape()
      except errors.NotConnectedError:
        output_shape = None
      if output_shape is None:
        raise errors.ParentNotBuiltError(ERR_PARENT_NOT_BUILT.format(module=label))
    if output_shape is not None and tuple(output_shape)[1:] != input_shape[1:]:
      raise errors.IncompatibleShapeError(ERR_OUTPUT_SHAPE.format(
          module=label, expected=tuple(output_shape), actual=input_shape))
    for dim, size in enumerate(bias_shape):
      if size is None:
        raise errors.UnderspecifiedError(ERR_BIAS_UNKNOWN.format(
            module=label, dim=len(input_shape) - len(bias_shape) + dim, shape=input_shape))
    b = variables.get_variable(
        "b", shape=bias_shape, dtype=inputs.dtype,
        initializer=self._initializers.get("b", snt_initializers.zeros),
        regularizer=self._regularizers.get("b"),
        partitioner=self._partitioners.get("b"))
    bias = b
    if not (isinstance(multiplier, numbers.Number) and multiplier == 1):
      bias = bias * tf.cast(multiplier, inputs.dtype)
    outputs = inputs + bias
    self._b = b
    self._input_shape = input_shape
    return outputs

  @property
  def b(self):
    """The bias variable (NotConnectedError before the first call)."""
    self._ensure_is_connected()
    return self._b

  @property
  def input_shape(self) -> tuple[int | None, ...]:
    """The full input shape of the last call (NotConnectedError before)."""
    self._ensure_is_connected()
    assert self._input_shape is not None  # Set by every successful call.
    return self._input_shape

  @property
  def bias_dims(self) -> tuple[int, ...] | None:
    """The `bias_dims` given to the constructor."""
    return self._bias_dims

  def transpose(self, name: str | None = None) -> "AddBias":
    """Returns an `AddBias` for this module's input shape (its own variable).

    Connecting it before this module raises `snt.ParentNotBuiltError`. Unlike Sonnet 1,
    the partitioners are passed on too.

    Args:
      name: default `<module_name>_transpose`.

    Returns:
      The transposed module.
    """
    return AddBias(output_shape=lambda: self._input_shape, bias_dims=self._bias_dims,
                   name=name or self.module_name + "_transpose", **self._ctor_kwargs)


class ConcatLinear(base.AbstractModule):
  """A `Linear` applied to the concatenation of several inputs (along the last axis).

  Args:
    output_size: output size (or a callable returning it).
    use_bias: whether to add a bias.
    initializers, partitioners, regularizers: dicts keyed by "w" / "b" (as `Linear`).
    custom_getter: custom getter(s) for the variables.
    name: module name (default "concat_linear"); the inner `Linear` is `<name>/linear`.

  Raises:
    As `snt.Linear`'s constructor.
  """

  def __init__(self, output_size: int | Callable[[], int], use_bias: bool = True,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "concat_linear"):
    super().__init__(name=name, custom_getter=custom_getter)
    with self._enter_variable_scope():
      self._linear = linear.Linear(output_size, use_bias=use_bias, initializers=initializers,
                                   partitioners=partitioners, regularizers=regularizers)
    self._input_sizes: tuple[int, ...] | None = None

  @classmethod
  def get_possible_initializer_keys(cls, use_bias: bool = True, **unused_kwargs) -> set:
    """Returns `{'w', 'b'}`, or `{'w'}` when `use_bias=False`."""
    return linear.Linear.get_possible_initializer_keys(use_bias=use_bias)

  def _build(self, inputs_list: Sequence[tf.Tensor]) -> tf.Tensor:
    """Concatenates the inputs along axis 1 and applies the linear layer.

    Args:
      inputs_list: a non-empty list of rank-2 tensors `[batch_size, size_i]`; the sizes
        must be the same at every call.

    Returns:
      `[batch_size, output_size]`.

    Raises:
      TypeError: if `inputs_list` is not a non-empty list or tuple, or its tensors have
        different dtypes.
      errors.IncompatibleShapeError: as `snt.Linear` (ranks, sizes), or statically
        different batch sizes.
    """
    if not isinstance(inputs_list, (list, tuple)) or not inputs_list:
      raise TypeError(ERR_CONCAT_INPUTS.format(module=self.module_name, value=inputs_list))
    tensors = [tf.convert_to_tensor(x) for x in inputs_list]
    shapes = [tuple(t.shape.as_list()) if t.shape.rank is not None else tuple(t.shape)
              for t in tensors]
    for x in tensors:
      if x.shape.rank != 2:
        raise errors.IncompatibleShapeError(ERR_CONCAT_INPUTS.format(
            module=self.module_name, value=shapes))
    if len({x.dtype for x in tensors}) > 1:
      raise TypeError(ERR_CONCAT_DTYPES.format(
          module=self.module_name, dtypes=[x.dtype.name for x in tensors]))
    if len({tf.compat.dimension_value(x.shape[0]) for x in tensors} - {None}) > 1:
      raise errors.IncompatibleShapeError(ERR_CONCAT_BATCH.format(
          module=self.module_name, shapes=shapes))
    outputs = self._linear(tf.concat(tensors, axis=1))
    self._input_sizes = tuple(tf.compat.dimension_value(x.shape[-1]) for x in tensors)
    return outputs

  @property
  def linear(self) -> linear.Linear:
    """The inner `snt.Linear`."""
    return self._linear

  @property
  def w(self):
    """The weights `[sum(input sizes), output_size]` (NotConnectedError before a call)."""
    self._ensure_is_connected()
    return self._linear.w

  @property
  def b(self):
    """The bias (NotConnectedError before a call; AttributeError without bias)."""
    self._ensure_is_connected()
    return self._linear.b

  @property
  def input_sizes(self) -> tuple[int, ...]:
    """The sizes of the inputs at the last call (NotConnectedError before)."""
    self._ensure_is_connected()
    assert self._input_sizes is not None  # Set by every successful call.
    return self._input_sizes


class TrainableVariable(base.AbstractModule):
  """Holds one variable `w` of a given shape; calling the module returns it.

  Args:
    shape: the variable's shape (sequence of positive ints; `()` for a scalar).
    dtype: a floating point dtype (default float32).
    initializers, partitioners, regularizers: dicts keyed by "w"; default initializer:
      truncated normal with stddev `1/sqrt(prod(shape))`.
    custom_getter: custom getter(s) for the variable.
    name: module name (default "trainable_variable").

  Raises:
    ValueError: bad shape or a non floating point dtype.
  """

  POSSIBLE_INITIALIZER_KEYS = {"w"}

  def __init__(self, shape: Sequence[int], dtype: types.DTypeLike = tf.float32,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "trainable_variable"):
    super().__init__(name=name, custom_getter=custom_getter)
    if isinstance(shape, tf.TensorShape):
      shape = shape.as_list()
    if not isinstance(shape, (list, tuple)) or not all(
        argument_checks.is_positive_int(argument_checks.as_integral(d)) for d in shape):
      raise ValueError(ERR_TRAINABLE_SHAPE.format(module=self.module_name, value=shape))
    self._shape = tuple(int(argument_checks.as_integral(d)) for d in shape)
    self._dtype = tf.as_dtype(dtype)
    if not self._dtype.is_floating:
      raise ValueError(ERR_TRAINABLE_DTYPE.format(module=self.module_name,
                                                  dtype=self._dtype.name))
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, self.POSSIBLE_INITIALIZER_KEYS)
    self._w = None

  def _build(self):
    """Returns the variable `w` (created on the first call).

    Returns:
      The variable (or what the custom getters make of it).
    """
    stddev = 1.0 / math.sqrt(float(np.prod(self._shape)))
    self._w = variables.get_variable(
        "w", shape=self._shape, dtype=self._dtype,
        initializer=self._initializers.get("w",
                                           snt_initializers.truncated_normal(stddev=stddev)),
        regularizer=self._regularizers.get("w"),
        partitioner=self._partitioners.get("w"))
    return self._w

  @property
  def w(self):
    """The variable (NotConnectedError before the first call)."""
    self._ensure_is_connected()
    return self._w


def _check_idx(idx, module) -> None:
  if isinstance(idx, bool):
    raise TypeError(ERR_IDX_TYPE.format(module=module))
  if isinstance(idx, numbers.Integral):
    return
  if isinstance(idx, (list, tuple)) and idx:
    for entry in idx:
      _check_idx(entry, module)
    return
  raise TypeError(ERR_IDX_TYPE.format(module=module))


class SelectInput(base.AbstractModule):
  """Returns some of its positional inputs, chosen (and arranged) by `idx`.

  `SelectInput(idx=[0, (2, 1)])(a, b, c)` returns `(a, (c, b))` (each a `tf.identity`).

  Args:
    idx: an int or a nested list/tuple of ints (non-empty).
    name: module name (default "select_input").

  Raises:
    TypeError: bad `idx`.
  """

  def __init__(self, idx: int | Sequence[Any], name: str = "select_input"):
    super().__init__(name=name)
    _check_idx(idx, self.module_name)
    self._idx = idx

  def _build(self, *inputs: Any) -> Any:
    """Selects from `inputs`.

    Args:
      *inputs: the candidates.

    Returns:
      One input or a nested tuple of inputs, shaped like `idx`.

    Raises:
      ValueError: if an index is out of range.
    """
    flat = tf.nest.flatten(self._idx)
    if any(i < 0 or i >= len(inputs) for i in flat):
      raise ValueError(ERR_IDX_RANGE.format(module=self.module_name, n=len(inputs)))

    def select(idx):
      if isinstance(idx, (list, tuple)):
        return tuple(select(i) for i in idx)
      return tf.nest.map_structure(tf.identity, inputs[idx])

    return select(self._idx)
