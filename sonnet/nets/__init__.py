# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`snt.nets`: networks built from Sonnet modules."""

# One import block and one `__all__`, both sorted case-insensitively (`key=str.lower`);
# sonnet/src/conformance/api_test.py checks them against `dir(snt.nets)` and against the
# checked-in list of the public API.
from sonnet.src.nets.alexnet import AlexNet
from sonnet.src.nets.alexnet import AlexNetFull
from sonnet.src.nets.alexnet import AlexNetMini
from sonnet.src.nets.convnet import ConvNet2D
from sonnet.src.nets.convnet import ConvNet2DTranspose
from sonnet.src.nets.dilation import Dilation
from sonnet.src.nets.dilation import identity_kernel_initializer
from sonnet.src.nets.dilation import noisy_identity_kernel_initializer
from sonnet.src.nets.mlp import MLP
from sonnet.src.nets.transformer import future_mask
from sonnet.src.nets.vqvae import VectorQuantizer
from sonnet.src.nets.vqvae import VectorQuantizerEMA

__all__ = [
    "AlexNet",
    "AlexNetFull",
    "AlexNetMini",
    "ConvNet2D",
    "ConvNet2DTranspose",
    "Dilation",
    "future_mask",
    "identity_kernel_initializer",
    "MLP",
    "noisy_identity_kernel_initializer",
    "VectorQuantizer",
    "VectorQuantizerEMA",
]
