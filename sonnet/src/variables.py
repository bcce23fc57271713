# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`snt.get_variable`: the one way a module creates (and later reuses) its variables.

This is the TensorFlow 2 counterpart of calling `tf.get_variable` inside a Sonnet 1
module's variable scope. Called inside `_build` (or inside a method decorated with
`snt.reuse_variables`), it

* creates `<module scope_name>/<name>` on the first request, lifted out of any
  `tf.function` being traced with `tf.init_scope()`, so the variable exists exactly once
  whatever the mode (eager, `tf.function`, `tf.compat.v1` graph);
* returns the same variable on every later request, after checking shape and dtype;
* applies the custom getters of the module and of the modules it is nested in;
* records the variable (and its regularizer) in the module, for `module.variables`,
  checkpoints and `snt.get_regularization_loss`.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
import contextlib
import functools
import inspect
import math
import threading
import types
from typing import Any
import weakref

import tensorflow as tf

from sonnet.src import errors
from sonnet.src import mixed_precision
from sonnet.src import module_state
from sonnet.src import naming

ERR_OUTSIDE_MODULE = (
    "snt.get_variable({!r}) was called outside of any module. Call it inside a module's "
    "_build method, inside a method decorated with snt.reuse_variables, or inside a "
    "function wrapped by snt.Module.")
ERR_SHAPE_MISMATCH = (
    "{module}: Trying to share variable {name}, but the requested shape {requested} is "
    "not the shape {existing} it was created with.")
ERR_DTYPE_MISMATCH = (
    "{module}: Trying to share variable {name}, but the requested dtype {requested} is "
    "not the dtype {existing} it was created with.")
ERR_SHAPE_UNKNOWN = (
    "{module}: Shape of a new variable {name} must be fully defined, but got {shape}.")
ERR_OWNER = (
    "{module}: Variable {name} was created by {existing}; {requested} cannot create a "
    "variable with the same name. Each method decorated with snt.reuse_variables must own "
    "its variables.")
ERR_PARTITIONER_EAGER = (
    "{module}: Partitioned variables are only supported in tf.compat.v1 graph mode; "
    "TensorFlow 2 has no partitioned variables in eager mode or in tf.function (use "
    "tf.distribute instead). Got a partitioner for variable {name}.")
ERR_INITIAL_VALUE_SHAPE = (
    "{module}: the initializer of variable {name} returned a value of shape {actual}, but "
    "the variable has shape {shape}.")
ERR_RESTORE_SHAPE = (
    "{module}: Received incompatible tensor with shape {saved} when attempting to restore "
    "variable with shape {shape} and name {name} (a checkpoint restored before the first "
    "call holds a value of another shape); nothing was created.")
ERR_DATASET_FUNCTION = (
    "{module}: cannot create variable {name} inside a tf.data function (Dataset.map, "
    "filter, interleave, ...; traced as {graph!r}): TensorFlow cannot create variables "
    "there. Build the module outside the function and call it once eagerly first (e.g. "
    "`linear = snt.Linear(3); linear(next(iter(ds)))`) so that its variables exist; calls "
    "inside Dataset.map (`ds.map(lambda x: linear(x))`) then reuse them.")
ERR_INITIALIZER_NOT_CALLABLE = (
    "{module}: initializer for variable {name} must be a callable (shape, dtype) -> "
    "Tensor, or a Tensor/array value, but got {initializer!r}.")


# The attribute `tf.autograph.experimental.do_not_convert` sets on its wrappers: AutoGraph
# calls a function carrying it unconverted. Read from a wrapper at import, so a TensorFlow
# without it falls back to the wrapper itself (see `not_converted`).
_AUTOGRAPH_MARKS = tuple(
    name for name in vars(tf.autograph.experimental.do_not_convert(lambda: None))
    if name != "__wrapped__")


