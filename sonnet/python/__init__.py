# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Sonnet 1's module paths (`sonnet.python.modules.basic`, ...), as aliases of the public API.

Code written for Sonnet 1 imports its internal paths, e.g.

```python
from sonnet.python.modules import basic            # basic.Linear is snt.Linear
from sonnet.python.ops import nest                  # snt.nest
import sonnet.python.custom_getters.bayes_by_backprop as bbb
```

Each such module is made on first import (by an import hook that importing this package
installs): an attribute look-up resolves to the public object of the same name, in
`snt` (and `snt.nets`, `snt.nest`, `snt.initializers`, `snt.custom_getters`, ... as
listed in `ALIASES`). Nothing is implemented here, and nothing here is loaded by
`import sonnet`. Names Sonnet 1 kept private to its modules are not provided.
"""

from collections.abc import Sequence
import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from typing import Any

ERR_NOT_PROVIDED = (
    "module {module!r} has no attribute {name!r} (Sonnet 1 path: it resolves to the public "
    "names of {sources}).")

# Sonnet 1 module path (relative to `sonnet.python`) -> where its names come from: dotted
# paths of public namespaces, relative to `sonnet` ("" is `snt` itself), searched in order.
_NETS = ("nets", "")
_CUSTOM_GETTERS = ("custom_getters",)
ALIASES: dict[str, tuple[str, ...]] = {
    "modules": ("",),
    "modules.nets": _NETS,
    "ops": ("",),
    "ops.nest": ("nest",),
    "ops.initializers": ("initializers", ""),
    "ops.resampler": ("",),
    "custom_getters": _CUSTOM_GETTERS,
    "custom_getters.bayes_by_backprop": ("custom_getters.bayes_by_backprop",),
}
for _name in ("attention", "base", "base_errors", "base_info", "basic", "basic_rnn",
              "batch_norm", "batch_norm_v2", "block_matrix", "clip_gradient", "conv",
              "embed", "gated_rnn", "layer_norm", "moving_average",
              "optimization_constraints", "pondering_rnn", "relational_memory", "residual",
              "rnn_core", "scale_gradient", "sequential", "spatial_transformer",
              "spectral_normalization", "util"):
  ALIASES["modules." + _name] = ("",)
for _name in ("alexnet", "convnet", "dilation", "mlp", "transformer", "vqvae"):
  ALIASES["modules.nets." + _name] = _NETS
for _name in ("context", "non_trainable", "override_args", "restore_initializer",
              "stop_gradient"):
  ALIASES["custom_getters." + _name] = _CUSTOM_GETTERS
del _name


def _namespace(path: str) -> Any:
  """The public namespace `sonnet.<path>` (`sonnet` itself for "")."""
  value: Any = importlib.import_module("sonnet")
  for part in path.split(".") if path else ():
    value = getattr(value, part)
  return value


class AliasModule(types.ModuleType):
  """A Sonnet 1 module path whose attributes are public Sonnet names (see the docstring)."""

  def __init__(self, name: str, sources: Sequence[str]):
    """Makes the alias module.

    Args:
      name: its full name, e.g. `sonnet.python.modules.basic`.
      sources: the public namespaces it reads, as in `ALIASES`.
    """
    super().__init__(name, f"Sonnet 1's `{name}`: aliases of the public Sonnet API.")
    self.__dict__["_sources"] = tuple(sources)

  def __getattr__(self, name: str) -> Any:
    if name.startswith("_"):
      raise AttributeError(name)
    sources = self.__dict__["_sources"]
    for source in sources:
      namespace = _namespace(source)
      if hasattr(namespace, name):
        return getattr(namespace, name)
    raise AttributeError(ERR_NOT_PROVIDED.format(
        module=self.__name__, name=name,
        sources=", ".join("snt" + ("." + s if s else "") for s in sources)))

  def __dir__(self) -> list[str]:
    names = set(super().__dir__())
    for source in self.__dict__["_sources"]:
      names.update(n for n in dir(_namespace(source)) if not n.startswith("_"))
    return sorted(names)


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
  """Makes the modules of `ALIASES` when they are imported."""

  _PREFIX = __name__ + "."

  def find_spec(self, fullname: str, path: Any = None, target: Any = None
                ) -> importlib.machinery.ModuleSpec | None:
    """Finds the spec of an alias module (None for any other name).

    Args:
      fullname: the module being imported.
      path: unused.
      target: unused.

    Returns:
      A spec, or None.
    """
    del path, target
    if not fullname.startswith(self._PREFIX):
      return None
    relative = fullname[len(self._PREFIX):]
    if relative not in ALIASES:
      return None
    is_package = any(other.startswith(relative + ".") for other in ALIASES)
    return importlib.machinery.ModuleSpec(fullname, self, is_package=is_package)

  def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
    """Makes the alias module for `spec`.

    Args:
      spec: as returned by `find_spec`.

    Returns:
      The module.
    """
    return AliasModule(spec.name, ALIASES[spec.name[len(self._PREFIX):]])

  def exec_module(self, module: types.ModuleType) -> None:
    """Nothing to run: the module resolves its names on demand.

    Args:
      module: the module.
    """
    del module


if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
  sys.meta_path.append(_AliasFinder())
