# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`snt.AbstractModule`, `snt.Module`, `snt.Transposable` and `snt.reuse_variables`.

A module owns its variables: they are created (through `snt.get_variable`) on the first
successful call, with shapes inferred from the inputs, and reused by every later call, in
eager mode, in `tf.function` and in `tf.compat.v1` graph mode alike. Modules are
`tf.Module`s, so `tf.train.Checkpoint`, SavedModel and `tf.distribute` track their
variables and sub-modules.
"""

import abc
import collections
from collections.abc import Callable, Iterator, Sequence
import contextlib
import functools
import inspect
import sys
from typing import Any
import weakref

import tensorflow as tf

from sonnet.src import custom_getters as custom_getters_lib
from sonnet.src import errors
from sonnet.src import mixed_precision
from sonnet.src import module_info
from sonnet.src import module_repr
from sonnet.src import module_state
from sonnet.src import naming
from sonnet.src import types
from sonnet.src import variables as variables_lib

ERR_NOT_INITIALIZED = (
    "{cls}: the module's __init__ did not run AbstractModule.__init__. You may have "
    "forgotten to call super().__init__(name=name) at the start of your __init__ method.")
ERR_INIT_POSITIONAL = (
    "Calling AbstractModule.__init__ without named arguments is not supported.")
ERR_NOT_CONNECTED = (
    "Variables in {scope} not instantiated yet, __call__ the module first.")
ERR_DIFFERENT_GRAPH = (
    "Cannot connect module to multiple Graphs. Module {module} was first connected in "
    "{first} and is now called in {now}.")
ERR_SUBGRAPHS_EAGER = (
    "{module}: connected sub-graphs are not tracked in eager mode (nor inside a tf.function "
    "called eagerly); they are recorded in tf.compat.v1 graph mode only.")
ERR_NAME_SCOPES_EAGER = "{module}: the name_scopes property is not supported in eager mode."
ERR_PICKLE = (
    "Module {module} was connected in a tf.compat.v1 graph: it cannot be pickled or "
    "deep-copied (its variables belong to the graph). Save the variables with "
    "snt.get_saver(module) or tf.train.Checkpoint and restore them into a newly "
    "constructed module, or clone the module (e.g. Linear.clone()).")
ERR_PICKLE_DEFUN = (
    "Module {module} is wrapped with defun: it cannot be pickled or deep-copied.")
ERR_GET_VARIABLES_DEFUN = (
    "`module.get_variables()` relies on TensorFlow collections which are not supported "
    "when your module is wrapped with defun. Instead use `module.trainable_variables` or "
    "`module.variables`.")
ERR_MODULE_NOT_CALLABLE = "Input 'build' must be callable."
ERR_KERAS_TENSOR = (
    "{module}: a Sonnet module cannot be called on a Keras symbolic tensor (keras.Input or "
    "a Keras functional model's tensor). Wrap it in a Keras layer, snt.KerasLayer(module), "
    "which makes the module's variables the layer's weights, so that fit trains them.")
ERR_INSIDE_KERAS_LAYER = (
    "{module}: a Sonnet module is first called inside the `call` of the Keras layer {layer} "
    "({cls}), which does not track its variables: Keras would train none of them (\"The "
    "model does not have any trainable weights\"). Wrap the module in a Keras layer, "
    "snt.KerasLayer(module), and use that layer instead. (A layer that tracks the "
    "module's variables itself can build the module first, by calling it once outside.)")
ERR_REUSE_NOT_METHOD = "reuse_variables can only be used with methods, got {!r}."
ERR_REUSE_NOT_MODULE = (
    "reuse_variables can only decorate methods of Sonnet modules "
    "(snt.AbstractModule); {!r} is not one.")
ERR_REUSE_OBJECT_EAGER = (
    "reuse_variables on a method of {!r}, which is not a Sonnet module but has a "
    "`variable_scope`, is not supported in eager mode (as in Sonnet 1): it works in graph "
    "mode only; in eager mode use a Sonnet module.")

SubgraphInputs = module_info.SubgraphInputs
ConnectedSubGraph = collections.namedtuple("ConnectedSubGraph",
                                           ("module", "name_scope", "inputs", "outputs"))


# Its name before module_state existed: modules pickled then still unpickle.
_ModuleState = module_state.ModuleState


def _state_of(module: "AbstractModule") -> module_state.ModuleState:
  """Returns the module's state; raises `snt.NotInitializedError` if it has none."""
  state = module.__dict__.get(module_state.STATE_ATTRIBUTE)
  if state is None:
    raise errors.NotInitializedError(ERR_NOT_INITIALIZED.format(cls=type(module).__name__))
  return state


def _graph_description(graph: Any) -> str:
  return "eager mode" if graph is naming.EAGER else f"graph {graph!r}"


def _defun_target(module: "AbstractModule", call: Callable[..., Any]) -> Callable[..., Any]:
  """The function `defun()` traces: the module's own `__call__` (a weak reference to it)."""
  module_ref = weakref.ref(module)

  @functools.wraps(call)
  def call_module(*args: Any, **kwargs: Any) -> Any:
    return call(module_ref(), *args, **kwargs)

  return call_module


@variables_lib.not_converted
def _call_through_defun(self: "AbstractModule", *args: Any, **kwargs: Any) -> Any:
  """`__call__` of a module after `defun()`: runs the module's `tf.function`."""
  return _state_of(self).defun(*args, **kwargs)


# The attribute of a module class holding its subclass for modules after `defun()`.
_DEFUN_CLASS_ATTRIBUTE = "_snt_defun_class"


