# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`snt.KerasLayer`: a Keras 3 layer that wraps a Sonnet module (or a callable of modules).

Keras 3 only tracks its own `keras.Variable`s: a Sonnet module used inside a Keras model
without this wrapper contributes no weights, so `fit` would not train it. `KerasLayer`
builds the module when Keras builds the layer and registers each of the module's
`tf.Variable`s as a `keras.Variable` that wraps that same variable (no copy): Keras
optimizers update it, `model.summary()` counts it, `save_weights` saves it, and the
module itself keeps using it, in Keras and outside.
"""

from collections.abc import Callable
import inspect
from typing import Any

import keras
import tensorflow as tf

from sonnet.src import base

ERR_NOT_CALLABLE = (
    "snt.KerasLayer: `module` must be a Sonnet module or a callable of modules, got {!r}.")
ERR_MODULE_AND_FACTORY = (
    "snt.KerasLayer: pass exactly one of `module` (a module or callable) and `factory` (a "
    "function without arguments returning one), got module={module!r}, factory={factory!r}.")
ERR_NO_CONFIG = (
    "snt.KerasLayer {name}: a layer made from a module object has no Keras config, so "
    "model.save(...)/keras.models.load_model cannot re-create it. Either construct it with "
    "snt.KerasLayer(factory=make_module), where make_module is a function registered with "
    "@keras.saving.register_keras_serializable(), or save only the weights "
    "(model.save_weights('model.weights.h5')) and load them into a newly built model "
    "(model.load_weights(...)), or use tf.train.Checkpoint.")
ERR_NEW_VARIABLES = (
    "snt.KerasLayer {name}: the module created variables after the layer was built ({names}); "
    "Keras tracks only the variables the module creates on its first call, made when the "
    "layer is built. Create every variable on the module's first call.")

# The keyword argument through which Keras's `training=` reaches the module.
IS_TRAINING = "is_training"


def _takes_is_training(fn: Any) -> bool:
  """Whether `fn` (a module or callable) names an `is_training` parameter."""
  if isinstance(fn, base.Module):
    fn = fn._build_function  # noqa: SLF001 (the function the module wraps)
  elif isinstance(fn, base.AbstractModule):
    fn = fn._build  # noqa: SLF001 (a module's call accepts what its _build does)
  try:
    parameters = inspect.signature(fn).parameters
  except (TypeError, ValueError):
    return False
  parameter = parameters.get(IS_TRAINING)
  return parameter is not None and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD,
                                                      parameter.KEYWORD_ONLY)


def _in_structural_order(module: base.AbstractModule) -> list[tf.Variable]:
  """`module.variables` ordered by where they sit in the module's attributes.

  Keras saves and loads a layer's weights by position. Names are no stable order: a module
  re-created in another process, or after other modules, may be `linear_10` where it was
  `linear_9`. The attribute structure of the same construction code is the same.
  """
  found = module._flatten(  # noqa: SLF001 (tf.Module's walk; Sonnet's `variables` uses it)
      predicate=lambda value: isinstance(value, tf.Variable))
  position: dict[int, int] = {}
  for variable in found:
    position.setdefault(id(variable), len(position))
  return sorted(module.variables, key=lambda v: position.get(id(v), len(position)))


def _variable_name(variable: tf.Variable) -> str:
  # Keras variable names cannot contain "/": "mlp/linear_0/w:0" -> "mlp_linear_0_w".
  return variable.name.split(":")[0].replace("/", "_")


# Registered, so that keras.models.load_model finds the class by name.
@keras.saving.register_keras_serializable(package="sonnet")
class KerasLayer(keras.layers.Layer):
  """A Keras 3 layer that runs a Sonnet module, whose variables become the layer's weights.

  ```python
  mlp = snt.nets.MLP([32, 10])
  model = keras.Sequential([keras.Input((784,)), snt.KerasLayer(mlp)])
  model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
  ```

  The layer calls `module(inputs)` (one argument: a tensor or a nested structure). When the
  module's call (or the callable) has an `is_training` parameter, Keras's `training` flag
  is passed as `is_training` (False outside `fit`), so `snt.BatchNorm` updates its moving
  averages during `fit` only (pass `test_local_stats=False` to normalise with them, rather
  than with the batch's statistics, in `evaluate` and `predict`):

  ```python
  bn, mlp = snt.BatchNorm(), snt.nets.MLP([32, 10])
  layer = snt.KerasLayer(
      lambda x, is_training: mlp(bn(x, is_training=is_training, test_local_stats=False)))
  ```

  A callable is wrapped in `snt.Module`, which finds the variables of the modules it calls.
  The module is built (its variables created, by a traced call with `is_training=False`)
  when Keras builds the layer; its trainable and non-trainable variables are then the
  layer's `trainable_weights` and `non_trainable_weights` (the same variables, not copies).
  Variables the module creates on a later call are not tracked (an error says so).

  Saving: `model.save_weights`/`load_weights` and `tf.train.Checkpoint` always work. For
  `model.save("model.keras")` and `keras.models.load_model`, construct the layer with
  `factory=`, a function registered with `@keras.saving.register_keras_serializable()`
  that returns the module; the config stores the factory's name.
  """

  # It tracks the module's variables: Sonnet modules may be first called in its `call`.
  tracks_sonnet_variables = True

  def __init__(self, module: Callable[..., Any] | None = None, *,
               factory: Callable[[], Callable[..., Any]] | None = None, **kwargs: Any):
    """Constructs the layer.

    Args:
      module: a Sonnet module, or a callable (e.g. a lambda) that calls modules.
      factory: instead of `module`: a function without arguments that returns one; makes
        the layer serialisable (`get_config`) when the function is registered with
        `keras.saving.register_keras_serializable`.
      **kwargs: passed to `keras.layers.Layer` (`name`, `trainable`, `dtype`).

    Raises:
      ValueError: unless exactly one of `module` and `factory` is given.
      TypeError: if the module (or what `factory` returns) is not callable.
    """
    super().__init__(**kwargs)
    if (module is None) == (factory is None):
      raise ValueError(ERR_MODULE_AND_FACTORY.format(module=module, factory=factory))
    if factory is not None:
      module = factory()
    if not callable(module):
      raise TypeError(ERR_NOT_CALLABLE.format(module))
    if not isinstance(module, base.AbstractModule):
      # snt.Module records the modules the callable calls, so `variables` finds theirs.
      module = base.Module(module)
    self._factory = factory
    self._module = module
    self._pass_training = _takes_is_training(module)
    # Input specs of the first call (dtypes matter: e.g. integer ids for snt.Embed).
    self._input_specs: Any = None
    self._input_dtypes: list[str] | None = None  # From a saved build config.
    self._snt_variable_ids: frozenset[int] = frozenset()

  @property
  def module(self) -> base.AbstractModule:
    """The wrapped Sonnet module (an `snt.Module` around a callable that was passed)."""
    return self._module

  def __call__(self, *args: Any, **kwargs: Any) -> Any:
    """Calls the layer (Keras's `__call__`), recording the input specs on the first call.

    Args:
      *args: the inputs and Keras's positional arguments.
      **kwargs: Keras's keyword arguments (e.g. `training`).

    Returns:
      The module's outputs.
    """
    if not self.built and args:
      self._input_specs = tf.nest.map_structure(self._spec_of, args[0])
    return super().__call__(*args, **kwargs)

  def _spec_of(self, value: Any) -> tf.TensorSpec | None:
    """The spec the module is built with: any batch size, floats in the compute dtype."""
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is None or dtype is None:
      return None
    dtype = tf.as_dtype(dtype)
    if dtype.is_floating:
      dtype = tf.as_dtype(self.compute_dtype)
    shape = tuple(shape)
    return tf.TensorSpec((None,) + shape[1:] if shape else shape, dtype)

  def _specs_for(self, input_shape: Any) -> Any:
    specs = self._input_specs
    if specs is not None and all(s is not None for s in tf.nest.flatten(specs)):
      return specs
    dtypes = iter(self._input_dtypes or [])
    return keras.tree.map_shape_structure(
        lambda shape: tf.TensorSpec(tuple(shape), next(dtypes, self.compute_dtype)),
        input_shape)

  def build(self, input_shape: Any) -> None:
    """Builds the module (a traced call) and registers its variables as the layer's weights.

    Args:
      input_shape: the inputs' shape (nested like the inputs); the dtypes come from the
        first call (floats in the layer's compute dtype), else the compute dtype.
    """
    specs = self._specs_for(input_shape)
    self._input_specs = specs
    trace = tf.function(lambda inputs: self._call_module(inputs, False), autograph=False)
    with tf.init_scope():
      trace.get_concrete_function(specs)
    variables = _in_structural_order(self._module)
    self._snt_variable_ids = frozenset(id(v) for v in variables)
    # Keras tracks the keras.Variables in this list; each wraps the module's tf.Variable.
    self._snt_weights = [
        keras.Variable(v, shape=v.shape, dtype=v.dtype.base_dtype.name,
                       trainable=v.trainable, name=_variable_name(v))
        for v in variables]

  def _call_module(self, inputs: Any, training: Any) -> Any:
    if self._pass_training:
      return self._module(inputs, **{IS_TRAINING: training})
    return self._module(inputs)

  def call(self, inputs: Any, training: Any = None) -> Any:
    """Runs the module.

    Args:
      inputs: the module's input (a tensor or nested structure).
      training: Keras's training flag, passed as `is_training` to a module that takes it
        (None, outside `fit`, is passed as False).

    Returns:
      The module's outputs.

    Raises:
      RuntimeError: if, while traced, the module creates variables the layer does not track.
    """
    outputs = self._call_module(inputs, False if training is None else training)
    if not tf.executing_eagerly():  # When traced only: listing the variables costs time.
      new = [v.name for v in self._module.variables if id(v) not in self._snt_variable_ids]
      if new:
        raise RuntimeError(ERR_NEW_VARIABLES.format(name=self.name, names=", ".join(new)))
    return outputs

  def get_config(self) -> dict[str, Any]:
    """Returns the layer's config: Keras's, plus the serialised `factory`.

    Returns:
      A JSON-serialisable dict for `from_config`.

    Raises:
      NotImplementedError: if the layer was made from a module object (no `factory`).
    """
    if self._factory is None:
      raise NotImplementedError(ERR_NO_CONFIG.format(name=self.name))
    config = super().get_config()
    config["factory"] = keras.saving.serialize_keras_object(self._factory)
    return config

  @classmethod
  def from_config(cls, config: dict[str, Any]) -> "KerasLayer":
    """Re-creates a layer from `get_config`'s output.

    Args:
      config: the dict `get_config` returned.

    Returns:
      A new layer, whose module the deserialised factory makes.
    """
    config = dict(config)
    factory = keras.saving.deserialize_keras_object(config.pop("factory"))
    return cls(factory=factory, **config)

  def get_build_config(self) -> dict[str, Any]:
    """Keras's build config plus the input dtypes (e.g. integer ids), to rebuild alike.

    Returns:
      A JSON-serialisable dict for `build_from_config`.
    """
    config = super().get_build_config() or {}
    if self._input_specs is not None:
      config["input_dtypes"] = [s.dtype.name for s in tf.nest.flatten(self._input_specs)]
    return config

  def build_from_config(self, config: dict[str, Any]) -> None:
    """Builds the layer from `get_build_config`'s output (as `load_model` does).

    Args:
      config: the dict `get_build_config` returned.
    """
    self._input_dtypes = config.get("input_dtypes")
    super().build_from_config(config)

