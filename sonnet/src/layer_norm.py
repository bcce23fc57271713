# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Layer normalisation, and the dtype helpers shared by the normalisation modules."""

from collections.abc import Iterable, Sequence
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import errors
from sonnet.src import types
from sonnet.src import util
from sonnet.src import variables

ERR_NOT_FLOAT = (
    "{module}: `{arg}` must be a floating point tensor (float16, bfloat16, float32 or "
    "float64), got dtype {dtype}.")
ERR_RANK_TOO_SMALL = (
    "{module}: `inputs` must have rank at least 2 ([batch_size, ...]), got rank {rank} "
    "(shape {shape}).")
ERR_AXIS_TYPE = "`axis` must be None, an int or an iterable of ints, got {axis!r}."
ERR_AXIS_EMPTY = "`axis` must name at least one dimension, got {axis!r}."
ERR_AXIS_RANGE = (
    "{module}: `axis` {axis} is out of range for inputs of rank {rank} (shape {shape}); "
    "each entry must be in [-{rank}, {rank}).")
ERR_AXIS_DUPLICATE = "{module}: `axis` {axis} names the same dimension twice for rank {rank}."
ERR_UNKNOWN_CHANNELS = (
    "{module}: the size of the last dimension of `inputs` must be known when the module is "
    "connected, got shape {shape}.")
ERR_EPS = argument_checks.ERR_POSITIVE_NUMBER
ERR_NO_PARAM = "{module} was constructed with {arg}=False, so it has no `{name}` variable."

_LOW_PRECISION = (tf.float16, tf.bfloat16)
_FLOATS = (tf.float16, tf.bfloat16, tf.float32, tf.float64)


def check_float_input(module_name: str, inputs: tf.Tensor, arg: str = "inputs") -> None:
  """Raises TypeError unless `inputs` has a floating point dtype that we support."""
  if inputs.dtype.base_dtype not in _FLOATS:
    raise TypeError(ERR_NOT_FLOAT.format(module=module_name, arg=arg, dtype=inputs.dtype.name))


def statistics_dtype(dtype: tf.DType) -> tf.DType:
  """The dtype statistics and parameters are kept in: float32 for 16-bit inputs."""
  return tf.float32 if dtype.base_dtype in _LOW_PRECISION else dtype.base_dtype


def check_eps(eps: Any) -> float:
  """Validates a normalisation epsilon (positive number) and returns it as a float."""
  return argument_checks.check_positive_number(None, "eps", eps)


def normalize_axis_arg(axis: None | int | Iterable[int]) -> tuple | None:
  """Validates a user `axis` argument at construction; returns None or a tuple of ints."""
  if axis is None:
    return None
  if isinstance(axis, bool):
    raise TypeError(ERR_AXIS_TYPE.format(axis=axis))
  if isinstance(axis, int):
    return (axis,)
  try:
    axis_tuple = tuple(axis)
  except TypeError:
    raise TypeError(ERR_AXIS_TYPE.format(axis=axis)) from None
  if any(isinstance(a, bool) or not isinstance(a, int) for a in axis_tuple):
    raise TypeError(ERR_AXIS_TYPE.format(axis=axis))
  if not axis_tuple:
    raise ValueError(ERR_AXIS_EMPTY.format(axis=axis))
  return axis_tuple


def resolve_axis(module_name: str, axis: Sequence[int], shape: tf.TensorShape) -> tuple:
  """Turns (possibly negative) axes into sorted non-negative ones, checked against `shape`."""
  rank = shape.rank
  if any(a < -rank or a >= rank for a in axis):
    raise errors.IncompatibleShapeError(ERR_AXIS_RANGE.format(
        module=module_name, axis=list(axis), rank=rank, shape=shape))
  resolved = sorted(a % rank for a in axis)
  if len(set(resolved)) != len(resolved):
    raise errors.IncompatibleShapeError(ERR_AXIS_DUPLICATE.format(
        module=module_name, axis=list(axis), rank=rank))
  return tuple(resolved)


