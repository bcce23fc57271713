# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Utilities of the public API.

- Validation of the `initializers`, `partitioners` and `regularizers` dicts of modules.
- Keyword-argument introspection (`supports_kwargs`, `remove_unsupported_kwargs`), names
  (`to_snake_case`, `name_for_callable`, `parse_string_to_constructor`).
- Variable summaries (`count_variables_by_type`, `summarize_variables`), notification of
  new variables (`notify_about_new_variables`), `has_variable_scope` and
  `deprecation_warning`.
"""

import collections.abc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
import contextlib
import functools
import importlib
import inspect
import re
from typing import Any

from absl import logging
import numpy as np
import tensorflow as tf

from sonnet.src import module_state
from sonnet.src import naming

# Sonnet 1.36's text, then Sonnet 1.1's.
ERR_NOT_DICT = (
    "Expected a dict-like object with possible keys {allowed}, received {got!r}. A dict of "
    "{kind}s was expected, but not given. You should double-check that you're not using a "
    "single {kind} instead of a dict.")
ERR_INVALID_KEYS = "Invalid {kind} keys {extra}, {kind}s can only be provided for {allowed}"
ERR_NOT_CALLABLE = "{Kind} for '{key}' is not a callable function or dictionary"


def _format_keys(keys: Iterable[Any]) -> str:
  return ", ".join(f"'{k}'" for k in sorted(keys, key=str))


def _check_nested_callables(dictionary: Mapping[str, Any], kind: str) -> None:
  for key, entry in dictionary.items():
    if isinstance(entry, collections.abc.Mapping):
      _check_nested_callables(entry, kind)
    elif not callable(entry):
      raise TypeError(ERR_NOT_CALLABLE.format(Kind=kind.capitalize(), key=key))


class CheckedOptions(dict):
  """A checked dict of initializers, partitioners or regularizers, keyed by variable name.

  A `dict` subclass so that `tf.Module`, which wraps plain dicts assigned to attributes in
  a tracking wrapper, keeps it as it is: a look-up in the wrapper costs about 2 us, and
  modules read these dicts on every call. It holds callables, never variables, so there is
  nothing to track.
  """


def _check_dict(dictionary: Mapping[str, Any] | None, keys: Iterable[str],
                kind: str) -> dict[str, Any]:
  if dictionary is None:
    return CheckedOptions()
  keys = set(keys)
  if not isinstance(dictionary, collections.abc.Mapping):
    raise TypeError(ERR_NOT_DICT.format(kind=kind, got=dictionary,
                                        allowed=sorted(keys, key=str)))
  extra = set(dictionary) - keys
  if extra:
    raise KeyError(ERR_INVALID_KEYS.format(kind=kind, extra=_format_keys(extra),
                                           allowed=_format_keys(keys)))
  _check_nested_callables(dictionary, kind)
  return CheckedOptions(dictionary)


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

  Accepted in every mode, as in Sonnet 1: partitioned variables exist only in
  `tf.compat.v1` graph mode, and a partitioner used elsewhere raises
  `snt.NotSupportedError` when the module creates the variable (`snt.get_variable`).

  Args:
    partitioners: None or a dict, as for `check_initializers`.
    keys: the names the module accepts.

  Returns:
    A copy of the dict (an empty dict for None).

  Raises:
    TypeError: if `partitioners` is not a dict, or an entry is not callable.
    KeyError: for keys not in `keys`.
  """
  return _check_dict(partitioners, keys, "partitioner")


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
    TypeError, KeyError: as the three `check_*` functions.
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


# --- Keyword-argument introspection ---------------------------------------------------

# What `supports_kwargs` returns (the same strings as Sonnet 1).
SUPPORTED = "supported"
MAYBE_SUPPORTED = "maybe_supported"
NOT_SUPPORTED = "not_supported"

ERR_NOT_INSPECTABLE = "supports_kwargs: cannot read the signature of {!r}."


def _call_signature(module_or_fn: Any) -> inspect.Signature:
  """The signature a call passes keyword arguments to: `_build` for modules."""
  if hasattr(module_or_fn, module_state.STATE_ATTRIBUTE):
    module_or_fn = module_or_fn._build  # noqa: SLF001 (a module's call runs _build)
  try:
    return inspect.signature(module_or_fn)
  except (TypeError, ValueError) as e:
    raise TypeError(ERR_NOT_INSPECTABLE.format(module_or_fn)) from e


