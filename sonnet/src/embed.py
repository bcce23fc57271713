# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Embed: a lookup table of learnt (or given) vectors, indexed by integer ids."""


import numpy as np
import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import types
from sonnet.src import util
from sonnet.src import variables

ERR_SIZES_MISSING = (
    "Either `existing_vocab` or `vocab_size` (and optionally `embed_dim`) must be given; "
    "got vocab_size={vocab_size!r}, existing_vocab=None.")
ERR_EXCLUSIVE = (
    "`existing_vocab` fixes the table, so {args} must not be given with it.")
ERR_VOCAB_SHAPE = (
    "`existing_vocab` must be a fully defined matrix of shape [vocab_size, embed_dim], "
    "got shape {shape}.")
ERR_POSITIVE = "`{arg}` must be a positive int, got {value!r}."
ERR_IDS_DTYPE = "{module}: `ids` must be an int32 or int64 tensor, got dtype {dtype}."
ERR_IDS_RANGE = "{module}: every id in `ids` must be in [0, vocab_size={vocab_size})."
ERR_DTYPE = "`dtype` must be a floating point dtype, got {dtype!r}."

EMBEDDINGS = "embeddings"


def default_embed_dim(vocab_size: int) -> int:
  """Sonnet 1's heuristic: round(6 * vocab_size ** 0.25)."""
  return int(round(6.0 * np.sqrt(np.sqrt(vocab_size))))


@tf.custom_gradient
def _densify_gradient(embeddings):
  """Identity whose gradient is a dense tensor rather than `tf.IndexedSlices`."""
  def grad(upstream):
    return tf.convert_to_tensor(upstream)
  return tf.identity(embeddings), grad