def _defun_class(cls: type) -> type:
  """The subclass of `cls` (same names) whose `__call__` goes through the module's defun.

  Python looks `__call__` up on the class, so `defun()` moves the module to this subclass
  rather than giving every module's call a check: modules without defun pay nothing.
  """
  subclass = cls.__dict__.get(_DEFUN_CLASS_ATTRIBUTE)
  if subclass is None:
    subclass = type(cls)(cls.__name__, (cls,), {
        "__call__": _call_through_defun, "__module__": cls.__module__,
        "__qualname__": cls.__qualname__, "__doc__": cls.__doc__})
    setattr(cls, _DEFUN_CLASS_ATTRIBUTE, subclass)
  return subclass


class AbstractModule(tf.Module, metaclass=abc.ABCMeta):
  """Base class for Sonnet modules.

  Subclasses call `super().__init__(name=name)` first in `__init__`, and implement
  `_build(*args, **kwargs)`, creating variables with `snt.get_variable`. Calling the
  module runs `_build` in the module's scope; variables are created by the first
  successful call and reused by every later one.

  ```python
  class Scale(snt.AbstractModule):
    def __init__(self, name=None):
      super().__init__(name=name)

    def _build(self, inputs):
      scale = snt.get_variable("scale", shape=[inputs.shape[-1]], dtype=inputs.dtype,
                               initializer=snt.initializers.ones)
      return inputs * scale
  ```
  """

  _TF_MODULE_IGNORED_PROPERTIES = frozenset(
      tuple(tf.Module._TF_MODULE_IGNORED_PROPERTIES) +  # noqa: SLF001 (TF's extension point)
      (module_state.STATE_ATTRIBUTE,))

  def __init_subclass__(cls, **kwargs: Any):
    super().__init_subclass__(**kwargs)
    # The outermost constructor call records its arguments, for `repr()` (construction
    # only: calls cost nothing more).
    if "__init__" in cls.__dict__:
      cls.__init__ = module_repr.wrap_init(cls.__dict__["__init__"])  # type: ignore[method-assign]

  def __repr__(self) -> str:
    """`ClassName(<arguments that differ from the defaults>, name='<module_name>')`."""
    state = self.__dict__.get(module_state.STATE_ATTRIBUTE)
    return module_repr.module_repr(self, state.module_name if state is not None else None)

  def __init__(self, *args: Any, name: str | None = None,
               custom_getter: types.CustomGetterArg | None = None):
    """Constructs the module and fixes its scope name.

    Args:
      *args: must be empty: the arguments are keyword-only (as in Sonnet 1, a positional
        argument raises `ValueError`).
      name: the module's name; default (also for `""`): the snake_case of the class name
        (`MLP` -> `mlp`). The scope name is `<enclosing scope>/<name>`, made unique per
        graph.
      custom_getter: a callable `getter(getter, name, *args, **kwargs)` or a dict mapping
        regular expressions (matched against the variable name relative to this module)
        to such callables; applied to every variable this module and its sub-modules get.

    Raises:
      TypeError: if `name` is not a string or `custom_getter` is neither callable nor a
        dict of callables.
      ValueError: if `name` is not a valid Python identifier, or given positional
        arguments.
    """
    if args:
      raise ValueError(ERR_INIT_POSITIONAL)
    if name is None or name == "":  # noqa: PLC1901 (None and "" only, not other falsy names)
      name = naming.camel_to_snake(type(self).__name__)
    naming.validate_name(name)
    graph = naming.outer_graph()
    parent_frame = naming.current_frame()
    parent_state = None
    if parent_frame is not None:
      parent_state = module_state.state_of(parent_frame.module)
    if parent_frame is not None and parent_state is not None and parent_frame.in_call:
      scope_name = naming.call_scope_name(parent_frame, parent_state.permanent_children,
                                          _tf1_scopes_in_call(parent_frame, graph) + name)
    else:
      scope_name = naming.unique_scope_name(naming.enclosing_scope_name(), name, graph)
      if parent_state is not None:
        parent_state.permanent_children.add(scope_name)
    module_name = scope_name.rpartition("/")[2]
    parent_getters: tuple[Any, ...] = ()
    if parent_state is not None:
      parent_getters = parent_state.custom_getters
      if parent_frame is not None and parent_frame.in_call:
        # Sonnet 1: `variable_scope(custom_getter=...)` blocks inside the parent's call.
        parent_getters += custom_getters_lib.scope_getters_above(_is_frame_scope_getter)
    elif parent_frame is None:
      # Sonnet 1: a module built inside `variable_scope(custom_getter=...)` applies it.
      scope_getter = custom_getters_lib.enclosing_scope_getter()
      parent_getters = (scope_getter,) if scope_getter is not None else ()
    getter = custom_getters_lib.normalize_custom_getter(custom_getter, scope_name)
    own_getters = parent_getters + ((getter,) if getter is not None else ())
    if tf.executing_eagerly():
      super().__init__(name=module_name)
    else:
      # tf.Module.__init__ opens a name scope; do it in a throwaway graph so that the
      # user's graph keeps the name free for this module's first connection.
      with tf.Graph().as_default():
        super().__init__(name=module_name)
    self._name_scope = tf.name_scope(scope_name + "/")
    if graph is naming.EAGER:
      naming.hold_eager_name(self, scope_name)
    # The attributes described in module_state's docstring.
    self._snt_state = state = module_state.ModuleState(scope_name, module_name, own_getters)
    if (graph is naming.EAGER and not tf.executing_eagerly() and
        not (parent_frame is not None and parent_frame.in_call)):
      state.made_in_trace = True
    self._custom_getter = custom_getter
    self._snt_submodules: list = []
    first = None
    if parent_frame is not None and parent_state is not None and parent_frame.in_call:
      first = parent_state.claim_call_child(scope_name, self)
    if first is not None:
      # Sonnet 1 semantics: a sub-module rebuilt by a later call of its parent (same
      # scope name) uses the variables of the one the first call built.
      state.adopt(module_state.state_of(first), first)
      self._snt_variables: dict[str, tf.Variable] = module_state.variables_of(first)
    else:
      self._snt_variables = {}
      naming.register_module(self)
      if parent_frame is not None:
        module_state.add_submodule(parent_frame, self)
    build_doc = type(self)._build.__doc__  # noqa: SLF001 (the class's own method)
    if build_doc:
      self.__doc__ = build_doc

  # --- Connection ---------------------------------------------------------------------

  _state = _state_of  # The module's state; raises snt.NotInitializedError if it has none.

  @abc.abstractmethod
  def _build(self, *args: Any, **kwargs: Any) -> Any:
    """Connects the module: computes outputs from inputs, creating variables as needed."""

  @variables_lib.not_converted
  def __call__(self, *args: Any, **kwargs: Any) -> Any:
    """Connects the module to the inputs: runs `_build` in the module's scope.

    Args:
      *args: passed to `_build`.
      **kwargs: passed to `_build`.

    Returns:
      What `_build` returns.

    Raises:
      snt.NotInitializedError: if the subclass did not call `super().__init__()`.
      snt.DifferentGraphError: if the module was connected in another graph before.
    """
    state = self.__dict__.get(module_state.STATE_ATTRIBUTE)
    if state is None:
      state = _state_of(self)  # Raises snt.NotInitializedError.
    if state.is_connected:
      usage = state.tf1_usage
      if (state.graph is naming.EAGER and not usage["used"] and "_build" in usage["probed"]
          and tf.executing_eagerly()):
        return _connect_eager(self, state, args, kwargs)
      return _connect_without_autograph(self, state, args, kwargs)
    with module_state.first_call_lock(self):  # Concurrent first calls: one creates.
      return _connect_without_autograph(self, state, args, kwargs)

  @contextlib.contextmanager
  def _enter_variable_scope(self, reuse: Any = None) -> Iterator[None]:
    """Enters the module's scope, so sub-modules constructed inside it nest under it.

    Use it in `__init__` to build sub-modules: `mlp/linear_0`.

    Args:
      reuse: accepted for Sonnet 1 compatibility and ignored (sharing is automatic).

    Yields:
      None.

    Raises:
      snt.NotInitializedError: if the subclass did not call `super().__init__()`.
      snt.DifferentGraphError: if the module was connected in another graph.
    """
    del reuse
    state = _state_of(self)
    _check_same_graph(state)
    with _connection_scope(self, state, "_build", is_call=False):
      yield

  def _call_eager_cached(self, cache: Any, args: Sequence[Any],
                         kwargs: dict[str, Any]) -> Any:
    """The fast path of a later eager call: `_build`'s work from what an earlier call cached.

    A subclass that stores something in its state's `eager_cache` (from `_build`, at an
    eager call without custom getters or mixed precision) computes here what `_build`
    would compute from it, or declines. It is only called for an eager call of the
    connected module without a mixed-precision policy, outside any frame of its own (so it
    must not create variables or sub-modules). The cache is dropped whenever the module's
    variables or connection change.

    Args:
      cache: the module's `eager_cache`.
      args: the call's positional arguments.
      kwargs: the call's keyword arguments.

    Returns:
      What `_build(*args, **kwargs)` would return, or `NotImplemented` for a call the cache
      does not cover (the call then runs `_build` as usual, which raises its errors).
    """
    del cache, args, kwargs
    return NotImplemented

  # --- Names and status ---------------------------------------------------------------

  @property
  def module_name(self) -> str:
    """The module's name (last component of `scope_name`, after uniquification)."""
    return self._state().module_name

  @property
  def scope_name(self) -> str:
    """The module's full scope name, e.g. `mlp/linear_0`; fixed at construction."""
    return self._state().scope_name

  @property
  def is_connected(self) -> bool:
    """Whether the module (or a method decorated with `snt.reuse_variables`) succeeded once."""
    state = self._state()
    return state.is_connected or state.method_connected

  @property
  def graph(self) -> tf.Graph | None:
    """The `tf.Graph` the module was connected in; None in eager mode or before."""
    graph = self._state().graph
    return None if graph is naming.EAGER else graph

  @property
  def _graph(self) -> tf.Graph | None:
    """Sonnet 1's private name for `graph`, which code written for Sonnet 1 reads."""
    return self.graph

  @property
  def variable_scope(self) -> tf.compat.v1.VariableScope:
    """Sonnet 1 compatibility: a `tf.compat.v1.VariableScope` named `scope_name`.

    For scope look-ups such as `snt.get_variables_in_scope(module.variable_scope)` or
    `snt.get_saver(module.variable_scope)`. (Variables made by `snt.get_variable` are not in
    TensorFlow's TF1 variable store: `tf.compat.v1.get_variable(..., reuse=True)` inside
    this scope does not find them.)

    Raises:
      snt.NotConnectedError: before the first successful call.
    """
    self._ensure_is_connected()
    return tf.compat.v1.VariableScope(reuse=tf.compat.v1.AUTO_REUSE, name=self.scope_name)

  def _ensure_is_connected(self) -> None:
    """Raises `snt.NotConnectedError` unless the module has been connected.

    Raises:
      snt.NotConnectedError: before the first successful call.
    """
    state = self._state()
    if not (state.is_connected or state.method_connected):
      raise errors.NotConnectedError(ERR_NOT_CONNECTED.format(scope=self.scope_name))

  def _check_subgraphs_supported(self, message: str = ERR_SUBGRAPHS_EAGER
                                  ) -> module_state.ModuleState:
    state = self._state()
    eager = (state.graph is naming.EAGER or
             (state.graph is None and naming.outer_graph() is naming.EAGER))
    if eager:
      raise errors.NotSupportedError(message.format(module=self.module_name))
    return state

  @property
  def connected_subgraphs(self) -> tuple[ConnectedSubGraph, ...]:
    """Graph mode only: one `ConnectedSubGraph` per connection, oldest first.

    Raises:
      snt.NotSupportedError: in eager mode.
    """
    return tuple(self._check_subgraphs_supported().connected_subgraphs)

  @property
  def last_connected_subgraph(self) -> ConnectedSubGraph:
    """Graph mode only: the `ConnectedSubGraph` of the latest connection.

    Raises:
      snt.NotSupportedError: in eager mode.
      snt.NotConnectedError: before the first connection.
    """
    state = self._check_subgraphs_supported()
    if not state.connected_subgraphs:
      raise errors.NotConnectedError(ERR_NOT_CONNECTED.format(scope=self.scope_name))
    return state.connected_subgraphs[-1]

  @property
  def name_scopes(self) -> tuple[str, ...]:
    """Graph mode only: the name scope of each connection.

    Raises:
      snt.NotSupportedError: in eager mode.
    """
    state = self._check_subgraphs_supported(ERR_NAME_SCOPES_EAGER)
    return tuple(s.name_scope for s in state.connected_subgraphs)

  @classmethod
  def get_possible_initializer_keys(cls, **unused_kwargs: Any) -> set:
    """Returns the keys the `initializers` (etc.) dicts of this class accept.

    Returns:
      `cls.POSSIBLE_INITIALIZER_KEYS`, or an empty set.
    """
    return set(getattr(cls, "POSSIBLE_INITIALIZER_KEYS", set()))

  # --- Variables ----------------------------------------------------------------------

  def _all_modules(self) -> list:
    return [self] + [m for m in self.submodules if isinstance(m, tf.Module)]

  def _used_variables(self, predicate: Callable[[Any], bool]) -> tuple[tf.Variable, ...]:
    self._state()  # NotInitializedError if super().__init__() did not run.
    seen, found = set(), []
    candidates = self._flatten(
        predicate=lambda v: isinstance(v, tf.Variable) or _is_partitioned(v))
    for candidate in candidates:
      parts = list(candidate) if _is_partitioned(candidate) else [candidate]
      for variable in parts:
        if id(variable) not in seen and predicate(variable):
          seen.add(id(variable))
          found.append(variable)
    return tuple(sorted(found, key=lambda v: v.name))

  @property
  def variables(self) -> tuple[tf.Variable, ...]:
    """Every variable this module uses: its own, its sub-modules' and those of modules
    passed in at construction; no duplicates, sorted by name.

    Raises:
      snt.NotConnectedError: under TF1 behaviour, before the first successful call (see
        `_check_variables_readable`).
    """
    self._check_variables_readable()
    return self._used_variables(lambda v: True)

  @property
  def trainable_variables(self) -> tuple[tf.Variable, ...]:
    """The trainable ones of `variables`.

    Raises:
      snt.NotConnectedError: under TF1 behaviour, before the first successful call (see
        `_check_variables_readable`).
    """
    self._check_variables_readable()
    return self._used_variables(lambda v: v.trainable)

  @property
  def non_trainable_variables(self) -> tuple[tf.Variable, ...]:
    """The non-trainable ones of `variables`.

    Raises:
      snt.NotConnectedError: under TF1 behaviour, before the first successful call (see
        `_check_variables_readable`).
    """
    self._check_variables_readable()
    return self._used_variables(lambda v: not v.trainable)

  def _check_variables_readable(self) -> None:
    """Sonnet 1's refusal to list the variables of a module never connected (TF1 only).

    Under TF1 behaviour (`tf.compat.v1.disable_v2_behavior()`), as in Sonnet 1, reading
    `variables` (or `trainable_variables`, `non_trainable_variables`) before the first
    successful call raises. Under TensorFlow 2 behaviour they are `tf.Module`'s lists
    (empty before the first call, unless sub-modules or a trainable initial state made
    variables), as Keras and other TensorFlow 2 code expect.

    Raises:
      snt.NotConnectedError: under TF1 behaviour, before the first successful call.
    """
    state = self._state()
    if not (state.is_connected or state.method_connected) and module_state.tf1_behaviour():
      raise errors.NotConnectedError(ERR_NOT_CONNECTED.format(scope=self.scope_name))

  @property
  def _all_variables(self) -> tuple[tf.Variable, ...]:
    """Sonnet 1's private name for what `variables` lists; empty before the first call."""
    if not self.is_connected:
      return ()
    return self._used_variables(lambda v: True)

  def get_variables(self, collection: str = tf.compat.v1.GraphKeys.TRAINABLE_VARIABLES
                    ) -> tuple[tf.Variable, ...]:
    """Returns the variables created under this module's scope (Sonnet 1 semantics).

    Sub-modules built inside this module count; modules passed in at construction do not
    (use `variables` for everything the module uses). In graph mode the graph collection
    is filtered by the scope prefix; in eager mode the variables the modules recorded are.

    Args:
      collection: `TRAINABLE_VARIABLES` (default), `GLOBAL_VARIABLES`, or another graph
        collection name (in eager mode, `LOCAL_VARIABLES` and other names select nothing).

    Returns:
      A tuple of variables, sorted by name.

    Raises:
      snt.NotConnectedError: before the first successful call.
      snt.NotSupportedError: in eager mode, after `defun()` (as in Sonnet 1).
    """
    self._ensure_is_connected()
    # Imported here: variable_utils builds on this module.
    from sonnet.src import variable_utils
    state = self._state()
    if state.defun is not None and tf.executing_eagerly():
      raise errors.NotSupportedError(ERR_GET_VARIABLES_DEFUN)
    if state.graph is not None and state.graph is not naming.EAGER:
      with state.graph.as_default():
        return variable_utils.get_variables_in_scope(self.scope_name, collection)
    return variable_utils.get_variables_in_scope(self.scope_name, collection)

  def get_all_variables(self, collection: str = tf.compat.v1.GraphKeys.TRAINABLE_VARIABLES
                        ) -> tuple[tf.Variable, ...]:
    """Returns every variable the module uses that is in `collection` (Sonnet 1 semantics).

    Unlike `get_variables`, this includes the variables of modules passed in at
    construction (the ones `variables` lists). In graph mode membership is read from the
    graph collection, and so it is in eager mode under TF1 behaviour
    (`tf.compat.v1.disable_v2_behavior()`, which puts eager variables in the default
    graph's collections); in eager mode under TensorFlow 2 behaviour `TRAINABLE_VARIABLES`
    selects the trainable ones, `GLOBAL_VARIABLES` all of them and other collection names
    none.

    Args:
      collection: a graph collection name; default `TRAINABLE_VARIABLES`.

    Returns:
      A tuple of variables, sorted by name.

    Raises:
      snt.NotConnectedError: before the first successful call (as in Sonnet 1).
    """
    state = self._state()
    self._ensure_is_connected()
    used = self.variables
    if state.graph is not None and state.graph is not naming.EAGER:
      members = {id(v) for v in state.graph.get_collection(collection)}
      return tuple(v for v in used if id(v) in members)
    if module_state.tf1_behaviour():  # Eager variables are in the default graph's too.
      with tf.init_scope():
        members = {id(v) for v in tf.compat.v1.get_collection(collection)}
      return tuple(v for v in used if id(v) in members)
    if collection == tf.compat.v1.GraphKeys.GLOBAL_VARIABLES:
      return used
    if collection == tf.compat.v1.GraphKeys.TRAINABLE_VARIABLES:
      return tuple(v for v in used if v.trainable)
    return ()

  # --- defun -------------------------------------------------------------------------

  def defun(self) -> None:
    """Makes every later call of the module go through a `tf.function` (Sonnet 1's `defun`).

    The function is traced (running `_build`) for each new input signature and replayed
    otherwise, in eager mode and in graph mode alike; `tf.function`'s `autograph` is off,
    as with Sonnet 1's defun. Calling it again does nothing; it cannot be undone. In eager
    mode `get_variables()` then raises `snt.NotSupportedError` (use `variables`).

    Raises:
      snt.NotInitializedError: if the subclass did not call `super().__init__()`.
    """
    state = _state_of(self)
    if state.defun is not None:
      return
    cls = type(self)
    state.defun = tf.function(_defun_target(self, cls.__call__), autograph=False)
    object.__setattr__(self, "__class__", _defun_class(cls))

  @property
  def defun_wrapped(self) -> bool:
    """Whether `defun()` wrapped the module's calls in a `tf.function`."""
    return self._state().defun is not None

  # --- Serialization ------------------------------------------------------------------

  def __getstate__(self) -> dict[str, Any]:
    """Pickle / `copy.deepcopy` support, eager mode only (trusted data only!).

    A copy has new variables with the same names, values and devices. Unpickling runs
    arbitrary code: only unpickle bytes you trust; checkpoints are the safe format.

    Raises:
      snt.NotSupportedError: for a module connected in a `tf.compat.v1` graph, or wrapped
        with `defun()`.
    """
    state = self.__dict__.get(module_state.STATE_ATTRIBUTE)
    if state is not None and state.graph is not None and state.graph is not naming.EAGER:
      raise errors.NotSupportedError(ERR_PICKLE.format(module=state.scope_name))
    if state is not None and state.defun is not None:
      raise errors.NotSupportedError(ERR_PICKLE_DEFUN.format(module=state.scope_name))
    return self.__dict__.copy()

  def __setstate__(self, state: dict[str, Any]) -> None:
    self.__dict__.update(state)
    key = module_state.STATE_ATTRIBUTE
    if key in state and state[key].canonical is None:
      naming.register_module(self)


