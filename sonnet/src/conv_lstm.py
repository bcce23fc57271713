# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Convolutional LSTM cores (Shi et al., 2015): `Conv1DLSTM`, `Conv2DLSTM`, `Conv3DLSTM`.

The gates are `conv(x, w_input) + b + conv(h, w_hidden) + b_hidden`, split on the channel
axis into `i, j, f, o`. As in Sonnet 1, each of the two convolutions has its own bias by
default (`legacy_bias_behaviour=True`, Sonnet 1's default); `legacy_bias_behaviour=False`
adds the bias once (`b` only). `use_layer_norm=True` layer-normalises the gates.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import errors
from sonnet.src import gated_rnn
from sonnet.src import initializers as initializers_lib
from sonnet.src import layer_norm
from sonnet.src import rnn_core
from sonnet.src import types
from sonnet.src import unroll
from sonnet.src import util
from sonnet.src import variables

ERR_CONV_NDIMS = "conv_ndims must be 1, 2 or 3, got {!r}."
ERR_INPUT_SHAPE = (
    "{module}: input_shape must have {expected} entries (spatial dimensions and channels), "
    "got {actual!r}.")
ERR_KERNEL_SHAPE = (
    "{module}: kernel_shape must be a positive int or a sequence of {ndims} positive ints, "
    "got {actual!r}.")
ERR_STRIDE = (
    "{module}: stride must be 1: the state keeps the input's spatial shape, got {actual!r}.")
ERR_PADDING = (
    "{module}: padding must be 'SAME': the state keeps the input's spatial shape, got "
    "{actual!r}.")
ERR_INPUTS_SHAPE = (
    "{module}: inputs must have shape [batch] + {expected}, got shape {actual}.")
ERR_NOT_A_VARIABLE = "'{conv}' has no attribute '{name}'."


def _int_tuple(module: str, value: Any, ndims: int, arg: str, error: str) -> tuple[int, ...]:
  if argument_checks.is_integer(value):
    value = (int(value),) * ndims
  try:
    value = tuple(value)
  except TypeError as e:
    raise ValueError(error.format(module=module, ndims=ndims, actual=value)) from e
  if len(value) != ndims or not all(argument_checks.is_positive_int(v) for v in value):
    raise ValueError(error.format(module=module, ndims=ndims, actual=value))
  return tuple(int(v) for v in value)


class ConvLSTM(rnn_core.RNNCore):
  """Convolutional LSTM over `conv_ndims` spatial dimensions (channels last)."""

  def __init__(self,
               conv_ndims: int,
               input_shape: Sequence[int],
               output_channels: int,
               kernel_shape: int | Sequence[int],
               stride: int | Sequence[int] = 1,
               rate: int | Sequence[int] = 1,
               padding: str = "SAME",
               use_bias: bool = True,
               forget_bias: float = 1.0,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "conv_lstm",
               use_layer_norm: bool = False,
               legacy_bias_behaviour: bool = True):
    """Constructs the core.

    Args:
      conv_ndims: 1, 2 or 3 spatial dimensions.
      input_shape: the inputs' shape without the batch: spatial dims + channels (as in Sonnet
        1, only the spatial dims are checked; the input channels are those of the inputs).
      output_channels: C, channels of the hidden and cell states.
      kernel_shape: int or sequence of `conv_ndims` ints.
      stride: must be 1 (kept for Sonnet 1's signature).
      rate: dilation rate, int or sequence of `conv_ndims` ints.
      padding: must be "SAME".
      use_bias: whether to add the biases (`b`, and `b_hidden` with `legacy_bias_behaviour`).
      forget_bias: added to the forget gate's pre-activation.
      initializers: dict with keys `w` (both kernels `w_input` and `w_hidden`; default
        truncated normal 1/sqrt(fan_in)) and `b` (default zeros).
      partitioners: dict of partitioners (graph mode only).
      regularizers: dict of regularizers.
      custom_getter: custom getter(s) for the variables.
      name: module name.
      use_layer_norm: layer-normalise the gate pre-activations (statistics over every
        dimension but the batch; a submodule `layer_norm` with `gamma` and `beta` of
        shape `[4 * output_channels]`).
      legacy_bias_behaviour: with `use_bias`, also add Sonnet 1's second bias
        `b_hidden` (initializer etc. key `b`) to the hidden state's convolution. True by
        default, as in Sonnet 1; False adds the bias once (`b` only).

    Raises:
      ValueError: for a bad `conv_ndims`, `input_shape`, `kernel_shape`, `rate`,
        `stride` or `padding`, or a non-positive `output_channels`.
      KeyError, TypeError: for bad initializers / partitioners / regularizers.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    module = self.module_name
    argument_checks.check_one_of(module, "conv_ndims", conv_ndims, (1, 2, 3),
                                 message=ERR_CONV_NDIMS)
    self._conv_ndims = conv_ndims
    try:
      input_shape = tuple(int(d) for d in input_shape)
    except (TypeError, ValueError) as e:
      raise ValueError(ERR_INPUT_SHAPE.format(module=module, expected=conv_ndims + 1,
                                              actual=input_shape)) from e
    if len(input_shape) != conv_ndims + 1 or min(input_shape) <= 0:
      raise ValueError(ERR_INPUT_SHAPE.format(module=module, expected=conv_ndims + 1,
                                              actual=input_shape))
    self._input_shape = input_shape
    self._output_channels = argument_checks.check_positive_int(module, "output_channels",
                                                               output_channels)
    self._kernel_shape = _int_tuple(module, kernel_shape, conv_ndims, "kernel_shape",
                                    ERR_KERNEL_SHAPE)
    self._rate = _int_tuple(module, rate, conv_ndims, "rate",
                            ERR_KERNEL_SHAPE.replace("kernel_shape", "rate"))
    if _int_tuple(module, stride, conv_ndims, "stride", ERR_STRIDE) != (1,) * conv_ndims:
      raise ValueError(ERR_STRIDE.format(module=module, actual=stride))
    if not isinstance(padding, str) or padding.upper() != "SAME":
      raise ValueError(ERR_PADDING.format(module=module, actual=padding))
    self._use_bias = bool(use_bias)
    self._use_layer_norm = bool(use_layer_norm)
    self._legacy_bias_behaviour = bool(legacy_bias_behaviour)
    self._forget_bias = forget_bias
    keys = self.get_possible_initializer_keys(use_bias=use_bias)
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, keys)
    self._layer_norm = None
    if self._use_layer_norm:
      with self._enter_variable_scope():
        self._layer_norm = layer_norm.LayerNorm(name="layer_norm")

  @classmethod
  def get_possible_initializer_keys(cls, use_bias: bool = True, **unused_kwargs) -> set:
    """Returns the initializer keys a configuration uses.

    Args:
      use_bias: whether the core has a bias.
      **unused_kwargs: other constructor arguments, ignored.

    Returns:
      `{'w', 'b'}`, or `{'w'}` without bias.
    """
    return {"w", "b"} if use_bias else {"w"}

  def _kernel(self, name: str, in_channels: int, dtype: tf.DType) -> tf.Variable:
    fan_in = int(np.prod(self._kernel_shape)) * in_channels
    default = initializers_lib.truncated_normal(stddev=variables.fan_in_stddev(fan_in))
    return variables.get_variable(
        name, shape=self._kernel_shape + (in_channels, 4 * self._output_channels),
        dtype=dtype, initializer=self._initializers.get("w", default),
        regularizer=self._regularizers.get("w"), partitioner=self._partitioners.get("w"))

  def _create_variables(self, dtype: tf.DType, in_channels: int) -> None:
    # As Sonnet 1's input convolution: the input's channels need not be input_shape's.
    self._w_input = self._kernel("w_input", in_channels, dtype)
    self._w_hidden = self._kernel("w_hidden", self._output_channels, dtype)
    if self._use_bias:
      self._b = variables.get_variable(
          "b", shape=[4 * self._output_channels], dtype=dtype,
          initializer=self._initializers.get("b", initializers_lib.zeros),
          regularizer=self._regularizers.get("b"), partitioner=self._partitioners.get("b"))
      if self._legacy_bias_behaviour:
        self._b_hidden = variables.get_variable(
            "b_hidden", shape=[4 * self._output_channels], dtype=dtype,
            initializer=self._initializers.get("b", initializers_lib.zeros),
            regularizer=self._regularizers.get("b"),
            partitioner=self._partitioners.get("b"))

  def _conv(self, x: tf.Tensor, w: tf.Tensor) -> tf.Tensor:
    # An explicit data_format: the eager Conv3D gradient fails without one (TF 2.21).
    data_format = {1: "NWC", 2: "NHWC", 3: "NDHWC"}[self._conv_ndims]
    return tf.nn.convolution(x, w, strides=1, padding="SAME", dilations=self._rate,
                             data_format=data_format)

  def _conv_inputs(self, x: tf.Tensor) -> tf.Tensor:
    gates_x = self._conv(x, self._w_input)
    if self._use_bias:
      gates_x = tf.nn.bias_add(gates_x, self._b)
    return gates_x

  def _check_inputs(self, inputs: Any, extra_leading: int = 1) -> tf.Tensor:
    inputs = tf.convert_to_tensor(inputs)
    expected = list(self._input_shape)
    spatial = expected[:-1] + [None]  # Any number of channels (as Sonnet 1).
    shape = inputs.shape
    if (shape.rank != len(expected) + extra_leading or
        not tf.TensorShape(spatial).is_compatible_with(shape[extra_leading:])):
      raise errors.IncompatibleShapeError(ERR_INPUTS_SHAPE.format(
          module=self.module_name, expected=expected,
          actual=shape[extra_leading - 1:] if shape.rank else shape))
    if not inputs.dtype.is_floating:
      raise TypeError(rnn_core.ERR_INPUT_DTYPE.format(module=self.module_name,
                                                       dtype=inputs.dtype.name))
    return inputs

  def _build(self, inputs: Any, prev_state: Any) -> tuple[tf.Tensor, gated_rnn.LSTMState]:
    """Runs one step.

    Args:
      inputs: `[batch_size] + input_shape`.
      prev_state: `LSTMState(hidden, cell)`, each `[batch_size] + spatial +
        [output_channels]`.

    Returns:
      `(output, next_state)`: output is the new hidden state.

    Raises:
      snt.IncompatibleShapeError: inputs not of shape `[batch] + input_shape`; a state
        component of the wrong size or batch.
    """
    if isinstance(inputs, unroll.ProjectedInputs):
      prev_state = self._check_prev_state(prev_state, inputs.value)
      gates_x = inputs.value
    else:
      inputs = self._check_inputs(inputs)
      prev_state = self._check_prev_state(prev_state, inputs)
      self._create_variables(inputs.dtype, inputs.shape[-1])
      gates_x = self._conv_inputs(inputs)
    hidden, cell = prev_state
    gates_h = self._conv(hidden, self._w_hidden)
    if self._use_bias and self._legacy_bias_behaviour:
      gates_h = tf.nn.bias_add(gates_h, self._b_hidden)
    gates = gates_x + gates_h
    if self._layer_norm is not None:
      gates = self._layer_norm(gates)
    i, j, f, o = tf.split(gates, 4, axis=-1)
    next_cell = tf.sigmoid(f + self._forget_bias) * cell + tf.sigmoid(i) * tf.tanh(j)
    next_hidden = tf.tanh(next_cell) * tf.sigmoid(o)
    return next_hidden, gated_rnn.LSTMState(hidden=next_hidden, cell=next_cell)

  def _prepare_unroll(self, input_sequence: Any):
    """Convolves all time steps' inputs at once (see `RNNCore`)."""
    if tf.nest.is_nested(input_sequence):
      return input_sequence, self
    sequence = self._check_inputs(input_sequence, extra_leading=2)
    with self._enter_variable_scope():
      with tf.name_scope(self.module_name + "_input_convolution"):
        self._create_variables(sequence.dtype, sequence.shape[-1])
        leading = tf.shape(sequence)[:2]
        merged = tf.reshape(sequence, tf.concat([[-1], tf.shape(sequence)[2:]], 0))
        gates_x = self._conv_inputs(merged)
        gates_x = tf.reshape(gates_x, tf.concat([leading, tf.shape(gates_x)[1:]], 0))
        gates_x.set_shape(sequence.shape[:2].concatenate(
            self._input_shape[:-1] + (4 * self._output_channels,)))
    return gates_x, lambda x_t, state: self(unroll.ProjectedInputs(x_t, {}), state)

  @property
  def use_layer_norm(self) -> bool:
    """Whether the gate pre-activations are layer-normalised."""
    return self._use_layer_norm

  @property
  def legacy_bias_behaviour(self) -> bool:
    """Whether the hidden state's convolution adds its own bias `b_hidden`."""
    return self._legacy_bias_behaviour

  @property
  def convolutions(self) -> dict[str, "ConvVariables"]:
    """Sonnet 1's view of the two convolutions: {"input": ..., "hidden": ...}.

    Each value has the attribute `w` (`w_input` / `w_hidden`) and, where that
    convolution adds a bias, `b` (`b` / `b_hidden`).

    Raises:
      snt.NotConnectedError: before the first connection.
    """
    self._ensure_is_connected()
    biased = self._use_bias
    return {
        "input": ConvVariables("input", self._w_input, self._b if biased else None),
        "hidden": ConvVariables(
            "hidden", self._w_hidden,
            self._b_hidden if biased and self._legacy_bias_behaviour else None),
    }

  @property
  def state_size(self) -> gated_rnn.LSTMState:
    """Nest of `tf.TensorShape`: the state's sizes, without the batch dimension."""
    shape = tf.TensorShape(self._input_shape[:-1] + (self._output_channels,))
    return gated_rnn.LSTMState(hidden=shape, cell=shape)

  @property
  def output_size(self) -> tf.TensorShape:
    """Nest of `tf.TensorShape`: the output's sizes, without the batch dimension."""
    return tf.TensorShape(self._input_shape[:-1] + (self._output_channels,))


class ConvVariables:
  """The variables of one of a `ConvLSTM`'s convolutions (`w`, and `b` where it has one).

  A plain read-only view: it tracks nothing, so the core's variables and checkpoint keys
  are unchanged.
  """

  def __init__(self, name: str, w: tf.Variable, b: tf.Variable | None):
    self._name = name
    self._w = w
    self._b = b

  @property
  def w(self) -> tf.Variable:
    """The convolution's kernel."""
    return self._w

  @property
  def b(self) -> tf.Variable:
    """The convolution's bias.

    Raises:
      AttributeError: if this convolution adds no bias (so `hasattr(view, "b")` is False).
    """
    if self._b is None:
      raise AttributeError(ERR_NOT_A_VARIABLE.format(conv=self._name, name="b"))
    return self._b


class Conv1DLSTM(ConvLSTM):
  """1-D convolutional LSTM; inputs `[batch, width, channels]`."""

  def __init__(self, input_shape: Sequence[int], output_channels: int,
               kernel_shape: int | Sequence[int], name: str = "conv_1d_lstm",
               **kwargs):
    """Args:
      input_shape: `(width, channels)`.
      output_channels: channels of the state.
      kernel_shape: int or `(k,)`.
      name: module name.
      **kwargs: other `ConvLSTM` arguments (stride, rate, padding, use_bias,
        forget_bias, initializers, partitioners, regularizers, custom_getter).
    """
    super().__init__(1, input_shape, output_channels, kernel_shape, name=name, **kwargs)


class Conv2DLSTM(ConvLSTM):
  """2-D convolutional LSTM; inputs `[batch, height, width, channels]`."""

  def __init__(self, input_shape: Sequence[int], output_channels: int,
               kernel_shape: int | Sequence[int], name: str = "conv_2d_lstm",
               **kwargs):
    """Args:
      input_shape: `(height, width, channels)`.
      output_channels: channels of the state.
      kernel_shape: int or `(kh, kw)`.
      name: module name.
      **kwargs: other `ConvLSTM` arguments.
    """
    super().__init__(2, input_shape, output_channels, kernel_shape, name=name, **kwargs)


class Conv3DLSTM(ConvLSTM):
  """3-D convolutional LSTM; inputs `[batch, depth, height, width, channels]`."""

  def __init__(self, input_shape: Sequence[int], output_channels: int,
               kernel_shape: int | Sequence[int], name: str = "conv_3d_lstm",
               **kwargs):
    """Args:
      input_shape: `(depth, height, width, channels)`.
      output_channels: channels of the state.
      kernel_shape: int or `(kd, kh, kw)`.
      name: module name.
      **kwargs: other `ConvLSTM` arguments.
    """
    super().__init__(3, input_shape, output_channels, kernel_shape, name=name, **kwargs)
