# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.types: the aliases resolve and the public signatures use them."""

import inspect
import typing

import tensorflow as tf

import sonnet as snt
from sonnet.src import types


def _public_signatures():
  """(name, function) for the constructors and functions in snt and snt.nets `__all__`."""
  seen = set()
  for prefix, package in (("snt", snt), ("snt.nets", snt.nets)):
    for name in package.__all__:
      obj = getattr(package, name)
      fn = obj.__init__ if inspect.isclass(obj) else obj
      if inspect.isfunction(fn) and fn not in seen:
        seen.add(fn)
        yield f"{prefix}.{name}", fn


class TypesTest(tf.test.TestCase):

  def test_aliases_accept_what_they_document(self):
    self.assertIn(tf.TensorShape, typing.get_args(types.ShapeLike))
    self.assertIn(tf.DType, typing.get_args(types.DTypeLike))
    self.assertIn(tf.Tensor, typing.get_args(types.BatchSize))
    getter_forms = typing.get_args(types.CustomGetterArg)
    self.assertIn(types.CustomGetter, getter_forms)
    self.assertEqual(typing.get_origin(types.Initializers), typing.get_origin(typing.Mapping))

  def test_public_annotations_resolve(self):
    # Every annotation of a public constructor or function evaluates (no stale names).
    for name, fn in _public_signatures():
      with self.subTest(name):
        typing.get_type_hints(fn)

  def test_few_public_parameters_are_bare_any(self):
    params = [(name, p.name, p.annotation) for name, fn in _public_signatures()
              for p in inspect.signature(fn).parameters.values()
              if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL,
                                                                  p.VAR_KEYWORD)]
    bare = [f"{name}({param})" for name, param, annotation in params
            if annotation is typing.Any]
    self.assertGreater(len(params), 100)
    self.assertLess(len(bare) / len(params), 0.1, bare)


if __name__ == "__main__":
  tf.test.main()
