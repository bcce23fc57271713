# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Custom getters: functions that wrap every variable a module asks for.

A custom getter has the signature `custom_getter(getter, name, *args, **kwargs)`; it calls
`getter(name, *args, **kwargs)` to get the variable and returns it, or something computed
from it (a `tf.Tensor` is fine). Give one to a module with `custom_getter=`: it applies to
the module's variables and to those of its sub-modules. A dict maps regular expressions,
matched (`re.match`) against the variable name relative to the module, to getters.
"""

import collections.abc
from collections.abc import Callable, Mapping
import re
from typing import Any

import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import types

ERR_GETTER_NOT_CALLABLE = (
    "Given custom_getter is not callable (nor a dict of callables): {!r}.")
ERR_ROUTER_NOT_CALLABLE = "custom_getter for pattern {!r} is not callable: {!r}."
ERR_ROUTER_BAD_PATTERN = (
    "custom_getter pattern {!r} is not a valid regular expression: {}.")
ERR_ROUTER_AMBIGUOUS = (
    "More than one custom_getter pattern matches variable {!r}: {}.")

CustomGetter = types.CustomGetter


def custom_getter_router(custom_getter_map: Mapping[str, CustomGetter],
                         name_fn: Callable[[str], str]) -> CustomGetter:
  """Returns a custom getter that routes each variable to the getter its name matches.

  Args:
    custom_getter_map: regular expression -> custom getter.
    name_fn: maps the full variable name to the name the patterns are matched against.

  Returns:
    A custom getter. Variables that no pattern matches are returned unchanged; a variable
    matched by two patterns raises `KeyError`.

  Raises:
    TypeError: if a value of `custom_getter_map` is not callable.
    ValueError: if a key is not a valid regular expression (a string).
  """
  compiled = []
  for pattern, getter in custom_getter_map.items():
    if not callable(getter):
      raise TypeError(ERR_ROUTER_NOT_CALLABLE.format(pattern, getter))
    try:
      compiled.append((re.compile(pattern), pattern, getter))
    except (re.error, TypeError) as e:
      raise ValueError(ERR_ROUTER_BAD_PATTERN.format(pattern, e)) from None

  def router(getter, name, *args, **kwargs):
    relative = name_fn(name)
    matches = [(pattern, custom) for regex, pattern, custom in compiled
               if regex.match(relative)]
    if len(matches) > 1:
      raise KeyError(ERR_ROUTER_AMBIGUOUS.format(
          relative, ", ".join(repr(p) for p, _ in matches)))
    if matches:
      return matches[0][1](getter, name, *args, **kwargs)
    return getter(name, *args, **kwargs)

  return router


def normalize_custom_getter(custom_getter: types.CustomGetterArg | None,
                            scope_name: str) -> CustomGetter | None:
  """Validates a module's `custom_getter` argument and returns a plain getter (or None).

  Args:
    custom_getter: None, a callable, or a dict of regular expression -> callable.
    scope_name: the module's scope name; dict patterns see names relative to it.

  Returns:
    None or a callable custom getter.

  Raises:
    TypeError: if `custom_getter` is neither, or a dict value is not callable.
    ValueError: if a dict key is not a valid regular expression.
  """
  if custom_getter is None:
    return None
  if isinstance(custom_getter, collections.abc.Mapping):
    prefix = scope_name + "/"
    return custom_getter_router(
        custom_getter, lambda n: n[len(prefix):] if n.startswith(prefix) else n)
  return argument_checks.check_callable(scope_name, "custom_getter", custom_getter,
                                        message=ERR_GETTER_NOT_CALLABLE)


def stop_gradient(getter: Callable[..., Any], *args: Any, **kwargs: Any) -> tf.Tensor:
  """Custom getter returning `tf.stop_gradient` of each variable (freezes the module).

  Args:
    getter: the underlying getter.
    *args: passed to `getter`.
    **kwargs: passed to `getter`.

  Returns:
    A tensor equal to the variable, with no gradient.
  """
  return tf.stop_gradient(getter(*args, **kwargs))


def non_trainable(getter: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
  """Custom getter creating variables as non-trainable.

  Args:
    getter: the underlying getter.
    *args: passed to `getter`.
    **kwargs: passed to `getter`, with `trainable=False`.

  Returns:
    The (non-trainable) variable.
  """
  kwargs["trainable"] = False
  return getter(*args, **kwargs)
