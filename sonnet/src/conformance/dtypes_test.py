# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Conformance: every module computes in float16 and bfloat16, with and without a policy.

Two checks per low-precision dtype, eagerly, on every descriptor:

* `low_<dtype>`: the floating-point inputs in that dtype and no policy (Sonnet 1's
  behaviour): the floating-point variables and outputs have that dtype;
* `mixed_<dtype>`: float32 inputs inside `snt.mixed_precision.scope(dtype)`: the trainable
  variables are float32 and the floating-point outputs have the compute dtype.

Either way the outputs must be close to the float32 outputs (`harness.eager_reference`),
with a tolerance fit for 8 (bfloat16) or 11 (float16) bits of mantissa. `SKIPPED` lists the
descriptors a check does not apply to, with the reason.
"""

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import mixed_precision
from sonnet.src.conformance import harness

LOW_DTYPES = {"float16": tf.float16, "bfloat16": tf.bfloat16}
# |low - float32| <= ATOL + RTOL * |float32|: a few roundings of the inputs, the variables
# and the intermediate results, accumulated over a few layers or steps.
TOLERANCE = {"float16": 2e-2, "bfloat16": 1e-1}

_NO_FLOAT_INPUTS = (
    "no floating-point inputs (integer ids or no inputs): the variables' dtype is the "
    "constructor's `dtype` argument, which no input or policy overrides")
_STATE_FROM_CORES = (
    "the descriptor's call builds the state with core.initial_state(batch) before the "
    "cores' first call, so the state is float32 (pass dtype=); covered by mixed_<dtype>")

_KERAS_CELL = (
    "wraps a Keras cell, which computes in its own Keras dtype policy (float32 unless Keras' "
    "mixed policy or the cell's dtype= says otherwise), not in Sonnet's")

# Modules that keep float32 variables for 16-bit inputs (normalisation statistics and
# parameters need float32; RelationalMemory holds LayerNorms; SpectralNormWrapper keeps
# its power-iteration vectors u0 in float32).
FLOAT32_VARIABLES = frozenset({"BatchNorm", "BatchNormV2", "CrossReplicaBatchNorm",
                               "GroupNorm", "InstanceNorm", "LayerNorm", "RelationalMemory",
                               "SpectralNormWrapper"})

# (descriptor name, check) -> why the check does not apply.
SKIPPED: dict[tuple[str, str], str] = {}
for _dtype in LOW_DTYPES:
  for _name in ("Embed", "TrainableVariable"):
    SKIPPED[(_name, f"low_{_dtype}")] = _NO_FLOAT_INPUTS
    SKIPPED[(_name, f"mixed_{_dtype}")] = _NO_FLOAT_INPUTS
  SKIPPED[("BidirectionalRNN", f"low_{_dtype}")] = _STATE_FROM_CORES
  SKIPPED[("TrainableInitialState", f"low_{_dtype}")] = _NO_FLOAT_INPUTS
  SKIPPED[("RNNCellWrapper", f"low_{_dtype}")] = _KERAS_CELL
  SKIPPED[("RNNCellWrapper", f"mixed_{_dtype}")] = _KERAS_CELL


def _skip_reason(descriptor: harness.Descriptor, check: str) -> str | None:
  return SKIPPED.get((descriptor.name, check))


def _cast_inputs(descriptor: harness.Descriptor, dtype: tf.DType) -> tuple:
  def cast(array):
    array = np.asarray(array)
    return tf.constant(array, dtype) if array.dtype.kind == "f" else tf.constant(array)
  return tf.nest.map_structure(cast, harness.numpy_inputs(descriptor))


def _connect(descriptor: harness.Descriptor, module, args, state_dtype) -> object:
  """`harness.connect`, with the recurrent state made in `state_dtype` (None: default)."""
  if descriptor.call is not None or not descriptor.recurrent:
    return harness.connect(descriptor, module, args)
  state = module.initial_state(harness.batch_size_of(args), dtype=state_dtype)
  output_1, state = module(*args, state, **descriptor.call_kwargs)
  output_2, state = module(*args, state, **descriptor.call_kwargs)
  return output_1, output_2, state


def _build_and_run(descriptor, module, args, state_dtype):
  """Eager `harness.build_and_run` with the state in `state_dtype`."""
  _connect(descriptor, module, args, state_dtype)
  harness.assign_deterministic_values(module)
  return _connect(descriptor, module, args, state_dtype)


class DTypesTest(parameterized.TestCase, tf.test.TestCase):

  def assert_low_precision(self, descriptor, outputs, dtype, mixed, what):
    """Outputs in `dtype` and close to float32's; variables in `dtype`, or float32 for
    trainable ones under a policy (`mixed`) and for `FLOAT32_VARIABLES`."""
    floating = [x for x in tf.nest.flatten(outputs) if x.dtype.is_floating]
    self.assertNotEmpty(floating, f"{what}: no floating-point outputs")
    for i, leaf in enumerate(floating):
      self.assertEqual(leaf.dtype, dtype, f"{what}: output {i}")
    for variable in harness.module_variables(self.module):
      if not variable.dtype.is_floating:
        continue
      if mixed and variable.trainable:
        allowed = {tf.float32}
      elif descriptor.name in FLOAT32_VARIABLES:
        allowed = {tf.float32, dtype}
      else:
        allowed = {dtype}
      self.assertIn(variable.dtype, allowed,
                    f"{what}: variable {harness.variable_key(variable)}")
    reference = harness.eager_reference(descriptor)
    as_float32 = tf.nest.map_structure(
        lambda x: tf.cast(x, tf.float32) if x.dtype.is_floating else x, outputs)
    tolerance = TOLERANCE[dtype.name]
    harness.assert_nests_close(self, reference, harness.to_numpy(as_float32), what,
                               rtol=tolerance, atol=tolerance)

  def check_low(self, descriptor, dtype_name):
    reason = _skip_reason(descriptor, f"low_{dtype_name}")
    if reason:
      self.skipTest(reason)
    dtype = LOW_DTYPES[dtype_name]
    self.module = harness.construct(descriptor)
    outputs = _build_and_run(descriptor, self.module, _cast_inputs(descriptor, dtype), dtype)
    self.assert_low_precision(descriptor, outputs, dtype, False,
                              f"{descriptor.name} with {dtype_name} inputs")

  def check_mixed(self, descriptor, dtype_name):
    reason = _skip_reason(descriptor, f"mixed_{dtype_name}")
    if reason:
      self.skipTest(reason)
    dtype = LOW_DTYPES[dtype_name]
    self.module = harness.construct(descriptor)
    with mixed_precision.scope(dtype):
      outputs = _build_and_run(descriptor, self.module, harness.tensor_inputs(descriptor),
                               None)
    self.assert_low_precision(descriptor, outputs, dtype, True,
                              f"{descriptor.name} under mixed {dtype_name}")

  @harness.over_descriptors("low_float16")
  def test_float16_inputs(self, descriptor):
    self.check_low(descriptor, "float16")

  @harness.over_descriptors("low_bfloat16")
  def test_bfloat16_inputs(self, descriptor):
    self.check_low(descriptor, "bfloat16")

  @harness.over_descriptors("mixed_float16")
  def test_mixed_float16(self, descriptor):
    self.check_mixed(descriptor, "float16")

  @harness.over_descriptors("mixed_bfloat16")
  def test_mixed_bfloat16(self, descriptor):
    self.check_mixed(descriptor, "bfloat16")


if __name__ == "__main__":
  absltest.main()