class Embed(base.AbstractModule, util.VariableOptions):
  """Maps integer ids of any shape `[d_1, ..., d_n]` to vectors, `[d_1, ..., d_n, embed_dim]`.

  The table is the variable `embeddings` of shape `[vocab_size, embed_dim]`, created on the
  first call, initialised with a truncated normal of stddev 1 (Sonnet 1.27's default), or
  with the values of `existing_vocab`. Ids outside `[0, vocab_size)` raise
  `tf.errors.InvalidArgumentError` in every mode (on GPU TensorFlow would otherwise return
  zeros silently).
  """

  EMBEDDINGS = EMBEDDINGS
  POSSIBLE_INITIALIZER_KEYS = {EMBEDDINGS}

  def __init__(self,
               vocab_size: int | None = None,
               embed_dim: int | None = None,
               existing_vocab: types.TensorLike | None = None,
               densify_gradients: bool = False,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               trainable: bool = True,
               dtype: types.DTypeLike = tf.float32,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "embed"):
    """Constructs an Embed module.

    Args:
      vocab_size: number of rows of the table (required without `existing_vocab`).
      embed_dim: size of each vector; default `round(6 * vocab_size ** 0.25)`.
      existing_vocab: optional `[vocab_size, embed_dim]` array or tensor giving the
        table's initial value (then `vocab_size`, `embed_dim`, `initializers` and
        `partitioners` must be None).
      densify_gradients: make the gradient of the table a dense tensor instead of
        `tf.IndexedSlices` (faster for small vocabularies that are mostly hit).
      initializers: optional dict with key 'embeddings'.
      partitioners: optional dict with key 'embeddings' (graph mode only).
      regularizers: optional dict with key 'embeddings'.
      trainable: whether the table is trainable.
      dtype: floating point dtype of the table (float32 by default, as in Sonnet 1; the
        ids give no dtype to follow).
      custom_getter: optional custom getter (callable or dict).
      name: name of the module.

    Raises:
      ValueError: missing sizes, conflicting arguments, non-positive sizes, a badly shaped
        `existing_vocab`.
      TypeError, KeyError: bad dict arguments or dtype.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    self._dtype = tf.as_dtype(dtype)
    if not self._dtype.is_floating:
      raise TypeError(ERR_DTYPE.format(dtype=dtype))
    if existing_vocab is None:
      if vocab_size is None:
        raise ValueError(ERR_SIZES_MISSING.format(vocab_size=vocab_size))
      self._vocab_size = argument_checks.check_positive_int(
          self.module_name, "vocab_size", vocab_size, message=ERR_POSITIVE, tf1_sizes=True)
      self._embed_dim = (default_embed_dim(self._vocab_size) if embed_dim is None
                         else argument_checks.check_positive_int(
                             self.module_name, "embed_dim", embed_dim, message=ERR_POSITIVE,
                             tf1_sizes=True))
      self._existing_vocab = None
    else:
      given = [arg for arg, value in (("vocab_size", vocab_size), ("embed_dim", embed_dim),
                                      ("initializers", initializers),
                                      ("partitioners", partitioners)) if value is not None]
      if given:
        raise ValueError(ERR_EXCLUSIVE.format(args=", ".join(given)))
      if isinstance(existing_vocab, (tf.Tensor, tf.Variable)) and not tf.executing_eagerly():
        existing = tf.cast(existing_vocab, self._dtype)  # a graph tensor stays in its graph
      else:
        # A numpy copy works as an initial value in any graph and in eager mode.
        existing = np.asarray(existing_vocab, dtype=self._dtype.as_numpy_dtype)
      shape = tf.TensorShape(existing.shape)
      if shape.rank != 2 or not shape.is_fully_defined():
        raise ValueError(ERR_VOCAB_SHAPE.format(shape=shape))
      self._vocab_size, self._embed_dim = shape.as_list()
      self._existing_vocab = existing
    self._densify_gradients = bool(densify_gradients)
    self._trainable = bool(trainable)
    keys = self.POSSIBLE_INITIALIZER_KEYS
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, keys)
    self._embeddings = None

  def _build(self, ids: tf.Tensor) -> tf.Tensor:
    """Looks up the vectors of `ids`.

    Args:
      ids: int32 or int64 tensor of any shape with values in `[0, vocab_size)`.

    Returns:
      A tensor of shape `ids.shape + [embed_dim]` and the table's dtype.

    Raises:
      TypeError: `ids` is not an integer tensor.
      tf.errors.InvalidArgumentError: an id is out of range (when the ids are evaluated).
    """
    ids = tf.convert_to_tensor(ids)
    if ids.dtype not in (tf.int32, tf.int64):
      raise TypeError(ERR_IDS_DTYPE.format(module=self.module_name, dtype=ids.dtype.name))
    if self._existing_vocab is not None:
      initializer = self._existing_vocab
    else:
      initializer = self._initializers.get(
          EMBEDDINGS, tf.compat.v1.truncated_normal_initializer(stddev=1.0))
    self._embeddings = variables.get_variable(
        EMBEDDINGS, shape=[self._vocab_size, self._embed_dim], dtype=self._dtype,
        initializer=initializer, partitioner=self._partitioners.get(EMBEDDINGS),
        regularizer=self._regularizers.get(EMBEDDINGS), trainable=self._trainable)
    message = ERR_IDS_RANGE.format(module=self.module_name, vocab_size=self._vocab_size)
    checks = [
        tf.debugging.assert_non_negative(ids, message=message),
        tf.debugging.assert_less(ids, tf.cast(self._vocab_size, ids.dtype), message=message),
    ]
    with tf.control_dependencies(checks):
      ids = tf.identity(ids)
    table = self._embeddings
    if self._densify_gradients:
      table = _densify_gradient(tf.convert_to_tensor(table))
    return tf.nn.embedding_lookup(table, ids)

  @property
  def embeddings(self):
    """The `[vocab_size, embed_dim]` table (NotConnectedError before the first call)."""
    self._ensure_is_connected()
    return self._embeddings

  @property
  def vocab_size(self) -> int:
    """The number of rows of the embedding table."""
    return self._vocab_size

  @property
  def embed_dim(self) -> int:
    """The size of each embedding vector."""
    return self._embed_dim

  @property
  def densify_gradients(self) -> bool:
    """Whether the table's gradient is a dense tensor."""
    return self._densify_gradients

  @property
  def trainable(self) -> bool:
    """Whether the embedding table is trainable."""
    return self._trainable
