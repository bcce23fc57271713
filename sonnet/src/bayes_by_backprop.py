# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`snt.custom_getters.bayes_by_backprop`: Bayes by Backprop (Blundell et al., 2015).

Needs TensorFlow Probability, an optional dependency: `pip install "sonnet1-tf[bayes]"`
(tensorflow-probability 0.25.0 with tf-keras 2.21.0 for TensorFlow 2.21). This release
has the API's names, but not the variational getter itself yet: every function says so
(and, without TensorFlow Probability, names the package to install).
"""

import importlib
from typing import Any

from sonnet.src import errors

TFP_PACKAGE = "tensorflow-probability"
ERR_NO_TFP = (
    "snt.custom_getters.bayes_by_backprop.{fn} needs TensorFlow Probability, which is not "
    "installed: pip install \"sonnet1-tf[bayes]\" (installs tensorflow-probability==0.25.0 "
    "and tf-keras==2.21.0).")
ERR_NOT_IMPLEMENTED = (
    "snt.custom_getters.bayes_by_backprop.{fn} is not implemented in this release of "
    "Sonnet (TensorFlow Probability {version} is installed).")


class EstimatorModes:
  """How a Bayes-by-Backprop getter turns a posterior into a variable's value (strings)."""

  sample = "sample"
  mean = "mean"
  last_sample = "last_sample"


def _require_tfp(fn: str) -> Any:
  """Imports TensorFlow Probability, or raises an ImportError naming the package."""
  try:
    return importlib.import_module("tensorflow_probability")
  except ImportError as e:
    raise ImportError(ERR_NO_TFP.format(fn=fn), name="tensorflow_probability") from e


def _unavailable(fn: str) -> None:
  tfp = _require_tfp(fn)
  raise errors.NotSupportedError(ERR_NOT_IMPLEMENTED.format(
      fn=fn, version=getattr(tfp, "__version__", "?")))


def bayes_by_backprop_getter(*args: Any, **kwargs: Any) -> Any:
  """Would return a custom getter that makes variables Bayesian (not implemented yet).

  Args:
    *args: Sonnet 1's arguments (`posterior_builder`, `prior_builder`, `kl_builder`,
      `sampling_mode_tensor`, `fresh_noise_per_connection`, `keep_control_dependencies`).
    **kwargs: the same, by name.

  Raises:
    ImportError: without TensorFlow Probability (the message names the package).
    snt.NotSupportedError: with it.
  """
  del args, kwargs
  _unavailable("bayes_by_backprop_getter")


def diagonal_gaussian_posterior_builder(*args: Any, **kwargs: Any) -> Any:
  """Would build a diagonal Gaussian posterior (not implemented yet).

  Args:
    *args: Sonnet 1's arguments (`getter`, `name`, `shape`, ...).
    **kwargs: the same, by name.

  Raises:
    ImportError: without TensorFlow Probability.
    snt.NotSupportedError: with it.
  """
  del args, kwargs
  _unavailable("diagonal_gaussian_posterior_builder")


def fixed_gaussian_prior_builder(*args: Any, **kwargs: Any) -> Any:
  """Would build a fixed standard-normal prior (not implemented yet).

  Args:
    *args: Sonnet 1's arguments (`getter`, `name`, `dtype`, `shape`).
    **kwargs: the same, by name.

  Raises:
    ImportError: without TensorFlow Probability.
    snt.NotSupportedError: with it.
  """
  del args, kwargs
  _unavailable("fixed_gaussian_prior_builder")


def adaptive_gaussian_prior_builder(*args: Any, **kwargs: Any) -> Any:
  """Would build a Gaussian prior with learned parameters (not implemented yet).

  Args:
    *args: Sonnet 1's arguments (`getter`, `name`, `*args`, `**kwargs`).
    **kwargs: the same, by name.

  Raises:
    ImportError: without TensorFlow Probability.
    snt.NotSupportedError: with it.
  """
  del args, kwargs
  _unavailable("adaptive_gaussian_prior_builder")


def stochastic_kl_builder(*args: Any, **kwargs: Any) -> Any:
  """Would estimate KL(posterior || prior) from a sample (not implemented yet).

  Args:
    *args: Sonnet 1's arguments (`posterior`, `prior`, `sample`).
    **kwargs: the same, by name.

  Raises:
    ImportError: without TensorFlow Probability.
    snt.NotSupportedError: with it.
  """
  del args, kwargs
  _unavailable("stochastic_kl_builder")


def analytic_kl_builder(*args: Any, **kwargs: Any) -> Any:
  """Would compute KL(posterior || prior) analytically (not implemented yet).

  Args:
    *args: Sonnet 1's arguments (`posterior`, `prior`, `sample`).
    **kwargs: the same, by name.

  Raises:
    ImportError: without TensorFlow Probability.
    snt.NotSupportedError: with it.
  """
  del args, kwargs
  _unavailable("analytic_kl_builder")


def get_total_kl_cost(*args: Any, **kwargs: Any) -> Any:
  """Would sum the KL costs of the Bayesian variables (not implemented yet).

  Args:
    *args: Sonnet 1's arguments (`name`, `filter_by_name_substring`).
    **kwargs: the same, by name.

  Raises:
    ImportError: without TensorFlow Probability.
    snt.NotSupportedError: with it.
  """
  del args, kwargs
  _unavailable("get_total_kl_cost")


def get_variable_metadata(*args: Any, **kwargs: Any) -> Any:
  """Would return the Bayesian variables' metadata (not implemented yet).

  Args:
    *args: Sonnet 1's arguments (`scope_name_substring`).
    **kwargs: the same, by name.

  Raises:
    ImportError: without TensorFlow Probability.
    snt.NotSupportedError: with it.
  """
  del args, kwargs
  _unavailable("get_variable_metadata")


# Sonnet 1's short name of the getter factory.
bayes_by_backprop = bayes_by_backprop_getter
