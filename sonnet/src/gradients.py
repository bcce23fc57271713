# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Identity ops whose gradient is scaled or clipped: `scale_gradient`, `clip_gradient`.

Both are written with `tf.custom_gradient`, so they work in eager mode, inside
`tf.function` and in `tf.compat.v1` graph mode, for every floating point dtype, and each
call keeps its own scale / clip values (Sonnet 1.1 shared the first call's values across a
graph).
"""

import numbers

import tensorflow as tf

from sonnet.src import types

ERR_NOT_FLOAT = ("{fn}: Expected floating point type for `net` (float16, bfloat16, float32 "
                 "or float64), got {dtype}.")
ERR_CLIP_ORDER = ("clip_gradient: `clip_value_min` must be <= `clip_value_max`, but got "
                  "clip_value_min={lo} and clip_value_max={hi}.")
ERR_SCALE_TYPE = ("scale_gradient: `scale` must be a Python number or a scalar tensor, but "
                  "got {scale!r}.")


def _to_float_tensor(net, fn_name: str) -> tf.Tensor:
  net = tf.convert_to_tensor(net)
  if not net.dtype.is_floating:
    raise ValueError(ERR_NOT_FLOAT.format(fn=fn_name, dtype=net.dtype.name))
  return net


def scale_gradient(net: types.Nest, scale: float | tf.Tensor,
                   name: str = "scale_gradient") -> tf.Tensor:
  """Returns `net` unchanged in the forward pass; its gradient is multiplied by `scale`.

  `scale == 0` is a `tf.stop_gradient` and `scale == 1` a `tf.identity` (when `scale` is a
  Python number), as in Sonnet 1.

  Args:
    net: A floating point tensor (float16, bfloat16, float32, float64), or a nested
      structure of them (each leaf is handled on its own).
    scale: A Python number or a scalar tensor; the gradient flowing back through `net` is
      multiplied by it.
    name: Name of the returned op (name scope).

  Returns:
    A tensor (or structure) equal to `net`.

  Raises:
    ValueError: If `net` is not floating point.
    TypeError: If `scale` is neither a number nor a tensor.
  """
  if not (isinstance(scale, numbers.Real) or tf.is_tensor(scale)):
    raise TypeError(ERR_SCALE_TYPE.format(scale=scale))
  if tf.nest.is_nested(net):
    return tf.nest.map_structure(lambda t: scale_gradient(t, scale, name=name), net)
  net = _to_float_tensor(net, "scale_gradient")
  with tf.name_scope(name):
    if isinstance(scale, numbers.Real):
      if scale == 0:
        return tf.stop_gradient(net)
      if scale == 1:
        return tf.identity(net)
    scale_tensor = tf.cast(scale, net.dtype)

    @tf.custom_gradient
    def _scale(x):
      def grad(dy):
        return dy * tf.cast(scale_tensor, dy.dtype)
      return tf.identity(x), grad

    return _scale(net)


def clip_gradient(net: types.Nest, clip_value_min: float | tf.Tensor,
                  clip_value_max: float | tf.Tensor,
                  name: str | None = None) -> tf.Tensor:
  """Returns `net` unchanged in the forward pass; its gradient is clipped elementwise.

  Args:
    net: A floating point tensor (float16, bfloat16, float32, float64), or a nested
      structure of them.
    clip_value_min: Lower bound for every gradient entry (number or scalar tensor).
    clip_value_max: Upper bound for every gradient entry (number or scalar tensor).
    name: Name scope for the op (default "clip_gradient").

  Returns:
    A tensor (or structure) equal to `net`.

  Raises:
    ValueError: If `net` is not floating point, or if both bounds are Python numbers
      and `clip_value_min > clip_value_max`.
  """
  if (isinstance(clip_value_min, numbers.Real) and isinstance(clip_value_max, numbers.Real)
      and clip_value_min > clip_value_max):
    raise ValueError(ERR_CLIP_ORDER.format(lo=clip_value_min, hi=clip_value_max))
  if tf.nest.is_nested(net):
    return tf.nest.map_structure(
        lambda t: clip_gradient(t, clip_value_min, clip_value_max, name=name), net)
  net = _to_float_tensor(net, "clip_gradient")
  with tf.name_scope(name or "clip_gradient"):
    lo = tf.cast(clip_value_min, net.dtype)
    hi = tf.cast(clip_value_max, net.dtype)

    @tf.custom_gradient
    def _clip(x):
      def grad(dy):
        return tf.clip_by_value(dy, tf.cast(lo, dy.dtype), tf.cast(hi, dy.dtype))
      return tf.identity(x), grad

    return _clip(net)
