# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""N-dimensional convolutions: `Conv1D`, `Conv2D`, `Conv3D`, `CausalConv1D`.

Also holds the argument checks and helpers shared by the transposed, depthwise and
separable convolutions (`conv_transpose.py`, `conv_depthwise.py`).
"""

import math
import numbers
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np
import tensorflow as tf

from sonnet.src import base
from sonnet.src import errors
from sonnet.src import initializers as snt_initializers
from sonnet.src import util
from sonnet.src import variables

SAME = "SAME"
VALID = "VALID"
FULL = "FULL"
CAUSAL = "CAUSAL"
REVERSE_CAUSAL = "REVERSE_CAUSAL"
CONV_OP_PADDINGS = (SAME, VALID)
ALLOWED_PADDINGS = (SAME, VALID, FULL, CAUSAL, REVERSE_CAUSAL)

DATA_FORMATS = {
    1: ("NWC", "NCW"),
    2: ("NHWC", "NCHW"),
    3: ("NDHWC", "NCDHW"),
}

ERR_SHAPE_ARG = ("{module}: invalid {label} shape: {value!r}. Expected a positive integer or "
                 "a sequence of {n} positive integers.")
ERR_PADDING = ("{module}: invalid padding {value!r}. Expected one of {allowed}, or a "
               "sequence of {n} of them.")
ERR_DATA_FORMAT = "{module}: invalid data_format {value!r}. Expected one of {allowed}."
ERR_STRIDE_AND_RATE = ("{module}: cannot have stride > 1 with rate > 1 (stride={stride}, "
                       "rate={rate}).")
ERR_RANK = ("{module}: input tensor must have rank {rank} corresponding to data_format "
            "{data_format}, but its shape was {shape} (rank {actual}).")
ERR_CHANNELS = ("{module}: number of input channels must be known at module build time; "
                "input shape was {shape} with data_format {data_format}.")
ERR_DTYPE = ("{module}: Expected floating point type for inputs (float16, bfloat16, float32 "
             "or float64), got {dtype}.")
ERR_TOO_SMALL = ("{module}: input spatial size {size} in dimension {dim} (after {padding} "
                 "padding: {padded}) is smaller than the dilated kernel size {kernel}; input "
                 "shape was {shape}.")
ERR_CHANNELS_CHANGED = ("{module}: number of input channels must stay {expected} (the value "
                        "at the first call), but was {actual}.")
ERR_MASK_TYPE = ("{module}: invalid type for mask: {type}. Expected a numpy array, list or "
                 "tuple.")
ERR_MASK_SHAPE = ("{module}: invalid mask shape {shape}. Expected the kernel shape {kernel} "
                  "or the full weight shape {kernel} + (input_channels, output_channels).")
ERR_MASK_WEIGHT_SHAPE = ("{module}: mask shape {shape} does not match the weight shape "
                         "{w_shape}.")
ERR_OUTPUT_CHANNELS = ("{module}: output_channels must be a positive integer (or a callable "
                       "returning one), but got {value!r}.")
ERR_TRANSPOSE_DILATED = "{module}: cannot transpose a dilated convolution module (rate={rate})."
ERR_TRANSPOSE_PADDING = ("{module}: cannot transpose a convolution with padding {padding}; "
                         "only SAME and VALID convolutions have a transpose.")
ERR_NO_BIAS = "No bias Variable in {cls} Module when `use_bias=False`."


def check_positive_int(value: Any) -> bool:
  return (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0)


def fill_shape(value: Any, n: int, label: str, module: str) -> Tuple[int, ...]:
  """Expands an int or checks a sequence of `n` positive ints (kernel, stride, rate).

  Raises:
    errors.IncompatibleShapeError: naming `label`, for anything else.
  """
  if check_positive_int(value):
    return (int(value),) * n
  if isinstance(value, (list, tuple, np.ndarray)) and len(value) == n and all(
      check_positive_int(v) for v in value):
    return tuple(int(v) for v in value)
  raise errors.IncompatibleShapeError(
      ERR_SHAPE_ARG.format(module=module, label=label, value=value, n=n))


def fill_stride(stride: Any, n: int, data_format: str, module: str) -> Tuple[int, ...]:
  """Like `fill_shape`, also accepting Sonnet 1's full-rank form `[1, s..., 1]`."""
  if (isinstance(stride, (list, tuple)) and len(stride) == n + 2 and
      all(check_positive_int(v) for v in stride)):
    c = data_format.index("C")
    if stride[0] == 1 and stride[c] == 1:
      return tuple(int(v) for i, v in enumerate(stride) if i not in (0, c))
  return fill_shape(stride, n, "stride", module)


