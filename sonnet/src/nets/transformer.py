# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Transformer helpers of `snt.nets`: `future_mask`.

Sonnet 1.36's transformer towers (`TransformerTower`, `TransformerXL`,
`CompressiveTransformer`) add this mask to their attention logits so that position `i`
attends only to positions `j <= i`.
"""

from typing import Any

import tensorflow as tf

MASK_VALUE = -1e6
"""The value added to the logits of masked (future) positions."""


def future_mask(chunk_size: Any, dtype: Any) -> tf.Tensor:
  """An additive attention mask stopping each position from attending to later ones.

  Entry `[0, 0, i, j]` is 0 where `j <= i` (the past and the position itself) and
  `MASK_VALUE` (-1e6; -inf in float16, whose largest value is 65504) where `j > i`;
  the leading dimensions broadcast against attention logits
  `[batch, heads, queries, keys]`: `softmax(logits + future_mask(n, dtype))`.

  Args:
    chunk_size: the number of positions `n` (a Python int or an int scalar tensor).
    dtype: the mask's dtype (that of the logits).

  Returns:
    A tensor `[1, 1, chunk_size, chunk_size]` of `dtype`.
  """
  dtype = tf.as_dtype(dtype)
  square = tf.ones(tf.stack([chunk_size, chunk_size]), dtype=tf.bool)
  # Strictly above the diagonal: the upper triangle without the diagonal.
  above = tf.math.logical_xor(tf.linalg.band_part(square, 0, -1), tf.linalg.band_part(square, 0, 0))
  # tf.where, not a product: -1e6 is -inf in float16, and 0 * -inf would be NaN.
  mask = tf.where(above, tf.cast(MASK_VALUE, dtype), tf.zeros([], dtype))
  return tf.expand_dims(tf.expand_dims(mask, 0), 0)
