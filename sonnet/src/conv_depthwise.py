# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Per-channel convolutions: `DepthwiseConv2D`, `InPlaneConv2D`, `SeparableConv1D`,
`SeparableConv2D`."""

from collections.abc import Sequence
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import conv_utils
from sonnet.src import errors
from sonnet.src import types
from sonnet.src import util
from sonnet.src import variables

ERR_MULTIPLIER = ("{module}: channel_multiplier must be a positive integer, but got "
                  "{value!r}.")


def _same_pads(size, kernel: int, stride: int):
  """TensorFlow's SAME padding (before, after) of one dimension; ints or scalar tensors."""
  out = (size + stride - 1) // stride
  total = (out - 1) * stride + kernel - size
  total = max(total, 0) if isinstance(total, int) else tf.maximum(total, 0)
  return total // 2, total - total // 2


def _per_channel_conv(inputs, w_dw, w_pw, kernel_shape, stride, rate, paddings,
                      data_format, padding_value=conv_utils.CONSTANT_PADDING):
  """Depthwise (w_pw None) or separable 2-D convolution, NHWC or NCHW."""
  fallback = conv_utils.use_channels_last_fallback(data_format)
  if fallback:
    inputs = conv_utils.to_channels_last(inputs)
    data_format = conv_utils.channels_last_format(data_format)
  first = conv_utils.channels_first(data_format)
  subsample = None
  if stride[0] != stride[1]:
    # TensorFlow's depthwise kernels (GPU, and CPU without oneDNN) only take equal strides:
    # pad as the strided op would, run at stride 1, and keep every stride-th output.
    static = inputs.shape.as_list()
    spatial = static[2:] if first else static[1:-1]
    dynamic = tf.shape(inputs)
    pads = []
    for i, (p, k, s, r, size) in enumerate(zip(paddings, kernel_shape, stride, rate,
                                                spatial)):
      if p == conv_utils.SAME and padding_value == conv_utils.CONSTANT_PADDING:
        pads.append(_same_pads(size if size is not None else dynamic[(2 if first else 1) + i],
                               (k - 1) * r + 1, s))
      else:
        pads.append(conv_utils.pad_amounts(p, k, r))
    full = [(0, 0), (0, 0)] + pads if first else [(0, 0)] + pads + [(0, 0)]
    inputs = tf.pad(inputs, full, mode=padding_value)
    op_padding = conv_utils.VALID
    subsample, stride = stride, (1, 1)
  else:
    inputs, op_padding = conv_utils.apply_padding(inputs, paddings, kernel_shape, rate,
                                                  data_format, padding_value)
  strides = ((1, 1) + stride) if first else ((1,) + stride + (1,))

  def run():
    if w_pw is None:
      return tf.nn.depthwise_conv2d(inputs, w_dw, strides=strides, padding=op_padding,
                                    data_format=data_format, dilations=rate)
    return tf.nn.separable_conv2d(inputs, w_dw, w_pw, strides=strides, padding=op_padding,
                                  data_format=data_format, dilations=rate)

  dim = tf.compat.dimension_value
  out_channels = (dim(w_dw.shape[-2]) * dim(w_dw.shape[-1]) if w_pw is None
                  else dim(w_pw.shape[-1]))
  outputs = conv_utils.guard_empty_batch(run, inputs, kernel_shape, stride, rate,
                                         op_padding, data_format, out_channels)
  if subsample is not None:
    sh, sw = subsample
    outputs = outputs[:, :, ::sh, ::sw] if first else outputs[:, ::sh, ::sw, :]
  if fallback:
    outputs = conv_utils.to_channels_first(outputs)
  return outputs