def fill_padding(padding: Any, n: int, module: str,
                 allowed: Sequence[str] = ALLOWED_PADDINGS) -> Tuple[str, ...]:
  """Returns one padding name per spatial dimension.

  Raises:
    ValueError: for an unknown padding name or a sequence of the wrong length.
  """
  if isinstance(padding, str) and padding in allowed:
    return (padding,) * n
  if (isinstance(padding, (list, tuple)) and len(padding) == n and
      all(isinstance(p, str) and p in allowed for p in padding)):
    return tuple(padding)
  raise ValueError(ERR_PADDING.format(module=module, value=padding, allowed=list(allowed), n=n))


def check_data_format(data_format: Any, n: int, module: str) -> str:
  allowed = DATA_FORMATS[n]
  if data_format not in allowed:
    raise ValueError(ERR_DATA_FORMAT.format(module=module, value=data_format,
                                            allowed=list(allowed)))
  return data_format


def check_stride_and_rate(stride, rate, module: str) -> None:
  if max(stride) > 1 and max(rate) > 1:
    raise errors.NotSupportedError(
        ERR_STRIDE_AND_RATE.format(module=module, stride=stride, rate=rate))


def check_input(inputs: tf.Tensor, data_format: str, module: str) -> int:
  """Checks rank, dtype and channel count of a convolution input; returns the channels.

  Raises:
    errors.IncompatibleShapeError: wrong rank.
    ValueError: non floating point dtype.
    errors.UnderspecifiedError: unknown channel count.
  """
  shape = inputs.shape
  if shape.rank != len(data_format):
    raise errors.IncompatibleShapeError(ERR_RANK.format(
        module=module, rank=len(data_format), data_format=data_format,
        shape=_shape_str(shape), actual=shape.rank))
  if not inputs.dtype.is_floating:
    raise ValueError(ERR_DTYPE.format(module=module, dtype=inputs.dtype.name))
  channels = shape[data_format.index("C")]
  if channels is None:
    raise errors.UnderspecifiedError(ERR_CHANNELS.format(
        module=module, shape=_shape_str(shape), data_format=data_format))
  return int(channels)


def check_spatial_sizes(inputs: tf.Tensor, data_format: str, kernel_shape, rate,
                        paddings: Sequence[str], module: str) -> None:
  """Rejects statically known spatial sizes too small for the (dilated) kernel.

  Raises:
    errors.IncompatibleShapeError: naming the dimension, its size and the kernel size.
  """
  static = inputs.shape.as_list()
  spatial = static[2:] if channels_first(data_format) else static[1:-1]
  for dim, (size, k, r, p) in enumerate(zip(spatial, kernel_shape, rate, paddings)):
    if size is None or p == SAME:
      continue
    padded = size + sum(pad_amounts(p, k, r))
    effective = (k - 1) * r + 1
    if padded < effective:
      raise errors.IncompatibleShapeError(ERR_TOO_SMALL.format(
          module=module, size=size, dim=dim, padding=p, padded=padded, kernel=effective,
          shape=tuple(static)))


def _shape_str(shape) -> str:
  if shape.rank is None:
    return "<unknown>"
  return str(tuple(shape.as_list()))


