# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Shared machinery of the conformance tests: descriptors, construction, deterministic
variable values, and running a descriptor's module in any mode.

A conformance test is one test method parameterized over every descriptor:

```python
class MyCheckTest(parameterized.TestCase, tf.test.TestCase):

  @harness.over_descriptors("my_check")
  def test_my_check(self, descriptor):
    module = harness.construct(descriptor)
    outputs = harness.build_and_run(descriptor, module, harness.tensor_inputs(descriptor))
    ...
```

`over_descriptors` turns a listed known failure (`descriptors.KNOWN_FAILURES`) into an
assertion that the check still fails, so fixing the module flips the test.
"""

from collections.abc import Callable, Mapping, Sequence
import dataclasses
import functools
import itertools
import types
from typing import Any
import zlib

import numpy as np
import tensorflow as tf

ERR_UNKNOWN_DESCRIPTOR = "No conformance descriptor is called {!r}."
ERR_KNOWN_FAILURE_PASSED = (
    "Check {check!r} of descriptor {name!r} is listed in KNOWN_FAILURES ({reason}) but now "
    "passes: remove it from the table.")
ERR_STRUCTURE = "{what}: output structures differ: {error}"

# Tolerances for comparing the same computation run two ways (modes, restored copies).
RTOL = 1e-4
ATOL = 1e-5

_SCOPE_PREFIX = "conformance"
_scope_counter = itertools.count()


@dataclasses.dataclass(frozen=True)
class Descriptor:
  """How to construct and call one public module for the conformance checks.

  Attributes:
    name: unique descriptor name (a valid test-name suffix); usually the class name.
    module_class: the public class covered, as named in `sonnet` / `sonnet.nets`
      (e.g. `"Linear"`, `"nets.MLP"`).
    constructor: builds a fresh, never-called module. Whatever it passes to the module
      must be picklable (module-level functions, not lambdas).
    make_inputs: returns the positional arguments of a call as a tuple of nests of numpy
      arrays (deterministic, tiny, float32 unless the module needs ids). For a recurrent
      core, the step inputs without the state.
    recurrent: an `snt.RNNCore`: it is called for two steps from `initial_state(batch)`
      (see `connect`), so its recurrent weights affect the outputs.
    stateful: has non-trainable state (moving averages) updated by a training call.
    transposable: an `snt.Transposable`.
    uses_op: needs the C++ resampler op library.
    call_kwargs: keyword arguments of every call, e.g. `{"is_training": True}`.
    call: optional `call(module, *args, **call_kwargs)` replacing `module(*args, ...)`,
      for modules that need more than their inputs (e.g. a state built from the module).
    batched: dimension 0 of the inputs and outputs is the batch (False for modules
      without inputs); the unknown-batch checks need it.
  """
  name: str
  module_class: str
  constructor: Callable[[], Any]
  make_inputs: Callable[[], tuple[Any, ...]]
  recurrent: bool = False
  stateful: bool = False
  transposable: bool = False
  uses_op: bool = False
  call_kwargs: Mapping[str, Any] = dataclasses.field(
      default_factory=lambda: types.MappingProxyType({}))
  call: Callable[..., Any] | None = None
  batched: bool = True


def uniform(seed: int, shape: Sequence[int], low: float = -1.0,
            high: float = 1.0) -> np.ndarray:
  """Deterministic float32 values in `[low, high)` from a seeded numpy generator."""
  return np.random.RandomState(seed).uniform(low, high, size=shape).astype(np.float32)


# --- Construction and calls -----------------------------------------------------------


def construct(descriptor: Descriptor) -> Any:
  """Constructs the descriptor's module inside a fresh, unique variable scope.

  The scope (`conformance_<n>`) makes every scope name inside it start afresh, so
  `variable_key` gives the same key to a variable in every mode and every test, also for
  sub-modules constructed outside the module (e.g. the layers of a `Sequential`).

  Args:
    descriptor: the descriptor.

  Returns:
    The module, not connected.
  """
  with tf.compat.v1.variable_scope(f"{_SCOPE_PREFIX}_{next(_scope_counter)}"):
    return descriptor.constructor()


def variable_key(variable: tf.Variable) -> str:
  """The variable's name relative to the construction scope, e.g. `"linear/w"`."""
  name = variable.name
  if name.endswith(":0"):
    name = name[:-2]
  first, _, rest = name.partition("/")
  return rest if first.startswith(_SCOPE_PREFIX) and rest else name


def batch_size_of(args: Sequence[Any]) -> Any:
  first = tf.nest.flatten(args)[0]
  static = tf.compat.dimension_value(first.shape[0])  # Dimension in TF1 legacy mode.
  return static if static is not None else tf.shape(first)[0]


