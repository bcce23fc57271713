# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`snt.mixed_precision`: float32 variables, 16-bit compute.

Without a policy a module computes in the dtype of its inputs and creates its variables in
that dtype (Sonnet 1's behaviour: float16 inputs make float16 weights). Under a
mixed-precision policy, every module call

* casts its floating-point inputs (tensors, variables and numpy arrays anywhere in the
  arguments, recurrent states included) to the compute dtype;
* creates the trainable variables it requests in the compute dtype with
  `snt.get_variable` in float32 instead, and reads them cast to the compute dtype (the cast
  is what the module computes with, as with a custom getter; `module.variables`,
  properties such as `linear.w`, optimizers and checkpoints see the float32
  variables). Non-trainable
  variables, which modules update themselves (moving averages, the codebook of
  `snt.nets.VectorQuantizerEMA`), are made in the dtype the module asks for;
* so returns outputs in the compute dtype.

Normalisation modules (`BatchNorm`, `BatchNormV2`, `LayerNorm`, `InstanceNorm`,
`GroupNorm`) compute their statistics and keep their parameters and moving averages in
float32 for 16-bit inputs, policy or not, and return outputs in the input (compute) dtype.
`BatchNormLSTM` keeps its moving averages in the dtype of its inputs.

A policy is active inside `snt.mixed_precision.scope(dtype)`, or, outside every scope,
while Keras' global policy is a mixed one (`keras.mixed_precision.set_global_policy(
"mixed_float16")` or `"mixed_bfloat16"`). A scope overrides the Keras policy;
`scope(None)` switches mixed precision off inside it. The policy is read where the module
is called (in a `tf.function`, while tracing) and costs one look-up per call.
"""

from collections.abc import Iterator
import contextlib
import sys
import threading
from typing import Any

import numpy as np
import tensorflow as tf

__all__ = ["compute_dtype", "scope"]

ERR_SCOPE_DTYPE = (
    "snt.mixed_precision.scope: compute_dtype must be float16, bfloat16, float32 or None, "
    "got {!r}.")

# The compute dtypes a policy may have; float32 (or None) means "no mixed precision".
COMPUTE_DTYPES = (tf.float16, tf.bfloat16)
# The dtype variables are created in under a policy.
VARIABLE_DTYPE = tf.float32
# Marks "no scope decides here" on the scope stack (Keras' policy then applies).
_OFF = None


class _Scopes(threading.local):

  def __init__(self):
    super().__init__()
    self.stack: list[tf.DType | None] = []


_scopes = _Scopes()


class _KerasPolicyCache:
  """Keras' `global_policy` function, looked up once, and the last policy seen with its
  compute dtype (one tuple, replaced at once, so threads see a consistent pair)."""

  def __init__(self):
    self.global_policy: Any = None
    self.last: tuple[Any, tf.DType | None] = (None, None)


_keras = _KerasPolicyCache()


def _check_compute_dtype(compute_dtype: Any) -> tf.DType | None:
  if compute_dtype is None:
    return _OFF
  try:
    dtype = tf.as_dtype(compute_dtype)
  except TypeError as error:
    raise ValueError(ERR_SCOPE_DTYPE.format(compute_dtype)) from error
  if dtype == tf.float32:
    return _OFF
  if dtype not in COMPUTE_DTYPES:
    raise ValueError(ERR_SCOPE_DTYPE.format(compute_dtype))
  return dtype


@contextlib.contextmanager
def scope(compute_dtype: Any) -> Iterator[None]:
  """Inside it, modules keep float32 variables and compute in `compute_dtype`.

  ```python
  mlp = snt.nets.MLP([64, 10])
  with snt.mixed_precision.scope(tf.bfloat16):
    logits = mlp(images)          # bfloat16 outputs, float32 variables
  ```

  Scopes nest (the innermost decides) and are per thread; they also work as decorators.

  Args:
    compute_dtype: `tf.float16` or `tf.bfloat16` (or their names); `None` or `tf.float32`
      switches mixed precision off inside the scope, Keras' global policy included.

  Yields:
    None.

  Raises:
    ValueError: for another dtype.
  """
  dtype = _check_compute_dtype(compute_dtype)
  stack = _scopes.stack
  stack.append(dtype)
  try:
    yield
  finally:
    stack.pop()


def _policy_compute_dtype(policy: Any) -> tf.DType | None:
  """The compute dtype of a Keras policy if it is a mixed one (float32 variables)."""
  compute = getattr(policy, "compute_dtype", None)
  variable = getattr(policy, "variable_dtype", None)
  if compute is None or variable is None or compute == variable:
    return None
  try:
    dtype, variable_dtype = tf.as_dtype(compute), tf.as_dtype(variable)
  except TypeError:
    return None
  return dtype if dtype in COMPUTE_DTYPES and variable_dtype == VARIABLE_DTYPE else None


def _keras_compute_dtype() -> tf.DType | None:
  """The compute dtype of Keras' global policy if it is a mixed one, or None.

  Keras is not imported here: an application that never imported it has no policy. The
  policy object is compared by identity with the last one seen, so a call costs one call
  of `keras.mixed_precision.global_policy`.
  """
  global_policy = _keras.global_policy
  if global_policy is None:
    keras = sys.modules.get("keras")
    global_policy = getattr(getattr(keras, "mixed_precision", None), "global_policy", None)
    if global_policy is None:
      return None
    _keras.global_policy = global_policy
  policy = global_policy()
  last_policy, dtype = _keras.last
  if policy is not last_policy:
    dtype = _policy_compute_dtype(policy)
    _keras.last = (policy, dtype)
  return dtype


def compute_dtype() -> tf.DType | None:
  """The compute dtype of the active mixed-precision policy, or None without one.

  Returns:
    `tf.float16` or `tf.bfloat16` inside `scope(...)` of that dtype or, outside every
    scope, under a mixed Keras global policy; None otherwise.
  """
  stack = _scopes.stack
  if stack:
    return stack[-1]
  return _keras_compute_dtype()


def _cast_leaf(value: Any, dtype: tf.DType) -> Any:
  if isinstance(value, (tf.Tensor, tf.Variable)):
    if value.dtype.is_floating and value.dtype.base_dtype != dtype:
      return tf.cast(value, dtype)
    return value
  if isinstance(value, np.ndarray) and value.dtype.kind == "f":
    return tf.cast(value, dtype)
  return value


def cast_inputs(args: tuple[Any, ...], kwargs: dict[str, Any],
                dtype: tf.DType) -> tuple[tuple[Any, ...], dict[str, Any]]:
  """Casts the floating-point tensors, variables and arrays in a call's arguments.

  Args:
    args: the positional arguments.
    kwargs: the keyword arguments.
    dtype: the compute dtype.

  Returns:
    `(args, kwargs)` with those leaves cast; unchanged where nothing needed a cast or the
    arguments are not a structure `tf.nest` can walk.
  """
  try:
    return tf.nest.map_structure(lambda leaf: _cast_leaf(leaf, dtype), (args, kwargs))
  except (TypeError, ValueError):
    return args, kwargs


def cast_read(value: Any, dtype: tf.DType) -> Any:
  """The value of a float32 variable (or a getter's tensor) as read in `dtype`."""
  value_dtype = getattr(value, "dtype", None)
  if value_dtype is not None and value_dtype.base_dtype == VARIABLE_DTYPE:
    return tf.cast(value, dtype)
  return value
