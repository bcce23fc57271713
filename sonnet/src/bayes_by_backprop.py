# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`snt.custom_getters.bayes_by_backprop`: Bayes by Backprop (Blundell et al., 2015).

`bayes_by_backprop_getter(...)` returns a custom getter that replaces every trainable
floating-point variable by an estimate (a sample, the mean, or the last sample) of a
learned posterior distribution over it; the variables that really exist are the
posterior's parameters (and the prior's, for an adaptive prior). The KL divergence of each
posterior from its prior is recorded; `get_total_kl_cost()` sums them for the loss.

```python
getter = bbb.bayes_by_backprop_getter(sampling_mode_tensor=mode)
with tf.compat.v1.variable_scope("", custom_getter=getter):
  mlp = snt.nets.MLP([32, 10])
loss = data_loss + bbb.get_total_kl_cost() / num_examples
```

Needs TensorFlow Probability, an optional dependency: `pip install "sonnet1-tf[bayes]"`
(tensorflow-probability 0.25.0 with tf-keras 2.21.0 for TensorFlow 2.21). Without it,
every function here that builds something raises an ImportError naming the package.

The records (`get_variable_metadata`) are kept per graph, in the graph collection
`BAYES_BY_BACKPROP_COLLECTION` (in eager mode, that of TensorFlow's global graph).
"""

import collections
from collections.abc import Callable
import contextlib
import importlib
from typing import Any

from absl import logging
import numpy as np
import tensorflow as tf

TFP_PACKAGE = "tensorflow-probability"
ERR_NO_TFP = (
    "snt.custom_getters.bayes_by_backprop.{fn} needs TensorFlow Probability, which is not "
    "installed: pip install \"sonnet1-tf[bayes]\" (installs tensorflow-probability==0.25.0 "
    "and tf-keras==2.21.0).")
ERR_BAD_MODE = "Unknown estimator mode {!r}: expected one of 'sample', 'mean', 'last'."
ERR_NO_LAST_SAMPLE = (
    "The posterior of {name} ({dist}) has no last_sample() method, needed for the "
    "'last' estimator mode.")
WARN_NO_KL = "No Bayes by Backprop variables found!"

BAYES_BY_BACKPROP_COLLECTION = "bayes_by_backprop_vars"
# The posterior's initial scale of the pre-canned posterior builder.
DEFAULT_POSTERIOR_SCALE = 0.01
# The fixed prior of `fixed_gaussian_prior_builder`: N(0, scale^2), broadcast.
FIXED_PRIOR_SCALE = 0.01


class EstimatorModes:
  """How a Bayes-by-Backprop getter turns a posterior into a variable's value (strings)."""

  # The values Sonnet 1 used (a program may feed the strings themselves).
  sample = "sample"
  mean = "mean"
  last_sample = "last"


_MODES = (EstimatorModes.sample, EstimatorModes.mean, EstimatorModes.last_sample)

VariableMetadata = collections.namedtuple("VariableMetadata", (
    "raw_variable_name", "raw_variable_shape", "scope_name", "posterior",
    "posterior_estimate", "prior", "kl_cost", "prior_vars", "posterior_vars"))
VariableMetadata.__doc__ = """What a Bayes-by-Backprop getter recorded for one variable.

Attributes:
  raw_variable_name: the name the variable was requested with.
  raw_variable_shape: its shape.
  scope_name: the variable scope (or module scope) it was requested in.
  posterior: the posterior distribution.
  posterior_estimate: the tensor returned in place of the variable (first connection).
  prior: the prior distribution.
  kl_cost: the KL cost tensor (first connection).
  prior_vars: the prior's variables (a dict, empty for a fixed prior).
  posterior_vars: the posterior's variables (a dict).
"""


def _require_tfp(fn: str) -> Any:
  """Imports TensorFlow Probability, or raises an ImportError naming the package."""
  try:
    return importlib.import_module("tensorflow_probability")
  except ImportError as e:
    raise ImportError(ERR_NO_TFP.format(fn=fn), name="tensorflow_probability") from e


def inverse_softplus(y: Any) -> np.ndarray:
  """The inverse of softplus: `log(exp(y) - 1)`, computed stably.

  Args:
    y: positive numbers.

  Returns:
    `x` with `softplus(x) == y`.
  """
  y = np.asarray(y, dtype=np.float64)
  return y + np.log(-np.expm1(-y))


def scale_variable_initializer(desired_scale: float) -> Any:
  """An initializer for a softplus-parameterised scale that starts at `desired_scale`.

  Args:
    desired_scale: the scale after the softplus.

  Returns:
    A constant initializer.
  """
  return tf.compat.v1.constant_initializer(float(inverse_softplus(desired_scale)))


def diagonal_gaussian_posterior_builder(getter: Callable[..., Any], name: str,
                                        shape: Any = None, *args: Any,
                                        **kwargs: Any) -> Any:
  """The default posterior: a diagonal Gaussian with a learned mean and scale per element.

  Creates `<name>/posterior_loc` (with the variable's own initializer) and
  `<name>/posterior_scale` (softplus-parameterised, starting at
  `DEFAULT_POSTERIOR_SCALE`).

  Args:
    getter: the underlying getter.
    name: the variable's name.
    shape: the variable's shape.
    *args: passed to `getter`.
    **kwargs: passed to `getter`.

  Returns:
    The posterior distribution (as Sonnet 1's builder); its variables are in its
    attribute `posterior_vars` (`{"loc": variable, "scale": variable}`), which the
    records' `posterior_vars` take.

  Raises:
    ImportError: without TensorFlow Probability.
  """
  tfp = _require_tfp("diagonal_gaussian_posterior_builder")
  loc = getter(name + "/posterior_loc", *args, shape=shape, **kwargs)
  kwargs["initializer"] = scale_variable_initializer(DEFAULT_POSTERIOR_SCALE)
  scale = getter(name + "/posterior_scale", *args, shape=shape, **kwargs)
  posterior = tfp.distributions.Normal(loc=loc, scale=tf.nn.softplus(scale),
                                       name=_op_name(name) + "_posterior_dist")
  posterior.posterior_vars = {"loc": loc, "scale": scale}
  return posterior


def fixed_gaussian_prior_builder(getter: Callable[..., Any], name: str, dtype: Any = None,
                                 *args: Any, **kwargs: Any) -> Any:
  """The default prior: a fixed N(0, `FIXED_PRIOR_SCALE`^2), broadcast over the variable.

  Args:
    getter: the underlying getter (unused: the prior has no variables).
    name: the variable's name.
    dtype: the variable's dtype (default float32).
    *args: unused.
    **kwargs: unused.

  Returns:
    The prior distribution.

  Raises:
    ImportError: without TensorFlow Probability.
  """
  del getter, args, kwargs
  tfp = _require_tfp("fixed_gaussian_prior_builder")
  dtype = tf.as_dtype(dtype or tf.float32)
  return tfp.distributions.Normal(loc=tf.constant(0.0, dtype=dtype),
                                  scale=tf.constant(FIXED_PRIOR_SCALE, dtype=dtype),
                                  name=_op_name(name) + "_prior_dist")


def adaptive_gaussian_prior_builder(getter: Callable[..., Any], name: str, *args: Any,
                                    **kwargs: Any) -> Any:
  """A Gaussian prior with a learned scalar mean and scale, broadcast over the variable.

  Creates `<name>/prior_loc` (starting at 0) and `<name>/prior_scale`
  (softplus-parameterised, starting at 1), both trainable.

  Args:
    getter: the underlying getter.
    name: the variable's name.
    *args: passed to `getter`.
    **kwargs: passed to `getter` (the shape becomes scalar).

  Returns:
    The prior distribution; its variables are in the records' `prior_vars`.

  Raises:
    ImportError: without TensorFlow Probability.
  """
  tfp = _require_tfp("adaptive_gaussian_prior_builder")
  kwargs["shape"] = ()
  kwargs["initializer"] = tf.compat.v1.zeros_initializer()
  loc = getter(name + "/prior_loc", *args, **kwargs)
  kwargs["initializer"] = scale_variable_initializer(1.0)
  scale = getter(name + "/prior_scale", *args, **kwargs)
  prior = tfp.distributions.Normal(loc=loc, scale=tf.nn.softplus(scale),
                                   name=_op_name(name) + "_prior_dist")
  prior.prior_vars = {"loc": loc, "scale": scale}
  return prior


def stochastic_kl_builder(posterior: Any, prior: Any, sample: Any) -> tf.Tensor:
  """A one-sample estimate of KL(posterior || prior): `sum(log q(sample) - log p(sample))`.

  Args:
    posterior: the posterior distribution.
    prior: the prior distribution.
    sample: the posterior estimate the getter returned.

  Returns:
    A scalar tensor.
  """
  return tf.reduce_sum(posterior.log_prob(sample) - prior.log_prob(sample))


def analytic_kl_builder(posterior: Any, prior: Any, sample: Any) -> tf.Tensor:
  """The exact KL(posterior || prior), summed over elements (both must support it).

  Args:
    posterior: the posterior distribution.
    prior: the prior distribution.
    sample: unused.

  Returns:
    A scalar tensor.

  Raises:
    ImportError: without TensorFlow Probability.
  """
  del sample
  tfp = _require_tfp("analytic_kl_builder")
  return tf.reduce_sum(tfp.distributions.kl_divergence(posterior, prior))


def _split_built(built: Any, vars_attribute: str) -> tuple[Any, dict]:
  """A builder's `(distribution, variables)` pair, or its distribution and the variables
  the pre-canned builders attach to it (else none)."""
  if isinstance(built, tuple) and len(built) == 2:
    return built[0], dict(built[1] or {})
  return built, dict(getattr(built, vars_attribute, None) or {})


def _op_name(name: str) -> str:
  return name.replace("/", "_").replace(":", "_")


def _records(graph: Any = None) -> list:
  graph = graph if graph is not None else tf.compat.v1.get_default_graph()
  return graph.get_collection_ref(BAYES_BY_BACKPROP_COLLECTION)


def _estimate(posterior: Any, mode: Any, name: str) -> Any:
  """The posterior's sample, mean or last sample, as `mode` (a string tensor) says."""
  def last_sample():
    if not hasattr(posterior, "last_sample"):
      raise ValueError(ERR_NO_LAST_SAMPLE.format(name=name, dist=type(posterior).__name__))
    return posterior.last_sample()

  branches = {EstimatorModes.sample: posterior.sample, EstimatorModes.mean: posterior.mean,
              EstimatorModes.last_sample: last_sample}
  if isinstance(mode, (str, bytes)) or (tf.executing_eagerly() and hasattr(mode, "numpy")):
    value = mode if isinstance(mode, str) else (
        mode.decode() if isinstance(mode, bytes) else mode.numpy().decode())
    if value not in branches:
      raise ValueError(ERR_BAD_MODE.format(value))
    return branches[value]()
  pairs = [(tf.equal(mode, EstimatorModes.sample), posterior.sample),
           (tf.equal(mode, EstimatorModes.mean), posterior.mean)]
  if hasattr(posterior, "last_sample"):
    pairs.append((tf.equal(mode, EstimatorModes.last_sample), posterior.last_sample))
  return tf.case(pairs, exclusive=True, name=_op_name(name) + "_posterior_estimate")


def bayes_by_backprop_getter(
    posterior_builder: Callable[..., Any] = diagonal_gaussian_posterior_builder,
    prior_builder: Callable[..., Any] = fixed_gaussian_prior_builder,
    kl_builder: Callable[..., Any] = stochastic_kl_builder,
    sampling_mode_tensor: Any = None,
    fresh_noise_per_connection: bool = True,
    keep_control_dependencies: bool = False) -> Callable[..., Any]:
  """Returns a custom getter that makes trainable floating-point variables Bayesian.

  For each such variable request, the getter builds (once per variable name and graph)
  the posterior with `posterior_builder(getter, name, *args, **kwargs)` and the prior with
  `prior_builder(getter, name, *args, **kwargs)`; each returns a distribution, or (as
  Sonnet 1 allowed) a pair `(distribution, dict of its variables)`. The getter returns an
  estimate of the posterior chosen by `sampling_mode_tensor`; the KL cost
  `kl_builder(posterior, prior, estimate)` of the first connection is recorded. Other
  requests (non-trainable, integer) are passed through.

  Args:
    posterior_builder: builds the posterior (default: diagonal Gaussian).
    prior_builder: builds the prior (default: fixed Gaussian).
    kl_builder: computes the KL cost (default: the one-sample estimate).
    sampling_mode_tensor: a scalar string tensor (or string) holding an
      `EstimatorModes` value; default `"sample"`. A variable lets a session switch modes.
    fresh_noise_per_connection: sample anew on each connection of a module (True), or
      reuse the first connection's estimate (False).
    keep_control_dependencies: build the estimate inside the current control
      dependencies and control-flow context (e.g. once per step of a `tf.while_loop`);
      by default it is built outside them, so that e.g. an RNN uses one sample for a
      whole sequence.

  Returns:
    The custom getter.

  Raises:
    ImportError: without TensorFlow Probability.
  """
  _require_tfp("bayes_by_backprop_getter")
  mode = EstimatorModes.sample if sampling_mode_tensor is None else sampling_mode_tensor

  def custom_getter(getter, name, *args, **kwargs):
    dtype = tf.as_dtype(kwargs.get("dtype") or tf.float32)
    if not kwargs.get("trainable", True) or not dtype.is_floating:
      return getter(name, *args, **kwargs)
    records = _records()
    previous = next((r for r in records if r.raw_variable_name == name), None)
    if previous is not None and not fresh_noise_per_connection:
      return previous.posterior_estimate
    # By default everything is built outside control dependencies and loops (e.g. once
    # for all the steps of an RNN), not where the variable happens to be requested.
    with (contextlib.nullcontext() if keep_control_dependencies
          else tf.control_dependencies(None)):
      if previous is None:
        posterior, posterior_vars = _split_built(
            posterior_builder(getter, name, *args, **kwargs), "posterior_vars")
        prior, prior_vars = _split_built(prior_builder(getter, name, *args, **kwargs),
                                         "prior_vars")
      else:
        posterior, posterior_vars, prior, prior_vars = (
            previous.posterior, previous.posterior_vars, previous.prior, previous.prior_vars)
      estimate = _estimate(posterior, mode, name)
      if previous is None:
        records.append(VariableMetadata(
            raw_variable_name=name, raw_variable_shape=kwargs.get("shape"),
            scope_name=name.rpartition("/")[0], posterior=posterior,
            posterior_estimate=estimate, prior=prior,
            kl_cost=kl_builder(posterior, prior, estimate),
            prior_vars=prior_vars, posterior_vars=posterior_vars))
    return estimate

  return custom_getter


def get_variable_metadata(scope_name_substring: str = "", graph: Any = None
                          ) -> list[VariableMetadata]:
  """The records of the Bayesian variables of a graph.

  Args:
    scope_name_substring: keep only records whose scope name contains it.
    graph: the graph (default: the default graph).

  Returns:
    A list of `VariableMetadata`, in creation order.
  """
  return [r for r in _records(graph) if scope_name_substring in r.scope_name]


def get_total_kl_cost(name: str = "total_kl_cost",
                      filter_by_name_substring: str | None = None) -> tf.Tensor:
  """Sums the recorded KL costs (of the default graph).

  Args:
    name: the name of the sum.
    filter_by_name_substring: keep only variables whose name contains it.

  Returns:
    A scalar tensor; 0.0 (with a logged warning, as Sonnet 1) when there is no KL cost
    to sum.
  """
  costs = [r.kl_cost for r in _records()
           if filter_by_name_substring is None or
           filter_by_name_substring in r.raw_variable_name]
  if not costs:
    logging.warning(WARN_NO_KL)
    return tf.constant(0.0, shape=(), name=name)
  return tf.add_n(costs, name=name)


# Sonnet 1's short name of the getter factory.
bayes_by_backprop = bayes_by_backprop_getter
