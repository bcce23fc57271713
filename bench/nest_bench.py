# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Benchmark: snt.nest against tf.nest on small and large structures.

Both libraries are measured in the same process, interleaved: each round times a short
batch of calls of one and then of the other (alternating which goes first), so load on the
machine hits both alike. Per round the ratio tf.nest time / snt.nest time is taken (above
1.0: snt.nest is faster); the table shows the median time per call of each, the median
ratio and a 95% bootstrap confidence interval of that median, and a verdict: "faster" or
"slower" when the interval excludes 1.0, "same" when it contains it.

Run: python bench/nest_bench.py [--rounds N] [--seconds S]
"""

import argparse
import collections
import os
import random
import statistics
import sys
import timeit

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sonnet.src import nest as snt_nest

LSTMState = collections.namedtuple("LSTMState", ["hidden", "cell"])


def structures():
  small = LSTMState(hidden=np.zeros([2]), cell=np.zeros([2]))  # An RNN state of 2 leaves.
  large = {f"key_{i:04d}": float(i) for i in range(1000)}  # A dict of 1,000 leaves.
  nested = [{"a": (1, 2), "b": LSTMState(3, [4, 5])}, collections.OrderedDict(
      [("z", 6), ("y", (7, 8))])] * 50  # Mixed, 400 leaves.
  return {"small (namedtuple, 2 leaves)": small, "large (dict, 1000 leaves)": large,
          "mixed (400 leaves)": nested}


def time_paired(fn_a, fn_b, number, rounds):
  """Seconds per call of each function in each round, measured interleaved.

  Args:
    fn_a: a function of no arguments.
    fn_b: another.
    number: calls per timed batch.
    rounds: how many batches of each.

  Returns:
    Two lists of `rounds` seconds-per-call values, paired by round.
  """
  times_a, times_b = [], []
  for round_index in range(rounds):
    order = ((fn_a, times_a), (fn_b, times_b))
    for fn, times in (order if round_index % 2 == 0 else order[::-1]):
      times.append(timeit.timeit(fn, number=number) / number)
  return times_a, times_b


def ratio_interval(times_a, times_b, resamples=2000, seed=0):
  """Median of the per-round ratios a/b and a 95% bootstrap interval of that median."""
  ratios = [a / b for a, b in zip(times_a, times_b)]
  rng = random.Random(seed)
  medians = sorted(statistics.median(rng.choices(ratios, k=len(ratios)))
                   for _ in range(resamples))
  return (statistics.median(ratios), medians[int(0.025 * resamples)],
          medians[int(0.975 * resamples) - 1])


def verdict(low, high):
  if low > 1.0:
    return "faster"
  if high < 1.0:
    return "slower"
  return "same"


def build_cases(structure):
  """Returns {function name: (tf.nest call, snt.nest call)} on `structure`."""
  flat = tf.nest.flatten(structure)
  return {
      "flatten": (lambda: tf.nest.flatten(structure),
                  lambda: snt_nest.flatten(structure)),
      "pack_sequence_as": (lambda: tf.nest.pack_sequence_as(structure, flat),
                           lambda: snt_nest.pack_sequence_as(structure, flat)),
      "map (1 structure)": (lambda: tf.nest.map_structure(lambda x: x, structure),
                            lambda: snt_nest.map(lambda x: x, structure)),
      "map (2 structures)": (
          lambda: tf.nest.map_structure(lambda x, y: x, structure, structure),
          lambda: snt_nest.map(lambda x, y: x, structure, structure)),
      "assert_same_structure": (
          lambda: tf.nest.assert_same_structure(structure, structure),
          lambda: snt_nest.assert_same_structure(structure, structure)),
  }


def calls_per_batch(fn, seconds):
  """How many calls of `fn` take about `seconds` (at least one)."""
  number = 1
  while timeit.timeit(fn, number=number) < seconds / 10:
    number *= 10
  return max(1, int(number * seconds / max(timeit.timeit(fn, number=number), 1e-9)))


def main():
  parser = argparse.ArgumentParser(description=__doc__)
  parser.add_argument("--rounds", type=int, default=41)
  parser.add_argument("--seconds", type=float, default=0.02,
                      help="approximate duration of one timed batch")
  args = parser.parse_args()
  print(f"{args.rounds} interleaved rounds per row; ratio = tf.nest / snt.nest (above 1: "
        "snt.nest is faster), median and 95% bootstrap interval")
  print(f"{'structure':30s} {'function':22s} {'tf.nest us':>11s} {'snt.nest us':>12s} "
        f"{'ratio':>6s} {'95% interval':>14s}  verdict")
  for label, structure in structures().items():
    for name, (tf_fn, snt_fn) in build_cases(structure).items():
      number = calls_per_batch(tf_fn, args.seconds)
      tf_times, snt_times = time_paired(tf_fn, snt_fn, number, args.rounds)
      ratio, low, high = ratio_interval(tf_times, snt_times)
      print(f"{label:30s} {name:22s} {statistics.median(tf_times) * 1e6:11.2f} "
            f"{statistics.median(snt_times) * 1e6:12.2f} {ratio:6.2f} "
            f"[{low:5.2f}, {high:5.2f}]  {verdict(low, high)}")


if __name__ == "__main__":
  main()
