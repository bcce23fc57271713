# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Argument checks and helpers shared by all convolution modules.

Padding names, data formats, kernel/stride/rate/mask validation, the channels-last
fallback for channels-first layouts on CPU, explicit padding, and the empty-batch guard.
`sonnet.src.conv` re-exports the names other modules use (e.g. `conv.fill_shape`).
"""

from collections.abc import Callable, Sequence
import math
from typing import Any, TYPE_CHECKING

import numpy as np
import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import errors
from sonnet.src import initializers as snt_initializers
from sonnet.src import util

if TYPE_CHECKING:
  from sonnet.src import base

  # For the type checker the mixin below is a module (its users all derive from
  # `base.AbstractModule`); at run time it stays a plain mixin.
  _ModuleBase = base.AbstractModule
else:
  _ModuleBase = object

SAME = "SAME"
VALID = "VALID"
FULL = "FULL"
CAUSAL = "CAUSAL"
REVERSE_CAUSAL = "REVERSE_CAUSAL"
CONV_OP_PADDINGS = (SAME, VALID)
ALLOWED_PADDINGS = (SAME, VALID, FULL, CAUSAL, REVERSE_CAUSAL)

# What fills the padded border (`padding_value=`): the modes of `tf.pad`.
CONSTANT_PADDING = "CONSTANT"
REFLECT_PADDING = "REFLECT"
SYMMETRIC_PADDING = "SYMMETRIC"
ALLOWED_PADDING_VALUES = (CONSTANT_PADDING, REFLECT_PADDING, SYMMETRIC_PADDING)

DATA_FORMATS = {
    1: ("NWC", "NCW"),
    2: ("NHWC", "NCHW"),
    3: ("NDHWC", "NCDHW"),
}

# Sonnet 1's wording (its users match it with regexes).
ERR_SHAPE_ARG = ("{module}: Invalid {label} shape: x is {value!r}, must be either a positive "
                 "integer or an iterable of positive integers of size {n}.")
ERR_PADDING = ("{module}: Invalid padding {value!r}. Expected one of {allowed}, or a "
               "sequence of {n} of them.")
ERR_PADDING_VALUE = ("{module}: Invalid padding_value {value!r}. Expected one of {allowed}.")
ERR_DATA_FORMAT = "{module}: Invalid data_format {value!r}. Expected one of {choices}."
ERR_STRIDE_AND_RATE = ("{module}: Cannot have stride > 1 with rate > 1 (stride={stride}, "
                       "rate={rate}).")
ERR_RANK = ("{module}: Input Tensor must have rank {rank} corresponding to data_format "
            "{data_format}, but instead was {shape} of rank {actual}.")
ERR_CHANNELS = ("{module}: Number of input channels must be known at module build time; "
                "input shape was {shape} with data_format {data_format}.")
ERR_DTYPE = ("{module}: Input must have dtype tf.float16, tf.bfloat16, tf.float32 or "
             "tf.float64, got {dtype}.")
ERR_TOO_SMALL = ("{module}: Input spatial size {size} in dimension {dim} (after {padding} "
                 "padding: {padded}) is smaller than the dilated kernel size {kernel}; input "
                 "shape was {shape}.")
ERR_CHANNELS_CHANGED = ("{module}: Number of input channels must stay {expected} (the value "
                        "at the first call), but was {actual}.")
ERR_MASK_TYPE = ("{module}: Invalid type for mask: {type}. Expected a numpy array, list, "
                 "tuple or tf.Tensor.")
# Mask errors start with Sonnet 1's words (its users test `str(e).startswith(...)`).
ERR_MASK_SHAPE = ("Invalid mask shape: {shape}. Expected the leading dimensions of the weight "
                  "shape {kernel} + (input_channels, output_channels) ({module}).")
ERR_MASK_WEIGHT_SHAPE = ("Invalid mask shape: {shape}: the mask shape does not match the "
                         "weight shape {w_shape} ({module}).")
ERR_MASK_DTYPE = ("Mask needs to have dtype float16, bfloat16, float32 or float64, got {dtype} "
                  "({module}).")
ERR_MASK_UNKNOWN_SHAPE = ("Invalid mask shape: {shape}: a tensor mask needs a statically known "
                          "shape ({module}).")
ERR_OUTPUT_CHANNELS = ("{module}: output_channels must be a positive integer (or a callable "
                       "returning one), but got {value!r}.")
ERR_TRANSPOSE_DILATED = "{module}: Cannot transpose a dilated convolution module (rate={rate})."
ERR_TRANSPOSE_PADDING = ("{module}: Cannot transpose a convolution with padding {padding}; "
                         "only SAME and VALID convolutions have a transpose.")
ERR_NO_BIAS = "No bias Variable in {cls} Module when `use_bias=False`."


def fill_shape(value: Any, n: int, label: str, module: str) -> tuple[int, ...]:
  """Expands an int or checks a sequence of `n` positive ints (kernel, stride, rate).

  Raises:
    errors.IncompatibleShapeError: naming `label`, for anything else.
  """
  if argument_checks.is_positive_int(value):
    return (int(value),) * n
  if isinstance(value, (list, tuple, np.ndarray)) and len(value) == n and all(
      argument_checks.is_positive_int(v) for v in value):
    return tuple(int(v) for v in value)
  raise errors.IncompatibleShapeError(
      ERR_SHAPE_ARG.format(module=module, label=label, value=value, n=n))


def fill_stride(stride: Any, n: int, data_format: str, module: str) -> tuple[int, ...]:
  """Like `fill_shape`, also accepting Sonnet 1's full-rank form `[1, s..., 1]`."""
  if (isinstance(stride, (list, tuple)) and len(stride) == n + 2 and
      all(argument_checks.is_positive_int(v) for v in stride)):
    c = data_format.index("C")
    if stride[0] == 1 and stride[c] == 1:
      return tuple(int(v) for i, v in enumerate(stride) if i not in (0, c))
  return fill_shape(stride, n, "stride", module)


