# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.affine_warp_constraints."""

from typing import Any

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src.affine_warp_constraints import AffineWarpConstraints

N = None  # Short alias so that the constraint tables below read as matrices.


class AffineWarpConstraintsTest(parameterized.TestCase, tf.test.TestCase):

  def test_default_is_2d_unconstrained(self):
    constraints = AffineWarpConstraints()
    self.assertEqual(constraints.num_dim, 2)
    self.assertEqual(constraints.num_free_params, 6)
    self.assertEqual(constraints.constraints, ((N, N, N), (N, N, N)))

  @parameterized.named_parameters(
      ("no_constraints_2d", AffineWarpConstraints.no_constraints(),
       ((N, N, N), (N, N, N)), 6),
      ("no_constraints_1d", AffineWarpConstraints.no_constraints(1), ((N, N),), 2),
      ("no_constraints_3d", AffineWarpConstraints.no_constraints(3),
       ((N, N, N, N),) * 3, 12),
      ("translation_2d", AffineWarpConstraints.translation_2d(x=1, y=-2),
       ((N, N, 1.0), (N, N, -2.0)), 4),
      ("translation_2d_x_only", AffineWarpConstraints.translation_2d(x=0),
       ((N, N, 0.0), (N, N, N)), 5),
      ("translation_3d", AffineWarpConstraints.translation_3d(x=1, y=2, z=3),
       ((N, N, N, 1.0), (N, N, N, 2.0), (N, N, N, 3.0)), 9),
      ("scale_2d", AffineWarpConstraints.scale_2d(x=2, y=3),
       ((2.0, N, N), (N, 3.0, N)), 4),
      ("scale_3d", AffineWarpConstraints.scale_3d(x=2, y=3, z=4),
       ((2.0, N, N, N), (N, 3.0, N, N), (N, N, 4.0, N)), 9),
      ("shear_2d", AffineWarpConstraints.shear_2d(x=0.5, y=0.25),
       ((N, 0.5, N), (0.25, N, N)), 4),
      ("no_shear_2d", AffineWarpConstraints.no_shear_2d(),
       ((N, 0.0, N), (0.0, N, N)), 4),
      ("no_shear_3d", AffineWarpConstraints.no_shear_3d(),
       ((N, 0.0, 0.0, N), (0.0, N, 0.0, N), (0.0, 0.0, N, N)), 6),
  )
  def test_factories(self, constraints, expected, num_free):
    self.assertEqual(constraints.constraints, expected)
    self.assertEqual(constraints.num_free_params, num_free)
    self.assertEqual(constraints.num_dim, len(expected))
    self.assertEqual(constraints.mask,
                     tuple(tuple(v is None for v in row) for row in expected))
    for i, row in enumerate(expected):
      self.assertEqual(constraints[i], row)
    self.assertEqual(tuple(constraints), expected)

  def test_accepts_numpy_numbers_and_generators(self):
    rows: list[list[Any]] = [[np.float32(1.5), None, np.int64(2)], [N, N, N]]
    constraints = AffineWarpConstraints((v for v in row) for row in rows)
    self.assertEqual(constraints[0], (1.5, None, 2.0))
    self.assertIsInstance(constraints[0][2], float)

  def test_combine(self):
    combined = (AffineWarpConstraints.no_shear_2d() &
                AffineWarpConstraints.translation_2d(x=3))
    self.assertEqual(combined.constraints, ((N, 0.0, 3.0), (0.0, N, N)))
    self.assertEqual(combined.num_free_params, 3)
    self.assertEqual(combined,
                     AffineWarpConstraints.no_shear_2d().combine_with([[N, N, 3], [N, N, N]]))
    # Same number on both sides is not a conflict.
    self.assertEqual(combined & combined, combined)

  def test_combine_keeps_zero_constraints(self):
    # Sonnet 1 combined with `x or y`, which turned a constraint of 0 into a free entry.
    combined = (AffineWarpConstraints.translation_2d(x=0, y=0) &
                AffineWarpConstraints.no_constraints())
    self.assertEqual(combined.constraints, ((N, N, 0.0), (N, N, 0.0)))
    self.assertEqual(combined.num_free_params, 4)

  def test_combine_is_symmetric_and_leaves_operands_unchanged(self):
    left = AffineWarpConstraints.scale_2d(x=2)
    right = AffineWarpConstraints.shear_2d(y=0)
    self.assertEqual(left & right, right & left)
    self.assertEqual(left.constraints, ((2.0, N, N), (N, N, N)))
    self.assertEqual(right.constraints, ((N, N, N), (0.0, N, N)))

  def test_combine_conflict_raises(self):
    with self.assertRaisesRegex(
        ValueError, r"Incompatible set of constraints provided: entry \[0\]\[0\] is "
        r"constrained to 2.0 on one side and to 3.0 on the other"):
      AffineWarpConstraints.scale_2d(x=2) & AffineWarpConstraints.scale_2d(x=3)

  def test_combine_dimension_mismatch_raises(self):
    with self.assertRaisesRegex(ValueError, "cannot combine 2-D constraints with 3-D"):
      AffineWarpConstraints.no_shear_2d() & AffineWarpConstraints.no_shear_3d()

  def test_combine_with_invalid_raises(self):
    with self.assertRaisesRegex(TypeError, "nested iterable"):
      AffineWarpConstraints().combine_with(3)  # type: ignore[arg-type]  # deliberately wrong

  def test_equality_and_hash(self):
    self.assertEqual(AffineWarpConstraints.no_shear_2d(),
                     AffineWarpConstraints([[None, 0, None], [0, None, None]]))
    self.assertNotEqual(AffineWarpConstraints.no_shear_2d(), AffineWarpConstraints())
    self.assertLen({AffineWarpConstraints(), AffineWarpConstraints.no_constraints()}, 1)
    self.assertNotEqual(AffineWarpConstraints(), "not constraints")
    self.assertIn("AffineWarpConstraints([[None, 0.0, None]",
                  repr(AffineWarpConstraints.no_shear_2d()))

  @parameterized.named_parameters(
      ("int", 3, TypeError, "must be a nested iterable, got 3"),
      ("flat_numbers", [1, 2, 3], TypeError, "must be a nested iterable"),
      ("string", "abc", TypeError, "must be a nested iterable, got 'abc'"),
      ("string_rows", ["ab", "cd"], TypeError, "must be a nested iterable"),
      ("empty", [], ValueError, "at least one row"),
      ("square", [[N, N], [N, N]], ValueError,
       r"Nx\(N\+1\) matrix .* N=2 rows every row needs 3 entries, .* \[2, 2\]"),
      ("ragged", [[N, N, N], [N, N]], ValueError, r"row lengths are \[3, 2\]"),
      ("string_entry", [[N, "1", N], [N, N, N]], TypeError,
       r"constraints\[0\]\[1\] must be None .* got '1' of type str"),
      ("bool_entry", [[N, N, N], [N, True, N]], TypeError,
       r"constraints\[1\]\[1\] .* type bool"),
      ("complex_entry", [[1j, N, N], [N, N, N]], TypeError, r"constraints\[0\]\[0\]"),
      ("nan_entry", [[N, N, float("nan")], [N, N, N]], ValueError,
       r"constraints\[0\]\[2\] must be a finite number, got nan"),
      ("inf_entry", [[N, N, N], [N, N, float("-inf")]], ValueError, "finite"),
  )
  def test_invalid_constraints(self, constraints, error, message):
    with self.assertRaisesRegex(error, message):
      AffineWarpConstraints(constraints)

  @parameterized.parameters(0, -1, 2.0, True, None)
  def test_no_constraints_bad_num_dim(self, num_dim):
    with self.assertRaisesRegex(ValueError, "num_dim must be a positive integer"):
      AffineWarpConstraints.no_constraints(num_dim)

  def test_factory_with_bad_value(self):
    with self.assertRaisesRegex(TypeError, r"constraints\[0\]\[2\]"):
      AffineWarpConstraints.translation_2d(x="left")  # type: ignore[arg-type]  # deliberately wrong


if __name__ == "__main__":
  tf.test.main()
