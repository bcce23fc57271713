# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Basic recurrent cores and core combinators: `VanillaRNN`, `DeepRNN` and `ModelRNN`.

The residual, skip-connection and highway cores are in `residual_rnn.py`."""

import collections
from collections.abc import Callable, Iterable, Mapping, Sequence
import functools
import inspect
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import errors
from sonnet.src import linear
from sonnet.src import rnn_core
from sonnet.src import types
from sonnet.src import unroll
from sonnet.src import util

ERR_CORES_NOT_ITERABLE = "Cores should be an iterable object, got {!r}."
ERR_NO_CORES = "DeepRNN needs at least one core."
ERR_SKIP_NOT_ALL_RNN = (
    "skip_connections are enabled but not all cores are `snt.RNNCore`s, which is not "
    "supported. The following cores were specified: {}.")
ERR_SKIP_OUTPUT_SIZES = (
    "With skip connections, all core outputs must agree beyond the first dimension to be "
    "concatenated; core {index} has output_size {actual}, core 0 has {expected}.")
ERR_NO_OUTPUT_SIZE = "None of the 'cores' have output_size information."
WARN_INFERRED_OUTPUT_SIZE = (
    "Final core does not contain .output_size, but the DeepRNN has been connected into the "
    "graph, so inferred output size as %s")
WARN_GUESSED_OUTPUT_SIZE = (
    "Trying to infer output_size of DeepRNN, but the final core %s does not have the "
    ".output_size field. The guessed output_size is %s but this may not be correct. If you "
    "see shape errors following this warning, you must change the cores used in the DeepRNN "
    "so that the final core used has a correct .output_size property.")
ERR_NUM_INITIALIZERS = (
    "The number of {kind} and recurrent cores should be the same: got {got} {kind} for "
    "{expected} recurrent cores.")
ERR_MODEL_NOT_CALLABLE = "Model must be callable, got {!r}."
ERR_MODEL_IS_CORE = "Model should not be an RNNCore (it maps state to state), got {!r}."
ERR_MODEL_OUTPUT_SIZE = "Model {!r} must have an output_size attribute."


def _is_recurrent(core: Any) -> bool:
  return isinstance(core, rnn_core.RNNCore) or (
      hasattr(core, "state_size") and hasattr(core, "initial_state"))


def _build_signature(core: Any):
  # The signature a Sonnet module's call accepts is its _build's.
  fn = core._build if isinstance(core, base.AbstractModule) else core  # noqa: SLF001
  try:
    return inspect.signature(fn)
  except (TypeError, ValueError):
    return None


def _supported_kwargs(core: Any, kwargs: Mapping[str, Any]) -> dict:
  """The subset of `kwargs` that `core` accepts (all of them if it takes **kwargs)."""
  if not kwargs:
    return {}
  signature = _build_signature(core)
  if signature is None:
    return {}
  params = signature.parameters
  if any(p.kind == inspect.Parameter.VAR_KEYWORD for p in params.values()):
    return dict(kwargs)
  return {k: v for k, v in kwargs.items() if k in params}


def as_shape(size: Any) -> tf.TensorShape:
  """A `tf.TensorShape` from a shape, an int (a vector size) or a list of dims."""
  if isinstance(size, tf.TensorShape):
    return size
  if isinstance(size, int):
    return tf.TensorShape([size])
  return tf.TensorShape(size)


def concat_sizes(sizes: Sequence[Any]) -> Any:
  """The sizes of nests concatenated leaf by leaf on their last axis (as `concat_last`)."""
  def concat(*leaves):
    shapes = [as_shape(s) for s in leaves]
    last = sum(int(s[-1]) for s in shapes)
    return shapes[0][:-1].concatenate([last])
  return tf.nest.map_structure(concat, *sizes)


def concat_last(*tensors: tf.Tensor) -> tf.Tensor:
  """Concatenates tensors on their last axis."""
  return tf.concat(tensors, axis=-1)


class VanillaRNN(rnn_core.RNNCore):
  """Basic fully connected recurrent core: `h' = activation(in_to_hidden(x) +
  hidden_to_hidden(h))`; output = state = h'."""

  IN_TO_HIDDEN = "in_to_hidden"
  HIDDEN_TO_HIDDEN = "hidden_to_hidden"
  POSSIBLE_INITIALIZER_KEYS = {IN_TO_HIDDEN, HIDDEN_TO_HIDDEN}

  def __init__(self,
               hidden_size: int,
               activation: Callable[[tf.Tensor], tf.Tensor] = tf.tanh,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "vanilla_rnn"):
    """Constructs the core.

    Args:
      hidden_size: H.
      activation: the non-linearity.
      initializers: dict with keys `in_to_hidden` / `hidden_to_hidden`, each a dict for the
        corresponding `snt.Linear` (keys `w`, `b`).
      partitioners: likewise (graph mode only).
      regularizers: likewise.
      custom_getter: custom getter(s) for the variables.
      name: module name.

    Raises:
      ValueError: for a non-positive `hidden_size`.
      KeyError, TypeError: for bad initializers / partitioners / regularizers.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    self._hidden_size = argument_checks.check_positive_int(self.module_name, "hidden_size",
                                                           hidden_size, tf1_sizes=True)
    self._activation = activation
    keys = self.POSSIBLE_INITIALIZER_KEYS
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, keys)
    # As Sonnet 1, whose Linears were built at the first call: an entry that is not a dict
    # (e.g. one initializer for all of `hidden_to_hidden`) is refused by the Linear's check
    # when the core is called.
    bad: list[Callable[[], Any]] = []
    with self._enter_variable_scope():
      self._in_to_hidden_linear = linear.Linear(
          hidden_size, allow_many_batch_dims=True, name=self.IN_TO_HIDDEN,
          **self._sub_options(self.IN_TO_HIDDEN, bad))
      self._hidden_to_hidden_linear = linear.Linear(
          hidden_size, name=self.HIDDEN_TO_HIDDEN,
          **self._sub_options(self.HIDDEN_TO_HIDDEN, bad))
    self._bad_sub_options = tuple(bad)

  def _sub_options(self, key: str, bad: list[Callable[[], Any]]) -> dict[str, Any]:
    """The options of sub-module `key`; entries that are not dicts are left out, and their
    checks, run at each call, appended to `bad`."""
    options = {}
    for kind, given, check in (("initializers", self._initializers, util.check_initializers),
                               ("partitioners", self._partitioners, util.check_partitioners),
                               ("regularizers", self._regularizers, util.check_regularizers)):
      entry = given.get(key)
      if entry is None or isinstance(entry, Mapping):
        options[kind] = entry
      else:
        bad.append(functools.partial(check, entry,
                                     linear.Linear.get_possible_initializer_keys()))
    return options

  def _check_sub_options(self) -> None:
    for check in self._bad_sub_options:
      check()  # Raises the TypeError.

  def _build(self, inputs: Any, prev_state: Any) -> tuple[tf.Tensor, tf.Tensor]:
    """Runs one step.

    Args:
      inputs: `[batch_size, input_size]`.
      prev_state: `[batch_size, hidden_size]`.

    Returns:
      `(output, next_state)`, both `[batch_size, hidden_size]`.

    Raises:
      snt.IncompatibleShapeError: inputs of the wrong rank or size; a state of the wrong
        size or batch.
    """
    if self._bad_sub_options:
      self._check_sub_options()
    if isinstance(inputs, unroll.ProjectedInputs):
      prev_state = self._check_prev_state(prev_state, inputs.value)
      in_to_hidden = inputs.value
    else:
      inputs = tf.convert_to_tensor(inputs)
      if inputs.shape.rank != 2:
        raise errors.IncompatibleShapeError(rnn_core.ERR_INPUT_RANK.format(
            module=self.module_name, shape=inputs.shape))
      prev_state = self._check_prev_state(prev_state, inputs)
      in_to_hidden = self._in_to_hidden_linear(inputs)
    next_state = self._activation(in_to_hidden + self._hidden_to_hidden_linear(prev_state))
    return next_state, next_state

  def _prepare_unroll(self, input_sequence: Any):
    """Applies `in_to_hidden` to the whole sequence at once (see `RNNCore`)."""
    if tf.nest.is_nested(input_sequence) or self._bad_sub_options:
      return input_sequence, self  # The step reports the error.
    sequence = tf.convert_to_tensor(input_sequence)
    if sequence.shape.rank != 3:
      return input_sequence, self  # The step reports the error.
    projected = self._in_to_hidden_linear(sequence)
    return projected, lambda x_t, state: self(unroll.ProjectedInputs(x_t, {}), state)

  @property
  def state_size(self) -> tf.TensorShape:
    """Nest of `tf.TensorShape`: the state's sizes, without the batch dimension."""
    return tf.TensorShape([self._hidden_size])

  @property
  def _prev_state_sizes(self) -> tf.TensorShape:
    # As Sonnet 1, any state size: `hidden_to_hidden` takes its input size from the first
    # state it gets (and its own check refuses another size later).
    return tf.TensorShape([None])

  @property
  def output_size(self) -> tf.TensorShape:
    """Nest of `tf.TensorShape`: the output's sizes, without the batch dimension."""
    return tf.TensorShape([self._hidden_size])

  @property
  def in_to_hidden_linear(self) -> linear.Linear:
    """The `snt.Linear` applied to the inputs."""
    return self._in_to_hidden_linear

  @property
  def hidden_to_hidden_linear(self) -> linear.Linear:
    """The `snt.Linear` applied to the hidden state."""
    return self._hidden_to_hidden_linear

  @property
  def in_to_hidden_variables(self) -> tuple[tf.Variable, ...]:
    """The variables of `in_to_hidden_linear`, `(w, b)` (Sonnet 1's order).

    Raises:
      snt.NotConnectedError: before the first connection.
    """
    self._ensure_is_connected()
    return _weights_then_bias(self._in_to_hidden_linear)

  @property
  def hidden_to_hidden_variables(self) -> tuple[tf.Variable, ...]:
    """The variables of `hidden_to_hidden_linear`, `(w, b)` (Sonnet 1's order).

    Raises:
      snt.NotConnectedError: before the first connection.
    """
    self._ensure_is_connected()
    return _weights_then_bias(self._hidden_to_hidden_linear)