def resolve_output_channels(value: Any, module: str) -> int:
  if callable(value):
    value = value()
  if not check_positive_int(value):
    raise ValueError(ERR_OUTPUT_CHANNELS.format(module=module, value=value))
  return int(value)


def weight_initializer(fan_in_shape: Sequence[int]) -> Callable[..., tf.Tensor]:
  """Sonnet 1's default: truncated normal with stddev 1/sqrt(fan_in)."""
  stddev = 1.0 / math.sqrt(float(np.prod(fan_in_shape)))
  return snt_initializers.truncated_normal(stddev=stddev)


def bias_initializer() -> Callable[..., tf.Tensor]:
  return snt_initializers.zeros()


def check_mask(mask: Any, kernel_shape: Tuple[int, ...], module: str) -> Optional[np.ndarray]:
  """Checks a weight mask: kernel shape, or kernel shape + (in, out)."""
  if mask is None:
    return None
  if not isinstance(mask, (np.ndarray, list, tuple)):
    raise TypeError(ERR_MASK_TYPE.format(module=module, type=type(mask).__name__))
  mask = np.asarray(mask)
  n = len(kernel_shape)
  if mask.shape != kernel_shape and not (mask.ndim == n + 2 and
                                         mask.shape[:n] == kernel_shape):
    raise errors.IncompatibleShapeError(
        ERR_MASK_SHAPE.format(module=module, shape=mask.shape, kernel=kernel_shape))
  return mask


def channels_first(data_format: str) -> bool:
  return data_format[1] == "C"


def channels_last_format(data_format: str) -> str:
  return "N" + data_format[2:] + "C" if channels_first(data_format) else data_format


def use_channels_last_fallback(data_format: str) -> bool:
  """True when a channels-first op must run channels-last (no GPU visible).

  TensorFlow's CPU kernels do not implement most channels-first convolutions
  (e.g. "The Conv2D op currently only supports the NHWC tensor format on the CPU" for
  float16/float64). Without a GPU we transpose to channels-last, run the op, and transpose
  back, so NCHW-style modules work everywhere with the same variables and results.
  """
  return channels_first(data_format) and not tf.config.list_logical_devices("GPU")


def to_channels_last(x: tf.Tensor) -> tf.Tensor:
  rank = x.shape.rank
  return tf.transpose(x, [0] + list(range(2, rank)) + [1])


def to_channels_first(x: tf.Tensor) -> tf.Tensor:
  rank = x.shape.rank
  return tf.transpose(x, [0, rank - 1] + list(range(1, rank - 1)))


def pad_amounts(padding: str, kernel: int, rate: int) -> Tuple[int, int]:
  """Explicit (before, after) padding of one dimension, for stride-1 geometry."""
  total = (kernel - 1) * rate
  if padding == SAME:
    return total // 2, total - total // 2
  if padding == FULL:
    return total, total
  if padding == CAUSAL:
    return total, 0
  if padding == REVERSE_CAUSAL:
    return 0, total
  return 0, 0


def apply_padding(inputs: tf.Tensor, paddings: Tuple[str, ...], kernel_shape, rate,
                  data_format: str) -> Tuple[tf.Tensor, str]:
  """Pads explicitly where the op cannot; returns (inputs, padding for the op)."""
  if len(set(paddings)) == 1 and paddings[0] in CONV_OP_PADDINGS:
    return inputs, paddings[0]
  spatial = [pad_amounts(p, k, r) for p, k, r in zip(paddings, kernel_shape, rate)]
  if channels_first(data_format):
    full = [(0, 0), (0, 0)] + spatial
  else:
    full = [(0, 0)] + spatial + [(0, 0)]
  return tf.pad(inputs, full), VALID


def _output_size(size, kernel: int, stride: int, rate: int, padding: str):
  """Output length of one dimension (works for ints and scalar tensors)."""
  if padding == SAME:
    return (size + stride - 1) // stride
  return (size - ((kernel - 1) * rate + 1)) // stride + 1


