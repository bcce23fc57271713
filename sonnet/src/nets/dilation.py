# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""The context module of "Multi-Scale Context Aggregation by Dilated Convolutions"
(Yu & Koltun, 2016), with its identity initialisers."""

from collections.abc import Callable, Sequence
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import conv
from sonnet.src import errors
from sonnet.src import types
from sonnet.src import util

ERR_KERNEL_RANK = "Convolution kernels must be rank 4, got shape {shape}."
ERR_SQUARE = "Identity initializer only works for square filters, got shape {shape}."
ERR_ODD = "Identity initializer requires filters have odd height and width, got shape {shape}."
ERR_CHANNELS_EQUAL = (
    "in_channels must equal out_channels in order to construct per-channel identities, "
    "got shape {shape}.")
ERR_CHANNELS_MULTIPLE = (
    "in_channels and out_channels must both be multiples of base_num_channels "
    "({base}), got shape {shape}.")
ERR_MODEL_SIZE = "{module}: Unrecognized model_size: {value}"  # Sonnet 1's text.
ERR_NUM_CLASSES = "`num_output_classes` must be a positive int, got {value!r}."
ERR_IMAGES = (
    "{module}: 'images' must have shape [batch_size, height, width, depth] with depth = "
    "num_output_classes = {classes} for the basic model, got shape {shape}.")
ERR_IMAGES_RANK = (
    "{module}: 'images' must have shape [batch_size, height, width, depth], got shape "
    "{shape}.")


def _check_square_odd(shape):
  if len(shape) != 4:
    raise ValueError(ERR_KERNEL_RANK.format(shape=list(shape)))
  height, width = shape[0], shape[1]
  if height != width:
    raise ValueError(ERR_SQUARE.format(shape=list(shape)))
  if width % 2 != 1:
    raise ValueError(ERR_ODD.format(shape=list(shape)))


def _middle_pixel_mask(shape):
  """Bool [h, w, 1, 1]: True at the centre tap."""
  middle = shape[0] // 2
  rows = tf.range(shape[0])[:, None, None, None]
  cols = tf.range(shape[1])[None, :, None, None]
  return tf.logical_and(tf.equal(rows, middle), tf.equal(cols, middle))


def identity_kernel_initializer(shape: Sequence[int], dtype: tf.DType = tf.float32,
                                partition_info: Any = None) -> tf.Tensor:
  """An initializer for 3x3 (or any odd square) convolutions that computes the identity.

  Args:
    shape: `[height, width, in_channels, out_channels]` with height == width odd and
      in_channels == out_channels.
    dtype: dtype of the kernel.
    partition_info: unused (TF1 initializer signature).

  Returns:
    A tensor with 1 at the centre tap of each channel's own filter, 0 elsewhere.

  Raises:
    ValueError: the shape breaks one of the conditions above.
  """
  del partition_info
  shape = [int(d) for d in shape]
  _check_square_odd(shape)
  if shape[2] != shape[3]:
    raise ValueError(ERR_CHANNELS_EQUAL.format(shape=shape))
  same_channel = tf.equal(tf.range(shape[2])[:, None], tf.range(shape[3])[None, :])
  return tf.cast(tf.logical_and(_middle_pixel_mask(shape), same_channel), dtype)


def noisy_identity_kernel_initializer(base_num_channels: int,
                                      stddev: float = 1e-8) -> Callable[..., tf.Tensor]:
  """An initializer for the large model: channel groups map to channel groups.

  Channel `i` of the input belongs to group `i * base_num_channels // in_channels`, and
  likewise for the output; the centre tap of a filter between two channels of the same
  group is `base_num_channels / out_channels`, every other entry is small noise.

  Args:
    base_num_channels: the number of groups (the number of classes).
    stddev: standard deviation of the noise.

  Returns:
    An initializer `(shape, dtype=tf.float32, partition_info=None) -> Tensor`.
  """

  def _noisy_identity_kernel_initializer(shape, dtype=tf.float32, partition_info=None):
    del partition_info
    shape = [int(d) for d in shape]
    _check_square_odd(shape)
    in_channels, out_channels = shape[2], shape[3]
    if in_channels % base_num_channels or out_channels % base_num_channels:
      raise ValueError(ERR_CHANNELS_MULTIPLE.format(base=base_num_channels, shape=shape))
    in_group = tf.math.floordiv(tf.range(in_channels) * base_num_channels, in_channels)
    out_group = tf.math.floordiv(tf.range(out_channels) * base_num_channels, out_channels)
    same_group = tf.equal(in_group[:, None], out_group[None, :])
    mask = tf.broadcast_to(tf.logical_and(_middle_pixel_mask(shape), same_group), shape)
    noise = tf.random.truncated_normal(shape, stddev=stddev, dtype=dtype)
    value = tf.ones(shape, dtype=dtype) * tf.cast(base_num_channels / out_channels, dtype)
    return tf.where(mask, value, noise)

  return _noisy_identity_kernel_initializer


class Dilation(base.AbstractModule):
  """The dilated context module: 8 3x3 convolutions (rates 1, 1, 2, 4, 8, 16, 1, 1) with
  ReLUs between them, SAME padding, so the output has the input's spatial shape.

  With the default identity initialisers the untrained module is the identity on its
  `[batch, height, width, num_output_classes]` input (basic model). The large model
  widens the hidden layers to 2-32 times the number of classes.
  """

  BASIC = "basic"
  LARGE = "large"
  WEIGHTS = "w"
  BIASES = "b"
  POSSIBLE_INITIALIZER_KEYS = {WEIGHTS, BIASES}

  def __init__(self, num_output_classes: int,
               initializers: types.Initializers | None = None,
               regularizers: types.Regularizers | None = None,
               model_size: str = "basic",
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "dilation"):
    """Constructs a Dilation module.

    Args:
      num_output_classes: number of channels of the input and the output.
      initializers: optional dict with keys 'w', 'b'; default the (noisy) identity for
        'w' and zeros for 'b'.
      regularizers: optional dict with keys 'w', 'b'.
      model_size: 'basic' or 'large'.
      custom_getter: optional custom getter (callable or dict).
      name: name of the module.

    Raises:
      ValueError: a non-positive `num_output_classes`.
      TypeError, KeyError: bad dicts.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    self._num_output_classes = argument_checks.check_positive_int(
        self.module_name, "num_output_classes", num_output_classes, message=ERR_NUM_CLASSES,
        tf1_sizes=True)
    # As Sonnet 1, an unknown `model_size` fails at the call.
    self._model_size = model_size
    self._initializers = util.check_initializers(initializers, self.POSSIBLE_INITIALIZER_KEYS)
    self._regularizers = util.check_regularizers(regularizers, self.POSSIBLE_INITIALIZER_KEYS)
    # Fill the defaults now (Sonnet 1 did it at the first call, changing the property).
    if self.WEIGHTS not in self._initializers and model_size == self.BASIC:
      self._initializers[self.WEIGHTS] = identity_kernel_initializer
    elif self.WEIGHTS not in self._initializers and model_size == self.LARGE:
      self._initializers[self.WEIGHTS] = noisy_identity_kernel_initializer(num_output_classes)
    if self.BIASES not in self._initializers:
      self._initializers[self.BIASES] = tf.zeros_initializer()
    self._conv_modules: list[conv.Conv2D] | None = None  # Made by the first call.

  def _make_layers(self) -> list[conv.Conv2D]:
    k = self._num_output_classes
    if self._model_size == self.BASIC:
      widths = [k] * 8
    else:
      widths = [2 * k, 2 * k, 4 * k, 8 * k, 16 * k, 32 * k, 32 * k, k]
    rates = [1, 1, 2, 4, 8, 16, 1, 1]
    return [conv.Conv2D(output_channels=width, kernel_shape=[3, 3], rate=rate,
                        initializers=self._initializers, regularizers=self._regularizers,
                        name=f"dilated_conv_conv{i + 1}")
            for i, (width, rate) in enumerate(zip(widths, rates))]

  def _build(self, images: tf.Tensor) -> tf.Tensor:
    """Applies the context module.

    Args:
      images: float tensor `[batch, height, width, num_output_classes]`.

    Returns:
      A tensor of the same shape.

    Raises:
      snt.IncompatibleShapeError: not rank 4, or (basic model) the depth is not
        `num_output_classes`.
      ValueError: `model_size` is not 'basic' or 'large' (checked here, as Sonnet 1).
    """
    if self._model_size not in (self.BASIC, self.LARGE):
      raise ValueError(ERR_MODEL_SIZE.format(module=self.module_name, value=self._model_size))
    images = tf.convert_to_tensor(images)
    if images.shape.rank != 4:
      raise errors.IncompatibleShapeError(ERR_IMAGES_RANK.format(module=self.module_name,
                                                                 shape=images.shape))
    if (self._model_size == self.BASIC
        and tf.compat.dimension_value(images.shape[3]) is not None
        and images.shape[3] != self._num_output_classes):
      raise errors.IncompatibleShapeError(ERR_IMAGES.format(
          module=self.module_name, classes=self._num_output_classes, shape=images.shape))
    if self._conv_modules is None:
      self._conv_modules = self._make_layers()
    net = images
    for i, layer in enumerate(self._conv_modules):
      net = layer(net)
      if i != len(self._conv_modules) - 1:
        net = tf.nn.relu(net, name=f"relu_conv{i + 1}")
    return net

  @property
  def conv_modules(self) -> list[conv.Conv2D]:
    """The eight Conv2D modules (NotConnectedError before the first call)."""
    self._ensure_is_connected()
    assert self._conv_modules is not None  # Made by the first (successful) call.
    return list(self._conv_modules)

  @property
  def num_output_classes(self) -> int:
    """The number of output channels (classes)."""
    return self._num_output_classes

  @property
  def model_size(self) -> str:
    """"basic" or "large"."""
    return self._model_size

  @property
  def initializers(self):
    """The initializers given to the constructor."""
    return self._initializers

  @property
  def regularizers(self):
    """The regularizers given to the constructor."""
    return self._regularizers
