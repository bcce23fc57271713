# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Finding, naming, printing, counting, saving and restoring the variables of modules.

In `tf.compat.v1` graph mode, scope look-ups read the graph collections, exactly as in
Sonnet 1. In eager mode under TensorFlow 2 behaviour there are no collections: they read
the variables that the live Sonnet modules created (`GLOBAL_VARIABLES` = all of them,
`TRAINABLE_VARIABLES` = the trainable ones, any other collection = none). Under TF1
behaviour (`tf.compat.v1.disable_v2_behavior()`) eager variables are in the default graph's
collections, as in Sonnet 1, and are read from there.
"""

import collections
from collections.abc import Iterable, Iterator, Mapping, Sequence
import re
from typing import Any

from absl import logging
import numpy as np
import tensorflow as tf

from sonnet.src import errors
from sonnet.src import module_state
from sonnet.src import naming
from sonnet.src import types

GLOBAL_VARIABLES = tf.compat.v1.GraphKeys.GLOBAL_VARIABLES
TRAINABLE_VARIABLES = tf.compat.v1.GraphKeys.TRAINABLE_VARIABLES

ERR_NOT_PREFIXED = "Scope '{scope}' is not prefixed by '{context}'."
ERR_SAVER_EAGER = (
    "get_saver needs tf.compat.v1 graph mode (a tf.compat.v1.train.Saver works on graph "
    "collections). In eager mode and in tf.function use tf.train.Checkpoint(model=module) "
    "instead.")
ERR_BAD_SCOPE = "Expected a module, a tf.compat.v1.VariableScope or a string, got {!r}."
ERR_RESTORE_SHAPE = (
    "restore_initializer: checkpoint tensor {name!r} in {filename!r} has shape {saved}, "
    "but the variable has shape {requested}.")

_PART_RE = re.compile(r"^(.*)/part_\d+$")


def _scope_name_of(scope: Any) -> str:
  if isinstance(scope, str):
    return scope
  if hasattr(scope, module_state.STATE_ATTRIBUTE):
    return scope.scope_name
  if isinstance(scope, tf.compat.v1.VariableScope):
    return scope.name
  raise TypeError(ERR_BAD_SCOPE.format(scope))


def _op_name(variable: Any) -> str:
  name = variable.name
  return name[:-2] if name.endswith(":0") else name.rsplit(":", 1)[0]


def _sorted_unique(variables: Iterable[Any]) -> tuple[Any, ...]:
  seen = set()
  unique = []
  for variable in variables:
    if id(variable) not in seen:
      seen.add(id(variable))
      unique.append(variable)
  return tuple(sorted(unique, key=lambda v: v.name))


def _eager_variables(collection: str) -> list[Any]:
  if module_state.tf1_behaviour():  # Eager variables are in the default graph's collections.
    with tf.init_scope():
      return list(tf.compat.v1.get_collection(collection))
  if collection not in (GLOBAL_VARIABLES, TRAINABLE_VARIABLES):
    return []
  found = []
  for module in naming.live_modules():
    store = module.__dict__.get(module_state.VARIABLES_ATTRIBUTE)
    if not store:
      continue
    state = module.__dict__.get(module_state.STATE_ATTRIBUTE)
    if state is not None and state.graph is not naming.EAGER:
      continue  # A graph's variables are found in its collections, not here.
    for variable in store.values():
      if collection == TRAINABLE_VARIABLES and not getattr(variable, "trainable", True):
        continue
      found.append(variable)
  return found


def get_variables_in_scope(scope: types.ScopeOrModule,
                           collection: str = TRAINABLE_VARIABLES) -> tuple[tf.Variable, ...]:
  """Returns the variables whose names start with `<scope>/`, sorted by name.

  The scope is matched literally (`prefix` does not match `prefix_more`).

  Args:
    scope: a scope name, a `tf.compat.v1.VariableScope` or a module.
    collection: the graph collection to search (see the module docstring for eager mode).

  Returns:
    A tuple of variables.
  """
  scope_name = _scope_name_of(scope).rstrip("/")
  prefix = scope_name + "/" if scope_name else ""  # The root scope holds everything.
  if tf.executing_eagerly() or naming.outer_graph() is naming.EAGER:
    candidates = _eager_variables(collection)
  else:
    with tf.init_scope():
      candidates = tf.compat.v1.get_collection(collection)
  return _sorted_unique(v for v in candidates if v.name.startswith(prefix))


def get_variables_in_module(module: tf.Module, collection: str = TRAINABLE_VARIABLES
                            ) -> tuple[tf.Variable, ...]:
  """Returns `module.get_variables(collection)`: variables created in its scope.

  Args:
    module: a Sonnet module.
    collection: the collection (see `get_variables_in_scope`).

  Returns:
    A tuple of variables, sorted by name.

  Raises:
    snt.NotConnectedError: if the module has not been connected.
  """
  return module.get_variables(collection)


def get_normalized_variable_map(scope_or_module: types.ScopeOrModule,
                                collection: str = GLOBAL_VARIABLES,
                                context: types.ScopeOrModule | None = None,
                                group_sliced_variables: bool = True
                                ) -> dict[str, Any]:
  """Maps variable names relative to `context` (no `:0`) to the variables of a scope.

  Args:
    scope_or_module: a module, `tf.compat.v1.VariableScope` or scope name.
    collection: the collection to search.
    context: the scope names are made relative to (default: `scope_or_module` itself).
    group_sliced_variables: map the parts `w/part_0`, `w/part_1`, ... of a partitioned
      variable to one key `w` with a list of parts.

  Returns:
    A dict, e.g. `{"w": <w>, "b": <b>}` for a Linear.

  Raises:
    ValueError: if the scope is not inside `context`.
  """
  scope_name = _scope_name_of(scope_or_module)
  context_name = scope_name if context is None else _scope_name_of(context)
  prefix = context_name + "/" if context_name else ""
  if context_name and not (scope_name + "/").startswith(prefix):
    raise ValueError(ERR_NOT_PREFIXED.format(scope=scope_name, context=context_name))
  variables = get_variables_in_scope(scope_name, collection)
  result: dict[str, Any] = {}
  for variable in variables:
    name = _op_name(variable)[len(prefix):]
    match = _PART_RE.match(name) if group_sliced_variables else None
    if match:
      result.setdefault(match.group(1), []).append(variable)
    else:
      result[name] = variable
  return result


def variable_map_items(variable_map: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
  """Yields `(key, variable)` for a variable map, one pair per part of a list value.

  Args:
    variable_map: a dict from names to variables or lists of variables.

  Yields:
    `(key, variable)` pairs.
  """
  for key, value in variable_map.items():
    if isinstance(value, (list, tuple)):
      for part in value:
        yield key, part
    else:
      yield key, value


def _location(variable: Any) -> str:
  """Sonnet 1's device column: the device (if any), then `(legacy)` or `(resource)`."""
  kind = "(legacy)" if variable.dtype.name.endswith("_ref") else "(resource)"
  device = getattr(variable, "device", "") or ""
  return f"{device} {kind}" if device else kind


