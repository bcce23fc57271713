# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.nets.future_mask."""

import itertools

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils


def _numpy_future_mask(n):
  mask = np.zeros([n, n])
  for i in range(n):
    for j in range(n):
      if j > i:
        mask[i, j] = -1e6
  return mask[None, None]


class FutureMaskTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*itertools.product(test_utils.MODES, (1, 4),
                                               (tf.float32, tf.float16)))
  def test_matches_numpy(self, mode, n, dtype):
    mask = test_utils.evaluate_in_mode(mode, lambda: snt.nets.future_mask(n, dtype))
    self.assertEqual(mask.dtype, dtype.as_numpy_dtype)
    with np.errstate(over="ignore"):  # -1e6 is -inf in float16, as in the mask.
      expected = _numpy_future_mask(n).astype(dtype.as_numpy_dtype)
    self.assertAllEqual(mask.astype(np.float64), expected.astype(np.float64))

  def test_tensor_size_and_masked_softmax(self):

    @tf.function(input_signature=[tf.TensorSpec([], tf.int32)])
    def mask_for(n):
      return snt.nets.future_mask(n, tf.float32)

    self.assertEqual(mask_for.get_concrete_function().structured_outputs.shape.rank, 4)
    logits = np.random.RandomState(0).randn(2, 3, 5, 5).astype(np.float32)
    weights = tf.nn.softmax(logits + mask_for(tf.constant(5)), axis=-1).numpy()
    # Each query's weights over the keys it may see are a softmax of those logits alone.
    for i in range(5):
      visible = logits[..., i, :i + 1]
      expected = np.exp(visible) / np.exp(visible).sum(-1, keepdims=True)
      self.assertAllClose(weights[..., i, :i + 1], expected, rtol=1e-5)
      self.assertAllClose(weights[..., i, i + 1:], np.zeros_like(weights[..., i, i + 1:]))


if __name__ == "__main__":
  tf.test.main()
