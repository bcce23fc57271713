# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Conformance: every module's variables survive a `tf.train.Checkpoint` round trip.

Eager mode (object-based checkpoints): a module with deterministic variable values is
written; a new module restored from it, after or before its first call, gives the same
outputs.
"""

import os

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src.conformance import harness


def _built(descriptor):
  module = harness.construct(descriptor)
  harness.connect(descriptor, module, harness.tensor_inputs(descriptor))
  return module


class CheckpointTest(parameterized.TestCase, tf.test.TestCase):

  def write_checkpoint(self, descriptor):
    """Returns `(path, outputs)` of a built module with deterministic values."""
    module = harness.construct(descriptor)
    inputs = harness.tensor_inputs(descriptor)
    harness.build_and_run(descriptor, module, inputs)
    path = tf.train.Checkpoint(module=module).write(
        os.path.join(self.get_temp_dir(), descriptor.name))
    # After writing: a stateful module's call updates its moving averages.
    return path, harness.to_numpy(harness.connect(descriptor, module, inputs))

  @harness.over_descriptors("checkpoint_round_trip")
  def test_round_trip(self, descriptor):
    path, expected = self.write_checkpoint(descriptor)
    inputs = harness.tensor_inputs(descriptor)
    restored = harness.construct(descriptor)
    harness.connect(descriptor, restored, inputs)  # Built: variables with other values.
    status = tf.train.Checkpoint(module=restored).read(path)
    status.assert_existing_objects_matched()
    outputs = harness.to_numpy(harness.connect(descriptor, restored, inputs))
    harness.assert_nests_close(self, expected, outputs, descriptor.name, rtol=0, atol=0)
    for variable in harness.module_variables(restored):
      value = harness.deterministic_value(harness.variable_key(variable),
                                          variable.shape.as_list(), variable.dtype,
                                          variable.trainable)
      if value is not None and variable.trainable:
        self.assertAllEqual(variable.numpy(), value, msg=harness.variable_key(variable))

  @harness.over_descriptors("checkpoint_restore_before_build")
  def test_restore_before_build(self, descriptor):
    path, expected = self.write_checkpoint(descriptor)
    restored = harness.construct(descriptor)
    status = tf.train.Checkpoint(module=restored).read(path)
    outputs = harness.to_numpy(
        harness.connect(descriptor, restored, harness.tensor_inputs(descriptor)))
    harness.assert_nests_close(self, expected, outputs, descriptor.name, rtol=0, atol=0)
    status.assert_consumed()

  def test_deterministic_values_differ_from_initial_ones(self):
    # Otherwise a round trip could pass without restoring anything.
    module = _built(harness.get("Linear"))
    initial = [v.numpy() for v in harness.module_variables(module)]
    harness.assign_deterministic_values(module)
    for before, variable in zip(initial, harness.module_variables(module)):
      self.assertFalse(np.array_equal(before, variable.numpy()))


if __name__ == "__main__":
  absltest.main()
