# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`LSTMBlockCell`: the LSTM of TensorFlow 1's `LSTMBlockCell`, as a Sonnet recurrent core.

Sonnet 1 exposed `tf.contrib.rnn.LSTMBlockCell` (wrapped as a core). That cell computes
all four gates with one matrix product of `[inputs, h]` with a single `kernel`
(`[input_size + num_units, 4 * num_units]`, gate order input, candidate, forget, output)
plus one `bias`, and its state is `(c, h)` (cell first). This core keeps those variables,
that state layout and those semantics (`forget_bias`, `cell_clip`, peepholes).
"""

import collections
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import initializers as initializers_lib
from sonnet.src import rnn_core
from sonnet.src import variables

ERR_CELL_CLIP = "{module}: cell_clip must be None or a positive number, but got {value!r}."

LSTMBlockCellState = collections.namedtuple("LSTMBlockCellState", ("c", "h"))
"""The state of `LSTMBlockCell`: the cell `c` first, then the hidden state `h`."""


class LSTMBlockCell(rnn_core.RNNCore):
  """LSTM core with a single fused kernel, TensorFlow 1's `LSTMBlockCell` semantics.

  With `z = [inputs, h] @ kernel + bias` split into `i, j, f, o` (each `num_units`):
  `c' = sigmoid(f + forget_bias) * c + sigmoid(i) * tanh(j)` (clipped to `+-cell_clip`
  if given), `h' = sigmoid(o) * tanh(c')`. With peepholes, `i` and `f` also get
  `c * w_i_diag` and `c * w_f_diag`, and `o` gets `c' * w_o_diag`. The output is `h'` and
  the state `LSTMBlockCellState(c', h')` (a plain pair `(c, h)` is accepted as a state).

  Variables: `kernel` (`[input_size + num_units, 4 * num_units]`, Glorot uniform), `bias`
  (`[4 * num_units]`, zeros), and with peepholes `w_i_diag`, `w_f_diag`, `w_o_diag`
  (`[num_units]`, Glorot uniform).

  Args:
    num_units: the size of the hidden and cell states.
    forget_bias: added to the forget gate's pre-activation (default 1.0).
    cell_clip: None, or clip the cell state to `[-cell_clip, cell_clip]`.
    use_peephole: whether to use the diagonal peephole connections.
    custom_getter: custom getter(s) for the variables.
    name: module name (default "lstm_block_cell").

  Raises:
    ValueError: for a non-positive `num_units` or `cell_clip`.
  """

  def __init__(self, num_units: int, forget_bias: float = 1.0, cell_clip: float | None = None,
               use_peephole: bool = False, custom_getter: Any = None,
               name: str = "lstm_block_cell"):
    super().__init__(name=name, custom_getter=custom_getter)
    self._num_units = argument_checks.check_positive_int(self.module_name, "num_units",
                                                         num_units)
    self._forget_bias = float(forget_bias)
    if cell_clip is not None and (isinstance(cell_clip, bool) or
                                  not isinstance(cell_clip, (int, float)) or cell_clip <= 0):
      raise ValueError(ERR_CELL_CLIP.format(module=self.module_name, value=cell_clip))
    self._cell_clip = None if cell_clip is None else float(cell_clip)
    self._use_peephole = bool(use_peephole)
    self._input_size: int | None = None

  def _build(self, inputs: Any, prev_state: Any) -> tuple[tf.Tensor, LSTMBlockCellState]:
    """Runs one step.

    Args:
      inputs: `[batch_size, input_size]` tensor.
      prev_state: `(c, h)`, each `[batch_size, num_units]`.

    Returns:
      `(h', LSTMBlockCellState(c', h'))`.

    Raises:
      snt.IncompatibleShapeError: inputs of the wrong rank or size; a state of the wrong
        size or batch.
      snt.UnderspecifiedError: unknown input size.
    """
    inputs = rnn_core.check_rank2_inputs(self.module_name, inputs, self._input_size)
    c, h = self._check_prev_state(prev_state, inputs)
    units = self._num_units
    input_size = int(inputs.shape[1])
    dtype = inputs.dtype
    glorot = tf.compat.v1.glorot_uniform_initializer()
    kernel = variables.get_variable("kernel", shape=[input_size + units, 4 * units],
                                    dtype=dtype, initializer=glorot)
    bias = variables.get_variable("bias", shape=[4 * units], dtype=dtype,
                                  initializer=initializers_lib.zeros)
    c = tf.cast(c, dtype)
    h = tf.cast(h, dtype)
    gates = tf.nn.bias_add(tf.matmul(tf.concat([inputs, h], axis=1), kernel), bias)
    i, j, f, o = tf.split(gates, 4, axis=1)
    if self._use_peephole:
      w_i, w_f, w_o = (variables.get_variable(key, shape=[units], dtype=dtype,
                                              initializer=glorot)
                       for key in ("w_i_diag", "w_f_diag", "w_o_diag"))
      i += c * w_i
      f += c * w_f
    next_c = tf.sigmoid(f + self._forget_bias) * c + tf.sigmoid(i) * tf.tanh(j)
    if self._cell_clip is not None:
      next_c = tf.clip_by_value(next_c, -self._cell_clip, self._cell_clip)
    if self._use_peephole:
      o += next_c * w_o
    next_h = tf.sigmoid(o) * tf.tanh(next_c)
    self._input_size = input_size
    return next_h, LSTMBlockCellState(next_c, next_h)

  @property
  def state_size(self) -> LSTMBlockCellState:
    """`LSTMBlockCellState` of `tf.TensorShape([num_units])` (equal to `(num_units,) * 2`)."""
    return LSTMBlockCellState(tf.TensorShape([self._num_units]),
                              tf.TensorShape([self._num_units]))

  @property
  def output_size(self) -> tf.TensorShape:
    """`tf.TensorShape([num_units])` (equal to `num_units`)."""
    return tf.TensorShape([self._num_units])

  @property
  def num_units(self) -> int:
    """The size of the hidden and cell states."""
    return self._num_units

  @property
  def use_peephole(self) -> bool:
    """Whether the core has peephole connections."""
    return self._use_peephole
