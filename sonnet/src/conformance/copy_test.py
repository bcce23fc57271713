# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Conformance: every module built in eager mode can be deep-copied and pickled.

The copy gives the same outputs and has its own variables: assigning to the copy's
variables leaves the original's unchanged.
"""

import copy
import pickle

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src.conformance import harness


def _pickle_round_trip(module):
  return pickle.loads(pickle.dumps(module))


class CopyTest(parameterized.TestCase, tf.test.TestCase):

  def check_copy(self, descriptor, copier):
    module = harness.construct(descriptor)
    inputs = harness.tensor_inputs(descriptor)
    harness.build_and_run(descriptor, module, inputs)
    copied = copier(module)
    self.assertIs(type(copied), type(module))

    originals = harness.module_variables(module)
    copies = harness.module_variables(copied)
    self.assertEqual([harness.variable_key(v) for v in originals],
                     [harness.variable_key(v) for v in copies])
    for original, duplicate in zip(originals, copies):
      self.assertIsNot(original, duplicate)
      self.assertAllEqual(original.numpy(), duplicate.numpy())

    # Both start from the same state (stateful modules update theirs when called).
    expected = harness.to_numpy(harness.connect(descriptor, module, inputs))
    actual = harness.to_numpy(harness.connect(descriptor, copied, inputs))
    harness.assert_nests_close(self, expected, actual, descriptor.name, rtol=0, atol=0)

    before = [v.numpy() for v in originals]
    for duplicate in copies:
      if duplicate.dtype.is_floating:
        duplicate.assign(np.full(duplicate.shape, 7., duplicate.dtype.as_numpy_dtype))
    for value, original in zip(before, originals):
      self.assertAllEqual(value, original.numpy(), msg=harness.variable_key(original))

  @harness.over_descriptors("deepcopy")
  def test_deepcopy(self, descriptor):
    self.check_copy(descriptor, copy.deepcopy)

  @harness.over_descriptors("pickle")
  def test_pickle(self, descriptor):
    self.check_copy(descriptor, _pickle_round_trip)


if __name__ == "__main__":
  absltest.main()
