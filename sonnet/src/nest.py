# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`snt.nest`: functions on nested structures, with Sonnet 1's names and `tf.nest` order.

Structures are lists, tuples, namedtuples, dicts and other mappings, and attrs classes,
nested to any depth. Everything else is a leaf: tensors, numpy arrays, strings, numbers,
`None`. Mappings are flattened in sorted-key order (an `OrderedDict` too), exactly as
`tf.nest` does, so a structure keeps its leaf order when it passes through `tf.function`,
`tf.while_loop` or any `tf.nest` function. Keys must be sortable.

`flatten` returns leaves and short flat lists, tuples and namedtuples (an RNN state)
directly and hands everything else to `tf.nest.flatten` (implemented in C++).
`pack_sequence_as` and `map` use a faster pure-Python packer for the common types (list,
tuple, namedtuple, dict, OrderedDict) and hand other sub-structures (attrs classes, other
mappings, proxies) to `tf.nest`. Errors name the first path where two structures differ,
or the path of a dict with unsortable keys; nothing is ever silently truncated.

Differences from Sonnet 1.1 (whose `nest` was TF 1.1's): dicts are structures (1.1 treated
them as leaves in `flatten` but not in `flatten_iterable`), `OrderedDict`s are flattened in
sorted-key order (1.1's `flatten_iterable` used insertion order), and the `*_iterable`
functions are the same as the `*_sequence` ones (as from Sonnet 1.15 on): sets and other
iterables are leaves.
"""

import builtins
import collections
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from sonnet.src import nest_paths

__all__ = [
    "flatten", "flatten_iterable", "pack_sequence_as", "pack_iterable_as", "map",
    "map_up_to", "flatten_up_to", "assert_same_structure", "assert_shallow_structure",
    "is_sequence", "is_iterable", "flatten_dict_items",
]

ERR_NO_STRUCTURES = "Must provide at least one structure."
ERR_NOT_CALLABLE = "fn must be callable, got {!r}."
ERR_PACK_COUNT = (
    "Could not pack sequence. Structure had {leaves} elements, but flat_sequence had {items} "
    "elements. Structure: {structure!r:.200}")
ERR_PACK_SCALAR = "Structure is a scalar but len(flat_sequence) == {items} > 1."
ERR_FLAT_NOT_SEQUENCE = (
    "flat_sequence must be a sequence (list or tuple), got {!r:.100} of type {}.")
ERR_UNSORTABLE = nest_paths.ERR_UNSORTABLE
ERR_SHALLOW_NOT_SEQUENCE = (
    "If shallow structure is a sequence, input must also be a sequence. Input has type: "
    "{type}.{where}")
ERR_SHALLOW_TYPE = (
    "The two structures don't have the same sequence type. Input structure has type "
    "{input_type}, while shallow structure has type {shallow_type}.{where}")
ERR_SHALLOW_LENGTH = (
    "The two structures don't have the same sequence length. Input structure has length "
    "{input_length}, while shallow structure has length {shallow_length}.{where}")
ERR_SHALLOW_KEYS = (
    "The two structures don't have the same keys. Input structure has keys {input_keys}, "
    "while shallow structure has keys {shallow_keys}.{where}")
ERR_DICT_NOT_DICT = "input must be a dictionary, got {!r:.100} of type {}."
ERR_DICT_STRUCTURE = (
    "Could not flatten dictionary: key {key!r} and value {value!r} do not have the same "
    "structure.")
ERR_DICT_DUPLICATE = "Could not flatten dictionary: key {!r} is not unique."

# `is_sequence` is tf.nest's own (C++) function: same answers, same speed.
is_sequence = tf.nest.is_nested
is_iterable = tf.nest.is_nested

# Kinds of values the fast paths handle (0 is left out: a cache miss is falsy).
_LEAF, _LIST, _TUPLE, _NAMEDTUPLE, _DICT, _ORDERED_DICT, _OTHER = range(1, 8)
_kind_cache: dict[type, int] = {}


def _kind(value: Any) -> int:
  value_type = type(value)
  kind = _kind_cache.get(value_type)
  if kind is None:
    if hasattr(value, "__wrapped__"):
      # Proxies (wrapt.ObjectProxy, trackable wrappers): nested or not depending on what
      # they wrap, so never cached; tf.nest handles them.
      return _OTHER
    if not tf.nest.is_nested(value):
      kind = _LEAF
    elif value_type is list:
      kind = _LIST
    elif value_type is tuple:
      kind = _TUPLE
    elif value_type is dict:
      kind = _DICT
    elif value_type is collections.OrderedDict:
      kind = _ORDERED_DICT
    elif issubclass(value_type, tuple) and hasattr(value_type, "_fields"):
      kind = _NAMEDTUPLE
    else:
      kind = _OTHER
    _kind_cache[value_type] = kind
  return kind


# Raised by the fast paths below; the public functions re-raise it with the mapping's path.
_UnsortableKeysError = nest_paths.UnsortableKeysError
_sorted_keys = nest_paths.sorted_keys
_children = nest_paths.children
_format_path = nest_paths.format_key_path


def _unsortable_keys(value: Any, unused_same: Any, path: tuple[Any, ...]) -> Any:
  """A check for `nest_paths.first_difference`: `(path, keys)` if they do not sort."""
  if isinstance(value, collections.abc.Mapping):
    try:
      sorted(value)
    except TypeError:
      return path, list(value)
  return None


def _find_unsortable(structure: Any) -> Any:
  """Returns `(path, keys)` of the first mapping with unsortable keys, or None."""
  # Walks the structure against itself: only `_unsortable_keys` can find a difference.
  return nest_paths.first_difference(structure, structure, _unsortable_keys)


def _unsortable_error(*structures: Any) -> Any:
  """The `TypeError` naming the path of the first unsortable mapping, or None."""
  for structure in structures:
    found = _find_unsortable(structure)
    if found is not None:
      path, keys = found
      return TypeError(ERR_UNSORTABLE.format(path=_format_path(path), keys=keys))
  return None


# Flat sequences up to this length are checked leaf by leaf in Python (cheaper than
# tf.nest's call chain); longer or nested ones go to tf.nest.flatten.
_SHORT_FLAT_LENGTH = 8
_tf_flatten = tf.nest.flatten


def flatten(structure: Any, expand_composites: bool = False) -> list[Any]:
  """Returns the leaves of `structure` in `tf.nest` order (mappings by sorted key).

  Args:
    structure: a nested structure, or a leaf.
    expand_composites: as for `tf.nest.flatten`.

  Returns:
    A list of leaves (`[structure]` for a leaf).

  Raises:
    TypeError: if a mapping has keys that cannot be sorted; the message names its path.
  """
  if not expand_composites:
    cache_get = _kind_cache.get
    kind = cache_get(type(structure)) or _kind(structure)
    if kind == _LEAF:
      return [structure]
    if (kind in (_TUPLE, _NAMEDTUPLE, _LIST)) and (
        len(structure) <= _SHORT_FLAT_LENGTH):
      for child in structure:
        if (cache_get(type(child)) or _kind(child)) != _LEAF:
          break
      else:
        return list(structure)
  try:
    return _tf_flatten(structure, expand_composites)
  except TypeError:
    error = _unsortable_error(structure)
    if error is None:
      raise
    raise error from None


flatten_iterable = flatten


def _rebuild(structure: Any, kind: int, values: list[Any], keys: Any = None) -> Any:
  if kind == _LIST:
    return values
  if kind == _TUPLE:
    return tuple(values)
  if kind == _NAMEDTUPLE:
    return type(structure)(*values)
  by_key = dict(zip(keys, values))
  if kind == _DICT:
    return by_key if len(keys) < 2 or keys == list(structure) else {
        k: by_key[k] for k in structure}
  return type(structure)((k, by_key[k]) for k in structure)


def _pack(structure: Any, next_leaf: Callable[[], Any]) -> Any:
  """Packs leaves from `next_leaf()` into the shape of `structure` (fast types only)."""
  kind = _kind_cache.get(type(structure)) or _kind(structure)
  if kind == _LEAF:
    return next_leaf()
  if kind == _OTHER:
    # tf.nest packs this sub-structure; its leaves come next in the flat order.
    leaves = [next_leaf() for _ in range(len(flatten(structure)))]
    return tf.nest.pack_sequence_as(structure, leaves)
  cache_get = _kind_cache.get
  if kind in (_DICT, _ORDERED_DICT):
    keys = _sorted_keys(structure)
    children = [structure[k] for k in keys]
  else:
    keys = None
    children = structure
  values = [next_leaf() if cache_get(type(child)) == _LEAF else _pack(child, next_leaf)
            for child in children]
  return _rebuild(structure, kind, values, keys)


def _map_single(fn: Callable[[Any], Any], structure: Any) -> Any:
  """`map(fn, structure)` without flattening (fast types only), same call order."""
  kind = _kind_cache.get(type(structure)) or _kind(structure)
  if kind == _LEAF:
    return fn(structure)
  if kind == _OTHER:
    # Mapping the sub-structure with tf.nest keeps the global call order (depth first).
    return tf.nest.map_structure(fn, structure)
  cache_get = _kind_cache.get
  if kind in (_DICT, _ORDERED_DICT):
    keys = _sorted_keys(structure)
    children = [structure[k] for k in keys]
  else:
    keys = None
    children = structure
  values = [fn(child) if cache_get(type(child)) == _LEAF else _map_single(fn, child)
            for child in children]
  return _rebuild(structure, kind, values, keys)


def pack_sequence_as(structure: Any, flat_sequence: Sequence[Any] | np.ndarray,
                     expand_composites: bool = False) -> Any:
  """Packs a flat sequence of leaves into the shape of `structure`.

  The inverse of `flatten`: `pack_sequence_as(s, flatten(s))` equals `s`. Output dicts
  keep the key order of `structure`; values are taken in sorted-key order.

  Args:
    structure: the nested structure whose shape to use.
    flat_sequence: a list, tuple or numpy array with as many items as `structure` has
      leaves.
    expand_composites: as for `tf.nest.pack_sequence_as`.

  Returns:
    The packed structure (`flat_sequence[0]` if `structure` is a leaf).

  Raises:
    TypeError: if `flat_sequence` is not a sequence, or a dict has unsortable keys.
    ValueError: if the number of items differs from the number of leaves.
  """
  if not isinstance(flat_sequence, (list, tuple)):
    if (is_sequence(flat_sequence) or not hasattr(flat_sequence, "__len__") or
        isinstance(flat_sequence, (str, bytes))):  # a string is a leaf, not a sequence
      raise TypeError(ERR_FLAT_NOT_SEQUENCE.format(flat_sequence, type(flat_sequence)))
    flat_sequence = list(flat_sequence)
  if not expand_composites:
    if not is_sequence(structure) and len(flat_sequence) != 1:
      raise ValueError(ERR_PACK_SCALAR.format(items=len(flat_sequence)))
    iterator = iter(flat_sequence)
    try:
      packed = _pack(structure, iterator.__next__)
    except StopIteration:
      raise ValueError(ERR_PACK_COUNT.format(
          leaves=len(flatten(structure)), items=len(flat_sequence),
          structure=structure)) from None
    except _UnsortableKeysError as e:
      raise _unsortable_error(structure) or e from None
    else:
      if next(iterator, _SENTINEL) is not _SENTINEL:
        raise ValueError(ERR_PACK_COUNT.format(
            leaves=len(flatten(structure)), items=len(flat_sequence), structure=structure))
      return packed
  try:
    return tf.nest.pack_sequence_as(structure, flat_sequence,
                                    expand_composites=expand_composites)
  except ValueError:
    leaves = len(flatten(structure, expand_composites=expand_composites))
    if leaves != len(flat_sequence):
      raise ValueError(ERR_PACK_COUNT.format(
          leaves=leaves, items=len(flat_sequence), structure=structure)) from None
    raise


pack_iterable_as = pack_sequence_as

_SENTINEL = object()


# --- The first difference between two structures (paths: nest_paths) -----------------


def _same_type(a: Any, b: Any) -> bool:
  type_a, type_b = type(a), type(b)
  if type_a is type_b:
    return True
  mapping = collections.abc.Mapping
  if isinstance(a, mapping) and isinstance(b, mapping):
    return True  # tf.nest treats all mappings alike.
  # Namedtuples with the same name and fields count as the same type (as in tf.nest).
  fields_a = getattr(type_a, "_fields", None)
  return (fields_a is not None and fields_a == getattr(type_b, "_fields", None) and
          type_a.__name__ == type_b.__name__)


def _same_structure_check(check_types: bool) -> nest_paths.Check:
  """The `nest_paths` check of `assert_same_structure`: `(path, description)` or None."""

  def check(a: Any, b: Any, path: tuple[Any, ...]) -> Any:
    nested_a, nested_b = is_sequence(a), is_sequence(b)
    if nested_a != nested_b:
      leaf, other = (b, a) if nested_a else (a, b)
      return path, (f"one structure has a leaf of type {type(leaf).__name__} where the "
                    f"other has a {type(other).__name__}")
    if not nested_a:
      return None
    if check_types and not _same_type(a, b):
      return path, f"types differ: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, collections.abc.Mapping) and isinstance(b, collections.abc.Mapping):
      keys_a, keys_b = set(a), set(b)
      if keys_a != keys_b:
        only_a = sorted(repr(k) for k in keys_a - keys_b)
        only_b = sorted(repr(k) for k in keys_b - keys_a)
        return path, (f"keys differ: [{', '.join(only_a)}] only in the first, "
                      f"[{', '.join(only_b)}] only in the second")
    length_a, length_b = len(_children(a)), len(_children(b))
    if length_a != length_b:
      return path, f"lengths differ: {length_a} vs {length_b}"
    return None

  return check


def _describe_difference(a: Any, b: Any, check_types: bool) -> str:
  try:
    found = nest_paths.first_difference(a, b, _same_structure_check(check_types))
  except _UnsortableKeysError:
    return f" ({_unsortable_error(a, b)})"
  if found is None:
    return ""
  path, description = found
  return f"\nFirst difference at {_format_path(path)}: {description}."


_ALWAYS_SORTABLE = frozenset((str, bytes, int))


def _surely_same_structure(a: Any, b: Any) -> bool:
  """True if `tf.nest.assert_same_structure(a, b)` would pass (whatever `check_types`).

  Decides only the common types of the same Python type on both sides (list, tuple,
  namedtuple, dict with sortable keys, OrderedDict); sub-structures of other types go to
  `tf.nest`. False means "not sure": the caller asks `tf.nest`, which raises its error.
  """
  cache_get = _kind_cache.get
  kind_a = cache_get(type(a)) or _kind(a)
  kind_b = cache_get(type(b)) or _kind(b)
  if kind_a == _LEAF or kind_b == _LEAF:
    return kind_a == kind_b
  if kind_a == _OTHER or kind_b == _OTHER:
    try:
      tf.nest.assert_same_structure(a, b)
    except (ValueError, TypeError):
      return False
    return True
  if type(a) is not type(b) or len(a) != len(b):
    return False
  if kind_a in (_DICT, _ORDERED_DICT):
    if a.keys() != b.keys():
      return False
    # tf.nest refuses unsortable keys even where the structures match. Keys of one of
    # these types always sort; the order of the checks below does not matter.
    key_types = set(builtins.map(type, a))
    if len(key_types) > 1 or not key_types <= _ALWAYS_SORTABLE:
      try:
        sorted(a)
      except TypeError:
        return False
    children = zip(a.values(), builtins.map(b.__getitem__, a))
  else:
    children = zip(a, b)
  for child_a, child_b in children:
    kind_child = cache_get(type(child_a))
    if kind_child == _LEAF and kind_child == cache_get(type(child_b)):
      continue
    if not _surely_same_structure(child_a, child_b):
      return False
  return True


def assert_same_structure(nest1: Any, nest2: Any, check_types: bool = True,
                          expand_composites: bool = False) -> None:
  """Asserts that two structures are nested in the same way.

  Args:
    nest1: a structure.
    nest2: another structure.
    check_types: also require the same sequence types (list vs tuple, namedtuple types).
    expand_composites: as for `tf.nest.assert_same_structure`.

  Raises:
    ValueError: if the nesting or the number of elements differs; the message names the
      first path where the structures differ.
    TypeError: if `check_types` and the sequence types differ (also naming the path).
  """
  if not expand_composites and _surely_same_structure(nest1, nest2):
    return
  try:
    tf.nest.assert_same_structure(nest1, nest2, check_types=check_types,
                                  expand_composites=expand_composites)
  except (ValueError, TypeError) as e:
    raise type(e)(f"{e}{_describe_difference(nest1, nest2, check_types)}") from None


def map(fn: Callable[..., Any], *structures: Any, check_types: bool = True,
        expand_composites: bool = False) -> Any:
  """Applies `fn` to the leaves of structures: `map_structure`.

  Args:
    fn: a callable taking one argument per structure.
    *structures: structures of the same nesting.
    check_types: require the same sequence types (see `assert_same_structure`).
    expand_composites: as for `tf.nest.map_structure`.

  Returns:
    A structure shaped like `structures[0]` holding `fn(*leaves)`.

  Raises:
    ValueError: without structures, or for structures of different nesting (naming the
      first path where they differ).
    TypeError: if `fn` is not callable, or for different sequence types.
  """
  if not callable(fn):
    raise TypeError(ERR_NOT_CALLABLE.format(fn))
  if not structures:
    raise ValueError(ERR_NO_STRUCTURES)
  first = structures[0]
  if len(structures) == 1:
    if not expand_composites:
      try:
        return _map_single(fn, first)
      except _UnsortableKeysError as e:
        raise _unsortable_error(first) or e from None
    results = [fn(x) for x in flatten(first, expand_composites=expand_composites)]
  else:
    for other in structures[1:]:
      assert_same_structure(first, other, check_types=check_types,
                            expand_composites=expand_composites)
    flats = [flatten(s, expand_composites=expand_composites) for s in structures]
    results = [fn(*leaves) for leaves in zip(*flats)]
  return pack_sequence_as(first, results, expand_composites=expand_composites)


map_structure = map


# --- Shallow structures ---------------------------------------------------------------


def _where(path: tuple[Any, ...]) -> str:
  return f" (at {_format_path(path)})" if path else ""


def _shallow_check(check_types: bool) -> nest_paths.Check:
  """The `nest_paths` check of `assert_shallow_structure`: the error to raise, or None."""

  def check(shallow: Any, tree: Any, path: tuple[Any, ...]) -> Any:
    # Called at the structures of `shallow` only (its leaves match anything).
    if not is_sequence(tree):
      return TypeError(ERR_SHALLOW_NOT_SEQUENCE.format(type=type(tree), where=_where(path)))
    if check_types and not _same_type(shallow, tree):
      return TypeError(ERR_SHALLOW_TYPE.format(
          input_type=type(tree), shallow_type=type(shallow), where=_where(path)))
    shallow_length, tree_length = len(_children(shallow)), len(_children(tree))
    if shallow_length != tree_length:
      return ValueError(ERR_SHALLOW_LENGTH.format(
          input_length=tree_length, shallow_length=shallow_length, where=_where(path)))
    if isinstance(shallow, collections.abc.Mapping) and set(shallow) != set(tree):
      return ValueError(ERR_SHALLOW_KEYS.format(
          input_keys=_sorted_keys(tree), shallow_keys=_sorted_keys(shallow),
          where=_where(path)))
    return None

  return check


def assert_shallow_structure(shallow_tree: Any, input_tree: Any,
                             check_types: bool = True) -> None:
  """Asserts that `shallow_tree` is a shallow version of `input_tree`.

  Every leaf of `shallow_tree` may stand for a whole sub-structure of `input_tree`.

  Args:
    shallow_tree: the shallow structure.
    input_tree: the deeper structure.
    check_types: require the same sequence types.

  Raises:
    TypeError: if a sequence of `shallow_tree` faces a leaf, or a sequence of another
      type, in `input_tree`.
    ValueError: if lengths or keys differ. Messages name the path.
  """
  try:
    error = nest_paths.first_difference(shallow_tree, input_tree,
                                        _shallow_check(check_types), up_to=True)
  except _UnsortableKeysError as e:
    raise _unsortable_error(shallow_tree, input_tree) or e from None
  if error is not None:
    raise error


def flatten_up_to(shallow_tree: Any, input_tree: Any, check_types: bool = True
                  ) -> list[Any]:
  """Flattens `input_tree` down to the depth of `shallow_tree`.

  Args:
    shallow_tree: the shallow structure.
    input_tree: a structure at least as deep as `shallow_tree`.
    check_types: require the same sequence types.

  Returns:
    The sub-structures of `input_tree` at the leaves of `shallow_tree`, in order.

  Raises:
    TypeError, ValueError: as `assert_shallow_structure`.
  """
  try:
    return nest_paths.flatten_up_to(shallow_tree, input_tree, _shallow_check(check_types))
  except _UnsortableKeysError as e:
    raise _unsortable_error(shallow_tree, input_tree) or e from None


def map_up_to(shallow_tree: Any, fn: Callable[..., Any], *inputs: Any,
              check_types: bool = True) -> Any:
  """Applies `fn` to the sub-structures of `inputs` at the leaves of `shallow_tree`.

  Args:
    shallow_tree: the shallow structure.
    fn: a callable taking one argument per input.
    *inputs: structures at least as deep as `shallow_tree`.
    check_types: require the same sequence types.

  Returns:
    A structure shaped like `shallow_tree`.

  Raises:
    ValueError: without inputs; TypeError/ValueError as `assert_shallow_structure`.
  """
  if not inputs:
    raise ValueError(ERR_NO_STRUCTURES)
  if not callable(fn):
    raise TypeError(ERR_NOT_CALLABLE.format(fn))
  flats = [flatten_up_to(shallow_tree, x, check_types=check_types) for x in inputs]
  results = [fn(*leaves) for leaves in zip(*flats)]
  return pack_sequence_as(shallow_tree, results)


map_structure_up_to = map_up_to


def flatten_dict_items(dictionary: dict[Any, Any]) -> dict[Any, Any]:
  """Flattens the keys and values of a dict whose keys are nested like the values.

  `{(4, 5, (6, 8)): ("a", "b", ("c", "d"))}` gives `{4: "a", 5: "b", 6: "c", 8: "d"}`;
  plain keys are kept.

  Args:
    dictionary: the dict.

  Returns:
    A new dict.

  Raises:
    TypeError: if `dictionary` is not a dict.
    ValueError: if a key and its value are nested differently, or a key repeats.
  """
  if not isinstance(dictionary, collections.abc.Mapping):
    raise TypeError(ERR_DICT_NOT_DICT.format(dictionary, type(dictionary)))
  result: dict[Any, Any] = {}
  for key, value in dictionary.items():
    if not is_sequence(key):
      if key in result:
        raise ValueError(ERR_DICT_DUPLICATE.format(key))
      result[key] = value
      continue
    flat_keys = flatten(key)
    try:
      flat_values = flatten_up_to(key, value)
    except (TypeError, ValueError):
      raise ValueError(ERR_DICT_STRUCTURE.format(key=key, value=value)) from None
    for flat_key, flat_value in zip(flat_keys, flat_values):
      if flat_key in result:
        raise ValueError(ERR_DICT_DUPLICATE.format(flat_key))
      result[flat_key] = flat_value
  return result
