# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`snt.custom_getters`: custom getters to give modules (`custom_getter=`) or scopes.

A custom getter has the signature `custom_getter(getter, name, *args, **kwargs)`; see
`snt.AbstractModule` for how modules apply them.
"""

# One import block and one `__all__`, both sorted case-insensitively.
from sonnet.custom_getters import bayes_by_backprop
from sonnet.src.custom_getters import Context
from sonnet.src.custom_getters import custom_getter_router
from sonnet.src.custom_getters import non_trainable
from sonnet.src.custom_getters import normalize_custom_getter
from sonnet.src.custom_getters import override_args
from sonnet.src.custom_getters import override_default_args
from sonnet.src.custom_getters import restore_initializer
from sonnet.src.custom_getters import stop_gradient

__all__ = [
    "bayes_by_backprop",
    "Context",
    "custom_getter_router",
    "non_trainable",
    "normalize_custom_getter",
    "override_args",
    "override_default_args",
    "restore_initializer",
    "stop_gradient",
]
