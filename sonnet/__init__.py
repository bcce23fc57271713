# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Sonnet: modules that own their variables, for building neural networks on TensorFlow.

`import sonnet as snt`. Everything public is re-exported here explicitly; nothing under
`sonnet.src` is public API.
"""

__version__ = "2.0.0.dev0"

__all__ = ["__version__"]

# --- Module core (errors, AbstractModule, variables, nest, utilities) ---------------------

# --- Layers (basic, convolution, normalisation, embedding, attention) ---------------------

# --- Recurrent cores and unrolling --------------------------------------------------------

# --- Ops (resampler) ----------------------------------------------------------------------
# The C++ op library is loaded lazily on the first call, so this import never needs it.
from sonnet.src.ops.resampler import resampler
from sonnet.src.ops.resampler import resampler_is_available

__all__ += ["resampler", "resampler_is_available"]

# --- Spatial transformers -----------------------------------------------------------------
from sonnet.src.affine_warp_constraints import AffineWarpConstraints
from sonnet.src.spatial_transformer import AffineGridWarper
from sonnet.src.spatial_transformer import AffineGridWarperInverse
from sonnet.src.spatial_transformer import GridWarper

__all__ += ["AffineGridWarper", "AffineGridWarperInverse", "AffineWarpConstraints",
            "GridWarper"]
