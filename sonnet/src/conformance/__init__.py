# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Cross-module conformance tests: every public module checked the same way. Not shipped."""
