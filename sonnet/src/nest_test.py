# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.nest."""

import collections
from typing import Any

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt

nest = snt.nest

Pair = collections.namedtuple("Pair", ["first", "second"])
Empty = collections.namedtuple("Empty", [])


_Field = collections.namedtuple("_Field", ["name"])


class Point:
  """What an `@attr.s` class looks like to tf.nest (attrs itself is not a dependency)."""

  __attrs_attrs__ = (_Field("x"), _Field("y"))

  def __init__(self, x, y):
    self.x = x
    self.y = y

  def __eq__(self, other):
    return type(other) is Point and (self.x, self.y) == (other.x, other.y)

  def __repr__(self):
    return f"Point({self.x!r}, {self.y!r})"


def _structures():
  return [
      1,
      None,
      "string",
      np.arange(3),
      [],
      (),
      {},
      Empty(),
      [1, (2, 3), [4]],
      Pair(first=1, second=[2, 3]),
      {"b": 1, "a": (2, None), "c": {"z": 3, "y": 4}},
      collections.OrderedDict([("z", 1), ("a", 2)]),
      collections.defaultdict(int, {"q": 1, "p": 2}),
      Point(x=[1, 2], y={"k": 3}),
      [tf.constant(1.0), {"t": tf.ones([2])}],
  ]