def supports_kwargs(module_or_fn: Any, kwargs_list: str | Iterable[str]) -> str:
  """Says whether a module (its `_build`) or a callable accepts keyword arguments.

  ```python
  if snt.supports_kwargs(module, "is_training") == snt.SUPPORTED:
    outputs = module(inputs, is_training=True)
  ```

  Args:
    module_or_fn: a Sonnet module (its `_build` is inspected) or any callable, e.g. a
      method decorated with `snt.reuse_variables` (its signature is kept).
    kwargs_list: one argument name or several.

  Returns:
    `snt.SUPPORTED` when every name is a parameter that can be passed by keyword,
    `snt.MAYBE_SUPPORTED` when some are not but the callable takes `**kwargs`, else
    `snt.NOT_SUPPORTED`.

  Raises:
    TypeError: if the signature cannot be read.
  """
  names = [kwargs_list] if isinstance(kwargs_list, str) else list(kwargs_list)
  parameters = _call_signature(module_or_fn).parameters.values()
  by_keyword = {p.name for p in parameters
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
  if all(name in by_keyword for name in names):
    return SUPPORTED
  if any(p.kind == p.VAR_KEYWORD for p in parameters):
    return MAYBE_SUPPORTED
  return NOT_SUPPORTED


def remove_unsupported_kwargs(module_or_fn: Any,
                              all_kwargs: Mapping[str, Any] | None) -> dict[str, Any]:
  """Drops the keyword arguments a module (or callable) certainly does not accept.

  Arguments that `supports_kwargs` calls `MAYBE_SUPPORTED` (the callable takes
  `**kwargs`) are kept.

  Args:
    module_or_fn: as for `supports_kwargs`.
    all_kwargs: the keyword arguments, or None.

  Returns:
    A new dict with the arguments that may be passed.

  Raises:
    TypeError: if the signature cannot be read.
  """
  if not all_kwargs:
    return {}
  return {name: value for name, value in all_kwargs.items()
          if supports_kwargs(module_or_fn, name) != NOT_SUPPORTED}


# --- Names ----------------------------------------------------------------------------

# Underscores go between a lowercase and an uppercase letter (`lstmModule`) and before a
# capitalised word that follows an uppercase letter or a digit (`LSTMModule`, `P56Object`);
# then, within each underscore-separated part, before the first digit that follows a
# lowercase letter (`lstm1` -> `lstm_1`, `version123p56` -> `version_123p56`).
_CAPITAL_BOUNDARY_RE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z0-9])(?=[A-Z][a-z])")
_DIGIT_BOUNDARY_RE = re.compile(r"(?<=[a-z])(?=[0-9])")


def to_snake_case(camel_case: str) -> str:
  """Sonnet 1's conversion of a CamelCase name to snake_case.

  `"LSTMModule"` -> `"lstm_module"`, `"lstm1"` -> `"lstm_1"`, `"__private__"` ->
  `"private"`. (Default module names use their own, older rule; this is the utility
  function of Sonnet 1.)

  Args:
    camel_case: the name.

  Returns:
    The snake_case name, without leading or trailing underscores.
  """
  parts = _CAPITAL_BOUNDARY_RE.sub("_", camel_case).split("_")
  parts = [_DIGIT_BOUNDARY_RE.sub("_", part, count=1) for part in parts]
  return "_".join(parts).lower().strip("_")


def name_for_callable(func: Any) -> str | None:
  """A module name for a callable: its function's name in snake_case.

  `functools.partial` objects are unwrapped; lambdas and other callables without a
  usable name (e.g. instances with `__call__`) give None.

  Args:
    func: the callable.

  Returns:
    The snake_case name, or None.
  """
  while isinstance(func, functools.partial):
    func = func.func
  name = getattr(func, "__name__", None)
  if not isinstance(name, str) or not name.isidentifier():
    return None
  return to_snake_case(name)


ERR_CONSTRUCTOR_NOT_FOUND = "parse_string_to_constructor could not find {!r}."
# Prefixes of `parse_string_to_constructor` strings that name the `sonnet` package.
_PACKAGE_PREFIXES = ("snt.", "sonnet.")


def _resolve_dotted(root: Any, path: Sequence[str]) -> Any:
  value = root
  for part in path:
    value = getattr(value, part)
  return value


def parse_string_to_constructor(ctor_string: str) -> Any:
  """Returns the Sonnet class (or function) a string names, e.g. from a config file.

  Accepted: `"LayerNorm"`, `"snt.LayerNorm"`, `"sonnet.LayerNorm"`,
  `"snt.nets.ConvNet2D"`, and Sonnet module paths such as
  `"sonnet.python.modules.nets.ConvNet2D"` (only Sonnet's own modules are imported).

  Args:
    ctor_string: the name.

  Returns:
    The object it names.

  Raises:
    ValueError: if nothing of that name could be found.
  """
  import sonnet  # Imported here: this module is part of the package's import.

  parts = ctor_string.split(".") if isinstance(ctor_string, str) else []
  candidates: list[tuple[Any, list[str]]] = []
  if parts and all(parts):
    relative = ctor_string
    for prefix in _PACKAGE_PREFIXES:
      if ctor_string.startswith(prefix):
        relative = ctor_string[len(prefix):]
        break
    candidates.append((sonnet, relative.split(".")))
    # A module path inside Sonnet (never another package): import the longest importable
    # prefix, then look up the rest.
    for split in range(len(parts) - 1, 0, -1):
      if parts[0] not in ("snt", "sonnet"):
        break
      module_name = ".".join(["sonnet"] + parts[1:split])
      try:
        module = importlib.import_module(module_name)
      except ImportError:
        continue
      candidates.append((module, parts[split:]))
      break
  for root, path in candidates:
    try:
      return _resolve_dotted(root, path)
    except AttributeError:
      continue
  raise ValueError(ERR_CONSTRUCTOR_NOT_FOUND.format(ctor_string))


