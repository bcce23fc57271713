# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Batch normalisation (Sonnet 1 `snt.BatchNorm` semantics) and its shared machinery."""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import errors
from sonnet.src import layer_norm
from sonnet.src import state_variables
from sonnet.src import types
from sonnet.src import util
from sonnet.src import variables

ERR_TOO_MANY_AXES = "Too many indices specified in axis: len({axis}) > len({shape})."
ERR_AXIS_TOO_LARGE = "One or more index in axis is too large for input shape: {axis} >= {rank}."
ERR_AXIS_NEGATIVE = "Indices in axis must be non-negative: {axis} < 0."
ERR_UNKNOWN_KEPT_DIMS = (
    "{module}: the dimensions of `input_batch` that are not reduced over (all but axis={axis})"
    " must be known when the module is connected, got shape {shape}.")
ERR_RANK_UNKNOWN = "{module}: the rank of `input_batch` must be known, got shape {shape}."
ERR_IS_TRAINING = argument_checks.ERR_BOOL_FLAG
ERR_DECAY = "`decay_rate` must be in [0, 1], got {value!r}."
ERR_COLLECTION = "`update_ops_collection` must be None or a string, got {value!r}."
ERR_FUSED_RANK = (
    "{module}: fused batch normalisation needs 4-D inputs, got rank {rank} (shape {shape}).")
ERR_FUSED_AXIS = (
    "{module}: fused batch normalisation reduces over axis (0, 1, 2) (NHWC) or (0, 2, 3) "
    "(NCHW), got axis={axis}.")
ERR_MOVING_NOT_VARIABLE = (
    "The moving statistics must be variables to be updated, but a custom getter returned "
    "{value!r}; route custom getters away from them (e.g. a dict keyed by 'gamma'/'beta') "
    "or call the module with is_training=False.")
ERR_NO_OFFSET = "Batch normalization doesn't have an offset, so no beta"
ERR_NO_SCALE = "Batch normalization doesn't have a scale, so no gamma"

# Graph mode: where the moving statistics are listed, as in Sonnet 1.
MOVING_STATS_COLLECTIONS = (tf.compat.v1.GraphKeys.GLOBAL_VARIABLES,
                            tf.compat.v1.GraphKeys.MOVING_AVERAGE_VARIABLES)

# Types TensorFlow's fused kernel accepts for the input.
FUSED_DTYPES = (tf.float16, tf.bfloat16, tf.float32)


class FusedRankError(errors.NotSupportedError, NotImplementedError):
  """`fused=True` with an input that is not 4-D (Sonnet 1 raised `NotImplementedError`)."""


class FusedAxisError(errors.NotSupportedError, ValueError):
  """`fused=True` with reduction axes the kernel cannot handle (Sonnet 1: `ValueError`)."""


# Moved to `argument_checks`; the name stays for the modules that import it from here.
check_bool_flag = argument_checks.check_bool_flag


def static_bool(value: bool | tf.Tensor) -> bool | None:
  """The Python value of a flag if it is known now (always in eager mode), else None."""
  if isinstance(value, bool):
    return value
  static = tf.get_static_value(value)
  return None if static is None else bool(static)


def smart_cond(pred, true_fn, false_fn):
  """`tf.cond` that picks a branch in Python when `pred` is known statically."""
  static = static_bool(pred)
  if static is None:
    return tf.cond(pred, true_fn, false_fn)
  return true_fn() if static else false_fn()


def flag_or(a, b):
  """Logical or of two flags (Python bools or boolean tensors), static when possible."""
  sa, sb = static_bool(a), static_bool(b)
  if sa is True or sb is True:
    return True
  if sa is False and sb is False:
    return False
  return tf.logical_or(tf.convert_to_tensor(a), tf.convert_to_tensor(b))


def in_graph_mode() -> bool:
  """True when building a `tf.compat.v1` graph (outside `tf.function`), where updates need
  to be run explicitly; False in eager mode and inside `tf.function`."""
  return not tf.compat.v1.executing_eagerly_outside_functions()


def safe_moments(x: tf.Tensor, axes: Sequence[int]):
  """Mean and biased variance over `axes` (keep-dims), with zeros (not NaN) for empty input.

  Returns (mean, variance, count) where count is the number of reduced elements per entry.
  """
  shape = tf.shape(x)
  count = tf.reduce_prod(tf.gather(shape, list(axes)))
  denominator = tf.cast(tf.maximum(count, 1), x.dtype)
  mean = tf.reduce_sum(x, axis=list(axes), keepdims=True) / denominator
  variance = tf.reduce_sum(tf.math.squared_difference(x, tf.stop_gradient(mean)),
                           axis=list(axes), keepdims=True) / denominator
  return mean, variance, count


