# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Cores around cores: `ResidualCore` (output + input), `SkipConnectionCore` (input
concatenated to the output), and the recurrent highway core `HighwayCore`."""

from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import basic_rnn
from sonnet.src import initializers as initializers_lib
from sonnet.src import rnn_core
from sonnet.src import types
from sonnet.src import util
from sonnet.src import variables

ERR_SKIP_OUTPUT_UNKNOWN = (
    "Output size unknown. You must provide an input_shape to SkipConnectionCore or connect "
    "it before asking for its output_size.")


class ResidualCore(rnn_core.CoreWrapper):
  """Adds a core's input to its output: `output = base(x) + x` (over nests)."""

  def __init__(self, base_core: rnn_core.RNNCore, name: str = "residual_core"):
    """Args:
      base_core: the core; its output must have the input's structure and sizes.
      name: module name.
    """
    super().__init__(base_core, name)

  def _build(self, inputs: Any, prev_state: Any, **kwargs) -> tuple[Any, Any]:
    """Returns `(base output + inputs, base next state)`."""
    output, next_state = self._core(inputs, prev_state, **kwargs)
    return tf.nest.map_structure(lambda o, i: o + i, output, inputs), next_state

  @property
  def output_size(self) -> Any:
    """Nest of `tf.TensorShape`: the output's sizes, without the batch dimension."""
    return self._core.output_size


class SkipConnectionCore(rnn_core.CoreWrapper):
  """Concatenates a core's input to its output on the last axis (over nests)."""

  def __init__(self, base_core: rnn_core.RNNCore, input_shape: types.Nest | None = None,
               name: str = "skip_connection_core"):
    """Args:
      base_core: the core.
      input_shape: optional nest of `tf.TensorShape` (without batch) of the inputs, so that
        `output_size` is known before the first connection.
      name: module name.
    """
    super().__init__(base_core, name)
    if input_shape is None or isinstance(input_shape, tf.TensorShape):
      self._input_shape = input_shape
    elif isinstance(input_shape, (list, tuple)) and all(
        d is None or isinstance(d, int) for d in input_shape):
      self._input_shape = tf.TensorShape(input_shape)
    else:
      self._input_shape = tf.nest.map_structure(basic_rnn.as_shape, input_shape)

  def _build(self, inputs: Any, prev_state: Any, **kwargs) -> tuple[Any, Any]:
    """Returns `(concat([inputs, base output], -1), base next state)`."""
    output, next_state = self._core(inputs, prev_state, **kwargs)
    if self._input_shape is None:
      self._input_shape = tf.nest.map_structure(lambda x: x.shape[1:], inputs)
    return tf.nest.map_structure(basic_rnn.concat_last, inputs, output), next_state

  @property
  def output_size(self) -> Any:
    """Nest of `tf.TensorShape`: the output's sizes, without the batch dimension."""
    if self._input_shape is None:
      raise ValueError(ERR_SKIP_OUTPUT_UNKNOWN)
    return tf.nest.map_structure(
        lambda i, o: basic_rnn.concat_sizes([i, o]), self._input_shape,
        tf.nest.map_structure(basic_rnn.as_shape, self._core.output_size))


class HighwayCore(rnn_core.RNNCore):
  """Recurrent highway network core (Zilly et al., 2016), coupled carry gate.

  For each of `num_layers` layers l: `t = sigmoid(s wt<l> + bt<l>)`, `h = tanh(s wh<l> + bh<l>)`
  (layer 0 also adds `x wt` and `x wh`), `s = s * (1 - t) + h * t`. Output = state = s.
  """

  def __init__(self,
               hidden_size: int,
               num_layers: int,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "highway_core"):
    """Constructs the core.

    Args:
      hidden_size: H.
      num_layers: number of highway layers per step.
      initializers: dict with keys from `get_possible_initializer_keys(num_layers)`:
        `wt`, `wh` and `wt<l>`, `bt<l>`, `wh<l>`, `bh<l>` per layer (Sonnet 1's names).
      partitioners: likewise (graph mode only).
      regularizers: likewise.
      custom_getter: custom getter(s) for the variables.
      name: module name.

    Raises:
      ValueError: for a non-positive `hidden_size` or `num_layers`.
      KeyError, TypeError: for bad initializers / partitioners / regularizers.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    self._hidden_size = argument_checks.check_positive_int(self.module_name, "hidden_size",
                                                           hidden_size, tf1_sizes=True)
    self._num_layers = argument_checks.check_positive_int(self.module_name, "num_layers",
                                                          num_layers)
    keys = self.get_possible_initializer_keys(num_layers)
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, keys)
    self._input_size = None

  @classmethod
  def get_possible_initializer_keys(cls, num_layers: int = 1, **unused_kwargs) -> set:
    """Returns the initializer keys for `num_layers` layers.

    Args:
      num_layers: number of highway layers.
      **unused_kwargs: other constructor arguments, ignored.

    Returns:
      `{wt, wh}` and `wt<l>, bt<l>, wh<l>, bh<l>` for every layer l (e.g. `wt0`).
    """
    keys = {"wt", "wh"}
    for layer in range(num_layers):
      keys |= {"wt%d" % layer, "bt%d" % layer, "wh%d" % layer, "bh%d" % layer}
    return keys

  def _var(self, name, shape, dtype, fan_in):
    default = (initializers_lib.zeros if name.startswith("b") else
               initializers_lib.truncated_normal(stddev=variables.fan_in_stddev(fan_in)))
    return variables.get_variable(
        name, shape=shape, dtype=dtype, initializer=self._initializers.get(name, default),
        regularizer=self._regularizers.get(name), partitioner=self._partitioners.get(name))

  def _build(self, inputs: Any, prev_state: Any) -> tuple[tf.Tensor, tf.Tensor]:
    """Runs one step.

    Args:
      inputs: `[batch_size, input_size]`.
      prev_state: `[batch_size, hidden_size]`.

    Returns:
      `(output, next_state)`, both `[batch_size, hidden_size]`.

    Raises:
      snt.IncompatibleShapeError: inputs of the wrong rank or size; a bad state.
    """
    inputs = rnn_core.check_rank2_inputs(self.module_name, inputs, self._input_size)
    state = self._check_prev_state(prev_state, inputs)
    input_size, hidden, dtype = inputs.shape[1], self._hidden_size, inputs.dtype
    wt = self._var("wt", [input_size, hidden], dtype, input_size)
    wh = self._var("wh", [input_size, hidden], dtype, input_size)
    for layer in range(self._num_layers):
      wt_l = self._var("wt%d" % layer, [hidden, hidden], dtype, hidden)
      bt_l = self._var("bt%d" % layer, [hidden], dtype, hidden)
      wh_l = self._var("wh%d" % layer, [hidden, hidden], dtype, hidden)
      bh_l = self._var("bh%d" % layer, [hidden], dtype, hidden)
      transform = tf.matmul(state, wt_l) + bt_l
      highway = tf.matmul(state, wh_l) + bh_l
      if layer == 0:
        transform += tf.matmul(inputs, wt)
        highway += tf.matmul(inputs, wh)
      transform = tf.sigmoid(transform)
      state = state * (1 - transform) + tf.tanh(highway) * transform
    self._input_size = input_size
    return state, state

  @property
  def state_size(self) -> tf.TensorShape:
    """Nest of `tf.TensorShape`: the state's sizes, without the batch dimension."""
    return tf.TensorShape([self._hidden_size])

  @property
  def output_size(self) -> tf.TensorShape:
    """Nest of `tf.TensorShape`: the output's sizes, without the batch dimension."""
    return tf.TensorShape([self._hidden_size])