class LayerNorm(base.AbstractModule, util.VariableOptions):
  """Layer normalisation (Ba et al., 2016) over any rank >= 2.

  `outputs = gamma * (inputs - mean) / sqrt(variance + eps) + beta`, with the mean and the
  (biased) variance taken per example over `axis` (by default every dimension but the
  first). `gamma` and `beta` have the size of the last dimension, as in Sonnet 1.36.
  float16 and bfloat16 inputs are normalised in float32 (and the parameters are float32);
  the output has the input's dtype.
  """

  GAMMA = "gamma"
  BETA = "beta"
  POSSIBLE_INITIALIZER_KEYS = {GAMMA, BETA}

  def __init__(self,
               axis: None | int | Iterable[int] = None,
               offset: bool = True,
               scale: bool = True,
               eps: float = 1e-5,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "layer_norm"):
    """Constructs a LayerNorm module.

    Args:
      axis: None (every dimension but the first), an int or an iterable of ints: the
        dimensions to compute the statistics over. Negative values count from the end.
      offset: whether to add a learnt offset `beta` (initialised to zeros).
      scale: whether to multiply by a learnt scale `gamma` (initialised to ones).
      eps: small positive number added to the variance.
      initializers: optional dict with keys 'gamma' and/or 'beta'.
      partitioners: optional dict with keys 'gamma' and/or 'beta'.
      regularizers: optional dict with keys 'gamma' and/or 'beta'.
      custom_getter: optional custom getter (callable or dict), see `snt.AbstractModule`.
      name: name of the module.

    Raises:
      TypeError: `axis` is not None, an int or an iterable of ints; a dict entry is not
        callable; a dict argument is not a dict.
      ValueError: `axis` is empty or `eps` is not positive.
      KeyError: a dict has keys other than 'gamma' and 'beta'.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    self._axis = normalize_axis_arg(axis)
    self._offset = bool(offset)
    self._scale = bool(scale)
    self._eps = check_eps(eps)
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, self.POSSIBLE_INITIALIZER_KEYS)
    self._gamma = None
    self._beta = None

  def _build(self, inputs: tf.Tensor) -> tf.Tensor:
    """Normalises `inputs`.

    Args:
      inputs: float tensor of rank >= 2 whose last dimension is known.

    Returns:
      A tensor of the same shape and dtype as `inputs`.

    Raises:
      TypeError: `inputs` is not floating point.
      snt.IncompatibleShapeError: rank < 2, or `axis` out of range for the rank.
      snt.UnderspecifiedError: the last dimension is unknown.
    """
    inputs = tf.convert_to_tensor(inputs)
    check_float_input(self.module_name, inputs)
    shape = inputs.shape
    if shape.rank is None or shape.rank < 2:
      raise errors.IncompatibleShapeError(ERR_RANK_TOO_SMALL.format(
          module=self.module_name, rank=shape.rank, shape=shape))
    if self._axis is None:
      axis = tuple(range(1, shape.rank))
    else:
      axis = resolve_axis(self.module_name, self._axis, shape)
    if tf.compat.dimension_value(shape[-1]) is None:
      raise errors.UnderspecifiedError(ERR_UNKNOWN_CHANNELS.format(
          module=self.module_name, shape=shape))

    original_dtype = inputs.dtype
    dtype = statistics_dtype(original_dtype)
    params_shape = [tf.compat.dimension_value(shape[-1])]
    gamma = beta = None
    if self._scale:
      gamma = variables.get_variable(
          self.GAMMA, shape=params_shape, dtype=dtype,
          initializer=self._initializers.get(self.GAMMA, tf.ones_initializer()),
          partitioner=self._partitioners.get(self.GAMMA),
          regularizer=self._regularizers.get(self.GAMMA), trainable=True)
      self._gamma = gamma
    if self._offset:
      beta = variables.get_variable(
          self.BETA, shape=params_shape, dtype=dtype,
          initializer=self._initializers.get(self.BETA, tf.zeros_initializer()),
          partitioner=self._partitioners.get(self.BETA),
          regularizer=self._regularizers.get(self.BETA), trainable=True)
      self._beta = beta

    x = tf.cast(inputs, dtype)
    mean, variance = tf.nn.moments(x, axes=list(axis), keepdims=True)
    outputs = tf.nn.batch_normalization(x, mean, variance, beta, gamma, self._eps)
    return tf.cast(outputs, original_dtype)

  @property
  def gamma(self):
    """The scale variable. Raises NotConnectedError before the first call, Error if absent."""
    self._ensure_is_connected()
    if not self._scale:
      raise errors.Error(ERR_NO_PARAM.format(module=self.module_name, arg="scale",
                                             name=self.GAMMA))
    return self._gamma

  @property
  def beta(self):
    """The offset variable. Raises NotConnectedError before the first call, Error if absent."""
    self._ensure_is_connected()
    if not self._offset:
      raise errors.Error(ERR_NO_PARAM.format(module=self.module_name, arg="offset",
                                             name=self.BETA))
    return self._beta

  @property
  def axis(self) -> tuple | None:
    """The axes normalised over, or None for all but the batch axis."""
    return self._axis

  @property
  def eps(self) -> float:
    """The small constant added to the variance."""
    return self._eps
