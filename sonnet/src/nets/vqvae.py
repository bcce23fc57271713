# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""The vector quantisers of VQ-VAE (van den Oord et al., 2017)."""

from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import batch_norm
from sonnet.src import errors
from sonnet.src import layer_norm
from sonnet.src import state_variables
from sonnet.src import variables

ERR_POSITIVE_INT = "`{arg}` must be a positive int, got {value!r}."
ERR_NON_NEGATIVE = "`{arg}` must be a non-negative number, got {value!r}."
ERR_DECAY = "`decay` must be in [0, 1], got {value!r}."
# A ValueError naming the reshape, as the one Sonnet 1 got from TensorFlow's reshape.
ERR_LAST_DIM = (
    "{module}: Cannot reshape a tensor of shape {shape} to [-1, {embedding_dim}] and back: "
    "the last dimension of `inputs` must be embedding_dim={embedding_dim}.")
ERR_RANK = "{module}: `inputs` must have rank at least 1, got shape {shape}."
ERR_INDICES_DTYPE = "{module}: `encoding_indices` must be int32 or int64, got dtype {dtype}."

EMBEDDING = "embedding"


class _VectorQuantizerBase(base.AbstractModule):
  """Shared checks, distances and outputs of the two quantisers."""

  def __init__(self, embedding_dim: int, num_embeddings: int, commitment_cost: float,
               name: str):
    super().__init__(name=name)
    module = self.module_name
    self._embedding_dim = argument_checks.check_positive_int(
        module, "embedding_dim", embedding_dim, message=ERR_POSITIVE_INT, tf1_sizes=True)
    self._num_embeddings = argument_checks.check_positive_int(
        module, "num_embeddings", num_embeddings, message=ERR_POSITIVE_INT, tf1_sizes=True)
    self._commitment_cost = argument_checks.check_non_negative_number(
        module, "commitment_cost", commitment_cost, message=ERR_NON_NEGATIVE)
    self._w: tf.Variable | None = None  # The codebook, created by the first call.

  def _check_inputs(self, inputs):
    inputs = tf.convert_to_tensor(inputs)
    layer_norm.check_float_input(self.module_name, inputs)
    if inputs.shape.rank is None or inputs.shape.rank < 1:
      raise errors.IncompatibleShapeError(ERR_RANK.format(module=self.module_name,
                                                          shape=inputs.shape))
    if tf.compat.dimension_value(inputs.shape[-1]) != self._embedding_dim:
      raise ValueError(ERR_LAST_DIM.format(
          module=self.module_name, embedding_dim=self._embedding_dim, shape=inputs.shape))
    return inputs

  @staticmethod
  def _mean_squares(x):
    """Mean of `x**2`, 0 (not NaN) for an empty `x`."""
    return tf.math.divide_no_nan(tf.reduce_sum(x**2), tf.cast(tf.size(x), x.dtype))

  def _nearest(self, inputs, w):
    """Flattened inputs, one-hot encodings and indices of the nearest embeddings."""
    flat_inputs = tf.reshape(inputs, [-1, self._embedding_dim])
    distances = (tf.reduce_sum(flat_inputs**2, axis=1, keepdims=True)
                 - 2 * tf.matmul(flat_inputs, w)
                 + tf.reduce_sum(w**2, axis=0, keepdims=True))
    encoding_indices = tf.argmin(distances, axis=1, output_type=tf.int32)
    encodings = tf.one_hot(encoding_indices, self._num_embeddings, dtype=inputs.dtype)
    return flat_inputs, encodings, encoding_indices

  def _outputs(self, inputs, quantized, loss, encodings, encoding_indices):
    # Straight-through estimator: the forward value is `quantized`, the gradient goes to
    # `inputs` unchanged.
    quantized_st = inputs + tf.stop_gradient(quantized - inputs)
    # Means over an empty batch are 0 (perplexity 1), not NaN.
    count = tf.cast(tf.shape(encodings)[0], tf.float32)
    avg_probs = tf.math.divide_no_nan(tf.reduce_sum(tf.cast(encodings, tf.float32), 0), count)
    perplexity = tf.exp(-tf.reduce_sum(avg_probs * tf.math.log(avg_probs + 1e-10)))
    indices = tf.reshape(encoding_indices, tf.shape(inputs)[:-1])
    if not tf.executing_eagerly():
      indices.set_shape(inputs.shape[:-1])
    return {
        "quantize": quantized_st,
        "loss": loss,
        "perplexity": tf.cast(perplexity, inputs.dtype),
        "encodings": encodings,
        "encoding_indices": indices,
    }

  def quantize(self, encoding_indices: tf.Tensor) -> tf.Tensor:
    """Returns the embedding vectors of `encoding_indices` (shape `indices + [D]`).

    Raises:
      snt.NotConnectedError: before the first call.
      TypeError: non-integer indices.
    """
    self._ensure_is_connected()
    encoding_indices = tf.convert_to_tensor(encoding_indices)
    if encoding_indices.dtype not in (tf.int32, tf.int64):
      raise TypeError(ERR_INDICES_DTYPE.format(module=self.module_name,
                                               dtype=encoding_indices.dtype.name))
    w = tf.transpose(tf.convert_to_tensor(self._w), [1, 0])
    return tf.nn.embedding_lookup(w, encoding_indices)

  @property
  def embeddings(self):
    """The `[embedding_dim, num_embeddings]` codebook (NotConnectedError before a call)."""
    self._ensure_is_connected()
    return self._w

  @property
  def embedding_dim(self) -> int:
    return self._embedding_dim

  @property
  def num_embeddings(self) -> int:
    return self._num_embeddings

  @property
  def commitment_cost(self) -> float:
    return self._commitment_cost