class NestTest(parameterized.TestCase, tf.test.TestCase):

  def test_same_leaf_order_as_tf_nest_and_round_trip(self):
    for structure in _structures():
      flat = nest.flatten(structure)
      self.assertEqual(len(flat), len(tf.nest.flatten(structure)))
      for a, b in zip(flat, tf.nest.flatten(structure)):
        self.assertIs(a, b)
      packed = nest.pack_sequence_as(structure, flat)
      tf.nest.assert_same_structure(packed, structure)
      self.assertEqual(type(packed), type(structure))
      # What tf.nest flattens, snt.nest packs, and the reverse.
      tf.nest.assert_same_structure(tf.nest.pack_sequence_as(structure, flat), packed)

  def test_flatten_short_flat_sequences_like_tf_nest(self):
    sparse = tf.sparse.from_dense([[1.0, 0.0]])
    module = tf.Module()
    module.items = [1, 2]  # A trackable list wrapper (a proxy).
    for structure in [(1, 2), Pair(np.zeros(2), None), list(range(8)), list(range(9)),
                      ("a", b"b"), (sparse, 1), [1, (2,)], (1, {"a": 2}), module.items]:
      for expand_composites in (False, True):
        flat = nest.flatten(structure, expand_composites=expand_composites)
        expected = tf.nest.flatten(structure, expand_composites=expand_composites)
        self.assertIsInstance(flat, list)
        self.assertIsNot(flat, structure)
        self.assertLen(flat, len(expected), msg=repr(structure))
        for a, b in zip(flat, expected):
          self.assertIs(a, b)

  def test_assert_same_structure_agrees_with_tf_nest(self):
    module = tf.Module()
    module.items = [1, 2]  # A trackable list wrapper (a proxy).
    # A second type named "Pair", on purpose.
    OtherPair = collections.namedtuple("Pair", ["first", "second"])  # type: ignore[name-match]
    # (Unsortable keys: see test_unsortable_keys_errors_name_the_path; tf.nest can leave
    # a SystemError behind there.)
    candidates = _structures() + [
        (1, 2), [1, 2], Pair(1, 2), OtherPair(1, 2), Pair(1, [2]), module.items,
        {"a": 1, "b": 2}, {"a": 1, "c": 2}, {"a": [1], "b": 2},
        collections.OrderedDict([("b", 2), ("a", 1)]), [[1, 2]], [[1, (2,)]], ("a", None)]
    for first in candidates:
      for second in candidates:
        for check_types in (True, False):
          try:
            tf.nest.assert_same_structure(first, second, check_types=check_types)
            expected = None
          except (TypeError, ValueError) as e:
            expected = type(e)
          context = f"{first!r} vs {second!r}, check_types={check_types}"
          if expected is None:
            nest.assert_same_structure(first, second, check_types=check_types)
          else:
            with self.assertRaises(expected, msg=context):
              nest.assert_same_structure(first, second, check_types=check_types)

  def test_proxies_and_trackable_wrappers(self):
    module = tf.Module()
    module.items = {"b": [1, 2], "a": 3}  # Becomes a trackable _DictWrapper (a proxy).
    packed = nest.pack_sequence_as(module.items, [10, 20, 30])
    self.assertEqual(dict(packed), {"a": 10, "b": [20, 30]})
    self.assertEqual(nest.map(lambda x: x, module.items), {"a": 3, "b": [1, 2]})
    self.assertEqual(nest.pack_sequence_as([1], [5]), [5])

  def test_dict_order(self):
    structure = {"b": 1, "a": 2, "c": 3}
    self.assertEqual(nest.flatten(structure), [2, 1, 3])
    ordered = collections.OrderedDict([("b", 1), ("a", 2)])
    self.assertEqual(nest.flatten(ordered), [2, 1])  # Sorted, like tf.nest.
    packed = nest.pack_sequence_as(structure, [10, 20, 30])
    self.assertEqual(list(packed), ["b", "a", "c"])  # Key order of the structure kept.
    self.assertEqual(packed, {"a": 10, "b": 20, "c": 30})
    packed = nest.pack_sequence_as(ordered, [10, 20])
    self.assertIsInstance(packed, collections.OrderedDict)
    self.assertEqual(list(packed.items()), [("b", 20), ("a", 10)])

  def test_leaves(self):
    for leaf in ("abc", b"abc", np.zeros([2, 2]), tf.zeros([3]), None, 3.5, {1, 2}):
      self.assertFalse(nest.is_sequence(leaf))
      self.assertFalse(nest.is_iterable(leaf))
      self.assertEqual(len(nest.flatten(leaf)), 1)
      self.assertIs(nest.flatten(leaf)[0], leaf)
    self.assertTrue(nest.is_sequence([1]))
    self.assertTrue(nest.is_sequence({"a": 1}))
    self.assertTrue(nest.is_sequence(Point(1, 2)))

  def test_sonnet1_flatten_iterable_example(self):
    structure = ["z", Pair(3, 4), {"c": [1, collections.OrderedDict([("b", 3), ("a", 2)])],
                                   "b": 5}, 17]
    self.assertEqual(nest.flatten_iterable(structure), ["z", 3, 4, 5, 1, 2, 3, 17])
    packed = nest.pack_iterable_as(structure, nest.flatten_iterable(structure))
    self.assertEqual(packed, structure)

  def test_map(self):
    structure = {"b": [1, 2], "a": Pair(3, (4,))}
    doubled = nest.map(lambda x: 2 * x, structure)
    self.assertEqual(doubled, {"b": [2, 4], "a": Pair(6, (8,))})
    summed = nest.map(lambda x, y: x + y, structure, doubled)
    self.assertEqual(summed, {"b": [3, 6], "a": Pair(9, (12,))})
    self.assertEqual(nest.map(lambda x: x, Empty()), Empty())
    self.assertEqual(nest.map(lambda x: x, []), [])
    self.assertEqual(nest.map(lambda x: x + 1, Point([1], {"k": 2})), Point([2], {"k": 3}))
    self.assertIsNone(nest.map(lambda x: x, None))

  def test_map_call_order_is_flatten_order(self):
    seen: list[Any] = []
    nest.map(seen.append, {"b": 1, "a": [2, 3], "c": Pair(4, 5)})
    self.assertEqual(seen, [2, 3, 1, 4, 5])

  def test_map_calls_fn_once_per_leaf_with_mixed_types(self):
    module = tf.Module()
    module.tracked = {"q": [7, 8]}
    structure = {"a": 1, "b": Point([2, 3], {"k": 4}), "c": module.tracked,
                 "d": collections.defaultdict(int, {"z": 5, "y": 6})}
    seen: list[Any] = []

    def record(x):
      seen.append(x)
      return x * 10

    out = nest.map(record, structure)
    self.assertEqual(seen, tf.nest.flatten(structure))
    self.assertEqual(seen, [1, 2, 3, 4, 7, 8, 6, 5])
    self.assertEqual(out["b"], Point([20, 30], {"k": 40}))
    self.assertIsInstance(out["d"], collections.defaultdict)
    packed = nest.pack_sequence_as(structure, list(range(8)))
    self.assertEqual(packed["b"], Point([1, 2], {"k": 3}))
    self.assertEqual(dict(packed["d"]), {"y": 6, "z": 7})
    with self.assertRaisesRegex(ValueError, "Structure had 8 elements, but flat_sequence had 3"):
      nest.pack_sequence_as(structure, [1, 2, 3])

  def test_map_errors(self):
    with self.assertRaisesRegex(ValueError, "at least one structure"):
      nest.map(lambda x: x)
    with self.assertRaisesRegex(TypeError, "callable"):
      nest.map(3, [1])  # type: ignore[arg-type]  # deliberately wrong
    with self.assertRaisesRegex(ValueError, r"First difference at \['a'\]\[1\]: lengths"):
      nest.map(lambda x, y: x, {"a": [1, (2, 3)]}, {"a": [1, (2, 3, 4)]})
    with self.assertRaisesRegex(ValueError, r"First difference at \[1\]"):
      nest.map(lambda x, y: x, [1, 2], [1, [2]])
    with self.assertRaisesRegex(TypeError, r"First difference at \(root\): types differ"):
      nest.map(lambda x, y: x, [1, 2], (1, 2))
    self.assertEqual(nest.map(lambda x, y: x + y, [1, 2], (1, 2), check_types=False), [2, 4])
    with self.assertRaisesRegex(
        ValueError, r"keys differ: \['c'\] only in the first, \['b'\] only in the second"):
      nest.map(lambda x, y: x, {"a": 1, "c": 2}, {"a": 1, "b": 2})

  def test_namedtuple_vs_tuple(self):
    with self.assertRaisesRegex(TypeError, "types differ: Pair vs tuple"):
      nest.assert_same_structure(Pair(1, 2), (1, 2))
    nest.assert_same_structure(Pair(1, 2), (1, 2), check_types=False)

  def test_unsortable_keys_errors_name_the_path(self):
    root = {1: "a", "b": 2}
    self.assertRaisesRegex(TypeError, r"sortable keys; the mapping at \(root\) has keys "
                           r"\[1, 'b'\]", nest.flatten, root)
    deep = {"a": [1, Pair(root, 3)], "c": 4}
    where = r"sortable keys; the mapping at \['a'\]\[1\]\[0\] has keys \[1, 'b'\]"
    calls = {
        "flatten": lambda: nest.flatten(deep),
        "flatten_iterable": lambda: nest.flatten_iterable(deep),
        "pack_sequence_as": lambda: nest.pack_sequence_as(deep, [1, 2, 3, 4, 5]),
        "map": lambda: nest.map(lambda x: x, deep),
        "map (2 structures)": lambda: nest.map(lambda x, y: x, deep, deep),
        "assert_same_structure": lambda: nest.assert_same_structure(deep, deep),
        "flatten_up_to": lambda: nest.flatten_up_to(deep, deep),
        "map_up_to": lambda: nest.map_up_to(deep, lambda x: x, deep),
    }
    for name, call in calls.items():
      with self.assertRaisesRegex(TypeError, where, msg=name):
        call()
    # Sortable keys of mixed types that tf.nest accepts still work.
    self.assertEqual(nest.flatten({(1, "a"): 1, (0, "b"): 2}), [2, 1])

  def test_pack_errors(self):
    with self.assertRaisesRegex(ValueError, "Structure had 2 elements, but flat_sequence had 3"):
      nest.pack_sequence_as([1, 2], [1, 2, 3])
    with self.assertRaisesRegex(ValueError, "Structure had 3 elements, but flat_sequence had 2"):
      nest.pack_sequence_as({"a": [1, 2], "b": 3}, [1, 2])
    # Sonnet 1's texts: a scalar structure, a string given as the flat sequence.
    with self.assertRaisesRegex(ValueError, r"Structure is a scalar but len\(flat_sequence\) == 2"):
      nest.pack_sequence_as(1, [1, 2])
    with self.assertRaisesRegex(ValueError, "Structure is a scalar"):
      nest.pack_sequence_as("hi", [])
    with self.assertRaisesRegex(TypeError, "flat_sequence must be a sequence"):
      nest.pack_sequence_as("hi", "bye")
    with self.assertRaisesRegex(TypeError, "flat_sequence must be a sequence"):
      nest.pack_sequence_as(["a"], b"b")
    self.assertEqual(nest.pack_sequence_as("hi", ["bye"]), "bye")
    with self.assertRaisesRegex(TypeError, "must be a sequence"):
      nest.pack_sequence_as([1], 1)  # type: ignore[arg-type]  # deliberately wrong
    with self.assertRaisesRegex(ValueError, "Structure had 3 elements"):
      nest.pack_sequence_as(Point([1, 2], 3), [1])
    self.assertEqual(nest.pack_sequence_as([1, 2], np.array([5, 6])), [5, 6])

  def test_shallow_structure_errors_sonnet1_texts(self):
    with self.assertRaisesRegex(
        TypeError, "If shallow structure is a sequence, input must also be a sequence. "
        "Input has type: <class 'str'>."):
      nest.assert_shallow_structure(["a", "b"], "ab")
    with self.assertRaisesRegex(
        TypeError, "The two structures don't have the same sequence type. Input structure "
        "has type <class 'tuple'>, while shallow structure has type <class 'list'>."):
      nest.assert_shallow_structure(["a"], ("a",))
    with self.assertRaisesRegex(
        ValueError, "The two structures don't have the same sequence length. Input "
        "structure has length 2, while shallow structure has length 3."):
      nest.assert_shallow_structure(["a", "b", "c"], ["a", "b"])
    with self.assertRaisesRegex(ValueError, r"same keys.*\(at \[0\]\)"):
      nest.assert_shallow_structure([{"a": 1}], [{"b": 1}])
    nest.assert_shallow_structure(["a"], ("a",), check_types=False)

  def test_flatten_up_to_and_map_up_to(self):
    shallow = Pair(first=None, second=[None, None])
    deep = Pair(first=(1, 2), second=[{"a": 3}, "string"])
    self.assertEqual(nest.flatten_up_to(shallow, deep), [(1, 2), {"a": 3}, "string"])
    self.assertEqual(nest.flatten_up_to(1, [1, 2]), [[1, 2]])
    lengths = nest.map_up_to(shallow, lambda x: len(x), deep)
    self.assertEqual(lengths, Pair(first=2, second=[1, 6]))
    summed = nest.map_up_to([None, None], lambda x, y: x + y, [(1,), "a"], [(2,), "b"])
    self.assertEqual(summed, [(1, 2), "ab"])
    with self.assertRaisesRegex(ValueError, "at least one structure"):
      nest.map_up_to([1], lambda x: x)

  def test_flatten_dict_items(self):
    self.assertEqual(nest.flatten_dict_items({(4, 5, (6, 8)): ("a", "b", ("c", "d")),
                                              "k": [1, 2]}),
                     {4: "a", 5: "b", 6: "c", 8: "d", "k": [1, 2]})
    with self.assertRaisesRegex(TypeError, "must be a dictionary"):
      nest.flatten_dict_items([1])  # type: ignore[arg-type]  # deliberately wrong
    with self.assertRaisesRegex(ValueError, "same structure"):
      nest.flatten_dict_items({(1, 2): (3,)})
    with self.assertRaisesRegex(ValueError, "not unique"):
      nest.flatten_dict_items({(1, 2): (3, 4), 1: 5})

  def test_through_tf_function_keeps_leaf_order(self):
    structure = collections.OrderedDict([("z", tf.constant(1)), ("a", tf.constant(2))])

    @tf.function
    def identity(s):
      return s
    out = identity(structure)
    self.assertEqual([int(x) for x in nest.flatten(out)],
                     [int(x) for x in nest.flatten(structure)])
    repacked = nest.pack_sequence_as(structure, tf.nest.flatten(out))
    self.assertEqual(list(repacked), ["z", "a"])

  def test_tensors_are_leaves_in_map(self):
    out = nest.map(lambda t: t * 2, {"a": tf.ones([2]), "b": [tf.zeros([1])]})
    self.assertAllEqual(out["a"], [2.0, 2.0])
    self.assertAllEqual(out["b"][0], [0.0])


if __name__ == "__main__":
  tf.test.main()
