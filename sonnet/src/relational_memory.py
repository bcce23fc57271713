# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`RelationalMemory`: the relational memory core (Santoro et al., 2018,
arXiv:1806.01822).

The state is a memory of `mem_slots` slots of size `mem_size = head_size * num_heads`.
At each step the input is projected to a slot, appended to the memory, and `num_blocks`
blocks of multi-head dot-product attention (each followed by a residual MLP, both with
layer normalisation) update the memory; the appended input row is then dropped and the new
memory is gated LSTM-style against the old one.
"""

from typing import Any

import numpy as np
import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import errors
from sonnet.src import layer_norm
from sonnet.src import linear
from sonnet.src import rnn_core
from sonnet.src import types

ERR_GATE_STYLE = "{module}: gate_style must be 'unit', 'memory' or None, got {value!r}."
ERR_INPUT_RANK = (
    "{module}: inputs must have rank >= 2 ([batch, ...]; rank >= 3 with "
    "treat_input_as_matrix), got shape {shape}.")
ERR_INPUT_UNKNOWN = "{module}: the input's non-batch dimensions must be known, got {shape}."


class RelationalMemory(rnn_core.RNNCore):
  """Relational memory core (see the module docstring).

  State: `[batch, mem_slots, mem_size]`; output: the new memory flattened,
  `[batch, mem_slots * mem_size]`.
  """

  def __init__(self,
               mem_slots: int,
               head_size: int,
               num_heads: int = 1,
               num_blocks: int = 1,
               forget_bias: float = 1.0,
               input_bias: float = 0.0,
               gate_style: str | None = "unit",
               attention_mlp_layers: int = 2,
               key_size: int | None = None,
               name: str = "relational_memory"):
    """Constructs the core.

    Args:
      mem_slots: number of memory slots.
      head_size: size of each attention head's values.
      num_heads: number of attention heads; `mem_size = head_size * num_heads`.
      num_blocks: attention blocks per step (each with its own attention weights).
      forget_bias: added to the forget gate's pre-activation.
      input_bias: added to the input gate's pre-activation.
      gate_style: "unit" (a gate per unit), "memory" (a gate per slot) or None (no
        gating: the memory is replaced by the attended memory).
      attention_mlp_layers: layers of the MLP after each attention (shared by the blocks).
      key_size: size of queries and keys (default `head_size`).
      name: module name.

    Raises:
      ValueError: for non-positive sizes or an unknown `gate_style`.
    """
    super().__init__(name=name)
    module = self.module_name
    self._mem_slots = argument_checks.check_positive_int(module, "mem_slots", mem_slots,
                                                          tf1_sizes=True)
    self._head_size = argument_checks.check_positive_int(module, "head_size", head_size,
                                                          tf1_sizes=True)
    self._num_heads = argument_checks.check_positive_int(module, "num_heads", num_heads,
                                                          tf1_sizes=True)
    self._num_blocks = argument_checks.check_positive_int(module, "num_blocks", num_blocks)
    self._attention_mlp_layers = argument_checks.check_positive_int(
        module, "attention_mlp_layers", attention_mlp_layers)
    self._key_size = (self._head_size if key_size is None else
                      argument_checks.check_positive_int(module, "key_size", key_size))
    argument_checks.check_one_of(module, "gate_style", gate_style, ("unit", "memory", None),
                                 message=ERR_GATE_STYLE)
    self._gate_style = gate_style
    self._forget_bias = forget_bias
    self._input_bias = input_bias
    self._mem_size = self._head_size * self._num_heads
    qkv_size = 2 * self._key_size + self._head_size
    with self._enter_variable_scope():
      self._input_linear = linear.Linear(self._mem_size, allow_many_batch_dims=True,
                                         name="input_projection")
      self._blocks = []
      for block in range(self._num_blocks):
        self._blocks.append((
            linear.Linear(qkv_size * self._num_heads, allow_many_batch_dims=True,
                          name="qkv_%d" % block),
            layer_norm.LayerNorm(axis=-1, name="qkv_layer_norm_%d" % block),
            layer_norm.LayerNorm(axis=-1, name="attention_layer_norm_%d" % block),
            layer_norm.LayerNorm(axis=-1, name="mlp_layer_norm_%d" % block)))
      self._mlp = [linear.Linear(self._mem_size, allow_many_batch_dims=True,
                                 name="attention_mlp_%d" % layer)
                   for layer in range(self._attention_mlp_layers)]
      if gate_style is not None:
        gates = 2 * self._gate_size
        self._gate_inputs = linear.Linear(gates, name="gate_inputs")
        self._gate_memory = linear.Linear(gates, allow_many_batch_dims=True,
                                          name="gate_memory")

  @property
  def _gate_size(self) -> int:
    return self._mem_size if self._gate_style == "unit" else 1

  def initial_state(self,
                    batch_size: types.BatchSize,
                    dtype: types.DTypeLike | None = None,
                    trainable: bool = False,
                    trainable_initializers: types.Nest | None = None,
                    trainable_regularizers: types.Nest | None = None,
                    name: str | None = None,
                    **unused_kwargs) -> tf.Tensor:
    """Returns the identity memory: slot i is the one-hot vector i (zero-padded or
    truncated to `mem_size`); with `trainable`, a learned memory initialised so.

    Args:
      batch_size: Python int or int scalar tensor.
      dtype: the memory's dtype; default as for `snt.RNNCore.initial_state`.
      trainable: whether the initial memory is learned (owned by this core).
      trainable_initializers: with `trainable`, an initializer (default: the identity).
      trainable_regularizers: with `trainable`, a regularizer.
      name: name scope.
      **unused_kwargs: ignored.

    Returns:
      `[batch_size, mem_slots, mem_size]`.
    """
    identity = np.eye(self._mem_slots, max(self._mem_slots, self._mem_size))
    identity = identity[:, :self._mem_size][np.newaxis]
    name = name or f"{self.module_name}_initial_state"
    dtype = rnn_core.state_dtype(self, dtype)
    if trainable:
      def identity_initializer(shape, dtype=tf.float32, **unused):
        del unused
        return tf.reshape(tf.constant(identity, dtype), shape)
      with self._enter_variable_scope():
        return rnn_core.trainable_initial_state(
            batch_size, self.state_size, dtype,
            initializers=trainable_initializers or identity_initializer,
            regularizers=trainable_regularizers, name=name)
    with tf.name_scope(name):
      memory = tf.constant(identity, dtype)
      return tf.tile(memory, tf.stack([tf.cast(batch_size, tf.int32), 1, 1]))

  def _multihead_attention(self, memory: tf.Tensor, qkv_linear, qkv_norm) -> tf.Tensor:
    qkv = qkv_norm(qkv_linear(memory))
    batch, slots = tf.shape(memory)[0], tf.shape(memory)[1]
    qkv_size = 2 * self._key_size + self._head_size
    qkv = tf.reshape(qkv, tf.stack([batch, slots, self._num_heads, qkv_size]))
    qkv = tf.transpose(qkv, [0, 2, 1, 3])
    query, key, value = tf.split(qkv, [self._key_size, self._key_size, self._head_size], -1)
    query *= self._key_size ** -0.5
    weights = tf.nn.softmax(tf.matmul(query, key, transpose_b=True))
    attended = tf.matmul(weights, value)
    attended = tf.transpose(attended, [0, 2, 1, 3])
    return tf.reshape(attended, tf.stack([batch, slots, self._mem_size]))

  def _attend_over_memory(self, memory: tf.Tensor) -> tf.Tensor:
    for qkv_linear, qkv_norm, attention_norm, mlp_norm in self._blocks:
      attended = self._multihead_attention(memory, qkv_linear, qkv_norm)
      memory = attention_norm(memory + attended)
      hidden = memory
      for index, layer in enumerate(self._mlp):
        hidden = layer(hidden)
        if index < len(self._mlp) - 1:
          hidden = tf.nn.relu(hidden)
      memory = mlp_norm(hidden + memory)
    return memory

  def _build(self, inputs: Any, memory: Any,
             treat_input_as_matrix: bool = False) -> tuple[tf.Tensor, tf.Tensor]:
    """Runs one step.

    Args:
      inputs: `[batch, ...]`, flattened to one slot-sized row; with
        `treat_input_as_matrix`, `[batch, n, ...]`, flattened to n rows.
      memory: `[batch, mem_slots, mem_size]`.
      treat_input_as_matrix: see `inputs`.

    Returns:
      `(output, next_memory)`: `[batch, mem_slots * mem_size]` and the new memory.

    Raises:
      snt.IncompatibleShapeError: inputs of too low a rank; a memory of the wrong size.
      snt.UnderspecifiedError: unknown non-batch input dimensions.
    """
    inputs = tf.convert_to_tensor(inputs)
    min_rank = 3 if treat_input_as_matrix else 2
    if inputs.shape.rank is None or inputs.shape.rank < min_rank:
      raise errors.IncompatibleShapeError(ERR_INPUT_RANK.format(module=self.module_name,
                                                                shape=inputs.shape))
    keep = 2 if treat_input_as_matrix else 1
    if not inputs.shape[1:].is_fully_defined():
      raise errors.UnderspecifiedError(ERR_INPUT_UNKNOWN.format(module=self.module_name,
                                                                shape=inputs.shape))
    memory = self._check_prev_state(memory, inputs)
    flat_size = int(np.prod(inputs.shape[keep:].as_list()))
    leading = tf.shape(inputs)[:keep]
    inputs = tf.reshape(inputs, tf.concat([leading, [flat_size]], 0))
    if not treat_input_as_matrix:
      inputs = inputs[:, tf.newaxis]
    projected = self._input_linear(inputs)  # [batch, n, mem_size]
    attended = self._attend_over_memory(tf.concat([memory, projected], axis=1))
    next_memory = attended[:, :self._mem_slots]  # Drop the appended input rows.
    if self._gate_style is not None:
      flat_inputs = tf.reshape(projected, [-1, projected.shape[1] * self._mem_size])
      gate_inputs = self._gate_inputs(flat_inputs)[:, tf.newaxis]
      gate_memory = self._gate_memory(tf.tanh(memory))
      input_gate, forget_gate = tf.split(gate_memory + gate_inputs, 2, axis=2)
      input_gate = tf.sigmoid(input_gate + self._input_bias)
      forget_gate = tf.sigmoid(forget_gate + self._forget_bias)
      next_memory = input_gate * tf.tanh(next_memory) + forget_gate * memory
    output = tf.reshape(next_memory, [-1, self._mem_slots * self._mem_size])
    return output, next_memory

  @property
  def state_size(self) -> tf.TensorShape:
    """Nest of `tf.TensorShape`: the state's sizes, without the batch dimension."""
    return tf.TensorShape([self._mem_slots, self._mem_size])

  @property
  def output_size(self) -> tf.TensorShape:
    """Nest of `tf.TensorShape`: the output's sizes, without the batch dimension."""
    return tf.TensorShape([self._mem_slots * self._mem_size])

  @property
  def mem_size(self) -> int:
    """The size of a memory slot, `head_size * num_heads`."""
    return self._mem_size