def _weights_then_bias(linear: Any) -> tuple[tf.Variable, ...]:
  """A Linear's variables in creation order, `w` first (as Sonnet 1's `get_variables`)."""
  return tuple(sorted(linear.variables, key=lambda v: not v.name.endswith("/w:0")))


class DeepRNN(rnn_core.RNNCore):
  """Stacks cores (and non-recurrent modules or ops) into one core.

  Without skip connections, each core's output is the next one's input, and non-recurrent
  callables (e.g. `tf.tanh`, `snt.Linear`) may sit between recurrent cores. With skip
  connections (the default), every core is recurrent, core i > 0 gets the concatenation of
  the input and core i-1's output, and the output is the concatenation of all cores'
  outputs (or only the last, with `concat_final_output_if_skip=False`). The state is a
  tuple with one entry per recurrent core. Keyword arguments of a call are passed to the
  cores that accept them (e.g. `is_training` for a `BatchNormLSTM`).
  """

  def __init__(self,
               cores: Iterable[Any],
               skip_connections: bool = True,
               concat_final_output_if_skip: bool = True,
               name: str = "deep_rnn"):
    """Constructs the deep core.

    Args:
      cores: an iterable of cores, modules or callables.
      skip_connections: whether to use skip connections (see above).
      concat_final_output_if_skip: with skip connections, whether the output is the
        concatenation of all cores' outputs (True) or the last core's output.
      name: module name.

    Raises:
      ValueError: if `cores` is not iterable or empty; with skip connections, if a core is
        not recurrent or the cores' output sizes cannot be concatenated.
    """
    super().__init__(name=name)
    if isinstance(cores, (str, bytes)) or not isinstance(cores, collections.abc.Iterable):
      raise ValueError(ERR_CORES_NOT_ITERABLE.format(cores))
    self._cores = tuple(cores)
    if not self._cores:
      raise ValueError(ERR_NO_CORES)
    self._is_recurrent = tuple(_is_recurrent(core) for core in self._cores)
    self._skip_connections = bool(skip_connections)
    self._concat_final_output_if_skip = bool(concat_final_output_if_skip)
    if self._skip_connections:
      if not all(self._is_recurrent):
        raise ValueError(ERR_SKIP_NOT_ALL_RNN.format(self._cores))
      self._check_output_sizes()

  def _check_output_sizes(self) -> None:
    try:
      sizes = [tf.nest.flatten(core.output_size) for core in self._cores]
    except (errors.Error, AttributeError, ValueError):
      return  # Unknown before connection: checked by the concatenation.
    for index, size in enumerate(sizes[1:], 1):
      for leaf, first in zip(size, sizes[0]):
        leaf, first = as_shape(leaf), as_shape(first)
        if leaf[1:] != first[1:]:
          raise ValueError(ERR_SKIP_OUTPUT_SIZES.format(index=index, actual=leaf,
                                                        expected=first))

  @property
  def _recurrent_cores(self) -> tuple[Any, ...]:
    return tuple(c for c, r in zip(self._cores, self._is_recurrent) if r)

  def _build(self, inputs: Any, prev_state: Any, **kwargs) -> tuple[Any, tuple[Any, ...]]:
    """Runs one step through all cores.

    Args:
      inputs: the input nest.
      prev_state: a tuple with one state per recurrent core.
      **kwargs: passed to each core that accepts them.

    Returns:
      `(output, next_state)`, next_state a tuple with one state per recurrent core.

    Raises:
      ValueError: if `prev_state` does not have one state per recurrent core.
      snt.IncompatibleShapeError: if a state component has the wrong size or batch.
    """
    prev_state = rnn_core.check_state(prev_state, self._prev_state_sizes,
                                      module_name=self.module_name, arg_name="prev_state")
    first_step = None
    if isinstance(inputs, unroll.ProjectedInputs):
      # From `_prepare_unroll`: the first core's step on its precomputed inputs.
      first_step, first_input = inputs.extras["first_step"], inputs.value[1]
      inputs = inputs.value[0]
    current_input = inputs
    next_states = []
    outputs = []
    recurrent_index = 0
    for index, (core, recurrent) in enumerate(zip(self._cores, self._is_recurrent)):
      if self._skip_connections and index > 0:
        current_input = tf.nest.map_structure(concat_last, inputs, current_input)
      core_kwargs = _supported_kwargs(core, kwargs)
      if index == 0 and first_step is not None:
        output, state = first_step(first_input, prev_state[0])
        next_states.append(state)
        recurrent_index += 1
      elif recurrent:
        output, state = core(current_input, prev_state[recurrent_index], **core_kwargs)
        next_states.append(state)
        recurrent_index += 1
      else:
        output = core(current_input, **core_kwargs)
      outputs.append(output)
      current_input = output
    if self._skip_connections and self._concat_final_output_if_skip:
      output = tf.nest.map_structure(concat_last, *outputs)
    else:
      output = outputs[-1]
    # For `output_size` when the final core has none (as Sonnet 1).
    self._last_output_size = tf.nest.map_structure(lambda t: t.shape[1:], output)
    return output, tuple(next_states)

  def _prepare_unroll(self, input_sequence: Any):
    """Passes on the first core's per-sequence work (see `RNNCore._prepare_unroll`)."""
    first = self._cores[0]
    prepare = getattr(first, "_prepare_unroll", None)
    if not self._is_recurrent[0] or prepare is None:
      return input_sequence, self
    first_sequence, first_step = prepare(input_sequence)
    if first_step is first:
      return input_sequence, self
    extras = {"first_step": first_step}
    return ((input_sequence, first_sequence),
            lambda x_t, state: self(unroll.ProjectedInputs(x_t, extras), state))

  @property
  def state_size(self) -> tuple[Any, ...]:
    """Nest of `tf.TensorShape`: the state's sizes, without the batch dimension."""
    return tuple(core.state_size for core in self._recurrent_cores)

  @property
  def _prev_state_sizes(self) -> tuple[Any, ...]:
    # Each core's own (e.g. a VanillaRNN takes any state size, as in Sonnet 1).
    return tuple(getattr(core, "_prev_state_sizes", core.state_size)
                 for core in self._recurrent_cores)

  @property
  def output_size(self) -> Any:
    """Nest of `tf.TensorShape`: the output's sizes, without the batch dimension."""
    if self._skip_connections and self._concat_final_output_if_skip:
      return concat_sizes([core.output_size for core in self._cores])
    final_core = self._cores[-1]
    if hasattr(final_core, "output_size"):
      return tf.nest.map_structure(as_shape, final_core.output_size)
    # As Sonnet 1: the size seen in a connection, else a guess from an earlier core, each
    # with a warning.
    last_output_size = getattr(self, "_last_output_size", None)
    if last_output_size is not None:
      tf.compat.v1.logging.warning(WARN_INFERRED_OUTPUT_SIZE, last_output_size)
      return last_output_size
    for core in reversed(self._cores):
      if hasattr(core, "output_size"):
        tf.compat.v1.logging.warning(WARN_GUESSED_OUTPUT_SIZE, final_core, core.output_size)
        return tf.nest.map_structure(as_shape, core.output_size)
    raise ValueError(ERR_NO_OUTPUT_SIZE)

  @property
  def cores(self) -> tuple[Any, ...]:
    """The cores (and non-recurrent modules or ops), in order."""
    return self._cores

  def initial_state(self,
                    batch_size: types.BatchSize,
                    dtype: types.DTypeLike | None = None,
                    trainable: bool = False,
                    trainable_initializers: Sequence[Any] | None = None,
                    trainable_regularizers: Sequence[Any] | None = None,
                    name: str | None = None,
                    **unused_kwargs) -> tuple[Any, ...]:
    """Returns a tuple of the recurrent cores' initial states.

    Args:
      batch_size: Python int or int scalar tensor.
      dtype: the states' dtype; default: each core's own (see `snt.RNNCore.initial_state`).
      trainable: whether the cores' initial states are learned (each core owns its
        variables).
      trainable_initializers: None, or a sequence with one entry per recurrent core.
      trainable_regularizers: None, or a sequence with one entry per recurrent core.
      name: name scope (default `<module_name>_initial_state`).
      **unused_kwargs: ignored.

    Returns:
      A tuple with one initial state per recurrent core.

    Raises:
      ValueError: if the initializers or regularizers are not one per recurrent core.
    """
    cores = self._recurrent_cores
    for kind, given in (("initializers", trainable_initializers),
                        ("regularizers", trainable_regularizers)):
      if given is not None and len(given) != len(cores):
        raise ValueError(ERR_NUM_INITIALIZERS.format(kind=kind, got=len(given),
                                                     expected=len(cores)))
    initializers = trainable_initializers or [None] * len(cores)
    regularizers = trainable_regularizers or [None] * len(cores)
    with tf.name_scope(name or f"{self.module_name}_initial_state"):
      return tuple(
          core.initial_state(batch_size, dtype=dtype, trainable=trainable,
                             trainable_initializers=init, trainable_regularizers=reg)
          for core, init, reg in zip(cores, initializers, regularizers))

  def zero_state(self,
                 batch_size: types.BatchSize,
                 dtype: types.DTypeLike | None = None) -> tuple[Any, ...]:
    """Zeros with the structure of `state_size` (see `snt.RNNCore.zero_state`)."""
    return tuple(core.zero_state(batch_size, dtype) for core in self._recurrent_cores)


