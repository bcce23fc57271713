# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Initializers: callables `initializer(shape, dtype=tf.float32) -> tf.Tensor`.

`snt.initializers.zeros` and `snt.initializers.ones` are initializers themselves (and
calling them with no argument returns them, so `zeros()` works too);
`truncated_normal(stddev=...)`, `random_normal`, `random_uniform` and `constant(value)`
build one. TensorFlow's and Keras' initializers have the same calling convention.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf

ERR_NOT_FLOAT = "Expected floating point type, got {}."
ERR_BAD_STDDEV = "stddev must be a finite number >= 0, got {!r}."


def _check_float(dtype: Any) -> tf.DType:
  dtype = tf.as_dtype(dtype)
  if not dtype.is_floating:
    raise ValueError(ERR_NOT_FLOAT.format(dtype.name))
  return dtype


class Initializer:
  """Base class of Sonnet initializers."""

  def __call__(self, shape: Sequence[int], dtype: Any = tf.float32, **unused_kwargs: Any
               ) -> tf.Tensor:
    raise NotImplementedError

  def __repr__(self) -> str:
    fields = ", ".join(f"{k}={v!r}" for k, v in sorted(vars(self).items()))
    return f"{type(self).__name__}({fields})"


class _Fill(Initializer):

  def __init__(self, fill: float, name: str):
    self._fill = fill
    self._name = name

  def __call__(self, shape: Sequence[int] | None = None, dtype: Any = tf.float32,
               **unused_kwargs: Any):
    if shape is None:
      return self  # `zeros()` is the same initializer as `zeros`.
    dtype = tf.as_dtype(dtype)
    return tf.fill(tf.TensorShape(shape).as_list(), tf.constant(self._fill, dtype=dtype))

  def __repr__(self) -> str:
    return f"snt.initializers.{self._name}"


zeros = _Fill(0, "zeros")
ones = _Fill(1, "ones")


class constant(Initializer):  # noqa: N801 (tf.compat.v1's initializer names)
  """Initializer filling with a constant (or a value broadcast to the shape)."""

  def __init__(self, value: Any = 0):
    """Args:
      value: a scalar, or an array with exactly the requested shape.
    """
    self.value = value

  def __call__(self, shape, dtype=tf.float32, **unused_kwargs):
    dtype = tf.as_dtype(dtype)
    value = np.asarray(self.value)
    shape = tf.TensorShape(shape).as_list()
    if value.ndim and list(value.shape) != shape:
      raise ValueError(
          f"constant initializer value has shape {list(value.shape)}, but the variable "
          f"has shape {shape}.")
    return tf.broadcast_to(tf.constant(value, dtype=dtype), shape)


class _NormalSamples(Initializer):
  """Holds the parameters shared by the two normal initializers."""

  def __init__(self, stddev: float = 1.0, mean: float = 0.0, seed: int | None = None):
    """Args:
      stddev: standard deviation of the (untruncated) normal; >= 0.
      mean: its mean.
      seed: optional op seed.

    Raises:
      ValueError: for a negative or non-finite stddev.
    """
    if not np.isfinite(stddev) or stddev < 0:
      raise ValueError(ERR_BAD_STDDEV.format(stddev))
    self.stddev = float(stddev)
    self.mean = float(mean)
    self.seed = seed


class truncated_normal(_NormalSamples):  # noqa: N801 (tf.compat.v1's initializer names)
  """Normal samples truncated at two standard deviations (Sonnet's weight default)."""

  def __call__(self, shape, dtype=tf.float32, **unused_kwargs):
    dtype = _check_float(dtype)
    return tf.random.truncated_normal(tf.TensorShape(shape).as_list(), mean=self.mean,
                                      stddev=self.stddev, dtype=dtype, seed=self.seed)


class random_normal(_NormalSamples):  # noqa: N801 (tf.compat.v1's initializer names)
  """Normal samples."""

  def __call__(self, shape, dtype=tf.float32, **unused_kwargs):
    dtype = _check_float(dtype)
    return tf.random.normal(tf.TensorShape(shape).as_list(), mean=self.mean,
                            stddev=self.stddev, dtype=dtype, seed=self.seed)


class random_uniform(Initializer):  # noqa: N801 (tf.compat.v1's initializer names)
  """Uniform samples in `[minval, maxval)`."""

  def __init__(self, minval: float = -0.05, maxval: float = 0.05,
               seed: int | None = None):
    """Constructs the initializer.

    Args:
      minval: the lower bound (inclusive).
      maxval: the upper bound (exclusive).
      seed: the op seed, or None.

    Raises:
      ValueError: if `minval >= maxval`.
    """
    if not minval < maxval:
      raise ValueError(f"random_uniform needs minval < maxval, got {minval} and {maxval}.")
    self.minval = float(minval)
    self.maxval = float(maxval)
    self.seed = seed

  def __call__(self, shape, dtype=tf.float32, **unused_kwargs):
    dtype = _check_float(dtype)
    return tf.random.uniform(tf.TensorShape(shape).as_list(), minval=self.minval,
                             maxval=self.maxval, dtype=dtype, seed=self.seed)
