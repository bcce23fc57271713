# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""AlexNet (Krizhevsky et al., 2012) in the FULL, HALF and MINI variants of Sonnet 1."""

import collections.abc
from collections.abc import Mapping
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import batch_norm
from sonnet.src import conv
from sonnet.src import errors
from sonnet.src import linear
from sonnet.src import types
from sonnet.src import util

ERR_MODE = "AlexNet construction mode '{}' not recognised, must be one of: '{}', '{}', '{}'"
ERR_BN_CONFIG = "`batch_norm_config` must be a mapping, e.g. `dict`, got {value!r}."
ERR_IS_TRAINING = (
    "Boolean is_training flag must be explicitly specified when using batch "
    "normalization or dropout.")
ERR_RANK = "{module}: `inputs` must have shape [batch, height, width, channels], got {shape}."
ERR_TOO_SMALL = "Image shape too small: ({:d}, {:d}) < {:d}"
ERR_UNKNOWN_SIZE = (
    "{module}: the height, width and channels of `inputs` must be known (the network "
    "needs at least {min_size}x{min_size}), got shape {shape}.")
ERR_KEEP_PROB = "Input `keep_prob` must be None or 1 if `is_training=False`."

# ((output_channels, kernel, stride), (pool kernel, pool stride) or None) per conv layer.
_CONV_LAYERS = {
    "FULL": [((96, 11, 4), (3, 2)), ((256, 5, 1), (3, 2)), ((384, 3, 1), None),
             ((384, 3, 1), None), ((256, 3, 1), (3, 2))],
    "HALF": [((48, 11, 4), (3, 2)), ((128, 5, 1), (3, 2)), ((192, 3, 1), None),
             ((192, 3, 1), None), ((128, 3, 1), (3, 2))],
    "MINI": [((48, 3, 1), (3, 1)), ((128, 3, 1), (3, 1)), ((192, 3, 1), None),
             ((192, 3, 1), None), ((128, 3, 1), (3, 1))],
}
_FC_LAYERS = {"FULL": [4096, 4096], "HALF": [2048, 2048], "MINI": [1024, 1024]}


def _min_input_size(conv_layers) -> int:
  """Smallest square input for which every VALID conv and pool has an output."""
  size = 1
  for (_, kernel, stride), pooling in reversed(conv_layers):
    if pooling is not None:
      pool_kernel, pool_stride = pooling
      size = size * pool_stride + (pool_kernel - pool_stride)
    size = size * stride + (kernel - stride)
  return size


