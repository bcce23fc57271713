# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Python side of Sonnet's C++ ops (loader, wrappers, gradients). Not public API."""