def _connect(module: AbstractModule, state: module_state.ModuleState, args: Sequence[Any],
             kwargs: dict[str, Any]) -> Any:
  """`AbstractModule.__call__`'s work: runs `_build` in the module's scope."""
  graph = _check_same_graph(state)  # Found once: inside a trace, a look-up costs.
  module_state.record_use(module, state)
  compute_dtype = mixed_precision.compute_dtype()
  if compute_dtype is not None:  # Mixed precision: floating inputs in the compute dtype.
    args, kwargs = mixed_precision.cast_inputs(tuple(args), kwargs, compute_dtype)
  # Eager ops have no names: skip the name scope there (it costs time on every call).
  op_scope = (contextlib.nullcontext() if tf.executing_eagerly()
              else tf.name_scope(state.module_name))
  # A failed first call also takes back the attributes it set (e.g. `module._w`).
  before = None if state.is_connected else module_state.attribute_snapshot(module)
  if before is not None and "keras" in sys.modules:
    _check_not_first_called_in_keras_layer(module)
  build = module._build  # noqa: SLF001 (the module's own method, called by its __call__)
  with _connection_scope(module, state, "_build", graph=graph) as frame, \
      op_scope as name_scope:
    outputs = _call_and_undo_on_error(module, frame, build, args, kwargs, before)
  if before is not None:  # Undone, as the variables, if an enclosing call fails.
    module_state.record_first_connection(module, state.graph, before)
  if state.graph is None:
    state.graph = graph
  state.is_connected = True
  in_graph = (state.graph is not naming.EAGER and
              tf.compat.v1.get_default_graph() is state.graph)
  if in_graph or module_info.has_observers():
    subgraph = ConnectedSubGraph(
        module, state.module_name if name_scope is None else name_scope.rstrip("/"),
        SubgraphInputs(tuple(args), kwargs, build), outputs)
    if in_graph:
      if not state.connected_subgraphs:  # The first connection in this graph.
        module_info.register(module, state.graph, state.connected_subgraphs)
      state.connected_subgraphs.append(subgraph)
    module_info.notify(subgraph)
  return outputs