def guard_empty_batch(run: Callable[[], tf.Tensor], op_inputs: tf.Tensor, kernel_shape,
                      stride, rate, op_padding: str, data_format: str,
                      out_channels: int) -> tf.Tensor:
  """Runs the convolution `run()`, giving an empty batch its correct output.

  TensorFlow 2.21's oneDNN CPU kernels return the (padded) input unchanged when the
  batch is empty ([0, 7, 7, 3] instead of [0, 3, 3, 4]). When the batch is statically
  positive the op runs as is; when it is statically 0 we return zeros of the right
  shape; when it is unknown a `tf.cond` picks one of the two at run time.
  """
  batch = op_inputs.shape[0]
  if batch is not None and batch > 0:
    return run()
  first = channels_first(data_format)
  static = op_inputs.shape.as_list()
  static_spatial = static[2:] if first else static[1:-1]
  dynamic = tf.shape(op_inputs)
  spatial = []
  for i, (size, k, s, r) in enumerate(zip(static_spatial, kernel_shape, stride, rate)):
    if size is None:
      size = dynamic[(2 if first else 1) + i]
    spatial.append(tf.maximum(_output_size(size, k, s, r, op_padding), 0))
  batch_size = dynamic[0] if batch is None else 0
  shape = [batch_size, out_channels] + spatial if first else [batch_size] + spatial + [
      out_channels]

  def zeros():
    return tf.zeros(tf.stack([tf.cast(d, tf.int32) for d in shape]), dtype=op_inputs.dtype)

  if batch == 0:
    return zeros()
  return tf.cond(dynamic[0] > 0, run, zeros)


def add_bias(outputs: tf.Tensor, bias: tf.Tensor, data_format: str) -> tf.Tensor:
  return tf.nn.bias_add(outputs, bias,
                        data_format="NC..." if channels_first(data_format) else "N...C")


