# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Timing shared by the module benchmarks (conv, LSTM, batch norm)."""

from collections.abc import Callable, Sequence
import statistics
import time

import tensorflow as tf


def block(result) -> None:
  """Waits for every tensor in `result` by copying it to numpy."""
  for t in tf.nest.flatten(result):
    t.numpy()


def measure(candidates: Sequence[tuple[str, Callable[[], object]]], repeats: int,
            warmup: int = 3) -> dict[str, tuple[float, float]]:
  """Median and min seconds per call of each candidate.

  Candidates are interleaved (each repetition runs all of them once, in the given order),
  so load from other processes hits them alike; each call's tensors are waited for.

  Args:
    candidates: (name, function of no arguments) pairs.
    repeats: timed calls per candidate, after `warmup` untimed ones.
    warmup: untimed calls per candidate first (tracing, allocation).

  Returns:
    {name: (median seconds, minimum seconds)}.
  """
  for _, fn in candidates:
    for _ in range(warmup):
      block(fn())
  times: dict[str, list[float]] = {name: [] for name, _ in candidates}
  for _ in range(repeats):
    for name, fn in candidates:
      start = time.perf_counter()
      block(fn())
      times[name].append(time.perf_counter() - start)
  return {name: (statistics.median(t), min(t)) for name, t in times.items()}
