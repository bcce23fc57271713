# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Conformance: every module exports to a SavedModel that reloads in a fresh process.

Each module, built with deterministic variable values, is wrapped in a `tf.Module` with a
`tf.function` of fixed input signature; all wrappers go into one SavedModel, reloaded in
ONE fresh Python process (TensorFlow's import is slow) that runs every function on the
descriptor's inputs. Its outputs must equal the in-process ones.
"""

import json
import os
import subprocess
import sys
import tempfile

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src.conformance import descriptors
from sonnet.src.conformance import harness

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
SUBPROCESS_TIMEOUT_S = 300

ERR_EXPORT = "{name}: export failed in process: {error}"
ERR_RELOAD = "{name}: the reloaded SavedModel failed: {error}"
ERR_SUBPROCESS = "The reloading subprocess failed (exit code {code}):\n{output}"

# Run as `python -c` with PYTHONPATH=<repo root>: argv[1] the SavedModel, argv[2] the
# names to run (JSON), argv[3] the output .npz, argv[4] the errors .json.
_RELOAD_SCRIPT = r"""
import json
import sys
import numpy as np
import sonnet as snt
import tensorflow as tf
from sonnet.src.conformance import harness

saved_model, names, out_path, errors_path = sys.argv[1], json.loads(sys.argv[2]), \
    sys.argv[3], sys.argv[4]
if any(harness.get(name).uses_op for name in names):
  # `import sonnet` registered the op, so the SavedModel loads with nothing else to do.
  assert snt.resampler_is_available(), "the resampler op library is not available"
loaded = tf.saved_model.load(saved_model)
outputs, errors = {}, {}
for name in names:
  try:
    result = getattr(loaded, name).call(*harness.numpy_inputs(harness.get(name)))
    for i, leaf in enumerate(tf.nest.flatten(result)):
      outputs["%s/%d" % (name, i)] = leaf.numpy()
  except Exception as e:
    errors[name] = "%s: %s" % (type(e).__name__, e)
np.savez(out_path, **outputs)
with open(errors_path, "w") as f:
  json.dump(errors, f)
"""


def _export_wrapper(descriptor):
  """A `tf.Module` holding the built module and its fixed-signature `call` function."""
  module = harness.construct(descriptor)
  harness.connect(descriptor, module, harness.tensor_inputs(descriptor))
  harness.assign_deterministic_values(module)
  wrapper = tf.Module()
  wrapper.module = module
  wrapper.call = tf.function(lambda *args: harness.connect(descriptor, module, args),
                             input_signature=harness.input_signature(descriptor, False))
  wrapper.call.get_concrete_function()  # Trace now: errors are this descriptor's.
  return wrapper


class SavedModelTest(parameterized.TestCase, tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.export_errors, cls.reload_errors, cls.expected, cls.reloaded = {}, {}, {}, {}
    cls.temp_dir = tempfile.TemporaryDirectory()
    root, wrappers = tf.Module(), {}
    for descriptor in descriptors.DESCRIPTORS:
      try:
        wrappers[descriptor.name] = _export_wrapper(descriptor)
      except Exception as e:
        cls.export_errors[descriptor.name] = f"{type(e).__name__}: {e}"
        continue
      setattr(root, descriptor.name, wrappers[descriptor.name])
    saved_model = os.path.join(cls.temp_dir.name, "saved_model")
    tf.saved_model.save(root, saved_model)
    # After saving: a stateful module's call updates its state.
    for name, wrapper in wrappers.items():
      cls.expected[name] = harness.to_numpy(
          tf.nest.flatten(wrapper.call(*harness.numpy_inputs(harness.get(name)))))

    outputs_path = os.path.join(cls.temp_dir.name, "outputs.npz")
    errors_path = os.path.join(cls.temp_dir.name, "errors.json")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([REPO_ROOT] + (
        [env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    process = subprocess.run(
        [sys.executable, "-c", _RELOAD_SCRIPT, saved_model, json.dumps(sorted(wrappers)),
         outputs_path, errors_path],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True,
        timeout=SUBPROCESS_TIMEOUT_S, check=False)
    cls.subprocess_error = None
    if process.returncode != 0:
      cls.subprocess_error = ERR_SUBPROCESS.format(
          code=process.returncode, output=(process.stdout + process.stderr)[-4000:])
      return
    with open(errors_path) as f:
      cls.reload_errors = json.load(f)
    with np.load(outputs_path) as arrays:
      for name in wrappers:
        count = len(cls.expected[name])
        if name not in cls.reload_errors:
          cls.reloaded[name] = [arrays[f"{name}/{i}"] for i in range(count)]

  @classmethod
  def tearDownClass(cls):
    cls.temp_dir.cleanup()
    super().tearDownClass()

  @harness.over_descriptors("savedmodel")
  def test_reloaded_outputs_match(self, descriptor):
    name = descriptor.name
    if name in self.export_errors:
      self.fail(ERR_EXPORT.format(name=name, error=self.export_errors[name]))
    if self.subprocess_error:
      self.fail(self.subprocess_error)
    if name in self.reload_errors:
      self.fail(ERR_RELOAD.format(name=name, error=self.reload_errors[name]))
    harness.assert_nests_close(self, self.expected[name], self.reloaded[name], name)


if __name__ == "__main__":
  absltest.main()
