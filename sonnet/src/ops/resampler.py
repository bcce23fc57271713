# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`resampler`: bilinear sampling of images at arbitrary points (C++ op).

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

import tensorflow as tf

from sonnet.src.ops import op_library

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
                ) -> tuple[type[tf.errors.OpError], str, str] | None:
  """The first shape error the kernel will raise, as far as the shapes tell, else None.

  The checks are the kernel's (cc/resampler_kernels.cc `ValidateInputs`), in its order;
  unknown ranks and dimensions pass.

  Args:
    function: the Python function's name, for the message.
    data_shape: `data`'s (static or actual) shape.
    warp_shape: `warp`'s.

  Returns:
    (error class the kernel raises, our message, the kernel's own text, usable when the
    shapes are fully known) or None.
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
    return (tf.errors.UnimplementedError, DATA_RANK_MESSAGE.format(**texts), kernel)
  if warp_rank is not None and warp_rank < 2:
    kernel = KERNEL_WARP_RANK_TEXT.format(**kernel_shapes) if known else ""
    return (tf.errors.InvalidArgumentError, WARP_RANK_MESSAGE.format(**texts), kernel)
  if warp_rank is not None and warp_shape[-1] is not None and warp_shape[-1] != 2:
    kernel = KERNEL_WARP_LAST_DIM_TEXT.format(**kernel_shapes) if known else ""
    return (tf.errors.UnimplementedError, WARP_LAST_DIM_MESSAGE.format(**texts), kernel)
  if (data_rank is not None and warp_rank is not None and data_shape[0] is not None and
      warp_shape[0] is not None and data_shape[0] != warp_shape[0]):
    return (tf.errors.InvalidArgumentError,
            BATCH_MISMATCH_MESSAGE.format(batch=data_shape[0], **texts), "")
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


def resampler(data: tf.Tensor,
              warp: tf.Tensor,
              name: str | None = "resampler") -> tf.Tensor:
  """Samples `data` bilinearly at the points `warp`.

  `warp[..., 0]` is x (the column, along width) and `warp[..., 1]` is y (the
  row, along height), in pixels, with pixel centres at integer coordinates.
  Each of the four corners outside the image counts as zero, so the output is
  exactly 0 unless -1 < x < W and -1 < y < H and fades linearly to 0 within one
  pixel outside the image; an identity warp returns `data` exactly. Gradients
  flow to both `data` and `warp`; at integer coordinates the warp gradient is
  the forward difference, and points outside the range get zero gradient.
  Second-order gradients are not implemented.

  Args:
    data: bfloat16, float16, float32 or float64 tensor `[B, H, W, C]`
      (bfloat16 and float16 are computed in float32).
    warp: tensor `[B, d_0, ..., d_n, 2]` of the same dtype (not cast). In
      float16, coordinates above 2048 are no longer exact: they round to a
      multiple of 2 (above 4096, of 4), in bfloat16 already above 256, so use
      float32 for large images.
    name: name scope of the op in graphs (`tf.function`, graph mode); eager
      ops have no names, so eager calls ignore it.

  Returns:
    Tensor `[B, d_0, ..., d_n, C]` of `data`'s dtype.

  Raises:
    ImportError: if the op library is missing or was built for another
      TensorFlow (the message says how to rebuild it).
    tf.errors.UnimplementedError: `data` is not 4-D, or `warp`'s last
      dimension is not 2.
    tf.errors.InvalidArgumentError: `warp` has rank < 2 or the batch sizes
      differ, or the dtypes differ or are not bfloat16, float16, float32 or
      float64 (at once, in every mode; the message names the argument).
    ValueError: while building a graph, when static shapes already prove a
      batch mismatch.

  Shape errors name the argument and give both shapes before TensorFlow's own
  text: eagerly, and while tracing a `tf.function` when the static shapes
  already show the problem (then raised at trace time), and for a batch
  mismatch in static shapes in a `tf.compat.v1` graph. Shapes known only at
  run time, and other shape errors in a `tf.compat.v1` graph (raised by
  `Session.run`, as in Sonnet 1), give TensorFlow's text alone.
  """
  module = load_op_library()
  if tf.executing_eagerly():
    # Eager ops ignore name scopes: skipping the scope takes the call from
    # about 17 us to 9. Each input is converted on its own, as in graph mode
    # (the generated wrapper would cast a Python warp to data's dtype).
    if not isinstance(data, tf.Tensor):
      data = tf.convert_to_tensor(data)
    if not isinstance(warp, tf.Tensor):
      warp = tf.convert_to_tensor(warp)
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
  with tf.name_scope(name or "resampler"):
    data = tf.convert_to_tensor(data, name="data")
    warp = tf.convert_to_tensor(warp, name="warp")
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
      error_class, message, kernel_text = problem
      raise error_class(None, None, _with_tf_text(message, kernel_text))
    return output


def resampler_grad(data: tf.Tensor, warp: tf.Tensor, grad_output: tf.Tensor,
                   name: str | None = "resampler_grad"):
  """Calls the gradient op directly: returns `(grad_data, grad_warp)`.

  Args:
    data: `[B, H, W, C]`.
    warp: `[B, ..., 2]`.
    grad_output: `[B, ..., C]`, the gradient of the resampler's output.
    name: name scope of the op.

  Returns:
    Tuple of tensors shaped like `data` and `warp`.

  Raises:
    ImportError: if the op library cannot be loaded.
    tf.errors.InvalidArgumentError: the dtypes differ or are not bfloat16,
      float16, float32 or float64 (at once, in every mode).
    tf.errors.OpError: on other invalid inputs (the same checks as
      `resampler`, and `grad_output` must have shape
      `warp.shape[:-1] + [C]`).
  """
  module = load_op_library()
  with tf.name_scope(name or "resampler_grad"):
    inputs = (("data", tf.convert_to_tensor(data, name="data")),
              ("warp", tf.convert_to_tensor(warp, name="warp")),
              ("grad_output",
               tf.convert_to_tensor(grad_output, name="grad_output")))
    error = _dtype_error("resampler_grad", GRAD_OP_NAME, inputs)
    if error is not None:
      raise error
    data, warp, grad_output = (tensor for _, tensor in inputs)
    return tuple(module.sonnet_resampler_grad(
        data=data, warp=warp, grad_output=grad_output, name="ResamplerGrad"))


def _register_op_at_import() -> None:
  """Loads the op library if it loads, so SavedModels using the op load after import."""
  with contextlib.suppress(Exception):  # Reported again, and retried, by the first call.
    load_op_library()


_register_op_at_import()