def fill_padding(padding: Any, n: int, module: str,
                 allowed: Sequence[str] = ALLOWED_PADDINGS) -> tuple[str, ...]:
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


def check_padding_value(value: Any, module: str) -> str:
  """Checks `padding_value` (CONSTANT_PADDING, REFLECT_PADDING or SYMMETRIC_PADDING).

  Raises:
    ValueError: for anything else.
  """
  if isinstance(value, str) and value in ALLOWED_PADDING_VALUES:
    return value
  raise ValueError(ERR_PADDING_VALUE.format(module=module, value=value,
                                            allowed=list(ALLOWED_PADDING_VALUES)))


def conv_op_padding(paddings: Sequence[str], padding_value: str = CONSTANT_PADDING) -> str:
  """The padding given to the TensorFlow op, SAME or VALID (as Sonnet 1 chose it).

  Zero SAME padding in every dimension is left to the op; everything else is padded
  explicitly (`apply_padding`) before a VALID convolution.
  """
  if all(p == SAME for p in paddings) and padding_value == CONSTANT_PADDING:
    return SAME
  return VALID


def check_data_format(data_format: Any, n: int, module: str) -> str:
  return argument_checks.check_one_of(module, "data_format", data_format,
                                      list(DATA_FORMATS[n]), message=ERR_DATA_FORMAT)


def check_stride_and_rate(stride, rate, module: str) -> None:
  if max(stride) > 1 and max(rate) > 1:
    raise errors.NotSupportedError(
        ERR_STRIDE_AND_RATE.format(module=module, stride=stride, rate=rate))


