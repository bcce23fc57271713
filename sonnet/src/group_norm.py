# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Group normalisation (Wu & He, 2018) and instance normalisation."""


import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import batch_norm_v2
from sonnet.src import errors
from sonnet.src import layer_norm
from sonnet.src import types
from sonnet.src import util
from sonnet.src import variables

ERR_GROUPS = "`groups` must be a positive int, got {value!r}."
ERR_GROUPS_DIVIDE = (
    "{module}: the number of channels ({channels}) must be a multiple of groups={groups}, "
    "got `inputs` of shape {shape}.")
ERR_RANK = (
    "{module}: `inputs` of rank {rank} (shape {shape}) does not match data_format "
    "{data_format!r}, which needs rank {expected}.")
ERR_UNKNOWN_CHANNELS = (
    "{module}: the channel dimension (axis {axis}) of `inputs` must be known, got shape "
    "{shape}.")


class GroupNorm(base.AbstractModule, util.VariableOptions):
  """Group normalisation: per example, the channels are split into `groups` groups and
  each group is normalised over its channels and all spatial positions.

  `groups=1` is layer normalisation over all non-batch dimensions, `groups=channels` is
  instance normalisation (see `InstanceNorm`). `gamma` and `beta` have shape
  `[channels]`. float16/bfloat16 inputs are normalised in float32.
  """

  GAMMA = "gamma"
  BETA = "beta"
  POSSIBLE_INITIALIZER_KEYS = {GAMMA, BETA}

  def __init__(self,
               groups: int,
               offset: bool = True,
               scale: bool = True,
               eps: float = 1e-5,
               data_format: str | None = None,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "group_norm"):
    """Constructs a GroupNorm module.

    Args:
      groups: the number of groups, a positive int dividing the number of channels.
      offset: whether to add a learnt offset `beta` (zeros).
      scale: whether to multiply by a learnt scale `gamma` (ones).
      eps: small positive number added to the variance.
      data_format: None (channels last, any rank >= 2) or one of
        `snt.BatchNormV2.SUPPORTED_DATA_FORMATS` ('NC', 'NWC', 'NCW', 'NHWC', 'NCHW', ...).
      initializers: optional dict with keys 'gamma' and/or 'beta'.
      partitioners: optional dict with keys 'gamma' and/or 'beta'.
      regularizers: optional dict with keys 'gamma' and/or 'beta'.
      custom_getter: optional custom getter (callable or dict).
      name: name of the module.

    Raises:
      ValueError: `groups` not a positive int, unknown `data_format`, `eps` not positive.
      TypeError, KeyError: bad dict arguments.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    self._groups = self._check_groups(groups)
    if data_format is not None:
      argument_checks.check_one_of(self.module_name, "data_format", data_format,
                                   batch_norm_v2.SUPPORTED_DATA_FORMATS,
                                   message=batch_norm_v2.ERR_DATA_FORMAT)
    self._data_format = data_format
    self._offset = bool(offset)
    self._scale = bool(scale)
    self._eps = layer_norm.check_eps(eps)
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, self.POSSIBLE_INITIALIZER_KEYS)
    self._gamma = self._beta = None

  def _check_groups(self, groups):
    return argument_checks.check_positive_int(self.module_name, "groups", groups,
                                              message=ERR_GROUPS)

  def _num_groups(self, channels: int) -> int:
    return self._groups

  def _build(self, inputs: tf.Tensor) -> tf.Tensor:
    """Normalises `inputs`.

    Args:
      inputs: float tensor of rank >= 2 (matching `data_format` if given) whose channel
        dimension is known.

    Returns:
      The normalised tensor, with the shape and dtype of `inputs`.

    Raises:
      TypeError: `inputs` is not floating point.
      snt.IncompatibleShapeError: wrong rank, or channels not a multiple of `groups`.
      snt.UnderspecifiedError: the channel dimension is unknown.
    """
    inputs = tf.convert_to_tensor(inputs)
    layer_norm.check_float_input(self.module_name, inputs)
    shape = inputs.shape
    if shape.rank is None or shape.rank < 2:
      raise errors.IncompatibleShapeError(layer_norm.ERR_RANK_TOO_SMALL.format(
          module=self.module_name, rank=shape.rank, shape=shape))
    if self._data_format is not None and shape.rank != len(self._data_format):
      raise errors.IncompatibleShapeError(ERR_RANK.format(
          module=self.module_name, rank=shape.rank, shape=shape,
          data_format=self._data_format, expected=len(self._data_format)))
    channels_first = self._data_format is not None and self._data_format.startswith("NC")
    channel_axis = 1 if channels_first else shape.rank - 1
    channels = shape[channel_axis]
    if channels is None:
      raise errors.UnderspecifiedError(ERR_UNKNOWN_CHANNELS.format(
          module=self.module_name, axis=channel_axis, shape=shape))
    groups = self._num_groups(channels)
    if channels % groups:
      raise errors.IncompatibleShapeError(ERR_GROUPS_DIVIDE.format(
          module=self.module_name, channels=channels, groups=groups, shape=shape))

    dtype = layer_norm.statistics_dtype(inputs.dtype)
    if self._scale:
      self._gamma = variables.get_variable(
          self.GAMMA, shape=[channels], dtype=dtype,
          initializer=self._initializers.get(self.GAMMA, tf.ones_initializer()),
          partitioner=self._partitioners.get(self.GAMMA),
          regularizer=self._regularizers.get(self.GAMMA), trainable=True)
    if self._offset:
      self._beta = variables.get_variable(
          self.BETA, shape=[channels], dtype=dtype,
          initializer=self._initializers.get(self.BETA, tf.zeros_initializer()),
          partitioner=self._partitioners.get(self.BETA),
          regularizer=self._regularizers.get(self.BETA), trainable=True)

    x = tf.cast(inputs, dtype)
    dynamic_shape = tf.shape(x)
    # Split the channel axis into [groups, channels // groups].
    grouped_shape = tf.concat([dynamic_shape[:channel_axis], [groups, channels // groups],
                               dynamic_shape[channel_axis + 1:]], axis=0)
    grouped = tf.reshape(x, grouped_shape)
    group_axis = channel_axis
    reduce_axes = [i for i in range(1, shape.rank + 1) if i != group_axis]
    mean, variance = tf.nn.moments(grouped, axes=reduce_axes, keepdims=True)
    normalized = (grouped - mean) * tf.math.rsqrt(variance + self._eps)
    outputs = tf.reshape(normalized, dynamic_shape)
    param_shape = [1] * shape.rank
    param_shape[channel_axis] = channels
    if self._gamma is not None:
      outputs *= tf.reshape(self._gamma, param_shape)
    if self._beta is not None:
      outputs += tf.reshape(self._beta, param_shape)
    if not tf.executing_eagerly():
      outputs.set_shape(shape)  # the reshapes above lose the static shape
    return tf.cast(outputs, inputs.dtype)

  @property
  def gamma(self):
    """The scale variable (NotConnectedError before a call, Error if absent)."""
    self._ensure_is_connected()
    if not self._scale:
      raise errors.Error(layer_norm.ERR_NO_PARAM.format(
          module=self.module_name, arg="scale", name=self.GAMMA))
    return self._gamma

  @property
  def beta(self):
    """The offset variable (NotConnectedError before a call, Error if absent)."""
    self._ensure_is_connected()
    if not self._offset:
      raise errors.Error(layer_norm.ERR_NO_PARAM.format(
          module=self.module_name, arg="offset", name=self.BETA))
    return self._beta

  @property
  def groups(self) -> int:
    """The number of channel groups."""
    return self._groups

  @property
  def eps(self) -> float:
    """The small constant added to the variance."""
    return self._eps

  @property
  def data_format(self) -> str | None:
    """The layout of the inputs, or None for channels last."""
    return self._data_format


class InstanceNorm(GroupNorm):
  """Instance normalisation (Ulyanov et al., 2016): every channel of every example is
  normalised over the spatial dimensions. A `GroupNorm` with one group per channel."""

  def __init__(self,
               offset: bool = True,
               scale: bool = True,
               eps: float = 1e-5,
               data_format: str | None = None,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "instance_norm"):
    """Constructs an InstanceNorm module.

    Args:
      offset: whether to add a learnt offset `beta` (zeros).
      scale: whether to multiply by a learnt scale `gamma` (ones).
      eps: small positive number added to the variance.
      data_format: None (channels last) or a data format such as 'NHWC' or 'NCHW'.
      initializers: optional dict with keys 'gamma' and/or 'beta'.
      partitioners: optional dict with keys 'gamma' and/or 'beta'.
      regularizers: optional dict with keys 'gamma' and/or 'beta'.
      custom_getter: optional custom getter (callable or dict).
      name: name of the module.

    Raises:
      ValueError: unknown `data_format`, `eps` not positive.
      TypeError, KeyError: bad dict arguments.
    """
    super().__init__(groups=1, offset=offset, scale=scale, eps=eps, data_format=data_format,
                     initializers=initializers, partitioners=partitioners,
                     regularizers=regularizers, custom_getter=custom_getter, name=name)

  def _num_groups(self, channels: int) -> int:
    return channels

  @property
  def groups(self):
    """Instance norm uses one group per channel; None until connected."""
    return None
