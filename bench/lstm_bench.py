# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""LSTM unroll speed: `snt.dynamic_unroll` vs `snt.static_unroll` vs `keras.layers.LSTM`.

An LSTM (hidden 256, input 128, batch 32) over 50 steps, forward and backward (gradients of
a loss on all outputs with respect to inputs and all weights), each compiled with
`tf.function`, all measured in this process on the same data. Prints the median time per
step of training and the ratio to Keras.

  python bench/lstm_bench.py [--repeats 30] [--hidden 256 --input 128 --batch 32 --steps 50]
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # pylint: disable=g-import-not-at-top
import tensorflow as tf  # pylint: disable=g-import-not-at-top

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import sonnet as snt  # pylint: disable=g-import-not-at-top,wrong-import-position
import keras  # pylint: disable=g-import-not-at-top,wrong-import-position


def _measure(candidates, repeats, warmup=3):
  """Median and min seconds per call; candidates interleaved so load hits all alike."""
  for _, fn in candidates:
    for _ in range(warmup):
      _block(fn())
  times = {name: [] for name, _ in candidates}
  for _ in range(repeats):
    for name, fn in candidates:
      start = time.perf_counter()
      _block(fn())
      times[name].append(time.perf_counter() - start)
  return {name: (statistics.median(t), min(t)) for name, t in times.items()}


def _block(result):
  for t in tf.nest.flatten(result):
    t.numpy()


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--hidden", type=int, default=256)
  parser.add_argument("--input", type=int, default=128)
  parser.add_argument("--batch", type=int, default=32)
  parser.add_argument("--steps", type=int, default=50)
  parser.add_argument("--repeats", type=int, default=30)
  args = parser.parse_args(argv)

  rng = np.random.RandomState(0)
  x_batch_major = tf.constant(rng.randn(args.batch, args.steps, args.input), tf.float32)
  x_time_major = tf.transpose(x_batch_major, [1, 0, 2])

  lstm = snt.LSTM(args.hidden)

  def snt_train_step(unroll, inputs, time_major):
    with tf.GradientTape() as tape:
      tape.watch(inputs)
      state = lstm.initial_state(args.batch)
      outputs, _ = unroll(lstm, inputs, state, time_major=time_major)
      loss = tf.reduce_mean(tf.square(outputs))
    return tape.gradient(loss, [inputs] + list(lstm.trainable_variables))

  # Create the variables first, so every compiled step only uses them.
  snt.static_unroll(lstm, x_time_major[:1], lstm.initial_state(args.batch))

  dynamic_tm = tf.function(lambda: snt_train_step(snt.dynamic_unroll, x_time_major, True))
  dynamic_bm = tf.function(lambda: snt_train_step(snt.dynamic_unroll, x_batch_major, False))
  static_tm = tf.function(lambda: snt_train_step(snt.static_unroll, x_time_major, True))

  layer = keras.layers.LSTM(args.hidden, return_sequences=True)
  layer.build((args.batch, args.steps, args.input))

  @tf.function
  def keras_step():
    inputs = x_batch_major
    with tf.GradientTape() as tape:
      tape.watch(inputs)
      outputs = layer(inputs)
      loss = tf.reduce_mean(tf.square(outputs))
    return tape.gradient(loss, [inputs] + list(layer.trainable_variables))

  candidates = [
      ("keras.layers.LSTM (batch-major)", keras_step),
      ("snt.LSTM + snt.dynamic_unroll (time-major)", dynamic_tm),
      ("snt.LSTM + snt.dynamic_unroll (batch-major)", dynamic_bm),
      ("snt.LSTM + snt.static_unroll (time-major)", static_tm),
  ]
  print("LSTM hidden={} input={} batch={} steps={}, forward+backward, tf.function, "
        "tensorflow {}, keras {}, {} CPU threads, load average {:.2f}".format(
            args.hidden, args.input, args.batch, args.steps, tf.__version__,
            keras.__version__, os.cpu_count(), os.getloadavg()[0]))
  results = _measure(candidates, args.repeats)
  keras_median = results[candidates[0][0]][0]
  print("{:48s} {:>12s} {:>10s} {:>14s}".format("", "median ms", "min ms",
                                                "keras / this"))
  for name, (median, best) in results.items():
    print("{:48s} {:12.2f} {:10.2f} {:14.2f}".format(name, median * 1e3, best * 1e3,
                                                     keras_median / median))


if __name__ == "__main__":
  main()