def not_converted(fn: Callable[..., Any]) -> Callable[..., Any]:
  """Marks `fn` so that AutoGraph calls it unconverted, without a wrapper per call.

  `tf.autograph.experimental.do_not_convert` would also enter AutoGraph's disabled context
  on every call, which costs more than a module's own bookkeeping; Sonnet enters that
  context itself where code can be traced (see `base`).

  Args:
    fn: a function.

  Returns:
    `fn`, marked (or the `do_not_convert` wrapper if this TensorFlow marks otherwise).
  """
  wrapper = tf.autograph.experimental.do_not_convert(fn)
  if len(_AUTOGRAPH_MARKS) != 1:
    return wrapper
  name = _AUTOGRAPH_MARKS[0]
  setattr(fn, name, getattr(wrapper, name))
  return fn


def _check_pending_restore(module: Any, key: str, name: str, shape: tf.TensorShape) -> None:
  """Raises if a checkpoint restore waiting for variable `key` holds another shape.

  A restore before the first call is applied when the variable is tracked. For variables
  tracked in a dict (as a module's variables are), TensorFlow 2.21 swallows the
  `ValueError` of a shape mismatch and silently skips the restore (and
  `assert_consumed()` passes); so the saved shape is checked here first, before anything
  is created. This reads TensorFlow's pending restores (private attributes, read
  defensively: without them the check is skipped).

  Raises:
    ValueError: if the pending restore holds a value of an incompatible shape.
  """
  pending = getattr(module_state.variables_of(module), "_deferred_dependencies", None)
  if not isinstance(pending, dict):
    return
  for position in pending.get(key, ()):
    value_shape = getattr(position, "value_shape", None)
    saved = value_shape() if callable(value_shape) else None
    if saved is not None and not tf.TensorShape(saved).is_compatible_with(shape):
      raise ValueError(ERR_RESTORE_SHAPE.format(
          module=module.module_name, saved=tuple(tf.TensorShape(saved).as_list()),
          shape=tuple(shape.as_list()), name=name))


class _ReuseByName(threading.local):

  def __init__(self):
    super().__init__()
    self.cache: dict[str, Any] | None = None


_reuse_by_name = _ReuseByName()


@contextlib.contextmanager
def reuse_variables_by_full_name() -> Iterator[dict[str, Any]]:
  """Testing aid: new variables with a name seen before in this context are reused.

  Used by `test_utils.evaluate_in_mode("tf_function", fn)` where `fn` constructs modules:
  `tf.function` traces `fn` twice when the first trace creates variables, and the modules
  constructed by the second trace (which get the same scope names) must find the first
  trace's variables instead of creating new ones, like a TF1 variable store would.

  Yields:
    The name -> variable cache.
  """
  previous = _reuse_by_name.cache
  _reuse_by_name.cache = {}
  try:
    yield _reuse_by_name.cache
  finally:
    _reuse_by_name.cache = previous


def _as_shape(shape: Any) -> tf.TensorShape:
  return tf.TensorShape(shape)


def call_initializer(initializer: Callable[..., Any], shape: Sequence[int],
                     dtype: tf.DType) -> Any:
  """Calls `initializer(shape, dtype=dtype)`, adding `partition_info=None` if it takes one.

  As TF1's `get_variable` (and so Sonnet 1): an initializer with the TF1 signature
  `(shape, dtype=None, partition_info=None)` gets the argument, even with no default.

  Args:
    initializer: the initializer.
    shape: the variable's shape.
    dtype: its dtype.

  Returns:
    What the initializer returns.
  """
  if _takes_partition_info(initializer):
    return initializer(shape, dtype=dtype, partition_info=None)
  return initializer(shape, dtype=dtype)


# Function, or class of callable instances -> whether it takes `partition_info`:
# `inspect.signature` costs tens to hundreds of microseconds per variable created.
_takes_partition_info_cache: "weakref.WeakKeyDictionary[Any, bool]" = (
    weakref.WeakKeyDictionary())


def _takes_partition_info(initializer: Callable[..., Any]) -> bool:
  key = _signature_key(initializer)
  if key is None:
    return _inspect_partition_info(initializer)
  takes = _takes_partition_info_cache.get(key)
  if takes is None:
    takes = _takes_partition_info_cache[key] = _inspect_partition_info(initializer)
  return takes


