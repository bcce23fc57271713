# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Errors raised by Sonnet modules.

Every Sonnet error derives from `snt.Error`, so `except snt.Error` catches all of them.
Messages name the module (its `module_name` or `scope_name`) and, where it applies, the
expected and the actual value.
"""

__all__ = [
    "Error",
    "NotConnectedError",
    "ParentNotBuiltError",
    "IncompatibleShapeError",
    "UnderspecifiedError",
    "NotSupportedError",
    "NotInitializedError",
    "DifferentGraphError",
]


class Error(Exception):
  """Base class for all errors raised by Sonnet."""


class NotConnectedError(Error):
  """A module was used (e.g. a variable property read) before its first successful call."""


class ParentNotBuiltError(Error):
  """A transposed module was connected before the module it was transposed from."""


class IncompatibleShapeError(Error):
  """An input, variable or argument has a shape (or rank, or dtype) the module cannot use."""


class UnderspecifiedError(Error):
  """A dimension the module needs at build time is not statically known."""


class NotSupportedError(Error):
  """The requested operation is not supported (in this mode, or by this module)."""


class NotInitializedError(Error):
  """A subclass of `AbstractModule` did not call `super().__init__()`."""


class DifferentGraphError(Error):
  """A module was connected in more than one `tf.Graph` (or in a graph and eagerly)."""