class AlexNet(base.AbstractModule, util.VariableOptions):
  """AlexNet: 5 VALID convolutions (`conv_{i}`) with ReLU and max-pooling, then 2 fully
  connected layers (`fc_{i}`) with ReLU and optional dropout; no classification layer.

  Modes: `FULL` (the original widths), `HALF` (half the channels) and `MINI` (3x3 kernels,
  stride 1, for small images: the minimum input is 17x17).
  """

  FULL = "FULL"
  HALF = "HALF"
  MINI = "MINI"
  POSSIBLE_INITIALIZER_KEYS = {"w", "b"}

  def __init__(self,
               mode: str = HALF,
               use_batch_norm: bool = False,
               batch_norm_config: Mapping[str, Any] | None = None,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               bn_on_fc_layers: bool = True,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "alex_net"):
    """Constructs an AlexNet.

    Args:
      mode: `AlexNet.FULL`, `AlexNet.HALF` or `AlexNet.MINI`.
      use_batch_norm: apply `snt.BatchNorm` after every layer (before the ReLU).
      batch_norm_config: constructor kwargs for the BatchNorm modules.
      initializers: optional dict with keys 'w', 'b' (all conv and fc layers).
      partitioners: optional dict with keys 'w', 'b' (graph mode only).
      regularizers: optional dict with keys 'w', 'b' (the conv layers only, as Sonnet 1).
      bn_on_fc_layers: with `use_batch_norm`, also normalise the fc layers.
      custom_getter: optional custom getter (callable or dict).
      name: name of the module.

    Raises:
      snt.Error: unknown mode.
      TypeError: `batch_norm_config` is not a mapping, or bad dicts.
      KeyError: unknown dict keys.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    if mode not in _CONV_LAYERS:
      raise errors.Error(ERR_MODE.format(mode, self.FULL, self.HALF, self.MINI))
    self._mode = mode
    self._conv_layers = _CONV_LAYERS[mode]
    self._fc_layers = _FC_LAYERS[mode]
    self._min_size = _min_input_size(self._conv_layers)
    self._use_batch_norm = bool(use_batch_norm)
    self._bn_on_fc_layers = bool(bn_on_fc_layers)
    if batch_norm_config is None:
      batch_norm_config = {}
    if not isinstance(batch_norm_config, collections.abc.Mapping):
      raise TypeError(ERR_BN_CONFIG.format(value=batch_norm_config))
    self._batch_norm_config = dict(batch_norm_config)
    keys = self.POSSIBLE_INITIALIZER_KEYS
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, keys)
    # Made together by the first call.
    self._conv_modules: list[conv.Conv2D] | None = None
    self._linear_modules: list[linear.Linear] | None = None
    self._bn_modules: list[batch_norm.BatchNorm] | None = None

  def _make_modules(self) -> None:
    self._conv_modules = [
        conv.Conv2D(output_channels=channels, kernel_shape=kernel, stride=stride,
                    padding=conv.VALID, initializers=self._initializers,
                    partitioners=self._partitioners, regularizers=self._regularizers,
                    name=f"conv_{i}")
        for i, ((channels, kernel, stride), _) in enumerate(self._conv_layers)]
    # As Sonnet 1, the fc layers take the initializers and partitioners but not the
    # regularizers.
    self._linear_modules = [
        linear.Linear(output_size=size, initializers=self._initializers,
                      partitioners=self._partitioners, name=f"fc_{i}")
        for i, size in enumerate(self._fc_layers)]
    bn_count = 0
    if self._use_batch_norm:
      bn_count = len(self._conv_layers) + (len(self._fc_layers) if self._bn_on_fc_layers
                                           else 0)
    self._bn_modules = [batch_norm.BatchNorm(**self._batch_norm_config)
                        for _ in range(bn_count)]

  def _build(self, inputs: tf.Tensor, keep_prob: Any = None, is_training: Any = None,
             test_local_stats: Any = True) -> tf.Tensor:
    """Applies AlexNet.

    Args:
      inputs: float tensor `[batch, height, width, channels]`, height and width at least
        `min_input_size`.
      keep_prob: optional dropout keep probability for the fc layers (float or scalar
        tensor); must be None or 1 when not training.
      is_training: Python bool or boolean tensor; required with batch norm or dropout.
      test_local_stats: passed to BatchNorm.

    Returns:
      A `[batch, fc width]` tensor (2048 for HALF, 4096 for FULL, 1024 for MINI).

    Raises:
      ValueError: `is_training` missing while batch norm or dropout is used.
      snt.IncompatibleShapeError: wrong rank or too small an image.
      snt.UnderspecifiedError: unknown height, width or channels.
      tf.errors.InvalidArgumentError: (when run) keep_prob != 1 while not training.
    """
    inputs = tf.convert_to_tensor(inputs)
    if (self._use_batch_norm or keep_prob is not None) and is_training is None:
      raise ValueError(ERR_IS_TRAINING)
    shape = inputs.shape
    if shape.rank != 4:
      raise errors.IncompatibleShapeError(ERR_RANK.format(module=self.module_name,
                                                          shape=shape))
    if None in shape.as_list()[1:]:
      raise errors.UnderspecifiedError(ERR_UNKNOWN_SIZE.format(
          module=self.module_name, min_size=self._min_size, shape=shape))
    height, width = (tf.compat.dimension_value(d) for d in shape[1:3])  # TF1 Dimensions.
    if height < self._min_size or width < self._min_size:
      raise errors.IncompatibleShapeError(ERR_TOO_SMALL.format(height, width, self._min_size))
    if is_training is not None:
      is_training = argument_checks.check_bool_flag(self.module_name, "is_training", is_training)
    if self._conv_modules is None:
      self._make_modules()
    assert (self._conv_modules is not None and self._linear_modules is not None
            and self._bn_modules is not None)  # Made by `_make_modules`.

    net = inputs
    if keep_prob is not None:
      keep_prob = tf.convert_to_tensor(keep_prob, dtype=inputs.dtype)
      valid = tf.logical_or(tf.convert_to_tensor(is_training), tf.equal(keep_prob, 1.))
      check = tf.debugging.assert_equal(valid, True, message=ERR_KEEP_PROB)
      with tf.control_dependencies([check]):
        net = tf.identity(net)

    bn_modules = iter(self._bn_modules)
    for conv_module, (_, pooling) in zip(self._conv_modules, self._conv_layers):
      net = conv_module(net)
      if self._use_batch_norm:
        net = next(bn_modules)(net, is_training=is_training,
                               test_local_stats=test_local_stats)
      net = tf.nn.relu(net)
      if pooling is not None:
        pool_kernel, pool_stride = pooling
        net = tf.nn.max_pool2d(net, ksize=pool_kernel, strides=pool_stride, padding="VALID")

    # Convolutions and pooling keep the static spatial sizes, also with an unknown batch.
    net = tf.reshape(net, [-1, net.shape[1:].num_elements()])
    for linear_module in self._linear_modules:
      net = linear_module(net)
      if self._use_batch_norm and self._bn_on_fc_layers:
        net = next(bn_modules)(net, is_training=is_training,
                               test_local_stats=test_local_stats)
      net = tf.nn.relu(net)
      if keep_prob is not None:
        net = tf.nn.dropout(net, rate=1. - keep_prob)
    return net

  def _calc_min_size(self, conv_layers) -> int:
    """The smallest square input for layers given as Sonnet 1 described them.

    Args:
      conv_layers: `(output_channels, (kernel, stride), (pool_kernel, pool_stride) or None)`
        per conv layer.

    Returns:
      The minimum height (and width).
    """
    return _min_input_size([((channels, kernel, stride), pooling)
                            for channels, (kernel, stride), pooling in conv_layers])

  @property
  def min_input_size(self) -> int:
    """The smallest height and width the network accepts."""
    return self._min_size

  @property
  def conv_modules(self) -> list[conv.Conv2D]:
    """The Conv2D modules (NotConnectedError before the first call)."""
    self._ensure_is_connected()
    assert self._conv_modules is not None  # Made by the first (successful) call.
    return list(self._conv_modules)

  @property
  def linear_modules(self) -> list[linear.Linear]:
    """The Linear modules (NotConnectedError before the first call)."""
    self._ensure_is_connected()
    assert self._linear_modules is not None  # Made by the first (successful) call.
    return list(self._linear_modules)

  @property
  def mode(self) -> str:
    """The AlexNet variant: FULL, HALF or MINI."""
    return self._mode


class AlexNetFull(AlexNet):
  """AlexNet in FULL mode."""

  def __init__(self, use_batch_norm: bool = False,
               batch_norm_config: Mapping[str, Any] | None = None,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               bn_on_fc_layers: bool = False,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "alex_net_full"):
    """Constructs AlexNet in FULL mode.

    Args:
      use_batch_norm: apply `snt.BatchNorm` after every layer (before the ReLU).
      batch_norm_config: constructor kwargs for the BatchNorm modules.
      initializers: optional dict with keys 'w', 'b' (all conv and fc layers).
      partitioners: optional dict with keys 'w', 'b' (graph mode only).
      regularizers: optional dict with keys 'w', 'b' (the conv layers only, as Sonnet 1).
      bn_on_fc_layers: with `use_batch_norm`, also normalise the fc layers (default off,
        as Sonnet 1's subclasses).
      custom_getter: optional custom getter (callable or dict).
      name: name of the module.

    Raises:
      TypeError: `batch_norm_config` is not a mapping, or bad dicts.
      KeyError: unknown dict keys.
    """
    super().__init__(mode=self.FULL, use_batch_norm=use_batch_norm,
                     batch_norm_config=batch_norm_config, initializers=initializers,
                     partitioners=partitioners, regularizers=regularizers,
                     bn_on_fc_layers=bn_on_fc_layers, custom_getter=custom_getter,
                     name=name)


class AlexNetMini(AlexNet):
  """AlexNet in MINI mode."""

  def __init__(self, use_batch_norm: bool = False,
               batch_norm_config: Mapping[str, Any] | None = None,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               bn_on_fc_layers: bool = False,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "alex_net_mini"):
    """Constructs AlexNet in MINI mode.

    Args:
      use_batch_norm: apply `snt.BatchNorm` after every layer (before the ReLU).
      batch_norm_config: constructor kwargs for the BatchNorm modules.
      initializers: optional dict with keys 'w', 'b' (all conv and fc layers).
      partitioners: optional dict with keys 'w', 'b' (graph mode only).
      regularizers: optional dict with keys 'w', 'b' (the conv layers only, as Sonnet 1).
      bn_on_fc_layers: with `use_batch_norm`, also normalise the fc layers (default off,
        as Sonnet 1's subclasses).
      custom_getter: optional custom getter (callable or dict).
      name: name of the module.

    Raises:
      TypeError: `batch_norm_config` is not a mapping, or bad dicts.
      KeyError: unknown dict keys.
    """
    super().__init__(mode=self.MINI, use_batch_norm=use_batch_norm,
                     batch_norm_config=batch_norm_config, initializers=initializers,
                     partitioners=partitioners, regularizers=regularizers,
                     bn_on_fc_layers=bn_on_fc_layers, custom_getter=custom_getter,
                     name=name)
