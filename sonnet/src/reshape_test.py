# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for BatchReshape, BatchFlatten, FlattenTrailingDimensions, MergeDims, SliceByDim,
TileByDim, merge_leading_dims and split_leading_dim."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import errors
from sonnet.src import reshape
from sonnet.src import test_utils

X = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)


class BatchReshapeTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(
      ((-1,), 1, (2, 60)), ((12, 5), 1, (2, 12, 5)), ((4, -1), 1, (2, 4, 15)),
      ((-1,), 2, (2, 3, 20)), ((2, 2, 5), 2, (2, 3, 2, 2, 5)), ((5,), 3, (2, 3, 4, 5)))
  def test_values_in_modes(self, shape, preserve_dims, expected_shape):
    fn = lambda: reshape.BatchReshape(shape, preserve_dims=preserve_dims)(X)
    for mode in test_utils.in_process_modes():
      self.assertAllEqual(test_utils.evaluate_in_mode(mode, fn), X.reshape(expected_shape))

  def test_unknown_preserved_dims_in_tf_function(self):
    module = reshape.BatchReshape((-1, 2), preserve_dims=2)

    @tf.function(input_signature=[tf.TensorSpec([None, None, 4, 5])])
    def apply(x):
      out = module(x)
      self.assertEqual(out.shape.as_list(), [None, None, 10, 2])
      return out

    self.assertAllEqual(apply(X), X.reshape(2, 3, 10, 2))
    self.assertEqual(apply(np.zeros([0, 7, 4, 5], np.float32)).shape, (0, 7, 10, 2))

  def test_single_unknown_trailing_dim_with_wildcard(self):
    module = reshape.BatchFlatten()
    apply = tf.function(module, input_signature=[tf.TensorSpec([None, None])])
    self.assertAllEqual(apply(tf.ones([2, 7])), np.ones([2, 7]))

  def test_transpose_and_input_shape(self):
    module = reshape.BatchReshape((-1,))
    transposed = module.transpose()
    self.assertEqual(transposed.module_name, module.module_name + "_transpose")
    with self.assertRaises(errors.NotConnectedError):
      transposed(tf.ones([2, 60]))
    with self.assertRaises(errors.NotConnectedError):
      _ = module.input_shape
    flat = module(X)
    self.assertEqual(module.input_shape, (3, 4, 5))
    self.assertAllEqual(transposed(flat), X)
    self.assertEqual(module.preserve_dims, 1)

  def test_flatten_variants(self):
    self.assertAllEqual(reshape.BatchFlatten()(X), X.reshape(2, -1))
    self.assertAllEqual(reshape.BatchFlatten(preserve_dims=2)(X), X.reshape(2, 3, -1))
    self.assertAllEqual(reshape.FlattenTrailingDimensions(dim_from=3)(X), X)
    self.assertAllEqual(reshape.FlattenTrailingDimensions(dim_from=2)(X), X.reshape(2, 3, 20))
    self.assertStartsWith(reshape.FlattenTrailingDimensions(1).module_name, "batch_dim_from")
    self.assertEqual(reshape.BatchFlatten().variables, ())

  @parameterized.parameters(
      (lambda: reshape.BatchReshape((-1, -1)),
       "Wildcard -1 can appear only once in desired output shape"),
      (lambda: reshape.BatchReshape((0, 2)), "positive integral numbers"),
      (lambda: reshape.BatchReshape((2.5,)),  # type: ignore[arg-type]  # deliberately wrong
       "positive integral numbers"),
      (lambda: reshape.BatchReshape((2,), preserve_dims=0), "preserve_dims must be"),
      (lambda: reshape.FlattenTrailingDimensions(0), "dim_from must be"),
      (lambda: reshape.MergeDims(0, 1), "`size` should be strictly greater than 1."),
      (lambda: reshape.MergeDims(-1, 2), "start must be"),
      (lambda: reshape.SliceByDim([1, 1], [0, 0], [1, 1]),
       "dims must not have any repeated integers."),
      (lambda: reshape.SliceByDim([1], [0, 0], [1]),
       "begin must have the same length as dims: 1."),
      (lambda: reshape.SliceByDim([1], [0], [1, 1]),
       "size must have the same length as dims: 1."),
      (lambda: reshape.TileByDim([1], [2, 2]),
       "multiples must have the same length as dims: 1."),
      (lambda: reshape.TileByDim([-1], [2]), "integers >= 0"))
  def test_constructor_errors(self, make, regex):
    with self.assertRaisesRegex(ValueError, regex):
      make()

  @parameterized.parameters(*test_utils.MODES)
  def test_call_errors(self, mode):
    cases = [
        (lambda: reshape.BatchReshape((7, -1))(X),
         r"Output shape is incompatible with input shape: the desired shape \(7, -1\)"),
        (lambda: reshape.BatchReshape((61,))(X), "incompatible"),
        (lambda: reshape.BatchReshape((5,), preserve_dims=5)(X),
         "Input tensor has 4 dimensions, should have at least as many as preserve_dims=5"),
        (lambda: reshape.BatchReshape((2, 2))(tf.ones([2, 5])), "incompatible"),
        (lambda: reshape.MergeDims(2, 3)(X), r"Rank of inputs must be at least 5\.$"),
        (lambda: reshape.SliceByDim([4], [0], [1])(X), r"Rank of inputs must be at least 5\.$"),
        (lambda: reshape.TileByDim([4], [2])(X), r"Rank of inputs must be at least 5\.$"),
    ]
    for fn, regex in cases:
      test_utils.assert_raises_in_mode(self, mode, fn, ValueError, regex)

  def test_unknown_trailing_dims_error(self):
    module = reshape.BatchReshape((2, -1))
    apply = tf.function(module, input_signature=[tf.TensorSpec([None, None, 4])])
    with self.assertRaisesRegex(ValueError, "Unknown non-preserved dimensions are not allowed in "
                                "the input to BatchReshape"):
      apply(tf.ones([2, 3, 4]))
    self.assertFalse(module.is_connected)


class MergeSliceTileTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_merge_dims(self, mode):
    def fn():
      module = reshape.MergeDims(start=1, size=2)
      return module(X), module({"a": X, "b": [X[..., 0]]})

    single, nested = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllEqual(single, X.reshape(2, 12, 5))
    self.assertAllEqual(nested["a"], X.reshape(2, 12, 5))
    self.assertAllEqual(nested["b"][0], X[..., 0].reshape(2, 12))

  def test_merge_dims_unknown_sizes(self):
    module = reshape.MergeDims(start=0, size=3)

    @tf.function(input_signature=[tf.TensorSpec([None, 3, None, 5])])
    def apply(x):
      out = module(x)
      self.assertEqual(out.shape.as_list(), [None, 5])
      return out

    self.assertAllEqual(apply(X), X.reshape(24, 5))

  @test_utils.run_in_modes
  def test_slice_and_tile(self, mode):
    def fn():
      return (reshape.SliceByDim(dims=[1, 3], begin=[1, 0], size=[2, -1])(X),
              reshape.TileByDim(dims=[0, 2], multiples=[2, 3])(X))

    sliced, tiled = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllEqual(sliced, X[:, 1:3, :, 0:])
    self.assertAllEqual(tiled, np.tile(X, [2, 1, 3, 1]))

  @parameterized.parameters(*test_utils.MODES)
  def test_merge_and_split_leading_dims(self, mode):
    def fn():
      x = tf.constant(X)
      merged = reshape.merge_leading_dims(x, 3)
      return merged, reshape.split_leading_dim(merged, x, 3)

    merged, split = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllEqual(merged, X.reshape(24, 5))
    self.assertAllEqual(split, X)

  def test_merge_and_split_leading_dims_unknown(self):
    @tf.function(input_signature=[tf.TensorSpec([None, None, 4, 5])])
    def apply(x):
      merged = reshape.merge_leading_dims(x)
      self.assertEqual(merged.shape.as_list(), [None, 4, 5])
      split = reshape.split_leading_dim(merged, x)
      self.assertEqual(split.shape.as_list(), [None, None, 4, 5])
      return merged, split

    merged, split = apply(X)
    self.assertAllEqual(merged, X.reshape(6, 4, 5))
    self.assertAllEqual(split, X)
    self.assertIsNone(reshape.merge_leading_dims(None))
    self.assertEqual(reshape.merge_leading_dims(3.0), 3.0)
    self.assertEqual(reshape.merge_leading_dims(tf.ones([3]), 2).shape, (3,))
    with self.assertRaisesRegex(ValueError, "n_dims must be"):
      reshape.merge_leading_dims(X, 0)



class Sonnet1ReshapeBehaviourTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_batch_reshape_with_nothing_to_reshape_returns_its_input(self, mode):
    with test_utils.graph_mode_if(mode):
      x = tf.constant(X.reshape(2, 60))
      for module in (reshape.BatchReshape((60,)), reshape.BatchReshape((-1,)),
                     reshape.BatchFlatten()):
        self.assertIs(module(x), x)
        self.assertEqual(module.input_shape, (60,))

  @test_utils.run_in_modes
  def test_batch_reshape_takes_integral_floats_and_dimensions(self, mode):
    out = test_utils.evaluate_in_mode(mode, lambda: reshape.BatchReshape(
        (4.0, tf.compat.v1.Dimension(15)))(tf.constant(X)))  # type: ignore[arg-type]
    self.assertAllEqual(out, X.reshape(2, 4, 15))

  @test_utils.run_in_modes
  def test_slice_by_dim_negative_dims(self, mode):
    out = test_utils.evaluate_in_mode(mode, lambda: reshape.SliceByDim(
        dims=[-1, 1], begin=[1, 0], size=[3, 2])(tf.constant(X)))
    self.assertAllEqual(out, X[:, 0:2, :, 1:4])

  def test_slice_by_dim_negative_dims_errors(self):
    with self.assertRaisesRegex(ValueError, "dims must not have any repeated integers."):
      reshape.SliceByDim(dims=[-1, 3], begin=[0, 0], size=[1, 1])(tf.constant(X))
    with self.assertRaisesRegex(ValueError, "Rank of inputs must be at least 5."):
      reshape.SliceByDim(dims=[-5], begin=[0], size=[1])(tf.constant(X))
    with self.assertRaisesRegex(ValueError, "dims must be a sequence of integers"):
      reshape.SliceByDim(dims=[1.5], begin=[0], size=[1])  # type: ignore[list-item]

  @test_utils.run_in_modes
  def test_merge_dims_negative_start(self, mode):
    def fn():
      module = reshape.MergeDims(start=-3, size=2)
      return module(tf.constant(X)), module([tf.ones([7, 2, 3, 4])])
    out, nested = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllEqual(out, X.reshape(2, 12, 5))
    self.assertEqual(nested[0].shape, (7, 6, 4))

  def test_merge_dims_negative_start_static_shape_and_errors(self):
    self.assertEqual(reshape.MergeDims(start=-2, size=2)(tf.constant(X)).shape, (2, 3, 20))
    with self.assertRaisesRegex(ValueError, r"start \+ size <= 0\), but got -1"):
      reshape.MergeDims(start=-1, size=2)
    with self.assertRaisesRegex(ValueError, "Rank of inputs must be at least 5."):
      reshape.MergeDims(start=-5, size=2)(tf.constant(X))


if __name__ == "__main__":
  tf.test.main()
