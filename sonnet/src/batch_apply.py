# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`BatchApply`: applies a module to tensors with several leading batch dimensions."""

from collections.abc import Callable
import numbers
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import reshape

ERR_N_DIMS_TYPE = "{module}: n_dims must be an integer, got {value!r}."
ERR_N_DIMS_VALUE = "{module}: n_dims must be >= 1, got {value!r}."
ERR_NO_TENSORS = ("{module}: the arguments contain no tensor with at least n_dims={n} "
                  "dimensions to take the leading shape from.")
ERR_EXAMPLE_INDEX = ("{module}: input_example_index={index} is out of range: the arguments "
                     "contain {count} tensors with at least n_dims={n} dimensions.")


def _is_passthrough(value: Any) -> bool:
  return value is None or isinstance(value, (numbers.Number, str, bytes))


class BatchApply(base.AbstractModule):
  """Merges the leading `n_dims` dimensions, applies a module, and splits them again.

  Every tensor (or array) of rank >= `n_dims` in the nested positional and keyword
  arguments gets its first `n_dims` dimensions merged; Python scalars, strings and None
  pass through unchanged. The outputs (any nest, None entries allowed) get their first
  dimension split back into the leading dimensions of the arguments' tensor number
  `input_example_index` (in `tf.nest.flatten((args, kwargs))` order, dicts by sorted
  key). Unknown leading sizes (e.g. inside `tf.function`) are read with `tf.shape`.

  ```python
  out = snt.BatchApply(snt.Linear(4))(tf.ones([time, batch, 3]))  # [time, batch, 4]
  ```

  Args:
    module_or_op: a module or any callable.
    n_dims: number of leading dimensions to merge (>= 1).
    input_example_index: which argument tensor provides the leading shape.
    name: module name (default "batch_apply").

  Raises:
    TypeError: `module_or_op` not callable or `n_dims` not an int.
    ValueError: `n_dims` < 1.
  """

  def __init__(self, module_or_op: Callable[..., Any], n_dims: int = 2,
               input_example_index: int = 0, name: str = "batch_apply"):
    super().__init__(name=name)
    self._module = argument_checks.check_callable(self.module_name, "module_or_op",
                                                  module_or_op)
    self._n_dims = argument_checks.check_positive_int(
        self.module_name, "n_dims", n_dims, message=ERR_N_DIMS_VALUE,
        type_message=ERR_N_DIMS_TYPE)
    self._input_example_index = input_example_index

  def _build(self, *args: Any, **kwargs: Any) -> Any:
    """Applies the wrapped module with the leading dimensions merged.

    Args:
      *args: nested positional arguments for the wrapped module.
      **kwargs: nested keyword arguments for the wrapped module.

    Returns:
      The wrapped module's outputs with their first dimension split.

    Raises:
      ValueError: if no argument tensor has rank >= `n_dims`, or `input_example_index`
        is out of range.
    """
    n = self._n_dims
    flat = tf.nest.flatten((args, kwargs))
    converted = [x if _is_passthrough(x) else tf.convert_to_tensor(x) for x in flat]
    examples = [x for x in converted
                if tf.is_tensor(x) and x.shape.rank is not None and x.shape.rank >= n]
    if not examples:
      raise ValueError(ERR_NO_TENSORS.format(module=self.module_name, n=n))
    index = self._input_example_index
    if not -len(examples) <= index < len(examples):
      raise ValueError(ERR_EXAMPLE_INDEX.format(module=self.module_name, index=index,
                                                count=len(examples), n=n))
    example = examples[index]
    merged = [x if _is_passthrough(x) else reshape.merge_leading_dims(x, n)
              for x in converted]
    merged_args, merged_kwargs = tf.nest.pack_sequence_as((args, kwargs), merged)
    outputs = self._module(*merged_args, **merged_kwargs)
    return tf.nest.map_structure(
        lambda y: reshape.split_leading_dim(y, example, n), outputs)

  @property
  def module(self) -> Callable[..., Any]:
    """The wrapped module or op."""
    return self._module

  @property
  def n_dims(self) -> int:
    """Number of leading dimensions merged."""
    return self._n_dims

  @property
  def input_example_index(self) -> int | None:
    """Index of the argument tensor giving the leading shape."""
    return self._input_example_index