class ModelRNN(rnn_core.RNNCore):
  """A core that ignores its input: `next_state = output = model(prev_state)`."""

  def __init__(self, model: Callable[..., Any], name: str = "model_rnn"):
    """Constructs the core.

    Args:
      model: a callable (e.g. a module) mapping a state to the next state, with an
        `output_size` attribute.
      name: module name.

    Raises:
      TypeError: if `model` is not callable or is itself an `RNNCore`.
      AttributeError: if `model` has no `output_size`.
    """
    super().__init__(name=name)
    argument_checks.check_callable(self.module_name, "model", model,
                                   message=ERR_MODEL_NOT_CALLABLE)
    if isinstance(model, rnn_core.RNNCore):
      raise TypeError(ERR_MODEL_IS_CORE.format(model))
    if not hasattr(model, "output_size"):
      raise AttributeError(ERR_MODEL_OUTPUT_SIZE.format(model))
    # Any: a callable with an `output_size` attribute, which `Callable` cannot express.
    self._model: Any = model

  def _build(self, inputs: Any, prev_state: Any) -> tuple[Any, Any]:
    """Returns `(model(prev_state), model(prev_state))`; `inputs` is ignored."""
    del inputs
    next_state = self._model(prev_state)
    return next_state, next_state

  @property
  def state_size(self) -> Any:
    """Nest of `tf.TensorShape`: the state's sizes, without the batch dimension."""
    return tf.nest.map_structure(as_shape, self._model.output_size)

  @property
  def output_size(self) -> Any:
    """Nest of `tf.TensorShape`: the output's sizes, without the batch dimension."""
    return self.state_size
