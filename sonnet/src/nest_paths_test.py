# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for the nest-path walker shared by `snt.nest` and the recurrent cores."""

import collections

import tensorflow as tf

from sonnet.src import nest_paths

Pair = collections.namedtuple("Pair", ("first", "second"))


def _length_check(a, b, path):
  """Reports a leaf facing a structure, or other lengths, as `(path, what)`."""
  if nest_paths.is_structure(a) != nest_paths.is_structure(b):
    return path, "nesting"
  if nest_paths.is_structure(a) and len(a) != len(b):
    return path, "length"
  return None


class NestPathsTest(tf.test.TestCase):

  def test_children_in_tf_nest_order(self):
    structure = {"b": [1, Pair(2, 3)], "a": (4,)}
    self.assertEqual(nest_paths.children(structure), [("a", (4,)), ("b", [1, Pair(2, 3)])])
    self.assertEqual(nest_paths.children(Pair(2, 3)), [(0, 2), (1, 3)])
    leaves = [leaf for _, leaf in nest_paths.flatten_with_paths(structure)]
    self.assertEqual(leaves, tf.nest.flatten(structure))

  def test_tensor_shapes_are_leaves(self):
    shape = tf.TensorShape([2, 3])
    self.assertFalse(nest_paths.is_structure(shape))
    self.assertEqual(nest_paths.flatten_with_paths(Pair(shape, [shape])),
                     [((0,), shape), ((1, 0), shape)])

  def test_path_formats(self):
    structure = Pair({"k": 1}, [2, 3])
    key_paths = [path for path, _ in nest_paths.flatten_with_paths(structure)]
    self.assertEqual([nest_paths.format_key_path(p) for p in key_paths],
                     ["[0]['k']", "[1][0]", "[1][1]"])
    self.assertEqual(nest_paths.format_key_path(()), "(root)")
    attribute_paths = [path for path, _ in nest_paths.flatten_with_paths(
        structure, path="s", extend=nest_paths.append_attribute)]
    self.assertEqual(attribute_paths, ["s.first['k']", "s.second[0]", "s.second[1]"])

  def test_first_difference_is_depth_first(self):
    a = Pair([1, 2], (3, (4, 5)))
    self.assertIsNone(nest_paths.first_difference(a, Pair([0, 0], (0, (0, 0))),
                                                  _length_check))
    self.assertEqual(
        nest_paths.first_difference(a, Pair([0, [0]], (0, (0,))), _length_check),
        ((0, 1), "nesting"))
    self.assertEqual(
        nest_paths.first_difference(a, Pair([0, 0], (0, (0,))), _length_check),
        ((1, 1), "length"))

  def test_up_to_leaves_match_anything(self):
    shallow = Pair(1, (2, 3))
    tree = Pair([10, 11], ({"x": 12}, 13))
    self.assertIsNone(nest_paths.first_difference(shallow, tree, _length_check, up_to=True))
    self.assertEqual(nest_paths.first_difference(shallow, tree, _length_check),
                     ((0,), "nesting"))
    self.assertEqual(nest_paths.flatten_up_to(shallow, tree, _length_check),
                     [[10, 11], {"x": 12}, 13])
    self.assertEqual(nest_paths.flatten_up_to(1, tree, _length_check), [tree])

  def test_flatten_up_to_raises_what_the_check_returns(self):

    def check(a, b, path):
      found = _length_check(a, b, path)
      return None if found is None else ValueError(nest_paths.format_key_path(found[0]))

    with self.assertRaisesRegex(ValueError, r"^\[1\]\[1\]$"):
      nest_paths.flatten_up_to(Pair(1, (2, (3, 4))), Pair([0], (0, (0,))), check)

  def test_unsortable_keys(self):
    with self.assertRaisesRegex(nest_paths.UnsortableKeysError,
                                r"sortable keys; the mapping at \(root\) has keys \[1, 'a'\]"):
      nest_paths.children({1: 0, "a": 0})


if __name__ == "__main__":
  tf.test.main()