@tf.autograph.experimental.do_not_convert  # Plain Python control flow: no need to convert.
def connect(descriptor: Descriptor, module: Any, args: Sequence[Any]) -> Any:
  """Calls the module once as the descriptor says (two steps for a recurrent core).

  Args:
    descriptor: the descriptor.
    module: a module from `construct(descriptor)`.
    args: the positional arguments (tensors), as from `tensor_inputs`.

  Returns:
    The outputs; for a recurrent core `(output_1, output_2, state_2)` after two steps from
    `initial_state`.
  """
  if descriptor.call is not None:
    return descriptor.call(module, *args, **descriptor.call_kwargs)
  if not descriptor.recurrent:
    return module(*args, **descriptor.call_kwargs)
  state = module.initial_state(batch_size_of(args))
  output_1, state = module(*args, state, **descriptor.call_kwargs)
  output_2, state = module(*args, state, **descriptor.call_kwargs)
  return output_1, output_2, state


def numpy_inputs(descriptor: Descriptor) -> tuple[Any, ...]:
  """The descriptor's example inputs (a tuple of nests of numpy arrays)."""
  return tuple(descriptor.make_inputs())


def tensor_inputs(descriptor: Descriptor) -> tuple[Any, ...]:
  """The example inputs as constant tensors (call inside the graph / function used)."""
  return tf.nest.map_structure(tf.constant, numpy_inputs(descriptor))


def input_signature(descriptor: Descriptor, unknown_batch: bool) -> tuple[Any, ...]:
  """`tf.TensorSpec`s of the example inputs; dimension 0 is None if `unknown_batch`."""
  def spec(array):
    shape = list(array.shape)
    if unknown_batch and shape:
      shape[0] = None
    return tf.TensorSpec(shape, tf.as_dtype(array.dtype))
  return tf.nest.map_structure(spec, numpy_inputs(descriptor))


# --- Deterministic variable values ------------------------------------------------------


def deterministic_value(key: str, shape: Sequence[int], dtype: tf.DType,
                        trainable: bool) -> np.ndarray | None:
  """The value the conformance tests give a variable, from its key alone.

  Floating-point variables get values seeded by the key (so they do not depend on which
  other variables exist): trainable ones uniform in `[-1, 1)` divided by the square root
  of the fan-in (so deep nets keep activations of order one), non-trainable ones (moving
  averages, variances) uniform in `[0.5, 1.5)`. Other dtypes keep their initial values.

  Args:
    key: the variable's `variable_key`.
    shape: its shape.
    dtype: its dtype.
    trainable: whether it is trainable.

  Returns:
    A numpy array, or None for a variable whose value is left alone.
  """
  if not dtype.is_floating:
    return None
  seed = zlib.crc32(key.encode("utf-8"))
  if not trainable:
    value = uniform(seed, shape, 0.5, 1.5)
  else:
    fan_in = int(np.prod(shape[:-1])) if len(shape) >= 2 else 1
    value = uniform(seed, shape) / np.sqrt(max(fan_in, 1))
  return value.astype(dtype.as_numpy_dtype)


def module_variables(module: Any) -> list[tf.Variable]:
  """The module's variables (its own, sub-modules' and modules passed in), by key."""
  return sorted(module.variables, key=variable_key)


def assign_deterministic_values(module: Any) -> list[Any]:
  """Assigns every variable its `deterministic_value`.

  Works in every mode: eagerly the assignments happen at once; in a graph or a
  `tf.function` the returned ops must run first (see `build_and_run`).

  Args:
    module: a connected module.

  Returns:
    The assign ops (empty or unused in eager mode).
  """
  ops = []
  for variable in module_variables(module):
    value = deterministic_value(variable_key(variable), variable.shape.as_list(),
                                variable.dtype, variable.trainable)
    if value is not None:
      ops.append(variable.assign(value, read_value=False))
  return [op for op in ops if op is not None]


@tf.autograph.experimental.do_not_convert
def build_and_run(descriptor: Descriptor, module: Any, args: Sequence[Any]) -> Any:
  """Builds the module, assigns its deterministic values, and calls it again.

  Mode-agnostic: usable as the function of `test_utils.evaluate_in_mode` for any mode
  (the second call depends on the assignments through control dependencies).

  Args:
    descriptor: the descriptor.
    module: a module from `construct(descriptor)` (connected or not).
    args: the inputs (tensors).

  Returns:
    The outputs of the second call.
  """
  connect(descriptor, module, args)
  assigns = assign_deterministic_values(module)
  if tf.executing_eagerly():
    return connect(descriptor, module, args)
  with tf.control_dependencies(assigns):
    # tf.identity: an output that is a variable (e.g. TrainableVariable's) is read here,
    # after the assignments.
    return tf.nest.map_structure(tf.identity, connect(descriptor, module, args))


def to_numpy(nest: Any) -> Any:
  """Maps tensors (and variables) in a nest to numpy arrays."""
  return tf.nest.map_structure(
      lambda x: x.numpy() if hasattr(x, "numpy") else np.asarray(x), nest)


@functools.cache
def _eager_reference(name: str) -> Any:
  descriptor = get(name)
  module = construct(descriptor)
  return to_numpy(build_and_run(descriptor, module, tensor_inputs(descriptor)))


