# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Gated recurrent cores: `LSTM` (with `LSTMState`) and `GRU`.

Their recurrent dropout and zoneout variants are in `recurrent_dropout.py`."""

import collections
from collections.abc import Mapping
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import fused_gru
from sonnet.src import fused_lstm
from sonnet.src import initializers as initializers_lib
from sonnet.src import rnn_core
from sonnet.src import unroll
from sonnet.src import util
from sonnet.src import variables

LSTMState = collections.namedtuple("LSTMState", ("hidden", "cell"))
LSTMState.__doc__ = """State of an `snt.LSTM`: `hidden` (the output, `[B, H]` or `[B, P]` with
a projection) and `cell` (`[B, H]`)."""
LSTMState.hidden.__doc__ = "The hidden state (equal to the core's output)."
LSTMState.cell.__doc__ = "The cell state."


def _layer_norm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor,
                eps: float = 1e-5) -> tf.Tensor:
  mean, variance = tf.nn.moments(x, axes=[1], keepdims=True)
  return tf.nn.batch_normalization(x, mean, variance, beta, gamma, eps)


def _default_w(fan_in: int):
  return initializers_lib.truncated_normal(stddev=variables.fan_in_stddev(fan_in))


def _call_on_whole_sequence(core: Any, input_sequence: tf.Tensor, initial_state: Any,
                            sequence_length: tf.Tensor | None,
                            parallel_iterations: int) -> tuple[Any, Any]:
  """Calls `core` once on its projected `input_sequence`, for its fused unroll.

  The call reaches the core's `_build_whole_sequence` through `AbstractModule.__call__`, so
  the whole unroll shares the core's variable scope, custom getters and connection records.
  """
  projected, extras = core._project_inputs(input_sequence)  # noqa: SLF001 (this file's cores)
  extras = dict(extras, parallel_iterations=parallel_iterations,
                sequence_length=sequence_length)
  return core(unroll.ProjectedInputs(projected, extras, whole_sequence=True), initial_state)


def _checked_whole_sequence_state(core: Any, inputs: "unroll.ProjectedInputs",
                                  prev_state: Any) -> Any:
  """`prev_state` checked against `core.state_size` and the sequence's batch size."""
  return rnn_core.check_state(prev_state, core.state_size, module_name=core.module_name,
                              arg_name="initial_state", batch_size=inputs.value.shape[1])


