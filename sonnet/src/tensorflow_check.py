# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Says clearly when TensorFlow is missing, before anything else imports it.

Without it, `import sonnet` would fail with a bare `ModuleNotFoundError`, or,
run from Sonnet's source tree, import the Bazel glue directory `tensorflow/`
as an empty namespace package and fail later with an `AttributeError`.
"""

import json
import os
import sys

# The TensorFlow release this source tree builds against; an installed wheel
# says which one it was built for in its op library's build record.
SUPPORTED_TENSORFLOW = "2.21"

TENSORFLOW_MISSING_MESSAGE = (
    "Sonnet needs TensorFlow {version}, which is not installed for this "
    "Python ({python}). Install it into this environment: "
    'pip install "tensorflow-cpu=={version}.*" (or "tensorflow=={version}.*").')
TENSORFLOW_SHADOWED_MESSAGE = (
    "`import tensorflow` found {path}, which is not TensorFlow (in Sonnet's "
    "source tree, tensorflow/ holds Bazel files): TensorFlow {version} is not "
    "installed for this Python ({python}). Install it into this environment: "
    'pip install "tensorflow-cpu=={version}.*" (or "tensorflow=={version}.*").')


def required_version() -> str:
  """The TensorFlow release (major.minor) this Sonnet needs.

  Returns:
    From the op library's build record when there is one (an installed
    wheel), else `SUPPORTED_TENSORFLOW`.
  """
  record = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops",
                        "_build_info.json")
  try:
    with open(record) as f:
      version = str(json.load(f)["tf_version"])
  except (OSError, ValueError, KeyError, TypeError):
    return SUPPORTED_TENSORFLOW
  return ".".join(version.split(".")[:2])


def check_tensorflow() -> None:
  """Imports TensorFlow, or explains how to install it.

  Raises:
    ImportError: TensorFlow is not installed, or what `import tensorflow`
      finds is not TensorFlow.
  """
  try:
    import tensorflow
  except ModuleNotFoundError as e:
    if e.name != "tensorflow":
      raise  # TensorFlow is there but broken: its own error says more.
    raise ImportError(TENSORFLOW_MISSING_MESSAGE.format(
        version=required_version(), python=sys.executable)) from e
  if not hasattr(tensorflow, "__version__"):
    places = dict.fromkeys(getattr(tensorflow, "__path__", []))
    path = ", ".join(places) or "a module without __version__"
    raise ImportError(TENSORFLOW_SHADOWED_MESSAGE.format(
        path=path, version=required_version(), python=sys.executable))
