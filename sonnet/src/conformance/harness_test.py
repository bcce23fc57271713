# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for the conformance harness itself."""

import collections
import unittest

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src.conformance import descriptors
from sonnet.src.conformance import harness

Pair = collections.namedtuple("Pair", ["b", "a"])


class HarnessTest(parameterized.TestCase, tf.test.TestCase):

  def test_flatten_with_paths_follows_tf_nest_order(self):
    nest = {"z": [1, Pair(2, 3)], "a": (4, {"k": 5})}
    pairs = harness.flatten_with_paths(nest, "out")
    self.assertEqual([leaf for _, leaf in pairs], tf.nest.flatten(nest))
    self.assertEqual([path for path, _ in pairs],
                     ["out['a'][0]", "out['a'][1]['k']", "out['z'][0]", "out['z'][1].b",
                      "out['z'][1].a"])

  def test_deterministic_value_depends_only_on_the_key(self):
    first = harness.deterministic_value("linear/w", [4, 3], tf.float32, True)
    again = harness.deterministic_value("linear/w", [4, 3], tf.float32, True)
    other = harness.deterministic_value("linear/b", [4, 3], tf.float32, True)
    assert first is not None and other is not None  # Float variables get a value.
    self.assertAllEqual(first, again)
    self.assertFalse(np.array_equal(first, other))
    self.assertLessEqual(np.abs(first).max(), 1 / np.sqrt(4))
    moving = harness.deterministic_value("bn/moving_variance", [3], tf.float32, False)
    assert moving is not None
    self.assertTrue(np.all((moving >= 0.5) & (moving < 1.5)))
    self.assertIsNone(harness.deterministic_value("step", [], tf.int64, False))

  def test_keys_are_the_same_in_every_construction(self):
    keys = []
    for _ in range(2):
      module = harness.construct(harness.get("Sequential"))
      harness.connect(harness.get("Sequential"), module,
                      harness.tensor_inputs(harness.get("Sequential")))
      keys.append([harness.variable_key(v) for v in harness.module_variables(module)])
    self.assertEqual(keys[0], keys[1])
    self.assertEqual(keys[0], ["linear/b", "linear/w", "linear_1/b", "linear_1/w"])

  def test_known_failure_that_passes_fails_the_test(self):
    name = descriptors.DESCRIPTORS[0].name
    original = dict(descriptors.KNOWN_FAILURES)
    descriptors.KNOWN_FAILURES[(name, "harness_probe")] = "listed for this test"
    try:
      class Probe(parameterized.TestCase):

        @harness.over_descriptors("harness_probe", lambda d: d.name == name)
        def test_passes(self, descriptor):
          del descriptor

        @harness.over_descriptors("harness_probe", lambda d: d.name == name)
        def test_fails(self, descriptor):
          self.fail(descriptor.name)

      result = unittest.TestResult()
      unittest.defaultTestLoader.loadTestsFromTestCase(Probe).run(result)
    finally:
      descriptors.KNOWN_FAILURES.clear()
      descriptors.KNOWN_FAILURES.update(original)
    self.assertEqual(result.testsRun, 2)
    self.assertLen(result.failures, 1)
    self.assertIn("test_passes", result.failures[0][0].id())
    self.assertIn("now passes", result.failures[0][1])


if __name__ == "__main__":
  absltest.main()
