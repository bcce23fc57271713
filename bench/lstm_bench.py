# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""LSTM unroll speed: `snt.dynamic_unroll` vs `snt.static_unroll` vs `keras.layers.LSTM`.

An LSTM (hidden 256, input 128, batch 32) over 50 steps, forward and backward (gradients of
a loss on all outputs with respect to inputs and all weights), each compiled with
`tf.function`, all measured in this process on the same data. Prints the median time per
step of training and the ratio to Keras.

  python bench/lstm_bench.py [--repeats 30] [--hidden 256 --input 128 --batch 32 --steps 50]

The rows below the default `snt.dynamic_unroll` show where the time goes: the same LSTM
through the step-by-step path (input projection precomputed for the whole sequence, the
while loop differentiated by TensorFlow), and through Sonnet 1's per-step concatenation.
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

  class StepByStep:
    """The same LSTM without the fused kernel: `snt.dynamic_unroll` then precomputes the
    input projection and lets TensorFlow differentiate the while loop."""

    state_size, output_size = lstm.state_size, lstm.output_size
    _prepare_unroll = staticmethod(lstm._prepare_unroll)  # noqa: SLF001 (the LSTM's own hook)

    def __call__(self, inputs, state):
      return lstm(inputs, state)

  class ConcatEveryStep(StepByStep):
    """Sonnet 1's way: `concat([x_t, h]) @ w_gates` inside every step."""

    def _prepare_unroll(self, input_sequence):
      return input_sequence, lstm

  def snt_train_step(unroll, inputs, time_major, core=lstm):
    with tf.GradientTape() as tape:
      tape.watch(inputs)
      state = lstm.initial_state(args.batch)
      outputs, _ = unroll(core, inputs, state, time_major=time_major)
      loss = tf.reduce_mean(tf.square(outputs))
    return tape.gradient(loss, [inputs] + list(lstm.trainable_variables))

  # Create the variables first, so every compiled step only uses them.
  snt.static_unroll(lstm, x_time_major[:1], lstm.initial_state(args.batch))

  dynamic_tm = tf.function(lambda: snt_train_step(snt.dynamic_unroll, x_time_major, True))
  dynamic_bm = tf.function(lambda: snt_train_step(snt.dynamic_unroll, x_batch_major, False))
  lengths = tf.constant(rng.randint(args.steps // 2, args.steps + 1, size=args.batch),
                        tf.int32)
  dynamic_lengths = tf.function(lambda: snt_train_step(
      functools.partial(snt.dynamic_unroll, sequence_length=lengths), x_time_major, True))
  step_tm = tf.function(lambda: snt_train_step(snt.dynamic_unroll, x_time_major, True,
                                               StepByStep()))
  concat_tm = tf.function(lambda: snt_train_step(snt.dynamic_unroll, x_time_major, True,
                                                 ConcatEveryStep()))
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
      ("snt.dynamic_unroll (time-major)", dynamic_tm),
      ("snt.dynamic_unroll (batch-major)", dynamic_bm),
      ("snt.dynamic_unroll (with sequence_length)", dynamic_lengths),
      ("  without the fused kernel (autodiff loop)", step_tm),
      ("  ... and concat([x, h]) @ w every step", concat_tm),
      ("snt.static_unroll (time-major)", static_tm),
  ]
  print(f"LSTM hidden={args.hidden} input={args.input} batch={args.batch} steps={args.steps}, "
        f"forward+backward, tf.function, tensorflow {tf.__version__}, keras {keras.__version__}, "
        f"{os.cpu_count()} CPU threads, load average {os.getloadavg()[0]:.2f}")
  results = timing.measure(candidates, args.repeats)
  keras_median = results[candidates[0][0]][0]
  print("{:44s} {:>10s} {:>8s} {:>13s}".format("", "median ms", "min ms",
                                              "keras / this"))
  for name, (median, best) in results.items():
    print(f"{name:44s} {median * 1e3:10.2f} {best * 1e3:8.2f} {keras_median / median:13.2f}")
  print(f"(ratio > 1: faster than Keras; load average now {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
  main()
