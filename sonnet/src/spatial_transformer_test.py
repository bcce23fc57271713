# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.spatial_transformer (GridWarper, AffineGridWarper, inverse)."""

import contextlib
import doctest
import itertools
import math
from typing import Any

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import affine_warp_constraints
from sonnet.src import errors
from sonnet.src import spatial_transformer
from sonnet.src import test_utils
from sonnet.src.affine_warp_constraints import AffineWarpConstraints
from sonnet.src.spatial_transformer import AffineGridWarper
from sonnet.src.spatial_transformer import GridWarper


def _resampler_or_fail(test):
  """Returns `snt.resampler`; fails (never skips) when the op library is not built."""
  from sonnet.src.ops import resampler
  test.assertTrue(resampler.resampler_is_available(),
                  "the resampler op library is not built (run `bash tools/test.sh`)")
  return resampler.resampler


# --- numpy references --------------------------------------------------------------------


def reference_grid(matrices, source_shape, output_shape):
  """Sonnet 1's definition: normalised output grid, affine map, then scale to pixels.

  Args:
    matrices: [B, N, N+1] affine matrices acting on normalised coordinates (x first).
    source_shape: source sizes in axis order.
    output_shape: output sizes in axis order.

  Returns:
    [B] + output_shape + [N] pixel coordinates, x first.
  """
  num_dim = len(source_shape)
  ranges = [np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1) for n in output_shape]
  mesh = np.meshgrid(*ranges, indexing="ij")
  homogeneous = [m.reshape(-1) for m in mesh[::-1]]
  homogeneous += [np.zeros_like(homogeneous[0])] * (num_dim - len(output_shape))
  homogeneous.append(np.ones_like(homogeneous[0]))
  normalised = np.einsum("bij,jp->bip", matrices, np.stack(homogeneous))
  half = (np.array(source_shape[::-1], dtype=np.float64) - 1.0) / 2.0
  pixels = normalised * half[None, :, None] + half[None, :, None]
  return pixels.transpose(0, 2, 1).reshape([len(matrices), *output_shape, num_dim])


def pixel_grid(shape):
  """Integer pixel coordinates of `shape`, x first: grid[i0, ..., i_{n-1}] = [i_{n-1}, ...]."""
  mesh = np.meshgrid(*[np.arange(n, dtype=np.float64) for n in shape], indexing="ij")
  return np.stack(mesh[::-1], axis=-1)


def free_params(constraints, matrices):
  """The free entries of each matrix in row-major order, checking the fixed ones."""
  mask = np.array(constraints.mask)
  for row, col in zip(*np.nonzero(~mask)):
    np.testing.assert_allclose(matrices[:, row, col], constraints[row][col])
  return matrices[:, mask]


def invert(matrices):
  """Inverts [B, N, N+1] affine matrices."""
  linear = np.linalg.inv(matrices[:, :, :-1])
  translation = -np.einsum("bij,bj->bi", linear, matrices[:, :, -1])
  return np.concatenate([linear, translation[:, :, None]], axis=2)


def forward_pixel_map(matrix, source_shape, output_shape, points):
  """Applies a warper's map (output pixels -> source pixels) to pixel points [..., N]."""
  out_half = (np.array(output_shape[::-1], dtype=np.float64) - 1.0) / 2.0
  src_half = (np.array(source_shape[::-1], dtype=np.float64) - 1.0) / 2.0
  normalised = (points - out_half) / out_half
  mapped = normalised @ matrix[:, :-1].T + matrix[:, -1]
  return mapped * src_half + src_half


def _rotation_2d(angle):
  c, s = math.cos(angle), math.sin(angle)
  return [[c, -s, 0.0], [s, c, 0.0]]