def eager_reference(descriptor: Descriptor) -> Any:
  """The descriptor's outputs in eager mode, as numpy (the reference of other checks).

  Computed once per process (the test files share it); do not modify the arrays.
  """
  return _eager_reference(descriptor.name)


def flatten_with_paths(nest: Any, prefix: str = "") -> list[tuple[str, Any]]:
  """Flattens a nest in `tf.nest.flatten` order into `(path, leaf)` pairs.

  Paths name namedtuple fields (`.hidden`), dict keys (`['loss']`) and sequence indices
  (`[0]`), e.g. `"[2].cell"`.

  Args:
    nest: tuples, lists, namedtuples and dicts of leaves.
    prefix: prepended to every path.

  Returns:
    The list of pairs.
  """
  if isinstance(nest, tuple) and hasattr(nest, "_fields"):
    children = [(f".{field}", getattr(nest, field)) for field in nest._fields]
  elif isinstance(nest, (tuple, list)):
    children = [(f"[{i}]", child) for i, child in enumerate(nest)]
  elif isinstance(nest, Mapping):
    children = [(f"[{key!r}]", nest[key]) for key in sorted(nest)]
  else:
    return [(prefix, nest)]
  pairs = []
  for suffix, child in children:
    pairs.extend(flatten_with_paths(child, prefix + suffix))
  return pairs


def assert_nests_close(test_case: Any, expected: Any, actual: Any, what: str,
                       rtol: float = RTOL, atol: float = ATOL) -> None:
  """Asserts two output nests have the same structure and close (or equal) leaves."""
  try:
    tf.nest.assert_same_structure(expected, actual, check_types=False)
  except (TypeError, ValueError) as error:
    test_case.fail(ERR_STRUCTURE.format(what=what, error=error))
  for i, (e, a) in enumerate(zip(tf.nest.flatten(expected), tf.nest.flatten(actual))):
    e, a = np.asarray(e), np.asarray(a)
    test_case.assertEqual(e.shape, a.shape, f"{what}: leaf {i} shape")
    if e.dtype.kind in "fc":
      test_case.assertAllClose(e, a, rtol=rtol, atol=atol, msg=f"{what}: leaf {i}")
    else:
      test_case.assertAllEqual(e, a, msg=f"{what}: leaf {i}")


# --- Parameterizing tests over descriptors ----------------------------------------------


@functools.cache
def by_name() -> dict[str, Descriptor]:
  """All descriptors, by name."""
  from sonnet.src.conformance import descriptors
  return {d.name: d for d in descriptors.DESCRIPTORS}


def get(name: str) -> Descriptor:
  """The descriptor called `name`.

  Raises:
    KeyError: for an unknown name.
  """
  found = by_name().get(name)
  if found is None:
    raise KeyError(ERR_UNKNOWN_DESCRIPTOR.format(name))
  return found


def known_failure(name: str, check: str) -> str | None:
  """The reason listed in `descriptors.KNOWN_FAILURES` for `(name, check)`, or None."""
  from sonnet.src.conformance import descriptors
  return descriptors.KNOWN_FAILURES.get((name, check))


def over_descriptors(check: str,
                     predicate: Callable[[Descriptor], bool] = lambda d: True,
                     modes: Sequence[str] | None = None
                     ) -> Callable[[Callable[..., Any]], Any]:
  """Decorator: runs a test method once per descriptor (those matching `predicate`).

  The method gets the descriptor as its argument (and the mode, with `modes`). A pair
  `(descriptor name, check)` listed in `descriptors.KNOWN_FAILURES` must still fail: the
  test then asserts that the method raises (an `AssertionError` or any exception), and
  fails if it passes.

  Args:
    check: the check's name, as used in `KNOWN_FAILURES`.
    predicate: which descriptors the check applies to.
    modes: if given (e.g. `test_utils.MODES`), one test per descriptor and mode; the
      method gets `(descriptor, mode)` and the check's name in `KNOWN_FAILURES` is
      `"<check>_<mode>"`.

  Returns:
    The decorator.
  """
  from absl.testing import parameterized

  from sonnet.src.conformance import descriptors
  selected = [d.name for d in descriptors.DESCRIPTORS if predicate(d)]
  cases: list[tuple[str, str, str | None]]
  if modes is None:
    cases = [(name, name, None) for name in selected]
  else:
    cases = [(f"{name}_{mode}", name, mode) for name in selected for mode in modes]

  def decorator(method):
    @functools.wraps(method)
    def wrapper(self, name, mode):
      descriptor = get(name)
      args = (descriptor,) if mode is None else (descriptor, mode)
      check_name = check if mode is None else f"{check}_{mode}"
      reason = known_failure(name, check_name)
      if reason is None:
        return method(self, *args)
      try:
        method(self, *args)
      except Exception:
        return None  # Still failing, as listed.
      self.fail(ERR_KNOWN_FAILURE_PASSED.format(check=check_name, name=name, reason=reason))
    return parameterized.named_parameters(*cases)(wrapper)

  return decorator