class _PerChannelConv(conv_utils.ConvProperties, base.AbstractModule):
  """Shared configuration and properties of the depthwise / separable modules."""

  _N = 2
  _KEYS: tuple[str, ...] = ("w",)

  def __init__(self, kernel_shape, stride, rate, padding, use_bias, initializers,
               partitioners, regularizers, data_format, custom_getter, name, ctor_kwargs,
               padding_value=conv_utils.CONSTANT_PADDING):
    super().__init__(name=name, custom_getter=custom_getter)
    label = type(self).__name__
    n = self._N
    self._data_format = conv_utils.check_data_format(data_format, n, label)
    self._kernel_shape = conv_utils.fill_shape(kernel_shape, n, "kernel", label)
    self._stride = conv_utils.fill_stride(stride, n, self._data_format, label)
    self._rate = conv_utils.fill_shape(rate, n, "rate", label)
    conv_utils.check_stride_and_rate(self._stride, self._rate, label)
    self._padding = conv_utils.fill_padding(padding, n, label)
    self._padding_value = conv_utils.check_padding_value(padding_value, label)
    self._use_bias = bool(use_bias)
    keys = self.get_possible_initializer_keys(use_bias=use_bias)
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, keys)
    self._input_shape = None
    self._input_channels = None
    self._b = None
    self._ctor_kwargs = dict(ctor_kwargs, kernel_shape=kernel_shape, stride=stride,
                             padding=padding, use_bias=use_bias, initializers=initializers,
                             partitioners=partitioners, regularizers=regularizers,
                             data_format=self._data_format, custom_getter=custom_getter,
                             padding_value=padding_value)

  @classmethod
  def get_possible_initializer_keys(cls, use_bias: bool = True,
                                    **unused_kwargs: Any) -> set[str]:
    """Returns the keys the `initializers` (etc.) dicts may have.

    Args:
      use_bias: whether the module has a bias.
      **unused_kwargs: other constructor arguments, ignored.

    Returns:
      The class's weight keys, plus "b" with a bias.
    """
    return set(cls._KEYS) | ({"b"} if use_bias else set())

  def _variable(self, key, shape, dtype, default_initializer):
    return variables.get_variable(
        key, shape=shape, dtype=dtype,
        initializer=self._initializers.get(key, default_initializer),
        regularizer=self._regularizers.get(key),
        partitioner=self._partitioners.get(key))

  def _check_input(self, inputs) -> int:
    channels = conv_utils.check_input(inputs, self._data_format, self.module_name)
    conv_utils.check_spatial_sizes(inputs, self._data_format, self._kernel_shape, self._rate,
                             self._padding, self.module_name)
    if self._input_channels is not None and channels != self._input_channels:
      raise errors.IncompatibleShapeError(conv_utils.ERR_CHANNELS_CHANGED.format(
          module=self.module_name, expected=self._input_channels, actual=channels))
    return channels

  def _bias(self, outputs, out_channels, dtype):
    if not self._use_bias:
      return outputs, None
    b = self._variable("b", (out_channels,), dtype, conv_utils.bias_initializer())
    return conv_utils.add_bias(outputs, b, self._data_format), b

  @property
  def rate(self) -> tuple[int, ...]:
    """Dilation rate per spatial dimension."""
    return self._rate

  @property
  def padding(self):
    """The padding name if it is the same for all dimensions, else one per dimension."""
    return self._padding[0] if len(set(self._padding)) == 1 else self._padding

  @property
  def paddings(self) -> tuple[str, ...]:
    """One padding name per spatial dimension."""
    return self._padding

  @property
  def padding_value(self) -> str:
    """How the padded border is filled: CONSTANT_PADDING, REFLECT_PADDING or
    SYMMETRIC_PADDING."""
    return self._padding_value

  @property
  def conv_op_padding(self) -> str:
    """The padding given to the TensorFlow op (SAME, or VALID after explicit padding)."""
    return conv_utils.conv_op_padding(self._padding, self._padding_value)


def _check_multiplier(value, label):
  return argument_checks.check_positive_int(label, "channel_multiplier", value,
                                            message=ERR_MULTIPLIER)


