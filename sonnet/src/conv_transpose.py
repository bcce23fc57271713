# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Transposed convolutions: `Conv1DTranspose`, `Conv2DTranspose`, `Conv3DTranspose`."""

from collections.abc import Callable, Sequence
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import conv
from sonnet.src import conv_utils
from sonnet.src import errors
from sonnet.src import types
from sonnet.src import util
from sonnet.src import variables

ERR_KERNEL_REQUIRED = "{module}: `kernel_shape` cannot be None; kernel_shape must be given."
ERR_OUTPUT_SHAPE = ("{module}: Invalid output_shape {value!r}. Expected None (inferred from "
                    "the input), a sequence of {n} positive integers (None entries are "
                    "inferred), or a callable returning one.")
ERR_OUTPUT_SHAPE_MISMATCH = (
    # No apostrophe: graph-mode errors show string tensors with it escaped.
    "{module}: output_shape {output_shape} cannot give the input spatial shape {input_shape} "
    "with stride {stride}, kernel {kernel} and padding {padding}: a forward convolution of "
    "the output would have spatial shape {expected}.")


def _forward_size(out: int, kernel: int, stride: int, padding: str) -> int:
  """Spatial size a forward convolution gives for an input of size `out`."""
  if padding == conv_utils.SAME:
    return -(-out // stride)
  return max(-(-(out - kernel + 1) // stride), 0)


def _default_size(size, kernel: int, stride: int, padding: str):
  """The largest output size that maps back to `size` (Sonnet 1's default).

  SAME: `size * stride`; VALID: `size * stride + kernel - 1`. Works for ints and scalar
  tensors.
  """
  out = size * stride
  if padding == conv_utils.VALID:
    out += kernel - 1
  return out


class _ConvNDTranspose(conv_utils.ConvProperties, base.AbstractModule,
                       base.Transposable):
  """N-dimensional transposed convolution with bias (`tf.nn.conv_transpose`)."""

  _N = 2
  # Leading size-1 dimensions of the weight variable: Sonnet 1's Conv1DTranspose stored a
  # 2-D kernel `(1, k, out, in)`, kept so that its checkpoints restore.
  _W_LEADING: tuple[int, ...] = ()

  def __init__(self, output_channels: int | Callable[[], int],
               output_shape: None | types.ShapeLike | Callable[[], types.ShapeLike] = None,
               kernel_shape: int | Sequence[int] | None = None,
               stride: int | Sequence[int] = 1,
               padding: types.PaddingLike = conv_utils.SAME,
               use_bias: bool = True,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               data_format: str | None = None,
               custom_getter: types.CustomGetterArg | None = None,
               name: str | None = None):
    super().__init__(name=name, custom_getter=custom_getter)
    n = self._N
    label = type(self).__name__
    if data_format is None:
      data_format = conv_utils.DATA_FORMATS[n][0]
    self._data_format = conv_utils.check_data_format(data_format, n, label)
    if not callable(output_channels):
      conv_utils.resolve_output_channels(output_channels, label)
    self._output_channels = output_channels
    if kernel_shape is None:
      raise ValueError(ERR_KERNEL_REQUIRED.format(module=label))
    self._kernel_shape = conv_utils.fill_shape(kernel_shape, n, "kernel", label)
    self._stride = conv_utils.fill_stride(stride, n, self._data_format, label)
    self._padding = conv_utils.fill_padding(padding, n, label, allowed=conv_utils.CONV_OP_PADDINGS)
    if len(set(self._padding)) != 1:
      raise ValueError(conv_utils.ERR_PADDING.format(
          module=label, value=padding, allowed=list(conv_utils.CONV_OP_PADDINGS), n=1))
    self._output_shape = (output_shape if output_shape is None or callable(output_shape)
                          else self._check_output_shape(output_shape, label))
    self._use_bias = bool(use_bias)
    keys = self.get_possible_initializer_keys(use_bias=use_bias)
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, keys)
    self._input_shape = None
    self._input_channels = None
    # The spatial output shape of the latest connection (`output_shape` after a call).
    self._connected_output_shape: tuple[int | None, ...] | None = None
    self._w = None
    self._b = None
    self._ctor_kwargs = dict(
        output_channels=output_channels, output_shape=output_shape,
        kernel_shape=kernel_shape, stride=stride, padding=padding, use_bias=use_bias,
        initializers=initializers, partitioners=partitioners, regularizers=regularizers,
        data_format=self._data_format, custom_getter=custom_getter)

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

  def _check_output_shape(self, value, label) -> tuple[int | None, ...]:
    n = self._N
    # TF1 shapes (legacy mode) give tf.compat.v1.Dimension objects.
    if isinstance(value, tf.compat.v1.Dimension):
      value = value.value
    if isinstance(value, (list, tuple)) and any(
        isinstance(v, tf.compat.v1.Dimension) for v in value):
      value = [v.value if isinstance(v, tf.compat.v1.Dimension) else v for v in value]
    if argument_checks.is_positive_int(value):
      return (int(value),) * n
    if isinstance(value, tf.TensorShape):
      value = value.as_list()
    if (isinstance(value, (list, tuple)) and len(value) == n and
        all(v is None or argument_checks.is_positive_int(v) for v in value)):
      return tuple(None if v is None else int(v) for v in value)
    raise errors.IncompatibleShapeError(
        ERR_OUTPUT_SHAPE.format(module=label, value=value, n=n))

  def _build(self, inputs: tf.Tensor) -> tf.Tensor:
    """Applies the transposed convolution to `inputs`.

    Args:
      inputs: a tensor of rank N+2 in `data_format` with a known channel count. Batch
        (and, when `output_shape` is inferred, spatial) sizes may be unknown.

    Returns:
      The output tensor with spatial shape `output_shape` (inferred as
      `input * stride` for SAME, `input * stride + kernel - 1` for VALID).

    Raises:
      errors.IncompatibleShapeError: wrong rank or changed channel count.
      errors.UnderspecifiedError: unknown channel count.
      TypeError: non floating point input.
      tf.errors.InvalidArgumentError: when the op runs, for an `output_shape` that does
        not map back to the input's spatial shape (as in Sonnet 1).
    """
    label = self.module_name
    inputs = tf.convert_to_tensor(inputs)
    channels = conv_utils.check_input(inputs, self._data_format, label)
    if self._input_channels is not None and channels != self._input_channels:
      raise errors.IncompatibleShapeError(conv_utils.ERR_CHANNELS_CHANGED.format(
          module=label, expected=self._input_channels, actual=channels))
    output_channels = conv_utils.resolve_output_channels(self._output_channels, label)
    first = conv_utils.channels_first(self._data_format)
    static = inputs.shape.as_list()
    in_spatial = static[2:] if first else static[1:-1]
    output_spatial = self._output_shape
    if callable(output_spatial):
      output_spatial = self._check_output_shape(output_spatial(), label)
    padding = self._padding[0]
    if output_spatial is None:
      output_spatial = (None,) * self._N
    output_spatial = tuple(
        o if o is not None else
        (_default_size(i, k, s, padding) if i is not None else None)
        for o, i, k, s in zip(output_spatial, in_spatial, self._kernel_shape, self._stride))
    # An `output_shape` that does not map back to the input's spatial shape fails when the
    # op runs, as in Sonnet 1 (connecting succeeds in graph mode). The op's own error is
    # opaque with oneDNN ("could not create a primitive descriptor", an AbortedError), so
    # a known mismatch runs an assertion first: InvalidArgumentError with our message.
    expected = tuple(None if o is None else _forward_size(o, k, s, padding)
                     for o, k, s in zip(output_spatial, self._kernel_shape, self._stride))
    mismatch = []
    if any(i is not None and e is not None and i != e
           for i, e in zip(in_spatial, expected)):
      mismatch = [tf.debugging.Assert(False, [ERR_OUTPUT_SHAPE_MISMATCH.format(
          module=label, output_shape=output_spatial, input_shape=tuple(in_spatial),
          stride=self._stride, kernel=self._kernel_shape, padding=padding,
          expected=expected)])]

    dtype = inputs.dtype
    kernel_shape = self._kernel_shape + (output_channels, channels)
    w = variables.get_variable(
        "w", shape=self._W_LEADING + kernel_shape, dtype=dtype,
        initializer=self._initializers.get(
            "w", conv_utils.weight_initializer(self._kernel_shape + (channels,))),
        regularizer=self._regularizers.get("w"),
        partitioner=self._partitioners.get("w"))
    b = None
    if self._use_bias:
      b = variables.get_variable(
          "b", shape=(output_channels,), dtype=dtype,
          initializer=self._initializers.get("b", conv_utils.bias_initializer()),
          regularizer=self._regularizers.get("b"),
          partitioner=self._partitioners.get("b"))

    fallback = conv_utils.use_channels_last_fallback(self._data_format)
    data_format = self._data_format
    x = inputs
    if fallback:
      x = conv_utils.to_channels_last(x)
      data_format = conv_utils.channels_last_format(data_format)
      first = False
    dynamic = tf.shape(x)
    batch = static[0] if static[0] is not None else dynamic[0]
    spatial_dynamic = dynamic[2:] if first else dynamic[1:-1]
    spatial = [
        o if o is not None else _default_size(spatial_dynamic[i], k, s, padding)
        for i, (o, k, s) in enumerate(zip(output_spatial, self._kernel_shape, self._stride))]
    full = ([batch, output_channels] + spatial) if first else (
        [batch] + spatial + [output_channels])
    if all(isinstance(d, int) for d in full):
      output_shape_arg = full
    else:
      output_shape_arg = tf.stack([tf.cast(d, tf.int32) for d in full])
    kernel = tf.reshape(w, kernel_shape) if self._W_LEADING else w
    with tf.control_dependencies(mismatch):
      outputs = tf.nn.conv_transpose(x, kernel, output_shape_arg, strides=self._stride,
                                     padding=padding, data_format=data_format)
    if fallback:
      outputs = conv_utils.to_channels_first(outputs)
    static_out = ([static[0], output_channels] + list(output_spatial)
                  if conv_utils.channels_first(self._data_format) else
                  [static[0]] + list(output_spatial) + [output_channels])
    outputs.set_shape(static_out)
    if b is not None:
      outputs = conv_utils.add_bias(outputs, b, self._data_format)

    self._w, self._b = w, b
    self._input_channels = channels
    self._output_channels = output_channels
    self._input_shape = tuple(static)
    self._connected_output_shape = output_spatial
    return outputs

  # --- properties ---------------------------------------------------------------------

  @property
  def output_channels(self) -> int:
    """Number of output channels (a callable given to the constructor is evaluated)."""
    if callable(self._output_channels):
      self._output_channels = conv_utils.resolve_output_channels(self._output_channels,
                                                           self.module_name)
    return self._output_channels

  @property
  def output_shape(self) -> tuple[int | None, ...] | None:
    """The spatial output shape.

    As in Sonnet 1: once connected, the shape used by the latest call (inferred entries
    filled in; an entry stays None only where it was inferred from an unknown input
    size). Before that, the shape given to the constructor (a callable is evaluated),
    or None when it is to be inferred.
    """
    if self._connected_output_shape is not None:
      return self._connected_output_shape
    if callable(self._output_shape):
      return self._check_output_shape(self._output_shape(), self.module_name)
    return self._output_shape

  @property
  def padding(self) -> str:
    """`SAME` or `VALID`."""
    return self._padding[0]

  @property
  def conv_op_padding(self) -> str:
    """The padding given to `tf.nn.conv_transpose` (the same as `padding`)."""
    return self._padding[0]

  @property
  def w(self):
    """The weight variable, `kernel_shape + (output_channels, input_channels)` (with a
    leading 1 for Conv1DTranspose, as in Sonnet 1).

    Raises:
      errors.NotConnectedError: before the first call.
    """
    self._ensure_is_connected()
    return self._w

  def transpose(self, name: str | None = None) -> "conv._ConvND":
    """Returns the forward convolution mapping this module's outputs back to its inputs.

    Args:
      name: name of the new module; default `<module_name>_transpose`.

    Returns:
      A `Conv{N}D` whose output channel count is read from this module when it is
      connected.
    """
    cls = {1: conv.Conv1D, 2: conv.Conv2D, 3: conv.Conv3D}[self._N]
    return cls(output_channels=lambda: self.input_channels,
               kernel_shape=self._kernel_shape,
               stride=self._stride,
               padding=self._padding[0],
               use_bias=self._use_bias,
               initializers=self._ctor_kwargs["initializers"],
               partitioners=self._ctor_kwargs["partitioners"],
               regularizers=self._ctor_kwargs["regularizers"],
               data_format=self._data_format,
               custom_getter=self._ctor_kwargs["custom_getter"],
               name=name or self.module_name + "_transpose")


class Conv1DTranspose(_ConvNDTranspose):
  """1-D transposed convolution over NWC (default) or NCW inputs.

  The weight `w` has Sonnet 1's shape `(1, k, output_channels, input_channels)`.

  Args:
    output_channels: number of output channels, or a callable returning it.
    output_shape: output width `(L,)` / `L`, a callable returning it, or None to infer it
      from the input, stride and padding. The batch size may be unknown.
    kernel_shape: kernel width (required).
    stride: stride (int, `(s,)` or the legacy `[1, s, 1]`).
    padding: `SAME` or `VALID`.
    use_bias: whether to add a bias `b` of shape `(output_channels,)`.
    initializers, partitioners, regularizers: dicts keyed by "w" / "b".
    data_format: "NWC" or "NCW".
    custom_getter: custom getter(s) applied to the variables.
    name: module name (default "conv_1d_transpose").

  Raises:
    errors.IncompatibleShapeError: bad kernel, stride or output shape.
    ValueError: bad padding, data_format, output_channels or a missing kernel_shape.
    KeyError, TypeError: bad initializer / partitioner / regularizer dicts.
  """

  _N = 1
  _W_LEADING = (1,)

  def __init__(self,
               output_channels: int | Callable[[], int],
               output_shape: None | types.ShapeLike | Callable[[], types.ShapeLike] = None,
               kernel_shape: int | Sequence[int] | None = None,
               stride: int | Sequence[int] = 1,
               padding: types.PaddingLike = conv_utils.SAME,
               use_bias: bool = True,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               data_format: str = "NWC",
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "conv_1d_transpose"):
    super().__init__(output_channels, output_shape, kernel_shape, stride=stride,
                     padding=padding, use_bias=use_bias, initializers=initializers,
                     partitioners=partitioners, regularizers=regularizers,
                     data_format=data_format, custom_getter=custom_getter, name=name)


class Conv2DTranspose(_ConvNDTranspose):
  """2-D transposed convolution over NHWC (default) or NCHW inputs.

  Args:
    output_channels: number of output channels, or a callable returning it.
    output_shape: `(height, width)` (an int is used for both), a callable returning it,
      or None to infer it: `input * stride` (SAME) or `input * stride + kernel - 1`
      (VALID); None entries are inferred too. Batch and spatial sizes may be unknown.
    kernel_shape: int or (height, width) (required).
    stride: int, pair, or the legacy `[1, s_h, s_w, 1]`.
    padding: `SAME` or `VALID`.
    use_bias: whether to add a bias `b` of shape `(output_channels,)`.
    initializers, partitioners, regularizers: dicts keyed by "w" / "b".
    data_format: "NHWC" or "NCHW".
    custom_getter: custom getter(s) applied to the variables.
    name: module name (default "conv_2d_transpose").

  Raises:
    As `Conv1DTranspose`.
  """

  _N = 2

  def __init__(self,
               output_channels: int | Callable[[], int],
               output_shape: None | types.ShapeLike | Callable[[], types.ShapeLike] = None,
               kernel_shape: int | Sequence[int] | None = None,
               stride: int | Sequence[int] = 1,
               padding: types.PaddingLike = conv_utils.SAME,
               use_bias: bool = True,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               data_format: str = "NHWC",
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "conv_2d_transpose"):
    super().__init__(output_channels, output_shape, kernel_shape, stride=stride,
                     padding=padding, use_bias=use_bias, initializers=initializers,
                     partitioners=partitioners, regularizers=regularizers,
                     data_format=data_format, custom_getter=custom_getter, name=name)


class Conv3DTranspose(_ConvNDTranspose):
  """3-D transposed convolution over NDHWC (default) or NCDHW inputs.

  The bias defaults to zeros (Sonnet 1 used a random truncated normal).

  Args:
    output_channels: number of output channels, or a callable returning it.
    output_shape: `(depth, height, width)`, a callable returning it, or None to infer it.
    kernel_shape: int or triple (required).
    stride: int, triple, or the legacy 5-element form.
    padding: `SAME` or `VALID`.
    use_bias: whether to add a bias `b` of shape `(output_channels,)`.
    initializers, partitioners, regularizers: dicts keyed by "w" / "b".
    data_format: "NDHWC" or "NCDHW".
    custom_getter: custom getter(s) applied to the variables.
    name: module name (default "conv_3d_transpose").

  Raises:
    As `Conv1DTranspose`.
  """

  _N = 3

  def __init__(self,
               output_channels: int | Callable[[], int],
               output_shape: None | types.ShapeLike | Callable[[], types.ShapeLike] = None,
               kernel_shape: int | Sequence[int] | None = None,
               stride: int | Sequence[int] = 1,
               padding: types.PaddingLike = conv_utils.SAME,
               use_bias: bool = True,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               data_format: str = "NDHWC",
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "conv_3d_transpose"):
    super().__init__(output_channels, output_shape, kernel_shape, stride=stride,
                     padding=padding, use_bias=use_bias, initializers=initializers,
                     partitioners=partitioners, regularizers=regularizers,
                     data_format=data_format, custom_getter=custom_getter, name=name)


TRANSPOSE_CLASSES = {1: Conv1DTranspose, 2: Conv2DTranspose, 3: Conv3DTranspose}
