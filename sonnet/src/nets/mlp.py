# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`snt.nets.MLP`: a multi-layer perceptron made of `snt.Linear` sub-modules."""

from collections.abc import Callable, Iterable, Sequence
import contextlib
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import batch_norm
from sonnet.src import linear
from sonnet.src import module_info
from sonnet.src import module_state
from sonnet.src import naming
from sonnet.src import types
from sonnet.src import util

# Activations the eager fast path may call outside the MLP's frame: TensorFlow functions
# that neither build modules nor get variables.
_PLAIN_ACTIVATIONS = (tf.nn.relu, tf.nn.relu6, tf.nn.elu, tf.nn.selu, tf.nn.gelu,
                      tf.nn.leaky_relu, tf.nn.softplus, tf.nn.softsign, tf.nn.silu,
                      tf.nn.tanh, tf.nn.sigmoid, tf.tanh, tf.sigmoid, tf.identity)


def _is_plain_activation(activation: Any) -> bool:
  return any(activation is plain for plain in _PLAIN_ACTIVATIONS)


ERR_EMPTY = "output_sizes must not be empty."
ERR_OUTPUT_SIZES_TYPE = "output_sizes must be iterable"  # Sonnet 1's text.
ERR_ACTIVATION = "Input 'activation' must be callable"  # Sonnet 1's text.
ERR_DROPOUT_RATE = "dropout_keep_prob must be in (0, 1], got {!r}."


