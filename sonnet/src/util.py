# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Validation of the `initializers`, `partitioners` and `regularizers` dicts of modules."""

import collections.abc
from collections.abc import Iterable, Mapping
from typing import Any

from sonnet.src import errors
from sonnet.src import naming

ERR_NOT_DICT = (
    "A dict of {kind}s was expected, but not given (got {got!r}). You should double-check "
    "that you're not using a single {kind} instead of a dict.")
ERR_INVALID_KEYS = "Invalid {kind} keys {extra}, {kind}s can only be provided for {allowed}"
ERR_NOT_CALLABLE = "{Kind} for '{key}' is not a callable function or dictionary"
ERR_PARTITIONERS_EAGER = (
    "Partitioners are only supported in tf.compat.v1 graph mode (TensorFlow 2 has no "
    "partitioned variables in eager mode or tf.function; use tf.distribute). Got "
    "partitioners for {keys}.")


def _format_keys(keys: Iterable[Any]) -> str:
  return ", ".join(f"'{k}'" for k in sorted(keys, key=str))


def _check_nested_callables(dictionary: Mapping[str, Any], kind: str) -> None:
  for key, entry in dictionary.items():
    if isinstance(entry, collections.abc.Mapping):
      _check_nested_callables(entry, kind)
    elif not callable(entry):
      raise TypeError(ERR_NOT_CALLABLE.format(Kind=kind.capitalize(), key=key))


def _check_dict(dictionary: Mapping[str, Any] | None, keys: Iterable[str],
                kind: str) -> dict[str, Any]:
  if dictionary is None:
    return {}
  if not isinstance(dictionary, collections.abc.Mapping):
    raise TypeError(ERR_NOT_DICT.format(kind=kind, got=dictionary))
  keys = set(keys)
  extra = set(dictionary) - keys
  if extra:
    raise KeyError(ERR_INVALID_KEYS.format(kind=kind, extra=_format_keys(extra),
                                           allowed=_format_keys(keys)))
  _check_nested_callables(dictionary, kind)
  return dict(dictionary)


def check_initializers(initializers: Mapping[str, Any] | None,
                       keys: Iterable[str]) -> dict[str, Any]:
  """Checks a module's `initializers` dict.

  Args:
    initializers: None, or a dict from variable name to an initializer (a callable
      `(shape, dtype) -> Tensor`), or to a nested dict for a sub-module.
    keys: the names the module accepts.

  Returns:
    A copy of the dict (an empty dict for None).

  Raises:
    TypeError: if `initializers` is not a dict, or an entry is not callable.
    KeyError: for keys not in `keys`; the message lists the allowed keys.
  """
  return _check_dict(initializers, keys, "initializer")


def check_regularizers(regularizers: Mapping[str, Any] | None,
                       keys: Iterable[str]) -> dict[str, Any]:
  """Checks a module's `regularizers` dict (values: `regularizer(variable) -> loss`).

  Args:
    regularizers: None or a dict, as for `check_initializers`.
    keys: the names the module accepts.

  Returns:
    A copy of the dict (an empty dict for None).

  Raises:
    TypeError: if `regularizers` is not a dict, or an entry is not callable.
    KeyError: for keys not in `keys`.
  """
  return _check_dict(regularizers, keys, "regularizer")


def check_partitioners(partitioners: Mapping[str, Any] | None,
                       keys: Iterable[str]) -> dict[str, Any]:
  """Checks a module's `partitioners` dict (`tf.compat.v1` partitioners).

  Partitioned variables exist only in `tf.compat.v1` graph mode, so a non-empty dict is
  refused when this is called in eager mode (or in a tf.function called eagerly).

  Args:
    partitioners: None or a dict, as for `check_initializers`.
    keys: the names the module accepts.

  Returns:
    A copy of the dict (an empty dict for None).

  Raises:
    TypeError: if `partitioners` is not a dict, or an entry is not callable.
    KeyError: for keys not in `keys`.
    snt.NotSupportedError: for a non-empty dict in eager mode.
  """
  checked = _check_dict(partitioners, keys, "partitioner")
  if checked and naming.outer_graph() is naming.EAGER:
    raise errors.NotSupportedError(ERR_PARTITIONERS_EAGER.format(
        keys=_format_keys(checked)))
  return checked


def check_variable_options(
    initializers: Mapping[str, Any] | None,
    partitioners: Mapping[str, Any] | None,
    regularizers: Mapping[str, Any] | None,
    keys: Iterable[str],
    *,
    partitioner_keys: Iterable[str] | None = None,
    regularizer_keys: Iterable[str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
  """Checks a constructor's three dicts (in this order) with the functions above.

  ```python
  self._initializers, self._partitioners, self._regularizers = util.check_variable_options(
      initializers, partitioners, regularizers, keys)
  ```

  Args:
    initializers: None or a dict, see `check_initializers`.
    partitioners: None or a dict, see `check_partitioners`.
    regularizers: None or a dict, see `check_regularizers`.
    keys: the names the module accepts (for all three dicts unless given below).
    partitioner_keys: the names accepted in `partitioners`, if they differ from `keys`.
    regularizer_keys: the names accepted in `regularizers`, if they differ from `keys`.

  Returns:
    The checked copies `(initializers, partitioners, regularizers)`.

  Raises:
    TypeError, KeyError, snt.NotSupportedError: as the three `check_*` functions.
  """
  keys = tuple(keys)
  return (check_initializers(initializers, keys),
          check_partitioners(partitioners, keys if partitioner_keys is None
                             else partitioner_keys),
          check_regularizers(regularizers, keys if regularizer_keys is None
                             else regularizer_keys))


class VariableOptions:
  """The `initializers`, `partitioners` and `regularizers` properties.

  Mixed into modules that keep the dicts given to their constructor (after the
  `check_*` functions above) as `_initializers`, `_partitioners` and
  `_regularizers`.
  """

  # Declared for type checkers; the modules set them in their constructors.
  _initializers: dict[str, Any]
  _partitioners: dict[str, Any]
  _regularizers: dict[str, Any]

  @property
  def initializers(self) -> dict[str, Any]:
    """The initializers given to the constructor (defaults are not filled in)."""
    return self._initializers

  @property
  def partitioners(self) -> dict[str, Any]:
    """The partitioners given to the constructor."""
    return self._partitioners

  @property
  def regularizers(self) -> dict[str, Any]:
    """The regularizers given to the constructor."""
    return self._regularizers