def moving_average_updates(moving_mean, moving_variance, mean, variance, count, decay_rate):
  """Assigns `m <- decay * m + (1 - decay) * stat`; a batch with no elements changes nothing.

  Under `tf.distribute`, pass statistics that are already the same on every replica
  (`global_moments`), so that the replicas' moving averages stay equal.

  Returns the list of assign operations (graph mode; None entries in eager mode).
  """
  for moving in (moving_mean, moving_variance):
    state_variables.check_variable(moving, ERR_MOVING_NOT_VARIABLE)
  has_data = count > 0
  return [state_variables.assign_moving_average(moving, stat, decay_rate, has_data)
          for moving, stat in ((moving_mean, mean), (moving_variance, variance))]


def global_moments(mean, variance, count, is_training):
  """The moments of the global batch for the moving-average update, under `tf.distribute`.

  Each replica normalises with its own batch's statistics, but the moving averages are
  updated from the statistics of the whole (global) batch, as one device would; the
  all-reduce runs here, outside any `tf.cond`, because strategies refuse it inside one.
  Without a strategy (or one replica), or when `is_training` is statically False, returns
  the inputs unchanged.
  """
  if static_bool(is_training) is False:
    return mean, variance, count
  return state_variables.cross_replica_moments(mean, variance, count)


def apply_updates(outputs, make_updates, is_training, update_ops_collection,
                  num_updates=None):
  """Runs or registers the moving-average updates as Sonnet 1 did.

  In eager mode and `tf.function` the updates run with this call (exactly once). In graph
  mode they are added to `update_ops_collection`, or, when it is None, made control
  dependencies of the returned output. A statically False `is_training` adds nothing.
  With a flag tensor, `num_updates` (the number of ops `make_updates` returns) gives one
  collection entry per update, as Sonnet 1's batch norm did; None gives a single entry.
  """
  training = static_bool(is_training)
  if training is False:
    return outputs

  if not in_graph_mode():
    if training:
      make_updates()
    else:
      # Only inside tf.function: an eager tensor flag is always static.
      tf.cond(is_training, lambda: tf.group(*make_updates()), tf.no_op)
    return outputs

  if training:
    update_ops = make_updates()
  elif num_updates is None:
    update_ops = [tf.cond(is_training,
                          lambda: tf.group(*make_updates()),
                          tf.no_op)]
  else:
    # One entry per update, as in Sonnet 1: a flag tensor that says whether it ran.
    def run_updates():
      flags = []
      for op in make_updates():
        with tf.control_dependencies([op]):
          flags.append(tf.constant(True))
      return flags

    def skip_updates():
      return [tf.constant(False) for _ in range(num_updates)]

    update_ops = list(tf.cond(is_training, run_updates, skip_updates))
  if update_ops_collection is None:
    with tf.control_dependencies(update_ops):
      return tf.identity(outputs)
  for op in update_ops:
    tf.compat.v1.add_to_collection(update_ops_collection, op)
  return outputs


def fused_batch_norm(x, gamma, beta, mean, variance, eps, data_format, use_batch_stats,
                     num_channels, dtype):
  """Fused batch norm whose batch variance is the biased one, like the unfused path.

  TensorFlow's fused kernel returns the Bessel-corrected batch variance (n / (n - 1)); we
  undo that so fused and unfused modules normalise and update identically.

  Returns (outputs, batch_mean, batch_variance, count); the last three are None in
  inference mode.
  """
  scale = gamma if gamma is not None else tf.ones([num_channels], dtype)
  offset = beta if beta is not None else tf.zeros([num_channels], dtype)
  scale = tf.reshape(tf.cast(scale, tf.float32), [num_channels])
  offset = tf.reshape(tf.cast(offset, tf.float32), [num_channels])
  if use_batch_stats:
    out, batch_mean, batch_var = tf.compat.v1.nn.fused_batch_norm(
        x, scale, offset, epsilon=eps, data_format=data_format, is_training=True)
    reduce_axes = [0, 1, 2] if data_format == "NHWC" else [0, 2, 3]
    count = tf.reduce_prod(tf.gather(tf.shape(x), reduce_axes))
    n = tf.cast(count, batch_var.dtype)
    batch_var = tf.where(count > 1, batch_var * (n - 1.) / tf.maximum(n, 1.), batch_var)
    return out, batch_mean, batch_var, count
  out, _, _ = tf.compat.v1.nn.fused_batch_norm(
      x, scale, offset, mean=tf.reshape(tf.cast(mean, tf.float32), [num_channels]),
      variance=tf.reshape(tf.cast(variance, tf.float32), [num_channels]),
      epsilon=eps, data_format=data_format, is_training=False)
  return out, None, None, None