class VectorQuantizer(_VectorQuantizerBase):
  """Quantises the last dimension of its input to the nearest of `num_embeddings` learnt
  vectors (the codebook `embedding`, `[embedding_dim, num_embeddings]`).

  `loss = q_latent_loss + commitment_cost * e_latent_loss`, where the codebook term
  `q_latent_loss = mean((quantized - sg(inputs))**2)` trains the codebook and the
  commitment term `e_latent_loss = mean((sg(quantized) - inputs)**2)` trains the encoder.
  """

  def __init__(self, embedding_dim: int, num_embeddings: int, commitment_cost: float,
               name: str = "vq_layer"):
    """Constructs a VectorQuantizer.

    Args:
      embedding_dim: size of each vector (the input's last dimension).
      num_embeddings: number of vectors in the codebook.
      commitment_cost: weight of the commitment loss (beta in the paper), >= 0.
      name: name of the module.

    Raises:
      ValueError: non-positive sizes or a negative cost.
    """
    super().__init__(embedding_dim, num_embeddings, commitment_cost, name)

  def _build(self, inputs: tf.Tensor, is_training: Any = True) -> dict[str, tf.Tensor]:
    """Quantises `inputs`.

    Args:
      inputs: float tensor `[..., embedding_dim]`.
      is_training: accepted for the common signature with `VectorQuantizerEMA`; this
        quantiser behaves the same in training and test.

    Returns:
      Dict with 'quantize' (shape of `inputs`, straight-through gradient), 'loss' (scalar),
      'perplexity' (scalar), 'encodings' (`[N, num_embeddings]` one-hot, N the number of
      input vectors) and 'encoding_indices' (`inputs.shape[:-1]`, int32).

    Raises:
      TypeError: non-float inputs, or a flag that is not a bool.
      snt.IncompatibleShapeError: the last dimension is not `embedding_dim`.
    """
    inputs = self._check_inputs(inputs)
    argument_checks.check_bool_flag(self.module_name, "is_training", is_training)
    # Uniform unit scaling as in Sonnet 1: U(-sqrt(3 / fan_in), sqrt(3 / fan_in)).
    self._w = variables.get_variable(
        EMBEDDING, shape=[self._embedding_dim, self._num_embeddings], dtype=inputs.dtype,
        initializer=tf.compat.v1.variance_scaling_initializer(
            scale=1.0, mode="fan_in", distribution="uniform"),
        trainable=True)
    w = tf.convert_to_tensor(self._w)
    _, encodings, encoding_indices = self._nearest(inputs, w)
    quantized = tf.reshape(tf.nn.embedding_lookup(tf.transpose(w), encoding_indices),
                           tf.shape(inputs))
    e_latent_loss = self._mean_squares(tf.stop_gradient(quantized) - inputs)
    q_latent_loss = self._mean_squares(quantized - tf.stop_gradient(inputs))
    loss = q_latent_loss + self._commitment_cost * e_latent_loss
    return self._outputs(inputs, quantized, loss, encodings, encoding_indices)