# --- Variables ------------------------------------------------------------------------


def _default_variables() -> list[Any]:
  """All global variables: of the default graph, or in eager mode of the live modules."""
  # Imported here: variable_utils builds on the module core, which imports this module.
  from sonnet.src import variable_utils
  if naming.outer_graph() is naming.EAGER:
    return list(variable_utils.get_variables_in_scope("", variable_utils.GLOBAL_VARIABLES))
  return list(tf.compat.v1.global_variables())


def _num_elements(variable: Any) -> int:
  shape = variable.shape
  return int(np.prod(shape.as_list())) if shape.is_fully_defined() else 0


def count_variables_by_type(variables: Iterable[Any] | None = None
                            ) -> dict[tf.DType, dict[str, int]]:
  """Counts variables and their scalars per dtype.

  Args:
    variables: the variables; default: all global variables of the default graph (graph
      mode) or of the live Sonnet modules (eager mode).

  Returns:
    `{dtype: {"num_variables": n, "num_scalars": m}}`, with base dtypes as keys (e.g.
    `tf.float32`).
  """
  if variables is None:
    variables = _default_variables()
  counts: dict[tf.DType, dict[str, int]] = {}
  seen = set()
  for variable in variables:
    if id(variable) in seen:
      continue
    seen.add(id(variable))
    entry = counts.setdefault(variable.dtype.base_dtype,
                              {"num_variables": 0, "num_scalars": 0})
    entry["num_variables"] += 1
    entry["num_scalars"] += _num_elements(variable)
  return counts


_BYTE_UNITS = ("KB", "MB", "GB", "TB", "PB")


def _human_readable_bytes(num_bytes: int) -> str:
  """`5 B`, `1.500 KB`, `2.000 MB`, ... (powers of 1024)."""
  if num_bytes < 1024:
    return f"{num_bytes} B"
  value = float(num_bytes)
  for unit in _BYTE_UNITS:
    value /= 1024.0
    if value < 1024.0 or unit == _BYTE_UNITS[-1]:
      return f"{value:.3f} {unit}"
  raise AssertionError("unreachable")


def summarize_variables(variables: Iterable[Any] | None = None) -> None:
  """Logs (`absl.logging.info`) how many variables and scalars each dtype has, and bytes.

  One line per dtype, e.g. `tf.float32: 2 variables comprising 105000 scalars, 410.156 KB`,
  then a `Total: ...` line.

  Args:
    variables: the variables; default as for `count_variables_by_type`.
  """
  counts = count_variables_by_type(variables)
  total_variables = total_scalars = total_bytes = 0
  line = "%s: %d variables comprising %d scalars, %s"
  for dtype in sorted(counts, key=lambda d: d.name):
    entry = counts[dtype]
    num_bytes = entry["num_scalars"] * dtype.size
    logging.info(line, f"tf.{dtype.name}", entry["num_variables"], entry["num_scalars"],
                 _human_readable_bytes(num_bytes))
    total_variables += entry["num_variables"]
    total_scalars += entry["num_scalars"]
    total_bytes += num_bytes
  logging.info(line, "Total", total_variables, total_scalars,
               _human_readable_bytes(total_bytes))


@contextlib.contextmanager
def notify_about_new_variables(callback: Callable[[Any], Any]) -> Iterator[None]:
  """Calls `callback(variable)` for every variable created inside the context.

  Covers `tf.Variable`, `tf.compat.v1.get_variable` (also variables that custom getters
  create besides the one they return) and `snt.get_variable`. A variable creator entered
  outside this context sees its own creations only through what it returns.

  ```python
  created = []
  with snt.notify_about_new_variables(created.append):
    module(inputs)
  ```

  Args:
    callback: called with each new variable, in creation order.

  Yields:
    None.
  """

  def creator(next_creator, **kwargs):
    variable = next_creator(**kwargs)
    callback(variable)
    return variable

  with tf.variable_creator_scope(creator):
    yield


def has_variable_scope(obj: Any) -> bool:
  """Whether `obj` has a `variable_scope` (every Sonnet module has, connected or not).

  Args:
    obj: anything.

  Returns:
    True for Sonnet modules and for objects with a `variable_scope` attribute.
  """
  if hasattr(obj, module_state.STATE_ATTRIBUTE):
    return True
  if isinstance(getattr(type(obj), "variable_scope", None), property):
    return True
  return hasattr(obj, "variable_scope")


# The messages `deprecation_warning` has logged in this process.
_warned_messages: set[str] = set()


def deprecation_warning(deprecation_message: str) -> None:
  """Logs `DEPRECATION WARNING: <message>` (`absl.logging.warning`), once per message.

  Args:
    deprecation_message: what is deprecated and what to use instead.
  """
  if deprecation_message in _warned_messages:
    return
  _warned_messages.add(deprecation_message)
  logging.warning("DEPRECATION WARNING: %s", deprecation_message)
