# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.base: `variable_scope(custom_getter=...)` blocks inside `_build`.

Sonnet 1 programs (e.g. Bayes-by-Backprop RNNs) wrap the construction of a sub-module in
such a block inside their own module's `_build`; the sub-module applies the getter, as it
does when built in such a block outside any module.
"""

from typing import Any

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils

ZEROS = {"w": snt.initializers.zeros, "b": snt.initializers.zeros}


def add(amount):
  def getter(next_getter, *args, **kwargs):
    return next_getter(*args, **kwargs) + amount
  return getter


def times(factor):
  def getter(next_getter, *args, **kwargs):
    return next_getter(*args, **kwargs) * factor
  return getter


class Head(snt.AbstractModule):
  """Builds its linear read-out inside `variable_scope` blocks with custom getters."""

  def __init__(self, getters, name="head", custom_getter=None):
    super().__init__(name=name, custom_getter=custom_getter)
    self._getters = getters
    self.linear: Any = None

  def _build(self, x):
    scopes = [tf.compat.v1.variable_scope("scope_%d" % i, custom_getter=getter)
              for i, getter in enumerate(self._getters)]
    for scope in scopes:
      scope.__enter__()
    try:
      self.linear = snt.Linear(2, initializers=ZEROS)
      out = self.linear(x)
    finally:
      for scope in reversed(scopes):
        scope.__exit__(None, None, None)
    return out + snt.Linear(2, initializers=ZEROS, name="plain")(x)


class ScopeGetterInBuildTest(parameterized.TestCase, tf.test.TestCase):

  @test_utils.run_in_modes
  def test_getter_applies_to_a_module_built_in_the_block(self, mode):
    def fn():
      head = Head([add(100.0)])
      return head(tf.ones([1, 3])), head.linear.w
    out, w = test_utils.evaluate_in_mode(mode, fn)
    # w and b read as 100 each: 3 * 100 + 100; the plain Linear outside the block adds 0.
    # `w` is what the getter returned, as in Sonnet 1.
    self.assertAllClose(out, np.full([1, 2], 400.0))
    self.assertAllClose(w, np.full([3, 2], 100.0))

  @test_utils.run_in_modes
  def test_nested_blocks_apply_the_inner_getter_last(self, mode):
    def fn():
      return Head([add(1.0), times(10.0)])(tf.ones([1, 3]))
    # Each variable reads (0 + 1) * 10 = 10: 3 * 10 + 10.
    self.assertAllClose(test_utils.evaluate_in_mode(mode, fn), np.full([1, 2], 40.0))

  @test_utils.run_in_modes
  def test_getters_of_the_parent_and_of_the_block_both_apply(self, mode):
    def fn():
      return Head([times(10.0)], custom_getter=add(1.0))(tf.ones([1, 3]))
    # The parent's getter applies first: (0 + 1) * 10 = 10 per variable in the block
    # (3 * 10 + 10), and 1 per variable of the plain Linear (3 * 1 + 1).
    self.assertAllClose(test_utils.evaluate_in_mode(mode, fn), np.full([1, 2], 44.0))


class ScopeNamesInBuildTest(parameterized.TestCase, tf.test.TestCase):

  @test_utils.run_in_modes
  def test_names_nest_under_the_blocks_in_tf1_graphs_and_calls_share(self, mode):
    def fn():
      head = Head([add(0.0)])
      x = tf.ones([1, 3])
      first = head(x)
      first_linear = head.linear
      second = head(x)
      # Sonnet 1 (TF1 graphs): under the blocks' variable scopes. Elsewhere variable
      # scopes opened in a call are not tracked, and the name is the parent's.
      expected = ("head/scope_0/linear" if test_utils.session_mode(mode)
                  else "head/linear")
      self.assertEqual(head.linear.scope_name, expected)
      self.assertEqual(sorted(v.name for v in head.linear.variables),
                       [expected + "/b:0", expected + "/w:0"])
      self.assertIsNot(head.linear, first_linear)
      self.assertLen(head.get_all_variables(), 4)  # The second call shares them.
      return first, second
    first, second = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(first, second)


if __name__ == "__main__":
  tf.test.main()
