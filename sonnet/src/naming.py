# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Module names, scope names and the stack of modules currently being built.

A module's scope name is fixed when it is constructed: `<enclosing scope>/<name>`, made
unique per graph (all eager execution counts as one graph, until
`tf.compat.v1.reset_default_graph()` starts it afresh, as in Sonnet 1), so two `Linear`s are
called `linear` and `linear_1`. The enclosing scope is the module on top of the module stack (a
sub-module built in `__init__` under `_enter_variable_scope()` or inside `_build`), or,
when no module is active, the current `tf.compat.v1.variable_scope` name (TF1-style code).
"""

import collections
from collections.abc import Iterator
import contextlib
import re
import threading
from typing import Any
import weakref

import tensorflow as tf

ERR_NAME_NOT_STRING = "Name must be a string, not {!r} of type {}."
ERR_NAME_NOT_IDENTIFIER = (
    "{!r} is not a valid module name. Module names must be valid Python identifiers "
    "(e.g. 'linear', 'encoder_2').")

_CAMEL_TO_SNAKE_RE = re.compile(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))")


def camel_to_snake(name: str) -> str:
  """Converts a class name to snake_case, keeping acronyms whole.

  Args:
    name: a CamelCase name, e.g. `"ConvNet"` or `"MLP"`.

  Returns:
    The snake_case name, e.g. `"conv_net"` or `"mlp"`.
  """
  return _CAMEL_TO_SNAKE_RE.sub(r"_\1", name).lower()


def validate_name(name: Any) -> str:
  """Checks a user-given module name.

  Args:
    name: the name to check.

  Returns:
    The name.

  Raises:
    TypeError: if `name` is not a string.
    ValueError: if `name` is not a valid Python identifier.
  """
  if not isinstance(name, str):
    raise TypeError(ERR_NAME_NOT_STRING.format(name, type(name).__name__))
  if not name.isidentifier():
    raise ValueError(ERR_NAME_NOT_IDENTIFIER.format(name))
  return name


class _EagerGraphKey:
  """Stands in for 'the graph' of all eager execution."""

  def __reduce__(self):
    return "EAGER"  # Pickle and deepcopy keep the singleton.


EAGER = _EagerGraphKey()

# graph (or EAGER) -> Counter of scope names already handed out in it.
_used_names: "weakref.WeakKeyDictionary[Any, collections.Counter]" = (
    weakref.WeakKeyDictionary())
_used_names_lock = threading.Lock()
# The global default graph when eager names were last handed out (a weak reference): eager
# names are unique per default graph, as Sonnet 1's, so a reset of the default graph starts
# them afresh.
_eager_default_graph: Any = None
# Incremented by each such reset: `live_modules` leaves out the modules made before it (as
# a reset graph drops its collections), whose names the new modules may reuse.
_eager_generation = 0


def outer_graph() -> Any:
  """Returns the graph variables are created in: a `tf.Graph`, or `EAGER`.

  This is the graph outside any `tf.function` being traced (what `tf.init_scope` lifts to).
  """
  if tf.executing_eagerly():
    return EAGER  # Fast path: nothing to lift out of.
  with tf.init_scope():
    if tf.executing_eagerly():
      return EAGER
    return tf.compat.v1.get_default_graph()


def unique_scope_name(prefix: str, name: str, graph: Any) -> str:
  """Returns `<prefix>/<name>` (or `<name>`), made unique within `graph`.

  Args:
    prefix: the enclosing scope name ("" at the top level).
    name: the requested module name.
    graph: the graph the name must be unique in (`EAGER` for eager mode).

  Returns:
    The full scope name; a suffix `_1`, `_2`, ... is added to `name` when needed.
  """
  base = f"{prefix}/{name}" if prefix else name
  with _used_names_lock:
    if graph is EAGER:
      _forget_eager_names_after_graph_reset()
      _free_released_names_locked()
    used = _used_names.setdefault(graph, collections.Counter())
    candidate = base
    index = used[base]  # Next suffix worth trying for this base name.
    while candidate in used:
      index += 1
      candidate = f"{base}_{index}"
    used[base] = max(used[base], index)
    used.setdefault(candidate, 0)
    return candidate


def _forget_eager_names_after_graph_reset() -> None:
  """Drops the eager names if the global default graph was replaced since they were made.

  Only while executing eagerly: inside a `tf.function` trace the global default graph is
  out of sight, and the names stay.
  """
  global _eager_default_graph, _eager_generation
  if not tf.executing_eagerly():
    return
  graph = tf.compat.v1.get_default_graph()
  previous = _eager_default_graph() if _eager_default_graph is not None else None
  if previous is graph:
    return
  if _eager_default_graph is not None:
    _used_names.pop(EAGER, None)
    _eager_generation += 1
  _eager_default_graph = weakref.ref(graph)


def call_scope_name(frame: "Frame", reserved: Any, name: str) -> str:
  """Scope name for a module constructed during a call: the same on every call.

  Args:
    frame: the innermost frame (its module is the parent).
    reserved: scope names the parent's permanent sub-modules already use.
    name: the requested module name.

  Returns:
    `<parent scope>/<name>`, with a suffix `_1`, `_2`, ... for the 2nd, 3rd, ... module of
    that name constructed during the same call.
  """
  base = f"{frame.module.scope_name}/{name}"
  candidate = base
  index = 0
  while candidate in frame.call_names or candidate in reserved:
    index += 1
    candidate = f"{base}_{index}"
  frame.call_names[candidate] = frame.call_names.get(candidate, 0) + 1
  return candidate


# Eager scope name -> how many live objects (its module, the variables created under it)
# hold it. TensorFlow caches one eager kernel per distinct variable name (the `debug_name`
# of its VarHandleOp, about 36 KB each, never freed), so handing out ever new names to
# modules that are created and dropped in a loop grows memory without bound. A name whose
# holders are all gone is handed out again instead.
_eager_name_holders: collections.Counter = collections.Counter()


def hold_eager_name(owner: Any, scope_name: str) -> None:
  """Keeps the eager scope name `scope_name` and its prefixes reserved while `owner` lives.

  Args:
    owner: a module, or a variable created in its scope.
    scope_name: the module's full scope name in eager mode (`mlp/linear_0` holds
      `mlp/linear_0` and `mlp`).
  """
  parts = scope_name.split("/")
  names = tuple("/".join(parts[:i]) for i in range(1, len(parts) + 1))
  with _used_names_lock:
    _eager_name_holders.update(names)
  weakref.finalize(owner, _release_eager_names, names)


# While positive (`names_kept`), names whose holders die stay queued instead of freed.
_keep_depth = 0
# Names whose holders died, not yet freed. The finalizers only append here (atomic): one may
# run in any thread at any allocation, including inside a `with _used_names_lock:` block of
# that same thread, so it must never wait for the lock.
_pending_releases: collections.deque = collections.deque()


@contextlib.contextmanager
def names_kept() -> Iterator[None]:
  """Frees no eager scope name while active (names dropped meanwhile are freed after).

  For code that must hand out the same names twice from a snapshot (`restore_names`),
  e.g. the two traces `tf.function` makes of a function that creates variables: a module
  of the first trace garbage-collected during the second must not change its names.

  Yields:
    None.
  """
  global _keep_depth
  with _used_names_lock:
    _keep_depth += 1
  try:
    yield
  finally:
    with _used_names_lock:
      _keep_depth -= 1
      _free_released_names_locked()


def _release_eager_names(names: tuple[str, ...]) -> None:
  """A holder of each name died (a finalizer): queues the release, frees if it can now."""
  _pending_releases.append(names)
  if _used_names_lock.acquire(blocking=False):  # Else freed by the lock's next holder.
    try:
      _free_released_names_locked()
    finally:
      _used_names_lock.release()


def _free_released_names_locked() -> None:
  """Drops one holder of each queued name; frees a name once it has none (lock held)."""
  if _keep_depth:
    return
  used = _used_names.get(EAGER)
  while _pending_releases:
    for name in _pending_releases.popleft():
      _eager_name_holders[name] -= 1
      if _eager_name_holders[name] > 0:
        continue
      del _eager_name_holders[name]
      if used is not None:
        # Also drops its next-suffix hint if it was a base name: the search stays right.
        used.pop(name, None)


def reset_eager_names() -> None:
  """Forgets the scope names handed out in eager mode (for tests and notebooks)."""
  with _used_names_lock:
    _used_names.pop(EAGER, None)


class _ModuleStack(threading.local):

  def __init__(self):
    super().__init__()
    self.frames: list[Frame] = []


class Frame:
  """One entry of the module stack: a module and the owner tag of what it creates.

  Attributes:
    module: the module being built.
    owner: which method of the module is running (`"_build"` or a method name decorated
      with `snt.reuse_variables`); a variable belongs to the method that created it.
    created: what was created while this frame was active, so a failed call can be
      undone: `(module, variable key)` and `(sub-module, parent module)` pairs.
  """

  __slots__ = ("module", "owner", "created", "in_call", "call_names")

  def __init__(self, module: Any, owner: str, in_call: bool):
    self.module = module
    self.owner = owner
    self.created: list[Any] = []
    # Whether a module's call (of _build or a reuse_variables method) is running in this
    # frame or below it: modules constructed then are rebuilt on every call, and get the
    # same names (and variables) each time, as in Sonnet 1.
    self.in_call = in_call
    self.call_names: dict[str, int] = {}  # A plain dict: made on every call.


_stack = _ModuleStack()


def current_frame() -> Frame | None:
  """Returns the innermost active frame, or None outside any module."""
  frames = _stack.frames
  return frames[-1] if frames else None


def frames() -> list[Frame]:
  """Returns the active frames, outermost first (do not mutate)."""
  return _stack.frames


def enter_frame(module: Any, owner: str, is_call: bool) -> Frame:
  """Makes `module` the innermost active module until `exit_frame` (no context manager).

  The fast form of `push_frame` for a module's call; the caller must call `exit_frame`
  with the returned frame in a `finally`.

  Args:
    module: the module.
    owner: the method running (owner tag of the variables created).
    is_call: whether this is a call of the module (False for `_enter_variable_scope`).

  Returns:
    The new frame.
  """
  frames_list = _stack.frames
  frame = Frame(module, owner, is_call or (bool(frames_list) and frames_list[-1].in_call))
  frames_list.append(frame)
  return frame


def exit_frame(frame: Frame) -> None:
  """Takes back `enter_frame`: pops `frame`, whose creations go to the enclosing call.

  Args:
    frame: what `enter_frame` returned.
  """
  frames_list = _stack.frames
  popped = frames_list.pop()
  assert popped is frame, "module stack corrupted"
  # Creations inside an inner frame also belong to the enclosing call.
  if frames_list and frame.created:
    frames_list[-1].created.extend(frame.created)


@contextlib.contextmanager
def push_frame(module: Any, owner: str, is_call: bool) -> Iterator[Frame]:
  """Makes `module` the innermost active module while the context is open.

  Args:
    module: the module.
    owner: the method running (owner tag of the variables created).
    is_call: whether this is a call of the module (False for `_enter_variable_scope`).

  Yields:
    The new frame.
  """
  frame = enter_frame(module, owner, is_call)
  try:
    yield frame
  finally:
    exit_frame(frame)


def enclosing_scope_name() -> str:
  """Returns the scope a module constructed now nests in ("" at the top level)."""
  frame = current_frame()
  if frame is not None:
    return frame.module.scope_name
  return tf.compat.v1.get_variable_scope().name


# Every live module, so scope-based look-ups work in eager mode (no graph collections),
# with the eager name generation it was made in.
_live_modules: "weakref.WeakKeyDictionary[Any, int]" = weakref.WeakKeyDictionary()


def register_module(module: Any) -> None:
  """Remembers `module` (weakly) for `live_modules()`."""
  _live_modules[module] = _eager_generation


def live_modules() -> list[Any]:
  """Returns the modules that are still alive, made since the last reset of eager names.

  Modules made before a `tf.compat.v1.reset_default_graph()` that restarted the eager
  names are left out: a new module may have the same scope name.
  """
  generation = _eager_generation
  return [module for module, made in list(_live_modules.items()) if made == generation]


def snapshot_names(graph: Any) -> Any:
  """Returns a copy of the scope names handed out in `graph` (for `restore_names`)."""
  with _used_names_lock:
    return collections.Counter(_used_names.get(graph, collections.Counter()))


def restore_names(graph: Any, snapshot: Any) -> None:
  """Restores the scope names handed out in `graph` to a snapshot."""
  with _used_names_lock:
    _used_names[graph] = collections.Counter(snapshot)