# `_connect` in AutoGraph's disabled context: code traced by `_build` (a `tf.function` or
# Keras layer it calls) is not converted, as the module's own code is not.
_connect_without_autograph = tf.autograph.experimental.do_not_convert(_connect)


def _connect_eager(module: AbstractModule, state: module_state.ModuleState,
                   args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
  """`_connect` for a later eager call of a module connected eagerly (the fast path).

  Does what `_connect` does for such a call, minus what cannot apply there: the graph
  check (eager both times), the name scope, the TF1 variable scope (`_build` used no
  `tf.compat.v1.get_variable`), the attribute snapshot (not a first call) and the
  connected-subgraph list (graph mode only). Nothing is traced, so AutoGraph's context
  is left alone. Without mixed precision, a module whose class cached what its later
  calls need (`state.eager_cache`) computes from that, without `_build` and its frame
  (see `AbstractModule._call_eager_cached`).
  """
  if naming.frames():
    module_state.record_use(module, state)
  compute_dtype = mixed_precision.compute_dtype()
  if compute_dtype is not None:  # Mixed precision: floating inputs in the compute dtype.
    args, kwargs = mixed_precision.cast_inputs(tuple(args), kwargs, compute_dtype)
  else:
    cache = state.eager_cache
    if cache is not None:
      outputs = module._call_eager_cached(cache, args, kwargs)  # noqa: SLF001 (its own hook)
      if outputs is not NotImplemented:
        if module_info.has_observers():
          module_info.notify(ConnectedSubGraph(
              module, state.module_name,
              SubgraphInputs(tuple(args), kwargs, module._build),  # noqa: SLF001 (as below)
              outputs))
        return outputs
  build = module._build  # noqa: SLF001 (the module's own method, called by its __call__)
  frame = naming.enter_frame(module, "_build", True)
  try:
    outputs = build(*args, **kwargs)
  except BaseException as error:
    _undo_failed_call(module, frame, args, kwargs, None, error)
    raise
  finally:
    naming.exit_frame(frame)
  if module_info.has_observers():
    module_info.notify(ConnectedSubGraph(
        module, state.module_name, SubgraphInputs(tuple(args), kwargs, build), outputs))
  return outputs


def _check_same_graph(state: module_state.ModuleState) -> Any:
  """Returns `naming.outer_graph()`, the graph the module is called in.

  Raises:
    snt.DifferentGraphError: if the module was connected in another graph.
  """
  graph = naming.outer_graph()
  if state.graph is None:
    return graph
  if graph is not state.graph:
    raise errors.DifferentGraphError(ERR_DIFFERENT_GRAPH.format(
        module=state.scope_name, first=_graph_description(state.graph),
        now=_graph_description(graph)))
  return graph


@contextlib.contextmanager
def _connection_scope(module: AbstractModule, state: module_state.ModuleState, owner: str,
                      is_call: bool = True, graph: Any = None) -> Iterator[naming.Frame]:
  """Pushes `module` on the module stack (and its TF1 variable scope in graph mode).

  `graph` is `naming.outer_graph()` if the caller has it.
  """
  with naming.push_frame(module, owner, is_call) as frame:
    if graph is None:
      graph = naming.outer_graph()
    in_tf1_graph = graph is not naming.EAGER and tf.compat.v1.get_default_graph() is graph
    usage = state.tf1_usage
    # Sonnet 1 code calling tf.compat.v1.get_variable inside _build keeps working: in a
    # TF1 graph through TF's variable store, elsewhere through snt.get_variable's. Outside
    # a TF1 graph the scope costs time, so it is only entered on a method's first
    # successful call and, if that used tf.compat.v1.get_variable, on every call.
    if in_tf1_graph or usage["used"] or owner not in usage["probed"]:
      tf1_scope = tf.compat.v1.VariableScope(
          reuse=tf.compat.v1.AUTO_REUSE, name=state.scope_name)
      getter = functools.partial(variables_lib.record_tf1_variable, frame, in_tf1_graph)
      with tf.compat.v1.variable_scope(tf1_scope, custom_getter=getter,
                                       auxiliary_name_scope=False):
        yield frame
      if is_call:
        usage["probed"].add(owner)
    else:
      yield frame


def _tf1_scopes_in_call(frame: naming.Frame, graph: Any) -> str:
  """`a/b/` for `variable_scope("a")` and `("b")` blocks opened in a call, else "".

  In a TF1 graph a module's call runs in its variable scope (`_connection_scope`), so
  blocks the call's code opens extend that scope; Sonnet 1 nested modules constructed
  in them under the blocks' names (`parent/a/b/linear`).
  """
  if graph is naming.EAGER or tf.compat.v1.get_default_graph() is not graph:
    return ""
  prefix = frame.module.scope_name + "/"
  current = tf.compat.v1.get_variable_scope().name
  return current[len(prefix):] + "/" if current.startswith(prefix) else ""


def _is_frame_scope_getter(getter: Any) -> bool:
  """Whether `getter` is the TF1 scope getter `_connection_scope` gives a module's call."""
  return (isinstance(getter, functools.partial) and
          getter.func is variables_lib.record_tf1_variable)


def _call_and_undo_on_error(module: AbstractModule, frame: naming.Frame,
                            fn: Callable[..., Any], args: Sequence[Any],
                            kwargs: dict[str, Any],
                            attributes: dict[str, Any] | None = None) -> Any:
  """Calls `fn`; if it raises, takes back what the call created (and `attributes`)."""
  try:
    return fn(*args, **kwargs)
  except BaseException as error:
    _undo_failed_call(module, frame, args, kwargs, attributes, error)
    raise


def _undo_failed_call(module: AbstractModule, frame: naming.Frame, args: Sequence[Any],
                      kwargs: dict[str, Any], attributes: dict[str, Any] | None,
                      error: BaseException) -> None:
  """Takes back what a failed call created; the caller then re-raises `error`.

  Raises:
    _KerasTensorInputError: from `error`, if the call's inputs hold a Keras symbolic
      tensor (and `error` is not already that error).
  """
  module_state.undo_creations(frame.created)
  frame.created.clear()
  if attributes is not None:
    module_state.restore_attributes(module, attributes)
  # Checked only once the call failed: the successful call path stays as fast.
  if not isinstance(error, _KerasTensorInputError) and _has_keras_tensor((args, kwargs)):
    raise _KerasTensorInputError(
        ERR_KERAS_TENSOR.format(module=module.scope_name)) from error


class _KerasTensorInputError(ValueError):
  """A module was called on a Keras symbolic tensor (raised once, by the innermost call)."""


def _has_keras_tensor(structure: Any) -> bool:
  """Whether `structure` holds a Keras 3 symbolic tensor (without importing Keras)."""
  try:
    leaves = tf.nest.flatten(structure)
  except (TypeError, ValueError):
    return False
  return any(type(leaf).__name__ == "KerasTensor" and
             type(leaf).__module__.startswith("keras") for leaf in leaves)


# How far up the stack a first call looks for the `call` of a Keras layer.
_KERAS_FRAMES_SEARCHED = 64


def _check_not_first_called_in_keras_layer(module: AbstractModule) -> None:
  """Refuses a first call inside a Keras layer's `call` that would not track the variables.

  Keras 3 tracks only its own variables: a Sonnet module held by a `keras.Model` subclass
  (or called from a `keras.layers.Lambda`) trains nothing, with only a warning from Keras.
  Runs on a module's first call only, so later calls cost nothing. The innermost Keras
  layer on the stack decides: `snt.KerasLayer` (which tracks the variables) is fine.

  Raises:
    ValueError: if the innermost Keras layer on the stack is in its `call` and is not an
      `snt.KerasLayer`.
  """
  layer_class = getattr(getattr(sys.modules["keras"], "layers", None), "Layer", None)
  if layer_class is None:
    return
  frame: Any = sys._getframe(2)  # noqa: SLF001 (the stack, read on a first call only)
  for _ in range(_KERAS_FRAMES_SEARCHED):
    if frame is None:
      return
    # An enclosing module's first call (its `_connect` holds an attribute snapshot, `before`)
    # checked the stack above it: the rest of the search would find what that one found.
    if frame.f_code is _connect.__code__ and frame.f_locals.get("before") is not None:
      return
    owner = frame.f_locals.get("self")
    if isinstance(owner, layer_class):
      if getattr(owner, "tracks_sonnet_variables", False) or frame.f_code.co_name != "call":
        return
      raise ValueError(ERR_INSIDE_KERAS_LAYER.format(
          module=module.scope_name, layer=getattr(owner, "name", "?"),
          cls=type(owner).__name__))
    frame = frame.f_back


def _is_partitioned(value: Any) -> bool:  # tf.compat.v1 has no public class for it.
  return type(value).__name__ == "PartitionedVariable"


class Module(AbstractModule):
  """Turns a function into a module whose variables are shared across calls.

  ```python
  def build(inputs):
    w = snt.get_variable("w", shape=[inputs.shape[-1], 3])
    return tf.matmul(inputs, w)
  module = snt.Module(build)
  ```
  """

  def __init__(self, build: Callable[..., Any], *, name: str | None = None,
               custom_getter: types.CustomGetterArg | None = None):
    """Constructs the module.

    Args:
      build: the function; variables created inside it with `snt.get_variable` (or
        `tf.compat.v1.get_variable` in graph mode) belong to the module.
      name: the module's name; default: the function's name (`module` for lambdas).
      custom_getter: as for `AbstractModule`.

    Raises:
      TypeError: if `build` is not callable.
    """
    if name is None:
      name = _name_for_callable(build)
    super().__init__(name=name, custom_getter=custom_getter)
    if not callable(build):
      raise TypeError(ERR_MODULE_NOT_CALLABLE)
    self._build_function = build
    doc = getattr(build, "__doc__", None)
    if doc:
      self.__doc__ = doc

  def _build(self, *args: Any, **kwargs: Any) -> Any:
    return self._build_function(*args, **kwargs)


def _name_for_callable(build: Any) -> str:
  while isinstance(build, functools.partial):
    build = build.func
  name = getattr(build, "__name__", None)
  # Leading underscores dropped, as Sonnet 1 (`_build` -> `build`): a graph's root name
  # scope cannot start with one.
  name = name.lstrip("_") if isinstance(name, str) else None
  if not name or not name.isidentifier():
    return "module"
  return naming.camel_to_snake(name)


class Transposable(metaclass=abc.ABCMeta):
  """Interface of modules that can build their transpose (`Linear`, `MLP`, ...).

  Sizes the transpose needs from the original (e.g. its input size) are passed as
  callables evaluated when the transposed module is first connected; connecting it before
  the original raises `snt.NotConnectedError` (or `snt.ParentNotBuiltError`).
  """

  @abc.abstractmethod
  def transpose(self, name: str | None = None) -> AbstractModule:
    """Returns the transposed module (its variables are not shared with this one)."""

  @property
  @abc.abstractmethod
  def input_shape(self) -> tuple[int | None, ...]:
    """The shape of the input the module was first connected to."""


def reuse_variables(method: Callable[..., Any]) -> Callable[..., Any]:
  """Lets any method of a module create variables on its first call and reuse them later.

  Inside the decorated method `snt.get_variable` creates variables in the module's scope
  (`<scope_name>/<name>`), owned by that method, in eager mode, `tf.function` and graph
  mode alike. Ops are created in the name scope `<module_name>/<method name>`.

  As in Sonnet 1, it also decorates a method of any object with a `variable_scope`
  attribute (a `tf.compat.v1.VariableScope`), in graph mode: the method's first call in a
  graph creates its variables in that scope, later calls reuse them.

  Args:
    method: a method of an `snt.AbstractModule` subclass, or of an object with a
      `variable_scope` (first argument `self`).

  Returns:
    The wrapped method (same name, docstring and signature).

  Raises:
    TypeError: if `method` does not take `self` first; at call time if `self` is neither
      a Sonnet module nor has a `variable_scope`.
    ValueError: at call time in eager mode, if `self` is not a Sonnet module.
  """
  params = list(inspect.signature(method).parameters)
  if not params or params[0] != "self":
    raise TypeError(ERR_REUSE_NOT_METHOD.format(method))
  method_name = method.__name__.lstrip("_") or "method"

  @functools.wraps(method)
  @tf.autograph.experimental.do_not_convert
  def wrapper(self, *args, **kwargs):
    if not isinstance(self, AbstractModule):
      return _call_in_object_variable_scope(self, method, method_name, args, kwargs)
    state = _state_of(self)
    if method.__name__ in state.tf1_usage["probed"]:
      return _call_method(self, state, method, method_name, args, kwargs)
    with module_state.first_call_lock(self):  # Concurrent first calls: one creates.
      return _call_method(self, state, method, method_name, args, kwargs)

  return wrapper


def _call_method(module: AbstractModule, state: module_state.ModuleState,
                 method: Callable[..., Any], method_name: str, args: Sequence[Any],
                 kwargs: dict[str, Any]) -> Any:
  """`reuse_variables`' work: runs `method` in the module's scope."""
  graph = _check_same_graph(state)
  module_state.record_use(module, state)
  with _connection_scope(module, state, method.__name__, graph=graph) as frame:
    with tf.name_scope(state.module_name), tf.name_scope(method_name) as name_scope:
      outputs = _call_and_undo_on_error(module, frame, method, (module,) + tuple(args),
                                        kwargs)
  previous_graph = state.graph
  if state.graph is None:
    state.graph = graph
  _record_method_connection(module, state, previous_graph, method, name_scope, args, kwargs,
                            outputs)
  return outputs


def _record_method_connection(module: AbstractModule, state: module_state.ModuleState,
                              previous_graph: Any, method: Callable[..., Any],
                              name_scope: str, args: Sequence[Any], kwargs: dict[str, Any],
                              outputs: Any) -> None:
  """As Sonnet 1: a `reuse_variables` method's call connects the module and is recorded.

  The module becomes connected (if it was not); in graph mode the call is appended to
  `connected_subgraphs` (name scope `<module name>/<method name>/`, inputs by the method's
  parameter names), and `observe_connections` observers see it in every mode.
  """
  if not (state.is_connected or state.method_connected):
    module_state.record_first_method_connection(module, previous_graph)
  in_graph = (state.graph is not naming.EAGER and
              tf.compat.v1.get_default_graph() is state.graph)
  if not in_graph and not module_info.has_observers():
    return
  subgraph = ConnectedSubGraph(
      module, name_scope, SubgraphInputs(tuple(args), kwargs, method.__get__(module)),
      outputs)
  if in_graph:
    if not state.connected_subgraphs:  # The first connection in this graph.
      module_info.register(module, state.graph, state.connected_subgraphs)
    state.connected_subgraphs.append(subgraph)
  module_info.notify(subgraph)


# graph -> {(variable scope name, method name)} of the object methods decorated with
# reuse_variables that have run in that graph (their later calls reuse the variables).
_object_methods_run: "weakref.WeakKeyDictionary[Any, set[tuple[str, str]]]" = (
    weakref.WeakKeyDictionary())


def _call_in_object_variable_scope(obj: Any, method: Callable[..., Any], method_name: str,
                                   args: Any, kwargs: Any) -> Any:
  """`reuse_variables` on an object that is not a module but has a `variable_scope`.

  As Sonnet 1: in graph mode, the first call of the method in a graph creates its
  variables in `obj.variable_scope` (a `tf.compat.v1.VariableScope`); later calls reuse
  them. As in Sonnet 1, ops go into the name scope `<current name scope>/<scope name>/<method
  name>` (the method's part made unique): `outer/scope1/add_b`, then `outer/scope1/add_b_1`.
  """
  scope = getattr(obj, "variable_scope", None)
  if not isinstance(scope, tf.compat.v1.VariableScope):
    raise TypeError(ERR_REUSE_NOT_MODULE.format(obj))
  if tf.executing_eagerly():
    raise ValueError(ERR_REUSE_OBJECT_EAGER.format(obj))
  graph = tf.compat.v1.get_default_graph()
  key = (scope.name, method.__name__)
  run = _object_methods_run.setdefault(graph, set())
  with tf.compat.v1.variable_scope(scope, reuse=True if key in run else None,
                                   auxiliary_name_scope=False):
    current = graph.get_name_scope()
    object_scope = f"{current}/{scope.name}/" if current else f"{scope.name}/"
    with tf.name_scope(object_scope), tf.name_scope(method_name):
      outputs = method(obj, *args, **kwargs)
  run.add(key)
  return outputs
