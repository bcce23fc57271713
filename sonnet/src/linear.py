# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`snt.Linear`: a fully connected layer, `outputs = inputs @ w + b`."""

from collections.abc import Callable, Sequence
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import errors
from sonnet.src import initializers as initializers_lib
from sonnet.src import mixed_precision
from sonnet.src import module_state
from sonnet.src import naming
from sonnet.src import types
from sonnet.src import util
from sonnet.src import variables

# The eager fast path (`Linear._call_eager_cached`): the ops `tf.matmul` and `+` run for
# rank-2 inputs of these dtypes, and the eager tensor class (set by the first cache).
_MAT_MUL = tf.raw_ops.MatMul
_ADD = tf.raw_ops.AddV2
_FAST_DTYPES = (tf.float16, tf.bfloat16, tf.float32, tf.float64)
_eager_tensor_type: Any = None

ERR_RANK = "{scope}: rank of shape must be 2 not: {rank}"
ERR_RANK_MANY = "{scope}: rank of shape must be at least 2 not: {rank}"
ERR_INPUT_SIZE_UNKNOWN = "{scope}: Input size must be specified at module build time"
ERR_INPUT_SIZE_CHANGED = (
    "{scope}: Input shape must be [batch_size, {expected}] not: [batch_size, {actual}]")
ERR_NOT_FLOAT = "{scope}: Expected floating point type for inputs, got {dtype}."
ERR_OUTPUT_SIZE_TYPE = (
    "output_size must be a positive integer or a callable returning one, got {value!r}.")
ERR_NO_BIAS = "No bias Variable in Linear Module when `use_bias=False`."
ERR_NO_VARIABLE = (
    "{scope}: no variable {key!r}: the custom getter created {created} instead; use "
    "`variables` to reach them.")


