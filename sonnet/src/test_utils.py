# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Helpers for testing modules the same way in eager, `tf.function`, graph and legacy mode.

Legacy mode is TF1 behaviour after `tf.compat.v1.disable_v2_behavior()` (v1 `TensorShape`s
of `tf.compat.v1.Dimension`s, reference variables, v1 control flow), which cannot share a
process with TF2 behaviour: a test run in legacy mode is collected in every pytest run but
runs in a separate pytest process started with `LEGACY_ENV=1` (see the repository's
`conftest.py`), where it builds and runs its graph as in graph mode.

```python
class MyTest(tf.test.TestCase, parameterized.TestCase):

  @test_utils.run_in_modes
  def test_output(self, mode):
    out = test_utils.evaluate_in_mode(mode, lambda: snt.Linear(3)(tf.ones([2, 4])))
    self.assertEqual(out.shape, (2, 3))
```
"""

from collections.abc import Callable, Iterator
import contextlib
import os
from typing import Any

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import naming
from sonnet.src import variables

MODES = ("eager", "tf_function", "graph", "legacy")
"""Every mode; a test parameterized over them runs its legacy case in a legacy process."""

LEGACY = "legacy"

LEGACY_ENV = "SONNET_TF1_LEGACY"
"""Environment variable: `1` makes `conftest.py` call `disable_v2_behavior` at start-up."""

ERR_BAD_MODE = "mode must be one of {}, got {!r}."
ERR_WRONG_PROCESS = (
    "mode {!r} cannot run in this process ({}): legacy mode runs only in a process started "
    "with {}=1, the other modes only without it.")


def legacy_process() -> bool:
  """Whether this process runs with TF1 behaviour (`disable_v2_behavior`, legacy mode)."""
  return os.environ.get(LEGACY_ENV) == "1"


def in_process_modes() -> tuple[str, ...]:
  """The modes this process can run: `("legacy",)` in a legacy process, the others else.

  For a test looping over modes in its body (a test parameterized over `MODES` has its
  legacy case run in a legacy process instead).
  """
  return (LEGACY,) if legacy_process() else tuple(m for m in MODES if m != LEGACY)


def session_mode(mode: str) -> bool:
  """Whether `mode` builds a graph and runs it in a `tf.compat.v1.Session` (graph, legacy)."""
  return mode in ("graph", LEGACY)

run_in_modes = parameterized.named_parameters(*[(mode, mode) for mode in MODES])
"""Decorator: runs a test method once per mode, passing `mode` as an argument."""


def _check_mode(mode: str) -> None:
  if mode not in MODES:
    raise ValueError(ERR_BAD_MODE.format(MODES, mode))
  if (mode == LEGACY) != legacy_process():
    raise RuntimeError(ERR_WRONG_PROCESS.format(
        mode, "legacy" if legacy_process() else "TF2 behaviour", LEGACY_ENV))


def _to_numpy(value: Any) -> Any:
  if value is None:
    return None
  if hasattr(value, "numpy"):
    return value.numpy()
  return np.asarray(value)


def evaluate_in_mode(mode: str, fn: Callable[[], Any]) -> Any:
  """Runs `fn` in a mode and returns its outputs as numpy.

  Args:
    mode: `"eager"` (call `fn()`), `"tf_function"` (call `tf.function(fn)()`), or
      `"graph"` or `"legacy"` (call `fn()` inside a fresh `tf.Graph`, initialize all global
      and local variables, and run the outputs in a `tf.compat.v1.Session`).
    fn: a function without arguments that builds and/or calls modules and returns a nest
      of tensors (or variables, or None).

  Returns:
    The nest of outputs, with numpy arrays in place of tensors.

  Raises:
    ValueError: for an unknown mode.
    RuntimeError: for legacy mode outside a legacy process, or another mode in one.
  """
  _check_mode(mode)
  if mode == "eager":
    return tf.nest.map_structure(_to_numpy, fn())
  if mode == "tf_function":
    return tf.nest.map_structure(_to_numpy, _call_as_tf_function(fn))
  with tf.Graph().as_default():
    outputs = fn()
    flat = tf.nest.flatten(outputs)
    fetch_indices = [i for i, x in enumerate(flat)
                     if isinstance(x, (tf.Tensor, tf.Variable, tf.Operation))]
    with tf.compat.v1.Session() as session:
      session.run([tf.compat.v1.global_variables_initializer(),
                   tf.compat.v1.local_variables_initializer()])
      fetched = session.run([flat[i] for i in fetch_indices])
    values = list(flat)
    for i, value in zip(fetch_indices, fetched):
      values[i] = value
    values = [None if x is None else np.asarray(x) for x in values]
    return tf.nest.pack_sequence_as(outputs, values)


def _call_as_tf_function(fn: Callable[[], Any]) -> Any:
  """Calls `tf.function(fn)()`; modules constructed inside `fn` are allowed.

  When its first trace creates variables, `tf.function` traces `fn` a second time. Modules
  constructed by that second trace get the scope names of the first trace's modules (the
  name counters are reset before each trace) and adopt their variables by name, so `fn`
  behaves as if its modules had been constructed once.
  """
  graph = naming.outer_graph()
  names = naming.snapshot_names(graph)

  def traced():
    naming.restore_names(graph, names)
    return fn()

  # Names of modules dropped meanwhile are not handed out again until both traces ran.
  with variables.reuse_variables_by_full_name(), naming.names_kept():
    return tf.function(traced)()


def assert_raises_in_mode(test_case: tf.test.TestCase, mode: str, fn: Callable[[], Any],
                          expected_exception: type[BaseException],
                          expected_regex: str | None = None) -> None:
  """Asserts that `evaluate_in_mode(mode, fn)` raises (at trace, build or run time).

  Args:
    test_case: the test case (for its assertions).
    mode: one of `MODES`.
    fn: as for `evaluate_in_mode`.
    expected_exception: the exception type expected.
    expected_regex: optional regular expression the message must match (`re.search`).
  """
  if expected_regex is None:
    with test_case.assertRaises(expected_exception):
      evaluate_in_mode(mode, fn)
  else:
    with test_case.assertRaisesRegex(expected_exception, expected_regex):
      evaluate_in_mode(mode, fn)


@contextlib.contextmanager
def graph_mode_if(mode: str) -> Iterator[tf.Graph | None]:
  """Opens a fresh `tf.Graph` in graph and legacy mode, does nothing otherwise.

  Useful when a test constructs modules outside `evaluate_in_mode` and calls them in it
  several times: in graph mode, modules must be built and connected in the same graph.

  Args:
    mode: one of `MODES`.

  Yields:
    The graph, or None.
  """
  _check_mode(mode)
  if session_mode(mode):
    with tf.Graph().as_default() as graph:
      yield graph
  else:
    yield None


def run_fn_in_mode(mode: str, fn: Callable[..., Any], *args: Any) -> Any:
  """Calls `fn(*args)` eagerly or through `tf.function`, returning tensors (no numpy).

  In graph and legacy mode (inside `graph_mode_if(mode)`) it just calls `fn`.

  Args:
    mode: one of `MODES`.
    fn: the function.
    *args: its arguments.

  Returns:
    What `fn` returns.
  """
  _check_mode(mode)
  if mode == "tf_function":
    return tf.function(fn)(*args)
  return fn(*args)
