# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Shape-only modules: `BatchReshape`, `BatchFlatten`, `FlattenTrailingDimensions`,
`MergeDims`, `SliceByDim`, `TileByDim`, and the `merge_leading_dims` /
`split_leading_dim` helpers."""

from collections.abc import Callable, Sequence
import numbers
from typing import Any

import numpy as np
import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import types

ERR_PRESERVE_DIMS = "{module}: preserve_dims must be an integer >= 1, but got {value!r}."
# Sonnet 1's texts (after our module-name prefix).
ERR_SHAPE_ENTRIES = ("{name}: Desired shape can only contain positive integral numbers and "
                     "the wildcard -1. Given shape {shape!r}")
ERR_SHAPE_WILDCARD = ("{name}: Wildcard -1 can appear only once in desired output shape. "
                      "Given shape {shape!r}")
ERR_PRESERVE_RANK = ("{name}: Input tensor has {rank} dimensions, should have at least as many "
                     "as preserve_dims={preserve_dims}")
ERR_RANK_TOO_SMALL = "{name}: Rank of inputs must be at least {needed}."
ERR_UNKNOWN_TRAILING = ("{name}: Unknown non-preserved dimensions are not allowed in the input "
                        "to BatchReshape unless it is only one and the desired shape is (-1,).")
ERR_INCOMPATIBLE = ("{name}: Output shape is incompatible with input shape: the desired "
                    "shape {shape} does not fit the non-preserved input shape {input_shape} "
                    "({size} elements).")
ERR_DIM_FROM = "{module}: dim_from must be an integer >= 1, but got {value!r}."
ERR_MERGE_SIZE = "{name}: `size` should be strictly greater than 1."
ERR_MERGE_START = "{module}: start must be an integer >= 0, but got {value!r}."
ERR_DIMS_LENGTH = "{name}: {other} must have the same length as dims: {n}."
ERR_DIMS_REPEATED = "{name}: dims must not have any repeated integers."
ERR_DIMS_TYPE = "{name}: dims must be a sequence of integers >= 0, but got {dims!r}."
ERR_SLICE_DIMS_TYPE = "{name}: dims must be a sequence of integers, but got {dims!r}."
ERR_MERGE_NEGATIVE_START = (
    "{module}: start must be an integer >= 0, or a negative one counting from the end that "
    "leaves room for size={size} dimensions (start + size <= 0), but got {value!r}.")
ERR_N_DIMS = "{module}: n_dims must be an integer >= 1, but got {value!r}."
ERR_UNKNOWN_RANK = "{name}: cannot handle a tensor of unknown rank."


def _static_or_dynamic(tensor: tf.Tensor):
  """The shape as a list mixing python ints (known) and scalar tensors (unknown)."""
  static = tensor.shape.as_list()
  if all(d is not None for d in static):
    return static
  dynamic = tf.shape(tensor)
  return [d if d is not None else dynamic[i] for i, d in enumerate(static)]


def _reshape(tensor: tf.Tensor, shape: Sequence[Any]) -> tf.Tensor:
  if all(argument_checks.is_integer(d) for d in shape):
    return tf.reshape(tensor, [int(d) for d in shape])
  return tf.reshape(tensor, tf.stack([tf.cast(d, tf.int32) for d in shape]))


def _prod(values) -> Any:
  if all(argument_checks.is_integer(v) for v in values):
    return int(np.prod(values, dtype=np.int64))
  result = values[0]
  for v in values[1:]:
    result = result * v
  return result


def merge_leading_dims(array_or_tensor: types.TensorLike | None, n_dims: int = 2) -> Any:
  """Merges the first `n_dims` dimensions of a tensor into one.

  Works with unknown dimensions (inside `tf.function`). Inputs of rank below `n_dims`,
  Python scalars and None are returned unchanged.

  Args:
    array_or_tensor: a tensor, array, Python scalar or None.
    n_dims: number of leading dimensions to merge (>= 1).

  Returns:
    The reshaped tensor, static shape kept where known.

  Raises:
    ValueError: if `n_dims` is not a positive integer or the rank is unknown.
  """
  n_dims = argument_checks.check_positive_int("merge_leading_dims", "n_dims", n_dims,
                                              message=ERR_N_DIMS)
  if array_or_tensor is None or isinstance(array_or_tensor, (numbers.Number, str, bytes)):
    return array_or_tensor
  tensor = tf.convert_to_tensor(array_or_tensor)
  if tensor.shape.rank is None:
    raise ValueError(ERR_UNKNOWN_RANK.format(name="merge_leading_dims"))
  if tensor.shape.rank < n_dims:
    return tensor
  shape = _static_or_dynamic(tensor)
  static = tensor.shape.as_list()
  result = _reshape(tensor, [_prod(shape[:n_dims])] + shape[n_dims:])
  leading = None if None in static[:n_dims] else int(np.prod(static[:n_dims]))
  result.set_shape([leading] + static[n_dims:])
  return result


def split_leading_dim(tensor: types.TensorLike | None, inputs: tf.Tensor,
                      n_dims: int = 2) -> Any:
  """Splits the first dimension of `tensor` into the first `n_dims` dims of `inputs`.

  The inverse of `merge_leading_dims`; unknown sizes are read with `tf.shape`.

  Args:
    tensor: the tensor to reshape (None and Python scalars are returned unchanged).
    inputs: the tensor whose leading `n_dims` sizes are used.
    n_dims: number of leading dimensions to restore.

  Returns:
    `tensor` reshaped to `inputs.shape[:n_dims] + tensor.shape[1:]`.

  Raises:
    ValueError: if `n_dims` is not a positive integer.
  """
  n_dims = argument_checks.check_positive_int("split_leading_dim", "n_dims", n_dims,
                                              message=ERR_N_DIMS)
  if tensor is None or isinstance(tensor, (numbers.Number, str, bytes)):
    return tensor
  tensor = tf.convert_to_tensor(tensor)
  inputs = tf.convert_to_tensor(inputs)
  leading = _static_or_dynamic(inputs)[:n_dims]
  rest = _static_or_dynamic(tensor)[1:]
  result = _reshape(tensor, leading + rest)
  result.set_shape(inputs.shape.as_list()[:n_dims] + tensor.shape.as_list()[1:])
  return result


class BatchReshape(base.AbstractModule, base.Transposable):
  """Reshapes all but the first `preserve_dims` dimensions of the input.

  Args:
    shape: the new trailing shape: a sequence of positive ints with at most one -1, or a
      callable returning one (evaluated at the call).
    preserve_dims: number of leading dimensions kept as they are (>= 1).
    name: module name (default "batch_reshape").

  Raises:
    ValueError: bad `shape` (when not callable) or `preserve_dims`.
  """

  # A callable's result is checked at the call: it may hold None (see `transpose`).
  def __init__(self, shape: Sequence[int] | Callable[[], Sequence[int | None]],
               preserve_dims: int = 1, name: str = "batch_reshape"):
    super().__init__(name=name)
    self._preserve_dims = argument_checks.check_positive_int(
        self.module_name, "preserve_dims", preserve_dims, message=ERR_PRESERVE_DIMS)
    self._shape = shape if callable(shape) else self._check_shape(shape)
    self._input_shape: tuple[int | None, ...] | None = None

  def _check_shape(self, shape) -> tuple[int, ...]:
    if isinstance(shape, tf.TensorShape):
      shape = shape.as_list()
    if not isinstance(shape, (list, tuple)):
      raise ValueError(ERR_SHAPE_ENTRIES.format(name=self.module_name, shape=shape))
    # As Sonnet 1 (TF1 shapes): integral floats and Dimensions of known size are sizes.
    entries = [argument_checks.as_integral(x) for x in shape]
    if not all(argument_checks.is_integer(x) and (x > 0 or x == -1) for x in entries):
      raise ValueError(ERR_SHAPE_ENTRIES.format(name=self.module_name, shape=shape))
    if entries.count(-1) > 1:
      raise ValueError(ERR_SHAPE_WILDCARD.format(name=self.module_name, shape=shape))
    return tuple(int(x) for x in entries)

  def _build(self, inputs: tf.Tensor) -> tf.Tensor:
    """Reshapes `inputs`.

    Args:
      inputs: a tensor of rank >= `preserve_dims`; the non-preserved dimensions must be
        statically known unless there is one and the shape is `(-1,)`.

    Returns:
      The reshaped tensor.

    Raises:
      ValueError: rank too small, unknown trailing dims, or an incompatible shape.
    """
    inputs = tf.convert_to_tensor(inputs)
    name = self.module_name
    static = inputs.shape.as_list() if inputs.shape.rank is not None else None
    if static is None:
      raise ValueError(ERR_UNKNOWN_RANK.format(name=name))
    p = self._preserve_dims
    if len(static) < p:
      raise ValueError(ERR_PRESERVE_RANK.format(name=name, rank=len(static), preserve_dims=p))
    shape = self._check_shape(self._shape()) if callable(self._shape) else self._shape
    trailing_in = static[p:]
    if len(trailing_in) == 1 and len(shape) == 1 and (
        shape[0] == -1 or shape[0] == trailing_in[0]):
      self._input_shape = tuple(trailing_in)
      return inputs  # Nothing to reshape: the input itself, as Sonnet 1.
    if None in trailing_in:
      raise ValueError(ERR_UNKNOWN_TRAILING.format(name=name))
    size = int(np.prod(trailing_in, dtype=np.int64))
    if -1 in shape:
      known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
      if known == 0 or size % known:
        raise ValueError(ERR_INCOMPATIBLE.format(name=name, shape=shape,
                                                 input_shape=tuple(trailing_in), size=size))
      shape = tuple(size // known if d == -1 else d for d in shape)
    if int(np.prod(shape, dtype=np.int64)) != size:
      raise ValueError(ERR_INCOMPATIBLE.format(name=name, shape=shape,
                                               input_shape=tuple(trailing_in), size=size))
    leading = _static_or_dynamic(inputs)[:p]
    outputs = _reshape(inputs, list(leading) + list(shape))
    outputs.set_shape(static[:p] + list(shape))
    self._input_shape = tuple(trailing_in)
    return outputs

  @property
  def input_shape(self) -> tuple[int | None, ...]:
    """The non-preserved input shape of the last call (NotConnectedError before)."""
    self._ensure_is_connected()
    assert self._input_shape is not None  # Every successful call sets it.
    return self._input_shape

  @property
  def preserve_dims(self) -> int:
    """Number of leading dimensions kept."""
    return self._preserve_dims

  def transpose(self, name: str | None = None) -> "BatchReshape":
    """Returns a `BatchReshape` back to this module's input shape.

    Args:
      name: default `<module_name>_transpose`.

    Returns:
      The transposed module (connect this module first).
    """
    return BatchReshape(shape=lambda: self.input_shape, preserve_dims=self._preserve_dims,
                        name=name or self.module_name + "_transpose")


class BatchFlatten(BatchReshape):
  """Flattens all but the first `preserve_dims` dimensions (default name "batch_flatten").

  Args:
    preserve_dims: number of leading dimensions kept (>= 1).
    name: module name.
  """

  def __init__(self, preserve_dims: int = 1, name: str = "batch_flatten"):
    super().__init__(shape=(-1,), preserve_dims=preserve_dims, name=name)


class FlattenTrailingDimensions(BatchReshape):
  """Flattens the dimensions from `dim_from` on (default name "batch_dim_from").

  Args:
    dim_from: first dimension to flatten (>= 1); `dim_from` leading dims are kept.
    name: module name.

  Raises:
    ValueError: if `dim_from` < 1.
  """

  def __init__(self, dim_from: int, name: str = "batch_dim_from"):
    argument_checks.check_positive_int(name, "dim_from", dim_from, message=ERR_DIM_FROM)
    super().__init__(shape=(-1,), preserve_dims=dim_from, name=name)


def _check_dims(name, dims, other, other_label, allow_negative=False):
  if not isinstance(dims, (list, tuple)) or not all(
      argument_checks.is_integer(d) and (allow_negative or d >= 0) for d in dims):
    raise ValueError((ERR_SLICE_DIMS_TYPE if allow_negative else ERR_DIMS_TYPE).format(
        name=name, dims=dims))
  if not isinstance(other, (list, tuple)) or len(other) != len(dims):
    raise ValueError(ERR_DIMS_LENGTH.format(name=name, other=other_label, n=len(dims)))
  if len(set(dims)) != len(dims):
    raise ValueError(ERR_DIMS_REPEATED.format(name=name))


def _check_rank(name, inputs, needed):
  rank = inputs.shape.rank
  if rank is None:
    raise ValueError(ERR_UNKNOWN_RANK.format(name=name))
  if rank < needed:
    raise ValueError(ERR_RANK_TOO_SMALL.format(name=name, needed=needed))


class SliceByDim(base.AbstractModule):
  """Slices the input along the given dimensions only (`tf.slice` elsewhere full).

  Args:
    dims: dimensions to slice, no repeats (negative ones count from the end, as in
      Sonnet 1).
    begin: start index per entry of `dims`.
    size: slice size per entry of `dims` (-1: to the end).
    name: module name (default "slice_by_dim").

  Raises:
    ValueError: mismatched lengths, repeated or non-integer dims.
  """

  def __init__(self, dims: Sequence[int], begin: Sequence[int], size: Sequence[int],
               name: str = "slice_by_dim"):
    super().__init__(name=name)
    _check_dims(self.module_name, dims, begin, "begin", allow_negative=True)
    _check_dims(self.module_name, dims, size, "size", allow_negative=True)
    self._dims, self._begin, self._size = tuple(dims), tuple(begin), tuple(size)

  def _build(self, inputs: tf.Tensor) -> tf.Tensor:
    """Returns the slice of `inputs`.

    Args:
      inputs: a tensor of rank > max(dims) and >= -min(dims).

    Returns:
      `inputs` sliced along `dims` (other dimensions whole).

    Raises:
      ValueError: if the input's rank is too small for `dims`, or two entries of `dims`
        name the same dimension.
    """
    inputs = tf.convert_to_tensor(inputs)
    needed = max(max(self._dims) + 1, -min(self._dims))
    _check_rank(self.module_name, inputs, needed)
    rank = inputs.shape.rank
    dims = [d % rank for d in self._dims]
    if len(set(dims)) != len(dims):
      raise ValueError(ERR_DIMS_REPEATED.format(name=self.module_name))
    begin, size = [0] * rank, [-1] * rank
    for d, b, s in zip(dims, self._begin, self._size):
      begin[d], size[d] = b, s
    return tf.slice(inputs, begin, size)


class TileByDim(base.AbstractModule):
  """Tiles the input along the given dimensions only.

  Args:
    dims: dimensions to tile (non-negative, no repeats).
    multiples: number of copies per entry of `dims`.
    name: module name (default "tile_by_dim").

  Raises:
    ValueError: mismatched lengths, repeated or negative dims.
  """

  def __init__(self, dims: Sequence[int], multiples: Sequence[int],
               name: str = "tile_by_dim"):
    super().__init__(name=name)
    _check_dims(self.module_name, dims, multiples, "multiples")
    self._dims, self._multiples = tuple(dims), tuple(multiples)

  def _build(self, inputs: tf.Tensor) -> tf.Tensor:
    """Returns `inputs` tiled.

    Args:
      inputs: a tensor of rank > max(dims).

    Returns:
      `inputs` tiled `multiples` times along `dims`.

    Raises:
      ValueError: if the input's rank is not larger than the largest entry of `dims`.
    """
    inputs = tf.convert_to_tensor(inputs)
    _check_rank(self.module_name, inputs, max(self._dims) + 1)
    multiples = [1] * inputs.shape.rank
    for d, m in zip(self._dims, self._multiples):
      multiples[d] = m
    return tf.tile(inputs, multiples)


class MergeDims(base.AbstractModule):
  """Merges `size` consecutive dimensions starting at `start` into one.

  Applies to every tensor of a nested structure. Unknown sizes are handled dynamically.

  Args:
    start: first dimension to merge; a negative one counts from the end (as Sonnet 1),
      with `start + size <= 0`.
    size: number of dimensions to merge (> 1).
    name: module name (default "merge_dims").

  Raises:
    ValueError: bad `start` or `size`.
  """

  def __init__(self, start: int, size: int, name: str = "merge_dims"):
    super().__init__(name=name)
    size = argument_checks.as_integral(size)
    if not argument_checks.is_integer(size) or size <= 1:
      raise ValueError(ERR_MERGE_SIZE.format(name=self.module_name))
    negative = argument_checks.as_integral(start)
    if argument_checks.is_integer(negative) and negative < 0:
      if negative + size > 0:
        raise ValueError(ERR_MERGE_NEGATIVE_START.format(module=self.module_name,
                                                         size=int(size), value=start))
      start = negative
    else:
      start = argument_checks.check_non_negative_int(self.module_name, "start", start,
                                                     message=ERR_MERGE_START, tf1_sizes=True)
    self._start, self._size = int(start), int(size)

  def _merge(self, tensor):
    tensor = tf.convert_to_tensor(tensor)
    start, end = self._start, self._start + self._size
    if start < 0:  # Counts from the end.
      _check_rank(self.module_name, tensor, -start)
      start, end = start + tensor.shape.rank, end + tensor.shape.rank
    _check_rank(self.module_name, tensor, end)
    shape = _static_or_dynamic(tensor)
    static = tensor.shape.as_list()
    result = _reshape(tensor, shape[:start] + [_prod(shape[start:end])] + shape[end:])
    merged = None if None in static[start:end] else int(np.prod(static[start:end]))
    result.set_shape(static[:start] + [merged] + static[end:])
    return result

  def _build(self, inputs: Any) -> Any:
    """Merges the dimensions of every tensor in `inputs`.

    Args:
      inputs: a tensor or a nested structure of tensors, each of rank >= start + size.

    Returns:
      The same structure with the dimensions merged.

    Raises:
      ValueError: if a tensor's rank is below `start + size`.
    """
    return tf.nest.map_structure(self._merge, inputs)
