# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Inequality constraints for gradient-based optimisation, with learned Lagrange multipliers.

`get_lagrange_multiplier` makes a non-negative multiplier `lambda` whose gradient is
reversed (and scaled by `rate`): adding `lambda * g(x)` to a loss and minimising it with one
optimiser minimises over `x` and maximises over `lambda`, i.e. it looks for a saddle point
of the Lagrangian of "minimise the loss subject to `g(x) <= 0`".

`OptimizationConstraints` collects constraints (`c.add(x < y)`, `c.add_geq(x, y)`, ...);
calling it returns the sum of the `lambda_i * g_i` terms to add to the loss.

The multiplier is `softplus(v)` of a trainable variable `v` (so it stays positive and can
always move), optionally clipped to `valid_range`; the initializer gives the multiplier's
initial value (the variable starts at the inverse softplus of it).
"""

from collections.abc import Callable, Sequence
import numbers
from typing import Any

import numpy as np
import tensorflow as tf

from sonnet.src import base
from sonnet.src import basic
from sonnet.src import gradients

ERR_CONNECTED = ("{module}: Cannot add further constraints once the constraints have been "
                 "connected (called).")
ERR_NOT_INEQUALITY = ("{module}: add() expects a comparison tensor made by <, <=, > or >= "
                      "(a Less, LessEqual, Greater or GreaterEqual op), but got {value!r}.")
ERR_INITIALIZER_NOT_POSITIVE = (
    "The initial value of a Lagrange multiplier must be positive (the multiplier is the "
    "softplus of a variable), but got {value!r}.")
ERR_VALID_RANGE = ("valid_range must be a pair (min, max) of numbers with min <= max, but "
                   "got {value!r}.")
ERR_RATE = "rate must be a number, but got {value!r}."

_LEQ_OPS = ("Less", "LessEqual")
_GEQ_OPS = ("Greater", "GreaterEqual")


def _check_valid_range(valid_range: Any) -> tuple[float, float] | None:
  if valid_range is None:
    return None
  if (not isinstance(valid_range, (list, tuple)) or len(valid_range) != 2 or
      not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in valid_range)
      or valid_range[0] > valid_range[1]):
    raise ValueError(ERR_VALID_RANGE.format(value=valid_range))
  return float(valid_range[0]), float(valid_range[1])


def _check_rate(rate: Any) -> float:
  if isinstance(rate, bool) or not isinstance(rate, numbers.Real):
    raise TypeError(ERR_RATE.format(value=rate))
  return float(rate)


def _inverse_softplus(y: tf.Tensor) -> tf.Tensor:
  # log(exp(y) - 1), written to stay finite for large and small positive y.
  return y + tf.math.log(-tf.math.expm1(-y))


def _multiplier_initializer(initializer: Any) -> Callable[..., tf.Tensor]:
  """The variable's initializer: the inverse softplus of the multiplier's initial value.

  Raises:
    ValueError: for a value (number or array) that is not positive everywhere.
  """
  if initializer is None:
    initializer = 1.0
  if isinstance(initializer, (numbers.Real, np.ndarray, list, tuple)):
    values = np.asarray(initializer, np.float64)
    if not np.all(values > 0):
      raise ValueError(ERR_INITIALIZER_NOT_POSITIVE.format(value=initializer))
    initializer = tf.compat.v1.constant_initializer(values)

  def init(shape, dtype=tf.float32, **kwargs):
    value = tf.convert_to_tensor(initializer(shape, dtype=dtype, **kwargs), dtype=dtype)
    return _inverse_softplus(value)

  return init


def _parametrize(x: tf.Tensor, rate: float) -> tf.Tensor:
  """The multiplier from its variable: `softplus(x)`, gradient reversed and scaled by rate."""
  return gradients.scale_gradient(tf.nn.softplus(x), -rate)


def _constrain_to_range(x: tf.Tensor, min_value: float, max_value: float,
                        ascent: bool = True) -> tf.Tensor:
  """Clips `x` to `[min_value, max_value]`, letting through gradients that pull it back.

  Outside the range the gradient is kept only where the update (gradient ascent on the
  returned value when `ascent`, descent otherwise) moves `x` back towards the range, so a
  clipped multiplier is never stuck.
  """
  x = tf.convert_to_tensor(x)

  @tf.custom_gradient
  def clip(value):
    def grad(upstream):
      towards = upstream if ascent else -upstream
      blocked = tf.logical_or(tf.logical_and(value > max_value, towards > 0),
                              tf.logical_and(value < min_value, towards < 0))
      return tf.where(blocked, tf.zeros_like(upstream), upstream)
    return tf.clip_by_value(value, min_value, max_value), grad

  return clip(x)


def _multiplier(variable: Any, rate: float, maximize: bool,
                valid_range: tuple[float, float] | None) -> tf.Tensor:
  value = _parametrize(variable, rate if maximize else -rate)
  if valid_range is not None:
    value = _constrain_to_range(value, valid_range[0], valid_range[1], ascent=maximize)
  return value


def get_lagrange_multiplier(shape: Sequence[int] = (),
                            rate: float = 1.0,
                            initializer: Any = 1.0,
                            maximize: bool = True,
                            valid_range: Sequence[float] | None = None,
                            name: str = "lagrange_multiplier") -> tf.Tensor:
  """Makes a Lagrange multiplier: a positive tensor whose gradient ascends the loss.

  Multiply it with a constraint `g(x)` (meant to be `<= 0`) and add the product to the
  loss: minimising the loss with any optimiser then also maximises it over the multiplier
  (with `maximize=True`), which grows while the constraint is violated and shrinks (towards
  0) while it holds.

  The multiplier is `softplus(w)` of the `w` variable of an `snt.TrainableVariable` named
  `name`, created here (inside a module's `_build`, it belongs to that module). Eagerly, the
  returned tensor is computed once; call this under the `tf.GradientTape` that uses it.

  Args:
    shape: the multiplier's shape (that of the constraint it multiplies).
    rate: the gradient of the multiplier's variable is scaled by this (its learning rate
      relative to the model's).
    initializer: the multiplier's initial value (a positive number or array, or an
      initializer callable `(shape, dtype) -> Tensor` of positive values). Default 1.
    maximize: whether the optimiser maximises the loss over the multiplier (the gradient
      is reversed); False minimises over it.
    valid_range: optional `(min, max)`: the multiplier is clipped to it, and gradients
      that would push a clipped value further out are dropped.
    name: the name of the variable's module.

  Returns:
    The multiplier, a float32 tensor of `shape`.

  Raises:
    ValueError: for a non-positive initial value or a bad `valid_range`.
    TypeError: for a non-number `rate`.
  """
  rate = _check_rate(rate)
  checked_range = _check_valid_range(valid_range)
  variable = basic.TrainableVariable(
      shape=tuple(shape), initializers={"w": _multiplier_initializer(initializer)},
      name=name)()
  return _multiplier(variable, rate, bool(maximize), checked_range)


class OptimizationConstraints(base.AbstractModule):
  """A set of inequality constraints, connected as one Lagrangian term of the loss.

  ```python
  constraints = snt.OptimizationConstraints()
  constraints.add(reconstruction_error < 0.1)   # or add_leq(reconstruction_error, 0.1)
  loss = regularizer + constraints()
  ```

  Each constraint `lhs <= rhs` becomes `g = lhs - rhs` (`lhs >= rhs`: `g = rhs - lhs`),
  multiplied by its own Lagrange multiplier (see `get_lagrange_multiplier`) when the module
  is called; the call returns the sum of `reduce_sum(lambda_i * g_i)`. Constraints can only
  be added before the first call. Strict and non-strict comparisons are treated alike.

  Args:
    rate: default gradient scale of the multipliers' variables.
    valid_range: default `(min, max)` range of the multipliers (None: unbounded).
    name: module name (default "optimization_constraints").

  Raises:
    TypeError: for a non-number `rate`.
    ValueError: for a bad `valid_range`.
  """

  def __init__(self, rate: float = 1.0, valid_range: Sequence[float] | None = None,
               name: str = "optimization_constraints"):
    super().__init__(name=name)
    self._rate = _check_rate(rate)
    self._valid_range = _check_valid_range(valid_range)
    self._constraints: list[tf.Tensor] = []
    self._options: list[tuple[float, tuple[float, float] | None, Any]] = []
    self._lagrange_multipliers: list[tf.Tensor] = []

  @property
  def constraints(self) -> list[tf.Tensor]:
    """The constraint tensors `g_i` (each meant to be `<= 0`), in the order added."""
    return list(self._constraints)

  @property
  def lagrange_multipliers(self) -> list[tf.Tensor]:
    """The multipliers of the latest call, one per constraint (empty before a call)."""
    return list(self._lagrange_multipliers)

  @property
  def _is_connected(self) -> bool:
    """Whether the module was called (Sonnet 1's attribute; see `is_connected`)."""
    return self.is_connected

  def _check_not_connected(self) -> None:
    if self.is_connected:
      raise ValueError(ERR_CONNECTED.format(module=self.module_name))

  def add(self, expression: tf.Tensor, rate: float | None = None,
          valid_range: Sequence[float] | None = None,
          initializer: Any = None) -> "OptimizationConstraints":
    """Adds the constraint a comparison tensor expresses (`x < y`, `x >= y`, ...).

    Args:
      expression: a boolean tensor made by `<`, `<=`, `>` or `>=` of two tensors (graph
        mode or `tf.function`, where the comparison op records its operands).
      rate: this constraint's multiplier rate (default: the module's).
      valid_range: this multiplier's range (default: the module's).
      initializer: this multiplier's initial value (default 1).

    Returns:
      The module, so that calls can be chained.

    Raises:
      ValueError: after the module was called, or if `expression` is not such a comparison.
    """
    self._check_not_connected()
    op = getattr(expression, "op", None)  # Eager tensors have no op: refused below.
    op_type = getattr(op, "type", None)
    if op is None or op_type not in _LEQ_OPS + _GEQ_OPS:
      raise ValueError(ERR_NOT_INEQUALITY.format(module=self.module_name, value=expression))
    lhs, rhs = op.inputs[0], op.inputs[1]
    if op_type in _LEQ_OPS:
      return self.add_leq(lhs, rhs, rate=rate, valid_range=valid_range,
                          initializer=initializer)
    return self.add_geq(lhs, rhs, rate=rate, valid_range=valid_range, initializer=initializer)

  def add_leq(self, lhs: Any, rhs: Any = 0.0, rate: float | None = None,
              valid_range: Sequence[float] | None = None,
              initializer: Any = None) -> "OptimizationConstraints":
    """Adds the constraint `lhs <= rhs`.

    Args:
      lhs: a float tensor.
      rhs: a float tensor or number (default 0).
      rate: this constraint's multiplier rate (default: the module's).
      valid_range: this multiplier's range (default: the module's).
      initializer: this multiplier's initial value (default 1).

    Returns:
      The module, so that calls can be chained.

    Raises:
      ValueError: after the module was called.
    """
    self._check_not_connected()
    lhs = tf.convert_to_tensor(lhs)
    return self._add(lhs - tf.cast(rhs, lhs.dtype), rate, valid_range, initializer)

  def add_geq(self, lhs: Any, rhs: Any = 0.0, rate: float | None = None,
              valid_range: Sequence[float] | None = None,
              initializer: Any = None) -> "OptimizationConstraints":
    """Adds the constraint `lhs >= rhs`.

    Args:
      lhs: a float tensor.
      rhs: a float tensor or number (default 0).
      rate: this constraint's multiplier rate (default: the module's).
      valid_range: this multiplier's range (default: the module's).
      initializer: this multiplier's initial value (default 1).

    Returns:
      The module, so that calls can be chained.

    Raises:
      ValueError: after the module was called.
    """
    self._check_not_connected()
    lhs = tf.convert_to_tensor(lhs)
    return self._add(tf.cast(rhs, lhs.dtype) - lhs, rate, valid_range, initializer)

  def _add(self, constraint, rate, valid_range, initializer):
    rate = self._rate if rate is None else _check_rate(rate)
    checked_range = self._valid_range if valid_range is None else _check_valid_range(
        valid_range)
    _multiplier_initializer(initializer)  # Checks a value now rather than at the call.
    self._constraints.append(constraint)
    self._options.append((rate, checked_range, initializer))
    return self

  def _build(self) -> tf.Tensor:
    """Creates the multipliers (first call) and returns `sum_i reduce_sum(lambda_i * g_i)`.

    Returns:
      A scalar tensor (0.0 without constraints), to add to the loss.
    """
    terms = []
    multipliers = []
    for i, (constraint, (rate, valid_range, initializer)) in enumerate(
        zip(self._constraints, self._options)):
      variable = basic.TrainableVariable(
          shape=constraint.shape, dtype=constraint.dtype,
          initializers={"w": _multiplier_initializer(initializer)},
          name=f"lagrange_multiplier_{i}")()
      multiplier = _multiplier(variable, rate, True, valid_range)
      multipliers.append(multiplier)
      terms.append(tf.reduce_sum(multiplier * constraint))
    self._lagrange_multipliers = multipliers
    if not terms:
      return tf.constant(0.0)
    return tf.add_n(terms)
