# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""N-dimensional convolutions: `Conv1D`, `Conv2D`, `Conv3D`, `CausalConv1D`.

The padding constants and argument checks live in `conv_utils.py`; the ones other modules
use are re-exported here (`conv.SAME`, `conv.fill_shape`, ...).
"""

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from sonnet.src import base
from sonnet.src import conv_utils
from sonnet.src import errors
from sonnet.src import types
from sonnet.src import util
from sonnet.src import variables
from sonnet.src.conv_utils import add_bias

# Padding constants and checks other modules use as `conv.<name>`.
from sonnet.src.conv_utils import ALLOWED_PADDING_VALUES  # noqa: F401 (re-exported)
from sonnet.src.conv_utils import apply_padding
from sonnet.src.conv_utils import bias_initializer
from sonnet.src.conv_utils import broadcast_mask
from sonnet.src.conv_utils import CAUSAL
from sonnet.src.conv_utils import channels_first
from sonnet.src.conv_utils import channels_last_format
from sonnet.src.conv_utils import check_data_format
from sonnet.src.conv_utils import check_input
from sonnet.src.conv_utils import check_mask
from sonnet.src.conv_utils import check_padding_value
from sonnet.src.conv_utils import check_spatial_sizes
from sonnet.src.conv_utils import check_stride_and_rate
from sonnet.src.conv_utils import CONSTANT_PADDING
from sonnet.src.conv_utils import CONV_OP_PADDINGS
from sonnet.src.conv_utils import DATA_FORMATS
from sonnet.src.conv_utils import ERR_CHANNELS_CHANGED
from sonnet.src.conv_utils import ERR_MASK_WEIGHT_SHAPE  # noqa: F401 (re-exported)
from sonnet.src.conv_utils import ERR_TRANSPOSE_DILATED
from sonnet.src.conv_utils import ERR_TRANSPOSE_PADDING
from sonnet.src.conv_utils import fill_padding
from sonnet.src.conv_utils import fill_shape
from sonnet.src.conv_utils import fill_stride
from sonnet.src.conv_utils import FULL  # noqa: F401 (re-exported: conv.FULL)
from sonnet.src.conv_utils import guard_empty_batch
from sonnet.src.conv_utils import REFLECT_PADDING  # noqa: F401 (re-exported)
from sonnet.src.conv_utils import resolve_output_channels
from sonnet.src.conv_utils import REVERSE_CAUSAL  # noqa: F401 (re-exported)
from sonnet.src.conv_utils import SAME
from sonnet.src.conv_utils import SYMMETRIC_PADDING  # noqa: F401 (re-exported)
from sonnet.src.conv_utils import to_channels_first
from sonnet.src.conv_utils import to_channels_last
from sonnet.src.conv_utils import use_channels_last_fallback
from sonnet.src.conv_utils import VALID  # noqa: F401 (re-exported)
from sonnet.src.conv_utils import weight_initializer


class _ConvND(conv_utils.ConvProperties, base.AbstractModule, base.Transposable):
  """N-dimensional (dilated) convolution with bias, wrapping `tf.nn.convolution`."""

  _N = 2

  def __init__(self, output_channels: int | Callable[[], int],
               kernel_shape: int | Sequence[int],
               stride: int | Sequence[int] = 1,
               rate: int | Sequence[int] = 1,
               padding: types.PaddingLike = SAME,
               use_bias: bool = True,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               mask: types.ArrayLike | tf.Tensor | None = None,
               data_format: str | None = None,
               custom_getter: types.CustomGetterArg | None = None,
               name: str | None = None,
               padding_value: str = CONSTANT_PADDING):
    super().__init__(name=name, custom_getter=custom_getter)
    n = self._N
    label = type(self).__name__
    if data_format is None:
      data_format = DATA_FORMATS[n][0]
    self._data_format = check_data_format(data_format, n, label)
    if not callable(output_channels):
      resolve_output_channels(output_channels, label)
    self._output_channels = output_channels
    self._kernel_shape = fill_shape(kernel_shape, n, "kernel", label)
    self._stride = fill_stride(stride, n, self._data_format, label)
    self._rate = fill_shape(rate, n, "rate", label)
    check_stride_and_rate(self._stride, self._rate, label)
    self._padding = fill_padding(padding, n, label)
    self._padding_value = check_padding_value(padding_value, label)
    self._use_bias = bool(use_bias)
    self._mask = check_mask(mask, self._kernel_shape, label)
    keys = self.get_possible_initializer_keys(use_bias=use_bias)
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, keys)
    self._input_shape = None
    self._input_channels = None
    self._w = None
    self._b = None
    self._ctor_kwargs = dict(
        output_channels=output_channels, kernel_shape=kernel_shape, stride=stride,
        rate=rate, padding=padding, use_bias=use_bias, initializers=initializers,
        partitioners=partitioners, regularizers=regularizers, mask=mask,
        data_format=self._data_format, custom_getter=custom_getter,
        padding_value=padding_value)

  @classmethod
  def get_possible_initializer_keys(cls, use_bias: bool = True,
                                    **unused_kwargs: Any) -> set[str]:
    """Returns the keys the `initializers` (etc.) dicts may have: {"w", "b"} or {"w"}.

    Args:
      use_bias: whether the module has a bias.
      **unused_kwargs: other constructor arguments, ignored.

    Returns:
      `{"w", "b"}`, or `{"w"}` without bias.
    """
    return {"w", "b"} if use_bias else {"w"}

  def _build(self, inputs: tf.Tensor) -> tf.Tensor:
    """Applies the convolution to `inputs`.

    Args:
      inputs: a tensor of rank N+2 in `data_format`, with a statically known channel
        count and a floating point dtype. Batch and spatial sizes may be unknown.

    Returns:
      The output tensor, in the same `data_format`.

    Raises:
      errors.IncompatibleShapeError: for a wrong rank or a changed channel count.
      errors.UnderspecifiedError: if the channel count is unknown.
      TypeError: for a non floating point input.
    """
    label = self.module_name
    inputs = tf.convert_to_tensor(inputs)
    channels = check_input(inputs, self._data_format, label)
    if self._input_channels is not None and channels != self._input_channels:
      raise errors.IncompatibleShapeError(ERR_CHANNELS_CHANGED.format(
          module=label, expected=self._input_channels, actual=channels))
    check_spatial_sizes(inputs, self._data_format, self._kernel_shape, self._rate,
                        self._padding, label)
    output_channels = resolve_output_channels(self._output_channels, label)
    dtype = inputs.dtype
    w_shape = self._kernel_shape + (channels, output_channels)
    mask = None
    if self._mask is not None:
      mask = broadcast_mask(self._mask, w_shape, label)
    w = variables.get_variable(
        "w", shape=w_shape, dtype=dtype,
        initializer=self._initializers.get(
            "w", weight_initializer(self._kernel_shape + (channels,))),
        regularizer=self._regularizers.get("w"),
        partitioner=self._partitioners.get("w"))
    b = None
    if self._use_bias:
      b = variables.get_variable(
          "b", shape=(output_channels,), dtype=dtype,
          initializer=self._initializers.get("b", bias_initializer()),
          regularizer=self._regularizers.get("b"),
          partitioner=self._partitioners.get("b"))
    kernel = w
    if mask is not None:
      # bool and int numpy masks too; a tensor mask may have another float dtype.
      kernel = w * tf.cast(mask, dtype)

    outputs = self._convolve(inputs, kernel)
    if b is not None:
      outputs = add_bias(outputs, b, self._data_format)

    self._w, self._b = w, b
    self._input_channels = channels
    self._output_channels = output_channels
    self._input_shape = tuple(inputs.shape.as_list())
    return outputs

  def _convolve(self, inputs: tf.Tensor, kernel: tf.Tensor) -> tf.Tensor:
    data_format = self._data_format
    fallback = use_channels_last_fallback(data_format)
    if fallback:
      inputs = to_channels_last(inputs)
      data_format = channels_last_format(data_format)
    inputs, op_padding = apply_padding(inputs, self._padding, self._kernel_shape,
                                       self._rate, data_format, self._padding_value)
    outputs = guard_empty_batch(
        lambda: tf.nn.convolution(inputs, kernel, strides=self._stride, padding=op_padding,
                                  dilations=self._rate, data_format=data_format),
        inputs, self._kernel_shape, self._stride, self._rate, op_padding, data_format,
        tf.compat.dimension_value(kernel.shape[-1]))
    if fallback:
      outputs = to_channels_first(outputs)
    return outputs

  # --- properties ---------------------------------------------------------------------

  @property
  def output_channels(self) -> int:
    """Number of output channels (a callable given to the constructor is evaluated)."""
    if callable(self._output_channels):
      self._output_channels = resolve_output_channels(self._output_channels,
                                                      self.module_name)
    return self._output_channels

  @property
  def rate(self) -> tuple[int, ...]:
    """Dilation rate per spatial dimension."""
    return self._rate

  @property
  def padding(self) -> str | tuple[str, ...]:
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

  @property
  def mask(self) -> np.ndarray | tf.Tensor | None:
    """The weight mask given to the constructor (a numpy array or a tensor), or None."""
    return self._mask

  @property
  def w(self):
    """The weight variable, `kernel_shape + (input_channels, output_channels)`.

    Raises:
      errors.NotConnectedError: before the first call.
    """
    self._ensure_is_connected()
    return self._w

  def _spatial_input_shape(self) -> tuple[int | None, ...]:
    shape = self.input_shape
    return tuple(shape[2:]) if channels_first(self._data_format) else tuple(shape[1:-1])

  def transpose(self, name: str | None = None):
    """Returns the transposed convolution that maps outputs back to the input's shape.

    Args:
      name: name of the new module; default `<module_name>_transpose`.

    Returns:
      A `Conv{N}DTranspose` whose output channels and output shape are read from this
      module when it is connected (so this module must be connected first).

    Raises:
      errors.NotSupportedError: for a dilated convolution, or a padding other than
        SAME / VALID.
    """
    from sonnet.src import conv_transpose
    if max(self._rate) > 1:
      raise errors.NotSupportedError(
          ERR_TRANSPOSE_DILATED.format(module=self.module_name, rate=self._rate))
    if any(p not in CONV_OP_PADDINGS for p in self._padding):
      raise errors.NotSupportedError(
          ERR_TRANSPOSE_PADDING.format(module=self.module_name, padding=self._padding))
    cls = conv_transpose.TRANSPOSE_CLASSES[self._N]
    return cls(output_channels=lambda: self.input_channels,
               output_shape=self._spatial_input_shape,
               kernel_shape=self._kernel_shape,
               stride=self._stride,
               padding=self.padding,
               use_bias=self._use_bias,
               initializers=self._ctor_kwargs["initializers"],
               partitioners=self._ctor_kwargs["partitioners"],
               regularizers=self._ctor_kwargs["regularizers"],
               data_format=self._data_format,
               custom_getter=self._ctor_kwargs["custom_getter"],
               name=name or self.module_name + "_transpose")


class Conv1D(_ConvND):
  """1-D convolution over `[batch, width, channels]` (NWC) or `[batch, channels, width]`.

  Args:
    output_channels: number of output channels, or a callable returning it.
    kernel_shape: kernel width (int or sequence of 1).
    stride: stride (int or sequence of 1; the legacy `[1, s, 1]` form is accepted).
    rate: dilation rate; rate > 1 with stride > 1 is not supported.
    padding: `SAME`, `VALID`, `FULL`, `CAUSAL` or `REVERSE_CAUSAL`.
    use_bias: whether to add a bias `b` of shape `(output_channels,)`.
    initializers, partitioners, regularizers: dicts keyed by "w" / "b".
    mask: optional numpy array or float tensor of the kernel shape (or the full weight
      shape) that multiplies the weights elementwise.
    data_format: "NWC" (default) or "NCW".
    custom_getter: custom getter(s) applied to the variables.
    name: module name (default "conv_1d").
    padding_value: what fills the padded border: `CONSTANT_PADDING` (zeros, default),
      `REFLECT_PADDING` or `SYMMETRIC_PADDING` (as `tf.pad`'s modes; the input is then
      padded explicitly before a VALID convolution).

  Raises:
    errors.IncompatibleShapeError: bad kernel, stride, rate or mask shape.
    errors.NotSupportedError: stride > 1 together with rate > 1.
    ValueError: bad padding, data_format or output_channels.
    KeyError, TypeError: bad initializer / partitioner / regularizer dicts or mask type.
  """

  _N = 1

  def __init__(self,
               output_channels: int | Callable[[], int],
               kernel_shape: int | Sequence[int],
               stride: int | Sequence[int] = 1,
               rate: int | Sequence[int] = 1,
               padding: types.PaddingLike = SAME,
               use_bias: bool = True,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               mask: types.ArrayLike | tf.Tensor | None = None,
               data_format: str = "NWC",
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "conv_1d",
               padding_value: str = CONSTANT_PADDING):
    super().__init__(output_channels, kernel_shape, stride=stride, rate=rate,
                     padding=padding, use_bias=use_bias, initializers=initializers,
                     partitioners=partitioners, regularizers=regularizers, mask=mask,
                     data_format=data_format, custom_getter=custom_getter, name=name,
                     padding_value=padding_value)


class Conv2D(_ConvND):
  """2-D convolution over NHWC (default) or NCHW inputs.

  ```python
  conv = snt.Conv2D(output_channels=16, kernel_shape=3, stride=2)
  outputs = conv(images)            # [B, H, W, C] -> [B, ceil(H/2), ceil(W/2), 16]
  back = conv.transpose()(outputs)  # a Conv2DTranspose: [B, H, W, C] again
  ```

  Args:
    output_channels: number of output channels, or a callable returning it.
    kernel_shape: int or (height, width).
    stride: int, (height, width), or the legacy `[1, s_h, s_w, 1]`.
    rate: dilation rate, int or pair; rate > 1 with stride > 1 is not supported.
    padding: `SAME`, `VALID`, `FULL`, `CAUSAL` or `REVERSE_CAUSAL`, or one per dimension.
    use_bias: whether to add a bias `b` of shape `(output_channels,)`.
    initializers, partitioners, regularizers: dicts keyed by "w" / "b".
    mask: optional numpy array or float tensor of shape `kernel_shape` (or the full weight
      shape) that
      multiplies the weights elementwise.
    data_format: "NHWC" or "NCHW" (channels-first runs channels-last internally when no
      GPU is visible).
    custom_getter: custom getter(s) applied to the variables.
    name: module name (default "conv_2d").
    padding_value: what fills the padded border: `CONSTANT_PADDING` (zeros, default),
      `REFLECT_PADDING` or `SYMMETRIC_PADDING` (as `tf.pad`'s modes; the input is then
      padded explicitly before a VALID convolution).

  Raises:
    errors.IncompatibleShapeError: bad kernel, stride, rate or mask shape.
    errors.NotSupportedError: stride > 1 together with rate > 1.
    ValueError: bad padding, data_format or output_channels.
    KeyError, TypeError: bad initializer / partitioner / regularizer dicts or mask type.
  """

  _N = 2

  def __init__(self,
               output_channels: int | Callable[[], int],
               kernel_shape: int | Sequence[int],
               stride: int | Sequence[int] = 1,
               rate: int | Sequence[int] = 1,
               padding: types.PaddingLike = SAME,
               use_bias: bool = True,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               mask: types.ArrayLike | tf.Tensor | None = None,
               data_format: str = "NHWC",
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "conv_2d",
               padding_value: str = CONSTANT_PADDING):
    super().__init__(output_channels, kernel_shape, stride=stride, rate=rate,
                     padding=padding, use_bias=use_bias, initializers=initializers,
                     partitioners=partitioners, regularizers=regularizers, mask=mask,
                     data_format=data_format, custom_getter=custom_getter, name=name,
                     padding_value=padding_value)


class Conv3D(_ConvND):
  """3-D convolution over NDHWC (default) or NCDHW inputs.

  Args:
    output_channels: number of output channels, or a callable returning it.
    kernel_shape: int or (depth, height, width).
    stride: int, triple, or the legacy 5-element form.
    rate: dilation rate, int or triple; rate > 1 with stride > 1 is not supported.
    padding: `SAME`, `VALID`, `FULL`, `CAUSAL` or `REVERSE_CAUSAL`, or one per dimension.
    use_bias: whether to add a bias `b` of shape `(output_channels,)`.
    initializers, partitioners, regularizers: dicts keyed by "w" / "b".
    mask: optional numpy array or float tensor of the kernel shape (or the full weight
      shape).
    data_format: "NDHWC" or "NCDHW".
    custom_getter: custom getter(s) applied to the variables.
    name: module name (default "conv_3d").
    padding_value: what fills the padded border: `CONSTANT_PADDING` (zeros, default),
      `REFLECT_PADDING` or `SYMMETRIC_PADDING` (as `tf.pad`'s modes; the input is then
      padded explicitly before a VALID convolution).

  Raises:
    As `Conv2D`.
  """

  _N = 3

  def __init__(self,
               output_channels: int | Callable[[], int],
               kernel_shape: int | Sequence[int],
               stride: int | Sequence[int] = 1,
               rate: int | Sequence[int] = 1,
               padding: types.PaddingLike = SAME,
               use_bias: bool = True,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               mask: types.ArrayLike | tf.Tensor | None = None,
               data_format: str = "NDHWC",
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "conv_3d",
               padding_value: str = CONSTANT_PADDING):
    super().__init__(output_channels, kernel_shape, stride=stride, rate=rate,
                     padding=padding, use_bias=use_bias, initializers=initializers,
                     partitioners=partitioners, regularizers=regularizers, mask=mask,
                     data_format=data_format, custom_getter=custom_getter, name=name,
                     padding_value=padding_value)


class CausalConv1D(_ConvND):
  """1-D convolution padded on the left only: output `t` sees inputs `<= t`.

  It has no transpose (`transpose()` raises `NotSupportedError`).

  Args:
    output_channels: number of output channels, or a callable returning it.
    kernel_shape: kernel width.
    stride: stride (int, `(s,)` or `[1, s, 1]`).
    rate: dilation rate; rate > 1 with stride > 1 is not supported.
    use_bias: whether to add a bias.
    initializers, partitioners, regularizers: dicts keyed by "w" / "b".
    mask: optional numpy array or float tensor of the kernel shape (or the full weight
      shape).
    data_format: "NWC" or "NCW".
    custom_getter: custom getter(s) applied to the variables.
    name: module name (default "causal_conv_1d").
    padding_value: what fills the padded border: `CONSTANT_PADDING` (zeros, default),
      `REFLECT_PADDING` or `SYMMETRIC_PADDING` (as `tf.pad`'s modes; the input is then
      padded explicitly before a VALID convolution).

  Raises:
    As `Conv1D`.
  """

  _N = 1

  def __init__(self,
               output_channels: int | Callable[[], int],
               kernel_shape: int | Sequence[int],
               stride: int | Sequence[int] = 1,
               rate: int | Sequence[int] = 1,
               use_bias: bool = True,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               mask: types.ArrayLike | tf.Tensor | None = None,
               data_format: str = "NWC",
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "causal_conv_1d",
               padding_value: str = CONSTANT_PADDING):
    super().__init__(output_channels, kernel_shape, stride=stride, rate=rate,
                     padding=CAUSAL, use_bias=use_bias, initializers=initializers,
                     partitioners=partitioners, regularizers=regularizers, mask=mask,
                     data_format=data_format, custom_getter=custom_getter, name=name,
                     padding_value=padding_value)
    del self._ctor_kwargs["padding"]