class DepthwiseConv2D(_PerChannelConv):
  """Depthwise 2-D convolution: each input channel gets `channel_multiplier` filters.

  Output channels = input channels * `channel_multiplier`. Weight `w` has shape
  `kernel_shape + (input_channels, channel_multiplier)`, bias `b` `(output_channels,)`.

  Args:
    channel_multiplier: filters per input channel (positive int).
    kernel_shape: int or pair.
    stride: int, pair, or the legacy 4-element form.
    rate: dilation rate (not together with stride > 1).
    padding: `SAME`, `VALID`, `FULL`, `CAUSAL` or `REVERSE_CAUSAL` (or one per dim).
    use_bias: whether to add a bias.
    initializers, partitioners, regularizers: dicts keyed by "w" / "b".
    data_format: "NHWC" or "NCHW".
    custom_getter: custom getter(s) applied to the variables.
    name: module name (default "conv_2d_depthwise").
    padding_value: what fills the padded border: `CONSTANT_PADDING` (zeros, default),
      `REFLECT_PADDING` or `SYMMETRIC_PADDING`.

  Raises:
    ValueError: bad channel_multiplier, padding or data_format.
    errors.IncompatibleShapeError: bad kernel, stride or rate.
    errors.NotSupportedError: stride > 1 together with rate > 1.
  """

  def __init__(self,
               channel_multiplier: int,
               kernel_shape: int | Sequence[int],
               stride: int | Sequence[int] = 1,
               rate: int | Sequence[int] = 1,
               padding: types.PaddingLike = conv_utils.SAME,
               use_bias: bool = True,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               data_format: str = "NHWC",
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "conv_2d_depthwise",
               padding_value: str = conv_utils.CONSTANT_PADDING):
    self._channel_multiplier = _check_multiplier(channel_multiplier, type(self).__name__)
    super().__init__(kernel_shape, stride, rate, padding, use_bias, initializers,
                     partitioners, regularizers, data_format, custom_getter, name,
                     dict(channel_multiplier=channel_multiplier, rate=rate), padding_value)
    self._w = None

  def _build(self, inputs):
    """Applies the depthwise convolution.

    Args:
      inputs: a rank-4 floating point tensor with a known channel count.

    Returns:
      The output, with `input_channels * channel_multiplier` channels.

    Raises:
      errors.IncompatibleShapeError, errors.UnderspecifiedError: bad input shape.
      TypeError: non floating point input.
    """
    inputs = tf.convert_to_tensor(inputs)
    channels = self._check_input(inputs)
    dtype = inputs.dtype
    w = self._variable("w", self._kernel_shape + (channels, self._channel_multiplier), dtype,
                       conv_utils.weight_initializer(self._kernel_shape))
    outputs = _per_channel_conv(inputs, w, None, self._kernel_shape, self._stride,
                                self._rate, self._padding, self._data_format,
                                self._padding_value)
    outputs, b = self._bias(outputs, channels * self._channel_multiplier, dtype)
    self._w, self._b = w, b
    self._input_channels = channels
    self._input_shape = tuple(inputs.shape.as_list())
    return outputs

  @property
  def channel_multiplier(self) -> int:
    """Filters per input channel."""
    return self._channel_multiplier

  @property
  def output_channels(self) -> int:
    """input_channels * channel_multiplier (NotConnectedError before the first call)."""
    return self.input_channels * self._channel_multiplier

  @property
  def w(self):
    """The depthwise weights (NotConnectedError before the first call)."""
    self._ensure_is_connected()
    return self._w


class InPlaneConv2D(_PerChannelConv):
  """One `kernel_shape + (1, 1)` filter shared by (tiled over) all input channels.

  Output channels = input channels.

  Args:
    kernel_shape: int or pair.
    stride: int, pair, or the legacy 4-element form.
    padding: `SAME`, `VALID`, `FULL`, `CAUSAL` or `REVERSE_CAUSAL` (or one per dim).
    use_bias: whether to add a bias of shape `(input_channels,)`.
    initializers, partitioners, regularizers: dicts keyed by "w" / "b".
    data_format: "NHWC" or "NCHW".
    custom_getter: custom getter(s) applied to the variables.
    name: module name (default "in_plane_conv2d").
    padding_value: what fills the padded border: `CONSTANT_PADDING` (zeros, default),
      `REFLECT_PADDING` or `SYMMETRIC_PADDING`.

  Raises:
    ValueError: bad padding or data_format.
    errors.IncompatibleShapeError: bad kernel or stride.
  """

  def __init__(self,
               kernel_shape: int | Sequence[int],
               stride: int | Sequence[int] = 1,
               padding: types.PaddingLike = conv_utils.SAME,
               use_bias: bool = True,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               data_format: str = "NHWC",
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "in_plane_conv2d",
               padding_value: str = conv_utils.CONSTANT_PADDING):
    super().__init__(kernel_shape, stride, 1, padding, use_bias, initializers, partitioners,
                     regularizers, data_format, custom_getter, name, {}, padding_value)
    self._w = None

  def _build(self, inputs):
    """Applies the shared filter to every channel.

    Args:
      inputs: a rank-4 floating point tensor with a known channel count.

    Returns:
      The output, with as many channels as the input.

    Raises:
      errors.IncompatibleShapeError, errors.UnderspecifiedError: bad input shape.
      TypeError: non floating point input.
    """
    inputs = tf.convert_to_tensor(inputs)
    channels = self._check_input(inputs)
    dtype = inputs.dtype
    w = self._variable("w", self._kernel_shape + (1, 1), dtype,
                       conv_utils.weight_initializer(self._kernel_shape))
    tiled = tf.tile(w, [1, 1, channels, 1])
    outputs = _per_channel_conv(inputs, tiled, None, self._kernel_shape, self._stride,
                                self._rate, self._padding, self._data_format,
                                self._padding_value)
    outputs, b = self._bias(outputs, channels, dtype)
    self._w, self._b = w, b
    self._input_channels = channels
    self._input_shape = tuple(inputs.shape.as_list())
    return outputs

  @property
  def output_channels(self) -> int:
    """Equal to the input channels (NotConnectedError before the first call)."""
    return self.input_channels

  @property
  def w(self):
    """The shared `kernel_shape + (1, 1)` filter (NotConnectedError before connection)."""
    self._ensure_is_connected()
    return self._w


