# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Finds, checks and loads one of Sonnet's C++ op libraries, lazily and once.

An op library is looked up next to this file (installed wheel, or copied there
by `tools/test.sh`), then in the source tree's `bazel-bin/cc/`. Before loading,
the TensorFlow version and C++ ABI flag it was compiled against (its build
record `_build_info.json`) are compared with the running TensorFlow: a library
built for another TensorFlow would fail with undefined symbols, or load and
then crash. A truncated file, or a second copy of a library whose op is already
registered in the process, is refused before `tf.load_op_library` sees it:
either would crash the process or break the op.

Each op module creates one `OpLibraryLoader` for its library (see
`resampler.py`); this module knows no particular op.
"""

from collections.abc import Callable, Sequence
import json
import os
import struct
import threading
from typing import Any

import tensorflow as tf

BUILD_INFO_NAME = "_build_info.json"

REBUILD_COMMAND = (
    "bash tools/test.sh (source tree), or ./configure && bazel build :install "
    "&& ./bazel-bin/install DIR && pip install DIR/*.whl")

# `{description}` is the library's description, e.g. "Sonnet resampler op
# library"; `{entry_point}` the public function that loads it.
MISSING_LIBRARY_MESSAGE = (
    "The {description} {name} was not found; looked in: {paths}. "
    "Build it with: {command}")
MISSING_BUILD_INFO_MESSAGE = (
    "The {description} {library} has no build record {info} "
    "next to it, so it cannot be checked against the running TensorFlow. "
    "Rebuild it with: {command}")
VERSION_MISMATCH_MESSAGE = (
    "The {description} {library} was built against TensorFlow "
    "{built} (C++11 ABI flag {built_abi}), but the running TensorFlow is "
    "{running} (C++11 ABI flag {running_abi}); custom ops must be rebuilt for "
    "each TensorFlow release. Rebuild it with: {command}")
LOAD_FAILED_MESSAGE = (
    "The {description} {library} could not be loaded: {error}. "
    "If it is corrupt or was built elsewhere, rebuild it with: {command}. "
    "An 'undefined symbol' error usually means a TensorFlow version or C++ ABI "
    "mismatch; 'libtensorflow_framework.so.2' missing means TensorFlow "
    "{expected} must be installed in this environment.")
TRUNCATED_LIBRARY_MESSAGE = (
    "The {description} {library} is truncated: its ELF headers "
    "describe {extent} bytes, but the file has {size}. Loading it would crash "
    "the process, so it was not loaded. Rebuild it with: {command}")
ALREADY_REGISTERED_MESSAGE = (
    "The op {op} is already registered in this process by another copy of "
    "the library ({others}), so Sonnet's copy {library} was not loaded: "
    "loading a second copy registers its kernels twice, after which the op "
    "fails. Load the op library from one place only (let {entry_point} load "
    "it, rather than tf.load_op_library).")
NO_WRAPPERS_MESSAGE = (
    "The op {op} was already registered by another copy of the library, so "
    "{library} gave no Python wrappers. Load Sonnet's op library from one "
    "place only.")


def elf_extent(path: str) -> int | None:
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


def _op_is_registered(op: str, num_inputs: int) -> bool:
  """Whether `op` (`num_inputs` float inputs, attr T) is registered already.

  Imports a GraphDef that uses it into a throwaway graph: only a registered
  op imports. Any failure counts as not registered, so that the library is
  then loaded as usual.

  Args:
    op: the op's name.
    num_inputs: how many inputs the op has, all of the type attr `T`.

  Returns:
    True if a GraphDef using the op imports.
  """
  graph_def = tf.compat.v1.GraphDef()
  inputs = ["input_%d" % i for i in range(num_inputs)]
  for name in inputs:
    node = graph_def.node.add(name=name, op="Placeholder")
    node.attr["dtype"].type = tf.float32.as_datatype_enum
  node = graph_def.node.add(name="probe", op=op, input=inputs)
  node.attr["T"].type = tf.float32.as_datatype_enum
  with tf.Graph().as_default():
    try:
      tf.graph_util.import_graph_def(graph_def, name="")
    except Exception:
      return False
  return True


def _mapped_files() -> list[str] | None:
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


def _other_copies(library: str) -> list[str] | None:
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


def default_search_dirs() -> Sequence[str]:
  """This directory, then the source tree's `bazel-bin/cc/`.

  Returns:
    The directories an op library is looked up in, in order.
  """
  here = os.path.dirname(os.path.abspath(__file__))
  repo_root = os.path.dirname(os.path.dirname(os.path.dirname(here)))
  return (here, os.path.join(repo_root, "bazel-bin", "cc"))


def _major_minor(version: str) -> str:
  return ".".join(version.split(".")[:2])


class OpLibraryLoader:
  """Finds, checks and loads one op library once; thread-safe."""

  def __init__(self,
               search_dirs: Sequence[str],
               *,
               library_name: str,
               op_name: str,
               num_inputs: int,
               wrapper_name: str,
               description: str,
               entry_point: str,
               on_load: Callable[[Any], None] | None = None):
    """Creates a loader; nothing is read until `load` is called.

    Args:
      search_dirs: directories to look for the library in, in order.
      library_name: the library's file name, e.g. `_resampler_ops.so`.
      op_name: one op the library registers, probed to detect another copy
        of the library loaded already.
      num_inputs: how many inputs `op_name` has, all of the type attr `T`
        (which must accept float32), for that probe.
      wrapper_name: the generated Python wrapper of `op_name` that the loaded
        module must have, e.g. `sonnet_resampler`.
      description: what the library is, for error messages, e.g. "Sonnet
        resampler op library".
      entry_point: the public function that loads the library, named in the
        error about a second copy, e.g. "snt.resampler".
      on_load: called with the loaded module once, before `load` first
        returns it (e.g. to register gradients); an exception it raises
        fails that load.
    """
    self._search_dirs = tuple(search_dirs)
    self._library_name = library_name
    self._op_name = op_name
    self._num_inputs = num_inputs
    self._wrapper_name = wrapper_name
    self._description = description
    self._entry_point = entry_point
    self._on_load = on_load
    self._lock = threading.Lock()
    self._module = None

  def find(self) -> str:
    """Returns the path of the first library found.

    Raises:
      ImportError: naming the directories searched if there is none.
    """
    for directory in self._search_dirs:
      path = os.path.join(directory, self._library_name)
      if os.path.isfile(path):
        return path
    raise ImportError(MISSING_LIBRARY_MESSAGE.format(
        description=self._description, name=self._library_name,
        paths=", ".join(self._search_dirs), command=REBUILD_COMMAND))

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
          description=self._description, library=library_path,
          info=info_path, command=REBUILD_COMMAND)) from e
    running = tf.__version__
    running_abi = int(tf.sysconfig.CXX11_ABI_FLAG)
    if _major_minor(built) != _major_minor(running) or built_abi != running_abi:
      raise ImportError(VERSION_MISMATCH_MESSAGE.format(
          description=self._description, library=library_path, built=built,
          built_abi=built_abi, running=running, running_abi=running_abi,
          command=REBUILD_COMMAND))
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
            description=self._description, library=path, error=str(e),
            command=REBUILD_COMMAND, expected=info["tf_version"])) from e
      if extent is not None and size < extent:
        raise ImportError(TRUNCATED_LIBRARY_MESSAGE.format(
            description=self._description, library=path, extent=extent,
            size=size, command=REBUILD_COMMAND))
      if _op_is_registered(self._op_name, self._num_inputs):
        others = _other_copies(path)
        if others is not None:
          raise ImportError(ALREADY_REGISTERED_MESSAGE.format(
              op=self._op_name, library=path,
              others=", ".join(others) or "under another file name",
              entry_point=self._entry_point))
      try:
        module = tf.load_op_library(path)
      except (tf.errors.OpError, OSError) as e:
        raise ImportError(LOAD_FAILED_MESSAGE.format(
            description=self._description, library=path,
            error=getattr(e, "message", str(e)), command=REBUILD_COMMAND,
            expected=info["tf_version"])) from e
      if not hasattr(module, self._wrapper_name):
        raise ImportError(NO_WRAPPERS_MESSAGE.format(
            op=self._op_name, library=path))
      if self._on_load is not None:
        self._on_load(module)
      self._module = module
      return module
