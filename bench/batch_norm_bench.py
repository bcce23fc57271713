# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Batch normalisation training-step speed: snt.BatchNorm (unfused, fused), snt.BatchNormV2
and keras.layers.BatchNormalization.

One training step = forward in training mode (batch statistics and the moving-average
update), a loss, and the gradients with respect to the input, gamma and beta, compiled with
`tf.function`, on an NHWC float32 batch. All candidates run in this process on the same data,
interleaved. Prints the median and minimum time per step and the ratio to Keras.

  python bench/batch_norm_bench.py [--shape 32 32 32 64] [--repeats 30]
"""

import argparse
import functools
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import keras

from bench import timing
import sonnet as snt


def _training_step(call, variables_fn):
  @tf.function
  def step(x):
    with tf.GradientTape() as tape:
      tape.watch(x)
      loss = tf.reduce_sum(call(x) ** 2)
    return tape.gradient(loss, [x] + list(variables_fn()))
  return step


def make_candidates(inputs):
  """[(name, step)]: each step(x) returns the gradients w.r.t. [x, gamma, beta]."""
  unfused = snt.BatchNorm(scale=True, name="unfused")
  fused = snt.BatchNorm(scale=True, fused=True, name="fused")
  v2 = snt.BatchNormV2(scale=True, name="v2")
  keras_bn = keras.layers.BatchNormalization(momentum=0.999, epsilon=1e-3)
  keras_bn.build(inputs.shape)
  # Build every module once (variables are created on the first call, outside the trace).
  for module in (unfused, fused, v2):
    module(inputs, is_training=False)

  def gamma_beta(module):
    return lambda: [module.gamma, module.beta]

  return [
      ("keras.layers.BatchNormalization",
       _training_step(lambda x: keras_bn(x, training=True),
                      lambda: [keras_bn.gamma, keras_bn.beta])),
      ("snt.BatchNorm (unfused)",
       _training_step(lambda x: unfused(x, is_training=True), gamma_beta(unfused))),
      ("snt.BatchNorm (fused=True)",
       _training_step(lambda x: fused(x, is_training=True), gamma_beta(fused))),
      ("snt.BatchNormV2 (fused)",
       _training_step(lambda x: v2(x, is_training=True), gamma_beta(v2))),
  ]


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--shape", type=int, nargs=4, default=[32, 32, 32, 64])
  parser.add_argument("--repeats", type=int, default=30)
  args = parser.parse_args(argv)

  inputs = tf.constant(np.random.RandomState(0).randn(*args.shape), tf.float32)
  candidates = make_candidates(inputs)
  results = timing.measure(
      [(name, functools.partial(fn, inputs)) for name, fn in candidates], args.repeats)
  reference = results["keras.layers.BatchNormalization"][0]
  print(f"Batch norm training step, input {tuple(args.shape)} float32, {args.repeats} repeats, "
        f"{os.cpu_count()} CPU threads")
  print("{:<34} {:>12} {:>12} {:>10}".format("candidate", "median ms", "min ms",
                                           "vs keras"))
  for name, (median, minimum) in results.items():
    print(f"{name:<34} {median * 1e3:>12.3f} {minimum * 1e3:>12.3f} {median / reference:>9.2f}x")


if __name__ == "__main__":
  main()