def _cast_or_none(value, dtype):
  return None if value is None else tf.cast(value, dtype)


class BatchNormProperties:
  """The variables and settings that `BatchNorm` and `BatchNormV2` expose.

  Mixed into modules that set `_moving_mean`, `_moving_variance`, `_beta`,
  `_gamma`, `_offset`, `_scale`, `_decay_rate` and `_eps`.
  """

  # Declared for type checkers; the modules set them (`_ensure_is_connected` comes from
  # `snt.AbstractModule`).
  _moving_mean: Any
  _moving_variance: Any
  _beta: Any
  _gamma: Any
  _offset: bool
  _scale: bool
  _decay_rate: float
  _eps: float
  _ensure_is_connected: Callable[[], None]

  @property
  def moving_mean(self):
    """The moving mean variable (NotConnectedError before the first call)."""
    self._ensure_is_connected()
    return self._moving_mean

  @property
  def moving_variance(self):
    """The moving variance variable (NotConnectedError before the first call)."""
    self._ensure_is_connected()
    return self._moving_variance

  @property
  def beta(self):
    """The offset variable; `snt.Error` if the module has no offset."""
    self._ensure_is_connected()
    if not self._offset:
      raise errors.Error(ERR_NO_OFFSET)
    return self._beta

  @property
  def gamma(self):
    """The scale variable; `snt.Error` if the module has no scale."""
    self._ensure_is_connected()
    if not self._scale:
      raise errors.Error(ERR_NO_SCALE)
    return self._gamma

  @property
  def decay_rate(self) -> float:
    """The moving-average decay rate."""
    return self._decay_rate

  @property
  def eps(self) -> float:
    """The small constant added to the variance."""
    return self._eps


