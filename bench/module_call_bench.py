# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Benchmark: the cost of calling a Sonnet module against the raw TensorFlow ops.

Measures, in the same process, the median time per call of `snt.Linear` and of
`tf.matmul(x, w) + b` on the same variables, eagerly and inside one `tf.function`, and
prints the overhead of the module machinery (scope, frame, variable look-up). Inside a
`tf.function` the module's Python runs only while tracing, so the traced cost is the same.

Run: python bench/module_call_bench.py [--repeats N]
"""

import argparse
import os
import statistics
import sys
import timeit

import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import sonnet as snt


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


def build_cases():
  """Returns {case: (raw TF call, Sonnet call)}; both compute the same outputs."""
  x = tf.random.normal([8, 32])
  linear = snt.Linear(16)
  linear(x)
  w, b = linear.w, linear.b
  mlp = snt.nets.MLP([32, 32, 16])
  mlp(x)

  def raw_mlp(inputs):
    for index, layer in enumerate(mlp.layers):
      inputs = tf.matmul(inputs, layer.w) + layer.b
      if index < len(mlp.layers) - 1:
        inputs = tf.nn.relu(inputs)
    return inputs

  traced_module = tf.function(lambda v: linear(v))
  traced_raw = tf.function(lambda v: tf.matmul(v, w) + b)
  return {
      "Linear, eager": (lambda: tf.matmul(x, w) + b, lambda: linear(x)),
      "MLP (3 layers), eager": (lambda: raw_mlp(x), lambda: mlp(x)),
      "Linear, tf.function": (lambda: traced_raw(x), lambda: traced_module(x)),
  }


def main():
  parser = argparse.ArgumentParser(description=__doc__)
  parser.add_argument("--repeats", type=int, default=7)
  parser.add_argument("--number", type=int, default=500)
  args = parser.parse_args()
  cases = build_cases()
  for raw_fn, snt_fn in cases.values():  # Warm up (traces).
    raw_fn()
    snt_fn()
  print(f"{'case':24s} {'raw TF us':>10s} {'Sonnet us':>10s} {'overhead us':>12s} "
        f"{'ratio':>6s}")
  for name, (raw_fn, snt_fn) in cases.items():
    raw_time, snt_time = _time_pair(raw_fn, snt_fn, args.number, args.repeats)
    print(f"{name:24s} {raw_time * 1e6:10.1f} {snt_time * 1e6:10.1f} "
          f"{(snt_time - raw_time) * 1e6:12.1f} {snt_time / raw_time:6.2f}")


if __name__ == "__main__":
  main()
