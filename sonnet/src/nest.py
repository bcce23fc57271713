# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""`snt.nest`: utilities for nested structures (placeholder; see the full version)."""

import tensorflow as tf

flatten = tf.nest.flatten
pack_sequence_as = tf.nest.pack_sequence_as
map = tf.nest.map_structure  # pylint: disable=redefined-builtin
assert_same_structure = tf.nest.assert_same_structure
is_sequence = tf.nest.is_nested
