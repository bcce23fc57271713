# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Records of module connections: the graph collection `"sonnet"` and connection observers.

In `tf.compat.v1` graph mode, the first connection of a module in a graph adds a
`ModuleInfo` to the graph collection `snt.SONNET_COLLECTION_NAME` (`"sonnet"`), in the
order modules are first connected; its `connected_subgraphs` lists every connection of the
module (the module's own `connected_subgraphs`, kept up to date).

Sonnet 1 serialized these records to protocol buffers in `MetaGraphDef`s. Here a
`ModuleInfo` is a string (a JSON summary: module, scope and class names) that carries the
live record as attributes: `tf.compat.v1.train.export_meta_graph` (and so `Saver.save`)
keeps the JSON text, and an imported graph's collection holds those bytes, not
`ModuleInfo`s.

`snt.observe_connections(observer)` calls `observer(connected_subgraph)` after each
successful connection of any module, in every mode.
"""

import collections
from collections.abc import Callable, Iterator
import contextlib
import inspect
import json
import threading
from typing import Any

import tensorflow as tf

from sonnet.src import errors

SONNET_COLLECTION_NAME = "sonnet"

ERR_NOT_A_PARAMETER = "{key!r} is not a parameter of {build}."


class ModuleInfoError(errors.Error):
  """A module-info record cannot be made or read."""


class SubgraphInputs(collections.namedtuple("SubgraphInputs", ("args", "kwargs"))):
  """The inputs of one connection: the pair `(args, kwargs)`, also indexed by name.

  `inputs.args` and `inputs.kwargs` are what the call received. `inputs["name"]` (and
  `keys()`, `items()`, `as_dict()`) give the arguments bound to the parameters of the
  module's `_build`, defaults included: `*args` as a tuple under its parameter name,
  `**kwargs` as a dict under its own. It equals a dict of those.
  """

  def __new__(cls, args: tuple[Any, ...], kwargs: dict[str, Any],
              build: Callable[..., Any] | None = None):
    """Makes the record.

    Args:
      args: the positional arguments of the call.
      kwargs: the keyword arguments of the call.
      build: the bound `_build` (or method) they were passed to, for access by name.
    """
    inputs = super().__new__(cls, args, kwargs)
    inputs.__dict__["_build"] = build  # A namedtuple subclass: it has a __dict__.
    return inputs

  def as_dict(self) -> dict[str, Any]:
    """The arguments by parameter name of `_build` (`{"args": ..., "kwargs": ...}` if unknown).

    Returns:
      A new dict.
    """
    build = self.__dict__.get("_build")
    if build is not None:
      try:
        bound = inspect.signature(build).bind(*self.args, **self.kwargs)
      except (TypeError, ValueError):
        pass
      else:
        bound.apply_defaults()
        return dict(bound.arguments)
    return {"args": self.args, "kwargs": self.kwargs}

  def keys(self) -> list[str]:
    """The parameter names (see `as_dict`).

    Returns:
      A list of names.
    """
    return list(self.as_dict())

  def items(self) -> list[tuple[str, Any]]:
    """(parameter name, argument) pairs (see `as_dict`).

    Returns:
      A list of pairs.
    """
    return list(self.as_dict().items())

  def __getitem__(self, key: Any) -> Any:
    if isinstance(key, str):
      arguments = self.as_dict()
      if key not in arguments:
        raise KeyError(ERR_NOT_A_PARAMETER.format(key=key, build=self.__dict__.get("_build")))
      return arguments[key]
    return super().__getitem__(key)

  def __eq__(self, other: Any) -> bool:
    if isinstance(other, dict):
      return self.as_dict() == other
    return tuple.__eq__(self, other)

  def __ne__(self, other: Any) -> bool:
    return not self == other

  __hash__ = tuple.__hash__


class ModuleInfo(str):
  """What the `"sonnet"` graph collection holds for a module (see the module docstring).

  Attributes:
    module_name: the module's name.
    scope_name: its scope name.
    class_name: `<module path>.<class name>` of its class.
    connected_subgraphs: its connections in the graph, oldest first (a live list).
  """

  module_name: str
  scope_name: str
  class_name: str
  connected_subgraphs: list

  def __new__(cls, module_name: str, scope_name: str, class_name: str,
              connected_subgraphs: list):
    """Makes the record.

    Args:
      module_name: the module's name.
      scope_name: its scope name.
      class_name: its class's qualified name.
      connected_subgraphs: its (live) list of connections.
    """
    text = json.dumps({"module_name": module_name, "scope_name": scope_name,
                       "class_name": class_name}, sort_keys=True)
    info = super().__new__(cls, text)
    info.module_name = module_name
    info.scope_name = scope_name
    info.class_name = class_name
    info.connected_subgraphs = connected_subgraphs
    return info

  def __reduce__(self) -> tuple[Any, ...]:
    # str's own reduction would call __new__ with the JSON text only (copy, pickle).
    return (type(self), (self.module_name, self.scope_name, self.class_name,
                         self.connected_subgraphs))

  def __repr__(self) -> str:
    return (f"ModuleInfo(module_name={self.module_name!r}, scope_name={self.scope_name!r}, "
            f"class_name={self.class_name!r}, "
            f"connected_subgraphs=<{len(self.connected_subgraphs)}>)")


def register(module: Any, graph: tf.Graph, connected_subgraphs: list) -> None:
  """Adds `module`'s `ModuleInfo` to `graph`'s collection, unless it is there already.

  Args:
    module: the module, connected in `graph` for the first time.
    graph: the graph.
    connected_subgraphs: the module's list of connections (the record shares it).
  """
  collection = graph.get_collection_ref(SONNET_COLLECTION_NAME)
  if any(getattr(info, "connected_subgraphs", None) is connected_subgraphs
         for info in collection):
    return
  cls = type(module)
  collection.append(ModuleInfo(module.module_name, module.scope_name,
                               f"{cls.__module__}.{cls.__qualname__}", connected_subgraphs))


class _Observers(threading.local):

  def __init__(self):
    super().__init__()
    self.stack: list[Callable[[Any], Any]] = []


_observers = _Observers()


def has_observers() -> bool:
  """Whether an `observe_connections` context is active in this thread."""
  return bool(_observers.stack)


def notify(subgraph: Any) -> None:
  """Calls the active observers with `subgraph`, outermost first.

  Args:
    subgraph: the `ConnectedSubGraph` of a connection that just succeeded.
  """
  for observer in list(_observers.stack):
    observer(subgraph)


@contextlib.contextmanager
def observe_connections(observer: Callable[[Any], Any]) -> Iterator[None]:
  """Calls `observer(connected_subgraph)` after every successful module connection inside.

  Sub-modules are reported before the modules that call them. Works in every mode; in
  eager mode the subgraph's `name_scope` is the module's name.

  ```python
  seen = []
  with snt.observe_connections(seen.append):
    mlp(inputs)
  [s.module for s in seen]  # The linear layers, then the MLP.
  ```

  Args:
    observer: a callable taking a `ConnectedSubGraph` (`module`, `name_scope`, `inputs`,
      `outputs`; `inputs["<parameter>"]` gives an argument by name).

  Yields:
    None.
  """
  _observers.stack.append(observer)
  try:
    yield
  finally:
    _observers.stack.remove(observer)
