# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.attention."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import attention
from sonnet.src import errors
from sonnet.src import linear
from sonnet.src import test_utils

B, M, DM, DQ = 2, 4, 3, 5


def _numpy_attention(memory, query, w, b, mask=None):
  pairs = np.concatenate([memory, np.repeat(query[:, None, :], memory.shape[1], 1)], 2)
  logits = (pairs @ w)[..., 0] + b[0]
  if mask is not None:
    logits = np.where(mask, logits, np.finfo(np.float32).min)
  weights = np.exp(logits - logits.max(1, keepdims=True))
  weights /= weights.sum(1, keepdims=True)
  return (weights[..., None] * memory).sum(1), weights, logits


class AttentiveReadTest(tf.test.TestCase, parameterized.TestCase):

  def setUp(self):
    super().setUp()
    rng = np.random.RandomState(0)
    self.memory = rng.randn(B, M, DM).astype(np.float32)
    self.query = rng.randn(B, DQ).astype(np.float32)
    self.w = rng.randn(DM + DQ, 1).astype(np.float32)
    self.b = rng.randn(1).astype(np.float32)
    self.mask = np.array([[True, False, True, True], [False, False, True, False]])

  def _make(self):
    logit_mod = linear.Linear(1, initializers={"w": tf.constant_initializer(self.w),
                                               "b": tf.constant_initializer(self.b)})
    return attention.AttentiveRead(logit_mod)

  @parameterized.product(mode=test_utils.MODES, masked=[False, True])
  def test_values(self, mode, masked):
    mask = self.mask if masked else None

    def fn():
      module = self._make()
      return module(tf.constant(self.memory), tf.constant(self.query),
                    None if mask is None else tf.constant(mask))

    read, weights, logits = test_utils.evaluate_in_mode(mode, fn)
    expected = _numpy_attention(self.memory, self.query, self.w, self.b, mask)
    self.assertAllClose(read, expected[0], atol=1e-5)
    self.assertAllClose(weights, expected[1], atol=1e-6)
    self.assertAllClose(logits, expected[2])
    if masked:
      self.assertAllEqual(weights[~self.mask], np.zeros((~self.mask).sum()))

  def test_unknown_batch_and_memory_size(self):
    module = self._make()
    fn = tf.function(module, input_signature=[tf.TensorSpec([None, None, DM]),
                                              tf.TensorSpec([None, DQ])])
    out = fn(self.memory, self.query)
    self.assertAllClose(out.read, _numpy_attention(self.memory, self.query, self.w,
                                                   self.b)[0], atol=1e-5)
    out = fn(self.memory[:1, :2], self.query[:1])
    self.assertEqual(out.weights.shape, (1, 2))
    static = fn.get_concrete_function().structured_outputs
    self.assertEqual(static.read.shape.as_list(), [None, DM])
    self.assertEqual(static.weights.shape.as_list(), [None, None])

  def test_gradients(self):
    module = self._make()
    memory = tf.constant(self.memory, tf.float64)
    query = tf.constant(self.query, tf.float64)
    module_64 = attention.AttentiveRead(linear.Linear(1))
    theoretical, numerical = tf.test.compute_gradient(
        lambda m, q: module_64(m, q).read, [memory, query])
    for t, n in zip(theoretical, numerical):
      self.assertAllClose(t, n, atol=1e-6)
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(module(self.memory, self.query).read ** 2)
    grads = tape.gradient(loss, module.trainable_variables)
    self.assertLen(grads, 2)
    self.assertNotIn(None, grads)

  @parameterized.parameters(*test_utils.MODES)
  def test_runtime_errors(self, mode):
    all_masked = np.array([[True, False, False, False], [False] * 4])
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, "at least one unmasked"):
      test_utils.evaluate_in_mode(mode, lambda: self._make()(
          tf.constant(self.memory), tf.constant(self.query), tf.constant(all_masked)))
    if mode in ("tf_function", "graph"):  # batch mismatch hidden from the static shapes
      module = self._make()
      fn = tf.function(module, input_signature=[tf.TensorSpec([None, M, DM]),
                                                tf.TensorSpec([None, DQ])])
      with self.assertRaisesRegex(tf.errors.InvalidArgumentError, "same batch size"):
        fn(self.memory, self.query[:1])

  def test_shape_errors(self):
    module = self._make()
    cases = [
        ((self.memory[0], self.query), errors.IncompatibleShapeError, "`memory` must have rank 3"),
        ((self.memory, self.query[0]), errors.IncompatibleShapeError, "`query` must have rank 2"),
        ((self.memory, self.query[:1]), errors.IncompatibleShapeError, "same batch size"),
        ((self.memory, self.query, self.mask[0]), errors.IncompatibleShapeError,
         "`memory_mask` must have rank 2"),
        ((self.memory, self.query, self.mask[:, :2]), errors.IncompatibleShapeError,
         r"`memory_mask` \(shape \(2, 2\)\) must have shape \[batch, memory_size\]"),
        ((self.memory, self.query, self.mask.astype(np.float32)), TypeError,
         "`memory_mask` must be a bool tensor"),
        ((self.memory, self.query.astype(np.float64)), TypeError, "same float dtype"),
    ]
    for args, error, message in cases:
      with self.assertRaisesRegex(error, message):
        module(*args)
    fn = tf.function(module, input_signature=[tf.TensorSpec([None, M, None]),
                                              tf.TensorSpec([None, DQ])])
    with self.assertRaisesRegex(errors.UnderspecifiedError, "word sizes"):
      fn(self.memory, self.query)
    bad_logits = attention.AttentiveRead(linear.Linear(2))
    with self.assertRaisesRegex(errors.IncompatibleShapeError, r"to \[batch \* memory_size, 1\]"):
      bad_logits(self.memory, self.query)
    with self.assertRaisesRegex(TypeError, "must be callable"):
      attention.AttentiveRead(3)  # type: ignore[arg-type]  # deliberately wrong

  @parameterized.parameters("graph", test_utils.LEGACY)
  def test_unknown_word_sizes_in_graphs(self, mode):
    # In legacy mode the static shapes hold `tf.compat.v1.Dimension`s.
    del mode
    with tf.Graph().as_default():
      module = attention.AttentiveRead(linear.Linear(1))
      memory = tf.compat.v1.placeholder(tf.float32, [B, M, None])
      query = tf.compat.v1.placeholder(tf.float32, [B, None])
      with self.assertRaisesRegex(errors.UnderspecifiedError, "word sizes"):
        module(memory, tf.zeros([B, DQ]))
      with self.assertRaisesRegex(errors.UnderspecifiedError, "word sizes"):
        module(tf.zeros([B, M, DM]), query)
      read = module(tf.compat.v1.placeholder(tf.float32, [None, M, DM]), tf.zeros([B, DQ]))
      self.assertEqual(read.read.shape.as_list(), [B, DM])


if __name__ == "__main__":
  tf.test.main()