class Linear(base.AbstractModule, base.Transposable, util.VariableOptions):
  """Linear module: `outputs = inputs @ w + b` (Sonnet 1's `snt.Linear`).

  ```python
  linear = snt.Linear(10)
  train_out = linear(train_inputs)   # creates linear/w [in, 10] and linear/b [10]
  test_out = linear(test_inputs)     # the same variables
  ```
  """

  def __init__(self,
               output_size: int | Callable[[], int],
               use_bias: bool = True,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               custom_getter: types.CustomGetterArg | None = None,
               allow_many_batch_dims: bool = False,
               name: str = "linear"):
    """Constructs a Linear module.

    Args:
      output_size: the output size, or a callable returning it (evaluated once, when
        `output_size` is first needed, e.g. for a transposed module).
      use_bias: whether to add a bias `b`.
      initializers: optional dict with keys `w` and `b` (without bias: `w`). Defaults:
        `w` truncated normal with stddev `1/sqrt(input_size)`, `b` zeros.
      partitioners: optional dict of `tf.compat.v1` partitioners (graph mode only).
      regularizers: optional dict of callables `regularizer(variable) -> loss`.
      custom_getter: a custom getter or dict of them (see `snt.AbstractModule`).
      allow_many_batch_dims: accept inputs `[..., input_size]` of any rank >= 2.
      name: the module's name.

    Raises:
      KeyError: for an unknown key in `initializers`, `partitioners` or `regularizers`.
      TypeError: for a non-callable entry, or an `output_size` of the wrong type.
      ValueError: for an `output_size` <= 0.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    if callable(output_size):
      self._output_size: Any = output_size
    else:
      self._output_size = argument_checks.check_positive_int(
          self.scope_name, "output_size", output_size, type_message=ERR_OUTPUT_SIZE_TYPE,
          tf1_sizes=True)
    self._use_bias = bool(use_bias)
    self._allow_many_batch_dims = bool(allow_many_batch_dims)
    keys = self.get_possible_initializer_keys(use_bias=use_bias)
    # What the user gave; defaults are computed at the first call from the input size (so
    # clones and transposes compute their own), and never written back here.
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, keys)
    self._input_shape: tuple[int | None, ...] | None = None

  @classmethod
  def get_possible_initializer_keys(cls, use_bias: bool = True, **unused_kwargs) -> set:
    """Returns `{'w', 'b'}`, or `{'w'}` when `use_bias=False`."""
    return {"w", "b"} if use_bias else {"w"}

  def _build(self, inputs: tf.Tensor) -> tf.Tensor:
    """Computes `inputs @ w + b`.

    Args:
      inputs: a float tensor `[batch_size, input_size]` (`[..., input_size]` with
        `allow_many_batch_dims=True`).

    Returns:
      A tensor `[batch_size, output_size]` (`[..., output_size]`) of the input's dtype.

    Raises:
      snt.IncompatibleShapeError: for a wrong rank, an unknown input size, or an input size
        other than at the first connection.
      ValueError: for a non-floating input dtype.
      snt.NotSupportedError: for partitioners outside `tf.compat.v1` graph mode.
    """
    if not isinstance(inputs, tf.Tensor):
      inputs = tf.convert_to_tensor(inputs)
    input_shape = inputs.shape
    rank = input_shape.rank
    if self._allow_many_batch_dims:
      if rank is None or rank < 2:
        raise errors.IncompatibleShapeError(ERR_RANK_MANY.format(
            scope=self.scope_name, rank=rank if rank is not None else "unknown"))
    elif rank != 2:
      raise errors.IncompatibleShapeError(ERR_RANK.format(
          scope=self.scope_name, rank=rank if rank is not None else "unknown"))
    input_size = tf.compat.dimension_value(input_shape[-1])  # A Dimension in TF1 legacy mode.
    if input_size is None:
      raise errors.IncompatibleShapeError(ERR_INPUT_SIZE_UNKNOWN.format(scope=self.scope_name))
    if self._input_shape is not None and input_size != self._input_shape[-1]:
      raise errors.IncompatibleShapeError(ERR_INPUT_SIZE_CHANGED.format(
          scope=self.scope_name, expected=self._input_shape[-1], actual=input_size))
    dtype = inputs.dtype
    output_size = self.output_size

    w_initializer = self._initializers.get("w")
    # (The state's plain dict: a look-up in the tracked `_snt_variables` costs more.)
    if w_initializer is None and "w" not in self._snt_state.variable_owners:
      # As Sonnet 1: only the default (truncated normal) initializer needs floats; with a
      # given `w` initializer integer inputs work (`b` defaults to zeros).
      if not dtype.is_floating:
        raise ValueError(ERR_NOT_FLOAT.format(scope=self.scope_name, dtype=dtype.name))
      w_initializer = initializers_lib.truncated_normal(
          stddev=variables.fan_in_stddev(input_size))
    w = variables.get_variable(
        "w", shape=[input_size, output_size], dtype=dtype,
        initializer=w_initializer, partitioner=self._partitioners.get("w"),
        regularizer=self._regularizers.get("w"))
    if self._allow_many_batch_dims and rank != 2:
      flat = tf.reshape(inputs, [-1, input_size])
    else:
      flat = inputs
    outputs = tf.matmul(flat, w)
    if self._use_bias:
      b = variables.get_variable(
          "b", shape=[output_size], dtype=dtype,
          initializer=self._initializers.get("b", initializers_lib.zeros),
          partitioner=self._partitioners.get("b"), regularizer=self._regularizers.get("b"))
      outputs += b
    if self._allow_many_batch_dims and rank != 2:
      batch_shape = tf.shape(inputs)[:-1]
      outputs = tf.reshape(outputs, tf.concat([batch_shape, [output_size]], axis=0))
      outputs.set_shape(input_shape[:-1].concatenate([output_size]))
    if self._input_shape is None:
      self._input_shape = tuple(input_shape.as_list())
    if self._snt_state.eager_cache is None and not self._allow_many_batch_dims:
      self._cache_for_eager_calls(inputs, w, b if self._use_bias else None)
    return outputs

  def _cache_for_eager_calls(self, inputs: tf.Tensor, w: Any, b: Any) -> None:
    """Caches the variables for the fast path of later eager calls, where it applies.

    Only for Linear's own `_build` (a subclass may override it: then every call runs it), at
    an eager call in `_build`'s own frame without custom getters or mixed precision, where
    `w` and `b` are the module's own variables (not distributed ones) and `inputs` an
    eager tensor of a floating dtype the fast path computes with the same ops as `_build`.
    """
    global _eager_tensor_type
    state = self._snt_state
    frame = naming.current_frame()
    if (type(self)._build is not Linear._build or "_build" in self.__dict__ or  # noqa: SLF001
        state.custom_getters or frame is None or frame.module is not self or
        frame.owner != "_build" or not tf.executing_eagerly() or
        inputs.dtype not in _FAST_DTYPES or mixed_precision.compute_dtype() is not None):
      return
    own = self._snt_variables
    if w is not own.get("w") or (b is not None and b is not own.get("b")):
      return
    if isinstance(w, tf.distribute.DistributedValues):  # Read per replica: the full path.
      return
    tensor_type = type(inputs)
    _eager_tensor_type = tensor_type
    state.eager_cache = (w, b)

  def _call_eager_cached(self, cache: Any, args: Sequence[Any],
                         kwargs: dict[str, Any]) -> Any:
    """`inputs @ w + b` from the cached variables, for a later eager call (see `base`).

    Declines (`NotImplemented`: `_build` runs and raises its errors) unless the call has one
    positional argument, an eager tensor `[batch_size, input_size]` of the variables' dtype.
    """
    if kwargs or len(args) != 1:
      return NotImplemented
    inputs = args[0]
    if type(inputs) is not _eager_tensor_type:
      return NotImplemented
    w, b = cache
    try:
      # The ops `inputs @ w + b` runs, without their Python wrappers. MatMul itself refuses
      # another rank, input size or dtype: then `_build` runs and raises Sonnet's error.
      outputs = _MAT_MUL(a=inputs, b=w)
      if b is not None:
        outputs = _ADD(x=outputs, y=b)
    except tf.errors.InvalidArgumentError:
      return NotImplemented
    return outputs

  @property
  def w(self) -> tf.Variable:
    """The weight variable `[input_size, output_size]`.

    As Sonnet 1, what a custom getter returned for it at the latest call, if that was
    something else (another variable, or a tensor such as `tf.stop_gradient`'s).

    Raises:
      snt.NotConnectedError: before the first call.
    """
    self._ensure_is_connected()
    return self._own_variable("w")

  @property
  def b(self) -> tf.Variable:
    """The bias variable `[output_size]` (or what a custom getter returned, as for `w`).

    Raises:
      snt.NotConnectedError: before the first call.
      AttributeError: when the module has no bias.
    """
    self._ensure_is_connected()
    if not self._use_bias:
      raise AttributeError(ERR_NO_BIAS)
    return self._own_variable("b")

  def _own_variable(self, key: str) -> tf.Variable:
    # Sonnet 1: what a custom getter returned at the latest call (another variable, or a
    # tensor) comes first.
    variable = module_state.returned_variable(self, key)
    if variable is None:
      variable = self._snt_variables.get(key)
    if variable is None:  # A custom getter created other variables instead.
      raise AttributeError(ERR_NO_VARIABLE.format(
          scope=self.scope_name, key=key, created=sorted(self._snt_variables)))
    return variable

  @property
  def output_size(self) -> int:
    """The output size (a callable `output_size` is evaluated once, here).

    Raises:
      ValueError: if a callable returned a non-positive or non-integer size.
    """
    if callable(self._output_size):
      self._output_size = argument_checks.check_positive_int(self.scope_name, "output_size",
                                                             self._output_size(),
                                                             tf1_sizes=True)
    return self._output_size

  @property
  def has_bias(self) -> bool:
    """Whether the module adds a bias."""
    return self._use_bias

  @property
  def use_bias(self) -> bool:
    """Whether the module adds a bias."""
    return self._use_bias

  @property
  def input_shape(self) -> tuple[int | None, ...]:
    """The shape of the first input, e.g. `(None, 4)`.

    Raises:
      snt.NotConnectedError: before the first call.
    """
    self._ensure_is_connected()
    assert self._input_shape is not None  # Set by the first successful call.
    return self._input_shape

  def clone(self, name: str | None = None) -> "Linear":
    """Returns a new, unconnected Linear with the same configuration (own variables).

    Args:
      name: the clone's name; default `<module_name>_clone`.

    Returns:
      The new module.
    """
    if name is None:
      name = self.module_name + "_clone"
    return Linear(output_size=self.output_size, use_bias=self._use_bias,
                  initializers=self._initializers, partitioners=self._partitioners,
                  regularizers=self._regularizers, custom_getter=self._custom_getter,
                  allow_many_batch_dims=self._allow_many_batch_dims, name=name)

  def transpose(self, name: str | None = None) -> "Linear":
    """Returns a Linear mapping this module's outputs back to its input size.

    The output size is read from this module's `input_shape` when the transpose is first
    connected, so connecting it before this module raises `snt.NotConnectedError`.

    Args:
      name: the transpose's name; default `<module_name>_transpose`.

    Returns:
      The transposed module (its variables are not shared with this one).
    """
    if name is None:
      name = self.module_name + "_transpose"

    def input_size() -> int:
      size = self.input_shape[-1]
      assert size is not None  # `_build` refuses inputs of unknown size.
      return size

    return Linear(output_size=input_size, use_bias=self._use_bias,
                  initializers=self._initializers, partitioners=self._partitioners,
                  regularizers=self._regularizers, custom_getter=self._custom_getter,
                  allow_many_batch_dims=self._allow_many_batch_dims, name=name)
