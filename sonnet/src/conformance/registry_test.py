# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Conformance: the descriptor list covers every public module class, and only those.

Adding a module class to `snt` or `snt.nets` without a descriptor (or a listed
exclusion) in `descriptors.py` fails here.
"""

import inspect
import re

from absl.testing import absltest
from absl.testing import parameterized
import tensorflow as tf

import sonnet as snt
from sonnet.src.conformance import descriptors
from sonnet.src.conformance import harness

ERR_MISSING = (
    "Public module classes without a conformance descriptor: {names}. Add a descriptor to "
    "sonnet/src/conformance/descriptors.py (or, with a reason, to EXCLUDED).")


def public_module_classes():
  """`{"Linear": snt.Linear, ..., "nets.MLP": snt.nets.MLP}`: every exported module class."""
  found = {}
  for prefix, package in (("", snt), ("nets.", snt.nets)):
    for name in package.__all__:
      value = getattr(package, name)
      if inspect.isclass(value) and issubclass(value, snt.AbstractModule):
        found[prefix + name] = value
  return found


class RegistryTest(parameterized.TestCase, tf.test.TestCase):

  def test_every_public_module_class_is_covered(self):
    covered = {d.module_class for d in descriptors.DESCRIPTORS} | set(descriptors.EXCLUDED)
    missing = sorted(set(public_module_classes()) - covered)
    self.assertEmpty(missing, ERR_MISSING.format(names=missing))

  def test_descriptors_and_exclusions_name_public_classes(self):
    public = public_module_classes()
    for descriptor in descriptors.DESCRIPTORS:
      self.assertIn(descriptor.module_class, public, descriptor.name)
    for name, reason in descriptors.EXCLUDED.items():
      self.assertIn(name, public)
      self.assertTrue(reason)
    self.assertEmpty(set(descriptors.EXCLUDED) &
                     {d.module_class for d in descriptors.DESCRIPTORS})

  def test_descriptor_names_are_unique_test_names(self):
    names = [d.name for d in descriptors.DESCRIPTORS]
    self.assertLen(set(names), len(names))
    for name in names:
      self.assertRegex(name, re.compile(r"^[A-Za-z][A-Za-z0-9_]*$"))

  def test_known_failures_name_descriptors(self):
    names = {d.name for d in descriptors.DESCRIPTORS}
    for (name, check), reason in descriptors.KNOWN_FAILURES.items():
      self.assertIn(name, names)
      self.assertRegex(check, r"^[a-z_]+$")
      self.assertTrue(reason)

  @harness.over_descriptors("registry")
  def test_constructor_and_flags_match_the_class(self, descriptor):
    cls = public_module_classes()[descriptor.module_class]
    module = harness.construct(descriptor)
    self.assertIs(type(module), cls)
    self.assertEqual(descriptor.recurrent, isinstance(module, snt.RNNCore))
    if descriptor.transposable:
      self.assertIsInstance(module, snt.Transposable)
    if descriptor.stateful:
      self.assertTrue(descriptor.call_kwargs, "a stateful module is called with is_training")
    inputs = harness.tensor_inputs(descriptor)
    harness.connect(descriptor, module, inputs)
    self.assertEqual(descriptor.stateful, bool(module.non_trainable_variables),
                     "stateful <=> has non-trainable variables")
    for leaf in tf.nest.flatten(harness.numpy_inputs(descriptor)):
      self.assertIn(leaf.dtype.name, ("float32", "int32"))


if __name__ == "__main__":
  absltest.main()
