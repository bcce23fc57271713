# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`snt.experimental`: Sonnet 1.1's names, kept for code written against that release.

`snt.experimental.reuse_vars` is `snt.reuse_variables` (its name in Sonnet 1.1).
"""

from sonnet.src.base import reuse_variables as reuse_vars

__all__ = ["reuse_vars"]