class BatchNorm(base.AbstractModule, util.VariableOptions,
                BatchNormProperties):
  """Batch normalisation (Ioffe & Szegedy, 2015) with Sonnet 1's arguments and meaning.

  In training the input is normalised with the statistics of the batch (mean and biased
  variance over `axis`), and the moving averages `moving_mean` and `moving_variance` are
  updated with `m <- decay_rate * m + (1 - decay_rate) * batch_stat`. At test time
  (`is_training=False`) the batch statistics are still used unless
  `test_local_stats=False`, in which case the moving averages are.

  When the updates run:

  * eager mode and `tf.function`: with the call itself, exactly once per training call;
  * `tf.compat.v1` graph mode: added to `update_ops_collection` (default
    `tf.compat.v1.GraphKeys.UPDATE_OPS`, which the user must run, as in Sonnet 1) or, with
    `update_ops_collection=None`, made control dependencies of the output.

  float16 and bfloat16 inputs are normalised with float32 statistics and parameters; the
  output keeps the input dtype.
  """

  GAMMA = "gamma"
  BETA = "beta"
  MOVING_MEAN = "moving_mean"
  MOVING_VARIANCE = "moving_variance"
  POSSIBLE_INITIALIZER_KEYS = {GAMMA, BETA, MOVING_MEAN, MOVING_VARIANCE}
  POSSIBLE_PARTITIONER_KEYS = {GAMMA, BETA}
  POSSIBLE_REGULARIZER_KEYS = {GAMMA, BETA}

  def __init__(self,
               axis: Iterable[int] | None = None,
               offset: bool = True,
               scale: bool = False,
               decay_rate: float = 0.999,
               eps: float = 1e-3,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               update_ops_collection: str | None = "update_ops",
               fused: bool = False,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "batch_norm"):
    """Constructs a BatchNorm module.

    Args:
      axis: iterable of non-negative dimensions to reduce over; default all but the last.
      offset: whether to add a learnt offset `beta` (zeros).
      scale: whether to multiply by a learnt scale `gamma` (ones).
      decay_rate: decay of the moving averages, in [0, 1].
      eps: small positive number added to the variance.
      initializers: optional dict, keys 'gamma', 'beta', 'moving_mean', 'moving_variance'.
      partitioners: optional dict, keys 'gamma', 'beta'.
      regularizers: optional dict, keys 'gamma', 'beta'.
      update_ops_collection: graph mode only: the collection the update ops go to, or None
        to make them control dependencies of the output.
      fused: use TensorFlow's fused kernel (4-D inputs reduced over NHWC (0, 1, 2) or NCHW
        (0, 2, 3) axes; float64 inputs fall back to the unfused path).
      custom_getter: optional custom getter (callable or dict).
      name: name of the module.

    Raises:
      TypeError: bad `axis`, dict arguments or `update_ops_collection`.
      ValueError: `decay_rate` outside [0, 1], `eps` not positive, empty `axis`.
      KeyError: unknown dict keys.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    self._axis = layer_norm.normalize_axis_arg(axis)
    self._offset = bool(offset)
    self._scale = bool(scale)
    self._decay_rate = argument_checks.check_number_in_range(
        self.module_name, "decay_rate", decay_rate, message=ERR_DECAY)
    self._eps = layer_norm.check_eps(eps)
    if update_ops_collection is not None and not isinstance(update_ops_collection, str):
      raise TypeError(ERR_COLLECTION.format(value=update_ops_collection))
    self._update_ops_collection = update_ops_collection
    self._fused = bool(fused)
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, self.POSSIBLE_INITIALIZER_KEYS,
        partitioner_keys=self.POSSIBLE_PARTITIONER_KEYS,
        regularizer_keys=self.POSSIBLE_REGULARIZER_KEYS)
    self._moving_mean = self._moving_variance = self._gamma = self._beta = None

  def _reduction_axes(self, shape: tf.TensorShape) -> tuple:
    if shape.rank is None:
      raise errors.IncompatibleShapeError(ERR_RANK_UNKNOWN.format(
          module=self.module_name, shape=shape))
    if self._axis is None:
      return tuple(range(shape.rank - 1))
    axis = list(self._axis)
    if len(axis) > shape.rank:
      raise errors.IncompatibleShapeError(ERR_TOO_MANY_AXES.format(axis=axis, shape=shape))
    if max(axis) >= shape.rank:
      raise errors.IncompatibleShapeError(ERR_AXIS_TOO_LARGE.format(axis=axis,
                                                                    rank=shape.rank))
    if min(axis) < 0:
      raise errors.IncompatibleShapeError(ERR_AXIS_NEGATIVE.format(axis=axis))
    return tuple(sorted(set(axis)))

  def _fused_data_format(self, shape, axis):
    if shape.rank != 4:
      raise FusedRankError(ERR_FUSED_RANK.format(
          module=self.module_name, rank=shape.rank, shape=shape))
    if axis == (0, 1, 2):
      return "NHWC"
    if axis == (0, 2, 3):
      return "NCHW"
    raise FusedAxisError(ERR_FUSED_AXIS.format(module=self.module_name, axis=axis))

  def _create_variables(self, mean_shape, dtype, param_dtype=None):
    # Sonnet 1: gamma and beta in the input's dtype (16-bit included), the moving
    # statistics in `dtype`; beta first, so the regularisation losses list it first.
    param_dtype = param_dtype or dtype
    # State variables: replicas under tf.distribute keep equal copies (state_variables).
    self._moving_mean = state_variables.get_state_variable(
        self.MOVING_MEAN, shape=mean_shape, dtype=dtype,
        initializer=self._initializers.get(self.MOVING_MEAN, tf.zeros_initializer()),
        collections=MOVING_STATS_COLLECTIONS)
    self._moving_variance = state_variables.get_state_variable(
        self.MOVING_VARIANCE, shape=mean_shape, dtype=dtype,
        initializer=self._initializers.get(self.MOVING_VARIANCE, tf.ones_initializer()),
        collections=MOVING_STATS_COLLECTIONS)
    if self._offset:
      self._beta = variables.get_variable(
          self.BETA, shape=mean_shape, dtype=param_dtype,
          initializer=self._initializers.get(self.BETA, tf.zeros_initializer()),
          partitioner=self._partitioners.get(self.BETA),
          regularizer=self._regularizers.get(self.BETA), trainable=True)
    if self._scale:
      self._gamma = variables.get_variable(
          self.GAMMA, shape=mean_shape, dtype=param_dtype,
          initializer=self._initializers.get(self.GAMMA, tf.ones_initializer()),
          partitioner=self._partitioners.get(self.GAMMA),
          regularizer=self._regularizers.get(self.GAMMA), trainable=True)

  def _batch_moments_fn(self, x, axis, use_batch_stats):
    """A function computing the batch moments `(mean, variance, count)` of `x` (unfused).

    Called outside any `tf.cond`; the function it returns may be called inside one.
    """
    del use_batch_stats  # Only subclasses that precompute need it.
    return lambda: safe_moments(x, axis)

  def _moving_update_moments(self, mean, variance, count, is_training):
    """The moments the moving averages are updated from: the global batch's."""
    return global_moments(mean, variance, count, is_training)

  def _build(self, input_batch: tf.Tensor, is_training, test_local_stats=True) -> tf.Tensor:
    """Normalises `input_batch`, updating the moving averages when training.

    Args:
      input_batch: float tensor; the dimensions not in `axis` must be known.
      is_training: Python bool or boolean scalar tensor: whether to update the moving
        averages (and use batch statistics).
      test_local_stats: Python bool or boolean scalar tensor: when not training, whether
        to normalise with the batch statistics (True) or the moving averages (False).

    Returns:
      The normalised tensor, with the shape and dtype of `input_batch`.

    Raises:
      TypeError: non-float input or a flag that is not a bool.
      snt.IncompatibleShapeError: `axis` does not fit the input's rank.
      snt.UnderspecifiedError: a dimension that is not reduced over is unknown.
      snt.NotSupportedError: `fused=True` with an input or axis the kernel cannot handle.
    """
    input_batch = tf.convert_to_tensor(input_batch)
    layer_norm.check_float_input(self.module_name, input_batch, "input_batch")
    is_training = argument_checks.check_bool_flag(self.module_name, "is_training", is_training)
    test_local_stats = argument_checks.check_bool_flag(self.module_name, "test_local_stats",
                                                       test_local_stats)
    shape = input_batch.shape
    axis = self._reduction_axes(shape)
    mean_shape = [1 if i in axis else d for i, d in enumerate(shape.as_list())]
    if any(d is None for d in mean_shape):
      raise errors.UnderspecifiedError(ERR_UNKNOWN_KEPT_DIMS.format(
          module=self.module_name, axis=list(axis), shape=shape))
    dtype = layer_norm.statistics_dtype(input_batch.dtype)
    fused = self._fused and input_batch.dtype.base_dtype in FUSED_DTYPES
    data_format = self._fused_data_format(shape, axis) if fused else None

    self._create_variables(mean_shape, dtype, input_batch.dtype.base_dtype)
    use_batch_stats = flag_or(is_training, test_local_stats)

    if fused:
      channels = shape[3] if data_format == "NHWC" else shape[1]

      def batch_branch():
        return fused_batch_norm(input_batch, self._gamma, self._beta, None, None, self._eps,
                                data_format, True, channels, dtype)

      def moving_branch():
        out = fused_batch_norm(input_batch, self._gamma, self._beta, self._moving_mean,
                               self._moving_variance, self._eps, data_format, False,
                               channels, dtype)[0]
        return out, tf.zeros([channels]), tf.ones([channels]), tf.constant(0)

      outputs, mean, variance, count = smart_cond(use_batch_stats, batch_branch,
                                                  moving_branch)
    else:
      x = tf.cast(input_batch, dtype)

      batch_stats = self._batch_moments_fn(x, axis, use_batch_stats)

      def moving_stats():
        return (tf.convert_to_tensor(self._moving_mean),
                tf.convert_to_tensor(self._moving_variance), tf.constant(0))

      mean, variance, count = smart_cond(use_batch_stats, batch_stats, moving_stats)
      outputs = tf.nn.batch_normalization(x, mean, variance, _cast_or_none(self._beta, dtype),
                                          _cast_or_none(self._gamma, dtype), self._eps)
      outputs = tf.cast(outputs, input_batch.dtype)

    mean, variance, count = self._moving_update_moments(mean, variance, count, is_training)

    def make_updates():
      return moving_average_updates(self._moving_mean, self._moving_variance, mean, variance,
                                    count, self._decay_rate)

    return apply_updates(outputs, make_updates, is_training,
                         self._update_ops_collection, num_updates=2)
