# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Grid warpers: the coordinate producers of spatial transformer networks.

A grid warper maps a batch of transform parameters to a batch of sampling grids in the
pixel convention of `snt.resampler`: for a source image `[B, H, W, C]` the grid's last
axis holds `(x, y)` = (column, row), with pixel centres at integers, so `x` runs over
`[0, W-1]` and `y` over `[0, H-1]`. `snt.resampler(images, grid)` then samples the
images at those points.

`AffineGridWarper` warps a regular grid with an affine transform given in normalised
coordinates, where `[-1, 1]` spans each axis from the first to the last pixel centre.
"""

import abc
from collections.abc import Iterable, Sequence
from typing import Any, TypeAlias

import numpy as np
import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import base
from sonnet.src import errors
from sonnet.src.affine_warp_constraints import AffineWarpConstraints

ERR_SHAPE_NOT_ITERABLE = "{arg} must be an iterable of positive integers, got {actual!r}."
ERR_SHAPE_ENTRY = "{arg} must contain only positive integers, got {actual!r}."
ERR_OUTPUT_RANK = (
    "Output domain dimensionality ({output}) must be equal or smaller than source "
    "domain dimensionality ({source}): output_shape={output_shape}, "
    "source_shape={source_shape}.")
ERR_FULLY_CONSTRAINED = (
    "Transformation is fully constrained: {constraints!r} leaves no free parameter.")
ERR_CONSTRAINTS_DIM = (
    "Incompatible set of constraints provided: input grid shape and constraints have "
    "different dimensionality (source_shape {source_shape} is {source}-D, the "
    "constraints are {constraints}-D).")
ERR_PARAMS_DTYPE = (
    "{module}: the parameters must be a floating point tensor, got dtype {dtype}.")
ERR_PARAMS_RANK = (
    "{module}: the parameters must have shape [batch_size, {expected}], got a tensor of "
    "rank {rank} with shape {shape}.")
ERR_PARAMS_SIZE = (
    "{module}: Input size is not consistent with constraint definition: {expected} "
    "parameters expected, {actual} provided (input shape {shape}).")
ERR_PARAMS_RUNTIME_RANK = (
    "{module}: the parameters must be a matrix [batch_size, {expected}].")
ERR_PARAMS_RUNTIME_SIZE = (
    "{module}: Input size is not consistent with constraint definition: {expected} "
    "parameters expected, x below is the number provided (the second dimension).")
ERR_INVERSE_DIM = (
    "{module}: AffineGridWarper supports inversion only for the 2D case, this warper "
    "is {num_dim}-D.")

# Explicit alias: `tf` is untyped for mypy, and an implicit alias with it is refused.
ShapeLike: TypeAlias = Sequence[int] | tf.TensorShape


def _check_shape(shape: Any, arg: str) -> tuple[int, ...]:
  """Returns `shape` as a tuple of positive Python ints, raising otherwise."""
  if isinstance(shape, (str, bytes)):
    raise TypeError(ERR_SHAPE_NOT_ITERABLE.format(arg=arg, actual=shape))
  try:
    # dimension_value: a v1 TensorShape (TF1 legacy mode) holds Dimensions.
    entries = tuple(tf.compat.dimension_value(entry) for entry in shape)
  except TypeError:
    raise TypeError(ERR_SHAPE_NOT_ITERABLE.format(arg=arg, actual=shape)) from None
  if not entries:
    raise ValueError(ERR_SHAPE_NOT_ITERABLE.format(arg=arg, actual=shape))
  result = []
  for entry in entries:
    if not argument_checks.is_positive_int(entry):
      raise ValueError(ERR_SHAPE_ENTRY.format(arg=arg, actual=entries))
    result.append(int(entry))
  return tuple(result)


class GridWarper(base.AbstractModule, metaclass=abc.ABCMeta):
  """Base class of modules that map transform parameters to a sampling grid.

  A grid warper builds, at construction, the features of a reference grid of points
  spanning `output_shape`; called on a batch of parameters it warps that grid into the
  source domain `source_shape`. Subclasses implement `_create_features` (called once in
  the constructor) and `_build`.

  `source_shape` and `output_shape` are the sizes of the signal domains in the data's
  axis order, not tensor shapes: `[H, W]` for images of height `H` and width `W`,
  `[D, H, W]` for volumes. The grid's last axis lists the coordinates in reversed axis
  order (`x` for the last axis, then `y`, then `z`), as `snt.resampler` expects.
  """

  def __init__(self,
               source_shape: ShapeLike,
               output_shape: ShapeLike,
               num_coeff: int,
               *,
               name: str,
               **kwargs: Any):
    """Constructs a grid warper and computes its reference grid features.

    Args:
      source_shape: Sizes of the source signal domain, e.g. `[H, W]`.
      output_shape: Sizes of the output (sampled) domain; its rank may be lower than
        that of `source_shape`.
      num_coeff: The number of coefficients of the warp (6 for a 2-D affine
        transform), before any constraint.
      name: Name of the module.
      **kwargs: Forwarded to `_create_features`.

    Raises:
      TypeError: If a shape is not an iterable.
      ValueError: If a shape is empty or has entries that are not positive integers.
      snt.Error: If `output_shape` has more dimensions than `source_shape`.
    """
    source_shape = _check_shape(source_shape, "source_shape")
    output_shape = _check_shape(output_shape, "output_shape")
    if len(output_shape) > len(source_shape):
      raise errors.Error(ERR_OUTPUT_RANK.format(
          output=len(output_shape), source=len(source_shape),
          output_shape=list(output_shape), source_shape=list(source_shape)))
    super().__init__(name=name)
    self._source_shape = source_shape
    self._output_shape = output_shape
    self._num_coeff = int(num_coeff)
    self._psi = self._create_features(**kwargs)

  # `(*args, **kwargs)` lets each subclass name the keyword arguments it takes.
  @abc.abstractmethod
  def _create_features(self, *args: Any, **kwargs: Any) -> Any:
    """Returns the features of the reference grid that `_build` warps."""

  @property
  def n_coeff(self) -> int:
    """The number of coefficients of the warp (before constraints)."""
    return self._num_coeff

  @property
  def psi(self) -> Any:
    """The features of the reference grid, as built by `_create_features`."""
    return self._psi

  @property
  def source_shape(self) -> tuple[int, ...]:
    """The sizes of the source domain, e.g. `(H, W)`."""
    return self._source_shape

  @property
  def output_shape(self) -> tuple[int, ...]:
    """The sizes of the output grid, e.g. `(H_out, W_out)`."""
    return self._output_shape


def _affine_features(source_shape: tuple[int, ...],
                     output_shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
  """Computes the reference grid features of an affine warp, in float64.

  Source coordinate `i` (0 = x, the last axis) of output point `p` is

    coord[p, i] = sum_j A[i, j] * features[i, j, p] + offsets[i]

  with `features[i, j, p] = s_i * u_j[p]` for `j < N`, `features[i, N, p] = s_i` and
  `offsets[i] = s_i`, where `s_i = (source size of coordinate i - 1) / 2` maps
  normalised coordinates in `[-1, 1]` to pixels and `u_j[p]` is the normalised output
  coordinate `j` of point `p` (0 for output axes beyond the output rank; the centre, 0,
  on an output axis of size 1). Each `s_i * u_j[p]` is computed from integers with one
  division, so that an identity warp between equal shapes gives exact integer pixel
  coordinates.

  Args:
    source_shape: Sizes of the source domain, in axis order.
    output_shape: Sizes of the output grid, in axis order.

  Returns:
    `(features, offsets)`: arrays of shapes `[N, N+1, P]` and `[N]`, with
    `N = len(source_shape)` and `P = prod(output_shape)`.
  """
  num_dim = len(source_shape)
  source_sizes = source_shape[::-1]  # x (last axis) first.
  output_sizes = output_shape[::-1]
  # Integer index of every output point along each output axis, x first, in the
  # row-major order of `output_shape`.
  grids = np.meshgrid(*[np.arange(n, dtype=np.int64) for n in output_shape],
                      indexing="ij")
  indices = [index.reshape(-1) for index in grids[::-1]]
  num_points = int(np.prod(output_shape))
  features = np.zeros([num_dim, num_dim + 1, num_points], dtype=np.float64)
  for i, source_size in enumerate(source_sizes):
    for j, (output_size, index) in enumerate(zip(output_sizes, indices)):
      if output_size > 1:
        # s_i * (2 p - (n - 1)) / (n - 1), with s_i = (m - 1) / 2.
        numerator = (source_size - 1) * (2 * index - (output_size - 1))
        features[i, j] = numerator / (2.0 * (output_size - 1))
    features[i, num_dim] = (source_size - 1) / 2.0
  offsets = np.array([(size - 1) / 2.0 for size in source_sizes], dtype=np.float64)
  return features, offsets


class AffineGridWarper(GridWarper):
  """Warps a regular grid with a batch of (possibly constrained) affine transforms.

  For each batch entry the parameters fill the free entries of an N x (N+1) matrix
  `A = [M | t]` in row-major order (the `constraints` fix the others). A point of the
  output grid with normalised coordinates `u` (in `[-1, 1]` along each axis, `x` first)
  is sent to the source point with normalised coordinates `M u + t`, returned in the
  pixel coordinates of `snt.resampler`: normalised `[-1, 1]` maps to `[0, size - 1]`.

  With identity parameters and `source_shape == output_shape` the grid is exactly the
  pixel grid, `grid[b, row, col] = [col, row]`, so

  >>> warper = AffineGridWarper([3, 4], [3, 4])
  >>> grid = warper(tf.constant([[1., 0., 0., 0., 1., 0.]]))
  >>> grid.shape
  TensorShape([1, 3, 4, 2])
  >>> grid[0, 2, 1].numpy()
  array([1., 2.], dtype=float32)

  and `snt.resampler(images, grid)` returns the images unchanged. Scaling by 0.5
  zooms in on the centre; a translation of `t = [1, 0]` moves the sampled window right
  by half the image width.

  The grid is differentiable with respect to the parameters, so a localisation network
  that predicts them can be trained through `snt.resampler`.
  """

  def __init__(self,
               source_shape: ShapeLike,
               output_shape: ShapeLike,
               constraints: AffineWarpConstraints | Iterable[Iterable[float | None]] | None = None,
               *,
               name: str = "affine_grid_warper"):
    """Constructs an AffineGridWarper.

    Args:
      source_shape: Sizes of the source domain in axis order, e.g. `[H, W]` for
        images or `[D, H, W]` for volumes.
      output_shape: Sizes of the output grid, of rank at most `len(source_shape)`.
        When it has fewer dimensions, the missing output coordinates are 0 (the
        centre), e.g. a 2-D slice through a volume.
      constraints: An `AffineWarpConstraints`, a nested N x (N+1) iterable with
        numbers for fixed entries and `None` for free ones, or `None` for no
        constraints.
      name: Name of the module.

    Raises:
      TypeError: If a shape is not an iterable, or `constraints` is malformed.
      ValueError: If a shape has entries that are not positive integers, or
        `constraints` is malformed.
      snt.Error: If the constraints leave no free parameter, have a dimension other
        than `len(source_shape)`, or `output_shape` has more dimensions than
        `source_shape`.
    """
    source = _check_shape(source_shape, "source_shape")
    num_dim = len(source)
    if constraints is None:
      constraints = AffineWarpConstraints.no_constraints(num_dim)
    elif not isinstance(constraints, AffineWarpConstraints):
      constraints = AffineWarpConstraints(constraints)
    if constraints.num_free_params == 0:
      raise errors.Error(ERR_FULLY_CONSTRAINED.format(constraints=constraints))
    if constraints.num_dim != num_dim:
      raise errors.Error(ERR_CONSTRAINTS_DIM.format(
          source_shape=list(source), source=num_dim, constraints=constraints.num_dim))
    super().__init__(source, output_shape, num_dim * (num_dim + 1), name=name,
                     constraints=constraints)
    self._constraints = constraints

  def _create_features(self, constraints: AffineWarpConstraints) -> np.ndarray:
    """Returns the `[N, N+1, P]` float64 reference features (see `_affine_features`)."""
    features, self._offsets = _affine_features(self._source_shape, self._output_shape)
    # Where each entry of the flattened matrix comes from in the concatenation
    # [free parameters, constants]: free entries in row-major order, then constants.
    flat = [value for row in constraints for value in row]
    num_free = constraints.num_free_params
    gather_index: list[int] = []
    constants: list[float] = []
    next_free = 0
    for value in flat:
      if value is None:
        gather_index.append(next_free)
        next_free += 1
      else:
        gather_index.append(num_free + len(constants))
        constants.append(value)
    self._gather_index = np.array(gather_index, dtype=np.int32)
    self._constants = np.array(constants, dtype=np.float64)
    return features

  @property
  def constraints(self) -> AffineWarpConstraints:
    """The `AffineWarpConstraints` of this warper."""
    return self._constraints

  def _check_params(self, inputs: tf.Tensor) -> tf.Tensor:
    """Validates the parameters statically, and at run time what is not static."""
    num_free = self._constraints.num_free_params
    if not inputs.dtype.is_floating:
      raise TypeError(ERR_PARAMS_DTYPE.format(module=self.module_name,
                                              dtype=inputs.dtype.name))
    shape = inputs.shape
    if shape.rank is not None and shape.rank != 2:
      raise errors.IncompatibleShapeError(ERR_PARAMS_RANK.format(
          module=self.module_name, expected=num_free, rank=shape.rank, shape=shape))
    if shape.rank == 2 and tf.compat.dimension_value(shape[1]) is not None:
      if shape[1] != num_free:
        raise errors.IncompatibleShapeError(ERR_PARAMS_SIZE.format(
            module=self.module_name, expected=num_free, actual=shape[1], shape=shape))
      return inputs
    # Unknown rank or parameter count (tf.function / graph placeholders): check when
    # the values arrive.
    checks = [
        tf.debugging.assert_rank(inputs, 2, message=ERR_PARAMS_RUNTIME_RANK.format(
            module=self.module_name, expected=num_free)),
    ]
    with tf.control_dependencies(checks):
      checks.append(tf.debugging.assert_equal(
          tf.shape(inputs)[1], num_free, message=ERR_PARAMS_RUNTIME_SIZE.format(
              module=self.module_name, expected=num_free)))
    with tf.control_dependencies(checks):
      inputs = tf.identity(inputs)
    inputs.set_shape([None, num_free])
    return inputs

  def _build(self, inputs: tf.Tensor) -> tf.Tensor:
    """Computes the warped grids for a batch of parameters.

    Args:
      inputs: A float tensor `[batch_size, num_free_params]` holding the free entries
        of each affine matrix, in row-major order.

    Returns:
      A tensor `[batch_size] + output_shape + [N]` of source pixel coordinates, last
      axis in the order `x, y(, z)`, with the dtype of `inputs`.

    Raises:
      TypeError: If `inputs` is not a floating point tensor.
      snt.IncompatibleShapeError: If `inputs` is not of rank 2, or its second
        dimension is not `constraints.num_free_params` (checked at run time, as an
        `InvalidArgumentError`, where the shape is not static).
    """
    inputs = tf.convert_to_tensor(inputs)
    inputs = self._check_params(inputs)
    dtype = inputs.dtype
    num_dim = len(self._source_shape)
    batch_size = tf.shape(inputs)[0]
    constants = tf.broadcast_to(tf.constant(self._constants, dtype=dtype),
                                tf.stack([batch_size, len(self._constants)]))
    everything = tf.concat([inputs, constants], axis=1)
    matrix = tf.gather(everything, self._gather_index, axis=1)
    matrix = tf.reshape(matrix, [-1, num_dim, num_dim + 1])
    features = tf.constant(self._psi, dtype=dtype)
    grid = tf.einsum("bij,ijp->bpi", matrix, features)
    grid += tf.constant(self._offsets, dtype=dtype)
    grid = tf.reshape(grid, tf.concat([[batch_size], self._output_shape, [num_dim]], 0))
    grid.set_shape([inputs.shape[0], *self._output_shape, num_dim])
    return grid

  def inverse(self, name: str | None = None) -> "AffineGridWarperInverse":
    """Returns a module computing the grid of the inverse transform (2-D only).

    The returned module takes the same parameters as this warper and returns a grid
    of shape `[batch_size] + source_shape + [2]` holding, for every source pixel, the
    pixel coordinates in the output domain that the forward warp sends to it. A
    singular transform (zero determinant) gives non-finite coordinates, which
    `snt.resampler` samples as zeros.

    Args:
      name: Name of the new module; defaults to `<module_name>_inverse`.

    Returns:
      An `AffineGridWarperInverse` module.

    Raises:
      snt.NotSupportedError: If this warper is not 2-D.
    """
    if len(self._source_shape) != 2:
      raise errors.NotSupportedError(ERR_INVERSE_DIM.format(
          module=self.module_name, num_dim=len(self._source_shape)))
    if name is None:
      name = self.module_name + "_inverse"
    return AffineGridWarperInverse(self, name=name)


class AffineGridWarperInverse(base.AbstractModule):
  """The inverse grid of a 2-D `AffineGridWarper` (see `AffineGridWarper.inverse`)."""

  def __init__(self, forward: AffineGridWarper, *, name: str):
    """Constructs the inverse of `forward`.

    Args:
      forward: A 2-D `AffineGridWarper`.
      name: Name of the module.

    Raises:
      snt.NotSupportedError: If `forward` is not 2-D.
    """
    if len(forward.source_shape) != 2:
      raise errors.NotSupportedError(ERR_INVERSE_DIM.format(
          module=forward.module_name, num_dim=len(forward.source_shape)))
    super().__init__(name=name)
    self._forward = forward
    with self._enter_variable_scope():
      # Roles swapped: sample the forward warper's output domain on its source grid.
      self._warper = AffineGridWarper(forward.output_shape, forward.source_shape,
                                      name="affine_grid_warper")

  def _build(self, inputs: tf.Tensor) -> tf.Tensor:
    """Computes the inverse grids.

    Args:
      inputs: The parameters of the forward warper, `[batch_size, num_free_params]`.

    Returns:
      A tensor `[batch_size] + source_shape + [2]` of pixel coordinates in the forward
      warper's output domain.

    Raises:
      TypeError, snt.IncompatibleShapeError: As the forward warper's `_build`.
    """
    inputs = tf.convert_to_tensor(inputs)
    inputs = self._forward._check_params(inputs)  # noqa: SLF001 (same class's checks)
    batch_size = tf.shape(inputs)[0]
    free = iter(range(self._forward.constraints.num_free_params))

    def entry(value):
      if value is None:
        i = next(free)
        return inputs[:, i]
      return tf.fill([batch_size], tf.constant(value, dtype=inputs.dtype))

    a, b, tx, c, d, ty = (entry(value) for row in self._forward.constraints
                          for value in row)
    # [M | t]^-1 = [M^-1 | -M^-1 t], with M^-1 = [[d, -b], [-c, a]] / det.
    det = a * d - b * c
    a_inv, b_inv, c_inv, d_inv = d / det, -b / det, -c / det, a / det
    tx_inv = -(a_inv * tx + b_inv * ty)
    ty_inv = -(c_inv * tx + d_inv * ty)
    params = tf.stack([a_inv, b_inv, tx_inv, c_inv, d_inv, ty_inv], axis=1)
    return self._warper(params)