class _ConvND(base.AbstractModule, base.Transposable):
  """N-dimensional (dilated) convolution with bias, wrapping `tf.nn.convolution`."""

  _N = 2

  def __init__(self, output_channels: Union[int, Callable[[], int]],
               kernel_shape: Union[int, Sequence[int]],
               stride: Union[int, Sequence[int]] = 1,
               rate: Union[int, Sequence[int]] = 1,
               padding: Union[str, Sequence[str]] = SAME,
               use_bias: bool = True,
               initializers: Optional[Dict[str, Any]] = None,
               partitioners: Optional[Dict[str, Any]] = None,
               regularizers: Optional[Dict[str, Any]] = None,
               mask: Any = None,
               data_format: Optional[str] = None,
               custom_getter: Any = None,
               name: Optional[str] = None):
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
    self._use_bias = bool(use_bias)
    self._mask = check_mask(mask, self._kernel_shape, label)
    keys = self.get_possible_initializer_keys(use_bias=use_bias)
    self._initializers = util.check_initializers(initializers, keys)
    self._partitioners = util.check_partitioners(partitioners, keys)
    self._regularizers = util.check_regularizers(regularizers, keys)
    self._input_shape = None
    self._input_channels = None
    self._w = None
    self._b = None
    self._ctor_kwargs = dict(
        output_channels=output_channels, kernel_shape=kernel_shape, stride=stride,
        rate=rate, padding=padding, use_bias=use_bias, initializers=initializers,
        partitioners=partitioners, regularizers=regularizers, mask=mask,
        data_format=self._data_format, custom_getter=custom_getter)

  @classmethod
  def get_possible_initializer_keys(cls, use_bias: bool = True):
    """Returns the keys the `initializers` (etc.) dicts may have: {"w", "b"} or {"w"}."""
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
      ValueError: for a non floating point input.
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
    if self._mask is not None and self._mask.ndim == self._N + 2 and self._mask.shape != w_shape:
      raise errors.IncompatibleShapeError(ERR_MASK_WEIGHT_SHAPE.format(
          module=label, shape=self._mask.shape, w_shape=w_shape))
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
    if self._mask is not None:
      mask = self._mask
      if mask.ndim == self._N:
        mask = mask.reshape(mask.shape + (1, 1))
      kernel = w * tf.constant(mask, dtype=dtype)

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
                                       self._rate, data_format)
    outputs = guard_empty_batch(
        lambda: tf.nn.convolution(inputs, kernel, strides=self._stride, padding=op_padding,
                                  dilations=self._rate, data_format=data_format),
        inputs, self._kernel_shape, self._stride, self._rate, op_padding, data_format,
        kernel.shape[-1])
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
  def kernel_shape(self) -> Tuple[int, ...]:
    """Kernel size per spatial dimension."""
    return self._kernel_shape

  @property
  def stride(self) -> Tuple[int, ...]:
    """Full-rank stride as in Sonnet 1, e.g. `(1, s_h, s_w, 1)` for NHWC."""
    if channels_first(self._data_format):
      return (1, 1) + self._stride
    return (1,) + self._stride + (1,)

  @property
  def rate(self) -> Tuple[int, ...]:
    """Dilation rate per spatial dimension."""
    return self._rate

  @property
  def padding(self) -> Union[str, Tuple[str, ...]]:
    """The padding name if it is the same for all dimensions, else one per dimension."""
    return self._padding[0] if len(set(self._padding)) == 1 else self._padding

  @property
  def paddings(self) -> Tuple[str, ...]:
    """One padding name per spatial dimension."""
    return self._padding

  @property
  def has_bias(self) -> bool:
    """Whether the module adds a bias."""
    return self._use_bias

  @property
  def mask(self) -> Optional[np.ndarray]:
    """The weight mask given to the constructor (a numpy array), or None."""
    return self._mask

  @property
  def data_format(self) -> str:
    """The layout of inputs and outputs, e.g. "NHWC"."""
    return self._data_format

  @property
  def initializers(self) -> Dict[str, Any]:
    """The initializers given to the constructor (defaults are not filled in)."""
    return self._initializers

  @property
  def partitioners(self) -> Dict[str, Any]:
    """The partitioners given to the constructor."""
    return self._partitioners

  @property
  def regularizers(self) -> Dict[str, Any]:
    """The regularizers given to the constructor."""
    return self._regularizers

  @property
  def w(self):
    """The weight variable, `kernel_shape + (input_channels, output_channels)`.

    Raises:
      errors.NotConnectedError: before the first call.
    """
    self._ensure_is_connected()
    return self._w

  @property
  def b(self):
    """The bias variable, `(output_channels,)`.

    Raises:
      errors.NotConnectedError: before the first call.
      AttributeError: if the module has no bias.
    """
    self._ensure_is_connected()
    if not self._use_bias:
      raise AttributeError(ERR_NO_BIAS.format(cls=type(self).__name__))
    return self._b

  @property
  def input_channels(self) -> int:
    """Channels of the input seen at the first call (NotConnectedError before)."""
    self._ensure_is_connected()
    return self._input_channels

  @property
  def input_shape(self) -> Tuple[Optional[int], ...]:
    """Full static shape of the last input (NotConnectedError before the first call)."""
    self._ensure_is_connected()
    return self._input_shape

  def _spatial_input_shape(self) -> Tuple[Optional[int], ...]:
    shape = self.input_shape
    return tuple(shape[2:]) if channels_first(self._data_format) else tuple(shape[1:-1])

  def clone(self, name: Optional[str] = None) -> "_ConvND":
    """Returns a module of the same configuration with its own variables.

    Args:
      name: name of the clone; default `<module_name>_clone`.

    Returns:
      A new, unconnected module.
    """
    return type(self)(name=name or self.module_name + "_clone", **self._ctor_kwargs)

  def transpose(self, name: Optional[str] = None):
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
    from sonnet.src import conv_transpose  # pylint: disable=g-import-not-at-top
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
    mask: optional numpy array of the kernel shape (or the full weight shape) that
      multiplies the weights elementwise.
    data_format: "NWC" (default) or "NCW".
    custom_getter: custom getter(s) applied to the variables.
    name: module name (default "conv_1d").

  Raises:
    errors.IncompatibleShapeError: bad kernel, stride, rate or mask shape.
    errors.NotSupportedError: stride > 1 together with rate > 1.
    ValueError: bad padding, data_format or output_channels.
    KeyError, TypeError: bad initializer / partitioner / regularizer dicts or mask type.
  """

  _N = 1

  def __init__(self, output_channels, kernel_shape, stride=1, rate=1, padding=SAME,
               use_bias=True, initializers=None, partitioners=None, regularizers=None,
               mask=None, data_format="NWC", custom_getter=None, name="conv_1d"):
    super().__init__(output_channels, kernel_shape, stride=stride, rate=rate,
                     padding=padding, use_bias=use_bias, initializers=initializers,
                     partitioners=partitioners, regularizers=regularizers, mask=mask,
                     data_format=data_format, custom_getter=custom_getter, name=name)


class Conv2D(_ConvND):
  """2-D convolution over NHWC (default) or NCHW inputs; see `Conv1D` for the arguments.

  `kernel_shape`, `stride` and `rate` take an int or a pair; `stride` also accepts the
  legacy `[1, s_h, s_w, 1]` form. `data_format` is "NHWC" or "NCHW" (channels-first runs
  channels-last internally when no GPU is visible). Default name "conv_2d".
  """

  _N = 2

  def __init__(self, output_channels, kernel_shape, stride=1, rate=1, padding=SAME,
               use_bias=True, initializers=None, partitioners=None, regularizers=None,
               mask=None, data_format="NHWC", custom_getter=None, name="conv_2d"):
    super().__init__(output_channels, kernel_shape, stride=stride, rate=rate,
                     padding=padding, use_bias=use_bias, initializers=initializers,
                     partitioners=partitioners, regularizers=regularizers, mask=mask,
                     data_format=data_format, custom_getter=custom_getter, name=name)


class Conv3D(_ConvND):
  """3-D convolution over NDHWC (default) or NCDHW inputs; see `Conv1D` for the arguments.

  Default name "conv_3d".
  """

  _N = 3

  def __init__(self, output_channels, kernel_shape, stride=1, rate=1, padding=SAME,
               use_bias=True, initializers=None, partitioners=None, regularizers=None,
               mask=None, data_format="NDHWC", custom_getter=None, name="conv_3d"):
    super().__init__(output_channels, kernel_shape, stride=stride, rate=rate,
                     padding=padding, use_bias=use_bias, initializers=initializers,
                     partitioners=partitioners, regularizers=regularizers, mask=mask,
                     data_format=data_format, custom_getter=custom_getter, name=name)


class CausalConv1D(_ConvND):
  """1-D convolution padded on the left only: output `t` sees inputs `<= t`.

  Same arguments as `Conv1D` except `padding` (always `CAUSAL`). Default name
  "causal_conv_1d". It has no transpose.
  """

  _N = 1

  def __init__(self, output_channels, kernel_shape, stride=1, rate=1, use_bias=True,
               initializers=None, partitioners=None, regularizers=None, mask=None,
               data_format="NWC", custom_getter=None, name="causal_conv_1d"):
    super().__init__(output_channels, kernel_shape, stride=stride, rate=rate,
                     padding=CAUSAL, use_bias=use_bias, initializers=initializers,
                     partitioners=partitioners, regularizers=regularizers, mask=mask,
                     data_format=data_format, custom_getter=custom_getter, name=name)
    del self._ctor_kwargs["padding"]
