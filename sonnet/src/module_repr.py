# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`repr()` of modules: the constructor arguments that matter, e.g. `Linear(output_size=3,
name='linear')`.

`AbstractModule.__init_subclass__` wraps each subclass's `__init__` with
`record_arguments`: the outermost constructor call (not the `super().__init__` calls it
makes) binds its arguments to the class's signature once, keeps those that differ from
their defaults and stores them already rendered as short text. Storing text, not the
values, keeps no reference to large arrays, cannot break pickling or `copy.deepcopy`, and
shows the arguments as they were passed. Calling a module costs nothing more.
"""

from collections.abc import Callable, Mapping
import functools
import inspect
import types
from typing import Any

import numpy as np
import tensorflow as tf

# Instance attribute holding the rendered arguments ("a=1, b=relu"); None while the
# outermost constructor runs.
ARGUMENTS_ATTRIBUTE = "_snt_constructor_arguments"
# Marks an `__init__` already wrapped (a class inheriting it must not wrap it again).
_WRAPPED_MARK = "_snt_records_arguments"
_MAX_ITEMS = 6  # Items of a sequence or dict shown before "...".
_MAX_CHARS = 80  # Longest rendering of one value (other than a module).
_SIMPLE_TYPES = (bool, int, float, complex, str, bytes, type(None))
_CALLABLE_TYPES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)


def wrap_init(init: Callable[..., None]) -> Callable[..., None]:
  """Wraps a module class's `__init__` so that its outermost call records its arguments.

  Args:
    init: the class's own `__init__`.

  Returns:
    The wrapper (same name, docstring and signature), or `init` if already wrapped.
  """
  if getattr(init, _WRAPPED_MARK, False):
    return init

  @functools.wraps(init)
  def __init__(self, *args, **kwargs):  # noqa: N807 (it replaces __init__)
    attributes = self.__dict__
    if ARGUMENTS_ATTRIBUTE in attributes:  # A super().__init__ call: not the outermost.
      init(self, *args, **kwargs)
      return
    attributes[ARGUMENTS_ATTRIBUTE] = None
    try:
      init(self, *args, **kwargs)
    except BaseException:
      attributes.pop(ARGUMENTS_ATTRIBUTE, None)
      raise
    attributes[ARGUMENTS_ATTRIBUTE] = _describe_arguments(type(self), args, kwargs)

  setattr(__init__, _WRAPPED_MARK, True)
  return __init__


class _Parameters:
  """What `_describe_arguments` needs of a class's `__init__` signature (cached)."""

  def __init__(self, signature: inspect.Signature):
    parameters = list(signature.parameters.values())[1:]  # Without `self`.
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    self.positional = [p.name for p in parameters if p.kind in positional]
    self.has_var_positional = any(
        p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters)
    self.order = {p.name: i for i, p in enumerate(parameters)}
    self.defaults = {p.name: p.default for p in parameters}


@functools.cache
def _parameters(cls: type) -> _Parameters | None:
  try:
    return _Parameters(inspect.signature(cls.__init__))  # type: ignore[misc]
  except (TypeError, ValueError):
    return None


def _describe_arguments(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
  """Renders the arguments that differ from their defaults, `name` left out.

  Binds by hand (the call already succeeded, so the arguments fit): 5 times faster than
  `inspect.Signature.bind`.
  """
  parameters = _parameters(cls)
  if parameters is None:
    return ""
  named = parameters.positional
  if len(args) > len(named) and not parameters.has_var_positional:
    return ""  # The outermost call was not cls.__init__ (e.g. a direct Base call).
  parts = []
  defaults = parameters.defaults
  for key, value in zip(named, args):
    if key != "name" and not _is_default(value, defaults[key]):
      parts.append(f"{key}={short_repr(value)}")
  parts.extend(short_repr(value) for value in args[len(named):])
  order = parameters.order
  for key in sorted(kwargs, key=lambda k: order.get(k, len(order))):
    value = kwargs[key]
    if key != "name" and not _is_default(value, defaults.get(key, inspect.Parameter.empty)):
      parts.append(f"{key}={short_repr(value)}")
  return ", ".join(parts)


def _is_default(value: Any, default: Any) -> bool:
  if value is default:
    return True
  if type(value) is type(default) and isinstance(value, _SIMPLE_TYPES + (tuple,)):
    try:
      return bool(value == default)
    except Exception:  # noqa: BLE001 (a tuple holding arrays: not the default)
      return False
  return False


def short_repr(value: Any) -> str:
  """A short rendering of a constructor argument.

  Args:
    value: any value.

  Returns:
    Callables by their name, tensors and arrays by shape and dtype, modules by their own
    repr, long sequences, dicts and texts truncated.
  """
  if type(value) in _SIMPLE_TYPES:  # The common case, first.
    return _truncate(repr(value))
  if isinstance(value, tf.Module):
    return repr(value)
  if isinstance(value, (tf.Tensor, tf.Variable, np.ndarray)):
    shape = tf.TensorShape(value.shape)
    shape_text = shape.as_list() if shape.rank is not None else "unknown"
    kind = ("Variable" if isinstance(value, tf.Variable) else
            "Tensor" if isinstance(value, tf.Tensor) else "ndarray")
    return f"{kind}(shape={shape_text}, dtype={tf.as_dtype(value.dtype).name})"
  if isinstance(value, _CALLABLE_TYPES):
    return getattr(value, "__name__", None) or _truncate(repr(value))
  if isinstance(value, functools.partial):
    return f"partial({short_repr(value.func)})"
  if isinstance(value, (list, tuple)):
    items = [short_repr(v) for v in value[:_MAX_ITEMS]]
    if len(value) > _MAX_ITEMS:
      items.append(f"... ({len(value)} items)")
    if isinstance(value, tuple):
      return "(" + ", ".join(items) + ("," if len(value) == 1 else "") + ")"
    return "[" + ", ".join(items) + "]"
  if isinstance(value, Mapping):
    entries = list(value.items())
    items = [f"{short_repr(k)}: {short_repr(v)}" for k, v in entries[:_MAX_ITEMS]]
    if len(entries) > _MAX_ITEMS:
      items.append(f"... ({len(entries)} items)")
    return "{" + ", ".join(items) + "}"
  try:
    return _truncate(repr(value))
  except Exception:  # noqa: BLE001 (a user object whose repr fails)
    return f"<{type(value).__name__}>"


def _truncate(text: str) -> str:
  return text if len(text) <= _MAX_CHARS else text[:_MAX_CHARS - 3] + "..."


def module_repr(module: Any, module_name: str | None) -> str:
  """`ClassName(arguments..., name='module_name')`.

  Args:
    module: the module.
    module_name: its name, or None if it has no state (its `__init__` did not run ours).

  Returns:
    The repr text.
  """
  parts = []
  arguments = module.__dict__.get(ARGUMENTS_ATTRIBUTE)
  if arguments:
    parts.append(arguments)
  if module_name is not None:
    parts.append(f"name={module_name!r}")
  return f"{type(module).__name__}({', '.join(parts)})"