class SeparableConv2D(_PerChannelConv):
  """Depthwise convolution followed by a 1x1 (pointwise) convolution.

  Weights: `w_dw` `kernel_shape + (input_channels, channel_multiplier)`, `w_pw`
  `(1, 1, input_channels * channel_multiplier, output_channels)`, bias `b`
  `(output_channels,)`.

  Args:
    output_channels: number of output channels (positive int).
    channel_multiplier: depthwise filters per input channel.
    kernel_shape, stride, rate, padding, use_bias: as `DepthwiseConv2D`.
    initializers, partitioners, regularizers: dicts keyed by "w_dw", "w_pw", "b".
    data_format: "NHWC" or "NCHW".
    custom_getter: custom getter(s) applied to the variables.
    name: module name (default "separable_conv_2d"; Sonnet 1 used "Separable_conv2d").
    padding_value: what fills the padded border: `CONSTANT_PADDING` (zeros, default),
      `REFLECT_PADDING` or `SYMMETRIC_PADDING`.

  Raises:
    ValueError: bad output_channels, channel_multiplier, padding or data_format.
    errors.IncompatibleShapeError: bad kernel, stride or rate.
    errors.NotSupportedError: stride > 1 together with rate > 1.
  """

  _KEYS = ("w_dw", "w_pw")

  def __init__(self,
               output_channels: int,
               channel_multiplier: int,
               kernel_shape: int | Sequence[int],
               stride: int | Sequence[int] = 1,
               rate: int | Sequence[int] = 1,
               padding: types.PaddingLike = conv_utils.SAME,
               use_bias: bool = True,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               data_format: str = "NHWC",
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "separable_conv_2d",
               padding_value: str = conv_utils.CONSTANT_PADDING):
    label = type(self).__name__
    self._output_channels = conv_utils.resolve_output_channels(output_channels, label)
    self._channel_multiplier = _check_multiplier(channel_multiplier, label)
    super().__init__(kernel_shape, stride, rate, padding, use_bias, initializers,
                     partitioners, regularizers, data_format, custom_getter, name,
                     dict(output_channels=output_channels,
                          channel_multiplier=channel_multiplier, rate=rate), padding_value)
    self._w_dw = None
    self._w_pw = None

  def _weights(self, channels, dtype):
    # SeparableConv1D's weights have Sonnet 1's 2-D shapes (leading 1), so that its
    # checkpoints restore.
    leading = (1,) if self._N == 1 else ()
    dw_shape = leading + self._kernel_shape + (channels, self._channel_multiplier)
    pw_shape = (1,) * (self._N + len(leading)) + (channels * self._channel_multiplier,
                                                   self._output_channels)
    w_dw = self._variable("w_dw", dw_shape, dtype,
                          conv_utils.weight_initializer(self._kernel_shape))
    w_pw = self._variable("w_pw", pw_shape, dtype,
                          conv_utils.weight_initializer((channels * self._channel_multiplier,)))
    return w_dw, w_pw

  def _build(self, inputs):
    """Applies the separable convolution.

    Args:
      inputs: a rank-4 floating point tensor with a known channel count.

    Returns:
      The output, with `output_channels` channels.

    Raises:
      errors.IncompatibleShapeError, errors.UnderspecifiedError: bad input shape.
      TypeError: non floating point input.
    """
    inputs = tf.convert_to_tensor(inputs)
    channels = self._check_input(inputs)
    w_dw, w_pw = self._weights(channels, inputs.dtype)
    outputs = _per_channel_conv(inputs, w_dw, w_pw, self._kernel_shape, self._stride,
                                self._rate, self._padding, self._data_format,
                                self._padding_value)
    outputs, b = self._bias(outputs, self._output_channels, inputs.dtype)
    self._w_dw, self._w_pw, self._b = w_dw, w_pw, b
    self._input_channels = channels
    self._input_shape = tuple(inputs.shape.as_list())
    return outputs

  @property
  def output_channels(self) -> int:
    """Number of output channels."""
    return self._output_channels

  @property
  def channel_multiplier(self) -> int:
    """Depthwise filters per input channel."""
    return self._channel_multiplier

  @property
  def w_dw(self):
    """The depthwise weights (NotConnectedError before the first call)."""
    self._ensure_is_connected()
    return self._w_dw

  @property
  def w_pw(self):
    """The pointwise weights (NotConnectedError before the first call)."""
    self._ensure_is_connected()
    return self._w_pw