class MLP(base.AbstractModule, base.Transposable, util.VariableOptions):
  """A multi-layer perceptron: Linear layers with an activation between them.

  Sub-modules are named `linear_0`, `linear_1`, ..., nested in the MLP's scope
  (`mlp/linear_0/w:0`).
  """

  def __init__(self,
               output_sizes: Iterable[int | Callable[[], int]],
               activation: types.Activation = tf.nn.relu,
               activate_final: bool = False,
               initializers: types.Initializers | None = None,
               partitioners: types.Partitioners | None = None,
               regularizers: types.Regularizers | None = None,
               use_bias: bool = True,
               use_dropout: bool = False,
               custom_getter: types.CustomGetterArg | None = None,
               name: str = "mlp"):
    """Constructs an MLP.

    Args:
      output_sizes: the output size of each layer (ints, or callables returning ints).
      activation: applied after every layer but the last (and the last too with
        `activate_final=True`).
      activate_final: whether to apply `activation` to the output.
      initializers: optional dict with keys `w`, `b`, used by every layer.
      partitioners: optional dict with keys `w`, `b` (graph mode only).
      regularizers: optional dict with keys `w`, `b`.
      use_bias: whether the layers have biases.
      use_dropout: apply dropout to the hidden activations when `is_training`.
      custom_getter: a custom getter or dict of them, for every layer.
      name: the module's name.

    Raises:
      ValueError: if `output_sizes` is empty or holds a size <= 0.
      TypeError: if `activation` is not callable or a size has the wrong type.
      KeyError: for unknown keys in the dicts.
    """
    super().__init__(name=name, custom_getter=custom_getter)
    if isinstance(output_sizes, (str, bytes)) or not isinstance(output_sizes, Iterable):
      raise TypeError(ERR_OUTPUT_SIZES_TYPE)
    output_sizes = tuple(output_sizes)
    if not output_sizes:
      raise ValueError(ERR_EMPTY)
    argument_checks.check_callable(self.module_name, "activation", activation,
                                   message=ERR_ACTIVATION)
    self._output_sizes = output_sizes
    self._activation = activation
    self._activate_final = bool(activate_final)
    self._use_bias = bool(use_bias)
    self._use_dropout = bool(use_dropout)
    keys = self.get_possible_initializer_keys(use_bias=use_bias)
    self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
        initializers, partitioners, regularizers, keys)
    self._custom_getter_arg = custom_getter
    layers = []
    # As Sonnet 1, entering the module's scope here takes its graph name scope, so the
    # first call's ops are in `<name>_1/` (e.g. `mlp_1/dropout/`).
    name_scope = (contextlib.nullcontext() if tf.executing_eagerly()
                  else tf.name_scope(self.module_name))
    with self._enter_variable_scope(), name_scope:
      for index, output_size in enumerate(output_sizes):
        layers.append(linear.Linear(
            output_size=output_size, use_bias=use_bias, initializers=self._initializers,
            partitioners=self._partitioners, regularizers=self._regularizers,
            name=f"linear_{index}"))
    self._layers = tuple(layers)
    self._input_shape: tuple[int | None, ...] | None = None

  @classmethod
  def get_possible_initializer_keys(cls, use_bias: bool = True, **unused_kwargs) -> set:
    """Returns `{'w', 'b'}`, or `{'w'}` when `use_bias=False`."""
    return {"w", "b"} if use_bias else {"w"}

  def _build(self, inputs: tf.Tensor, is_training: bool = True,
             dropout_keep_prob: float = 0.5) -> tf.Tensor:
    """Applies the layers.

    Args:
      inputs: a float tensor `[batch_size, input_size]`.
      is_training: with `use_dropout`, whether to apply dropout (Python bool or bool
        tensor).
      dropout_keep_prob: the probability of keeping a hidden unit.

    Returns:
      A tensor `[batch_size, output_sizes[-1]]`.

    Raises:
      snt.IncompatibleShapeError: for inputs the first layer cannot take.
      ValueError: for a keep probability outside (0, 1].
    """
    if self._use_dropout and isinstance(dropout_keep_prob, (int, float)) and not (
        0 < dropout_keep_prob <= 1):
      raise ValueError(ERR_DROPOUT_RATE.format(dropout_keep_prob))
    outputs = inputs
    last = len(self._layers) - 1
    for index, layer in enumerate(self._layers):
      outputs = layer(outputs)
      if index < last or self._activate_final:
        # As Sonnet 1: dropout wherever the activation is applied (the output too with
        # `activate_final`), before the activation.
        if self._use_dropout and batch_norm.static_bool(is_training) is not False:
          dtype = outputs.dtype
          keep_prob = batch_norm.smart_cond(
              is_training, lambda dtype=dtype: tf.cast(dropout_keep_prob, dtype),
              lambda dtype=dtype: tf.constant(1.0, dtype))
          outputs = tf.nn.dropout(outputs, rate=1.0 - keep_prob)
        outputs = self._activation(outputs)
    if self._input_shape is None:
      self._input_shape = tuple(tf.convert_to_tensor(inputs).shape.as_list())
    if self._snt_state.eager_cache is None:
      self._cache_for_eager_calls()
    return outputs

  def _cache_for_eager_calls(self) -> None:
    """Caches the layers for the fast path of later eager calls, where it applies.

    Only for MLP's own `_build`, without dropout, with an activation that is a plain
    TensorFlow function (one that builds no modules and gets no variables), at an eager
    call in `_build`'s own frame whose layers cached their variables.
    """
    frame = naming.current_frame()
    if (type(self)._build is not MLP._build or "_build" in self.__dict__ or  # noqa: SLF001
        self._use_dropout or not _is_plain_activation(self._activation) or
        frame is None or frame.module is not self or frame.owner != "_build" or
        not tf.executing_eagerly()):
      return
    states = tuple(module_state.state_of(layer) for layer in self._layers)
    if any(state.eager_cache is None for state in states):
      return
    self._snt_state.eager_cache = (
        self._activation, self._activate_final, tuple(zip(self._layers, states)))

  def _call_eager_cached(self, cache: Any, args: Sequence[Any],
                         kwargs: dict[str, Any]) -> Any:
    """The layers' fast paths and the activations, for a later eager call (see `base`).

    Declines (`NotImplemented`: `_build` runs) for other arguments than one positional one,
    while connections are observed (each layer's is reported), or when a layer declines.
    """
    if kwargs or len(args) != 1 or module_info.has_observers():
      return NotImplemented
    activation, activate_final, layers = cache
    outputs = args[0]
    last = len(layers) - 1
    for index, (layer, state) in enumerate(layers):
      layer_cache = state.eager_cache
      if layer_cache is None:
        return NotImplemented
      # The layers are this MLP's own sub-modules: a call would record nothing new.
      outputs = layer._call_eager_cached(layer_cache, (outputs,), {})  # noqa: SLF001
      if outputs is NotImplemented:
        return NotImplemented
      if index < last or activate_final:
        outputs = activation(outputs)
    return outputs

  @property
  def layers(self) -> tuple[linear.Linear, ...]:
    """The Linear sub-modules."""
    return self._layers

  @property
  def output_sizes(self) -> tuple[int, ...]:
    """The output size of each layer (callables evaluated)."""
    return tuple(layer.output_size for layer in self._layers)

  @property
  def output_size(self) -> int:
    """The output size of the last layer."""
    return self._layers[-1].output_size

  @property
  def activation(self) -> Callable[[tf.Tensor], tf.Tensor]:
    """The activation function."""
    return self._activation

  @property
  def activate_final(self) -> bool:
    """Whether the output is activated."""
    return self._activate_final

  @property
  def use_bias(self) -> bool:
    """Whether the layers have biases."""
    return self._use_bias

  @property
  def use_dropout(self) -> bool:
    """Whether dropout is applied in training."""
    return self._use_dropout

  @property
  def input_shape(self) -> tuple[int | None, ...]:
    """The shape of the first input.

    Raises:
      snt.NotConnectedError: before the first call.
    """
    self._ensure_is_connected()
    assert self._input_shape is not None  # Set by the first (successful) call.
    return self._input_shape

  def _config(self) -> dict[str, Any]:
    return dict(activation=self._activation, initializers=self._initializers,
                partitioners=self._partitioners, regularizers=self._regularizers,
                use_bias=self._use_bias, use_dropout=self._use_dropout,
                custom_getter=self._custom_getter_arg)

  def clone(self, name: str | None = None) -> "MLP":
    """Returns a new, unconnected MLP with the same configuration (own variables).

    Args:
      name: default `<module_name>_clone`.

    Returns:
      The new MLP.
    """
    if name is None:
      name = self.module_name + "_clone"
    return MLP(output_sizes=self.output_sizes, activate_final=self._activate_final,
               name=name, **self._config())

  def transpose(self, name: str | None = None,
                activate_final: bool | None = None) -> "MLP":
    """Returns the MLP mapping outputs back to inputs: reversed layer sizes.

    Layer `i` of the transpose has the input size of layer `n-1-i` of this MLP, read at
    the transpose's first connection (`snt.NotConnectedError` before this MLP is built).

    Args:
      name: default `<module_name>_transpose`.
      activate_final: default: this MLP's `activate_final`.

    Returns:
      The transposed MLP (variables not shared).
    """
    if name is None:
      name = self.module_name + "_transpose"
    if activate_final is None:
      activate_final = self._activate_final
    output_sizes = [lambda layer=layer: layer.input_shape[-1] for layer in self._layers]
    output_sizes.reverse()
    return MLP(output_sizes=output_sizes, activate_final=activate_final, name=name,
               **self._config())
