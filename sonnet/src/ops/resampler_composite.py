# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""The resampler written with builtin TensorFlow ops only (no C++ op library).

`resampler_composite` computes what the `Sonnet>Resampler` kernel computes
(cc/resampler_cpu_loops.h), with gathers and arithmetic that every TensorFlow
backend has: XLA (`tf.function(jit_compile=True)`, TPUs), GPUs, and TF Lite's
builtin op set. Its gradients are TensorFlow's automatic gradients of this graph
(they equal the `Sonnet>ResamplerGrad` kernel's to rounding: the same formulas,
summed in another order), so second-order gradients exist too.

The maths, per point `(x, y) = warp[b, p]`: if not `-1 < x < W` and
`-1 < y < H` (NaN fails the test) the output is 0; otherwise, with
`x0 = floor(x)`, `ax = x - x0` (and the same for y), the four corners
`(x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1)` are weighted
`(1 - ax)(1 - ay), ax (1 - ay), (1 - ax) ay, ax ay`, and a corner outside the
image contributes zero. Float16 and bfloat16 are computed in float32, as the
kernel does, and rounded once at the end.

Outside corners read an extra zero pixel appended to each image (instead of a
clipped real pixel multiplied by 0), so that Inf or NaN pixels next to the
border do not leak into points that do not use them, as in the kernel, and so
that images with no pixels (H or W = 0) need no special case.

Inputs are not checked here: `snt.resampler(..., implementation="composite")`
checks dtypes and shapes with the same messages as the op.
"""

import tensorflow as tf

# Computed in float32 (the kernel's accumulator type for half types).
_HALF_DTYPES = (tf.float16, tf.bfloat16)


def compute_dtype(dtype: tf.DType) -> tf.DType:
  """The dtype the composite computes in for inputs of `dtype`.

  Args:
    dtype: `data`'s (and `warp`'s) dtype.

  Returns:
    float32 for float16 and bfloat16, else `dtype`.
  """
  return tf.float32 if dtype in _HALF_DTYPES else dtype


def resampler_composite(data: tf.Tensor, warp: tf.Tensor) -> tf.Tensor:
  """Samples `data` bilinearly at the points `warp`, with builtin ops only.

  Same results as the `Sonnet>Resampler` op (see the module docstring); the
  gradients are TensorFlow's automatic ones.

  Args:
    data: float tensor `[B, H, W, C]`.
    warp: tensor `[B, d_0, ..., d_n, 2]` of `data`'s dtype: `(x, y)` points in
      pixels (x along width).

  Returns:
    Tensor `[B, d_0, ..., d_n, C]` of `data`'s dtype.
  """
  out_dtype = data.dtype
  dtype = compute_dtype(out_dtype)
  if dtype != out_dtype:
    data = tf.cast(data, dtype)
    warp = tf.cast(warp, dtype)
  data_shape = tf.shape(data)
  batch, height, width, channels = (data_shape[0], data_shape[1], data_shape[2],
                                    data_shape[3])
  warp_shape = tf.shape(warp)
  num_points = tf.reduce_prod(warp_shape[1:-1])
  # [B, P, 2]: an explicit size, as -1 cannot be inferred for an empty batch.
  points = tf.reshape(warp, tf.stack([batch, num_points, 2]))
  x, y = points[..., 0], points[..., 1]

  inside = ((x > -1) & (y > -1) & (x < tf.cast(width, dtype)) &
            (y < tf.cast(height, dtype)))
  # Points outside (and NaN) move to 0, where floor and the int cast are safe;
  # `inside` below then marks all their corners as outside. Their gradient
  # through tf.where is 0.
  zero = tf.zeros_like(x)
  x = tf.where(inside, x, zero)
  y = tf.where(inside, y, zero)
  x0_float, y0_float = tf.floor(x), tf.floor(y)  # floor has no gradient
  ax, ay = x - x0_float, y - y0_float
  x0 = tf.cast(x0_float, tf.int32)
  y0 = tf.cast(y0_float, tf.int32)
  x0_in = inside & (x0 >= 0)
  x1_in = inside & (x0 + 1 < width)
  y0_in, y1_in = y0 >= 0, y0 + 1 < height

  # [B, H * W + 1, C]: each image's pixels, then one zero pixel that outside
  # corners read.
  pixels = height * width
  images = tf.pad(tf.reshape(data, tf.stack([batch, pixels, channels])),
                  [[0, 0], [0, 1], [0, 0]])
  row0 = y0 * width + x0

  def corner(offset, x_in, y_in):
    index = tf.where(x_in & y_in, row0 + offset, pixels)
    return tf.gather(images, index, axis=1, batch_dims=1)  # [B, P, C]

  v00 = corner(0, x0_in, y0_in)
  v10 = corner(1, x1_in, y0_in)
  v01 = corner(width, x0_in, y1_in)
  v11 = corner(width + 1, x1_in, y1_in)
  bx, by = 1 - ax, 1 - ay
  w00, w10 = bx * by, ax * by
  w01, w11 = bx * ay, ax * ay
  # The kernel's order of summation.
  out = (w00[..., None] * v00 + w10[..., None] * v10 + w01[..., None] * v01 +
         w11[..., None] * v11)
  out = tf.reshape(out, tf.concat([warp_shape[:-1], [channels]], 0))
  if warp.shape.rank is not None and data.shape.rank is not None:
    out.set_shape(warp.shape[:-1].concatenate(data.shape[-1:]))
  if dtype != out_dtype:
    out = tf.cast(out, out_dtype)
  return out
