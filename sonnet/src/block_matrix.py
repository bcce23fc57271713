# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Block matrices filled from flat vectors: `BlockTriangularMatrix`, `BlockDiagonalMatrix`.

A `[batch, input_size]` input becomes a `[batch, rows, cols]` matrix made of
`block_rows x block_rows` blocks of `block_shape`, where only some blocks (the lower or
upper triangle, or the diagonal) are filled and the others are zero. The input is read
one block row at a time; within a block row it fills the rows of all that row's blocks
together, left to right, top to bottom (like a `[block_shape[0], k * block_shape[1]]`
row-major reshape for the `k` blocks of that row).
"""

from collections.abc import Sequence

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import errors

ERR_BLOCK_SHAPE = ("{module}: block_shape must be a pair of positive integers, but got "
                   "{value!r}.")
ERR_BLOCK_ROWS = "{module}: block_rows must be a positive integer, but got {value!r}."
ERR_INPUT_SHAPE = ("{module}: Expected inputs of shape [batch_size, {size}], but got shape "
                   "{shape}.")


class BlockTriangularMatrix(base.AbstractModule):
  """A block lower (or upper) triangular matrix, from a vector per batch element.

  For `block_shape=(2, 3)` and `block_rows=3` the output is `[batch, 6, 9]`; lower
  triangular with the diagonal there are 6 filled blocks of 6 entries, so `input_size` is
  36: entries 0-5 fill block (0, 0), entries 6-17 fill blocks (1, 0) and (1, 1) row by row
  (`[[6..11], [12..17]]`), and so on.

  Args:
    block_shape: `(rows, cols)` of one block.
    block_rows: the number of blocks along each side.
    include_diagonal: whether the diagonal blocks are filled (default True).
    upper: fill the upper triangle instead of the lower one (default False).
    name: module name (default "block_triangular_matrix").

  Raises:
    ValueError: for a bad `block_shape` or `block_rows`.
  """

  def __init__(self, block_shape: Sequence[int], block_rows: int,
               include_diagonal: bool = True, upper: bool = False,
               name: str = "block_triangular_matrix"):
    super().__init__(name=name)
    if (not isinstance(block_shape, (list, tuple)) or len(block_shape) != 2 or
        not all(argument_checks.is_positive_int(d) for d in block_shape)):
      raise ValueError(ERR_BLOCK_SHAPE.format(module=self.module_name, value=block_shape))
    if not argument_checks.is_positive_int(block_rows):
      raise ValueError(ERR_BLOCK_ROWS.format(module=self.module_name, value=block_rows))
    self._block_shape = (int(block_shape[0]), int(block_shape[1]))
    self._block_rows = int(block_rows)
    self._include_diagonal = bool(include_diagonal)
    self._upper = bool(upper)

  def _row_blocks(self, row: int) -> tuple[int, int]:
    """`(first block column, number of blocks)` filled in block row `row`."""
    n = self._block_rows
    if self._upper:
      first = row if self._include_diagonal else row + 1
      return first, n - first
    return 0, row + 1 if self._include_diagonal else row

  @property
  def num_blocks(self) -> int:
    """The number of filled blocks."""
    return sum(self._row_blocks(row)[1] for row in range(self._block_rows))

  @property
  def block_size(self) -> int:
    """The number of entries of one block."""
    return self._block_shape[0] * self._block_shape[1]

  @property
  def input_size(self) -> int:
    """The size of the input vector: `num_blocks * block_size`."""
    return self.num_blocks * self.block_size

  @property
  def output_shape(self) -> tuple[int, int]:
    """The shape of the matrix (without the batch dimension)."""
    return (self._block_rows * self._block_shape[0],
            self._block_rows * self._block_shape[1])

  @property
  def block_shape(self) -> tuple[int, int]:
    """`(rows, cols)` of one block."""
    return self._block_shape

  @property
  def block_rows(self) -> int:
    """The number of blocks along each side."""
    return self._block_rows

  def _build(self, inputs: tf.Tensor) -> tf.Tensor:
    """Arranges each input vector into the block matrix.

    Args:
      inputs: a tensor `[batch_size, input_size]`.

    Returns:
      A tensor `[batch_size] + output_shape` of the dtype of `inputs`, zero outside the
      filled blocks.

    Raises:
      snt.IncompatibleShapeError: if `inputs` is not `[batch_size, input_size]`.
    """
    inputs = tf.convert_to_tensor(inputs)
    shape = inputs.shape
    if shape.rank != 2 or shape.as_list()[1] not in (None, self.input_size):
      raise errors.IncompatibleShapeError(ERR_INPUT_SHAPE.format(
          module=self.module_name, size=self.input_size,
          shape=None if shape.rank is None else shape.as_list()))
    block_height, block_width = self._block_shape
    batch = tf.shape(inputs)[0]
    rows = []
    offset = 0
    for row in range(self._block_rows):
      first, count = self._row_blocks(row)
      size = count * self.block_size
      values = tf.reshape(inputs[:, offset:offset + size],
                          [batch, block_height, count * block_width])
      offset += size
      left = first * block_width
      right = (self._block_rows - first - count) * block_width
      rows.append(tf.pad(values, [[0, 0], [0, 0], [left, right]]))
    return tf.concat(rows, axis=1)


class BlockDiagonalMatrix(BlockTriangularMatrix):
  """A block diagonal matrix, from a vector per batch element.

  For `block_shape=(2, 3)` and `block_rows=3` the output is `[batch, 6, 9]` with three
  diagonal blocks of 6 entries (`input_size` 18), filled in order, each row-major.

  Args:
    block_shape: `(rows, cols)` of one block.
    block_rows: the number of blocks along the diagonal.
    name: module name (default "block_diagonal_matrix").

  Raises:
    ValueError: for a bad `block_shape` or `block_rows`.
  """

  def __init__(self, block_shape: Sequence[int], block_rows: int,
               name: str = "block_diagonal_matrix"):
    super().__init__(block_shape=block_shape, block_rows=block_rows, name=name)

  def _row_blocks(self, row: int) -> tuple[int, int]:
    return row, 1