def _signature_key(initializer: Any) -> Any:
  """What the signature of `initializer` depends on alone, or None (then not cached).

  A plain function's own; for an instance of a class with a Python `__call__` (and no
  per-instance signature or wrapped function), its class.
  """
  if isinstance(initializer, types.FunctionType):
    return initializer
  cls = type(initializer)
  call = next((vars(k)["__call__"] for k in cls.__mro__ if "__call__" in vars(k)), None)
  if not isinstance(call, types.FunctionType):
    return None  # e.g. functools.partial, a bound method, a builtin.
  attributes = getattr(initializer, "__dict__", None)
  if (not isinstance(attributes, dict) or "__signature__" in attributes or
      "__wrapped__" in attributes):
    return None
  return cls


def _inspect_partition_info(initializer: Callable[..., Any]) -> bool:
  try:
    parameters = inspect.signature(initializer).parameters
  except (TypeError, ValueError):  # Some builtins have no signature.
    return False
  parameter = parameters.get("partition_info")
  return parameter is not None and parameter.kind in (
      inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def _default_initializer(name: str, dtype: tf.DType) -> Callable[..., tf.Tensor]:
  if dtype.is_floating or dtype.is_complex:
    return tf.compat.v1.glorot_uniform_initializer()
  if dtype.is_integer or dtype.is_unsigned or dtype == tf.bool:
    return tf.compat.v1.zeros_initializer()
  raise ValueError(f"An initializer for variable {name} of dtype {dtype.name} is required.")


def _is_value(initializer: Any) -> bool:
  return isinstance(initializer, (tf.Tensor, tf.Variable)) or hasattr(initializer, "__array__")


class _ModuleVariableStore:
  """Creates and looks up the variables of one call frame's module."""

  def __init__(self, frame: naming.Frame, state: module_state.ModuleState):
    self._frame = frame
    self._module = frame.module
    self._state = state  # The state of `frame.module`.

  def key_for(self, full_name: str) -> str:
    prefix = self._state.scope_name + "/"
    return full_name[len(prefix):] if full_name.startswith(prefix) else full_name

  def __call__(self,
               name: str,
               shape: Any = None,
               dtype: Any = tf.float32,
               initializer: Any = None,
               regularizer: Callable[[Any], Any] | None = None,
               trainable: bool = True,
               partitioner: Callable[..., Any] | None = None,
               collections: Sequence[str] | None = None,
               synchronization: Any = tf.VariableSynchronization.AUTO,
               aggregation: Any = tf.VariableAggregation.NONE,
               **unused_kwargs: Any) -> Any:
    """The base getter: returns the existing variable or creates it."""
    state = self._state
    key = self.key_for(name)
    spec = state.variable_specs.get(key)
    if (spec is not None and (dtype is None or dtype is spec[2]) and
        (shape is None or (type(shape) in (list, tuple) and tuple(shape) == spec[1])) and
        state.variable_owners.get(key, self._frame.owner) == self._frame.owner):
      return spec[0]  # Fast path of a later call: the same request as at creation.
    module = self._module
    dtype = tf.as_dtype(dtype) if dtype is not None else None
    existing = module_state.variables_of(module).get(key)
    if existing is not None:
      owner = state.variable_owners.get(key)
      if owner is not None and owner != self._frame.owner:
        raise ValueError(ERR_OWNER.format(
            module=module.module_name, name=name, existing=owner,
            requested=self._frame.owner))
      self._check_compatible(name, existing, shape, dtype)
      return existing
    return self._create(key, name, shape, dtype, initializer, regularizer, trainable,
                        partitioner, collections, synchronization, aggregation)

  def _check_compatible(self, name, existing, shape, dtype):
    if shape is not None:
      requested = _as_shape(shape)
      if not requested.is_compatible_with(existing.shape):
        raise errors.IncompatibleShapeError(ERR_SHAPE_MISMATCH.format(
            module=self._module.module_name, name=name, requested=requested.as_list()
            if requested.rank is not None else None, existing=existing.shape.as_list()))
    if dtype is not None and dtype.base_dtype != existing.dtype.base_dtype:
      raise errors.IncompatibleShapeError(ERR_DTYPE_MISMATCH.format(
          module=self._module.module_name, name=name, requested=dtype.name,
          existing=existing.dtype.base_dtype.name))

  def _create(self, key, name, shape, dtype, initializer, regularizer, trainable,
              partitioner, collections, synchronization, aggregation):
    module = self._module
    if initializer is not None and _is_value(initializer):
      value = initializer
      initializer = None
      if shape is None:
        shape = tf.TensorShape(getattr(value, "shape", None))
    else:
      value = None
    shape = _as_shape(shape if shape is not None else [])
    if not shape.is_fully_defined():
      raise errors.UnderspecifiedError(ERR_SHAPE_UNKNOWN.format(
          module=module.module_name, name=name,
          shape=shape.as_list() if shape.rank is not None else "unknown rank"))
    if dtype is None:
      dtype = tf.float32
    if value is None:
      if initializer is None:
        initializer = _default_initializer(name, dtype)
      elif not callable(initializer):
        raise TypeError(ERR_INITIALIZER_NOT_CALLABLE.format(
            module=module.module_name, name=name, initializer=initializer))
    graph = naming.outer_graph()
    # Created while a tf.function is traced, lifted out by init_scope below. TensorFlow
    # would also record the variable as made by the trace, and so trace the function a
    # second time (to get a trace that creates none): the variable, made and initialized
    # eagerly and owned by the module, does not need that. A module constructed inside the
    # trace (a new module, and new variables, on every trace) keeps TensorFlow's refusal of
    # variables made by a later trace.
    unlifted = (graph is naming.EAGER and not tf.executing_eagerly() and
                not self._state.made_in_trace)
    if graph is naming.EAGER:
      _check_not_in_dataset_function(module, name)
    if partitioner is not None and graph is naming.EAGER:
      raise errors.NotSupportedError(ERR_PARTITIONER_EAGER.format(
          module=module.module_name, name=name))
    scope, _, leaf = name.rpartition("/")
    shape_list = shape.as_list()
    _check_pending_restore(module, key, name, shape)

    def initial_value():
      if value is not None:
        result = tf.convert_to_tensor(value, dtype=dtype)
      else:
        result = tf.convert_to_tensor(call_initializer(initializer, shape_list, dtype),
                                      dtype=dtype)
      if not result.shape.is_compatible_with(shape):
        raise errors.IncompatibleShapeError(ERR_INITIAL_VALUE_SHAPE.format(
            module=module.module_name, name=name, shape=shape_list,
            actual=result.shape.as_list() if result.shape.rank is not None else None))
      return result

    reuse_cache = _reuse_by_name.cache
    with tf.init_scope():
      with tf.compat.v1.name_scope(scope + "/" if scope else None):
        if reuse_cache is not None and name in reuse_cache:
          variable = reuse_cache[name]
          self._check_compatible(name, variable, shape, dtype)
        elif partitioner is not None:
          variable = self._create_partitioned(name, shape_list, dtype, initializer, value,
                                              trainable, partitioner, collections)
        elif graph is naming.EAGER:
          extra = {"experimental_enable_variable_lifting": False} if unlifted else {}
          variable = tf.Variable(initial_value, name=leaf, dtype=dtype, trainable=trainable,
                                 synchronization=synchronization, aggregation=aggregation,
                                 **extra)
          module_state.add_eager_variable_to_collections(variable, trainable, collections)
        else:
          variable = tf.compat.v1.Variable(
              initial_value, name=leaf, dtype=dtype, trainable=trainable,
              collections=collections, use_resource=True,
              synchronization=synchronization, aggregation=aggregation)
        if reuse_cache is not None:
          reuse_cache[name] = variable
        elif graph is naming.EAGER and scope:
          naming.hold_eager_name(variable, scope)  # A live variable keeps its name taken.
      # Tracking inside init_scope: a pending checkpoint restore applies here, eagerly.
      self._state.record_variable(self._frame, key, variable,
                                  spec=(tuple(shape_list), dtype), regularizer=regularizer)
      # As Sonnet 1 (`tf.get_variable`) in every mode: eagerly, the loss computed now goes to
      # the default graph's collection.
      if regularizer is not None:
        with tf.compat.v1.name_scope(name + "/Regularizer/"):
          loss = regularizer(variable)
        if loss is not None:
          tf.compat.v1.add_to_collection(tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES, loss)
          self._state.record_graph_regularization_loss(key, loss)
    return variable

  def _create_partitioned(self, name, shape_list, dtype, initializer, value, trainable,
                          partitioner, collections):
    if value is not None:
      initializer = tf.compat.v1.constant_initializer(value)
    scope = tf.compat.v1.VariableScope(reuse=False, name="")
    with tf.compat.v1.variable_scope(scope, auxiliary_name_scope=False):
      with tf.compat.v1.name_scope(None):
        return tf.compat.v1.get_variable(
            name, shape=shape_list, dtype=dtype, initializer=initializer,
            trainable=trainable, collections=collections, partitioner=partitioner,
            use_resource=True)


# tf.data names the graphs it traces user functions into `Dataset_<transformation>_<fn>`
# (e.g. `Dataset_map_lambda`); FuncGraph.name and .outer_graph are public attributes.
_DATASET_GRAPH_PREFIX = "Dataset_"


def _check_not_in_dataset_function(module: Any, name: str) -> None:
  """Raises if a tf.data function (e.g. of `Dataset.map`) is being traced.

  There TensorFlow 2 refuses to create variables with a misleading error about
  `tf.function`. Called only when a variable is about to be created, never on reuse.
  (A `tf.compat.v1` graph creates them outside the function, which works: not checked.)

  Raises:
    snt.NotSupportedError: inside a tf.data function.
  """
  graph = tf.compat.v1.get_default_graph()
  while graph is not None:
    graph_name = getattr(graph, "name", None)
    if isinstance(graph_name, str) and graph_name.startswith(_DATASET_GRAPH_PREFIX):
      raise errors.NotSupportedError(ERR_DATASET_FUNCTION.format(
          module=module.module_name, name=name, graph=graph_name))
    graph = getattr(graph, "outer_graph", None)


def _chain_getters(base: Callable[..., Any],
                   custom_getters: Iterable[Callable[..., Any]]) -> Callable[..., Any]:
  """Wraps `base` so that the last getter is called first (TF1 variable-scope order)."""
  getter = base
  for custom_getter in custom_getters:
    getter = functools.partial(custom_getter, getter)
  return getter


def getter_for_frame(frame: naming.Frame, base: Callable[..., Any] | None = None):
  """Returns the full getter chain for the innermost module of `frame`."""
  state = module_state.state_of(frame.module)
  if base is None:
    base = _ModuleVariableStore(frame, state)
  return _chain_getters(base, state.custom_getters)


def _made_by_module_store(frame: naming.Frame, state: module_state.ModuleState,
                          name: str) -> bool:
  """Whether the module's own store made the variable `name` (e.g. in a `tf.function`).

  TensorFlow's variable store does not know such a variable: it must not make another.
  """
  return _ModuleVariableStore(frame, state).key_for(name) in state.variable_specs


def record_tf1_variable(frame: naming.Frame, use_tf_store: bool,
                        getter: Callable[..., Any], name: str, *args: Any, **kwargs: Any
                        ) -> Any:
  """TF1 variable-scope custom getter for `tf.compat.v1.get_variable` inside a module.

  Args:
    frame: the module's frame.
    use_tf_store: True in a `tf.compat.v1` graph: TensorFlow's own variable store creates
      the variable (partitioners, collections as in TF1) and the module records it, unless
      the module's store made it before (in a `tf.function` traced in that graph).
      Otherwise (eager, `tf.function`) the module's store creates it, lifted out of traces.
    getter: TensorFlow's getter.
    name: the full variable name.
    *args: passed on.
    **kwargs: passed on.

  Returns:
    The variable (or what the module's custom getters make of it).
  """
  state = module_state.state_of(frame.module)
  state.mark_tf1_used()
  if not use_tf_store or _made_by_module_store(frame, state, name):
    return getter_for_frame(frame)(*args, name=name, **kwargs)

  def recording_getter(name, *args, **kwargs):
    variable = getter(name, *args, **kwargs)
    key = _ModuleVariableStore(frame, state).key_for(name)
    if key not in module_state.variables_of(frame.module):
      with tf.init_scope():
        state.record_variable(frame, key, variable, regularizer=kwargs.get("regularizer"))
    return variable

  chained = getter_for_frame(frame, base=recording_getter)
  return chained(*args, name=name, **kwargs)


@not_converted
def get_variable(name: str,
                 shape: Any = None,
                 dtype: Any = tf.float32,
                 initializer: Any = None,
                 regularizer: Callable[[Any], Any] | None = None,
                 partitioner: Callable[..., Any] | None = None,
                 trainable: bool = True,
                 collections: Sequence[str] | None = None,
                 **kwargs: Any) -> Any:
  """Creates a variable of the current module on first use, returns it afterwards.

  Call it inside `_build`, inside a method decorated with `snt.reuse_variables`, or inside
  a function wrapped by `snt.Module`. The variable is named `<module scope>/<name>` (e.g.
  `mlp/linear_0/w:0`).

  Args:
    name: the variable's name relative to the module (e.g. `"w"`).
    shape: the variable's shape; must be fully defined when the variable is created. May be
      None when `initializer` is a value (Tensor or array).
    dtype: the variable's dtype.
    initializer: a callable `initializer(shape, dtype=dtype)` returning the initial value,
      or the initial value itself. Default: Glorot uniform for floating dtypes, zeros
      otherwise (as `tf.compat.v1.get_variable`).
    regularizer: a callable `regularizer(variable) -> scalar Tensor` or None. The loss is
      available in every mode through `snt.get_regularization_loss(module)`, and also in
      `tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES` of the default graph (eagerly: the
      loss's value when the variable is created, as `tf.compat.v1.get_variable`).
    partitioner: a `tf.compat.v1` partitioner; only supported in `tf.compat.v1` graph mode.
    trainable: whether the variable is trainable.
    collections: the default graph's collections to add the variable to (default
      `GLOBAL_VARIABLES`, plus `TRAINABLE_VARIABLES` when trainable): in graph mode, and
      for eager variables under TF1 behaviour (`tf.compat.v1.disable_v2_behavior()`), as
      TF1's variable store; eager variables under TensorFlow 2 behaviour join none.
    **kwargs: passed on to custom getters (e.g. `synchronization`, `aggregation`).

  Returns:
    The variable, or whatever the custom getters of the module (and of the modules it is
    nested in) return for it, e.g. a `tf.stop_gradient` tensor. Under a mixed-precision
    policy (`snt.mixed_precision`), a request for a trainable variable in the compute
    dtype creates (or finds) a float32 variable and returns it cast to the compute dtype.

  Raises:
    snt.Error: if called outside any module.
    snt.IncompatibleShapeError: if the variable exists with another shape or dtype.
    snt.UnderspecifiedError: if the shape of a new variable is not fully defined.
    snt.NotSupportedError: if a partitioner is given outside `tf.compat.v1` graph mode.
    ValueError: if another method decorated with `snt.reuse_variables` owns the name.
  """
  frame = naming.current_frame()
  if frame is None:
    raise errors.Error(ERR_OUTSIDE_MODULE.format(name))
  state = frame.module.__dict__[module_state.STATE_ATTRIBUTE]  # state_of, inlined.
  if not state.custom_getters:
    # Fast path of a later call without custom getters: the base getter's own fast path
    # (the key is `name`), unless a 16-bit request needs the mixed-precision policy.
    spec = state.variable_specs.get(name)
    if (spec is not None and
        (dtype is None or (dtype is spec[2] and dtype is not tf.float16 and
                           dtype is not tf.bfloat16)) and
        (shape is None or (type(shape) in (list, tuple) and tuple(shape) == spec[1])) and
        state.variable_owners.get(name, frame.owner) == frame.owner):
      return spec[0]
  full_name = f"{state.scope_name}/{name}"
  getter = _chain_getters(_ModuleVariableStore(frame, state), state.custom_getters)
  # Mixed precision: a trainable variable asked for in the compute dtype is float32, read
  # in the compute dtype. (The policy is only looked up for 16-bit requests.)
  compute = (mixed_precision.compute_dtype()
             if trainable and dtype in mixed_precision.COMPUTE_DTYPES else None)
  if compute is not None and tf.as_dtype(dtype).base_dtype == compute:
    variable = getter(name=full_name, shape=shape, dtype=mixed_precision.VARIABLE_DTYPE,
                      initializer=initializer, regularizer=regularizer, trainable=trainable,
                      partitioner=partitioner, collections=collections, **kwargs)
    _note_returned(frame.module, state, name, variable)
    return mixed_precision.cast_read(variable, compute)
  variable = getter(name=full_name, shape=shape, dtype=dtype, initializer=initializer,
                    regularizer=regularizer, trainable=trainable, partitioner=partitioner,
                    collections=collections, **kwargs)
  _note_returned(frame.module, state, name, variable)
  return variable


def _note_returned(module: Any, state: module_state.ModuleState, key: str,
                   value: Any) -> None:
  """Records a variable the custom getters returned instead of the module's own `key`.

  Sonnet 1: properties such as `Linear.w` give what the latest call got: the renamed
  variable a custom getter made, or the tensor it returned (e.g. `tf.stop_gradient`), which
  belongs to the graph or function it was made in.
  """
  own = module.__dict__.get(module_state.VARIABLES_ATTRIBUTE, {}).get(key)
  if value is not own:
    state.returned[key] = value
  elif state.returned:
    state.returned.pop(key, None)


def get_regularization_loss(
    module_or_modules: Any | Sequence[Any],
    *,
    name: str = "regularization_loss") -> tf.Tensor:
  """Sums the regularization losses of the variables of modules and their sub-modules.

  Works in every mode: the losses are computed from the variables where this is called
  (eagerly, inside a `tf.function`, or in the current graph). In `tf.compat.v1` graph mode
  the same losses were also added to `tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES` when
  the variables were created.

  Args:
    module_or_modules: a module or a sequence of modules.
    name: the name of the returned op.

  Returns:
    A scalar float32 tensor (0.0 when there are no regularizers).

  Raises:
    TypeError: if an element is not a Sonnet module.
  """
  if isinstance(module_or_modules, (list, tuple)):
    roots = list(module_or_modules)
  else:
    roots = [module_or_modules]
  losses: list[tf.Tensor] = []
  seen = set()
  for root in roots:
    if not hasattr(root, module_state.VARIABLES_ATTRIBUTE):
      raise TypeError(f"get_regularization_loss expects Sonnet modules, got {root!r}.")
    for module in [root] + list(root.submodules):
      if id(module) in seen or not hasattr(module, module_state.STATE_ATTRIBUTE):
        continue
      seen.add(id(module))
      for key, regularizer in module_state.state_of(module).regularizers.items():
        loss = regularizer(module_state.variables_of(module)[key])
        if loss is not None:
          losses.append(tf.cast(loss, tf.float32))
  with tf.name_scope(name):
    if not losses:
      return tf.constant(0.0, dtype=tf.float32)
    return tf.add_n(losses)


def fan_in_stddev(fan_in: int) -> float:
  """Returns `1/sqrt(fan_in)`, Sonnet's default weight stddev."""
  return 1.0 / math.sqrt(max(int(fan_in), 1))
