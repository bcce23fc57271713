# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Conformance: every module's variables and outputs match checked-in goldens.

`goldens/<descriptor>.json` records the module's variables (names relative to the
construction scope, shapes, dtypes, trainability) and, for its deterministic eager outputs
(variables set by `harness.assign_deterministic_values`, inputs from the descriptor), a
summary of each output leaf: path, shape, dtype, sum, sum of squares and the first values.
A change of variable names, shapes or numerics fails the test.

To create or update goldens after an intended change, run

    SONNET_REGENERATE_GOLDENS=1 python -m pytest sonnet/src/conformance/goldens_test.py

and review the diff of `sonnet/src/conformance/goldens/` before committing it.
"""

import json
import os
import re

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src.conformance import descriptors
from sonnet.src.conformance import harness

REGENERATE_ENV = "SONNET_REGENERATE_GOLDENS"
GOLDENS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens")
FIRST_VALUES = 4
RTOL = 1e-4
ATOL = 1e-4

ERR_MISSING = (
    "No golden {path} for descriptor {name!r}. Create it with: {env}=1 python -m pytest "
    "sonnet/src/conformance/goldens_test.py -k {name} (then review and commit it).")
ERR_STALE = (
    "Goldens without a descriptor: {names}. Remove them (descriptors were renamed or "
    "deleted).")
ERR_CHANGED = (
    "{what} of {name!r} differ from the golden {path}. If the change is intended, "
    "regenerate with {env}=1 (see the module docstring). {detail}")


def golden_path(name):
  return os.path.join(GOLDENS_DIR, name + ".json")


def _round(value):
  return float(np.format_float_positional(value, precision=8, unique=True,
                                          fractional=False, trim="-"))


def to_json(record):
  """Indented JSON with each list of numbers or strings on one line (readable diffs)."""
  text = json.dumps(record, indent=1, sort_keys=True)
  return re.sub(r"\[\s+([^\[\]{}]*?)\s+\]",
                lambda match: "[" + " ".join(match.group(1).split()) + "]", text) + "\n"


def summarize(descriptor):
  """The golden record of a descriptor (JSON-compatible)."""
  module = harness.construct(descriptor)
  outputs = harness.to_numpy(
      harness.build_and_run(descriptor, module, harness.tensor_inputs(descriptor)))
  return record(descriptor, module, outputs)


def record(descriptor, module, outputs):
  """The golden record of a connected module and its outputs (a nest of numpy arrays)."""
  variables = [{"name": harness.variable_key(v), "shape": v.shape.as_list(),
                "dtype": v.dtype.name, "trainable": bool(v.trainable)}
               for v in harness.module_variables(module)]
  leaves = []
  for path, leaf in harness.flatten_with_paths(outputs, "outputs"):
    leaf = np.asarray(leaf)
    as_float = leaf.astype(np.float64)
    leaves.append({
        "path": path, "shape": list(leaf.shape), "dtype": leaf.dtype.name,
        "sum": _round(as_float.sum()), "sum_of_squares": _round((as_float ** 2).sum()),
        "first": [_round(x) for x in as_float.ravel()[:FIRST_VALUES]]})
  return {"descriptor": descriptor.name, "module_class": descriptor.module_class,
          "tolerance": {"rtol": RTOL, "atol": ATOL},
          "variables": variables, "outputs": leaves}


def assert_matches_golden(test_case, descriptor, actual):
  """Asserts a record (from `record`) matches the descriptor's checked-in golden."""
  path = golden_path(descriptor.name)
  if not os.path.exists(path):
    test_case.fail(ERR_MISSING.format(path=path, name=descriptor.name, env=REGENERATE_ENV))
  with open(path) as f:
    golden = json.load(f)

  def changed(what, detail=""):
    return ERR_CHANGED.format(what=what, name=descriptor.name, path=path,
                              env=REGENERATE_ENV, detail=detail)

  test_case.assertEqual(golden["variables"], actual["variables"], changed("Variables"))
  strip = lambda leaves: [{k: leaf[k] for k in ("path", "shape", "dtype")}
                          for leaf in leaves]
  test_case.assertEqual(strip(golden["outputs"]), strip(actual["outputs"]),
                        changed("Output structures"))
  tolerance = golden["tolerance"]
  for expected, leaf in zip(golden["outputs"], actual["outputs"]):
    for key in ("sum", "sum_of_squares", "first"):
      test_case.assertAllClose(expected[key], leaf[key], rtol=tolerance["rtol"],
                               atol=tolerance["atol"],
                               msg=changed("Outputs", f"{leaf['path']} {key}"))


class GoldensTest(parameterized.TestCase, tf.test.TestCase):

  @harness.over_descriptors("goldens")
  def test_matches_golden(self, descriptor):
    path = golden_path(descriptor.name)
    actual = summarize(descriptor)
    if os.environ.get(REGENERATE_ENV) == "1":
      os.makedirs(GOLDENS_DIR, exist_ok=True)
      with open(path, "w") as f:
        f.write(to_json(actual))
      return
    assert_matches_golden(self, descriptor, actual)

  def test_no_stale_goldens(self):
    names = {d.name for d in descriptors.DESCRIPTORS}
    files = [f for f in os.listdir(GOLDENS_DIR) if f.endswith(".json")]
    stale = sorted(f[:-len(".json")] for f in files if f[:-len(".json")] not in names)
    self.assertEmpty(stale, ERR_STALE.format(names=stale))


if __name__ == "__main__":
  absltest.main()