TRANSFORMS_2D = {
    "identity": [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
    "translation": [[1.0, 0.0, 0.3], [0.0, 1.0, -0.45]],
    "scale": [[0.5, 0.0, 0.0], [0.0, 1.75, 0.0]],
    "shear": [[1.0, 0.4, 0.0], [-0.3, 1.0, 0.0]],
    "rotation": _rotation_2d(0.6),
    "general": [[0.8, -0.35, 0.2], [0.25, 1.1, -0.1]],
}

TRANSFORMS_3D = {
    "identity": np.concatenate([np.eye(3), np.zeros([3, 1])], 1).tolist(),
    "translation": [[1.0, 0.0, 0.0, 0.2], [0.0, 1.0, 0.0, -0.3], [0.0, 0.0, 1.0, 0.5]],
    "scale": [[0.5, 0.0, 0.0, 0.0], [0.0, 1.5, 0.0, 0.0], [0.0, 0.0, 0.8, 0.0]],
    "shear": [[1.0, 0.3, -0.2, 0.0], [0.1, 1.0, 0.4, 0.0], [-0.25, 0.2, 1.0, 0.0]],
    "rotation_xy": [[math.cos(0.5), -math.sin(0.5), 0.0, 0.0],
                    [math.sin(0.5), math.cos(0.5), 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]],
    "general": [[0.9, -0.2, 0.1, 0.05], [0.3, 1.2, -0.15, -0.2], [0.05, 0.1, 0.7, 0.3]],
}

# Constraint sets built from a matrix's own values (so they always hold for it).
CONSTRAINTS_2D = {
    "none": lambda m: None,
    "translation": lambda m: AffineWarpConstraints.translation_2d(x=m[0][2], y=m[1][2]),
    "scale": lambda m: AffineWarpConstraints.scale_2d(x=m[0][0], y=m[1][1]),
    "shear": lambda m: AffineWarpConstraints.shear_2d(x=m[0][1], y=m[1][0]),
    "x_row_fixed": lambda m: AffineWarpConstraints([m[0], [None] * 3]),
    "one_free": lambda m: AffineWarpConstraints(
        [m[0], [m[1][0], None, m[1][2]]]),
}

CONSTRAINTS_3D = {
    "none": lambda m: None,
    "translation": lambda m: AffineWarpConstraints.translation_3d(
        x=m[0][3], y=m[1][3], z=m[2][3]),
    "scale": lambda m: AffineWarpConstraints.scale_3d(x=m[0][0], y=m[1][1], z=m[2][2]),
    "z_row_and_x_translation": lambda m: AffineWarpConstraints(
        [[None, None, None, m[0][3]], [None] * 4, m[2]]),
}

SHAPES_2D = [((5, 7), (5, 7)), ((6, 4), (3, 9)), ((8, 8), (1, 5)), ((4, 6), (10,))]
SHAPES_3D = [((4, 5, 6), (4, 5, 6)), ((4, 5, 6), (3, 7)), ((3, 4, 5), (6,)),
             ((2, 3, 4), (5, 1, 2))]


def _grid_cases(transforms, constraint_sets):
  for (t_name, matrix), (c_name, make) in itertools.product(
      transforms.items(), constraint_sets.items()):
    yield dict(testcase_name=f"{t_name}_{c_name}", matrix=matrix, make_constraints=make)


def _constraints_for(make_constraints, matrix, num_dim):
  constraints = make_constraints(matrix)
  if constraints is None:
    return AffineWarpConstraints.no_constraints(num_dim), None
  return constraints, constraints


class AffineGridWarperTest(parameterized.TestCase, tf.test.TestCase):

  def _check_against_reference(self, matrix, make_constraints, shapes):
    matrix = np.asarray(matrix, dtype=np.float64)
    num_dim = matrix.shape[0]
    # Two batch entries: the given matrix and a perturbed one (same fixed entries).
    constraints, argument = _constraints_for(make_constraints, matrix.tolist(), num_dim)
    perturbed = matrix + 0.1 * np.array(constraints.mask)
    matrices = np.stack([matrix, perturbed])
    params = free_params(constraints, matrices)
    for source_shape, output_shape in shapes:
      warper = AffineGridWarper(source_shape, output_shape, constraints=argument)
      grid = warper(tf.constant(params))
      self.assertEqual(grid.shape, [2, *output_shape, num_dim])
      self.assertEqual(grid.dtype, tf.float64)
      self.assertAllClose(grid, reference_grid(matrices, source_shape, output_shape),
                          rtol=1e-12, atol=1e-12)
      grid32 = warper(tf.constant(params, dtype=tf.float32))
      self.assertEqual(grid32.dtype, tf.float32)
      self.assertAllClose(grid32, reference_grid(matrices, source_shape, output_shape),
                          rtol=1e-5, atol=1e-5)

  @parameterized.named_parameters(*_grid_cases(TRANSFORMS_2D, CONSTRAINTS_2D))
  def test_grid_2d_matches_reference(self, matrix, make_constraints):
    self._check_against_reference(matrix, make_constraints, SHAPES_2D)

  @parameterized.named_parameters(*_grid_cases(TRANSFORMS_3D, CONSTRAINTS_3D))
  def test_grid_3d_matches_reference(self, matrix, make_constraints):
    self._check_against_reference(matrix, make_constraints, SHAPES_3D)

  def test_rotation_in_pixel_space(self):
    # Independent of the normalisation: a square image rotated about its centre.
    angle, size = 0.7, 9
    warper = AffineGridWarper([size, size], [size, size])
    grid = warper(tf.constant([sum(_rotation_2d(angle), [])], dtype=tf.float64))
    centre = (size - 1) / 2
    rows, cols = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    c, s = math.cos(angle), math.sin(angle)
    expected_x = centre + c * (cols - centre) - s * (rows - centre)
    expected_y = centre + s * (cols - centre) + c * (rows - centre)
    self.assertAllClose(grid[0, ..., 0], expected_x, atol=1e-12)
    self.assertAllClose(grid[0, ..., 1], expected_y, atol=1e-12)

  def test_translation_moves_by_half_the_size_per_unit(self):
    warper = AffineGridWarper([5, 9], [5, 9], AffineWarpConstraints.no_shear_2d()
                              & AffineWarpConstraints.scale_2d(1, 1))
    grid = warper(tf.constant([[1.0, 0.0]]))  # x translation 1, y translation 0.
    self.assertAllEqual(grid[0], pixel_grid([5, 9]) + [4.0, 0.0])

  @parameterized.parameters(tf.float16, tf.bfloat16, tf.float32, tf.float64)
  def test_identity_is_exact_pixel_grid(self, dtype):
    for shape in [(3, 3), (5, 7), (2, 64), (1, 4), (4, 5, 6), (17,)]:
      warper = AffineGridWarper(shape, shape)
      identity = np.concatenate([np.eye(len(shape)), np.zeros([len(shape), 1])], 1)
      grid = warper(tf.constant([identity.reshape(-1)] * 2, dtype=dtype))
      self.assertEqual(grid.dtype, dtype)
      self.assertAllEqual(tf.cast(grid, tf.float64),
                          np.broadcast_to(pixel_grid(shape), grid.shape))

  def test_identity_grid_values_2d(self):
    # Sonnet 1's documented example: a 3x3 identity grid is [col, row].
    grid = AffineGridWarper([3, 3], [3, 3])(tf.constant([[1.0, 0, 0, 0, 1, 0]]))
    self.assertAllEqual(grid[0], [[[0, 0], [1, 0], [2, 0]],
                                  [[0, 1], [1, 1], [2, 1]],
                                  [[0, 2], [1, 2], [2, 2]]])

  def test_3d_grid_order_is_reversed_axis_order(self):
    # grid[b, d, h, w] = [w, h, d] (Sonnet 1 interleaved the axes for 3-D outputs).
    grid = AffineGridWarper([2, 3, 4], [2, 3, 4])(
        tf.constant([[1.0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]]))
    self.assertAllEqual(grid[0, 1, 2, 3], [3, 2, 1])
    self.assertAllEqual(grid[0, 0, 0, 1], [1, 0, 0])

  def test_lower_rank_output_samples_the_centre(self):
    # A 2-D output from a 3-D source: z (the first source axis) is the centre slice.
    grid = AffineGridWarper([5, 3, 4], [3, 4])(
        tf.constant([[1.0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]]))
    self.assertAllEqual(grid[0, ..., :2], pixel_grid([3, 4]))
    self.assertAllEqual(grid[0, ..., 2], np.full([3, 4], 2.0))

  @test_utils.run_in_modes
  def test_modes(self, mode):
    matrix = np.array([TRANSFORMS_2D["general"], TRANSFORMS_2D["rotation"]])
    constraints = AffineWarpConstraints.no_shear_2d()
    matrix[:, 0, 1] = matrix[:, 1, 0] = 0.0
    params = free_params(constraints, matrix).astype(np.float32)

    def build(inputs):
      return AffineGridWarper([6, 5], [4, 3], constraints)(inputs)

    grid = test_utils.evaluate_in_mode(mode, lambda: build(tf.constant(params)))
    self.assertAllClose(grid, reference_grid(matrix, (6, 5), (4, 3)), atol=1e-5)

  def test_unknown_batch_static_shape(self):
    warper = AffineGridWarper([6, 5], [4, 3])

    @tf.function(input_signature=[tf.TensorSpec([None, 6], tf.float32)])
    def warp(params):
      grid = warper(params)
      self.assertEqual(grid.shape.as_list(), [None, 4, 3, 2])
      return grid

    self.assertEqual(warp(tf.zeros([3, 6])).shape, [3, 4, 3, 2])
    self.assertEqual(warp(tf.zeros([0, 6])).shape, [0, 4, 3, 2])

  def test_empty_batch(self):
    grid = AffineGridWarper([4, 4, 4], [2, 3])(tf.zeros([0, 12]))
    self.assertEqual(grid.shape, [0, 2, 3, 3])

  def test_properties(self):
    constraints = AffineWarpConstraints.no_shear_2d()
    warper = AffineGridWarper([6, 5], [4, 3], constraints, name="warp")
    self.assertEqual(warper.source_shape, (6, 5))
    self.assertEqual(warper.output_shape, (4, 3))
    self.assertEqual(warper.constraints, constraints)
    self.assertEqual(warper.n_coeff, 6)
    self.assertEqual(warper.psi.shape, (2, 3, 12))
    self.assertEqual(warper.module_name, "warp")
    self.assertEqual(AffineGridWarper([2, 3, 4], [2]).n_coeff, 12)
    self.assertEqual(AffineGridWarper([2, 3], [2, 3]).constraints,
                     AffineWarpConstraints.no_constraints(2))
    # Nested lists are accepted as constraints.
    self.assertEqual(AffineGridWarper([2, 3], [2, 3], [[None, 0, None], [0, None, None]])
                     .constraints, constraints)
    warper(tf.zeros([1, 4]))
    self.assertEqual(warper.variables, ())

  def test_default_name(self):
    self.assertStartsWith(AffineGridWarper([2, 2], [2, 2]).module_name,
                          "affine_grid_warper")

  # --- gradients ---------------------------------------------------------------------

  @parameterized.named_parameters(
      ("2d_free", (5, 6), (4, 3), None),
      ("2d_no_shear", (5, 6), (4, 3), AffineWarpConstraints.no_shear_2d()),
      ("3d_to_2d", (3, 4, 5), (2, 3), AffineWarpConstraints.translation_3d(z=0.2)),
  )
  def test_gradient_of_grid(self, source_shape, output_shape, constraints):
    warper = AffineGridWarper(source_shape, output_shape, constraints)
    num_free = warper.constraints.num_free_params
    params = np.random.RandomState(0).normal(size=[2, num_free])
    theoretical, numerical = tf.test.compute_gradient(
        warper, [tf.constant(params, dtype=tf.float64)])
    self.assertAllClose(theoretical, numerical, atol=1e-8)

  def test_gradient_through_resampler(self):
    resampler = _resampler_or_fail(self)
    rng = np.random.RandomState(3)
    images = tf.constant(rng.uniform(size=[2, 6, 7, 2]), dtype=tf.float64)
    matrix = np.array([[[0.892, 0.167, 0.071], [-0.118, 0.797, 0.108]],
                       [[0.723, -0.309, -0.143], [0.252, 1.089, 0.074]]])
    params = tf.constant(matrix.reshape(2, 6))
    warper = AffineGridWarper([6, 7], [4, 5])
    # Bilinear sampling has kinks at integer coordinates; keep clear of them so that
    # finite differences are meaningful.
    grid = warper(params).numpy()
    distance = np.abs(grid - np.round(grid))
    self.assertGreater(distance.min(), 0.03)

    def warp(p):
      return resampler(images, warper(p))

    theoretical, numerical = tf.test.compute_gradient(warp, [params], delta=1e-4)
    self.assertGreater(np.abs(theoretical[0]).max(), 0.1)
    self.assertAllClose(theoretical, numerical, atol=1e-6)

  @test_utils.run_in_modes
  def test_gradient_through_resampler_in_modes(self, mode):
    # The same gradient, params -> grid -> image, from a tape in every mode, against
    # finite differences of the eager forward pass.
    resampler = _resampler_or_fail(self)
    rng = np.random.RandomState(5)
    images = rng.uniform(size=[2, 5, 6, 2])
    weights = rng.normal(size=[2, 3, 4, 2])
    params = np.array([[0.87, 0.13, 0.061, -0.11, 0.79, 0.093],
                       [0.71, -0.29, -0.137, 0.23, 1.07, 0.071]])

    def loss(p, warper):
      return tf.reduce_sum(weights * resampler(tf.constant(images), warper(p)))

    forward = AffineGridWarper([5, 6], [3, 4], name="forward")
    # In a legacy-mode process (no eager execution) the forward passes run in a session.
    with (tf.compat.v1.Session() if mode == test_utils.LEGACY else contextlib.nullcontext()):
      _, numerical = tf.test.compute_gradient(
          lambda p: loss(p, forward), [tf.constant(params)], delta=1e-4)
    numerical = numerical[0].reshape(params.shape)

    def gradient():
      p = tf.constant(params)
      with tf.GradientTape() as tape:
        tape.watch(p)
        value = loss(p, AffineGridWarper([5, 6], [3, 4]))
      return tape.gradient(value, p)

    self.assertAllClose(test_utils.evaluate_in_mode(mode, gradient), numerical, atol=1e-6)

  # --- resampler ---------------------------------------------------------------------

  @test_utils.run_in_modes
  def test_identity_warp_and_resampler_return_image_exactly(self, mode):
    resampler = _resampler_or_fail(self)
    images = np.random.RandomState(1).normal(size=[2, 5, 7, 3]).astype(np.float32)
    identity = np.array([[1, 0, 0, 0, 1, 0]] * 2, dtype=np.float32)

    def warp(params, data):
      return resampler(data, AffineGridWarper([5, 7], [5, 7])(params))

    output = test_utils.evaluate_in_mode(
        mode, lambda: warp(tf.constant(identity), tf.constant(images)))
    self.assertAllEqual(output, images)

  def test_translation_warp_shifts_image(self):
    resampler = _resampler_or_fail(self)
    images = np.random.RandomState(2).normal(size=[1, 4, 9, 1]).astype(np.float32)
    warper = AffineGridWarper([4, 9], [4, 9], AffineWarpConstraints.translation_2d(y=0))
    # x translation 0.5 = a quarter of (W - 1) = 2 pixels: output[:, c] = image[:, c + 2].
    output = resampler(images, warper(tf.constant([[1.0, 0.0, 0.5, 0.0, 1.0]])))
    self.assertAllEqual(output[0, :, :7], images[0, :, 2:])
    self.assertAllEqual(output[0, :, 7:], np.zeros([4, 2, 1]))

  # --- inverse -----------------------------------------------------------------------

  @parameterized.named_parameters(
      ("free_same_shape", (5, 7), (5, 7), None),
      ("free_other_shape", (6, 4), (3, 9), None),
      ("no_shear", (5, 7), (8, 6), AffineWarpConstraints.no_shear_2d()),
      ("translation_fixed", (5, 7), (4, 4), AffineWarpConstraints.translation_2d(0.1, -0.2)),
      ("scale_fixed", (5, 7), (4, 4), AffineWarpConstraints.scale_2d(0.5, 0.75)),
  )
  def test_inverse(self, source_shape, output_shape, constraints):
    warper = AffineGridWarper(source_shape, output_shape, constraints)
    constraints = warper.constraints
    rng = np.random.RandomState(4)
    matrices = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]] * 3)
    matrices += rng.uniform(-0.3, 0.3, size=matrices.shape)
    for (row, col), value in np.ndenumerate(np.array(constraints.constraints, dtype=float)):
      if not np.isnan(value):
        matrices[:, row, col] = value
    params = free_params(constraints, matrices)
    inverse = warper.inverse()
    inverse_grid = inverse(tf.constant(params)).numpy()
    self.assertEqual(inverse_grid.shape, (3, *source_shape, 2))
    # Against numpy: a forward warper from the output domain with inverted matrices.
    self.assertAllClose(
        inverse_grid, reference_grid(invert(matrices), output_shape, source_shape),
        atol=1e-10)
    # Composed with the forward map, the inverse grid is the identity on source pixels.
    for matrix, grid in zip(matrices, inverse_grid):
      mapped = forward_pixel_map(matrix, source_shape, output_shape, grid)
      self.assertAllClose(mapped, pixel_grid(source_shape), atol=1e-10)

  def test_inverse_of_identity_is_exact(self):
    inverse = AffineGridWarper([4, 6], [4, 6]).inverse()
    grid = inverse(tf.constant([[1.0, 0, 0, 0, 1, 0]]))
    self.assertAllEqual(grid[0], pixel_grid([4, 6]))

  def test_inverse_gradient(self):
    inverse = AffineGridWarper([4, 5], [3, 3]).inverse()
    params = tf.constant([[1.1, 0.2, 0.1, -0.3, 0.9, 0.2]], dtype=tf.float64)
    theoretical, numerical = tf.test.compute_gradient(inverse, [params])
    self.assertAllClose(theoretical, numerical, atol=1e-7)

  @test_utils.run_in_modes
  def test_inverse_modes(self, mode):
    matrices = np.array([[[0.9, 0.1, 0.2], [-0.2, 1.1, -0.1]]])

    def build(params):
      return AffineGridWarper([5, 4], [3, 6]).inverse()(params)

    grid = test_utils.evaluate_in_mode(
        mode, lambda: build(tf.constant(matrices.reshape(1, 6))))
    self.assertAllClose(grid, reference_grid(invert(matrices), (3, 6), (5, 4)), atol=1e-10)

  def test_singular_inverse_samples_zeros(self):
    resampler = _resampler_or_fail(self)
    inverse = AffineGridWarper([3, 4], [3, 4]).inverse()
    grid = inverse(tf.constant([[1.0, 2.0, 0.0, 0.5, 1.0, 0.0]]))  # Determinant 0.
    self.assertFalse(np.any(np.isfinite(grid)))
    output = resampler(tf.ones([1, 4, 3, 2]), grid)
    self.assertAllEqual(output, np.zeros([1, 3, 4, 2]))

  def test_inverse_names(self):
    warper = AffineGridWarper([4, 5], [3, 3], name="glimpse")
    self.assertEqual(warper.inverse().module_name, "glimpse_inverse")
    self.assertEqual(warper.inverse(name="back").module_name, "back")

  def test_inverse_3d_not_supported(self):
    warper = AffineGridWarper([3, 4, 5], [3, 4, 5], name="volume")
    with self.assertRaisesRegex(errors.NotSupportedError,
                                "volume: .*inversion only for the 2D case.*3-D"):
      warper.inverse()

  def test_inverse_checks_parameters(self):
    inverse = AffineGridWarper([4, 5], [3, 3], AffineWarpConstraints.no_shear_2d()).inverse()
    with self.assertRaisesRegex(errors.IncompatibleShapeError,
                                "4 parameters expected, 6 provided"):
      inverse(tf.zeros([1, 6]))

  # --- errors ------------------------------------------------------------------------

  @parameterized.named_parameters(
      ("too_few", [2, 5], errors.IncompatibleShapeError,
       r"Input size is not consistent with constraint definition: 6 parameters "
       r"expected, 5 provided \(input shape \(2, 5\)\)"),
      ("too_many", [2, 7], errors.IncompatibleShapeError, "6 parameters expected, 7"),
      ("rank_1", [6], errors.IncompatibleShapeError,
       r"must have shape \[batch_size, 6\], got a tensor of rank 1"),
      ("rank_3", [1, 2, 6], errors.IncompatibleShapeError, "rank 3"),
  )
  def test_bad_parameter_shape(self, shape, error, message):
    warper = AffineGridWarper([4, 5], [3, 3], name="warper")
    with self.assertRaisesRegex(error, warper.module_name + ": .*" + message):
      warper(tf.zeros(shape))
    # The failed call left the module usable.
    self.assertEqual(warper(tf.zeros([2, 6])).shape, [2, 3, 3, 2])

  def test_wrong_size_is_a_sonnet_error(self):
    with self.assertRaises(errors.Error):
      AffineGridWarper([4, 5], [3, 3], AffineWarpConstraints.no_shear_2d())(
          tf.zeros([1, 6]))

  @parameterized.parameters(tf.int32, tf.int64, tf.bool, tf.complex64)
  def test_bad_dtype(self, dtype):
    with self.assertRaisesRegex(TypeError, "floating point tensor, got dtype " + dtype.name):
      AffineGridWarper([4, 5], [3, 3])(tf.zeros([1, 6], dtype=dtype))

  def test_wrong_size_detected_at_run_time_in_tf_function(self):
    warper = AffineGridWarper([4, 5], [3, 3])
    warp = tf.function(warper, input_signature=[tf.TensorSpec([None, None], tf.float32)])
    self.assertEqual(warp(tf.zeros([2, 6])).shape, [2, 3, 3, 2])
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, "6 parameters expected"):
      warp(tf.zeros([2, 5]))
    unknown_rank = tf.function(warper, input_signature=[tf.TensorSpec(None, tf.float32)])
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, "must be a matrix"):
      unknown_rank(tf.zeros([6]))

  def test_wrong_size_detected_at_run_time_in_graph_mode(self):
    with tf.Graph().as_default():
      params = tf.compat.v1.placeholder(tf.float32, [None, None])
      grid = AffineGridWarper([4, 5], [3, 3])(params)
      with tf.compat.v1.Session() as session:
        self.assertEqual(session.run(grid, {params: np.zeros([1, 6])}).shape, (1, 3, 3, 2))
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                    "6 parameters expected"):
          session.run(grid, {params: np.zeros([1, 4])})

  @parameterized.named_parameters(
      ("fully_constrained", dict(constraints=[[1, 0, 0], [0, 1, 0]]), errors.Error,
       "Transformation is fully constrained"),
      ("constraints_3d_for_2d", dict(constraints=AffineWarpConstraints.no_shear_3d()),
       errors.Error, r"different dimensionality \(source_shape \[4, 5\] is 2-D, the "
       r"constraints are 3-D\)"),
      ("output_rank_too_high", dict(source_shape=[4, 5], output_shape=[2, 3, 4]),
       errors.Error, r"Output domain dimensionality \(3\) must be equal or smaller than "
       r"source domain dimensionality \(2\)"),
      ("source_not_iterable", dict(source_shape=5), TypeError,
       "source_shape must be an iterable of positive integers, got 5"),
      ("source_string", dict(source_shape="45"), TypeError, "source_shape"),
      ("output_empty", dict(output_shape=[]), ValueError, "output_shape"),
      ("output_zero", dict(output_shape=[0, 3]), ValueError,
       r"output_shape must contain only positive integers, got \(0, 3\)"),
      ("source_float", dict(source_shape=[4.0, 5]), ValueError, "source_shape"),
      ("source_none", dict(source_shape=[None, 5]), ValueError, "source_shape"),
      ("malformed_constraints", dict(constraints=[[None, None], [None, None]]), ValueError,
       r"Nx\(N\+1\)"),
      ("constraints_not_nested", dict(constraints=3), TypeError, "nested iterable"),
  )
  def test_constructor_errors(self, kwargs, error, message):
    arguments: dict[str, Any] = dict(source_shape=[4, 5], output_shape=[3, 3])
    arguments.update(kwargs)
    with self.assertRaisesRegex(error, message):
      AffineGridWarper(**arguments)


