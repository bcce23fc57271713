# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for BatchApply."""

import collections

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import batch_apply
from sonnet.src import linear
from sonnet.src import test_utils

X = np.random.RandomState(0).randn(3, 2, 4).astype(np.float32)
Pair = collections.namedtuple("Pair", ["a", "b"])


class BatchApplyTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_linear_matches_flattening_by_hand(self, mode):
    def fn():
      lin = linear.Linear(5)
      out = batch_apply.BatchApply(lin)(X)
      return out, lin.w, lin.b

    out, w, b = test_utils.evaluate_in_mode(mode, fn)
    self.assertEqual(out.shape, (3, 2, 5))
    self.assertAllClose(out, (X.reshape(6, 4) @ w + b).reshape(3, 2, 5), atol=1e-5)

  def test_unknown_leading_dims_in_tf_function(self):
    lin = linear.Linear(5)
    module = batch_apply.BatchApply(lin)

    @tf.function(input_signature=[tf.TensorSpec([None, None, 4])])
    def apply(x):
      out = module(x)
      self.assertEqual(out.shape.as_list(), [None, None, 5])
      return out

    self.assertEqual(apply(X).shape, (3, 2, 5))
    self.assertEqual(apply(np.zeros([0, 7, 4], np.float32)).shape, (0, 7, 5))
    self.assertAllClose(apply(X), module(X))

  @test_utils.run_in_modes
  def test_nested_args_kwargs_scalars_none_and_outputs(self, mode):
    def op(pair, scale, nothing, *, offset):
      assert nothing is None and isinstance(scale, float)
      assert pair.a.shape.rank == 2 and offset.shape.rank == 2
      return {"sum": pair.a * scale + pair.b + offset, "none": None,
              "tuple": (pair.a, tf.reduce_sum(pair.b, axis=1))}

    def fn():
      module = batch_apply.BatchApply(op)
      return module(Pair(tf.constant(X), tf.constant(2 * X)), 3.0, None,
                    offset=tf.ones([3, 2, 4]))

    out = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(out["sum"], 5 * X + 1)
    self.assertIsNone(out["none"])
    self.assertAllClose(out["tuple"][0], X)
    self.assertAllClose(out["tuple"][1], (2 * X).sum(-1))

  def test_n_dims_and_example_index(self):
    x3 = np.ones([2, 3, 4, 5], np.float32)
    out = batch_apply.BatchApply(lambda t: t[:, :2], n_dims=3)(x3)
    self.assertEqual(out.shape, (2, 3, 4, 2))
    # The second tensor gives the leading dims: [4, 6] split of 24 rows.
    module = batch_apply.BatchApply(lambda a, b: tf.reduce_sum(b, 1, keepdims=True),
                                    input_example_index=1)
    out = module(tf.ones([8, 3, 1]), tf.ones([4, 6, 2]))
    self.assertEqual(out.shape, (4, 6, 1))
    product = batch_apply.BatchApply(tf.matmul)(X[..., None, :],
                                                b=np.ones([3, 2, 4, 1], np.float32))
    self.assertAllClose(product, X.sum(-1)[..., None, None])

  def test_variables_and_name(self):
    lin = linear.Linear(2)
    module = batch_apply.BatchApply(lin)
    self.assertStartsWith(module.module_name, "batch_apply")
    module(X)
    self.assertEqual(module.n_dims, 2)
    self.assertIs(module.module, lin)
    self.assertLen(lin.variables, 2)

  def test_errors(self):
    with self.assertRaisesRegex(TypeError, "must be callable"):
      batch_apply.BatchApply(3)  # type: ignore[arg-type]  # deliberately wrong
    with self.assertRaisesRegex(TypeError, "n_dims must be an integer"):
      batch_apply.BatchApply(tf.identity, n_dims=2.0)  # type: ignore[arg-type]  # deliberately wrong
    with self.assertRaisesRegex(ValueError, "n_dims must be >= 1"):
      batch_apply.BatchApply(tf.identity, n_dims=0)
    with self.assertRaisesRegex(ValueError, "no tensor with at least n_dims=2"):
      batch_apply.BatchApply(tf.identity)(tf.ones([3]))
    with self.assertRaisesRegex(ValueError, "input_example_index=2 is out of range"):
      batch_apply.BatchApply(lambda a, b: a, input_example_index=2)(X, X)


if __name__ == "__main__":
  tf.test.main()
