# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Benchmark: snt.nest against tf.nest on small and large structures.

Prints the median time per call of each function for both libraries, measured in the
same process, and the ratio tf.nest / snt.nest (above 1.0: snt.nest is faster).

Run: python bench/nest_bench.py [--repeats N]
"""

import argparse
import collections
import statistics
import timeit

import numpy as np
import tensorflow as tf

from sonnet.src import nest as snt_nest

LSTMState = collections.namedtuple("LSTMState", ["hidden", "cell"])


def structures():
  small = LSTMState(hidden=np.zeros([2]), cell=np.zeros([2]))  # An RNN state of 2 leaves.
  large = {f"key_{i:04d}": float(i) for i in range(1000)}  # A dict of 1,000 leaves.
  nested = [{"a": (1, 2), "b": LSTMState(3, [4, 5])}, collections.OrderedDict(
      [("z", 6), ("y", (7, 8))])] * 50  # Mixed, 400 leaves.
  return {"small (namedtuple, 2 leaves)": small, "large (dict, 1000 leaves)": large,
          "mixed (400 leaves)": nested}


def _time_pair(fn_a, fn_b, number, repeats):
  """Median seconds per call of each function, measured alternately (fair under load).

  The order alternates between repeats so neither function always runs second.
  """
  times_a, times_b = [], []
  for repeat in range(repeats):
    order = ((fn_a, times_a), (fn_b, times_b))
    for fn, times in (order if repeat % 2 == 0 else order[::-1]):
      times.append(timeit.timeit(fn, number=number))
  return statistics.median(times_a) / number, statistics.median(times_b) / number


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


def main():
  parser = argparse.ArgumentParser(description=__doc__)
  parser.add_argument("--repeats", type=int, default=7)
  args = parser.parse_args()
  print("snt.nest.flatten is tf.nest.flatten:", snt_nest.flatten is tf.nest.flatten,
        "(its ratio only shows measurement noise)")
  print(f"{'structure':30s} {'function':22s} {'tf.nest us':>11s} {'snt.nest us':>12s} "
        f"{'ratio':>6s}")
  for label, structure in structures().items():
    number = 20000 if len(tf.nest.flatten(structure)) < 10 else 200
    for name, (tf_fn, snt_fn) in build_cases(structure).items():
      tf_time, snt_time = _time_pair(tf_fn, snt_fn, number, args.repeats)
      print(f"{label:30s} {name:22s} {tf_time * 1e6:11.2f} {snt_time * 1e6:12.2f} "
            f"{tf_time / snt_time:6.2f}")


if __name__ == "__main__":
  main()
