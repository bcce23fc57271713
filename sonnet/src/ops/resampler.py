# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`resampler`: bilinear sampling of images at arbitrary points (C++ op).

The op library `_resampler_ops.so` is looked up next to this file (installed
wheel, or copied there by `tools/test.sh`), then in the source tree's
`bazel-bin/cc/`. It is loaded lazily, once, on first use, so `import sonnet`
never needs it. Before loading, the TensorFlow version and C++ ABI flag it was
compiled against (its build record `_build_info.json`) are compared with the
running TensorFlow: a library built for another TensorFlow would fail with
undefined symbols, or load and then crash.

SavedModels that contain the op need the library loaded before
`tf.saved_model.load`: call `snt.resampler_is_available()` first.
"""

import json
import os
import struct
import threading
from typing import Optional, Sequence

import tensorflow as tf

LIBRARY_NAME = "_resampler_ops.so"
BUILD_INFO_NAME = "_build_info.json"
OP_NAME = "Sonnet>Resampler"
GRAD_OP_NAME = "Sonnet>ResamplerGrad"

REBUILD_COMMAND = (
    "bash tools/test.sh (source tree), or ./configure && bazel build :install "
    "&& ./bazel-bin/install DIR && pip install DIR/*.whl")

MISSING_LIBRARY_MESSAGE = (
    "The Sonnet resampler op library {name} was not found; looked in: {paths}. "
    "Build it with: {command}")
MISSING_BUILD_INFO_MESSAGE = (
    "The Sonnet resampler op library {library} has no build record {info} "
    "next to it, so it cannot be checked against the running TensorFlow. "
    "Rebuild it with: {command}")
VERSION_MISMATCH_MESSAGE = (
    "The Sonnet resampler op library {library} was built against TensorFlow "
    "{built} (C++11 ABI flag {built_abi}), but the running TensorFlow is "
    "{running} (C++11 ABI flag {running_abi}); custom ops must be rebuilt for "
    "each TensorFlow release. Rebuild it with: {command}")
LOAD_FAILED_MESSAGE = (
    "The Sonnet resampler op library {library} could not be loaded: {error}. "
    "If it is corrupt or was built elsewhere, rebuild it with: {command}. "
    "An 'undefined symbol' error usually means a TensorFlow version or C++ ABI "
    "mismatch; 'libtensorflow_framework.so.2' missing means TensorFlow "
    "{expected} must be installed in this environment.")
TRUNCATED_LIBRARY_MESSAGE = (
    "The Sonnet resampler op library {library} is truncated: its ELF headers "
    "describe {extent} bytes, but the file has {size}. Loading it would crash "
    "the process, so it was not loaded. Rebuild it with: {command}")
ALREADY_REGISTERED_MESSAGE = (
    "The op {op} is already registered in this process by another copy of "
    "the library ({others}), so Sonnet's copy {library} was not loaded: "
    "loading a second copy registers its kernels twice, after which the op "
    "fails. Load the op library from one place only (let snt.resampler load "
    "it, rather than tf.load_op_library).")
NO_WRAPPERS_MESSAGE = (
    "The op {op} was already registered by another copy of the library, so "
    "{library} gave no Python wrappers. Load Sonnet's op library from one "
    "place only.")
UNSUPPORTED_DTYPE_MESSAGE = (
    "{function}: `{arg}` has dtype {dtype}, but must be float16, float32 or "
    "float64 (Value for attr 'T' of {cc_dtype} is not in the list of allowed "
    "values: half, float, double)")
DTYPE_MISMATCH_MESSAGE = (
    "{function}: `{arg}` has dtype {dtype}, but must have the dtype of "
    "`data`, {data_dtype}; inputs are not cast (cannot compute {op} as input "
    "#{index}(zero-based) was expected to be a {cc_data_dtype} tensor but is "
    "a {cc_dtype} tensor)")
SECOND_ORDER_MESSAGE = (
    "Second-order gradients of snt.resampler are not implemented (the op "
    "Sonnet>ResamplerGrad has no gradient).")


_SUPPORTED_DTYPES = (tf.float16, tf.float32, tf.float64)
# TensorFlow's C++ names, as its own errors print them.
_CC_DTYPE_NAMES = {tf.float16: "half", tf.float32: "float",
                   tf.float64: "double"}


def _cc_name(dtype: tf.DType) -> str:
  return _CC_DTYPE_NAMES.get(dtype, dtype.name)


def _dtype_error(function: str, op: str, inputs: Sequence[tuple[str, tf.Tensor]]
                ) -> Optional[tf.errors.InvalidArgumentError]:
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


def elf_extent(path: str) -> Optional[int]:
  """Bytes that a 64-bit little-endian ELF file's headers say it spans.

  The furthest of its header tables and of its segments' file contents. A
  truncated shared library can crash `dlopen` (a bus error on reading a
  mapped page past the end of the file) instead of failing cleanly.

  Args:
    path: the file.

  Returns:
    The extent in bytes, or None if the file is not such an ELF file (then
    `tf.load_op_library` reports what is wrong).

  Raises:
    OSError: the file cannot be read.
  """
  with open(path, "rb") as f:
    header = f.read(64)
    if len(header) < 64 or header[:4] != b"\x7fELF" or header[4:6] != b"\2\1":
      return None
    program_offset, section_offset = struct.unpack_from("<QQ", header, 0x20)
    (program_entry_size, program_count, section_entry_size,
     section_count) = struct.unpack_from("<HHHH", header, 0x36)
    program_table_size = program_entry_size * program_count
    extent = max(64, program_offset + program_table_size,
                 section_offset + section_entry_size * section_count)
    f.seek(program_offset)
    table = f.read(program_table_size)
    if len(table) < program_table_size or program_entry_size < 0x28:
      return extent
    for entry in range(program_count):
      # p_offset at 0x08 and p_filesz at 0x20 of each program header.
      offset, = struct.unpack_from("<Q", table, entry * program_entry_size + 8)
      file_size, = struct.unpack_from("<Q", table,
                                      entry * program_entry_size + 0x20)
      extent = max(extent, offset + file_size)
  return extent


def _op_is_registered(op: str) -> bool:
  """Whether `op` (one float input pair, attr T) is registered already.

  Imports a GraphDef that uses it into a throwaway graph: only a registered
  op imports. Any failure counts as not registered, so that the library is
  then loaded as usual.

  Args:
    op: the op's name.

  Returns:
    True if a GraphDef using the op imports.
  """
  graph_def = tf.compat.v1.GraphDef()
  for name in ("data", "warp"):
    node = graph_def.node.add(name=name, op="Placeholder")
    node.attr["dtype"].type = tf.float32.as_datatype_enum
  node = graph_def.node.add(name="probe", op=op, input=["data", "warp"])
  node.attr["T"].type = tf.float32.as_datatype_enum
  with tf.Graph().as_default():
    try:
      tf.graph_util.import_graph_def(graph_def, name="")
    except Exception:  # pylint: disable=broad-except
      return False
  return True


def _mapped_files() -> Optional[list[str]]:
  """Paths of the files mapped into this process, or None if unknown."""
  try:
    with open("/proc/self/maps") as f:
      lines = f.read().splitlines()
  except OSError:
    return None
  # Fields: address, perms, offset, device, inode, then the path if any.
  fields = (line.split(None, 5) for line in lines)
  return list(dict.fromkeys(f[5] for f in fields
                            if len(f) == 6 and f[5].startswith("/")))


def _other_copies(library: str) -> Optional[list[str]]:
  """Mapped copies of `library` at other paths, if `library` is not mapped.

  Args:
    library: path of the op library about to be loaded.

  Returns:
    None if `library` itself is mapped or the mappings are unknown (loading
    it then registers nothing twice), else the mapped files with its name
    (possibly none: a renamed copy).
  """
  mapped = _mapped_files()
  if mapped is None:
    return None
  own = os.stat(library)
  others = []
  for path in mapped:
    try:
      st = os.stat(path)
    except OSError:
      continue
    if (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino):
      return None
    if os.path.basename(path) == os.path.basename(library):
      others.append(path)
  return others


def _default_search_dirs() -> Sequence[str]:
  here = os.path.dirname(os.path.abspath(__file__))
  repo_root = os.path.dirname(os.path.dirname(os.path.dirname(here)))
  return (here, os.path.join(repo_root, "bazel-bin", "cc"))


def _major_minor(version: str) -> str:
  return ".".join(version.split(".")[:2])


class OpLibraryLoader:
  """Finds, checks and loads the op library once; thread-safe."""

  def __init__(self, search_dirs: Sequence[str]):
    self._search_dirs = tuple(search_dirs)
    self._lock = threading.Lock()
    self._module = None

  def find(self) -> str:
    """Returns the path of the first library found.

    Raises:
      ImportError: naming the directories searched if there is none.
    """
    for directory in self._search_dirs:
      path = os.path.join(directory, LIBRARY_NAME)
      if os.path.isfile(path):
        return path
    raise ImportError(MISSING_LIBRARY_MESSAGE.format(
        name=LIBRARY_NAME, paths=", ".join(self._search_dirs),
        command=REBUILD_COMMAND))

  def check_build_info(self, library_path: str) -> dict:
    """Compares the library's build record with the running TensorFlow.

    Args:
      library_path: path of the op library.

    Returns:
      The build record.

    Raises:
      ImportError: if the record is missing or unreadable, or names another
        TensorFlow release (major.minor) or C++ ABI.
    """
    info_path = os.path.join(os.path.dirname(library_path), BUILD_INFO_NAME)
    try:
      with open(info_path) as f:
        info = json.load(f)
      built = str(info["tf_version"])
      built_abi = int(info["cxx11_abi_flag"])
    except (OSError, ValueError, KeyError, TypeError) as e:
      raise ImportError(MISSING_BUILD_INFO_MESSAGE.format(
          library=library_path, info=info_path,
          command=REBUILD_COMMAND)) from e
    running = tf.__version__
    running_abi = int(tf.sysconfig.CXX11_ABI_FLAG)
    if _major_minor(built) != _major_minor(running) or built_abi != running_abi:
      raise ImportError(VERSION_MISMATCH_MESSAGE.format(
          library=library_path, built=built, built_abi=built_abi,
          running=running, running_abi=running_abi, command=REBUILD_COMMAND))
    return info

  def load(self):
    """Returns the loaded op module (its generated wrappers), loading once.

    Raises:
      ImportError: the library is missing, built for another TensorFlow,
        truncated, or does not load, or another copy of it is loaded already
        (a second copy would register its kernels twice). Failures are not
        cached: a later call retries.
    """
    module = self._module  # Set once, after loading: no lock needed to read.
    if module is not None:
      return module
    return self._load_once()

  # Called at most until the first success. Not converted by AutoGraph when
  # the first call is traced in a tf.function: it would try to convert
  # os.path functions and warn that their source cannot be found.
  @tf.autograph.experimental.do_not_convert
  def _load_once(self):
    with self._lock:
      if self._module is not None:
        return self._module
      path = self.find()
      info = self.check_build_info(path)
      try:
        extent, size = elf_extent(path), os.path.getsize(path)
      except OSError as e:
        raise ImportError(LOAD_FAILED_MESSAGE.format(
            library=path, error=str(e), command=REBUILD_COMMAND,
            expected=info["tf_version"])) from e
      if extent is not None and size < extent:
        raise ImportError(TRUNCATED_LIBRARY_MESSAGE.format(
            library=path, extent=extent, size=size, command=REBUILD_COMMAND))
      if _op_is_registered(OP_NAME):
        others = _other_copies(path)
        if others is not None:
          raise ImportError(ALREADY_REGISTERED_MESSAGE.format(
              op=OP_NAME, library=path,
              others=", ".join(others) or "under another file name"))
      try:
        module = tf.load_op_library(path)
      except (tf.errors.OpError, OSError) as e:
        raise ImportError(LOAD_FAILED_MESSAGE.format(
            library=path, error=getattr(e, "message", str(e)),
            command=REBUILD_COMMAND, expected=info["tf_version"])) from e
      if not hasattr(module, "sonnet_resampler"):
        raise ImportError(NO_WRAPPERS_MESSAGE.format(op=OP_NAME, library=path))
      _register_gradients(module)
      self._module = module
      return module


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
    try:
      tf.RegisterGradient(op_name)(fn)
    except KeyError:  # Already registered (e.g. the module was reloaded).
      pass
  _gradients_registered = True


_LOADER = OpLibraryLoader(_default_search_dirs())


def load_op_library():
  """Loads the op library (once) and returns its generated wrappers.

  Returns:
    The module returned by `tf.load_op_library`.

  Raises:
    ImportError: see `OpLibraryLoader.load`.
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
              name: Optional[str] = "resampler") -> tf.Tensor:
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
    data: float16, float32 or float64 tensor `[B, H, W, C]`.
    warp: tensor `[B, d_0, ..., d_n, 2]` of the same dtype (not cast). In
      float16, coordinates above 2048 are no longer exact: they round to a
      multiple of 2 (above 4096, of 4), so use float32 for large images.
    name: name scope of the op in graphs (`tf.function`, graph mode); eager
      ops have no names, so eager calls ignore it.

  Returns:
    Tensor `[B, d_0, ..., d_n, C]` of `data`'s dtype.

  Raises:
    ImportError: if the op library is missing or was built for another
      TensorFlow (the message says how to rebuild it).
    tf.errors.UnimplementedError: `data` is not 4-D, or `warp`'s last
      dimension is not 2 (at run time; eager raises at once).
    tf.errors.InvalidArgumentError: `warp` has rank < 2 or the batch sizes
      differ (at run time), or the dtypes differ or are not float16, float32
      or float64 (at once, in every mode; the message names the argument).
    ValueError: in graph mode, when static shapes already prove a batch
      mismatch.
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
    except tf.errors.InvalidArgumentError as e:
      # Checked only on failure, so valid calls pay nothing for it.
      error = _dtype_error("snt.resampler", OP_NAME,
                           (("data", data), ("warp", warp)))
      if error is None:
        raise
      raise error from e
  with tf.name_scope(name or "resampler"):
    data = tf.convert_to_tensor(data, name="data")
    warp = tf.convert_to_tensor(warp, name="warp")
    error = _dtype_error("snt.resampler", OP_NAME,
                         (("data", data), ("warp", warp)))
    if error is not None:
      raise error
    return module.sonnet_resampler(data=data, warp=warp, name="Resampler")


def resampler_grad(data: tf.Tensor, warp: tf.Tensor, grad_output: tf.Tensor,
                   name: Optional[str] = "resampler_grad"):
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
    tf.errors.InvalidArgumentError: the dtypes differ or are not float16,
      float32 or float64 (at once, in every mode).
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
