# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Conv2D speed: `snt.Conv2D` vs plain `tf.nn.conv2d` + `tf.nn.bias_add` vs Keras.

A 3x3 convolution (batch 16, 16x16x32 -> 32 channels, SAME, by default) forward and backward, each
compiled with `tf.function`, all measured in this process on the same data, with the same
weights. Cases: fixed batch shape; unknown batch (`TensorSpec([None, ...])`, where
`snt.Conv2D` adds its empty-batch guard); NCHW input on a machine without GPU (`snt.Conv2D`
runs it channels-last with two transposes). Prints the median time per step and the ratio
of the plain-TF time to each candidate's.

  python bench/conv_bench.py [--repeats 30] [--batch 16 --size 16 --channels 32]
"""

import argparse
import functools
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

tf.get_logger().setLevel("ERROR")  # Each candidate is traced once; no retracing notes.

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import keras  # noqa: E402 (after the sys.path entry above)

from bench import timing  # noqa: E402 (after the sys.path entry above)
import sonnet as snt  # noqa: E402 (after the sys.path entry above)


def build_candidates(batch, size, channels):
  """Returns (name, compiled step, input) triples that all compute the same thing."""
  rng = np.random.RandomState(0)
  x = tf.constant(rng.randn(batch, size, size, channels), tf.float32)
  x_nchw = tf.transpose(x, [0, 3, 1, 2])

  module = snt.Conv2D(channels, 3)
  module(x[:1])
  w, b = module.w, module.b
  module_nchw = snt.Conv2D(channels, 3, data_format="NCHW",
                           initializers={"w": lambda *a, **k: w, "b": lambda *a, **k: b})
  module_nchw(x_nchw[:1])
  layer = keras.layers.Conv2D(channels, 3, padding="same")
  layer.build(x.shape)
  layer.kernel.assign(w)
  layer.bias.assign(b)

  def plain(inputs):
    return tf.nn.bias_add(tf.nn.conv2d(inputs, w, 1, "SAME"), b)

  def train_step(fn, variables):
    def step(inputs):
      with tf.GradientTape() as tape:
        tape.watch(inputs)
        loss = tf.reduce_mean(tf.square(fn(inputs)))
      return tape.gradient(loss, [inputs] + list(variables))
    return step

  fixed = tf.TensorSpec(x.shape, tf.float32)
  unknown = tf.TensorSpec([None] + x.shape[1:].as_list(), tf.float32)
  unknown_nchw = tf.TensorSpec([None] + x_nchw.shape[1:].as_list(), tf.float32)
  plain_vars = [w, b]
  snt_vars = [module.w, module.b]

  def compile_(fn, spec):
    return tf.function(fn, input_signature=[spec])

  return [
      ("tf.nn.conv2d + bias_add, fixed batch", compile_(train_step(plain, plain_vars), fixed), x),
      ("keras Conv2D, fixed batch", compile_(train_step(layer, [layer.kernel, layer.bias]),
                                             fixed), x),
      ("snt.Conv2D, fixed batch", compile_(train_step(module, snt_vars), fixed), x),
      ("tf.nn.conv2d + bias_add, unknown batch",
       compile_(train_step(plain, plain_vars), unknown), x),
      ("snt.Conv2D, unknown batch", compile_(train_step(module, snt_vars), unknown), x),
      ("snt.Conv2D NCHW, unknown batch",
       compile_(train_step(module_nchw, [module_nchw.w, module_nchw.b]), unknown_nchw),
       x_nchw),
  ]


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--batch", type=int, default=16)
  parser.add_argument("--size", type=int, default=16)
  parser.add_argument("--channels", type=int, default=32)
  parser.add_argument("--repeats", type=int, default=30)
  args = parser.parse_args(argv)
  candidates = build_candidates(args.batch, args.size, args.channels)
  print("Conv2D 3x3 SAME, batch={} {}x{}x{} -> {}, forward+backward, tf.function, "
        "tensorflow {}, keras {}, GPU: {}, {} CPU threads, load average {:.2f}".format(
            args.batch, args.size, args.size, args.channels, args.channels, tf.__version__,
            keras.__version__, bool(tf.config.list_logical_devices("GPU")), os.cpu_count(),
            os.getloadavg()[0]))
  results = timing.measure(
      [(name, functools.partial(fn, arg)) for name, fn, arg in candidates], args.repeats)
  plain_median = results[candidates[0][0]][0]
  print("{:42s} {:>12s} {:>10s} {:>14s}".format("", "median ms", "min ms", "plain / this"))
  for name, (median, best) in results.items():
    print(f"{name:42s} {median * 1e3:12.2f} {best * 1e3:10.2f} {plain_median / median:14.2f}")


if __name__ == "__main__":
  main()