def _collections_of(variables: Sequence[Any]) -> dict[int, list[str]]:
  """Variable id -> the sorted names of the graph collections that list it (Sonnet 1).

  A graph's `GLOBAL_VARIABLES` (`"variables"`) is shown as `global_variables`. An eager
  variable is in no graph collection: it is listed as global, and trainable if it is.
  """
  found: dict[int, set] = {id(v): set() for v in variables}
  graphs: list[Any] = []
  for variable in variables:
    try:
      graph = variable.graph
    except (AttributeError, RuntimeError):  # Eager variables have no graph.
      graph = None
    if graph is None:
      found[id(variable)].add("global_variables")
      if getattr(variable, "trainable", True):
        found[id(variable)].add("trainable_variables")
    elif all(graph is not g for g in graphs):
      graphs.append(graph)
  for graph in graphs:
    for name in list(graph.collections):
      shown = "global_variables" if name == GLOBAL_VARIABLES else name
      for entry in graph.get_collection(name):
        if id(entry) in found and isinstance(entry, tf.Variable):
          found[id(entry)].add(shown)
  return {key: sorted(names) for key, names in found.items()}


def _shape(variable: Any) -> str:
  shape = variable.shape
  if shape.is_fully_defined():
    return "x".join(str(d) for d in shape.as_list()) or "scalar"
  return "undefined"


