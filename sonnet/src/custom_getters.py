# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Custom getters: functions that wrap every variable a module asks for.

A custom getter has the signature `custom_getter(getter, name, *args, **kwargs)`; it calls
`getter(name, *args, **kwargs)` to get the variable and returns it, or something computed
from it (a `tf.Tensor` is fine). Give one to a module with `custom_getter=`: it applies to
the module's variables and to those of its sub-modules. A dict maps regular expressions,
matched (`re.match`) against the variable name relative to the module, to getters.

A module constructed inside `tf.compat.v1.variable_scope(..., custom_getter=getter)` (at
top level, not inside another module) also applies that getter, as in Sonnet 1, outside
its own.
"""

import collections.abc
from collections.abc import Callable, Mapping
import re
import threading
from typing import Any

from absl import logging
import tensorflow as tf

from sonnet.src import argument_checks
from sonnet.src import types

ERR_GETTER_NOT_CALLABLE = (
    "Given custom_getter is not callable (nor a dict of callables): {!r}.")
ERR_ROUTER_NOT_CALLABLE = (
    "Given custom_getter is not callable: the one for pattern {!r} is {!r}.")
ERR_ROUTER_BAD_PATTERN = (
    "custom_getter pattern {!r} is not a valid regular expression: {}.")
# Sonnet 1's text: the full variable name, the relative one, then the patterns.
ERR_ROUTER_AMBIGUOUS = "More than one custom_getter matched {} ({}): {}."

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
          name, relative, ", ".join(repr(p) for p, _ in matches)))
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


def enclosing_scope_getter() -> CustomGetter | None:
  """The custom getter of the current `tf.compat.v1` variable scope, if it has one.

  Returns:
    The getter, or None.
  """
  return tf.compat.v1.get_variable_scope().custom_getter


def scope_getters_above(is_base: Callable[[Any], bool]) -> tuple[CustomGetter, ...]:
  """The getters `variable_scope(custom_getter=...)` blocks put on top of a base getter.

  Inside a module's call, the current TF1 variable scope's getter is the module's own
  (`is_base`), or TF's composition of the getters of the `variable_scope` blocks the
  call's code opened around it. Sonnet 1 applied those to modules constructed in the
  blocks; this recovers them.

  Args:
    is_base: tells whether a getter is the base (the calling module's scope getter).

  Returns:
    The getters from the outermost block to the innermost one, or () when the scope's
    getter is not such a composition ending at the base.
  """
  getters = []
  getter = enclosing_scope_getter()
  while getter is not None and not is_base(getter):
    # TF composes getters as `wrapped_custom_getter`, a closure over the new getter
    # (`custom_getter`) and the one of the enclosing scope (`old_getter`).
    cells = dict(zip(getattr(getattr(getter, "__code__", None), "co_freevars", ()),
                     (cell.cell_contents for cell in getattr(getter, "__closure__", None) or ())))
    if "custom_getter" not in cells or "old_getter" not in cells:
      return ()
    getters.append(cells["custom_getter"])
    getter = cells["old_getter"]
  return tuple(reversed(getters)) if getter is not None else ()


class Context:
  """A custom getter that applies `getter` only inside `with context:` blocks.

  ```python
  noisy = snt.custom_getters.Context(add_noise_getter)
  with tf.compat.v1.variable_scope("", custom_getter=noisy):
    linear = snt.Linear(10)
  clean = linear(x)       # The plain variables.
  with noisy:
    noisy_out = linear(x)  # What add_noise_getter returns for them.
  ```

  Blocks may nest; the getter applies until the outermost one exits. Each context is
  independent of the others.
  """

  def __init__(self, getter: CustomGetter, verbose: bool = False):
    """Constructs the context.

    Args:
      getter: the custom getter to apply inside the context.
      verbose: log (absl, info) the name of each variable the getter is applied to.
    """
    self._getter = getter
    self._verbose = verbose
    self._local = threading.local()

  def _depth(self) -> int:
    return getattr(self._local, "depth", 0)

  def __enter__(self) -> "Context":
    self._local.depth = self._depth() + 1
    return self

  def __exit__(self, *unused_exc: Any) -> None:
    self._local.depth = self._depth() - 1

  def __call__(self, getter: Callable[..., Any], name: str, *args: Any,
               **kwargs: Any) -> Any:
    """The custom getter: `getter`'s variable outside the context, `self.getter`'s inside.

    Args:
      getter: the underlying getter.
      name: the variable's full name.
      *args: passed on.
      **kwargs: passed on.

    Returns:
      The variable or what the context's getter makes of it.
    """
    if self._depth() > 0:
      if self._verbose:
        logging.info("Context custom getter applied to variable %s.", name)
      return self._getter(getter, name, *args, **kwargs)
    return getter(name, *args, **kwargs)


def override_args(**kwargs: Any) -> CustomGetter:
  """A custom getter that sets arguments of every variable request, e.g. `trainable`.

  ```python
  local = snt.custom_getters.override_args(
      collections=[tf.compat.v1.GraphKeys.LOCAL_VARIABLES])
  linear = snt.Linear(10, custom_getter=local)  # Its variables are local variables.
  ```

  Args:
    **kwargs: the arguments to pass to the getter, replacing what was requested.

  Returns:
    The custom getter.
  """
  overrides = dict(kwargs)

  def getter_with_overrides(getter, *args, **request_kwargs):
    request_kwargs.update(overrides)
    return getter(*args, **request_kwargs)

  return getter_with_overrides


def override_default_args(**kwargs: Any) -> CustomGetter:
  """Like `override_args`, but only for arguments the request leaves unset (or None).

  Args:
    **kwargs: the default arguments.

  Returns:
    The custom getter.
  """
  defaults = dict(kwargs)

  def getter_with_defaults(getter, *args, **request_kwargs):
    for key, value in defaults.items():
      if request_kwargs.get(key) is None:
        request_kwargs[key] = value
    return getter(*args, **request_kwargs)

  return getter_with_defaults


def _identity_name(name: str) -> str:
  return name


def restore_initializer(filename: str, name_fn: Callable[[str], str] | None = None,
                        collection: str | None = tf.compat.v1.GraphKeys.GLOBAL_VARIABLES
                        ) -> CustomGetter:
  """A custom getter that initializes variables from a checkpoint.

  Each new variable in `collection` starts from the checkpoint's tensor
  `name_fn(variable name)` instead of its initializer (names without `:0`, e.g.
  `linear/w`, as a `tf.compat.v1.train.Saver` writes them). Variables already created are
  returned unchanged.

  ```python
  getter = snt.custom_getters.restore_initializer(tf.train.latest_checkpoint(directory))
  with tf.compat.v1.variable_scope("", custom_getter=getter):
    linear = snt.Linear(10, name="linear")
  ```

  Args:
    filename: the checkpoint (a path prefix, as `tf.train.latest_checkpoint` returns).
    name_fn: maps the variable's full name to the checkpoint key (default: the same).
    collection: only variables that go into this collection are restored (graph mode
      collections; the default `GLOBAL_VARIABLES` holds every variable unless `collections`
      says otherwise; `TRAINABLE_VARIABLES` is implied by `trainable=True`). None: all.

  Returns:
    The custom getter. A variable whose key is missing from the checkpoint, or whose
    shape differs, raises (`tf.errors.NotFoundError`, `ValueError`) when it is created.
  """
  name_fn = _identity_name if name_fn is None else name_fn

  def restoring_getter(getter, name, *args, **kwargs):
    collections = list(kwargs.get("collections") or
                       [tf.compat.v1.GraphKeys.GLOBAL_VARIABLES])
    if (kwargs.get("trainable", True) and
        tf.compat.v1.GraphKeys.TRAINABLE_VARIABLES not in collections):
      collections.append(tf.compat.v1.GraphKeys.TRAINABLE_VARIABLES)
    if collection is None or collection in collections:
      # Imported here: variable_utils builds on the module core, which imports this file.
      from sonnet.src import variable_utils
      kwargs["initializer"] = variable_utils.restore_initializer(filename, name_fn(name),
                                                                     scope="")
    return getter(name, *args, **kwargs)

  return restoring_getter
