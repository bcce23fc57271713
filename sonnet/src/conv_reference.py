# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Plain numpy convolutions, the references the convolution tests compare against.

Written with loops over kernel offsets, independent of TensorFlow's ops. Channels-last
layout throughout: inputs `[B, *spatial, C]`.
"""

from collections.abc import Sequence
import math

import numpy as np


def same_pads(sizes, kernel, stride, rate) -> list[tuple[int, int]]:
  """TensorFlow's SAME padding per dimension."""
  pads = []
  for size, k, s, r in zip(sizes, kernel, stride, rate):
    eff = (k - 1) * r + 1
    out = math.ceil(size / s)
    total = max((out - 1) * s + eff - size, 0)
    pads.append((total // 2, total - total // 2))
  return pads


def explicit_pads(padding, sizes, kernel, stride, rate) -> list[tuple[int, int]]:
  """Padding per dimension for one of SAME, VALID, FULL, CAUSAL, REVERSE_CAUSAL."""
  if padding == "SAME":
    return same_pads(sizes, kernel, stride, rate)
  pads = []
  for k, r in zip(kernel, rate):
    total = (k - 1) * r
    pads.append({"VALID": (0, 0), "FULL": (total, total), "CAUSAL": (total, 0),
                 "REVERSE_CAUSAL": (0, total)}[padding])
  return pads


def conv(x: np.ndarray, w: np.ndarray, stride: Sequence[int], rate: Sequence[int],
         pads: Sequence[tuple[int, int]]) -> np.ndarray:
  """Cross-correlation of `x` `[B, *S, C]` with `w` `[*K, C, O]`."""
  n = len(stride)
  x = np.pad(x.astype(np.float64), [(0, 0)] + list(pads) + [(0, 0)])
  kernel = w.shape[:n]
  eff = [(k - 1) * r + 1 for k, r in zip(kernel, rate)]
  out_sizes = [(x.shape[1 + i] - eff[i]) // stride[i] + 1 for i in range(n)]
  out = np.zeros([x.shape[0]] + out_sizes + [w.shape[-1]])
  for offset in np.ndindex(*kernel):
    window = tuple(slice(o * r, o * r + (size - 1) * s + 1, s)
                   for o, r, s, size in zip(offset, rate, stride, out_sizes))
    out += x[(slice(None),) + window] @ w[offset].astype(np.float64)
  return out


def conv_transpose(y: np.ndarray, w: np.ndarray, stride: Sequence[int],
                   out_sizes: Sequence[int], padding: str) -> np.ndarray:
  """Transposed convolution of `y` `[B, *I, Cin]` with `w` `[*K, Cout, Cin]`."""
  n = len(stride)
  kernel = w.shape[:n]
  in_sizes = y.shape[1:1 + n]
  full = [(i - 1) * s + k for i, s, k in zip(in_sizes, stride, kernel)]
  if padding == "SAME":
    lows = [max((i - 1) * s + k - o, 0) // 2
            for i, s, k, o in zip(in_sizes, stride, kernel, out_sizes)]
  else:
    lows = [0] * n
  buf = np.zeros([y.shape[0]] + [max(f, lo + o) for f, lo, o in zip(full, lows, out_sizes)]
                 + [w.shape[-2]])
  for offset in np.ndindex(*kernel):
    window = tuple(slice(o, o + (i - 1) * s + 1, s)
                   for o, i, s in zip(offset, in_sizes, stride))
    buf[(slice(None),) + window] += y.astype(np.float64) @ w[offset].T.astype(np.float64)
  crop = tuple(slice(lo, lo + o) for lo, o in zip(lows, out_sizes))
  return buf[(slice(None),) + crop]


def depthwise_as_dense(w_dw: np.ndarray) -> np.ndarray:
  """Turns depthwise weights `[*K, C, M]` into dense conv weights `[*K, C, C*M]`."""
  *kernel, channels, mult = w_dw.shape
  dense = np.zeros(list(kernel) + [channels, channels * mult])
  for c in range(channels):
    dense[..., c, c * mult:(c + 1) * mult] = w_dw[..., c, :]
  return dense
