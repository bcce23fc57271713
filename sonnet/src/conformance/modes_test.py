# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Conformance: every module gives the same outputs in every mode and with an unknown batch.

The modes are those of `test_utils.MODES` (a mode added there is covered here at once):
each runs `harness.build_and_run` through `test_utils.evaluate_in_mode`, so the variables
get the same deterministic values in every mode and the outputs must match eager mode's.
Legacy mode runs in a process without eager execution (see `test_utils`): there the
variables and outputs must match the checked-in goldens of eager mode (`goldens_test`).
"""

import json

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import test_utils
from sonnet.src.conformance import goldens_test
from sonnet.src.conformance import harness


def _batched(descriptor):
  return descriptor.batched


class ModesTest(parameterized.TestCase, tf.test.TestCase):

  def assert_static_shapes(self, reference, outputs, what):
    """Each output's static shape is the reference's, except maybe dimension 0."""
    reference_shapes = [np.shape(x) for x in tf.nest.flatten(reference)]
    static_shapes = [x.shape for x in tf.nest.flatten(outputs)]
    self.assertLen(static_shapes, len(reference_shapes), what)
    for i, (expected, static) in enumerate(zip(reference_shapes, static_shapes)):
      self.assertEqual(static.rank, len(expected), f"{what}: leaf {i} rank")
      self.assertEqual(static.as_list()[1:], list(expected[1:]), f"{what}: leaf {i} shape")
      if expected:
        self.assertIn(tf.compat.dimension_value(static[0]), (None, expected[0]),
                      f"{what}: leaf {i} dimension 0")

  @harness.over_descriptors("modes", modes=test_utils.MODES)
  def test_same_outputs_as_eager(self, descriptor, mode):
    if mode == test_utils.LEGACY:
      module = harness.construct(descriptor)
      outputs = test_utils.evaluate_in_mode(
          mode, lambda: harness.build_and_run(descriptor, module,
                                              harness.tensor_inputs(descriptor)))
      goldens_test.assert_matches_golden(
          self, descriptor, goldens_test.record(descriptor, module, outputs))
      return
    reference = harness.eager_reference(descriptor)
    module = harness.construct(descriptor)
    outputs = test_utils.evaluate_in_mode(
        mode, lambda: harness.build_and_run(descriptor, module,
                                            harness.tensor_inputs(descriptor)))
    harness.assert_nests_close(self, reference, outputs, f"{descriptor.name} in {mode}")

  @harness.over_descriptors("unknown_batch_tf_function", _batched)
  def test_unknown_batch_tf_function(self, descriptor):
    # Built eagerly with the example batch, then traced once with an unknown batch (the
    # graph test below covers a first call with an unknown batch).
    reference = harness.eager_reference(descriptor)
    module = harness.construct(descriptor)
    harness.connect(descriptor, module, harness.tensor_inputs(descriptor))
    harness.assign_deterministic_values(module)  # As build_and_run, before the run.
    function = tf.function(lambda *args: harness.connect(descriptor, module, args),
                           input_signature=harness.input_signature(descriptor, True))
    concrete = function.get_concrete_function()
    self.assert_static_shapes(reference, concrete.structured_outputs, descriptor.name)
    outputs = harness.to_numpy(function(*harness.numpy_inputs(descriptor)))
    harness.assert_nests_close(self, reference, outputs, descriptor.name)

  @harness.over_descriptors("unknown_batch_graph", _batched)
  def test_unknown_batch_graph_placeholder(self, descriptor):
    reference = harness.eager_reference(descriptor)
    with tf.Graph().as_default():
      placeholders = tf.nest.map_structure(
          lambda spec: tf.compat.v1.placeholder(spec.dtype, spec.shape),
          harness.input_signature(descriptor, True))
      module = harness.construct(descriptor)
      outputs = harness.build_and_run(descriptor, module, placeholders)
      self.assert_static_shapes(reference, outputs, descriptor.name)
      feed = dict(zip(tf.nest.flatten(placeholders),
                      tf.nest.flatten(harness.numpy_inputs(descriptor))))
      with tf.compat.v1.Session() as session:
        session.run([tf.compat.v1.global_variables_initializer(),
                     tf.compat.v1.local_variables_initializer()])
        values = session.run(outputs, feed)
    harness.assert_nests_close(self, reference, values, descriptor.name)

  @harness.over_descriptors("unknown_batch", _batched, modes=(test_utils.LEGACY,))
  def test_unknown_batch_legacy(self, descriptor, mode):
    # As test_unknown_batch_graph_placeholder, against the goldens (no eager reference in a
    # legacy-mode process): v1 shapes hold `Dimension(None)` for the unknown batch.
    del mode  # Always legacy.
    with open(goldens_test.golden_path(descriptor.name)) as f:
      reference = [np.zeros(leaf["shape"]) for leaf in json.load(f)["outputs"]]
    with tf.Graph().as_default():
      placeholders = tf.nest.map_structure(
          lambda spec: tf.compat.v1.placeholder(spec.dtype, spec.shape),
          harness.input_signature(descriptor, True))
      module = harness.construct(descriptor)
      outputs = harness.build_and_run(descriptor, module, placeholders)
      self.assert_static_shapes(reference, outputs, descriptor.name)
      feed = dict(zip(tf.nest.flatten(placeholders),
                      tf.nest.flatten(harness.numpy_inputs(descriptor))))
      with tf.compat.v1.Session() as session:
        session.run([tf.compat.v1.global_variables_initializer(),
                     tf.compat.v1.local_variables_initializer()])
        values = session.run(outputs, feed)
    goldens_test.assert_matches_golden(
        self, descriptor, goldens_test.record(descriptor, module, values))

  @harness.over_descriptors("transpose", lambda d: d.transposable)
  def test_transpose_maps_outputs_back_to_input_shape(self, descriptor):
    module = harness.construct(descriptor)
    inputs = harness.tensor_inputs(descriptor)
    outputs = harness.connect(descriptor, module, inputs)
    transposed = module.transpose()
    back = transposed(outputs)
    self.assertEqual(back.shape, inputs[0].shape)
    own = {id(v) for v in module.variables}
    self.assertFalse(any(id(v) in own for v in transposed.variables),
                     "the transpose shares variables with the module")


if __name__ == "__main__":
  absltest.main()
