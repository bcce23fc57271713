# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`snt.custom_getters.bayes_by_backprop`: Bayesian variables (needs TensorFlow Probability).

Install the optional dependency with `pip install "sonnet1-tf[bayes]"`. See
`bayes_by_backprop_getter`.
"""

# One import block and one `__all__`, both sorted case-insensitively.
from sonnet.src.bayes_by_backprop import adaptive_gaussian_prior_builder
from sonnet.src.bayes_by_backprop import analytic_kl_builder
from sonnet.src.bayes_by_backprop import bayes_by_backprop
from sonnet.src.bayes_by_backprop import BAYES_BY_BACKPROP_COLLECTION
from sonnet.src.bayes_by_backprop import bayes_by_backprop_getter
from sonnet.src.bayes_by_backprop import DEFAULT_POSTERIOR_SCALE
from sonnet.src.bayes_by_backprop import diagonal_gaussian_posterior_builder
from sonnet.src.bayes_by_backprop import EstimatorModes
from sonnet.src.bayes_by_backprop import fixed_gaussian_prior_builder
from sonnet.src.bayes_by_backprop import FIXED_PRIOR_SCALE
from sonnet.src.bayes_by_backprop import get_total_kl_cost
from sonnet.src.bayes_by_backprop import get_variable_metadata
from sonnet.src.bayes_by_backprop import inverse_softplus
from sonnet.src.bayes_by_backprop import scale_variable_initializer
from sonnet.src.bayes_by_backprop import stochastic_kl_builder
from sonnet.src.bayes_by_backprop import VariableMetadata

__all__ = [
    "adaptive_gaussian_prior_builder",
    "analytic_kl_builder",
    "bayes_by_backprop",
    "BAYES_BY_BACKPROP_COLLECTION",
    "bayes_by_backprop_getter",
    "DEFAULT_POSTERIOR_SCALE",
    "diagonal_gaussian_posterior_builder",
    "EstimatorModes",
    "fixed_gaussian_prior_builder",
    "FIXED_PRIOR_SCALE",
    "get_total_kl_cost",
    "get_variable_metadata",
    "inverse_softplus",
    "scale_variable_initializer",
    "stochastic_kl_builder",
    "VariableMetadata",
]
