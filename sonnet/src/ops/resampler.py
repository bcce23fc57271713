# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`resampler`: bilinear sampling of images at arbitrary points (C++ op or builtin ops).

Two implementations compute the same thing: the C++ op `Sonnet>Resampler` (fast on
CPU, CPU kernels only, no XLA or TF Lite kernel) and `resampler_composite.py`, built
from builtin TensorFlow ops (XLA, TPU, GPU, TF Lite). `implementation="auto"` (the
default) runs the op where it runs on the CPU and the composite elsewhere; see
`resampler` and docs/spatial_transformer.md.

`import sonnet` loads the op library `_resampler_ops.so` once (about 15 ms), so that
a SavedModel containing the op loads with `tf.saved_model.load` right away; it never
needs the library: a missing or broken one is reported, with what to do, by the first
call of `snt.resampler` (which tries again). `op_library.OpLibraryLoader` finds it
(next to this file, then in the source tree's `bazel-bin/cc/`) and checks it against
the running TensorFlow before loading it. This module holds the op's wrappers, its
dtype and shape errors and its gradient registration.
"""

from collections.abc import Sequence
import contextlib
import threading
import warnings

import tensorflow as tf

from sonnet.src.ops import op_library
from sonnet.src.ops import resampler_composite

LIBRARY_NAME = "_resampler_ops.so"
OP_NAME = "Sonnet>Resampler"
GRAD_OP_NAME = "Sonnet>ResamplerGrad"
# What the loader's error messages call the library, and who should load it.
LIBRARY_DESCRIPTION = "Sonnet resampler op library"
ENTRY_POINT = "snt.resampler"

UNSUPPORTED_DTYPE_MESSAGE = (
    "{function}: `{arg}` has dtype {dtype}, but must be bfloat16, float16, "
    "float32 or float64 (Value for attr 'T' of {cc_dtype} is not in the list of "
    "allowed values: bfloat16, half, float, double)")
DTYPE_MISMATCH_MESSAGE = (
    "{function}: `{arg}` has dtype {dtype}, but must have the dtype of "
    "`data`, {data_dtype}; inputs are not cast (cannot compute {op} as input "
    "#{index}(zero-based) was expected to be a {cc_data_dtype} tensor but is "
    "a {cc_dtype} tensor)")
# Shape errors: the argument and both shapes, then TensorFlow's own text after "; ".
DATA_RANK_MESSAGE = (
    "{function}: data has shape {data} but must have rank 4, [batch, height, width, "
    "channels] (warp has shape {warp})")
WARP_RANK_MESSAGE = (
    "{function}: warp has shape {warp} but must have rank at least 2, [batch, ..., 2] "
    "(data has shape {data})")
WARP_LAST_DIM_MESSAGE = (
    "{function}: warp has shape {warp} but its last dimension must be 2 (data has shape "
    "{data})")
BATCH_MISMATCH_MESSAGE = (
    "{function}: warp has shape {warp} but its first (batch) dimension must be data's, "
    "{batch} (data has shape {data})")
# The kernel's texts (cc/resampler_kernels.cc), for errors found in static shapes while
# building a graph, before the kernel runs: the same text the kernel would give.
KERNEL_DATA_RANK_TEXT = (
    "Only bilinear interpolation is currently supported. The input data shape must be "
    "[batch_size, data_height, data_width, data_channels], but is: {data} "
    "(warp shape: {warp})")
KERNEL_WARP_RANK_TEXT = "warp should be at least a matrix, got shape {warp} (data shape: {data})"
KERNEL_WARP_LAST_DIM_TEXT = (
    "Only bilinear interpolation is supported, warping coordinates must be 2D; warp "
    "shape last entry should be 2, but shape vector is: {warp} (data shape: {data})")
KERNEL_BATCH_TEXT = (
    "Batch size of data and warp tensor must be the same, but input shapes are: {data}, "
    "{warp}")
KERNEL_GRAD_DATA_RANK_TEXT = (
    "Only bilinear interpolation is supported, the input data tensor must be a batch of "
    "2d data; data shape should have 4 entries corresponding to [batch_size, data_height, "
    "data_width, data_channels], but is: {data} (warp shape: {warp})")
KERNEL_GRAD_OUTPUT_TEXT = (
    "grad_output shape is not consistent with data and warp shapes; it should be "
    "{expected} but is {actual}")
SECOND_ORDER_MESSAGE = (
    "Second-order gradients of snt.resampler are not implemented (the op "
    "Sonnet>ResamplerGrad has no gradient).")


_SUPPORTED_DTYPES = (tf.bfloat16, tf.float16, tf.float32, tf.float64)
# TensorFlow's C++ names, as its own errors print them.
_CC_DTYPE_NAMES = {tf.float16: "half", tf.float32: "float",
                   tf.float64: "double"}


def _cc_name(dtype: tf.DType) -> str:
  return _CC_DTYPE_NAMES.get(dtype, dtype.name)


def _dtype_error(function: str, op: str, inputs: Sequence[tuple[str, tf.Tensor]]
                ) -> tf.errors.InvalidArgumentError | None:
  """The error for inputs of unsupported or differing dtypes, else None.

  The op's own checks raise `InvalidArgumentError` in eager mode but the
  generated wrapper raises `TypeError` while building a graph; this gives one
  error, naming the argument, in every mode.

  Args:
    function: the Python function's name, for the message.
    op: the op's name.
    inputs: (argument name, tensor) in the op's input order, `data` first.

  Returns:
    The error to raise, or None if the dtypes are fine.
  """
  data_dtype = inputs[0][1].dtype
  for index, (arg, tensor) in enumerate(inputs):
    if tensor.dtype not in _SUPPORTED_DTYPES:
      message = UNSUPPORTED_DTYPE_MESSAGE.format(
          function=function, arg=arg, dtype=tensor.dtype.name,
          cc_dtype=_cc_name(tensor.dtype))
      return tf.errors.InvalidArgumentError(None, None, message)
    if tensor.dtype != data_dtype:
      message = DTYPE_MISMATCH_MESSAGE.format(
          function=function, arg=arg, dtype=tensor.dtype.name,
          data_dtype=data_dtype.name, op=op, index=index,
          cc_data_dtype=_cc_name(data_dtype), cc_dtype=_cc_name(tensor.dtype))
      return tf.errors.InvalidArgumentError(None, None, message)
  return None


def _shape_text(shape: tf.TensorShape) -> str:
  return str(shape.as_list()) if shape.rank is not None else "<unknown>"


def _kernel_shape_text(shape: tf.TensorShape) -> str:
  return "[" + ",".join(str(d) for d in shape.as_list()) + "]"


def _shape_error(function: str, data_shape: tf.TensorShape, warp_shape: tf.TensorShape
                ) -> tuple[type[tf.errors.OpError], str, str, str] | None:
  """The first shape error the kernel will raise, as far as the shapes tell, else None.

  The checks are the kernel's (cc/resampler_kernels.cc `ValidateInputs`), in its order;
  unknown ranks and dimensions pass.

  Args:
    function: the Python function's name, for the message.
    data_shape: `data`'s (static or actual) shape.
    warp_shape: `warp`'s.

  Returns:
    (error class the kernel raises, our message, the kernel's own text, usable when the
    shapes are fully known, which check failed: "data_rank", "warp_rank",
    "warp_last_dim" or "batch") or None.
  """
  data_rank, warp_rank = data_shape.rank, warp_shape.rank
  texts = {"function": function, "data": _shape_text(data_shape),
           "warp": _shape_text(warp_shape)}
  # The kernel's text names both shapes: known only when both are fully defined.
  known = data_shape.is_fully_defined() and warp_shape.is_fully_defined()
  kernel_shapes = ({"data": _kernel_shape_text(data_shape),
                    "warp": _kernel_shape_text(warp_shape)} if known else {})
  if data_rank is not None and data_rank != 4:
    kernel = KERNEL_DATA_RANK_TEXT.format(**kernel_shapes) if known else ""
    return (tf.errors.UnimplementedError, DATA_RANK_MESSAGE.format(**texts), kernel,
            "data_rank")
  if warp_rank is not None and warp_rank < 2:
    kernel = KERNEL_WARP_RANK_TEXT.format(**kernel_shapes) if known else ""
    return (tf.errors.InvalidArgumentError, WARP_RANK_MESSAGE.format(**texts), kernel,
            "warp_rank")
  if warp_rank is not None and warp_shape[-1] is not None and warp_shape[-1] != 2:
    kernel = KERNEL_WARP_LAST_DIM_TEXT.format(**kernel_shapes) if known else ""
    return (tf.errors.UnimplementedError, WARP_LAST_DIM_MESSAGE.format(**texts), kernel,
            "warp_last_dim")
  if (data_rank is not None and warp_rank is not None and data_shape[0] is not None and
      warp_shape[0] is not None and data_shape[0] != warp_shape[0]):
    kernel = KERNEL_BATCH_TEXT.format(**kernel_shapes) if known else ""
    return (tf.errors.InvalidArgumentError,
            BATCH_MISMATCH_MESSAGE.format(batch=data_shape[0], **texts), kernel, "batch")
  return None


def _with_tf_text(message: str, tf_text: str) -> str:
  return f"{message}; {tf_text}" if tf_text else message


_gradients_registered = False


def _register_gradients(module) -> None:
  """Registers the gradient functions once per process."""
  global _gradients_registered
  if _gradients_registered:
    return

  def resampler_grad(op, grad_output):
    data, warp = op.inputs
    grad_data, grad_warp = module.sonnet_resampler_grad(
        data=data, warp=warp, grad_output=grad_output, name="ResamplerGrad")
    return [grad_data, grad_warp]

  def resampler_grad_grad(op, *unused_grads):
    raise NotImplementedError(SECOND_ORDER_MESSAGE)

  for op_name, fn in ((OP_NAME, resampler_grad),
                      (GRAD_OP_NAME, resampler_grad_grad)):
    with contextlib.suppress(KeyError):  # Already registered (e.g. the module was reloaded).
      tf.RegisterGradient(op_name)(fn)
  _gradients_registered = True


def make_loader(search_dirs: Sequence[str]) -> op_library.OpLibraryLoader:
  """A loader of the resampler op library that looks in `search_dirs`.

  Args:
    search_dirs: directories to look for `_resampler_ops.so` in, in order.

  Returns:
    A loader that registers the op's gradients when it loads the library.
  """
  return op_library.OpLibraryLoader(
      search_dirs, library_name=LIBRARY_NAME, op_name=OP_NAME, num_inputs=2,
      wrapper_name="sonnet_resampler", description=LIBRARY_DESCRIPTION,
      entry_point=ENTRY_POINT, on_load=_register_gradients)


_LOADER = make_loader(op_library.default_search_dirs())


def load_op_library():
  """Loads the op library (once) and returns its generated wrappers.

  Returns:
    The module returned by `tf.load_op_library`.

  Raises:
    ImportError: see `op_library.OpLibraryLoader.load`.
  """
  return _LOADER.load()


def resampler_is_available() -> bool:
  """Returns True if the resampler op library loads in this process.

  Loading it (which this does) also registers the op, so SavedModels that use
  it can be loaded afterwards.

  Returns:
    Whether `resampler` can be used.
  """
  try:
    _LOADER.load()
  except ImportError:
    return False
  return True


# The implementations `resampler` accepts: "auto" picks one of the other two per call.
IMPLEMENTATIONS = ("auto", "op", "composite")
ERR_IMPLEMENTATION = (
    "{function}: `implementation` must be one of 'auto', 'op' or 'composite', but is "
    "{value!r}")
# Warned once per process, when "auto" would run the op on the CPU but its library
# does not load.
ERR_FALLBACK_WARNING = (
    "snt.resampler: the C++ op is not available, so implementation='auto' uses the "
    "composite implementation (builtin TensorFlow ops; the same results, but slower on "
    "CPU). Pass implementation='composite' to choose it explicitly. The op library "
    "did not load: {error}")
# Runtime checks of the composite, for shapes unknown while building a graph.
ERR_COMPOSITE_DATA_RANK = "{function}: data must have rank 4, [batch, height, width, channels]"
ERR_COMPOSITE_WARP_RANK = "{function}: warp must have rank at least 2, [batch, ..., 2]"
ERR_COMPOSITE_WARP_LAST_DIM = "{function}: the last dimension of warp must be 2"
ERR_COMPOSITE_GRAD_OUTPUT = (
    "resampler_grad: grad_output shape is not consistent with data and warp shapes; it "
    "should be")
ERR_COMPOSITE_BATCH = (
    "{function}: Batch size of data and warp tensor must be the same (the first "
    "dimensions of data and warp)")


# `tf.__internal__.get_enclosing_xla_context` is how code outside TensorFlow can tell
# that it is being traced for XLA: TensorFlow has no public API for it (a tf.function's
# `jit_compile` is not visible while its body is traced). Keras and other libraries use
# it. If a TensorFlow release drops it, "auto" cannot see XLA and picks the op there,
# whose error then says the op has no XLA kernel; implementation="composite" still works.
_get_enclosing_xla_context = getattr(
    getattr(tf, "__internal__", None), "get_enclosing_xla_context", None)
_get_device_name = getattr(getattr(getattr(tf, "__internal__", None), "eager_context", None),
                           "get_device_name", None)


def in_xla_compilation() -> bool:
  """Whether ops created now are compiled by XLA.

  True while tracing a `tf.function(jit_compile=True)` (or a function it calls) and
  in TPU computations (`TPUStrategy.run`), which are XLA compilations too.

  Returns:
    True inside an XLA compilation context.
  """
  if _get_enclosing_xla_context is None or tf.executing_eagerly():
    return False
  return _get_enclosing_xla_context() is not None


_device_types: dict[str, str] = {}


def _device_type(device: str) -> str:
  """The device type of a device string ("CPU", "GPU", "TPU"; "" if it names none)."""
  device_type = _device_types.get(device)
  if device_type is None:
    device_type = (tf.DeviceSpec.from_string(device).device_type or "").upper()
    _device_types[device] = device_type
  return device_type


_accelerator_visible_cache: list[bool] = []


def _accelerator_visible() -> bool:
  """Whether TensorFlow may place ops on a GPU or TPU here.

  Does not initialize the runtime, so that a graph can be built before
  `tf.config.set_visible_devices`. Remembered from the first eager call on: an eager
  call initializes the runtime, after which the visible devices cannot change (and
  asking costs about 2 us of the eager call's 10).

  Returns:
    True if a GPU or TPU is visible.
  """
  if _accelerator_visible_cache:
    return _accelerator_visible_cache[0]
  visible = bool(tf.config.get_visible_devices("GPU") or
                 tf.config.get_visible_devices("TPU"))
  if tf.executing_eagerly():
    _accelerator_visible_cache.append(visible)
  return visible


def op_would_run_on_cpu() -> bool:
  """Whether an op created now, with no GPU kernel, would run on the CPU by choice.

  The device scope decides (`with tf.device(...)`, in eager mode, `tf.function` and
  `tf.compat.v1` graphs); with none, or one naming no device type, the CPU counts as
  the choice only where no GPU or TPU is visible: otherwise the rest of the model runs
  on the accelerator, and the op would copy its inputs to the host and back.

  Returns:
    True if the op would run on the CPU by choice.
  """
  device = _get_device_name() if _get_device_name is not None else ""
  if not device and not tf.executing_eagerly() and not tf.inside_function():
    # A tf.compat.v1 graph keeps its device scopes on the graph: only an op created
    # under them shows them (a NoOp that nothing runs). Within a tf.function,
    # tf.device sets the context's device too.
    device = tf.no_op(name="device_probe").device
  device_type = _device_type(device) if device else ""
  if device_type:
    return device_type == "CPU"
  return not _accelerator_visible()


class ResamplerFallbackWarning(UserWarning):
  """`implementation="auto"` uses the composite because the op library does not load."""


_fallback_warned = False
_fallback_lock = threading.Lock()


def _warn_fallback_once(error: ImportError, stacklevel: int) -> None:
  global _fallback_warned
  with _fallback_lock:
    if _fallback_warned:
      return
    _fallback_warned = True
  warnings.warn(ERR_FALLBACK_WARNING.format(error=error), ResamplerFallbackWarning,
                stacklevel=stacklevel)


def _check_implementation(function: str, implementation: str) -> None:
  if not isinstance(implementation, str) or implementation not in IMPLEMENTATIONS:
    raise ValueError(ERR_IMPLEMENTATION.format(function=function, value=implementation))


def _op_module_for(implementation: str, stacklevel: int = 3):
  """The op's wrappers if `implementation` runs the op here, else None (the composite).

  Args:
    implementation: a checked value of `IMPLEMENTATIONS`.
    stacklevel: the frame the fallback warning points at, counted from this
      function's (3: the caller of the function that called this one).

  Returns:
    The loaded op module, or None.

  Raises:
    ImportError: for "op", if the library does not load.
  """
  if implementation == "composite":
    return None
  if implementation == "op":
    return load_op_library()
  if in_xla_compilation() or not op_would_run_on_cpu():
    return None
  try:
    return load_op_library()
  except ImportError as e:
    _warn_fallback_once(e, stacklevel + 1)
    return None


# Eager calls: (implementation, device of the call) -> the op module, or None for
# the composite. In eager mode the choice depends on nothing else (no XLA context;
# the visible devices are fixed once the runtime started), so it is made once per
# key: a call then skips the device parsing and the loader. A failed load is never
# remembered, so that "op" raises the loader's error each time and "auto" tries again.
_eager_modules: dict[tuple[str, str], object] = {}


def _eager_op_module(implementation: str):
  """`_op_module_for(implementation)` for an eager call, remembered per device."""
  key = (implementation, _get_device_name() if _get_device_name is not None else "")
  try:
    return _eager_modules[key]
  except (KeyError, TypeError):  # TypeError: an unhashable `implementation`.
    pass
  _check_implementation(ENTRY_POINT, implementation)
  module = _op_module_for(implementation, stacklevel=4)
  if module is not None or implementation == "composite" or not op_would_run_on_cpu():
    # Not a failed load (that one warns, and is tried again next time).
    _eager_modules[key] = module
  return module


def _composite_checks(function: str, data: tf.Tensor, warp: tf.Tensor,
                      for_grad: bool = False) -> list[tf.Operation]:
  """Raises the op's errors for shapes known now; returns run-time checks for the rest.

  The composite cannot leave errors to a kernel: static shape problems raise here, in
  every mode, with the texts the op path gives while building a `tf.function` (in
  eager mode, its eager error classes and texts).

  Args:
    function: the Python function's name, for the messages.
    data: `data`, converted.
    warp: `warp`, converted.
    for_grad: the checks of the gradient op (its data-rank text differs).

  Returns:
    Assertions for what only the run-time shapes can tell (graph mode only).

  Raises:
    tf.errors.UnimplementedError, tf.errors.InvalidArgumentError, ValueError: as the
      op path does.
  """
  problem = _shape_error(function, data.shape, warp.shape)
  if problem is not None:
    error_class, message, kernel_text, kind = problem
    if kind == "data_rank" and for_grad and kernel_text:
      kernel_text = KERNEL_GRAD_DATA_RANK_TEXT.format(
          data=_kernel_shape_text(data.shape), warp=_kernel_shape_text(warp.shape))
    if kind == "batch" and not tf.executing_eagerly():
      # While building a graph the op's shape function raises this as a ValueError.
      raise ValueError(_with_tf_text(message, kernel_text))
    raise error_class(None, None, _with_tf_text(message, kernel_text))
  if tf.executing_eagerly():
    return []
  checks = []
  texts = {"function": function}
  if data.shape.rank is None:
    checks.append(tf.debugging.assert_rank(
        data, 4, message=ERR_COMPOSITE_DATA_RANK.format(**texts)))
  if warp.shape.rank is None:
    checks.append(tf.debugging.assert_rank_at_least(
        warp, 2, message=ERR_COMPOSITE_WARP_RANK.format(**texts)))
  if warp.shape.rank is None or warp.shape[-1] is None:
    checks.append(tf.debugging.assert_equal(
        tf.shape(warp)[-1], 2, message=ERR_COMPOSITE_WARP_LAST_DIM.format(**texts)))
  if (data.shape.rank is None or warp.shape.rank is None or data.shape[0] is None or
      warp.shape[0] is None):
    checks.append(tf.debugging.assert_equal(
        tf.shape(data)[0], tf.shape(warp)[0],
        message=ERR_COMPOSITE_BATCH.format(**texts)))
  return [check for check in checks if check is not None]


def _with_checks(checks: list[tf.Operation], tensor: tf.Tensor) -> tf.Tensor:
  if not checks:
    return tensor
  with tf.control_dependencies(checks):
    return tf.identity(tensor)


def resampler(data: tf.Tensor,
              warp: tf.Tensor,
              name: str | None = "resampler",
              *,
              implementation: str = "auto") -> tf.Tensor:
  """Samples `data` bilinearly at the points `warp`.

  `warp[..., 0]` is x (the column, along width) and `warp[..., 1]` is y (the
  row, along height), in pixels, with pixel centres at integer coordinates.
  Each of the four corners outside the image counts as zero, so the output is
  exactly 0 unless -1 < x < W and -1 < y < H and fades linearly to 0 within one
  pixel outside the image; an identity warp returns `data` exactly. Gradients
  flow to both `data` and `warp`; at integer coordinates the warp gradient is
  the forward difference, and points outside the range get zero gradient.
  Second-order gradients are not implemented for the op (the composite has
  them: TensorFlow's gradients of its graph).

  Implementations (`implementation`):

  * "op": the C++ op `Sonnet>Resampler` (CPU kernels; fastest on CPU). It has
    no XLA kernel and is no TF Lite builtin, and needs the op library.
  * "composite": the same maths with builtin TensorFlow ops
    (`resampler_composite.py`): runs under XLA (`tf.function(jit_compile=True)`,
    TPUs), on GPUs and in TF Lite, and needs no op library. The same results
    to rounding (float32: about 1e-7 relative; float16 is computed in float32,
    as the op does).
  * "auto" (default): the op where it would run on the CPU and its library
    loads; the composite inside an XLA compilation (jit_compile, TPU), under a
    non-CPU device scope (`tf.device("/GPU:0")`, a TPU), with no device scope
    where a GPU or TPU is visible, or when the library does not load (then it
    warns once, with the loader's error). It cannot know that a graph will be
    converted to TF Lite: pass "composite" for models you will convert.

  Args:
    data: bfloat16, float16, float32 or float64 tensor `[B, H, W, C]`
      (bfloat16 and float16 are computed in float32).
    warp: tensor `[B, d_0, ..., d_n, 2]` of the same dtype (not cast). In
      float16, coordinates above 2048 are no longer exact: they round to a
      multiple of 2 (above 4096, of 4), in bfloat16 already above 256, so use
      float32 for large images.
    name: name scope of the op in graphs (`tf.function`, graph mode); eager
      ops have no names, so eager calls ignore it.
    implementation: "auto", "op" or "composite" (keyword only).

  Returns:
    Tensor `[B, d_0, ..., d_n, C]` of `data`'s dtype.

  Raises:
    ValueError: `implementation` is not one of the three; or, while building a
      graph, when static shapes already prove a batch mismatch.
    ImportError: for "op", if the op library is missing or was built for
      another TensorFlow (the message says how to rebuild it).
    tf.errors.UnimplementedError: `data` is not 4-D, or `warp`'s last
      dimension is not 2.
    tf.errors.InvalidArgumentError: `warp` has rank < 2 or the batch sizes
      differ, or the dtypes differ or are not bfloat16, float16, float32 or
      float64 (at once, in every mode; the message names the argument).

  Shape errors name the argument and give both shapes before TensorFlow's own
  text: eagerly, and while tracing a `tf.function` when the static shapes
  already show the problem (then raised at trace time), and for a batch
  mismatch in static shapes in a `tf.compat.v1` graph. Shapes known only at
  run time, and other shape errors in a `tf.compat.v1` graph (raised by
  `Session.run`, as in Sonnet 1), give TensorFlow's text alone. The composite
  raises the same errors, except that it raises static shape errors while
  building a `tf.compat.v1` graph too, and checks shapes known only at run time
  with assertions of its own.
  """
  if tf.executing_eagerly():
    # Also checks `implementation` (a valid one is a key only once checked).
    module = _eager_op_module(implementation)
    # Eager ops ignore name scopes: skipping the scope takes the call from
    # about 17 us to 9. Each input is converted on its own, as in graph mode
    # (the generated wrapper would cast a Python warp to data's dtype).
    if not isinstance(data, tf.Tensor):
      data = tf.convert_to_tensor(data)
    if not isinstance(warp, tf.Tensor):
      warp = tf.convert_to_tensor(warp)
    if module is None:
      return _composite_forward(data, warp)
    try:
      return module.sonnet_resampler(data=data, warp=warp, name="Resampler")
    except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError) as e:
      # Checked only on failure, so valid calls pay nothing for it.
      error = _dtype_error("snt.resampler", OP_NAME,
                           (("data", data), ("warp", warp)))
      if error is not None:
        raise error from e
      problem = _shape_error("snt.resampler", data.shape, warp.shape)
      if problem is None or not isinstance(e, problem[0]):
        raise
      raise type(e)(None, None, _with_tf_text(problem[1], e.message)) from e
  _check_implementation(ENTRY_POINT, implementation)
  with tf.name_scope(name or "resampler"):
    module = _op_module_for(implementation)
    data = tf.convert_to_tensor(data, name="data")
    warp = tf.convert_to_tensor(warp, name="warp")
    if module is None:
      return _composite_forward(data, warp)
    error = _dtype_error("snt.resampler", OP_NAME,
                         (("data", data), ("warp", warp)))
    if error is not None:
      raise error
    problem = _shape_error("snt.resampler", data.shape, warp.shape)
    try:
      output = module.sonnet_resampler(data=data, warp=warp, name="Resampler")
    except ValueError as e:  # The op's shape function: a batch mismatch.
      if problem is None:
        raise
      raise ValueError(_with_tf_text(problem[1], str(e))) from e
    if problem is not None and tf.inside_function():
      # Tracing a tf.function: the kernel would raise this at run time, static shapes
      # tell it now. (A tf.compat.v1 graph keeps Sonnet 1's behaviour: the graph builds
      # and Session.run raises the kernel's error.)
      error_class, message, kernel_text, _ = problem
      raise error_class(None, None, _with_tf_text(message, kernel_text))
    return output


def _composite_forward(data: tf.Tensor, warp: tf.Tensor) -> tf.Tensor:
  """The composite with the op's checks; `data` and `warp` are tensors."""
  error = _dtype_error("snt.resampler", OP_NAME, (("data", data), ("warp", warp)))
  if error is not None:
    raise error
  checks = _composite_checks("snt.resampler", data, warp)
  return resampler_composite.resampler_composite(_with_checks(checks, data), warp)


def _grad_output_shape_check(data: tf.Tensor, warp: tf.Tensor,
                             grad_output: tf.Tensor) -> tf.Operation:
  """Asserts at run time that grad_output's shape is warp's[:-1] + [C]."""
  actual = tf.shape(grad_output)
  expected = tf.concat([tf.shape(warp)[:-1], tf.shape(data)[-1:]], 0)
  size = tf.maximum(tf.size(actual), tf.size(expected))
  same = tf.equal(tf.size(actual), tf.size(expected)) & tf.reduce_all(tf.equal(
      tf.pad(actual, [[0, size - tf.size(actual)]]),
      tf.pad(expected, [[0, size - tf.size(expected)]])))
  return tf.debugging.Assert(same, [ERR_COMPOSITE_GRAD_OUTPUT, expected, "but is", actual])


def resampler_grad(data: tf.Tensor, warp: tf.Tensor, grad_output: tf.Tensor,
                   name: str | None = "resampler_grad", *,
                   implementation: str = "auto"):
  """Computes the resampler's gradients directly: returns `(grad_data, grad_warp)`.

  Args:
    data: `[B, H, W, C]`.
    warp: `[B, ..., 2]`.
    grad_output: `[B, ..., C]`, the gradient of the resampler's output.
    name: name scope of the op.
    implementation: "auto", "op" or "composite", chosen as in `resampler`; the
      composite's gradients are TensorFlow's gradients of its graph.

  Returns:
    Tuple of tensors shaped like `data` and `warp`.

  Raises:
    ValueError: `implementation` is not one of the three.
    ImportError: for "op", if the op library cannot be loaded.
    tf.errors.InvalidArgumentError: the dtypes differ or are not bfloat16,
      float16, float32 or float64 (at once, in every mode).
    tf.errors.OpError: on other invalid inputs (the same checks as
      `resampler`, and `grad_output` must have shape
      `warp.shape[:-1] + [C]`).
  """
  _check_implementation("resampler_grad", implementation)
  with tf.name_scope(name or "resampler_grad"):
    module = _op_module_for(implementation)
    inputs = (("data", tf.convert_to_tensor(data, name="data")),
              ("warp", tf.convert_to_tensor(warp, name="warp")),
              ("grad_output",
               tf.convert_to_tensor(grad_output, name="grad_output")))
    error = _dtype_error("resampler_grad", GRAD_OP_NAME, inputs)
    if error is not None:
      raise error
    data, warp, grad_output = (tensor for _, tensor in inputs)
    if module is not None:
      return tuple(module.sonnet_resampler_grad(
          data=data, warp=warp, grad_output=grad_output, name="ResamplerGrad"))
    checks = _composite_checks("resampler_grad", data, warp, for_grad=True)
    expected = warp.shape[:-1].concatenate(data.shape[-1:])
    if (expected.is_fully_defined() and grad_output.shape.rank is not None and
        grad_output.shape.is_fully_defined() and expected != grad_output.shape):
      raise tf.errors.InvalidArgumentError(None, None, KERNEL_GRAD_OUTPUT_TEXT.format(
          expected=_kernel_shape_text(expected),
          actual=_kernel_shape_text(grad_output.shape)))
    if not tf.executing_eagerly():
      checks.append(_grad_output_shape_check(data, warp, grad_output))
    data = _with_checks(checks, data)
    with tf.GradientTape() as tape:
      tape.watch([data, warp])
      output = resampler_composite.resampler_composite(data, warp)
    grad_data, grad_warp = tape.gradient(output, [data, warp],
                                         output_gradients=grad_output)
    return grad_data, grad_warp


def _register_op_at_import() -> None:
  """Loads the op library if it loads, so SavedModels using the op load after import."""
  with contextlib.suppress(Exception):  # Reported again, and retried, by the first call.
    load_op_library()


_register_op_at_import()