class VectorQuantizerEMA(_VectorQuantizerBase):
  """Vector quantiser whose codebook follows exponential moving averages of the inputs
  assigned to each vector (no codebook gradient).

  When training: `ema_cluster_size <- decay * ema_cluster_size + (1 - decay) * counts`,
  `ema_dw <- decay * ema_dw + (1 - decay) * sum of the inputs assigned to each vector`,
  then `embedding <- ema_dw / laplace_smoothed(ema_cluster_size)`. The loss is only the
  commitment term. The updates run with the call in eager mode and `tf.function`
  (exactly once per training call) and are control dependencies of the loss in graph mode,
  as in Sonnet 1. The quantisation of a call uses the codebook from before its update.
  """

  def __init__(self, embedding_dim: int, num_embeddings: int, commitment_cost: float,
               decay: float, epsilon: float = 1e-5, name: str = "vector_quantizer_ema"):
    """Constructs a VectorQuantizerEMA.

    Args:
      embedding_dim: size of each vector (the input's last dimension).
      num_embeddings: number of vectors in the codebook.
      commitment_cost: weight of the commitment loss, >= 0.
      decay: decay of the moving averages, in [0, 1].
      epsilon: Laplace smoothing of the cluster sizes (avoids division by zero), > 0.
      name: name of the module.

    Raises:
      ValueError: bad sizes, cost, decay or epsilon.
    """
    super().__init__(embedding_dim, num_embeddings, commitment_cost, name)
    self._decay = argument_checks.check_number_in_range(self.module_name, "decay", decay,
                                                        message=ERR_DECAY)
    self._epsilon = layer_norm.check_eps(epsilon)
    # The moving averages, created by the first call.
    self._ema_cluster_size: tf.Variable | None = None
    self._ema_w: tf.Variable | None = None

  def _build(self, inputs: tf.Tensor, is_training: Any) -> dict[str, tf.Tensor]:
    """Quantises `inputs`, updating the codebook when training.

    Args:
      inputs: float tensor `[..., embedding_dim]`.
      is_training: Python bool or boolean scalar tensor: whether to update the codebook.

    Returns:
      The dict of `VectorQuantizer`, with 'loss' = commitment_cost * e_latent_loss.

    Raises:
      TypeError: non-float inputs or a non-bool flag.
      snt.IncompatibleShapeError: the last dimension is not `embedding_dim`.
    """
    inputs = self._check_inputs(inputs)
    is_training = argument_checks.check_bool_flag(self.module_name, "is_training", is_training)
    shape = [self._embedding_dim, self._num_embeddings]
    # Locals too: `make_updates` below reads them (the attributes' types allow None).
    # State variables: replicas under tf.distribute keep equal copies (state_variables).
    codebook = self._w = state_variables.get_state_variable(
        EMBEDDING, shape=shape, dtype=inputs.dtype,
        initializer=tf.compat.v1.random_normal_initializer())
    ema_cluster_size = self._ema_cluster_size = state_variables.get_state_variable(
        "ema_cluster_size", shape=[self._num_embeddings], dtype=inputs.dtype,
        initializer=tf.compat.v1.zeros_initializer())
    # ema_dw starts at the codebook's initial value, so the first update keeps its scale.
    w_initial = self._w

    def ema_dw_initializer(shape, dtype=None, **unused_kwargs):
      del shape, dtype
      if batch_norm.in_graph_mode():
        # Initializers of one session run go in any order: w's value if it is set, else
        # w's initial value (the same random draw when both are initialised together).
        return tf.cond(tf.compat.v1.is_variable_initialized(w_initial),
                       w_initial.read_value, lambda: w_initial.initial_value)
      return tf.convert_to_tensor(w_initial)

    ema_w_variable = self._ema_w = state_variables.get_state_variable(
        "ema_dw", shape=shape, dtype=inputs.dtype, initializer=ema_dw_initializer)

    w = tf.convert_to_tensor(self._w)
    flat_inputs, encodings, encoding_indices = self._nearest(inputs, w)
    quantized = tf.reshape(tf.nn.embedding_lookup(tf.transpose(w), encoding_indices),
                           tf.shape(inputs))
    e_latent_loss = self._mean_squares(tf.stop_gradient(quantized) - inputs)
    loss = self._commitment_cost * e_latent_loss

    def batch_sums():
      return (tf.cast(tf.size(encoding_indices), inputs.dtype), tf.reduce_sum(encodings, 0),
              tf.matmul(flat_inputs, encodings, transpose_a=True))

    # Under tf.distribute the averages follow the whole (global) batch: the sums are
    # all-reduced here, outside the tf.cond of a tensor `is_training`.
    if state_variables.num_replicas() > 1 and batch_norm.static_bool(is_training) is not False:
      global_sums = state_variables.replica_sum(batch_sums())
    else:
      global_sums = None

    def make_updates():
      size, counts, dw = batch_sums() if global_sums is None else global_sums
      # An empty batch leaves the averages and the codebook as they are (decay 1).
      has_data = size > 0
      decay = tf.where(has_data, tf.cast(self._decay, inputs.dtype),
                       tf.ones([], inputs.dtype))
      cluster_size = ema_cluster_size.assign(
          decay * ema_cluster_size + (1 - decay) * counts)
      ema_w = ema_w_variable.assign(decay * ema_w_variable + (1 - decay) * dw)
      n = tf.reduce_sum(cluster_size)
      smoothed = ((cluster_size + self._epsilon)
                  / (n + self._num_embeddings * self._epsilon) * n)
      # Graph mode: the codebook must be read for this call's outputs before it changes.
      with tf.control_dependencies([quantized, e_latent_loss, encodings]):
        new_w = tf.where(has_data, ema_w / tf.reshape(smoothed, [1, -1]), w)
        return [codebook.assign(new_w, read_value=False)]

    # No update collection: like Sonnet 1, graph-mode updates are control dependencies.
    loss = batch_norm.apply_updates(loss, make_updates, is_training, None)
    return self._outputs(inputs, quantized, loss, encodings, encoding_indices)

  @property
  def decay(self) -> float:
    """The decay of the codebook's exponential moving averages."""
    return self._decay

  @property
  def epsilon(self) -> float:
    """The small constant that keeps the cluster sizes positive."""
    return self._epsilon
