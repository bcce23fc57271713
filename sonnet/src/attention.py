# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""AttentiveRead: soft attention over the slots of a memory, driven by a query."""

import collections
from collections.abc import Callable

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import errors

ERR_NOT_CALLABLE = "`attention_logit_mod` must be callable, got {value!r}."
ERR_MEMORY_RANK = ("{module}: `memory` must have rank 3 ([batch, memory_size, memory_word_size]), "
                   "got shape {shape}.")
ERR_QUERY_RANK = "{module}: `query` must have rank 2 ([batch, query_word_size]), got shape {shape}."
ERR_MASK_RANK = ("{module}: `memory_mask` must have rank 2 ([batch, memory_size]), got shape "
                 "{shape}.")
ERR_MASK_DTYPE = "{module}: `memory_mask` must be a bool tensor, got dtype {dtype}."
ERR_WORD_SIZE = (
    "{module}: the word sizes of `memory` (shape {memory_shape}) and `query` (shape "
    "{query_shape}) must be known when the module is connected.")
ERR_DTYPES = "{module}: `memory` ({memory}) and `query` ({query}) must have the same float dtype."
ERR_BATCH = ("{module}: `memory` (shape {memory_shape}) and `query` (shape {query_shape}) must "
             "have the same batch size.")
ERR_MASK_SHAPE = ("{module}: `memory_mask` (shape {mask_shape}) must have shape "
                  "[batch, memory_size] of `memory` (shape {memory_shape}).")
ERR_LOGITS_SHAPE = (
    "{module}: `attention_logit_mod` must map [batch * memory_size, memory_word_size + "
    "query_word_size] to [batch * memory_size, 1], got output shape {shape}.")
ERR_ALL_MASKED = "{module}: every entry of `memory_mask` must have at least one unmasked slot."

AttentionOutput = collections.namedtuple("AttentionOutput",
                                         ["read", "weights", "weight_logits"])
AttentionOutput.__doc__ = """What `snt.AttentiveRead` returns.

Attributes:
  read: `[batch, memory_word_size]`: the memory words weighted by `weights`.
  weights: `[batch, memory_size]`: the attention weights (a softmax over the slots).
  weight_logits: `[batch, memory_size]`: the logits of `weights` (a masked slot holds the
    lowest value of the dtype).
"""


