# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for the testing helpers themselves."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils


class EvaluateInModeTest(parameterized.TestCase, tf.test.TestCase):

  @test_utils.run_in_modes
  def test_returns_numpy_nest(self, mode):
    def fn():
      return {"a": tf.ones([2]), "b": (tf.constant(3), None)}
    out = test_utils.evaluate_in_mode(mode, fn)
    self.assertIsInstance(out["a"], np.ndarray)
    self.assertAllEqual(out["a"], [1.0, 1.0])
    self.assertEqual(int(out["b"][0]), 3)
    self.assertIsNone(out["b"][1])

  @test_utils.run_in_modes
  def test_runs_in_the_right_mode(self, mode):
    def fn():
      return tf.constant(tf.executing_eagerly())
    eager = bool(test_utils.evaluate_in_mode(mode, fn))
    self.assertEqual(eager, mode == "eager")

  @test_utils.run_in_modes
  def test_modules_built_inside_fn_have_one_set_of_variables(self, mode):
    built = []

    def fn():
      module = snt.nets.MLP([3, 2])
      built.append(module)
      return module(tf.ones([1, 4])), module(tf.ones([2, 4]))
    first, second = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(first[0], second[0])
    variables = {id(v) for module in built for v in module.variables}
    self.assertLen(variables, 4)  # tf.function's second trace adopts the first's.

  def test_bad_mode(self):
    with self.assertRaisesRegex(ValueError, "mode must be one of"):
      test_utils.evaluate_in_mode("jit", lambda: 1)

  @test_utils.run_in_modes
  def test_assert_raises_in_mode(self, mode):
    def fn():
      return snt.Linear(2)(tf.ones([1, 2, 3]))
    test_utils.assert_raises_in_mode(self, mode, fn, snt.IncompatibleShapeError, "rank")
    with self.assertRaises(AssertionError):
      test_utils.assert_raises_in_mode(self, mode, lambda: tf.ones([1]), ValueError)



class _Item:
  """Stands in for a pytest item: `obj` is the test method, `nodeid` its id."""

  def __init__(self, obj, nodeid="f_test.py::C::t"):
    self.obj, self.nodeid = obj, nodeid


class LegacyModeTest(parameterized.TestCase, tf.test.TestCase):

  def test_modes_of_this_process(self):
    self.assertEqual(test_utils.MODES, ("eager", "tf_function", "graph", "legacy"))
    if test_utils.legacy_process():
      self.assertEqual(test_utils.in_process_modes(), ("legacy",))
    else:
      self.assertEqual(test_utils.in_process_modes(), ("eager", "tf_function", "graph"))
    self.assertEqual([m for m in test_utils.MODES if test_utils.session_mode(m)],
                     ["graph", "legacy"])

  def test_other_process_mode_refused(self):
    other = "eager" if test_utils.legacy_process() else "legacy"
    with self.assertRaisesRegex(RuntimeError, "legacy mode runs only in a process"):
      test_utils.evaluate_in_mode(other, lambda: tf.ones([1]))

  @test_utils.run_in_modes
  def test_legacy_mode_has_tf1_behaviour(self, mode):
    def fn():
      x = tf.ones([2, 3])
      return tf.constant([isinstance(x.shape[1], tf.compat.v1.Dimension),
                          not tf.compat.v1.resource_variables_enabled(),
                          not tf.compat.v1.control_flow_v2_enabled()])
    tf1_behaviour = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllEqual(tf1_behaviour, [mode == "legacy"] * 3)

  def test_conftest_finds_legacy_cases_and_shards_them(self):
    import conftest  # pylint: disable=g-import-not-at-top  # The repository's conftest.py.
    cases = {name: getattr(EvaluateInModeTest, name) for name in dir(EvaluateInModeTest)
             if name.startswith("test_returns_numpy_nest")}
    legacy = [n for n, method in cases.items() if conftest.is_legacy_case(_Item(method))]
    self.assertEqual(legacy, ["test_returns_numpy_nest_legacy"])
    self.assertFalse(conftest.is_legacy_case(_Item(self.test_other_process_mode_refused)))
    items = [_Item(None, f"{f}::C::t{i}") for f, n in (("a", 5), ("b", 3), ("c", 2))
             for i in range(n)]
    shards = conftest._shards(items, 2)
    self.assertEqual([len(s) for s in shards], [5, 5])  # Whole files: a | b + c.
    self.assertEqual(sorted(i for s in shards for i in s), sorted(i.nodeid for i in items))


if __name__ == "__main__":
  tf.test.main()
