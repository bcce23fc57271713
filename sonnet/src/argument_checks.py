# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Checks of scalar constructor (and call) arguments shared by the modules.

Every check takes the module's name and the argument's name, raises with an error text
built from a message template, and returns the value in canonical form (a Python `int`,
`float` or `bool`). The templates are formatted with the keywords `module`, `arg` and
`value` (plus `choices` for `check_one_of`), and with the value as the only positional
argument, so `"{module}: {arg} ..."`, `"`{arg}` ... {value!r}"` and `"... {!r}"` all work.
Modules whose message differs from the default pass their own template: the error texts
are part of the API (tests and Sonnet 1 users match them), so a module's text must never
change when its check moves here.

Integers are `numbers.Integral` (Python and numpy ints) and numbers are `numbers.Real`;
bools are neither, although Python counts them as ints. With `tf1_sizes=True` the int
checks also take what a TF1 program passes for a size, as Sonnet 1's modules did: an
integral float (`8.0`) or a known `tf.compat.v1.Dimension`.
"""

from collections.abc import Callable, Collection
import numbers
from typing import Any, Literal, overload

import numpy as np
import tensorflow as tf

ERR_POSITIVE_INT = "{module}: {arg} must be a positive integer, got {value!r}."
ERR_NON_NEGATIVE_INT = "{module}: {arg} must be a non-negative integer, got {value!r}."
ERR_POSITIVE_NUMBER = "`{arg}` must be a positive number, got {value!r}."
ERR_POSITIVE_NUMBER_OR_NONE = "{module}: {arg} must be None or a positive number, got {value!r}."
ERR_NON_NEGATIVE_NUMBER = "`{arg}` must be a non-negative number, got {value!r}."
ERR_NUMBER_IN_RANGE = "`{arg}` must be in [{low}, {high}], got {value!r}."
ERR_ONE_OF = "{module}: {arg} must be one of {choices}, got {value!r}."
ERR_NOT_CALLABLE = "{module}: {arg} must be callable, got {value!r}."
ERR_BOOL_FLAG = (
    "{module}: `{arg}` must be a Python bool or a boolean scalar tensor, got {value!r}.")


def _fail(error: type[Exception], message: str, module: str | None, arg: str, value: Any,
          **extra: Any) -> Exception:
  # str.format ignores the arguments a template does not name.
  return error(message.format(value, module=module, arg=arg, value=value, **extra))


def is_integer(value: Any) -> bool:
  """Whether `value` is a Python or numpy integer (bools are not).

  Args:
    value: anything.

  Returns:
    True for `numbers.Integral` values other than bools.
  """
  return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_positive_int(value: Any) -> bool:
  """Whether `value` is an integer (see `is_integer`) greater than zero.

  Args:
    value: anything.

  Returns:
    True for positive Python or numpy integers.
  """
  return is_integer(value) and bool(value > 0)


def as_integral(value: Any) -> Any:
  """Maps a TF1-style size to an int: an integral float or a known `Dimension`.

  Args:
    value: anything.

  Returns:
    The int for an integral Python or numpy float (not a bool) or a `Dimension` of known
    value; `value` itself otherwise.
  """
  if isinstance(value, tf.compat.v1.Dimension):
    return value if value.value is None else value.value
  if (isinstance(value, (float, np.floating)) and np.isfinite(value)
      and float(value).is_integer()):
    return int(value)
  return value


def is_number(value: Any) -> bool:
  """Whether `value` is a Python or numpy real number (bools are not).

  Args:
    value: anything.

  Returns:
    True for `numbers.Real` values other than bools.
  """
  return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_positive_int(module: str | None, arg: str, value: Any, *,
                       message: str = ERR_POSITIVE_INT,
                       type_message: str | None = None, tf1_sizes: bool = False) -> int:
  """Checks that `value` is a positive integer.

  Args:
    module: the module's name, for the message.
    arg: the argument's name, for the message.
    value: the value given.
    message: the template of the error text (see the module docstring).
    type_message: if given, a value that is not an integer raises TypeError with this
      template instead (and `message` is only used for integers <= 0).
    tf1_sizes: also accept an integral float or a known `Dimension` (see `as_integral`).

  Returns:
    `value` as a Python int.

  Raises:
    ValueError: if `value` is not a positive integer.
    TypeError: if `type_message` is given and `value` is not an integer.
  """
  number = as_integral(value) if tf1_sizes else value
  if type_message is not None and not is_integer(number):
    raise _fail(TypeError, type_message, module, arg, value)
  if not is_positive_int(number):
    raise _fail(ValueError, message, module, arg, value)
  return int(number)


def check_non_negative_int(module: str | None, arg: str, value: Any, *,
                           message: str = ERR_NON_NEGATIVE_INT,
                           tf1_sizes: bool = False) -> int:
  """Checks that `value` is an integer >= 0.

  Args:
    module: the module's name, for the message.
    arg: the argument's name, for the message.
    value: the value given.
    message: the template of the error text.
    tf1_sizes: also accept an integral float or a known `Dimension` (see `as_integral`).

  Returns:
    `value` as a Python int.

  Raises:
    ValueError: if `value` is not a non-negative integer.
  """
  number = as_integral(value) if tf1_sizes else value
  if not (is_integer(number) and number >= 0):
    raise _fail(ValueError, message, module, arg, value)
  return int(number)


@overload
def check_positive_number(module: str | None, arg: str, value: Any, *, message: str = ...,
                          allow_none: Literal[False] = ...) -> float:
  ...


@overload
def check_positive_number(module: str | None, arg: str, value: Any, *, message: str = ...,
                          allow_none: bool) -> float | None:
  ...


def check_positive_number(module: str | None, arg: str, value: Any, *,
                          message: str = ERR_POSITIVE_NUMBER,
                          allow_none: bool = False) -> float | None:
  """Checks that `value` is a real number > 0 (NaN is refused).

  Args:
    module: the module's name, for the message.
    arg: the argument's name, for the message.
    value: the value given.
    message: the template of the error text.
    allow_none: whether None is accepted (and returned).

  Returns:
    `value` as a Python float, or None.

  Raises:
    ValueError: if `value` is not a positive number (or None where allowed).
  """
  if value is None and allow_none:
    return None
  if not (is_number(value) and value > 0):
    raise _fail(ValueError, message, module, arg, value)
  return float(value)


def check_non_negative_number(module: str | None, arg: str, value: Any, *,
                              message: str = ERR_NON_NEGATIVE_NUMBER) -> float:
  """Checks that `value` is a real number >= 0 (NaN is refused).

  Args:
    module: the module's name, for the message.
    arg: the argument's name, for the message.
    value: the value given.
    message: the template of the error text.

  Returns:
    `value` as a Python float.

  Raises:
    ValueError: if `value` is not a non-negative number.
  """
  if not (is_number(value) and value >= 0):
    raise _fail(ValueError, message, module, arg, value)
  return float(value)


@overload
def check_number_in_range(module: str | None, arg: str, value: Any, *, low: float = ...,
                          high: float = ..., low_open: bool = ..., message: str = ...,
                          allow_none: Literal[False] = ...) -> float:
  ...


@overload
def check_number_in_range(module: str | None, arg: str, value: Any, *, low: float = ...,
                          high: float = ..., low_open: bool = ..., message: str = ...,
                          allow_none: bool) -> float | None:
  ...


def check_number_in_range(module: str | None, arg: str, value: Any, *,
                          low: float = 0, high: float = 1, low_open: bool = False,
                          message: str = ERR_NUMBER_IN_RANGE,
                          allow_none: bool = False) -> float | None:
  """Checks that `value` is a real number in `[low, high]` (or `(low, high]`).

  Args:
    module: the module's name, for the message.
    arg: the argument's name, for the message.
    value: the value given.
    low: the lower bound.
    high: the upper bound (always included).
    low_open: whether `low` itself is excluded.
    message: the template of the error text; may also name `{low}` and `{high}`.
    allow_none: whether None is accepted (and returned).

  Returns:
    `value` as a Python float, or None.

  Raises:
    ValueError: if `value` is not a number in the range (NaN never is).
  """
  if value is None and allow_none:
    return None
  in_range = is_number(value) and (low < value if low_open else low <= value) and value <= high
  if not in_range:
    raise _fail(ValueError, message, module, arg, value, low=low, high=high)
  return float(value)


def check_one_of(module: str | None, arg: str, value: Any, choices: Collection[Any], *,
                 message: str = ERR_ONE_OF) -> Any:
  """Checks that `value` is one of `choices`.

  A bool only matches a bool choice, so `True` is not taken for a choice `1`.

  Args:
    module: the module's name, for the message.
    arg: the argument's name, for the message.
    value: the value given.
    choices: the accepted values; the message shows them as given (list or tuple).
    message: the template of the error text; `{choices}` names `choices`.

  Returns:
    `value`, unchanged.

  Raises:
    ValueError: if `value` is not in `choices`.
  """
  if not any(isinstance(value, bool) == isinstance(c, bool) and value == c for c in choices):
    raise _fail(ValueError, message, module, arg, value, choices=choices)
  return value


def check_callable(module: str | None, arg: str, value: Any, *,
                   message: str = ERR_NOT_CALLABLE) -> Callable[..., Any]:
  """Checks that `value` is callable.

  Args:
    module: the module's name, for the message.
    arg: the argument's name, for the message.
    value: the value given.
    message: the template of the error text.

  Returns:
    `value`, unchanged.

  Raises:
    TypeError: if `value` is not callable.
  """
  if not callable(value):
    raise _fail(TypeError, message, module, arg, value)
  return value


def check_bool_flag(module: str | None, arg: str, value: Any, *,
                    message: str = ERR_BOOL_FLAG) -> bool | tf.Tensor:
  """Checks a flag that may also be decided at run time (e.g. `is_training`).

  Args:
    module: the module's name, for the message.
    arg: the argument's name, for the message.
    value: a Python or numpy bool, or a boolean scalar tensor or variable.
    message: the template of the error text.

  Returns:
    A Python bool, or the flag as a tensor.

  Raises:
    TypeError: for anything else.
  """
  if isinstance(value, (bool, np.bool_)):
    return bool(value)
  if (isinstance(value, (tf.Tensor, tf.Variable)) and value.dtype == tf.bool
      and value.shape.rank in (0, None)):
    return tf.convert_to_tensor(value)
  raise _fail(TypeError, message, module, arg, value)