class AttentiveRead(base.AbstractModule):
  """Reads a memory with attention weights computed from each slot and a query.

  For memory `[B, M, Dm]` and query `[B, Dq]`, the logit module is applied to every
  `concat(memory[b, m], query[b])` (flattened to `[B * M, Dm + Dq]`) and must give one
  logit per slot. The weights are the softmax of the logits over the slots; masked slots
  (where `memory_mask` is False) get weight 0. `read[b] = sum_m weights[b, m] * memory[b, m]`.
  """

  def __init__(self, attention_logit_mod: Callable[[tf.Tensor], tf.Tensor],
               name: str = "attention"):
    """Constructs an AttentiveRead module.

    Args:
      attention_logit_mod: callable (typically a Sonnet module, e.g. an MLP ending in size
        1) mapping `[N, Dm + Dq]` to `[N, 1]`.
      name: name of the module.

    Raises:
      TypeError: `attention_logit_mod` is not callable.
    """
    super().__init__(name=name)
    self._attention_logit_mod = argument_checks.check_callable(
        self.module_name, "attention_logit_mod", attention_logit_mod, message=ERR_NOT_CALLABLE)

  def _build(self, memory: tf.Tensor, query: tf.Tensor,
             memory_mask: tf.Tensor | None = None) -> AttentionOutput:
    """Reads `memory` with the attention of `query`.

    Args:
      memory: float tensor `[batch, memory_size, memory_word_size]`.
      query: float tensor `[batch, query_word_size]`, same dtype as `memory`.
      memory_mask: optional bool tensor `[batch, memory_size]`; False slots are ignored.
        Every row must keep at least one slot.

    Returns:
      `AttentionOutput(read [B, Dm], weights [B, M], weight_logits [B, M])`.

    Raises:
      snt.IncompatibleShapeError: wrong ranks, or static batch/memory sizes that disagree.
      snt.UnderspecifiedError: unknown word sizes.
      TypeError: non-float or mismatched dtypes, non-bool mask.
      tf.errors.InvalidArgumentError: (when run) batch sizes differ or a row is all masked.
    """
    memory = tf.convert_to_tensor(memory)
    query = tf.convert_to_tensor(query)
    module = self.module_name
    if memory.shape.rank != 3:
      raise errors.IncompatibleShapeError(ERR_MEMORY_RANK.format(module=module,
                                                                 shape=memory.shape))
    if query.shape.rank != 2:
      raise errors.IncompatibleShapeError(ERR_QUERY_RANK.format(module=module,
                                                                shape=query.shape))
    if (not memory.dtype.is_floating or memory.dtype != query.dtype):
      raise TypeError(ERR_DTYPES.format(module=module, memory=memory.dtype.name,
                                        query=query.dtype.name))
    # Plain ints (or None) also with TF1 shapes, where entries are `tf.compat.v1.Dimension`s.
    memory_word_size = tf.compat.dimension_value(memory.shape[2])
    query_word_size = tf.compat.dimension_value(query.shape[1])
    if memory_word_size is None or query_word_size is None:
      raise errors.UnderspecifiedError(ERR_WORD_SIZE.format(
          module=module, memory_shape=memory.shape, query_shape=query.shape))
    if not memory.shape[:1].is_compatible_with(query.shape[:1]):
      raise errors.IncompatibleShapeError(ERR_BATCH.format(
          module=module, memory_shape=memory.shape, query_shape=query.shape))
    if memory_mask is not None:
      memory_mask = tf.convert_to_tensor(memory_mask)
      if memory_mask.dtype != tf.bool:
        raise TypeError(ERR_MASK_DTYPE.format(module=module, dtype=memory_mask.dtype.name))
      if memory_mask.shape.rank != 2:
        raise errors.IncompatibleShapeError(ERR_MASK_RANK.format(module=module,
                                                                 shape=memory_mask.shape))
      if not memory_mask.shape.is_compatible_with(memory.shape[:2]):
        raise errors.IncompatibleShapeError(ERR_MASK_SHAPE.format(
            module=module, mask_shape=memory_mask.shape, memory_shape=memory.shape))

    memory_shape = tf.shape(memory)
    batch_size, memory_size = memory_shape[0], memory_shape[1]
    checks = [tf.debugging.assert_equal(
        batch_size, tf.shape(query)[0],
        message=ERR_BATCH.format(module=module, memory_shape=memory.shape,
                                 query_shape=query.shape))]
    if memory_mask is not None:
      checks.append(tf.debugging.assert_equal(
          tf.shape(memory_mask), memory_shape[:2],
          message=ERR_MASK_SHAPE.format(module=module, mask_shape=memory_mask.shape,
                                        memory_shape=memory.shape)))
    with tf.control_dependencies(checks):
      memory = tf.identity(memory)

    # [B, Dq] -> [B, M, Dq], then every (slot, query) pair as one row.
    tiled_query = tf.tile(query[:, tf.newaxis, :], [1, memory_size, 1])
    pairs = tf.concat([memory, tiled_query], axis=2)
    flat_pairs = tf.reshape(pairs, [-1, memory_word_size + query_word_size])
    flat_logits = self._attention_logit_mod(flat_pairs)
    if (flat_logits.shape.rank != 2 or
        not flat_logits.shape[1:].is_compatible_with([1])):
      raise errors.IncompatibleShapeError(ERR_LOGITS_SHAPE.format(module=module,
                                                                  shape=flat_logits.shape))
    weight_logits = tf.reshape(flat_logits, [batch_size, memory_size])
    weight_logits.set_shape(memory.shape[:2])

    if memory_mask is not None:
      any_unmasked = tf.debugging.assert_equal(
          tf.reduce_all(tf.reduce_any(memory_mask, axis=1)), True,
          message=ERR_ALL_MASKED.format(module=module))
      with tf.control_dependencies([any_unmasked]):
        masked_logits = tf.where(memory_mask, weight_logits,
                                 tf.fill(tf.shape(weight_logits), weight_logits.dtype.min))
      weight_logits = masked_logits

    weights = tf.nn.softmax(weight_logits, axis=1)
    read = tf.einsum("bm,bmd->bd", weights, memory)
    return AttentionOutput(read=read, weights=weights, weight_logits=weight_logits)

  @property
  def attention_logit_mod(self):
    """The module that maps `[memory, query]` pairs to attention logits."""
    return self._attention_logit_mod
