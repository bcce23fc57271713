# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Type aliases for the arguments of Sonnet's public constructors and functions.

They document what an argument accepts; nothing checks them at run time (the modules'
constructors do their own checks, with Sonnet 1's error texts). Typical use:

```python
from sonnet.src import types

def __init__(self, output_size: int,
             initializers: Optional[types.Initializers] = None,
             custom_getter: Optional[types.CustomGetterArg] = None): ...
```

- `TensorLike`: what `tf.convert_to_tensor` takes: tensors, variables, numpy arrays,
  Python numbers and (nested) lists of them.
- `Nest`: a leaf or a nested structure (tuples, lists, namedtuples, dicts) of leaves, as
  `tf.nest` walks it (e.g. the state of a recurrent core).
- `ShapeLike`: an int, a sequence of ints (None for an unknown size) or a `tf.TensorShape`.
- `DTypeLike`: a `tf.DType`, or what `tf.as_dtype` takes (numpy dtype or type, name).
- `BatchSize`: a Python int or an int scalar tensor.
- `Initializer` / `Partitioner` / `Regularizer`: the callables a module uses for one of
  its variables; `Initializers` / `Partitioners` / `Regularizers` are the dicts from a
  variable name (or a sub-module name, with a nested dict) to them.
- `CustomGetter`: `custom_getter(getter, name, *args, **kwargs)`; `CustomGetterArg` is a
  module's `custom_getter` argument: one getter, or a dict from regular expression to
  getters.
- `Activation`: an elementwise non-linearity such as `tf.nn.relu`.
- `PaddingLike`: a padding name ("SAME", "VALID", ...) or one per spatial dimension.
- `ArrayLike`: a numpy array or a (nested) list / tuple of numbers.
- `ScopeOrModule`: a Sonnet module (a `tf.Module`), a `tf.compat.v1.VariableScope` or a
  scope name, for the functions that look variables up by scope.
"""

from collections.abc import Callable, Mapping, Sequence
import numbers
from typing import Any

import numpy as np
import tensorflow as tf

TensorLike = tf.Tensor | tf.Variable | np.ndarray | numbers.Number | Sequence[Any]
Nest = TensorLike | None | Sequence[Any] | Mapping[Any, Any]
ShapeLike = int | Sequence[int | None] | tf.TensorShape
DTypeLike = tf.DType | np.dtype | type | str
BatchSize = int | tf.Tensor
ArrayLike = np.ndarray | Sequence[Any]
ScopeOrModule = tf.Module | tf.compat.v1.VariableScope | str

# `initializer(shape, dtype=..., partition_info=None) -> Tensor`, as in tf.compat.v1.
Initializer = Callable[..., tf.Tensor]
# `partitioner(shape, dtype) -> number of slices per dimension` (tf.compat.v1 graph mode).
Partitioner = Callable[..., Sequence[int]]
# `regularizer(variable) -> scalar loss`.
Regularizer = Callable[[tf.Tensor], tf.Tensor]

# A nested dict configures a sub-module (e.g. `{"linear": {"w": ...}}`).
Initializers = Mapping[str, Initializer | Mapping[str, Any]]
Partitioners = Mapping[str, Partitioner | Mapping[str, Any]]
Regularizers = Mapping[str, Regularizer | Mapping[str, Any]]

CustomGetter = Callable[..., Any]
CustomGetterArg = CustomGetter | Mapping[str, CustomGetter]

Activation = Callable[[tf.Tensor], tf.Tensor]
PaddingLike = str | Sequence[str]
