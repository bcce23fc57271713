# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`Sequential` (a chain of callables) and `Residual` (`module(x) + x`)."""

from collections.abc import Callable, Iterable
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base

ERR_NOT_CALLABLE = "Items {indices} not callable with types: {types}"
WARN_GET_VARIABLES = (
    "Calling Sequential.get_variables, which will always return an empty tuple. "
    "get_variables() can only return variables created directly by a Module, or created by "
    "submodules directly created inside the Module. Sequential is constructed from already "
    "constructed submodules and so this will always be empty. Use get_all_variables() or the "
    "`variables` property instead.")


class Sequential(base.AbstractModule):
  """Calls its layers one after the other: `layers[-1](...(layers[0](*args)))`.

  A layer that returns a tuple has it splatted into the next layer's positional arguments
  (so layers can take and return several values). With no layers the module is the
  identity (one argument is returned as is, several as a tuple).

  ```python
  mlp = snt.Sequential([snt.Linear(10), tf.nn.relu, snt.Linear(2)])
  ```

  Args:
    layers: an iterable of callables (modules, functions); copied to a tuple.
    name: module name (default "sequential").

  Raises:
    TypeError: if `layers` is not iterable (Python's own error, as Sonnet 1) or an item is
      not callable.
  """

  def __init__(self, layers: Iterable[Callable[..., Any]], name: str = "sequential"):
    super().__init__(name=name)
    layers = tuple(layers)
    bad = [i for i, layer in enumerate(layers) if not callable(layer)]
    if bad:
      raise TypeError(ERR_NOT_CALLABLE.format(
          indices=", ".join(str(i) for i in bad),
          types=", ".join(type(layers[i]).__name__ for i in bad)))
    self._layers = layers

  def _build(self, *args: Any) -> Any:
    """Feeds `args` through the layers.

    Args:
      *args: the first layer's positional arguments.

    Returns:
      The last layer's output.
    """
    if not self._layers:
      return args[0] if len(args) == 1 else args
    net = args
    for layer in self._layers:
      net = layer(*net) if isinstance(net, tuple) else layer(net)
    return net

  @property
  def layers(self) -> tuple[Callable[..., Any], ...]:
    """The layers, as a tuple."""
    return self._layers

  def get_variables(self, collection: str = tf.compat.v1.GraphKeys.TRAINABLE_VARIABLES
                    ) -> tuple[tf.Variable, ...]:
    """As `snt.AbstractModule.get_variables`, with a warning: always empty for Sequential.

    The layers are built outside the Sequential, so none of their variables is in its scope
    (Sonnet 1 logged the same warning through `tf.compat.v1.logging`).

    Args:
      collection: the collection to look in.

    Returns:
      The variables in the module's own scope (none).

    Raises:
      snt.NotConnectedError: before the first successful call.
    """
    tf.compat.v1.logging.warning(WARN_GET_VARIABLES)
    return super().get_variables(collection)


class Residual(base.AbstractModule):
  """Adds the input to the output of a module: `base_module(inputs, **kwargs) + inputs`.

  Inputs and outputs may be matching nested structures (added leaf by leaf).

  Args:
    base_module: the module (or callable) to wrap.
    name: module name (default "residual").

  Raises:
    TypeError: if `base_module` is not callable.
  """

  def __init__(self, base_module: Callable[..., Any], name: str = "residual"):
    super().__init__(name=name)
    self._base_module = argument_checks.check_callable(self.module_name, "base_module",
                                                       base_module)

  def _build(self, inputs: Any, **kwargs: Any) -> Any:
    """Returns `base_module(inputs, **kwargs) + inputs`.

    Args:
      inputs: a tensor or nested structure.
      **kwargs: passed on to the base module.

    Returns:
      The sum, with the structure of `inputs`.

    Raises:
      ValueError / TypeError: if the output's structure differs from the input's.
    """
    outputs = self._base_module(inputs, **kwargs)
    return tf.nest.map_structure(lambda x, y: x + y, inputs, outputs)

  @property
  def base_module(self) -> Callable[..., Any]:
    """The wrapped module."""
    return self._base_module