def _format_table(rows: Sequence[Sequence[str]], join_lines: bool) -> str | list[str]:
  widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
  lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
           for row in rows]
  return "\n".join(lines) if join_lines else lines


def format_variables(variables: Iterable[Any], join_lines: bool = True
                     ) -> str | list[str]:
  """Formats variables as Sonnet 1's table: name, shape, dtype, collections, device.

  Args:
    variables: the variables.
    join_lines: return one string (True) or a list of lines.

  Returns:
    The table.
  """
  variables = list(variables)
  collections_of = _collections_of(variables)
  rows = [("Variable", "Shape", "Type", "Collections", "Device")]
  for variable in sorted(variables, key=lambda v: v.name):
    rows.append((_op_name(variable), _shape(variable), variable.dtype.base_dtype.name,
                 ", ".join(collections_of[id(variable)]), _location(variable)))
  return _format_table(rows, join_lines)


def format_variable_map(variable_map: Mapping[str, Any], join_lines: bool = True
                        ) -> str | list[str]:
  """Formats a variable map as Sonnet 1's table: key, name, shape, dtype, collections, device.

  Args:
    variable_map: a dict from names to variables (or lists of parts).
    join_lines: return one string (True) or a list of lines.

  Returns:
    The table.
  """
  items = sorted(variable_map_items(variable_map), key=lambda kv: kv[0])
  collections_of = _collections_of([variable for _, variable in items])
  rows = [("Key", "Variable", "Shape", "Type", "Collections", "Device")]
  for key, variable in items:
    rows.append((key, _op_name(variable), _shape(variable), variable.dtype.base_dtype.name,
                 ", ".join(collections_of[id(variable)]), _location(variable)))
  return _format_table(rows, join_lines)


def log_variables(variables: Iterable[Any] | None = None) -> None:
  """Logs a table of variables with `absl.logging.info`.

  Args:
    variables: the variables; default: all global variables of the default graph (graph
      mode) or of the live Sonnet modules (eager mode).
  """
  if variables is None:
    variables = get_variables_in_scope("", GLOBAL_VARIABLES) if naming.outer_graph(
    ) is naming.EAGER else tf.compat.v1.global_variables()
  for line in format_variables(variables, join_lines=False):
    logging.info(line)


def _num_elements(variable: Any) -> int:
  shape = variable.shape
  return int(np.prod(shape.as_list())) if shape.is_fully_defined() else 0


def count_parameters(module_or_variables: tf.Module | Iterable[tf.Variable], *,
                     trainable_only: bool = False) -> int:
  """Counts the scalar parameters of a module (all variables it uses) or of variables.

  Args:
    module_or_variables: a module (its `variables`) or an iterable of variables.
    trainable_only: count only trainable variables.

  Returns:
    The total number of elements.
  """
  if (hasattr(module_or_variables, module_state.STATE_ATTRIBUTE) or
      isinstance(module_or_variables, tf.Module)):
    module: Any = module_or_variables  # Not an iterable of variables (tf.Module is untyped).
    variables = module.trainable_variables if trainable_only else module.variables
  else:
    variables = [v for v in module_or_variables
                 if not trainable_only or getattr(v, "trainable", True)]
  return sum(_num_elements(v) for v in _sorted_unique(variables))


def count_parameters_by_module(module: tf.Module, *, trainable_only: bool = False
                               ) -> dict[str, int]:
  """Counts parameters per module: `{scope_name: count}` for the module and sub-modules.

  Each count includes the sub-modules of that module (like `count_parameters`).

  Args:
    module: a Sonnet module.
    trainable_only: count only trainable variables.

  Returns:
    An ordered dict from scope name to parameter count, the module itself first.
  """
  counts: dict[str, int] = collections.OrderedDict()
  for m in [module] + sorted(
      (s for s in module.submodules if hasattr(s, module_state.STATE_ATTRIBUTE)),
      key=lambda s: s.scope_name):
    counts[m.scope_name] = count_parameters(m, trainable_only=trainable_only)
  return counts


