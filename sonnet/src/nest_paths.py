# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Paths into nested structures: the one walker behind `snt.nest` and the recurrent cores.

A structure is what `tf.nest` recurses into: lists, tuples, namedtuples, mappings and attrs
classes. Everything else is a leaf, `tf.TensorShape` included (`tf.nest` does not recurse
into it, so a core's `state_size` flattens to its shapes). Children come in
`tf.nest.flatten` order: mappings by sorted key, attrs classes by field, sequences by index.

The walkers build each child's path from its parent's with an `extend(path, parent, key)`
function, so each caller keeps its own path format: key tuples for `snt.nest`, formatted as
`[0]['a']` (`append_key`, `format_key_path`), or attribute-style strings such as
`prev_state.cell[1]` for the cores (`append_attribute`). Comparisons of two structures take a
`check(a, b, path)` function that looks at one level only and says how the two differ there
(or returns None), so each caller keeps its own rules (whether sequence types must agree) and
its own error messages.
"""

import collections
from collections.abc import Callable
from typing import Any

import tensorflow as tf

ERR_UNSORTABLE = (
    "nest only supports dicts with sortable keys; the mapping at {path} has keys "
    "{keys!r:.200}.")

# `check(a, b, path)`: None where `a` and `b` agree at this level, else what to report.
Check = Callable[[Any, Any, Any], Any]
# `extend(path, parent, key)`: the path of `parent`'s child `key`.
Extend = Callable[[Any, Any, Any], Any]

# Whether values of a type are structures, as `tf.nest.is_nested` says (it answers by type).
_nested_by_type: dict[type, bool] = {}


def is_structure(value: Any) -> bool:
  """Whether `tf.nest` recurses into `value` (False for `tf.TensorShape` and other leaves).

  Args:
    value: anything.

  Returns:
    `tf.nest.is_nested(value)`, cached by type (this runs once per node of every walk).
  """
  nested = _nested_by_type.get(type(value))
  if nested is None:
    nested = tf.nest.is_nested(value)
    # Proxies (wrapt.ObjectProxy, trackable wrappers) are nested or not depending on what
    # they wrap, so their type is never cached.
    if not hasattr(value, "__wrapped__"):
      _nested_by_type[type(value)] = nested
  return nested


class UnsortableKeysError(TypeError):
  """A mapping's keys cannot be sorted (the message says "(root)"; callers add the path)."""


def sorted_keys(mapping: Any) -> list[Any]:
  """Returns the keys of `mapping` sorted, as `tf.nest` orders them.

  Args:
    mapping: a mapping.

  Returns:
    The sorted keys.

  Raises:
    UnsortableKeysError: if the keys cannot be compared.
  """
  try:
    return sorted(mapping)
  except TypeError:
    raise UnsortableKeysError(
        ERR_UNSORTABLE.format(path="(root)", keys=list(mapping))) from None


def is_namedtuple(value: Any) -> bool:
  """Whether `value` is a namedtuple (a tuple with `_fields`)."""
  return isinstance(value, tuple) and hasattr(value, "_fields")


def children(value: Any) -> list[tuple[Any, Any]]:
  """Returns the `(key, child)` pairs of a structure in `tf.nest.flatten` order.

  Args:
    value: a structure (see `is_structure`).

  Returns:
    Pairs keyed by mapping key, attrs field name, or index (namedtuples too).

  Raises:
    UnsortableKeysError: for a mapping whose keys cannot be sorted.
  """
  value_type = type(value)
  if value_type is tuple or value_type is list or is_namedtuple(value):
    return list(enumerate(value))  # Checked first: the common case, and cheap to test.
  if isinstance(value, collections.abc.Mapping):
    return [(k, value[k]) for k in sorted_keys(value)]
  attrs_fields = getattr(type(value), "__attrs_attrs__", None)
  if attrs_fields is not None:
    return [(f.name, getattr(value, f.name)) for f in attrs_fields]
  return list(enumerate(value))


def append_key(path: tuple[Any, ...], parent: Any, key: Any) -> tuple[Any, ...]:
  """Path format of `snt.nest`: the tuple of keys from the root."""
  del parent  # Unused.
  return path + (key,)


def format_key_path(path: tuple[Any, ...]) -> str:
  """Formats a key tuple as `[0]['a']`, or `(root)` if it is empty."""
  return "".join(f"[{k!r}]" for k in path) or "(root)"


def append_attribute(path: str, parent: Any, key: Any) -> str:
  """Path format of the cores: `.field` for namedtuple and attrs fields, else `[key]`."""
  if type(key) is int and is_namedtuple(parent):
    return path + "." + parent._fields[key]
  if type(key) is str and hasattr(type(parent), "__attrs_attrs__"):
    return path + "." + key
  return path + f"[{key!r}]"


def _walk(a: Any, b: Any, check: Check, up_to: bool, path: Any, extend: Extend,
          leaves: list[Any] | None) -> Any:
  """Depth-first over `a` and `b` together; returns the first non-None `check` result.

  Descends into a pair only where `check` returned None for it, so `check` must report any
  pair whose children do not pair up (a leaf facing a structure, other lengths or keys).
  With `up_to`, leaves of `a` stand for anything in `b`: `check` is not called on them, and
  `b`'s sub-structure there goes to `leaves` (if not None).
  """
  nested = is_structure(a)
  if up_to and not nested:
    if leaves is not None:
      leaves.append(b)
    return None
  found = check(a, b, path)
  if found is not None or not nested:
    return found
  for (key, child_a), (_, child_b) in zip(children(a), children(b)):
    found = _walk(child_a, child_b, check, up_to, extend(path, a, key), extend, leaves)
    if found is not None:
      return found
  return None


def first_difference(a: Any, b: Any, check: Check, *, up_to: bool = False,
                     path: Any = (), extend: Extend = append_key) -> Any:
  """Returns what `check` says about the first place (depth first) where `a` and `b` differ.

  Args:
    a: a structure or leaf (the expected or shallow one).
    b: another.
    check: `check(a_sub, b_sub, path)` looks at one level: returns None if the two agree
      there (both leaves, or structures whose children pair up), else what to report.
    up_to: if True, a leaf of `a` matches anything in `b` (`b` may be deeper there).
    path: the path of the root, e.g. `()` or `"prev_state"`.
    extend: `extend(path, parent, key)` gives a child's path.

  Returns:
    The first non-None result of `check`, or None if the structures agree.

  Raises:
    UnsortableKeysError: a mapping's keys cannot be sorted (where `check` let it through).
  """
  return _walk(a, b, check, up_to, path, extend, None)


def flatten_up_to(shallow: Any, tree: Any, check: Check, *, path: Any = (),
                  extend: Extend = append_key) -> list[Any]:
  """Flattens `tree` down to the leaves of `shallow`, checking it on the way.

  Args:
    shallow: the shallow structure; its leaves may stand for sub-structures of `tree`.
    tree: a structure at least as deep as `shallow`.
    check: `check(shallow_sub, tree_sub, path)`, called at each structure of `shallow`:
      None if `tree_sub` matches it at this level, else the exception to raise.
    path: the path of the root.
    extend: `extend(path, parent, key)` gives a child's path.

  Returns:
    The sub-structures of `tree` at the leaves of `shallow`, in `tf.nest.flatten` order
    (`[tree]` if `shallow` is a leaf).

  Raises:
    Exception: the first exception `check` returns.
    UnsortableKeysError: a mapping's keys cannot be sorted (where `check` let it through).
  """
  leaves: list[Any] = []
  error = _walk(shallow, tree, check, True, path, extend, leaves)
  if error is not None:
    raise error
  return leaves


def flatten_with_paths(structure: Any, *, path: Any = (), extend: Extend = append_key
                       ) -> list[tuple[Any, Any]]:
  """Flattens a structure (in `tf.nest.flatten` order) into `(path, leaf)` pairs.

  Args:
    structure: a structure or leaf.
    path: the path of the root.
    extend: `extend(path, parent, key)` gives a child's path.

  Returns:
    A list of `(path, leaf)`; `[(path, structure)]` for a leaf.

  Raises:
    UnsortableKeysError: a mapping's keys cannot be sorted.
  """
  result: list[tuple[Any, Any]] = []
  _flatten_with_paths(structure, path, extend, result)
  return result


def _flatten_with_paths(structure: Any, path: Any, extend: Extend,
                        result: list[tuple[Any, Any]]) -> None:
  if not is_structure(structure):
    result.append((path, structure))
    return
  for key, child in children(structure):
    _flatten_with_paths(child, extend(path, structure, key), extend, result)
