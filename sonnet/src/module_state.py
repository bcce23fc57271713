# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""The bookkeeping of a Sonnet module, and how a failed call is undone.

`snt.AbstractModule.__init__` gives every module three attributes:

* `_snt_state`: a `ModuleState` (scope name, graph, variable owners and specs,
  regularizers, ...), kept out of checkpoints and SavedModels;
* `_snt_variables`: a dict variable key -> variable, tracked by TensorFlow (its name is part
  of every checkpoint key, e.g. `model/_snt_variables/w/.ATTRIBUTES/VARIABLE_VALUE`);
* `_snt_submodules`: a list of the sub-modules the module built or used, tracked likewise.

`base` (the module class) and `variables` (`snt.get_variable`) share this state only
through the functions and `ModuleState` methods here. This file imports neither of them.

A call records in its frame (`naming.Frame.created`) everything it creates: variables, new
sub-modules, first connections of sub-modules. If the call fails, `undo_creations` takes
them back, so a later call starts from where the failed one started. `first_call_lock`
serialises concurrent first calls of one module.
"""

from collections.abc import Callable, Iterator, Sequence
import contextlib
import threading
from typing import Any
import weakref

import tensorflow as tf

from sonnet.src import naming

# The module attributes this file manages (see the module docstring).
STATE_ATTRIBUTE = "_snt_state"
VARIABLES_ATTRIBUTE = "_snt_variables"
SUBMODULES_ATTRIBUTE = "_snt_submodules"

# Attributes managed by Sonnet's own state and by TensorFlow's object tracking.
_INTERNAL_ATTRIBUTE_PREFIXES = ("_snt_", "_self_")
_MISSING = object()


class ModuleState:
  """Untracked bookkeeping of a module (kept out of checkpoints and SavedModels).

  Attributes:
    scope_name: the module's full scope name, fixed at construction.
    module_name: the last component of `scope_name`.
    custom_getters: the custom getters applied to the module's variables, outermost first.
    graph: `naming.EAGER` or the `tf.Graph` of the first connection; None before it.
    is_connected: whether a call succeeded.
    connected_subgraphs: one `ConnectedSubGraph` per graph-mode connection.
    variable_owners: variable key -> the method that created it.
    variable_specs: variable key -> (variable, shape tuple, dtype) of `snt.get_variable`'s
      creation request (the fast path of later requests).
    regularizers: variable key -> regularizer.
    graph_regularization_losses: variable key -> its loss in the graph's collection.
    call_children: scope name -> the first sub-module built under it by a call.
    returned: variable key -> the other variable or tensor the custom getters returned for
      it at the latest request (Sonnet 1: a module's `w` is what its latest call got).
    tf1_usage: the methods whose first call succeeded (`"probed"`), and whether any used
      `tf.compat.v1.get_variable` (`"used"`).
    permanent_children: scope names of sub-modules built in `__init__` (never reused by
      sub-modules built in a call).
    canonical: for a module rebuilt by a later call of its parent, the first one built
      (both hold the same variables); None otherwise.
    made_in_trace: whether the module was constructed inside a `tf.function` being traced,
      outside any module's call (a new module on every trace).
    eager_cache: what the module's class cached at an eager call for its later eager calls
      (see `AbstractModule._call_eager_cached`), or None; dropped whenever the module's
      variables or connection change.
    method_connected: whether a method decorated with `snt.reuse_variables` succeeded (the
      module then counts as connected, as in Sonnet 1, though `_build` has not run).
    defun: after `module.defun()`, the `tf.function` the module's calls go through; else
      None.
  """

  made_in_trace = False  # States pickled before the attribute existed.
  method_connected = False  # Likewise (class attributes: a plain instance sets neither).
  defun: Any = None
  # id -> module of the modules `record_use` found in the tracked sub-module list: a plain
  # dict look-up instead of a scan of TensorFlow's list wrapper on every call. A hit also
  # checks identity, so a copied state (ids changed) only misses. None: not made yet.
  recorded_uses: "dict[int, Any] | None" = None
  eager_cache: Any = None  # Also for states pickled before the attribute existed.

  def __init__(self, scope_name: str, module_name: str, custom_getters: tuple[Any, ...]):
    """Creates the state of a new module.

    Args:
      scope_name: the module's full scope name.
      module_name: the last component of `scope_name`.
      custom_getters: the custom getters of the module and of the modules it nests in.
    """
    self.scope_name = scope_name
    self.module_name = module_name
    self.custom_getters = custom_getters
    self.graph: Any = None
    self.is_connected = False
    self.connected_subgraphs: list = []
    # Shared with later incarnations (see `adopt`):
    self.variable_owners: dict[str, str] = {}
    self.variable_specs: dict[str, Any] = {}
    self.regularizers: dict[str, Callable[[Any], Any]] = {}
    self.graph_regularization_losses: dict[str, Any] = {}
    self.call_children: dict[str, Any] = {}
    self.tf1_usage: dict[str, Any] = {"probed": set(), "used": False}
    self.permanent_children: set = set()
    self.canonical: Any = None
    self.returned: dict[str, Any] = {}

  def adopt(self, first: "ModuleState", first_module: Any) -> None:
    """Shares the variable bookkeeping of `first_module`, the first incarnation.

    Args:
      first: the state of `first_module`.
      first_module: the module the parent's first call built under the same scope name.
    """
    self.variable_owners = first.variable_owners
    self.variable_specs = first.variable_specs
    self.regularizers = first.regularizers
    self.graph_regularization_losses = first.graph_regularization_losses
    self.call_children = first.call_children
    self.tf1_usage = first.tf1_usage
    self.canonical = first_module

  def __getstate__(self) -> dict[str, Any]:
    """Pickle / `copy.deepcopy` support (see `AbstractModule.__getstate__`).

    Returns:
      The attributes, without the tensors custom getters returned inside a `tf.function`
      (they belong to its trace; a copy's `w` is then its own variable until it is called).
    """
    state = self.__dict__.copy()
    if self.returned:
      state["returned"] = {key: value for key, value in self.returned.items()
                           if not tf.is_symbolic_tensor(value)}
    return state

  def claim_call_child(self, scope_name: str, module: Any) -> Any | None:
    """Returns the sub-module a call built first under `scope_name`, or records `module`.

    Args:
      scope_name: the scope name of a sub-module being built during a call.
      module: that sub-module.

    Returns:
      The sub-module built under `scope_name` by an earlier call, or None (then `module` is
      recorded as the first one).
    """
    first = self.call_children.get(scope_name)
    if first is None:
      self.call_children[scope_name] = module
    return first

  def mark_tf1_used(self) -> None:
    """Records that a method called `tf.compat.v1.get_variable`."""
    self.tf1_usage["used"] = True

  def record_variable(self, frame: naming.Frame, key: str, variable: Any,
                      spec: tuple[Any, Any] | None = None,
                      regularizer: Callable[[Any], Any] | None = None) -> None:
    """Records a variable the call in `frame` created (taken back if the call fails).

    Call it inside `tf.init_scope()`: tracking the variable applies a pending checkpoint
    restore, eagerly.

    Args:
      frame: the frame of the call; `frame.module` is the module of this state, and
        `frame.owner` (the method running) owns the variable.
      key: the variable's name relative to the module.
      variable: the variable.
      spec: (shape tuple, dtype) of the creation request, for the fast path of later
        requests; None for variables made by TensorFlow's own variable store.
      regularizer: the variable's regularizer, or None.
    """
    module = frame.module
    self.eager_cache = None
    variables_of(module)[key] = variable
    self.variable_owners[key] = frame.owner
    if spec is not None:
      self.variable_specs[key] = (variable,) + spec
    frame.created.append((module, key))
    if regularizer is not None:
      self.regularizers[key] = regularizer

  def record_graph_regularization_loss(self, key: str, loss: Any) -> None:
    """Records the loss a variable's regularizer added to a graph collection.

    Args:
      key: the variable's key.
      loss: the loss tensor (removed from the collections if the creation is undone).
    """
    self.graph_regularization_losses[key] = loss

  def forget_variable(self, module: Any, key: str) -> tuple[Any, Any]:
    """Forgets the variable `key` of `module` (the module of this state).

    Args:
      module: the module.
      key: the variable's key.

    Returns:
      (the variable or None, its graph regularization loss or None).
    """
    # Deleting from TensorFlow's tracked dict wrapper would make it unsaveable for good
    # ("modified outside the wrapper"); track a fresh dict without the variable instead.
    self.eager_cache = None
    store = dict(variables_of(module))
    variable = store.pop(key, None)
    setattr(module, VARIABLES_ATTRIBUTE, store)
    self.variable_owners.pop(key, None)
    self.variable_specs.pop(key, None)
    self.regularizers.pop(key, None)
    loss = self.graph_regularization_losses.pop(key, None)
    return variable, loss

  def reset_connection(self, previous_graph: Any) -> None:
    """Makes the module unconnected again (its first connection was undone).

    Args:
      previous_graph: the module's graph before that connection.
    """
    self.eager_cache = None
    self.is_connected = False
    self.graph = previous_graph
    self.connected_subgraphs.clear()


def of(module: Any) -> ModuleState | None:
  """Returns the state of a Sonnet module, or None.

  Args:
    module: a Sonnet module (None also when its `__init__` did not run
      `AbstractModule.__init__`).

  Returns:
    The module's `ModuleState`, or None.
  """
  return module.__dict__.get(STATE_ATTRIBUTE)


def state_of(module: Any) -> ModuleState:
  """Returns the state of a module known to have one (unlike `of`, never None).

  Every module on the module stack, and every module a call recorded, has one.

  Args:
    module: a Sonnet module whose `AbstractModule.__init__` ran.

  Returns:
    The module's `ModuleState`.
  """
  return module.__dict__[STATE_ATTRIBUTE]


def returned_variable(module: Any, key: str) -> Any:
  """What the custom getters last returned for `key` instead of the module's own variable.

  Args:
    module: a Sonnet module.
    key: the name the module asked `snt.get_variable` for (e.g. `"w"`).

  Returns:
    That other variable or tensor (e.g. a `tf.stop_gradient` tensor, as Sonnet 1's
    `Linear.w`), or None when the latest request returned the module's own variable.
  """
  state = module.__dict__.get(STATE_ATTRIBUTE)
  return getattr(state, "returned", {}).get(key)  # States pickled before it: no entry.


def variables_of(module: Any) -> dict[str, Any]:
  """Returns the tracked dict of a Sonnet module's variables (key -> variable).

  Args:
    module: a Sonnet module.

  Returns:
    The dict the module tracks (changes to it are checkpointed).
  """
  return module.__dict__[VARIABLES_ATTRIBUTE]


def submodules_of(module: Any) -> list[Any]:
  """Returns the tracked list of the sub-modules a Sonnet module built or used.

  Args:
    module: a Sonnet module.

  Returns:
    The list the module tracks.
  """
  return module.__dict__[SUBMODULES_ATTRIBUTE]


def add_submodule(frame: naming.Frame, child: Any) -> None:
  """Makes `child`, just constructed inside `frame`, a sub-module of `frame.module`.

  Undone (see `detach_submodule`) if the call running in `frame` fails.

  Args:
    frame: the innermost frame.
    child: the new module.
  """
  submodules_of(frame.module).append(child)
  frame.created.append((child, frame.module))


def detach_submodule(parent: Any, child: Any) -> None:
  """Takes back `add_submodule(frame, child)` (with `frame.module` being `parent`).

  Args:
    parent: the parent module.
    child: the sub-module.
  """
  submodules = submodules_of(parent)
  for i in range(len(submodules) - 1, -1, -1):
    if submodules[i] is child:
      del submodules[i]
  recorded = state_of(parent).recorded_uses
  if recorded is not None:
    recorded.pop(id(child), None)
  siblings = state_of(parent).call_children
  scope_name = state_of(child).scope_name
  if siblings.get(scope_name) is child:
    del siblings[scope_name]


def record_use(module: Any, state: ModuleState) -> None:
  """Records `module` as used by the module whose call is running (if any).

  So `variables` and checkpoints of the caller include modules it only reaches through a
  closure or an argument (e.g. `snt.Module(lambda x: a(x) + b(x))`).

  Args:
    module: the module being called.
    state: its state.
  """
  frame = naming.current_frame()
  if frame is None or frame.module is module:
    return
  used = module if state.canonical is None else state.canonical
  caller = frame.module
  caller_state = state_of(caller)
  if caller_state.canonical is not None:
    caller = caller_state.canonical
    caller_state = state_of(caller)
  if used is caller:
    return
  recorded = caller_state.recorded_uses
  if recorded is not None and recorded.get(id(used)) is used:
    return
  submodules = submodules_of(caller)
  if not any(m is used for m in submodules):
    submodules.append(used)
  if recorded is None:
    recorded = caller_state.recorded_uses = {}
  recorded[id(used)] = used


def attribute_snapshot(module: Any) -> dict[str, Any]:
  """Returns the module's own attributes (not Sonnet's or TensorFlow's bookkeeping).

  Args:
    module: the module.

  Returns:
    A dict attribute name -> value.
  """
  return {k: v for k, v in vars(module).items()
          if not k.startswith(_INTERNAL_ATTRIBUTE_PREFIXES)}


def restore_attributes(module: Any, snapshot: dict[str, Any]) -> None:
  """Puts back the attributes a failed first call set (e.g. `self._w = w`).

  Uses setattr/delattr so TensorFlow's object tracking (checkpoints, `variables`) forgets
  what the failed call attached.

  Args:
    module: the module.
    snapshot: `attribute_snapshot(module)` from before the call.
  """
  for name in list(attribute_snapshot(module)):
    if name not in snapshot:
      delattr(module, name)
  for name, value in snapshot.items():
    current = vars(module).get(name, _MISSING)
    if current is not value:
      if current is not _MISSING:
        delattr(module, name)  # Assigning a non-trackable value would not untrack it.
      setattr(module, name, value)


class _FirstConnection:
  """Marks a sub-module's first successful call (undone if the enclosing call fails).

  `attributes` is None for the first success of a `snt.reuse_variables` method.
  """

  __slots__ = ("previous_graph", "attributes")

  def __init__(self, previous_graph: Any, attributes: dict[str, Any] | None):
    self.previous_graph = previous_graph
    self.attributes = attributes


def record_first_connection(module: Any, previous_graph: Any,
                            attributes: dict[str, Any]) -> None:
  """Records, in the enclosing call (if any), that `module` was connected for the first time.

  Args:
    module: the module whose first call just succeeded.
    previous_graph: its graph before that call (restored if the enclosing call fails).
    attributes: `attribute_snapshot(module)` from before that call (restored likewise).
  """
  frame = naming.current_frame()
  if frame is not None:
    frame.created.append((module, _FirstConnection(previous_graph, attributes)))


def record_first_method_connection(module: Any, previous_graph: Any) -> None:
  """Marks `module` connected by a `snt.reuse_variables` method (undone with the caller).

  Args:
    module: the module whose decorated method just succeeded, the first connection of the
      module.
    previous_graph: its graph before that call.
  """
  state_of(module).method_connected = True
  frame = naming.current_frame()
  if frame is not None:
    frame.created.append((module, _FirstConnection(previous_graph, None)))


def undo_creations(created: Sequence[tuple[Any, Any]]) -> None:
  """Forgets the variables and sub-modules created by a call that then failed.

  Sub-modules connected for the first time by that call become unconnected again.

  Args:
    created: the `created` list of the failed call's frame.
  """
  for module, entry in reversed(created):
    if isinstance(entry, _FirstConnection):
      if entry.attributes is None:  # Made by record_first_method_connection.
        state = state_of(module)
        state.method_connected = False
        if not state.is_connected:
          state.graph = entry.previous_graph
        continue
      state_of(module).reset_connection(entry.previous_graph)
      restore_attributes(module, entry.attributes)
    elif isinstance(entry, str):  # A variable key.
      variable, loss = state_of(module).forget_variable(module, entry)
      _remove_from_collections(variable, loss)
    else:  # A sub-module constructed during the failed call; `entry` is its parent.
      detach_submodule(entry, module)


def tf1_behaviour() -> bool:
  """Whether TensorFlow 2 behaviour is disabled (`tf.compat.v1.disable_v2_behavior()`).

  Returns:
    True in a TF1 program (legacy mode), False under TensorFlow 2 behaviour.
  """
  tf2 = getattr(getattr(tf, "__internal__", None), "tf2", None)
  if tf2 is not None:
    return not tf2.enabled()
  return not tf.compat.v1.resource_variables_enabled()  # Also turned off by it.


def add_eager_variable_to_collections(variable: Any, trainable: bool,
                                      collections: Sequence[str] | None) -> None:
  """Puts a variable created eagerly into the default graph's collections (TF1 only).

  As TF1's variable store (and so Sonnet 1) did for eager variables: `collections`
  (default `GLOBAL_VARIABLES`) and `TRAINABLE_VARIABLES` when trainable, so that
  `tf.compat.v1.global_variables()` and the like list them and
  `tf.compat.v1.reset_default_graph()` drops them. Under TensorFlow 2 behaviour eager
  variables stay out of the collections (which would keep them alive): nothing is done.
  Call it when the variable is created (inside `tf.init_scope()`), never on reuse.

  Args:
    variable: the eager variable just created.
    trainable: whether it is trainable.
    collections: the collections requested for it, or None.
  """
  if not tf1_behaviour():
    return
  keys = list(collections) if collections else [tf.compat.v1.GraphKeys.GLOBAL_VARIABLES]
  if trainable and tf.compat.v1.GraphKeys.TRAINABLE_VARIABLES not in keys:
    keys.append(tf.compat.v1.GraphKeys.TRAINABLE_VARIABLES)
  graph = tf.compat.v1.get_default_graph()
  for key in dict.fromkeys(keys):  # Each collection once, in order.
    graph.add_to_collection(key, variable)


def _remove_from_collections(variable: Any, loss: Any) -> None:
  """Removes a forgotten variable and its regularization loss from its graph's collections."""
  graph = getattr(variable, "graph", None)  # None for eager variables.
  if graph is None:
    if loss is None and not tf1_behaviour():  # Eager, TF2: in no collection.
      return
    with tf.init_scope():  # An eager variable's loss went to the outer default graph.
      graph = tf.compat.v1.get_default_graph()
  try:
    keys = graph.get_all_collection_keys()
  except AttributeError:
    return
  for collection_key in keys:
    items = graph.get_collection_ref(collection_key)
    items[:] = [x for x in items if x is not variable and x is not loss]


# module -> the lock its first calls take (one per module: unrelated modules never wait).
_first_call_locks: "weakref.WeakKeyDictionary[Any, threading.RLock]" = (
    weakref.WeakKeyDictionary())
_first_call_locks_guard = threading.Lock()


@contextlib.contextmanager
def first_call_lock(module: Any) -> Iterator[None]:
  """Serialises the first calls of `module`'s methods across threads.

  Without it, threads making the first call of a new module at once would each create its
  variables, and all but one would compute with variables the module then drops. A thread
  that waited sees the module connected and reuses its variables. Inside a replica
  function of a `tf.distribute` strategy no lock is taken: the strategy runs its replica
  threads one at a time and switches between them at cross-replica calls (an all-reduce),
  where a lock held across the switch would deadlock.

  Args:
    module: the module whose method is called for the first time.

  Yields:
    None, with the module's lock held (re-entrant: a module may call itself).
  """
  if tf.distribute.has_strategy() and not tf.distribute.in_cross_replica_context():
    yield
    return
  with _first_call_locks_guard:
    lock = _first_call_locks.get(module)
    if lock is None:
      lock = _first_call_locks[module] = threading.RLock()
  with lock:
    yield
