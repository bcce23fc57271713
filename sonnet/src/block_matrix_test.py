# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for snt.BlockTriangularMatrix and snt.BlockDiagonalMatrix."""

import itertools

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import test_utils


def _numpy_block_matrix(vector, block_shape, block_rows, filled):
  """Fills the blocks `filled(i, j)` of a zero matrix, one block row at a time."""
  height, width = block_shape
  out = np.zeros([block_rows * height, block_rows * width], vector.dtype)
  values = iter(vector)
  for i in range(block_rows):
    columns = [j for j in range(block_rows) if filled(i, j)]
    for r in range(height):
      for j in columns:
        for c in range(width):
          out[i * height + r, j * width + c] = next(values)
  assert next(values, None) is None, "input not fully used"
  return out


FILLED = {
    (False, True): lambda i, j: j <= i,
    (False, False): lambda i, j: j < i,
    (True, True): lambda i, j: j >= i,
    (True, False): lambda i, j: j > i,
}


class BlockTriangularMatrixTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*itertools.product(test_utils.MODES, (False, True), (True, False)))
  def test_matches_numpy(self, mode, upper, include_diagonal):
    block_shape, block_rows, batch = (2, 3), 3, 2
    module_args = dict(block_shape=block_shape, block_rows=block_rows, upper=upper,
                       include_diagonal=include_diagonal)
    size = snt.BlockTriangularMatrix(**module_args).input_size
    inputs = np.random.RandomState(0).randn(batch, size).astype(np.float32)
    out = test_utils.evaluate_in_mode(
        mode, lambda: snt.BlockTriangularMatrix(**module_args)(tf.constant(inputs)))
    expected = np.stack([_numpy_block_matrix(v, block_shape, block_rows,
                                             FILLED[(upper, include_diagonal)])
                         for v in inputs])
    self.assertAllEqual(out, expected)

  @parameterized.parameters(
      (True, False, 6, 36), (False, False, 3, 18), (True, True, 6, 36), (False, True, 3, 18))
  def test_sizes(self, include_diagonal, upper, num_blocks, input_size):
    module = snt.BlockTriangularMatrix((2, 3), 3, include_diagonal=include_diagonal,
                                       upper=upper)
    self.assertEqual(module.num_blocks, num_blocks)
    self.assertEqual(module.block_size, 6)
    self.assertEqual(module.input_size, input_size)
    self.assertEqual(module.output_shape, (6, 9))
    self.assertEqual(module.block_shape, (2, 3))
    self.assertEqual(module.block_rows, 3)

  def test_single_block_row_without_diagonal_is_zero(self):
    module = snt.BlockTriangularMatrix((2, 2), 1, include_diagonal=False)
    self.assertEqual(module.input_size, 0)
    self.assertAllEqual(module(tf.zeros([3, 0])), np.zeros([3, 2, 2]))

  def test_unknown_batch_and_dtype(self):
    module = snt.BlockTriangularMatrix((1, 2), 2)

    @tf.function(input_signature=[tf.TensorSpec([None, 6], tf.float64)])
    def fn(x):
      return module(x)

    out = fn(tf.constant(np.arange(6.0)[None]))
    self.assertEqual(out.dtype, tf.float64)
    self.assertAllEqual(out, [[[0, 1, 0, 0], [2, 3, 4, 5]]])
    self.assertEqual(fn.get_concrete_function().structured_outputs.shape.as_list(),
                     [None, 2, 4])

  def test_gradient_reaches_every_input(self):
    module = snt.BlockTriangularMatrix((2, 2), 2, upper=True)
    x = tf.ones([1, module.input_size])
    with tf.GradientTape() as tape:
      tape.watch(x)
      y = module(x)
    self.assertAllEqual(tape.gradient(y, x), np.ones([1, module.input_size]))

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, "block_shape must be a pair"):
      snt.BlockTriangularMatrix((2, 0), 3)
    with self.assertRaisesRegex(ValueError, "block_shape must be a pair"):
      snt.BlockTriangularMatrix(2, 3)  # type: ignore[arg-type]
    with self.assertRaisesRegex(ValueError, "block_rows must be a positive integer"):
      snt.BlockDiagonalMatrix((2, 2), 0)
    module = snt.BlockTriangularMatrix((2, 2), 2)
    with self.assertRaisesRegex(snt.IncompatibleShapeError, r"\[batch_size, 12\]"):
      module(tf.zeros([1, 11]))
    with self.assertRaises(snt.IncompatibleShapeError):
      module(tf.zeros([12]))


class BlockDiagonalMatrixTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_matches_numpy(self, mode):
    inputs = np.random.RandomState(1).randn(2, 18).astype(np.float32)
    out = test_utils.evaluate_in_mode(
        mode, lambda: snt.BlockDiagonalMatrix((2, 3), 3)(tf.constant(inputs)))
    expected = np.stack([_numpy_block_matrix(v, (2, 3), 3, lambda i, j: i == j)
                         for v in inputs])
    self.assertAllEqual(out, expected)

  def test_sizes(self):
    module = snt.BlockDiagonalMatrix(block_shape=(3, 5), block_rows=7)
    self.assertEqual(module.num_blocks, 7)
    self.assertEqual(module.block_size, 15)
    self.assertEqual(module.input_size, 105)
    self.assertEqual(module.output_shape, (21, 35))
    self.assertEqual(module.block_shape, (3, 5))


if __name__ == "__main__":
  tf.test.main()