def get_saver(scope_or_module: types.ScopeOrModule,
              collections: Sequence[str] = (GLOBAL_VARIABLES,),
              context: types.ScopeOrModule | None = None,
              **kwargs: Any) -> "tf.compat.v1.train.Saver":
  """Graph mode: a `tf.compat.v1.train.Saver` over a module's (or scope's) variables.

  Keys are the names relative to `context` (default the scope), so a checkpoint saved
  from one module restores into another module of the same structure and another name.
  As in Sonnet 1, the parts of a partitioned variable are saved as slices of one tensor
  under the variable's name (`w`, not `w/part_0`, ...), so a checkpoint restores whether
  or not the saving and the restoring module partition it.

  Args:
    scope_or_module: a module, `tf.compat.v1.VariableScope` or scope name.
    collections: the collections to take variables from.
    context: see `get_normalized_variable_map`.
    **kwargs: passed to `tf.compat.v1.train.Saver`.

  Returns:
    The saver.

  Raises:
    snt.NotSupportedError: in eager mode (use `tf.train.Checkpoint`).
  """
  if naming.outer_graph() is naming.EAGER:
    raise errors.NotSupportedError(ERR_SAVER_EAGER)
  variable_map = {}
  for collection in collections:
    variable_map.update(get_normalized_variable_map(
        scope_or_module, collection, context))
  return tf.compat.v1.train.Saver(var_list=variable_map, **kwargs)


def _current_scope_name() -> str:
  """The scope a variable created now goes into: the innermost module's, else TF1's."""
  frame = naming.current_frame()
  if frame is not None and hasattr(frame.module, module_state.STATE_ATTRIBUTE):
    return frame.module.scope_name
  return tf.compat.v1.get_variable_scope().name


def _restore_key(filename: str, name: str, scope: Any, exists: bool = True) -> str:
  """The checkpoint key `restore_initializer` reads (see its docstring)."""
  if scope is None:
    if exists and tf.train.load_checkpoint(filename).has_tensor(name):
      return name
    prefix = _current_scope_name()
  elif callable(scope):
    prefix = scope(_current_scope_name())
  else:
    prefix = scope
  prefix = prefix.rstrip("/")
  return f"{prefix}/{name}" if prefix else name


def restore_initializer(filename: str, name: str, scope: Any = None):
  """Returns an initializer that loads a tensor from a checkpoint.

  The key read is `name` itself when the checkpoint has it and `scope` is None (e.g. an
  object-graph key such as `model/_snt_variables/w/.ATTRIBUTES/VARIABLE_VALUE`), else
  `<scope>/<name>`, as in Sonnet 1: `scope` defaults to the scope the variable is created
  in (the module's scope name, or the current `tf.compat.v1` variable scope), a callable
  `scope` maps that scope name to another, and `scope=""` reads `name` as is. The parts of
  a partitioned variable read their slices.

  Args:
    filename: a checkpoint path (or directory holding one).
    name: the tensor's key, or the variable's name relative to `scope`.
    scope: None, a scope name, or a callable `current scope name -> scope name`.

  Returns:
    An initializer `(shape, dtype) -> Tensor`, for `initializers={"w": ...}`.

  Raises:
    (when called) ValueError: if the saved shape differs from the variable's.
  """

  def initializer(shape, dtype=tf.float32, partition_info=None, **unused_kwargs):
    if not tf.executing_eagerly() and not _checkpoint_exists(filename):
      # Graph mode, checkpoint not written yet: read it when the initializer runs (Sonnet 1).
      return _deferred_restore(filename, _restore_key(filename, name, scope, exists=False),
                               shape, dtype, partition_info)
    key = _restore_key(filename, name, scope)
    value = tf.train.load_variable(filename, key)
    requested = tf.TensorShape(shape)
    if partition_info is not None:
      full_shape = list(partition_info.full_shape)
      if list(value.shape) != full_shape:
        raise ValueError(ERR_RESTORE_SHAPE.format(name=key, filename=filename,
                                                  saved=list(value.shape),
                                                  requested=full_shape))
      offsets = list(partition_info.var_offset)
      value = value[tuple(slice(o, o + n) for o, n in zip(offsets, requested.as_list()))]
    if not requested.is_compatible_with(value.shape):
      raise ValueError(ERR_RESTORE_SHAPE.format(name=key, filename=filename,
                                                saved=list(value.shape),
                                                requested=requested.as_list()))
    return tf.constant(value, dtype=dtype)

  return initializer