class LSTM(rnn_core.RNNCore):
  """Long short-term memory core (Hochreiter & Schmidhuber, 1997), peepholes optional.

  `gates = [x, h] @ w_gates (+ b_gates)`, split into `i, j, f, o`;
  `c' = sigmoid(f + forget_bias) * c + sigmoid(i) * tanh(j)`;
  `h' = tanh(c') * sigmoid(o)`. With peepholes, `f += w_f_diag * c`, `i += w_i_diag * c`
  and, as in Sonnet 1, `w_o_diag * c'` is added to the cell output: `h' = tanh(c' + w_o_diag
  * c') * sigmoid(o)` (not Gers & Schmidhuber's `o += w_o_diag * c'`). With layer norm,
  the gate pre-activations are normalised (`gamma`, `beta` of size 4H) before the bias.
  With `projection_size` P, `h' = h' @ w_h_projection`, so hidden state and output have size P.

  In `snt.dynamic_unroll` the plain LSTM (no peepholes, layer norm, projection or clipping)
  runs a fused kernel with a hand-written gradient (`fused_lstm.py`); the other
  configurations precompute the input projection for the whole sequence and then run
  step by step, which is slower to train (see `bench/lstm_bench.py`).
  """

  W_GATES = "w_gates"
  B_GATES = "b_gates"
  W_F_DIAG = "w_f_diag"
  W_I_DIAG = "w_i_diag"
  W_O_DIAG = "w_o_diag"
  W_H_PROJECTION = "w_h_projection"
  GAMMA = "gamma"
  BETA = "beta"
  POSSIBLE_INITIALIZER_KEYS = {W_GATES, B_GATES, W_F_DIAG, W_I_DIAG, W_O_DIAG,
                               W_H_PROJECTION, GAMMA, BETA}

  def __init__(self,
               hidden_size: int,
               forget_bias: float = 1.0,
               initializers: Mapping[str, Any] | None = None,
               partitioners: Mapping[str, Any] | None = None,
               regularizers: Mapping[str, Any] | None = None,
               use_peepholes: bool = False,
               use_layer_norm: bool = False,
               hidden_clip_value: float | None = None,
               projection_size: int | None = None,
               cell_clip_value: float | None = None,
               custom_getter: Any = None,
               name: str = "lstm"):
    """Constructs the LSTM.

    Args:
      hidden_size: H, the size of the cell state (and of the hidden state without a
        projection).
      forget_bias: added to the forget gate's pre-activation.
      initializers: dict with keys from `get_possible_initializer_keys(...)`. Defaults:
        `w_gates` and (as Sonnet 1) `b_gates` truncated normal with stddev
        1/sqrt(input_size + hidden), `beta` zeros, `gamma` ones, peepholes truncated
        normal 1/sqrt(H),
        `w_h_projection` truncated normal 1/sqrt(H).
      partitioners: dict of partitioners (graph mode only), same keys.
      regularizers: dict of regularizers, same keys.
      use_peepholes: whether to use peephole connections.
      use_layer_norm: whether to layer-normalise the gate pre-activations.
      hidden_clip_value: if given, the incoming hidden state is clipped to
        [-value, value] before use.
      projection_size: if given, P: the hidden state is projected to this size.
      cell_clip_value: if given, the incoming cell state is clipped to [-value, value].
      custom_getter: custom getter(s) for the variables.
      name: module name.

    Raises:
      ValueError: for a non-positive `hidden_size` / `projection_size` or clip value.
      KeyError: for initializer/partitioner/regularizer keys the configuration does not
        use.
      TypeError: for non-dict or non-callable initializers etc.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    self._hidden_size = argument_checks.check_positive_int(self.module_name, "hidden_size",
                                                           hidden_size, tf1_sizes=True)
    self._projection_size = (
        None if projection_size is None else argument_checks.check_positive_int(
            self.module_name, "projection_size", projection_size, tf1_sizes=True))
    self._forget_bias = forget_bias
    self._use_peepholes = bool(use_peepholes)
    self._use_layer_norm = bool(use_layer_norm)
    self._hidden_clip_value = rnn_core.check_clip_value(self.module_name, "hidden_clip_value",
                                                        hidden_clip_value)
    self._cell_clip_value = rnn_core.check_clip_value(self.module_name, "cell_clip_value",
                                                      cell_clip_value)
    keys = self.get_possible_initializer_keys(
        use_peepholes=use_peepholes, use_projection=projection_size is not None,
        use_layer_norm=use_layer_norm)
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, keys)
    self._input_size = None

  @classmethod
  def get_possible_initializer_keys(cls, use_peepholes: bool = False,
                                    use_projection: bool = False,
                                    use_layer_norm: bool = False, **unused_kwargs) -> set:
    """Returns the variable names a configuration uses.

    Args:
      use_peepholes: peephole weights `w_f_diag`, `w_i_diag`, `w_o_diag`.
      use_projection: `w_h_projection`.
      use_layer_norm: `gamma`, `beta`.

    Returns:
      A set of keys.
    """
    keys = {cls.W_GATES, cls.B_GATES}
    if use_peepholes:
      keys |= {cls.W_F_DIAG, cls.W_I_DIAG, cls.W_O_DIAG}
    if use_projection:
      keys.add(cls.W_H_PROJECTION)
    if use_layer_norm:
      keys |= {cls.GAMMA, cls.BETA}
    return keys

  def _var(self, name: str, shape, dtype, default):
    return variables.get_variable(
        name, shape=shape, dtype=dtype, initializer=self._initializers.get(name, default),
        regularizer=self._regularizers.get(name), partitioner=self._partitioners.get(name))

  def _create_variables(self, input_size: int, dtype: tf.DType) -> None:
    hidden, out = self._hidden_size, self._projection_size or self._hidden_size
    self._w_gates = self._var(self.W_GATES, [input_size + out, 4 * hidden], dtype,
                              _default_w(input_size + out))
    self._b_gates = self._var(self.B_GATES, [4 * hidden], dtype, _default_w(input_size + out))
    if self._use_peepholes:
      for key in (self.W_F_DIAG, self.W_I_DIAG, self.W_O_DIAG):
        setattr(self, "_" + key, self._var(key, [hidden], dtype, _default_w(hidden)))
    if self._use_layer_norm:
      self._gamma = self._var(self.GAMMA, [4 * hidden], dtype, initializers_lib.ones)
      self._beta = self._var(self.BETA, [4 * hidden], dtype, initializers_lib.zeros)
    if self._projection_size is not None:
      self._w_h_projection = self._var(self.W_H_PROJECTION, [hidden, out], dtype,
                                       _default_w(hidden))

  def _build(self, inputs: Any, prev_state: Any) -> tuple[tf.Tensor, LSTMState]:
    """Runs one step.

    Args:
      inputs: `[batch_size, input_size]` tensor.
      prev_state: `LSTMState(hidden, cell)` (or a `(hidden, cell)` tuple).

    Returns:
      `(output, next_state)`: output `[B, P or H]`, next_state an `LSTMState`.

    Raises:
      snt.IncompatibleShapeError: inputs of the wrong rank or of another size than at the
        first connection; a state component of the wrong size or batch.
      snt.UnderspecifiedError: unknown input size.
      ValueError: a state without the structure `(hidden, cell)`.
    """
    if isinstance(inputs, unroll.ProjectedInputs) and inputs.whole_sequence:
      return self._build_whole_sequence(inputs, prev_state)
    if isinstance(inputs, unroll.ProjectedInputs):
      prev_state = self._check_prev_state(prev_state, inputs.value)
      gates_x = inputs.value
      w_h = inputs.extras["w_h"]
    else:
      inputs = rnn_core.check_rank2_inputs(self.module_name, inputs, self._input_size)
      prev_state = self._check_prev_state(prev_state, inputs)
      input_size = inputs.shape[1]
      self._create_variables(input_size, inputs.dtype)
      gates_x, w_h = None, None
    hidden, cell = prev_state
    if self._hidden_clip_value is not None:
      hidden = tf.clip_by_value(hidden, -self._hidden_clip_value, self._hidden_clip_value)
    if self._cell_clip_value is not None:
      cell = tf.clip_by_value(cell, -self._cell_clip_value, self._cell_clip_value)
    if gates_x is None:
      gates = tf.matmul(tf.concat([inputs, hidden], axis=1), self._w_gates)
      if not self._use_layer_norm:
        gates = tf.nn.bias_add(gates, self._b_gates)
    else:
      gates = gates_x + tf.matmul(hidden, w_h)
    if self._use_layer_norm:
      gates = tf.nn.bias_add(_layer_norm(gates, self._gamma, self._beta), self._b_gates)
    i, j, f, o = tf.split(gates, 4, axis=1)
    if self._use_peepholes:
      f += self._w_f_diag * cell
      i += self._w_i_diag * cell
    if gates_x is None or not inputs.extras["forget_bias_included"]:
      f += self._forget_bias
    forget_gate = tf.sigmoid(f)
    next_cell = forget_gate * cell + tf.sigmoid(i) * tf.tanh(j)
    cell_output = next_cell
    if self._use_peepholes:
      # Sonnet 1's output peephole: on the cell output, not on `o`.
      cell_output += self._w_o_diag * cell_output
    next_hidden = tf.tanh(cell_output) * tf.sigmoid(o)
    if self._projection_size is not None:
      next_hidden = tf.matmul(next_hidden, self._w_h_projection)
    if not isinstance(inputs, unroll.ProjectedInputs):
      self._input_size = inputs.shape[1]
    return next_hidden, LSTMState(hidden=next_hidden, cell=next_cell)

  def _project_inputs(self, sequence: tf.Tensor) -> tuple[tf.Tensor, Mapping[str, Any]]:
    """Creates the variables and projects a `[T, B, in]` sequence to `[T, B, 4H]`."""
    sequence = rnn_core.check_sequence_inputs(self.module_name, sequence, self._input_size)
    input_size = sequence.shape[2]
    with self._enter_variable_scope():
      with tf.name_scope(self.module_name + "_input_projection"):
        self._create_variables(input_size, sequence.dtype)
        w_x, w_h = self._w_gates[:input_size], self._w_gates[input_size:]
        if self._use_layer_norm:
          bias = None
        else:
          # The forget bias joins the projection's bias: one op less per step.
          hidden = self._hidden_size
          bias = self._b_gates + tf.constant(
              [0.0] * (2 * hidden) + [self._forget_bias] * hidden + [0.0] * hidden,
              dtype=sequence.dtype)
        projected = unroll.project_sequence(sequence, w_x, bias)
    self._input_size = input_size
    return projected, {"w_h": w_h, "forget_bias_included": not self._use_layer_norm}

  def _prepare_unroll(self, input_sequence: Any):
    """Projects the whole input sequence with one matrix product (see `RNNCore`)."""
    if tf.nest.is_nested(input_sequence):
      return input_sequence, self
    projected, extras = self._project_inputs(input_sequence)
    return projected, lambda x_t, state: self(unroll.ProjectedInputs(x_t, extras), state)

  def _fused_unroll(self, input_sequence: Any, initial_state: Any,
                    sequence_length: tf.Tensor | None = None,
                    parallel_iterations: int = 10) -> tuple[tf.Tensor, LSTMState] | None:
    """Overrides `RNNCore._fused_unroll`: the whole unroll with a hand-written gradient.

    Only for the plain LSTM (no peepholes, layer norm, projection or clipping); returns
    None otherwise, and the unroll uses the step-by-step path. `sequence_length` (or None)
    is handled inside the kernel.
    """
    if (tf.nest.is_nested(input_sequence) or self._use_peepholes or self._use_layer_norm
        or self._projection_size is not None or self._hidden_clip_value is not None or
        self._cell_clip_value is not None):
      return None
    return _call_on_whole_sequence(self, input_sequence, initial_state, sequence_length,
                                   parallel_iterations)

  def _build_whole_sequence(self, inputs: "unroll.ProjectedInputs", prev_state: Any):
    prev_state = _checked_whole_sequence_state(self, inputs, prev_state)
    outputs, hidden, cell = fused_lstm.fused_lstm_sequence(
        inputs.value, prev_state.hidden, prev_state.cell, inputs.extras["w_h"],
        inputs.extras["sequence_length"], inputs.extras["parallel_iterations"])
    return outputs, LSTMState(hidden=hidden, cell=cell)

  @property
  def state_size(self) -> LSTMState:
    """`LSTMState(hidden=[P or H], cell=[H])`."""
    out = self._projection_size or self._hidden_size
    return LSTMState(hidden=tf.TensorShape([out]), cell=tf.TensorShape([self._hidden_size]))

  @property
  def output_size(self) -> tf.TensorShape:
    """`[P or H]`."""
    return tf.TensorShape([self._projection_size or self._hidden_size])

  @property
  def hidden_size(self) -> int:
    """The hidden size H."""
    return self._hidden_size

  @property
  def use_peepholes(self) -> bool:
    """Whether the core uses peephole connections."""
    return self._use_peepholes

  @property
  def use_layer_norm(self) -> bool:
    """Whether the gate pre-activations are layer-normalised."""
    return self._use_layer_norm

  @property
  def w_gates(self) -> tf.Variable:
    """The gate weights `[input_size + P or H, 4H]`.

    Raises:
      snt.NotConnectedError: before the first connection.
    """
    self._ensure_is_connected()
    return self._w_gates

  @property
  def b_gates(self) -> tf.Variable:
    """The gate biases `[4H]`.

    Raises:
      snt.NotConnectedError: before the first connection.
    """
    self._ensure_is_connected()
    return self._b_gates

  # Sonnet 1's private attribute names, which its users read (read-only aliases: no new
  # tracked attributes, so `variables` and checkpoint keys stay the same).
  @property
  def _w_xh(self) -> tf.Variable:
    """Sonnet 1's name of `w_gates`."""
    return self._w_gates

  @property
  def _b(self) -> tf.Variable:
    """Sonnet 1's name of `b_gates`."""
    return self._b_gates


