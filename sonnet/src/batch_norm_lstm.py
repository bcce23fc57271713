# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`BatchNormLSTM`: an LSTM with recurrent batch normalisation (Cooijmans et al., 2016).

Batch normalisation can be applied to the hidden-to-gates product (`use_batch_norm_h`), the
input-to-gates product (`use_batch_norm_x`) and the cell state (`use_batch_norm_c`).
Statistics may differ per time step: with `max_unique_stats` = K > 1 the state carries an
int32 time-step counter and steps 0 ... K-1 use their own moving statistics (later steps
share those of step K-1). The statistics are computed inside the core, per step, so the
core can be unrolled like any other.
"""

from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import gated_rnn
from sonnet.src import initializers as initializers_lib
from sonnet.src import rnn_core
from sonnet.src import state_variables
from sonnet.src import types
from sonnet.src import util
from sonnet.src import variables

ERR_MAX_UNIQUE_STATS = "max_unique_stats must be >= 1, got {!r}."
ERR_STATS_WITHOUT_BN = "max_unique_stats specified but batch norm disabled."
ERR_DECAY = "decay_rate must be in [0, 1], got {!r}."
ERR_EPS = "eps must be a positive number, got {!r}."
ERR_IS_TRAINING = ("Boolean is_training flag must be explicitly specified when using batch "
                   "normalization.")
ERR_NO_V1_VARIABLE = ("'{cls}' object has no attribute '{name}' (the variable does not exist "
                      "before the first connection or in this configuration).")

# Sonnet 1's attribute names of the variables whose names changed (others: "_" + name).
_SONNET1_NAMES = {"w_gates_x": "_w_x", "w_gates_h": "_w_h", "w_gates": "_w_xh", "b_gates": "_b"}


class _Sonnet1Variables:
  """A plain holder of variables (not tracked by tf.Module, so nothing is duplicated)."""


class BatchNormLSTM(rnn_core.RNNCore):
  """LSTM with batch normalisation of the gate inputs and/or the cell (see module doc).

  `gates = gamma_h * BN(h w_gates_h) + gamma_x * BN(x w_gates_x) + b_gates` (without the
  BN of a term, the term is used as is); `c' = sigmoid(f + forget_bias) * c + sigmoid(i) *
  tanh(j)`; `h' = tanh(beta_c + gamma_c * BN(c')) * sigmoid(o)` (or `tanh(c')` without
  cell BN). Peepholes as in `snt.LSTM` (`w_o_diag` scales that cell output). Without h or x
  batch norm, one matrix `w_gates` multiplies `[x, h]` (as `snt.LSTM`).
  `_build(inputs, prev_state, is_training, test_local_stats=True)` (`is_training` required
  with batch norm, as in Sonnet 1): in training the batch statistics are used and the
  moving averages updated; otherwise the batch statistics are used if `test_local_stats`,
  the moving averages if not. Use `with_batch_norm_control(...)` to fix these flags for
  `snt.dynamic_unroll`.
  """

  W_GATES = "w_gates"
  B_GATES = "b_gates"
  W_F_DIAG = "w_f_diag"
  W_I_DIAG = "w_i_diag"
  W_O_DIAG = "w_o_diag"
  GAMMA_H = "gamma_h"
  GAMMA_X = "gamma_x"
  GAMMA_C = "gamma_c"
  BETA_C = "beta_c"
  POSSIBLE_INITIALIZER_KEYS = {W_GATES, B_GATES, W_F_DIAG, W_I_DIAG, W_O_DIAG, GAMMA_H,
                               GAMMA_X, GAMMA_C, BETA_C}

  def __init__(self,
               hidden_size: int,
               forget_bias: float = 1.0,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               use_peepholes: bool = False,
               use_batch_norm_h: bool = True,
               use_batch_norm_x: bool = False,
               use_batch_norm_c: bool = False,
               max_unique_stats: int = 1,
               hidden_clip_value: float | None = None,
               cell_clip_value: float | None = None,
               decay_rate: float = 0.999,
               eps: float = 1e-3,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "batch_norm_lstm"):
    """Constructs the core.

    Args:
      hidden_size: H.
      forget_bias: added to the forget gate's pre-activation.
      initializers: dict with keys from `get_possible_initializer_keys(...)`; `w_gates`
        initialises both `w_gates_x` and `w_gates_h` (default truncated normal
        1/sqrt(input_size + H)); `gamma_*` default 0.1, biases and `beta_c` zeros.
      partitioners: dict of partitioners (graph mode only).
      regularizers: dict of regularizers.
      use_peepholes: peephole connections.
      use_batch_norm_h: normalise the hidden-to-gates product.
      use_batch_norm_x: normalise the input-to-gates product.
      use_batch_norm_c: normalise the cell state before the output non-linearity.
      max_unique_stats: number of time steps with their own statistics.
      hidden_clip_value: clip the incoming hidden state to [-value, value].
      cell_clip_value: clip the incoming cell state to [-value, value].
      decay_rate: moving-average decay of the statistics.
      eps: added to the variance.
      custom_getter: custom getter(s) for the variables.
      name: module name.

    Raises:
      ValueError: for `max_unique_stats` < 1, `max_unique_stats` > 1 without any batch
        norm, a bad `hidden_size`, clip value, `decay_rate` or `eps`.
      KeyError, TypeError: for bad initializers / partitioners / regularizers.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    module = self.module_name
    self._hidden_size = argument_checks.check_positive_int(module, "hidden_size", hidden_size)
    max_unique_stats = argument_checks.check_positive_int(
        module, "max_unique_stats", max_unique_stats, message=ERR_MAX_UNIQUE_STATS)
    self._use_batch_norm_h = bool(use_batch_norm_h)
    self._use_batch_norm_x = bool(use_batch_norm_x)
    self._use_batch_norm_c = bool(use_batch_norm_c)
    if max_unique_stats > 1 and not (use_batch_norm_h or use_batch_norm_x or
                                     use_batch_norm_c):
      raise ValueError(ERR_STATS_WITHOUT_BN)
    self._max_unique_stats = max_unique_stats
    self._decay_rate = argument_checks.check_number_in_range(module, "decay_rate", decay_rate,
                                                             message=ERR_DECAY)
    self._eps = argument_checks.check_positive_number(module, "eps", eps, message=ERR_EPS)
    self._forget_bias = forget_bias
    self._use_peepholes = bool(use_peepholes)
    self._hidden_clip_value = rnn_core.check_clip_value(module, "hidden_clip_value",
                                                        hidden_clip_value)
    self._cell_clip_value = rnn_core.check_clip_value(module, "cell_clip_value",
                                                      cell_clip_value)
    keys = self.get_possible_initializer_keys(use_peepholes, use_batch_norm_h,
                                              use_batch_norm_x, use_batch_norm_c)
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, keys)
    self._input_size = None
    # The variables of the last connection under Sonnet 1's attribute names (see
    # `_v1_alias`); a plain object, so tf.Module tracks nothing twice.
    self._v1_variables = _Sonnet1Variables()

  @classmethod
  def get_possible_initializer_keys(cls, use_peepholes: bool = False,
                                    use_batch_norm_h: bool = True,
                                    use_batch_norm_x: bool = False,
                                    use_batch_norm_c: bool = False,
                                    **unused_kwargs) -> set:
    """Returns the variable names a configuration uses.

    Args:
      use_peepholes: peephole weights `w_f_diag`, `w_i_diag`, `w_o_diag`.
      use_batch_norm_h: `gamma_h`.
      use_batch_norm_x: `gamma_x`.
      use_batch_norm_c: `gamma_c`, `beta_c`.
      **unused_kwargs: other constructor arguments, ignored.

    Returns:
      A set of keys.
    """
    keys = {cls.W_GATES, cls.B_GATES}
    if use_peepholes:
      keys |= {cls.W_F_DIAG, cls.W_I_DIAG, cls.W_O_DIAG}
    if use_batch_norm_h:
      keys.add(cls.GAMMA_H)
    if use_batch_norm_x:
      keys.add(cls.GAMMA_X)
    if use_batch_norm_c:
      keys |= {cls.GAMMA_C, cls.BETA_C}
    return keys

  def _var(self, name: str, key: str, shape, dtype, default, trainable=True):
    variable = variables.get_variable(
        name, shape=shape, dtype=dtype, initializer=self._initializers.get(key, default),
        regularizer=self._regularizers.get(key), partitioner=self._partitioners.get(key),
        trainable=trainable)
    setattr(self._v1_variables, _SONNET1_NAMES.get(name, "_" + name), variable)
    return variable

  def _stats_variables(self, suffix: str, size: int, dtype: tf.DType):
    shape = [self._max_unique_stats, size]
    # State variables: replicas under tf.distribute keep equal copies (state_variables).
    mean = state_variables.get_state_variable("moving_mean_" + suffix, shape=shape,
                                              dtype=dtype, initializer=initializers_lib.zeros)
    variance = state_variables.get_state_variable("moving_variance_" + suffix, shape=shape,
                                                  dtype=dtype, initializer=initializers_lib.ones)
    return mean, variance

  def _batch_norm(self, x: tf.Tensor, suffix: str, index: tf.Tensor, is_training: Any,
                  test_local_stats: Any, after: Any) -> tf.Tensor:
    """Normalises `x` ([B, D]) with the statistics of time-step slot `index`.

    `after` (the previous state) orders the update after the previous step's updates:
    in tf.compat.v1 graph mode a while loop body gets no automatic control dependencies.
    """
    moving_mean, moving_variance = self._stats_variables(suffix, x.shape[-1], x.dtype)
    mean, variance = tf.nn.moments(x, axes=[0])
    # Under tf.distribute the moving averages follow the global batch's statistics (the
    # all-reduce must run outside the tf.cond below); a no-op without a strategy.
    if state_variables.num_replicas() > 1:
      update_mean, update_variance, _ = state_variables.cross_replica_moments(
          mean, variance, tf.shape(x)[0])
    else:
      update_mean, update_variance = mean, variance

    def update():
      with tf.control_dependencies(after):
        return _update()

    def _update():
      decay = tf.constant(self._decay_rate, x.dtype)
      new_mean = decay * tf.gather(moving_mean, index) + (1 - decay) * update_mean
      new_variance = (decay * tf.gather(moving_variance, index)
                      + (1 - decay) * update_variance)
      indices = tf.reshape(index, [1, 1])
      return tf.group(
          state_variables.scatter_update(moving_mean, indices, new_mean[tf.newaxis]),
          state_variables.scatter_update(moving_variance, indices, new_variance[tf.newaxis]))

    training = tf.get_static_value(is_training) if tf.is_tensor(is_training) else is_training
    local = (tf.get_static_value(test_local_stats) if tf.is_tensor(test_local_stats)
             else test_local_stats)
    if training is not None and local is not None:
      if training:
        with tf.control_dependencies([update()]):
          mean, variance = tf.identity(mean), tf.identity(variance)
      elif not local:
        mean = tf.gather(moving_mean, index)
        variance = tf.gather(moving_variance, index)
    else:
      is_training = tf.convert_to_tensor(is_training, tf.bool)
      use_batch = tf.logical_or(is_training, tf.convert_to_tensor(test_local_stats, tf.bool))

      def maybe_update():
        with tf.control_dependencies([update()]):
          return tf.constant(True)

      updated = tf.cond(is_training, maybe_update, lambda: tf.constant(False))
      with tf.control_dependencies([updated]):
        mean = tf.where(use_batch, mean, tf.gather(moving_mean, index))
        variance = tf.where(use_batch, variance, tf.gather(moving_variance, index))
    return (x - mean) * tf.math.rsqrt(variance + self._eps)

  def _build(self, inputs: Any, prev_state: Any, is_training: Any = None,
             test_local_stats: Any = True) -> tuple[tf.Tensor, tuple[tf.Tensor, ...]]:
    """Runs one step.

    Args:
      inputs: `[batch_size, input_size]`.
      prev_state: `LSTMState(hidden, cell)`, or `(hidden, cell, time_step)` with
        `max_unique_stats` > 1.
      is_training: Python bool or bool tensor: use batch statistics and update the moving
        averages. Required (as in Sonnet 1) when any batch norm is used.
      test_local_stats: when not training, use the batch statistics (True) or the moving
        averages (False).

    Returns:
      `(output, next_state)`.

    Raises:
      snt.IncompatibleShapeError: bad input rank or size; bad state sizes.
      ValueError: a state of the wrong structure; `is_training` not given with batch norm.
    """
    if is_training is None and (self._use_batch_norm_h or self._use_batch_norm_x or
                                self._use_batch_norm_c):
      raise ValueError(ERR_IS_TRAINING)
    inputs = rnn_core.check_rank2_inputs(self.module_name, inputs, self._input_size)
    prev_state = self._check_prev_state(prev_state, inputs)
    hidden_size, dtype = self._hidden_size, inputs.dtype
    input_size = inputs.shape[1]
    if self._max_unique_stats > 1:
      hidden, cell, time_step = prev_state
      index = tf.minimum(time_step[0, 0], self._max_unique_stats - 1)
    else:
      hidden, cell = prev_state
      time_step, index = None, tf.constant(0)
    if self._hidden_clip_value is not None:
      hidden = tf.clip_by_value(hidden, -self._hidden_clip_value, self._hidden_clip_value)
    if self._cell_clip_value is not None:
      cell = tf.clip_by_value(cell, -self._cell_clip_value, self._cell_clip_value)
    default_w = initializers_lib.truncated_normal(
        stddev=variables.fan_in_stddev(input_size + hidden_size))
    split = self._use_batch_norm_h or self._use_batch_norm_x
    if split:
      w_x = self._var("w_gates_x", self.W_GATES, [input_size, 4 * hidden_size], dtype,
                      default_w)
      w_h = self._var("w_gates_h", self.W_GATES, [hidden_size, 4 * hidden_size], dtype,
                      default_w)
    else:
      # As Sonnet 1: one matrix for [x, h] when neither product is normalised.
      w_xh = self._var(self.W_GATES, self.W_GATES, [input_size + hidden_size, 4 * hidden_size],
                       dtype, default_w)
    b = self._var(self.B_GATES, self.B_GATES, [4 * hidden_size], dtype,
                  initializers_lib.zeros)
    gamma_default = initializers_lib.constant(0.1)
    flags = (is_training, test_local_stats, [hidden, cell])
    if split:
      gates_h = tf.matmul(hidden, w_h)
      if self._use_batch_norm_h:
        gamma_h = self._var(self.GAMMA_H, self.GAMMA_H, [4 * hidden_size], dtype,
                            gamma_default)
        gates_h = gamma_h * self._batch_norm(gates_h, "h", index, *flags)
      gates_x = tf.matmul(inputs, w_x)
      if self._use_batch_norm_x:
        gamma_x = self._var(self.GAMMA_X, self.GAMMA_X, [4 * hidden_size], dtype,
                            gamma_default)
        gates_x = gamma_x * self._batch_norm(gates_x, "x", index, *flags)
      gates = gates_h + gates_x + b
    else:
      gates = tf.matmul(tf.concat([inputs, hidden], axis=1), w_xh) + b
    i, j, f, o = tf.split(gates, 4, axis=1)
    if self._use_peepholes:
      peephole_init = initializers_lib.truncated_normal(
          stddev=variables.fan_in_stddev(hidden_size))
      w_f = self._var(self.W_F_DIAG, self.W_F_DIAG, [hidden_size], dtype, peephole_init)
      w_i = self._var(self.W_I_DIAG, self.W_I_DIAG, [hidden_size], dtype, peephole_init)
      w_o = self._var(self.W_O_DIAG, self.W_O_DIAG, [hidden_size], dtype, peephole_init)
      f += w_f * cell
      i += w_i * cell
    next_cell = tf.sigmoid(f + self._forget_bias) * cell + tf.sigmoid(i) * tf.tanh(j)
    cell_output = next_cell
    if self._use_batch_norm_c:
      gamma_c = self._var(self.GAMMA_C, self.GAMMA_C, [hidden_size], dtype, gamma_default)
      beta_c = self._var(self.BETA_C, self.BETA_C, [hidden_size], dtype,
                         initializers_lib.zeros)
      cell_output = beta_c + gamma_c * self._batch_norm(next_cell, "c", index, *flags)
    if self._use_peepholes:
      cell_output += w_o * cell_output  # Sonnet 1's output peephole (see `snt.LSTM`).
    next_hidden = tf.tanh(cell_output) * tf.sigmoid(o)
    self._input_size = input_size
    if time_step is None:
      return next_hidden, gated_rnn.LSTMState(hidden=next_hidden, cell=next_cell)
    return next_hidden, (next_hidden, next_cell, time_step + 1)

  def initial_state(self,
                    batch_size: types.BatchSize,
                    dtype: types.DTypeLike | None = None,
                    trainable: bool = False,
                    trainable_initializers: types.Nest | None = None,
                    trainable_regularizers: types.Nest | None = None,
                    name: str | None = None,
                    **unused_kwargs) -> Any:
    """Returns the initial `(hidden, cell)` (zeros or learned) and, with
    `max_unique_stats` > 1, a zero int32 time-step counter `[batch_size, 1]`.

    Args:
      batch_size: Python int or int scalar tensor.
      dtype: dtype of hidden and cell; default as for `snt.RNNCore.initial_state`.
      trainable: whether hidden and cell are learned (see `snt.RNNCore.initial_state`).
      trainable_initializers: with `trainable`, an `LSTMState` of initializers (or None).
      trainable_regularizers: with `trainable`, an `LSTMState` of regularizers (or None).
      name: name scope.
      **unused_kwargs: ignored.

    Returns:
      A state with the structure of `state_size`.
    """
    lstm_size = gated_rnn.LSTMState(tf.TensorShape([self._hidden_size]),
                                    tf.TensorShape([self._hidden_size]))
    name = name or f"{self.module_name}_initial_state"
    dtype = rnn_core.state_dtype(self, dtype)
    if trainable:
      with self._enter_variable_scope():
        hidden, cell = rnn_core.trainable_initial_state(
            batch_size, lstm_size, dtype, initializers=trainable_initializers,
            regularizers=trainable_regularizers, name=name)
    else:
      with tf.name_scope(name):
        hidden, cell = rnn_core.zero_state_for(lstm_size, batch_size, dtype)
    if self._max_unique_stats == 1:
      return gated_rnn.LSTMState(hidden=hidden, cell=cell)
    with tf.name_scope(name):
      time_step = rnn_core.zero_state_for(tf.TensorShape([1]), batch_size, tf.int32)
    return hidden, cell, time_step

  def zero_state(self, batch_size: types.BatchSize, dtype: types.DTypeLike | None = None) -> Any:
    """Zeros with the structure of `state_size` (see `snt.RNNCore.zero_state`)."""
    return self.initial_state(batch_size, dtype)

  def with_batch_norm_control(self, is_training: bool | tf.Tensor,
                              test_local_stats: bool | tf.Tensor = True
                              ) -> "CoreWithExtraBuildArgs":
    """Returns a core that calls this one with fixed `is_training` / `test_local_stats`.

    Args:
      is_training: Python bool or bool tensor.
      test_local_stats: Python bool or bool tensor.

    Returns:
      A core sharing this core's variables, for `snt.dynamic_unroll` and friends.
    """
    return CoreWithExtraBuildArgs(self, is_training=is_training,
                                  test_local_stats=test_local_stats)

  @property
  def state_size(self) -> Any:
    """Nest of `tf.TensorShape`: the state's sizes, without the batch dimension."""
    size = tf.TensorShape([self._hidden_size])
    if self._max_unique_stats == 1:
      return gated_rnn.LSTMState(hidden=size, cell=size)
    return size, size, tf.TensorShape([1])

  @property
  def output_size(self) -> tf.TensorShape:
    """Nest of `tf.TensorShape`: the output's sizes, without the batch dimension."""
    return tf.TensorShape([self._hidden_size])

  def _v1_alias(self, name: str) -> Any:
    try:
      return getattr(self._v1_variables, name)
    except AttributeError:
      raise AttributeError(ERR_NO_V1_VARIABLE.format(
          cls=type(self).__name__, name=name)) from None

  # Sonnet 1's private attribute names, which its users read. `_w_xh` (Sonnet 1's one
  # matrix when neither h nor x is batch-normalised) is the concatenation [w_x; w_h].
  @property
  def _w_x(self) -> tf.Variable:
    """Input-to-gates weights `w_gates_x` (Sonnet 1's `_w_x`)."""
    return self._v1_alias("_w_x")

  @property
  def _w_h(self) -> tf.Variable:
    """Hidden-to-gates weights `w_gates_h` (Sonnet 1's `_w_h`)."""
    return self._v1_alias("_w_h")

  @property
  def _w_xh(self) -> Any:
    """`w_gates`, `[input_size + H, 4H]` (Sonnet 1's `_w_xh`) without h/x batch norm;
    with it, the concatenation `[w_gates_x; w_gates_h]`."""
    try:
      return self._v1_alias("_w_xh")
    except AttributeError:
      return tf.concat([self._v1_alias("_w_x"), self._v1_alias("_w_h")], axis=0)

  @property
  def _b(self) -> tf.Variable:
    """The gate biases `b_gates` (Sonnet 1's `_b`)."""
    return self._v1_alias("_b")

  @property
  def _gamma_h(self) -> tf.Variable:
    """Scale of the normalised hidden-to-gates product."""
    return self._v1_alias("_gamma_h")

  @property
  def _gamma_x(self) -> tf.Variable:
    """Scale of the normalised input-to-gates product."""
    return self._v1_alias("_gamma_x")

  @property
  def _gamma_c(self) -> tf.Variable:
    """Scale of the normalised cell."""
    return self._v1_alias("_gamma_c")

  @property
  def _beta_c(self) -> tf.Variable:
    """Offset of the normalised cell."""
    return self._v1_alias("_beta_c")

  @property
  def _w_f_diag(self) -> tf.Variable:
    """Forget-gate peephole weights."""
    return self._v1_alias("_w_f_diag")

  @property
  def _w_i_diag(self) -> tf.Variable:
    """Input-gate peephole weights."""
    return self._v1_alias("_w_i_diag")

  @property
  def _w_o_diag(self) -> tf.Variable:
    """Output-gate peephole weights."""
    return self._v1_alias("_w_o_diag")

  @property
  def use_peepholes(self) -> bool:
    """Whether the core uses peephole connections."""
    return self._use_peepholes

  @property
  def use_batch_norm_h(self) -> bool:
    """Whether the hidden-to-gates product is batch-normalised."""
    return self._use_batch_norm_h

  @property
  def use_batch_norm_x(self) -> bool:
    """Whether the input-to-gates product is batch-normalised."""
    return self._use_batch_norm_x

  @property
  def use_batch_norm_c(self) -> bool:
    """Whether the cell state is batch-normalised."""
    return self._use_batch_norm_c


class CoreWithExtraBuildArgs(rnn_core.CoreWrapper):
  """Wraps a core, passing fixed keyword arguments (e.g. `is_training`) on every call."""

  def __init__(self, core: rnn_core.RNNCore, name: str | None = None, **kwargs):
    """Constructs the wrapper.

    Args:
      core: the core to wrap.
      name: module name (default `<core name>_with_extra_args`).
      **kwargs: keyword arguments passed to `core` on every call.
    """
    super().__init__(core, name or "{}_with_extra_args".format(
        getattr(core, "module_name", "core")))
    self._kwargs = kwargs

  def _build(self, inputs: Any, prev_state: Any) -> tuple[Any, Any]:
    return self._core(inputs, prev_state, **self._kwargs)