def _checkpoint_exists(filename: str) -> bool:
  try:
    tf.train.load_checkpoint(filename)
  except (tf.errors.NotFoundError, ValueError):
    return False
  return True


def _deferred_restore(filename: str, key: str, shape: Any, dtype: Any,
                      partition_info: Any) -> tf.Tensor:
  """A `RestoreV2` op reading `key` (the part's slice, if partitioned) when it runs."""
  dtype = tf.as_dtype(dtype).base_dtype
  requested = tf.TensorShape(shape).as_list()
  slice_spec = ""
  if partition_info is not None:
    full = " ".join(str(d) for d in partition_info.full_shape)
    parts = ":".join(f"{o},{n}" for o, n in zip(partition_info.var_offset, requested))
    slice_spec = f"{full} {parts}"
  value = tf.raw_ops.RestoreV2(prefix=filename, tensor_names=[key],
                               shape_and_slices=[slice_spec], dtypes=[dtype])[0]
  value.set_shape(requested)
  return value


ERR_RESTORE_MISMATCH = (
    "Checkpoint {path!r} does not fit the variables it would restore; nothing was "
    "restored:\n{details}")


def _escape_checkpoint_name(name: str) -> str:
  # Object-graph checkpoint keys escape "." as ".." and "/" as ".S".
  return name.replace(".", "..").replace("/", ".S")


def _variables_by_checkpoint_key(root: Any) -> dict[str, Any]:
  """Maps the checkpoint key of every variable reachable from `root` to the variable."""
  view = tf.train.TrackableView(root)
  found: dict[str, Any] = {}
  seen = {id(root)}
  queue = [(root, "")]
  while queue:
    obj, prefix = queue.pop(0)
    for name, child in view.children(obj).items():
      if id(child) in seen:
        continue
      seen.add(id(child))
      path = f"{prefix}{_escape_checkpoint_name(name)}"
      if isinstance(child, tf.Variable):
        found[f"{path}/.ATTRIBUTES/VARIABLE_VALUE"] = child
      queue.append((child, path + "/"))
  return found


def restore_checkpoint(checkpoint: tf.train.Checkpoint, path: str) -> Any:
  """Restores a checkpoint all-or-nothing for the variables that exist now.

  `checkpoint.restore(path)` restores variable by variable, so a checkpoint that fits only
  some of the module's variables changes those before it fails. This checks every existing
  variable's shape and dtype against the checkpoint first.

  Args:
    checkpoint: e.g. `tf.train.Checkpoint(model=module)`.
    path: the checkpoint path (as returned by `save`) or a directory holding one.

  Returns:
    The status returned by `checkpoint.restore(path)` (e.g. call `assert_consumed()`).
    Variables created later are restored when created, as with `checkpoint.restore`.

  Raises:
    ValueError: if an existing variable's shape or dtype differs from the saved value; no
      variable is changed.
  """
  if tf.io.gfile.isdir(path):
    path = tf.train.latest_checkpoint(path)
  reader = tf.train.load_checkpoint(path)
  shapes = reader.get_variable_to_shape_map()
  dtypes = reader.get_variable_to_dtype_map()
  problems = []
  for key, variable in sorted(_variables_by_checkpoint_key(checkpoint).items()):
    if key not in shapes:
      continue
    saved_shape = tf.TensorShape(shapes[key])
    if not saved_shape.is_compatible_with(variable.shape):
      problems.append(f"  {variable.name}: shape {variable.shape.as_list()} in the module, "
                      f"{saved_shape.as_list()} in the checkpoint ({key})")
    elif dtypes[key].base_dtype != variable.dtype.base_dtype:
      problems.append(f"  {variable.name}: dtype {variable.dtype.base_dtype.name} in the "
                      f"module, {dtypes[key].name} in the checkpoint ({key})")
  if problems:
    raise ValueError(ERR_RESTORE_MISMATCH.format(path=path, details="\n".join(problems)))
  return checkpoint.restore(path)