class GRU(rnn_core.RNNCore):
  """Gated recurrent unit core (Cho et al., 2014).

  `z = sigmoid(x wz + h uz + bz)`, `r = sigmoid(x wr + h ur + br)`,
  `h~ = tanh(x wh + (r * h) uh + bh)`, `h' = (1 - z) * h + z * h~`; output = state = h'.

  In `snt.dynamic_unroll` it runs a fused kernel with a hand-written gradient
  (`fused_gru.py`).
  """

  WZ, UZ, BZ, WR, UR, BR, WH, UH, BH = "wz", "uz", "bz", "wr", "ur", "br", "wh", "uh", "bh"
  POSSIBLE_INITIALIZER_KEYS = {WZ, UZ, BZ, WR, UR, BR, WH, UH, BH}
  POSSIBLE_KEYS = POSSIBLE_INITIALIZER_KEYS

  def __init__(self,
               hidden_size: int,
               initializers: Mapping[str, Any] | None = None,
               partitioners: Mapping[str, Any] | None = None,
               regularizers: Mapping[str, Any] | None = None,
               custom_getter: Any = None,
               name: str = "gru"):
    """Constructs the GRU.

    Args:
      hidden_size: H.
      initializers: dict with keys in `POSSIBLE_INITIALIZER_KEYS`. Defaults: `w*`
        truncated normal 1/sqrt(input_size), `u*` truncated normal 1/sqrt(H), `b*` zeros.
      partitioners: dict of partitioners (graph mode only).
      regularizers: dict of regularizers.
      custom_getter: custom getter(s) for the variables.
      name: module name.

    Raises:
      ValueError: for a non-positive `hidden_size`.
      KeyError, TypeError: for bad initializers / partitioners / regularizers.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    self._hidden_size = argument_checks.check_positive_int(self.module_name, "hidden_size",
                                                           hidden_size, tf1_sizes=True)
    keys = self.POSSIBLE_INITIALIZER_KEYS
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, keys)
    self._input_size = None

  def _create_variables(self, input_size: int, dtype: tf.DType) -> None:
    hidden = self._hidden_size
    shapes = {self.WZ: [input_size, hidden], self.WR: [input_size, hidden],
              self.WH: [input_size, hidden], self.UZ: [hidden, hidden],
              self.UR: [hidden, hidden], self.UH: [hidden, hidden], self.BZ: [hidden],
              self.BR: [hidden], self.BH: [hidden]}
    for key in (self.WZ, self.UZ, self.BZ, self.WR, self.UR, self.BR, self.WH, self.UH,
                self.BH):
      if key.startswith("w"):
        default = _default_w(input_size)
      elif key.startswith("u"):
        default = _default_w(hidden)
      else:
        default = initializers_lib.zeros
      setattr(self, "_" + key, variables.get_variable(
          key, shape=shapes[key], dtype=dtype,
          initializer=self._initializers.get(key, default),
          regularizer=self._regularizers.get(key),
          partitioner=self._partitioners.get(key)))

  def _build(self, inputs: Any, prev_state: Any) -> tuple[tf.Tensor, tf.Tensor]:
    """Runs one step.

    Args:
      inputs: `[batch_size, input_size]` tensor.
      prev_state: `[batch_size, hidden_size]` tensor.

    Returns:
      `(output, next_state)`, both the new hidden state `[B, H]`.

    Raises:
      snt.IncompatibleShapeError: inputs of the wrong rank or size; a state of the wrong
        size or batch.
      snt.UnderspecifiedError: unknown input size.
    """
    if isinstance(inputs, unroll.ProjectedInputs) and inputs.whole_sequence:
      return self._build_whole_sequence(inputs, prev_state)
    if isinstance(inputs, unroll.ProjectedInputs):
      prev_state = self._check_prev_state(prev_state, inputs.value)
      x_zrh = inputs.value
      u_zr = inputs.extras["u_zr"]
    else:
      inputs = rnn_core.check_rank2_inputs(self.module_name, inputs, self._input_size)
      prev_state = self._check_prev_state(prev_state, inputs)
      self._create_variables(inputs.shape[1], inputs.dtype)
      w_zrh = tf.concat([self._wz, self._wr, self._wh], axis=1)
      b_zrh = tf.concat([self._bz, self._br, self._bh], axis=0)
      x_zrh = tf.nn.bias_add(tf.matmul(inputs, w_zrh), b_zrh)
      u_zr = tf.concat([self._uz, self._ur], axis=1)
    hidden = prev_state
    x_zr, x_h = x_zrh[:, :2 * self._hidden_size], x_zrh[:, 2 * self._hidden_size:]
    z, r = tf.split(tf.sigmoid(x_zr + tf.matmul(hidden, u_zr)), 2, axis=1)
    candidate = tf.tanh(x_h + tf.matmul(r * hidden, self._uh))
    next_hidden = (1 - z) * hidden + z * candidate
    if not isinstance(inputs, unroll.ProjectedInputs):
      self._input_size = inputs.shape[1]
    return next_hidden, next_hidden

  def _project_inputs(self, sequence: tf.Tensor) -> tuple[tf.Tensor, Mapping[str, Any]]:
    """Creates the variables and projects a `[T, B, in]` sequence to `[T, B, 3H]`."""
    sequence = rnn_core.check_sequence_inputs(self.module_name, sequence, self._input_size)
    with self._enter_variable_scope():
      with tf.name_scope(self.module_name + "_input_projection"):
        self._create_variables(sequence.shape[2], sequence.dtype)
        w_zrh = tf.concat([self._wz, self._wr, self._wh], axis=1)
        b_zrh = tf.concat([self._bz, self._br, self._bh], axis=0)
        projected = unroll.project_sequence(sequence, w_zrh, b_zrh)
        extras = {"u_zr": tf.concat([self._uz, self._ur], axis=1)}
    self._input_size = sequence.shape[2]
    return projected, extras

  def _prepare_unroll(self, input_sequence: Any):
    """Projects the whole input sequence with one matrix product (see `RNNCore`)."""
    if tf.nest.is_nested(input_sequence):
      return input_sequence, self
    projected, extras = self._project_inputs(input_sequence)
    return projected, lambda x_t, state: self(unroll.ProjectedInputs(x_t, extras), state)

  def _fused_unroll(self, input_sequence: Any, initial_state: Any,
                    sequence_length: tf.Tensor | None = None,
                    parallel_iterations: int = 10) -> tuple[tf.Tensor, tf.Tensor] | None:
    """Overrides `RNNCore._fused_unroll`: the whole unroll with a hand-written gradient.

    Returns None (the step-by-step path) for a nested input sequence, and for subclasses
    that override `_build`, whose steps the kernel would not run.
    """
    overridden = type(self)._build is not GRU._build  # noqa: SLF001 (our own method)
    if tf.nest.is_nested(input_sequence) or overridden:
      return None
    return _call_on_whole_sequence(self, input_sequence, initial_state, sequence_length,
                                   parallel_iterations)

  def _build_whole_sequence(self, inputs: "unroll.ProjectedInputs", prev_state: Any):
    prev_state = _checked_whole_sequence_state(self, inputs, prev_state)
    return fused_gru.fused_gru_sequence(
        inputs.value, prev_state, inputs.extras["u_zr"], self._uh,
        inputs.extras["sequence_length"], inputs.extras["parallel_iterations"])

  @property
  def state_size(self) -> tf.TensorShape:
    """Nest of `tf.TensorShape`: the state's sizes, without the batch dimension."""
    return tf.TensorShape([self._hidden_size])

  @property
  def output_size(self) -> tf.TensorShape:
    """Nest of `tf.TensorShape`: the output's sizes, without the batch dimension."""
    return tf.TensorShape([self._hidden_size])

  @property
  def hidden_size(self) -> int:
    """The hidden size H."""
    return self._hidden_size
