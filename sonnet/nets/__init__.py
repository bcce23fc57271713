# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`snt.nets`: networks built from Sonnet modules."""

__all__ = []

# --- MLP (module core) --------------------------------------------------------------------
from sonnet.src.nets.mlp import MLP

__all__ += ["MLP"]


# --- ConvNets, AlexNet, Dilation, VectorQuantizer (layers) ---------------------------------
