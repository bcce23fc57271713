# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""BatchNormV2: batch normalisation with a data format and saner defaults (Sonnet 1.16+)."""


import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import batch_norm
from sonnet.src import errors
from sonnet.src import layer_norm
from sonnet.src import state_variables
from sonnet.src import types
from sonnet.src import util
from sonnet.src import variables

SUPPORTED_DATA_FORMATS = ("NC", "NWC", "NCW", "NHWC", "NCHW", "NDHWC", "NCDHW")

ERR_DATA_FORMAT = "`data_format` must be None or one of {choices}, got {value!r}."
ERR_RANK_DATA_FORMAT = (
    "{module}: `input_batch` of rank {rank} (shape {shape}) does not match data_format "
    "{data_format!r}, which needs rank {expected}.")
ERR_RANK_NO_FORMAT = (
    "{module}: `input_batch` must have rank 2 to 5 when data_format is None, got rank "
    "{rank} (shape {shape}).")
ERR_UNKNOWN_CHANNELS = (
    "{module}: the channel dimension (axis {axis}) of `input_batch` must be known, got "
    "shape {shape}.")

_DEFAULT_FORMATS = {2: "NC", 3: "NWC", 4: "NHWC", 5: "NDHWC"}


class BatchNormV2(base.AbstractModule, util.VariableOptions,
                  batch_norm.BatchNormProperties):
  """Batch normalisation over every dimension but the channels of `data_format`.

  Differences from `snt.BatchNorm` (as in Sonnet 1's BatchNormV2): the channel axis is
  given by `data_format` (None: channels last, from the rank), the statistics variables
  have shape `[channels]`, `update_ops_collection` defaults to None (updates are applied
  with the output), `fused=True`, and `test_local_stats` defaults to False, so the moving
  statistics are used at test time. `is_training` must be given.
  """

  GAMMA = "gamma"
  BETA = "beta"
  MOVING_MEAN = "moving_mean"
  MOVING_VARIANCE = "moving_variance"
  POSSIBLE_INITIALIZER_KEYS = {GAMMA, BETA, MOVING_MEAN, MOVING_VARIANCE}
  POSSIBLE_PARTITIONER_KEYS = {GAMMA, BETA}
  POSSIBLE_REGULARIZER_KEYS = {GAMMA, BETA}

  def __init__(self,
               data_format: str | None = None,
               offset: bool = True,
               scale: bool = False,
               decay_rate: float = 0.999,
               eps: float = 1e-3,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               update_ops_collection: str | None = None,
               fused: bool = True,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "batch_norm"):
    """Constructs a BatchNormV2 module.

    Args:
      data_format: None (channels last, inferred from the rank) or one of
        `SUPPORTED_DATA_FORMATS`.
      offset: whether to add a learnt offset `beta` (zeros).
      scale: whether to multiply by a learnt scale `gamma` (ones).
      decay_rate: decay of the moving averages, in [0, 1].
      eps: small positive number added to the variance.
      initializers: optional dict, keys 'gamma', 'beta', 'moving_mean', 'moving_variance'.
      partitioners: optional dict, keys 'gamma', 'beta'.
      regularizers: optional dict, keys 'gamma', 'beta'.
      update_ops_collection: graph mode only: None (updates are control dependencies of
        the output) or the collection to add the update ops to.
      fused: use TensorFlow's fused kernel for 4-D float16/bfloat16/float32 inputs (other
        inputs take the unfused path, which computes the same numbers).
      custom_getter: optional custom getter (callable or dict).
      name: name of the module.

    Raises:
      ValueError: unknown `data_format`, `decay_rate` outside [0, 1], `eps` not positive.
      TypeError, KeyError: bad dict arguments or `update_ops_collection`.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    if data_format is not None:
      argument_checks.check_one_of(self.module_name, "data_format", data_format,
                                   SUPPORTED_DATA_FORMATS, message=ERR_DATA_FORMAT)
    self._data_format = data_format
    self._offset = bool(offset)
    self._scale = bool(scale)
    self._decay_rate = argument_checks.check_number_in_range(
        self.module_name, "decay_rate", decay_rate, message=batch_norm.ERR_DECAY)
    self._eps = layer_norm.check_eps(eps)
    if update_ops_collection is not None and not isinstance(update_ops_collection, str):
      raise TypeError(batch_norm.ERR_COLLECTION.format(value=update_ops_collection))
    self._update_ops_collection = update_ops_collection
    self._fused = bool(fused)
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, self.POSSIBLE_INITIALIZER_KEYS,
        partitioner_keys=self.POSSIBLE_PARTITIONER_KEYS,
        regularizer_keys=self.POSSIBLE_REGULARIZER_KEYS)
    self._moving_mean = self._moving_variance = self._gamma = self._beta = None

  def _resolve_format(self, shape: tf.TensorShape) -> str:
    rank = shape.rank
    if self._data_format is None:
      if rank not in _DEFAULT_FORMATS:
        raise errors.IncompatibleShapeError(ERR_RANK_NO_FORMAT.format(
            module=self.module_name, rank=rank, shape=shape))
      return _DEFAULT_FORMATS[rank]
    if rank != len(self._data_format):
      raise errors.IncompatibleShapeError(ERR_RANK_DATA_FORMAT.format(
          module=self.module_name, rank=rank, shape=shape, data_format=self._data_format,
          expected=len(self._data_format)))
    return self._data_format

  def _get(self, key, shape, dtype, default, trainable, collections=None):
    return variables.get_variable(
        key, shape=shape, dtype=dtype,
        initializer=self._initializers.get(key, default),
        partitioner=self._partitioners.get(key), regularizer=self._regularizers.get(key),
        trainable=trainable, collections=collections)

  def _build(self, input_batch: tf.Tensor, is_training, test_local_stats=False) -> tf.Tensor:
    """Normalises `input_batch`; when training, updates the moving statistics.

    Args:
      input_batch: float tensor of rank 2 to 5 matching `data_format`; the channel
        dimension must be known.
      is_training: Python bool or boolean scalar tensor.
      test_local_stats: Python bool or boolean scalar tensor: when not training, use the
        batch statistics (True) instead of the moving ones (False, the default).

    Returns:
      The normalised tensor, with the shape and dtype of `input_batch`.

    Raises:
      TypeError: non-float input or non-bool flags.
      snt.IncompatibleShapeError: the rank does not match `data_format`.
      snt.UnderspecifiedError: the channel dimension is unknown.
    """
    input_batch = tf.convert_to_tensor(input_batch)
    layer_norm.check_float_input(self.module_name, input_batch, "input_batch")
    is_training = argument_checks.check_bool_flag(self.module_name, "is_training", is_training)
    test_local_stats = argument_checks.check_bool_flag(self.module_name, "test_local_stats",
                                                       test_local_stats)
    shape = input_batch.shape
    if shape.rank is None:
      raise errors.IncompatibleShapeError(batch_norm.ERR_RANK_UNKNOWN.format(
          module=self.module_name, shape=shape))
    data_format = self._resolve_format(shape)
    channel_axis = 1 if data_format.startswith("NC") else shape.rank - 1
    channels = shape[channel_axis]
    if channels is None:
      raise errors.UnderspecifiedError(ERR_UNKNOWN_CHANNELS.format(
          module=self.module_name, axis=channel_axis, shape=shape))
    axis = tuple(i for i in range(shape.rank) if i != channel_axis)
    dtype = layer_norm.statistics_dtype(input_batch.dtype)

    # State variables: replicas under tf.distribute keep equal copies (state_variables).
    self._moving_mean = state_variables.get_state_variable(
        self.MOVING_MEAN, shape=[channels], dtype=dtype,
        initializer=self._initializers.get(self.MOVING_MEAN, tf.zeros_initializer()),
        collections=batch_norm.MOVING_STATS_COLLECTIONS)
    self._moving_variance = state_variables.get_state_variable(
        self.MOVING_VARIANCE, shape=[channels], dtype=dtype,
        initializer=self._initializers.get(self.MOVING_VARIANCE, tf.ones_initializer()),
        collections=batch_norm.MOVING_STATS_COLLECTIONS)
    if self._scale:
      self._gamma = self._get(self.GAMMA, [channels], dtype, tf.ones_initializer(), True)
    if self._offset:
      self._beta = self._get(self.BETA, [channels], dtype, tf.zeros_initializer(), True)

    use_batch_stats = batch_norm.flag_or(is_training, test_local_stats)
    fused = (self._fused and shape.rank == 4
             and input_batch.dtype.base_dtype in batch_norm.FUSED_DTYPES)

    if fused:
      def batch_branch():
        return batch_norm.fused_batch_norm(input_batch, self._gamma, self._beta, None, None,
                                           self._eps, data_format, True, channels, dtype)

      def moving_branch():
        out = batch_norm.fused_batch_norm(
            input_batch, self._gamma, self._beta, self._moving_mean, self._moving_variance,
            self._eps, data_format, False, channels, dtype)[0]
        return out, tf.zeros([channels]), tf.ones([channels]), tf.constant(0)

      outputs, mean, variance, count = batch_norm.smart_cond(use_batch_stats, batch_branch,
                                                             moving_branch)
    else:
      x = tf.cast(input_batch, dtype)
      broadcast_shape = [1] * shape.rank
      broadcast_shape[channel_axis] = channels

      def batch_stats():
        return batch_norm.safe_moments(x, axis)

      def moving_stats():
        return (tf.reshape(self._moving_mean, broadcast_shape),
                tf.reshape(self._moving_variance, broadcast_shape), tf.constant(0))

      mean, variance, count = batch_norm.smart_cond(use_batch_stats, batch_stats,
                                                    moving_stats)
      gamma = None if self._gamma is None else tf.reshape(self._gamma, broadcast_shape)
      beta = None if self._beta is None else tf.reshape(self._beta, broadcast_shape)
      outputs = tf.nn.batch_normalization(x, mean, variance, beta, gamma, self._eps)
      outputs = tf.cast(outputs, input_batch.dtype)

    mean, variance, count = batch_norm.global_moments(mean, variance, count, is_training)

    def make_updates():
      return batch_norm.moving_average_updates(self._moving_mean, self._moving_variance,
                                               mean, variance, count, self._decay_rate)

    return batch_norm.apply_updates(outputs, make_updates, is_training,
                                    self._update_ops_collection, num_updates=2)

  @property
  def data_format(self) -> str | None:
    """The layout of the inputs, or None for channels last."""
    return self._data_format