def check_input(inputs: tf.Tensor, data_format: str, module: str) -> int:
  """Checks rank, dtype and channel count of a convolution input; returns the channels.

  Raises:
    errors.IncompatibleShapeError: wrong rank.
    TypeError: non floating point dtype (Sonnet 1's type and words).
    errors.UnderspecifiedError: unknown channel count.
  """
  shape = inputs.shape
  if shape.rank != len(data_format):
    raise errors.IncompatibleShapeError(ERR_RANK.format(
        module=module, rank=len(data_format), data_format=data_format,
        shape=_shape_str(shape), actual=shape.rank))
  if not inputs.dtype.is_floating:
    raise TypeError(ERR_DTYPE.format(module=module, dtype=inputs.dtype.name))
  channels = tf.compat.dimension_value(shape[data_format.index("C")])
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
  return argument_checks.check_positive_int(module, "output_channels", value,
                                            message=ERR_OUTPUT_CHANNELS)


def weight_initializer(fan_in_shape: Sequence[int]) -> Callable[..., tf.Tensor]:
  """Sonnet 1's default: truncated normal with stddev 1/sqrt(fan_in)."""
  stddev = 1.0 / math.sqrt(float(np.prod(fan_in_shape)))
  return snt_initializers.truncated_normal(stddev=stddev)


def bias_initializer() -> Callable[..., tf.Tensor]:
  return snt_initializers.zeros()


def check_mask(mask: Any, kernel_shape: tuple[int, ...],
               module: str) -> np.ndarray | tf.Tensor | None:
  """Checks a weight mask: the leading dimensions of the weight shape (as in Sonnet 1).

  A mask of shape `w_shape[:r]` (1 <= r <= N + 2) is broadcast over the remaining
  dimensions (see `broadcast_mask`); the channel dimensions are checked at the call.
  Numpy arrays, lists and tuples (of any numeric or bool dtype) become numpy arrays; a
  `tf.Tensor` (as in Sonnet 1) stays a tensor, must be floating point and have a
  statically known shape.

  Raises:
    TypeError: the mask is not a numpy array, list, tuple or tensor, or it is a tensor
      that is not floating point.
    errors.IncompatibleShapeError: the mask's shape does not start the kernel shape.
  """
  if mask is None:
    return None
  if isinstance(mask, tf.Tensor):
    if not mask.dtype.is_floating:
      raise TypeError(ERR_MASK_DTYPE.format(module=module, dtype=mask.dtype.name))
    if not mask.shape.is_fully_defined():
      raise errors.IncompatibleShapeError(
          ERR_MASK_UNKNOWN_SHAPE.format(module=module, shape=_shape_str(mask.shape)))
    shape = tuple(mask.shape.as_list())
  elif isinstance(mask, (np.ndarray, list, tuple)):
    mask = np.asarray(mask)
    shape = mask.shape
  else:
    raise TypeError(ERR_MASK_TYPE.format(module=module, type=type(mask).__name__))
  n = len(kernel_shape)
  if not 1 <= len(shape) <= n + 2 or shape[:n] != kernel_shape[:len(shape)]:
    raise errors.IncompatibleShapeError(
        ERR_MASK_SHAPE.format(module=module, shape=shape, kernel=kernel_shape))
  return mask


def broadcast_mask(mask: np.ndarray | tf.Tensor, w_shape: tuple[int, ...],
                   module: str) -> np.ndarray | tf.Tensor:
  """Checks `mask` against the full weight shape; returns it with trailing 1-dimensions.

  Raises:
    errors.IncompatibleShapeError: the mask's channel dimensions do not match.
  """
  shape = tuple(mask.shape.as_list()) if isinstance(mask, tf.Tensor) else mask.shape
  if shape != w_shape[:len(shape)]:
    raise errors.IncompatibleShapeError(ERR_MASK_WEIGHT_SHAPE.format(
        module=module, shape=shape, w_shape=w_shape))
  full = shape + (1,) * (len(w_shape) - len(shape))
  if isinstance(mask, tf.Tensor):
    return tf.reshape(mask, full)
  return mask.reshape(full)


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


def pad_amounts(padding: str, kernel: int, rate: int) -> tuple[int, int]:
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


