# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Constraints on the entries of an affine transform, for `AffineGridWarper`.

An N-dimensional affine transform is an N x (N+1) matrix `[M | t]`. An
`AffineWarpConstraints` fixes some of its entries to numbers and leaves the others
(`None`) free; the free entries are what a network predicts, in row-major order.
"""

from collections.abc import Iterable
import math
from typing import Any

from sonnet.src import argument_checks

Entry = float | None
Matrix = tuple[tuple[Entry, ...], ...]

ERR_NOT_NESTED = "constraints must be a nested iterable, got {actual!r}."
ERR_EMPTY = "constraints must define at least one row, got an empty iterable."
ERR_NOT_MATRIX = (
    "The input list must define a Nx(N+1) matrix of constraints: with N={num_dim} rows "
    "every row needs {expected} entries, but the row lengths are {lengths}.")
ERR_BAD_ENTRY = (
    "constraints[{row}][{col}] must be None (a free parameter) or a real number, "
    "got {actual!r} of type {type_name}.")
ERR_NON_FINITE = "constraints[{row}][{col}] must be a finite number, got {actual!r}."
ERR_COMBINE_DIM = (
    "Incompatible set of constraints provided: cannot combine {left}-D constraints "
    "with {right}-D constraints.")
ERR_COMBINE_VALUE = (
    "Incompatible set of constraints provided: entry [{row}][{col}] is constrained to "
    "{left!r} on one side and to {right!r} on the other.")
ERR_NUM_DIM = "num_dim must be a positive integer, got {value!r}."


def _check_entry(value: Any, row: int, col: int) -> Entry:
  """Returns `value` as a float (or None), raising on anything else."""
  if value is None:
    return None
  if not argument_checks.is_number(value):
    raise TypeError(ERR_BAD_ENTRY.format(row=row, col=col, actual=value,
                                         type_name=type(value).__name__))
  value = float(value)
  if not math.isfinite(value):
    raise ValueError(ERR_NON_FINITE.format(row=row, col=col, actual=value))
  return value


class AffineWarpConstraints:
  """Constraints on the entries of an N-dimensional affine transform matrix.

  The matrix has N rows and N+1 columns: row `i` computes source coordinate `i`
  (x, y, z, ... in that order) from the output coordinates and a translation in the
  last column. A number fixes that entry; `None` leaves it free, to be supplied at
  run time. For example, a 2-D transform with no shear:

  >>> constraints = AffineWarpConstraints([[None, 0, None], [0, None, None]])
  >>> constraints.num_free_params
  4
  >>> constraints.mask
  ((True, False, True), (False, True, True))

  Constraints combine with `&` (or `combine_with`), as long as no entry is fixed to
  two different numbers:

  >>> no_shear = AffineWarpConstraints.no_shear_2d()
  >>> (no_shear & AffineWarpConstraints.translation_2d(x=0.5)).num_free_params
  3

  Objects are immutable, hashable and compare by value.
  """

  def __init__(self, constraints: Iterable[Iterable[Entry]] = ((None,) * 3,) * 2):
    """Creates a constraint definition for an affine transform.

    Args:
      constraints: A doubly-nested iterable of shape `[N, N+1]`. A number fixes the
        corresponding matrix entry; `None` leaves it free.

    Raises:
      TypeError: If `constraints` is not a nested iterable, or an entry is neither
        `None` nor a real number (booleans are refused).
      ValueError: If `constraints` is empty or not an N x (N+1) matrix, or an entry
        is not finite.
    """
    try:
      # A string is iterable, but never a row or a matrix of numbers.
      if isinstance(constraints, (str, bytes)):
        raise TypeError
      outer = tuple(constraints)  # Once only: it may be a generator.
      if any(isinstance(row, (str, bytes)) for row in outer):
        raise TypeError
      rows = tuple(tuple(row) for row in outer)
    except TypeError:
      raise TypeError(ERR_NOT_NESTED.format(actual=constraints)) from None
    if not rows:
      raise ValueError(ERR_EMPTY)
    num_dim = len(rows)
    if any(len(row) != num_dim + 1 for row in rows):
      raise ValueError(ERR_NOT_MATRIX.format(
          num_dim=num_dim, expected=num_dim + 1, lengths=[len(row) for row in rows]))
    self._constraints: Matrix = tuple(
        tuple(_check_entry(value, i, j) for j, value in enumerate(row))
        for i, row in enumerate(rows))

  @property
  def constraints(self) -> Matrix:
    """The N x (N+1) matrix of constraints: floats, or `None` for free entries."""
    return self._constraints

  @property
  def num_dim(self) -> int:
    """N, the number of spatial dimensions of the transform."""
    return len(self._constraints)

  @property
  def num_free_params(self) -> int:
    """The number of free (`None`) entries: the parameters supplied at run time."""
    return sum(row.count(None) for row in self._constraints)

  @property
  def mask(self) -> tuple[tuple[bool, ...], ...]:
    """An N x (N+1) nested tuple of booleans, True where the entry is free."""
    return tuple(tuple(value is None for value in row) for row in self._constraints)

  def __getitem__(self, i: int) -> tuple[Entry, ...]:
    """Returns the constraints on row `i` of the affine matrix."""
    return self._constraints[i]

  def __iter__(self):
    return iter(self._constraints)

  def __len__(self) -> int:
    return len(self._constraints)

  def __eq__(self, other: Any) -> bool:
    if not isinstance(other, AffineWarpConstraints):
      return NotImplemented
    return self._constraints == other._constraints

  def __hash__(self) -> int:
    return hash(self._constraints)

  def __repr__(self) -> str:
    return f"AffineWarpConstraints({[list(row) for row in self._constraints]!r})"

  def combine_with(
      self, additional_constraints: "AffineWarpConstraints | Iterable[Iterable[Entry]]"
  ) -> "AffineWarpConstraints":
    """Combines two sets of constraints into a single, consistent set.

    An entry is fixed in the result if it is fixed on either side. Neither operand is
    changed.

    Args:
      additional_constraints: An `AffineWarpConstraints`, or a nested iterable that
        `AffineWarpConstraints` accepts.

    Returns:
      A new `AffineWarpConstraints`.

    Raises:
      ValueError: If the two sets have different dimensions, or fix the same entry
        to different numbers.
      TypeError: If `additional_constraints` is not a valid constraint definition.
    """
    other = additional_constraints
    if not isinstance(other, AffineWarpConstraints):
      other = AffineWarpConstraints(other)
    if other.num_dim != self.num_dim:
      raise ValueError(ERR_COMBINE_DIM.format(left=self.num_dim, right=other.num_dim))
    combined = []
    for i, (left_row, right_row) in enumerate(zip(self._constraints, other.constraints)):
      row = []
      for j, (left, right) in enumerate(zip(left_row, right_row)):
        if left is None:
          row.append(right)
        elif right is None or left == right:
          # Sonnet 1 used `left or right`, which dropped constraints equal to 0.
          row.append(left)
        else:
          raise ValueError(
              ERR_COMBINE_VALUE.format(row=i, col=j, left=left, right=right))
      combined.append(row)
    return AffineWarpConstraints(combined)

  def __and__(self, rhs: "AffineWarpConstraints") -> "AffineWarpConstraints":
    """Same as `combine_with`."""
    return self.combine_with(rhs)

  # Factories for common sets of constraints in 2-D and 3-D.

  @classmethod
  def no_constraints(cls, num_dim: int = 2) -> "AffineWarpConstraints":
    """All N x (N+1) entries free.

    Args:
      num_dim: N, the number of spatial dimensions.

    Returns:
      An `AffineWarpConstraints` with every entry `None`.

    Raises:
      ValueError: If `num_dim` is not a positive integer.
    """
    num_dim = argument_checks.check_positive_int(None, "num_dim", num_dim, message=ERR_NUM_DIM)
    return cls(((None,) * (num_dim + 1),) * num_dim)

  @classmethod
  def translation_2d(cls, x: Entry = None, y: Entry = None) -> "AffineWarpConstraints":
    """Constrains the translation column of a 2-D transform (`None` leaves it free)."""
    return cls([[None, None, x],
                [None, None, y]])

  @classmethod
  def translation_3d(cls, x: Entry = None, y: Entry = None,
                     z: Entry = None) -> "AffineWarpConstraints":
    """Constrains the translation column of a 3-D transform (`None` leaves it free)."""
    return cls([[None, None, None, x],
                [None, None, None, y],
                [None, None, None, z]])

  @classmethod
  def scale_2d(cls, x: Entry = None, y: Entry = None) -> "AffineWarpConstraints":
    """Constrains the diagonal (scale) entries of a 2-D transform."""
    return cls([[x, None, None],
                [None, y, None]])

  @classmethod
  def scale_3d(cls, x: Entry = None, y: Entry = None,
               z: Entry = None) -> "AffineWarpConstraints":
    """Constrains the diagonal (scale) entries of a 3-D transform."""
    return cls([[x, None, None, None],
                [None, y, None, None],
                [None, None, z, None]])

  @classmethod
  def shear_2d(cls, x: Entry = None, y: Entry = None) -> "AffineWarpConstraints":
    """Constrains the shear entries of a 2-D transform: x at [0][1], y at [1][0]."""
    return cls([[None, x, None],
                [y, None, None]])

  @classmethod
  def no_shear_2d(cls) -> "AffineWarpConstraints":
    """Fixes both shear entries of a 2-D transform to 0."""
    return cls.shear_2d(x=0, y=0)

  @classmethod
  def no_shear_3d(cls) -> "AffineWarpConstraints":
    """Fixes every off-diagonal entry of the 3-D linear part to 0."""
    return cls([[None, 0, 0, None],
                [0, None, 0, None],
                [0, 0, None, None]])
