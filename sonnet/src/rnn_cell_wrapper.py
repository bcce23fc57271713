# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`RNNCellWrapper`: a Keras (or other) recurrent cell used as a Sonnet recurrent core.

Sonnet 1 wrapped `tf.contrib.rnn` cells this way; TensorFlow 2.21 has no contrib and its
RNN cells are Keras's (`tf.keras.layers.LSTMCell`, `GRUCell`, `SimpleRNNCell`, ...). The
wrapper constructs the cell, calls it as `cell(inputs, state, **kwargs)`, exposes its
`state_size` / `output_size` as nests of `tf.TensorShape`, and records the cell's
variables as the wrapper's own, so `variables`, checkpoints and optimisers see them.
"""

from typing import Any

import tensorflow as tf

from sonnet.src import module_state
from sonnet.src import naming
from sonnet.src import rnn_core

ERR_NOT_A_CELL = ("{module}: the cell must have `state_size` and `output_size` and be "
                  "callable as cell(inputs, state), but got {value!r}.")


def _as_shapes(size: Any) -> Any:
  """Keras sizes (ints, lists of ints, shapes) as a nest of `tf.TensorShape`.

  As in Keras, an int is the size of one state vector and a list or tuple holds one size
  per state component (so `[3, 3]` is two vectors of size 3, not one `[3, 3]` matrix).
  """
  if isinstance(size, tf.TensorShape):
    return size
  if isinstance(size, int):
    return tf.TensorShape([size])
  if hasattr(size, "_fields"):  # A namedtuple keeps its type.
    return type(size)(*[_as_shapes(s) for s in size])
  if isinstance(size, (list, tuple)):
    return tuple(_as_shapes(s) for s in size)
  return tf.TensorShape(size)


class RNNCellWrapper(rnn_core.RNNCore):
  """Uses a recurrent cell (e.g. `tf.keras.layers.GRUCell`) as a Sonnet core.

  ```python
  core = snt.RNNCellWrapper(tf.keras.layers.LSTMCell, 32)
  output, state = core(inputs, core.initial_state(batch_size))
  outputs, final = snt.dynamic_unroll(core, sequence, core.initial_state(batch_size))
  ```

  Keras cells with several state tensors (LSTMCell's `[h, c]`) get and return a tuple.
  A Keras cell is named `cell` unless a `name` is given, and built by the first call
  under this module's scope, so its variables are e.g. `rnn_cell_wrapper/cell/kernel` in
  every mode. They are recorded as this module's variables.

  Args:
    cell_ctor: the cell's class (or any callable returning a cell), or a cell instance.
    *args: positional arguments of `cell_ctor`.
    name: module name (default "rnn_cell_wrapper").
    **kwargs: keyword arguments of `cell_ctor`.

  Raises:
    TypeError: if what `cell_ctor` gives is not a recurrent cell.
  """

  def __init__(self, cell_ctor: Any, *args: Any, name: str = "rnn_cell_wrapper",
               **kwargs: Any):
    super().__init__(name=name)
    if hasattr(cell_ctor, "state_size") and not isinstance(cell_ctor, type):
      cell = cell_ctor
    else:
      if (isinstance(cell_ctor, type) and issubclass(cell_ctor, tf.keras.layers.Layer)
          and "name" not in kwargs):
        # Keras names its variables after the layer: a fixed name keeps them the same in
        # every program (Keras would number default names per process).
        kwargs["name"] = "cell"
      cell = cell_ctor(*args, **kwargs)
    if not (callable(cell) and hasattr(cell, "state_size") and hasattr(cell, "output_size")):
      raise TypeError(ERR_NOT_A_CELL.format(module=self.module_name, value=cell))
    self._cell = cell

  @property
  def cell(self) -> Any:
    """The wrapped cell."""
    return self._cell

  @property
  def state_size(self) -> Any:
    """The cell's state size, as a nest of `tf.TensorShape`."""
    return _as_shapes(self._cell.state_size)

  @property
  def output_size(self) -> Any:
    """The cell's output size, as a nest of `tf.TensorShape`."""
    return _as_shapes(self._cell.output_size)

  def _build(self, inputs: Any, prev_state: Any, **kwargs: Any) -> tuple[Any, Any]:
    """Runs one step of the cell.

    Args:
      inputs: the step's inputs, `[batch_size, ...]`.
      prev_state: a state with the structure of `state_size`.
      **kwargs: passed to the cell (e.g. `training=True` for Keras dropout).

    Returns:
      `(output, next_state)`, the state with the structure of `state_size`.

    Raises:
      ValueError, snt.IncompatibleShapeError: for a state that does not match
        `state_size`.
    """
    prev_state = self._check_prev_state(prev_state)
    if isinstance(self._cell, tf.keras.layers.Layer) and not self._cell.built:
      # Built here, out of any trace and under this module's scope, so that the cell's
      # variables have the same names in every mode (`<scope>/<cell name>/kernel`).
      with tf.init_scope(), tf.name_scope(self.scope_name + "/"):
        self._cell.build(tuple(tf.nest.flatten(inputs)[0].shape))
    output, next_state = self._cell(inputs, prev_state, **kwargs)
    next_state = tf.nest.pack_sequence_as(self.state_size, tf.nest.flatten(next_state))
    self._record_cell_variables()
    return output, next_state

  def _record_cell_variables(self) -> None:
    """Records the Keras cell's variables (once each) as this module's."""
    frame = naming.current_frame()
    if frame is None:
      return
    state = module_state.state_of(self)
    own = module_state.variables_of(self)
    for weight in getattr(self._cell, "weights", ()):
      variable = getattr(weight, "value", weight)  # Keras 3 wraps a tf.Variable.
      if not isinstance(variable, tf.Variable):
        continue
      # Keys without the cell's (per-process unique) layer name, so checkpoints match.
      path = str(getattr(weight, "path", None) or variable.name.split(":")[0])
      prefix = str(getattr(self._cell, "name", "")) + "/"
      key = "cell/" + (path[len(prefix):] if path.startswith(prefix) else path)
      if key not in own:
        with tf.init_scope():
          state.record_variable(frame, key, variable)