class DocstringTest(tf.test.TestCase):

  def test_docstring_examples(self):
    for module in (spatial_transformer, affine_warp_constraints):
      results = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
      self.assertGreater(results.attempted, 0, module.__name__)
      self.assertEqual(results.failed, 0, module.__name__)


class GridWarperTest(tf.test.TestCase):

  def test_is_abstract(self):
    with self.assertRaises(TypeError):
      GridWarper([2, 2], [2, 2], 2, name="grid_warper")

  def test_subclass(self):

    class TranslationWarper(GridWarper):
      """Shifts the pixel grid by (dx, dy)."""

      def __init__(self, shape):
        super().__init__(shape, shape, 2, name="translation_warper", offset=0.0)

      def _create_features(self, offset):
        return pixel_grid(self.output_shape) + offset

      def _build(self, inputs):
        return self.psi[None] + inputs[:, None, None, :]

    warper = TranslationWarper([2, 3])
    self.assertEqual(warper.n_coeff, 2)
    grid = warper(tf.constant([[0.5, -1.0]], dtype=tf.float64))
    self.assertAllEqual(grid[0], pixel_grid([2, 3]) + [0.5, -1.0])

  def test_output_rank_check(self):
    with self.assertRaisesRegex(errors.Error, "Output domain dimensionality"):
      AffineGridWarper([3], [3, 3])


if __name__ == "__main__":
  tf.test.main()