def apply_padding(inputs: tf.Tensor, paddings: tuple[str, ...], kernel_shape, rate,
                  data_format: str,
                  padding_value: str = CONSTANT_PADDING) -> tuple[tf.Tensor, str]:
  """Pads explicitly where the op cannot; returns (inputs, padding for the op).

  The border is filled as `tf.pad` does with mode `padding_value` (zeros, a reflection
  without the edge, or a mirror with the edge).
  """
  op_padding = conv_op_padding(paddings, padding_value)
  if op_padding == SAME or all(p == VALID for p in paddings):
    return inputs, op_padding
  spatial = [pad_amounts(p, k, r) for p, k, r in zip(paddings, kernel_shape, rate)]
  if channels_first(data_format):
    full = [(0, 0), (0, 0)] + spatial
  else:
    full = [(0, 0)] + spatial + [(0, 0)]
  return tf.pad(inputs, full, mode=padding_value), VALID


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
  # dimension_value: TF1 shapes (legacy mode) hold tf.compat.v1.Dimension objects.
  batch = tf.compat.dimension_value(op_inputs.shape[0])
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
    else:
      # Python ints keep the static shape known through the tf.cond below.
      spatial.append(max(_output_size(size, k, s, r, op_padding), 0))
  batch_size = dynamic[0] if batch is None else 0
  shape = [batch_size, out_channels] + spatial if first else [batch_size] + spatial + [
      out_channels]

  def zeros():
    dims = [d if isinstance(d, int) else tf.cast(d, tf.int32) for d in shape]
    return tf.zeros(tf.stack(dims), dtype=op_inputs.dtype)

  if batch == 0:
    return zeros()
  outputs = tf.cond(dynamic[0] > 0, run, zeros)
  outputs.set_shape([None] + [d if isinstance(d, int) else None for d in shape[1:]])
  return outputs


def add_bias(outputs: tf.Tensor, bias: tf.Tensor, data_format: str) -> tf.Tensor:
  return tf.nn.bias_add(outputs, bias,
                        data_format="NC..." if channels_first(data_format) else "N...C")


class ConvProperties(util.VariableOptions, _ModuleBase):
  """Properties and `clone()` shared by every convolution module.

  Mixed into `AbstractModule` subclasses that set `_use_bias`, `_data_format`,
  `_kernel_shape`, `_stride` (spatial),
  `_initializers`, `_partitioners`, `_regularizers`, `_b`, `_input_channels`,
  `_input_shape` and `_ctor_kwargs` (the constructor arguments other than `name`).
  """

  _use_bias: bool
  _data_format: str
  _kernel_shape: tuple[int, ...]
  _stride: tuple[int, ...]
  _ctor_kwargs: dict[str, Any]
  # None until the first call.
  _b: tf.Variable | None
  _input_channels: int | None
  _input_shape: tuple[int | None, ...] | None

  @property
  def has_bias(self) -> bool:
    """Whether the module adds a bias."""
    return self._use_bias

  @property
  def data_format(self) -> str:
    """The layout of inputs and outputs, e.g. "NHWC"."""
    return self._data_format

  @property
  def kernel_shape(self) -> tuple[int, ...]:
    """Kernel size per spatial dimension."""
    return self._kernel_shape

  @property
  def stride(self) -> tuple[int, ...]:
    """Full-rank stride as in Sonnet 1, e.g. `(1, s_h, s_w, 1)` for NHWC."""
    if channels_first(self._data_format):
      return (1, 1) + self._stride
    return (1,) + self._stride + (1,)

  @property
  def b(self) -> tf.Variable:
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
    assert self._input_channels is not None  # Set by the first (successful) call.
    return self._input_channels

  @property
  def input_shape(self) -> tuple[int | None, ...]:
    """Full static shape of the last input (NotConnectedError before the first call)."""
    self._ensure_is_connected()
    assert self._input_shape is not None  # Set by the first (successful) call.
    return self._input_shape

  def clone(self, name: str | None = None) -> "ConvProperties":
    """Returns a module of the same configuration with its own variables.

    Args:
      name: name of the clone; default `<module_name>_clone`.

    Returns:
      A new, unconnected module.
    """
    return type(self)(name=name or self.module_name + "_clone", **self._ctor_kwargs)