class SeparableConv1D(SeparableConv2D):
  """1-D separable convolution over NWC (default) or NCW inputs.

  Weights (Sonnet 1's shapes): `w_dw` `(1, k, input_channels, channel_multiplier)`, `w_pw`
  `(1, 1, input_channels * channel_multiplier, output_channels)`, bias `b`. Runs as a 2-D
  separable convolution of height 1.

  Args:
    output_channels: number of output channels (positive int).
    channel_multiplier: depthwise filters per input channel.
    kernel_shape: kernel width.
    stride, rate: int or `(s,)`; rate > 1 with stride > 1 is not supported.
    padding: `SAME`, `VALID`, `FULL`, `CAUSAL` or `REVERSE_CAUSAL`.
    use_bias: whether to add a bias.
    initializers, partitioners, regularizers: dicts keyed by "w_dw", "w_pw", "b".
    data_format: "NWC" or "NCW".
    custom_getter: custom getter(s) applied to the variables.
    name: module name (default "separable_conv_1d").
    padding_value: what fills the padded border: `CONSTANT_PADDING` (zeros, default),
      `REFLECT_PADDING` or `SYMMETRIC_PADDING`.

  Raises:
    As `SeparableConv2D`.
  """

  _N = 1

  def __init__(self,
               output_channels: int,
               channel_multiplier: int,
               kernel_shape: int | Sequence[int],
               stride: int | Sequence[int] = 1,
               rate: int | Sequence[int] = 1,
               padding: types.PaddingLike = conv_utils.SAME,
               use_bias: bool = True,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               data_format: str = "NWC",
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "separable_conv_1d",
               padding_value: str = conv_utils.CONSTANT_PADDING):
    super().__init__(output_channels, channel_multiplier, kernel_shape, stride=stride,
                     rate=rate, padding=padding, use_bias=use_bias,
                     initializers=initializers, partitioners=partitioners,
                     regularizers=regularizers, data_format=data_format,
                     custom_getter=custom_getter, name=name, padding_value=padding_value)

  def _build(self, inputs):
    """Applies the separable convolution.

    Args:
      inputs: a rank-3 floating point tensor with a known channel count.

    Returns:
      The output, with `output_channels` channels.

    Raises:
      errors.IncompatibleShapeError, errors.UnderspecifiedError: bad input shape.
      TypeError: non floating point input.
    """
    inputs = tf.convert_to_tensor(inputs)
    channels = self._check_input(inputs)
    w_dw, w_pw = self._weights(channels, inputs.dtype)
    first = conv_utils.channels_first(self._data_format)
    data_format_2d = "NCHW" if first else "NHWC"
    x = tf.expand_dims(inputs, 2 if first else 1)
    outputs = _per_channel_conv(
        x, w_dw, w_pw, (1,) + self._kernel_shape,
        self._stride * 2, (1,) + self._rate, (self._padding[0],) + self._padding,
        data_format_2d, self._padding_value)
    outputs = tf.squeeze(outputs, [2 if first else 1])
    outputs, b = self._bias(outputs, self._output_channels, inputs.dtype)
    self._w_dw, self._w_pw, self._b = w_dw, w_pw, b
    self._input_channels = channels
    self._input_shape = tuple(inputs.shape.as_list())
    return outputs
