# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Benchmark: the cost of calling a Sonnet module against the raw TensorFlow ops.

Measures, in the same process and interleaved (so load from other processes hits both
alike), the time per call of Sonnet modules and of the raw TensorFlow ops on the same
variables:

* steady-state calls: `snt.Linear` against `tf.matmul(x, w) + b` (batch 1 and 128), a
  3-layer `snt.nets.MLP` against the same matmuls, eagerly and inside one `tf.function`;
  eagerly also against the ops alone (`tf.raw_ops.MatMul`, `AddV2`, `Relu`, without the
  Python wrappers of `tf.matmul` and `+`): the cost of the module itself;
* first calls: the trace and first run of a fresh `tf.function` training step (forward,
  gradient, SGD update) with fresh objects, Sonnet (variables created by the first call)
  against raw TensorFlow (variables created beforehand), for an MLP and an LSTM step.

Each row prints the medians and minimums of several repeats and their ratios.

Run: python bench/module_call_bench.py [--repeats N] [--number N] [--first-calls N]
"""

import argparse
import os
import statistics
import sys
import time
import timeit

import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import sonnet as snt

_HIDDEN = (32, 32, 16)
_LSTM_HIDDEN = 32
_INPUT_SIZE = 32


def _time_pair(fn_a, fn_b, number, repeats):
  """Seconds per call of each function, measured alternately (fair under load).

  The order alternates between repeats so neither function always runs second.

  Returns:
    ((median a, min a), (median b, min b)).
  """
  times_a, times_b = [], []
  for repeat in range(repeats):
    order = ((fn_a, times_a), (fn_b, times_b))
    for fn, times in (order if repeat % 2 == 0 else order[::-1]):
      times.append(timeit.timeit(fn, number=number) / number)
  return ((statistics.median(times_a), min(times_a)),
          (statistics.median(times_b), min(times_b)))


def _raw_mlp(layers, inputs):
  for index, (w, b) in enumerate(layers):
    inputs = tf.matmul(inputs, w) + b
    if index < len(layers) - 1:
      inputs = tf.nn.relu(inputs)
  return inputs


def _ops_mlp(layers, inputs):
  for index, (w, b) in enumerate(layers):
    inputs = tf.raw_ops.AddV2(x=tf.raw_ops.MatMul(a=inputs, b=w), y=b)
    if index < len(layers) - 1:
      inputs = tf.raw_ops.Relu(features=inputs)
  return inputs


def build_cases():
  """Returns {case: (raw TF call, Sonnet call)}; both compute the same outputs."""
  cases = {}
  for batch in (1, 128):
    x = tf.random.normal([batch, _INPUT_SIZE])
    linear = snt.Linear(16)
    linear(x)
    mlp = snt.nets.MLP(list(_HIDDEN))
    mlp(x)
    w, b = linear.w, linear.b
    layers = [(layer.w, layer.b) for layer in mlp.layers]
    cases[f"Linear, eager, batch {batch}"] = (
        lambda x=x, w=w, b=b: tf.matmul(x, w) + b, lambda x=x, m=linear: m(x))
    cases[f"MLP (3 layers), eager, batch {batch}"] = (
        lambda x=x, layers=layers: _raw_mlp(layers, x), lambda x=x, m=mlp: m(x))
    cases[f"Linear, eager, batch {batch}, raw ops"] = (
        lambda x=x, w=w, b=b: tf.raw_ops.AddV2(x=tf.raw_ops.MatMul(a=x, b=w), y=b),
        lambda x=x, m=linear: m(x))
    cases[f"MLP, eager, batch {batch}, raw ops"] = (
        lambda x=x, layers=layers: _ops_mlp(layers, x), lambda x=x, m=mlp: m(x))
    if batch == 1:
      traced_raw, traced_module = _traced_linear(linear, w, b)
      cases[f"Linear, tf.function, batch {batch}"] = (
          lambda x=x, f=traced_raw: f(x), lambda x=x, f=traced_module: f(x))
  return cases


def _traced_linear(linear, w, b):
  """`tf.function`s of raw `x @ w + b` and of `linear`, each closing over what it uses.

  Closures, not default arguments: a default argument is an input of the `tf.function`,
  which binds and checks it on every call (about 20 us for a module).
  """
  return (tf.function(lambda v: tf.matmul(v, w) + b), tf.function(lambda v: linear(v)))


# --- First calls: trace and first run of a training step, fresh objects -------------------


def _sgd_step(loss_fn, variables):
  with tf.GradientTape() as tape:
    loss = loss_fn()
  grads = tape.gradient(loss, variables)
  for v, g in zip(variables, grads):
    v.assign_sub(0.01 * g)
  return loss


def _fresh_raw_mlp_step(x):
  """A fresh raw-TF MLP (variables made now) and its fresh training step."""
  layers, size = [], x.shape[-1]
  for out in _HIDDEN:
    layers.append((tf.Variable(tf.random.truncated_normal([size, out], stddev=0.1)),
                   tf.Variable(tf.zeros([out]))))
    size = out
  variables = [v for pair in layers for v in pair]

  @tf.function
  def step(inputs):
    return _sgd_step(lambda: tf.reduce_mean(tf.square(_raw_mlp(layers, inputs))), variables)

  return step


def _fresh_snt_mlp_step(x):
  """A fresh `snt.nets.MLP` (no variables yet) and its fresh training step."""
  del x
  mlp = snt.nets.MLP(list(_HIDDEN))

  @tf.function
  def step(inputs):
    with tf.GradientTape() as tape:
      loss = tf.reduce_mean(tf.square(mlp(inputs)))
    variables = mlp.trainable_variables
    grads = tape.gradient(loss, variables)
    for v, g in zip(variables, grads):
      v.assign_sub(0.01 * g)
    return loss

  return step


def _raw_lstm(w, b, inputs, hidden, cell):
  gates = tf.nn.bias_add(tf.matmul(tf.concat([inputs, hidden], axis=1), w), b)
  i, j, f, o = tf.split(gates, 4, axis=1)
  next_cell = tf.sigmoid(f + 1.0) * cell + tf.sigmoid(i) * tf.tanh(j)
  return tf.tanh(next_cell) * tf.sigmoid(o)


def _fresh_raw_lstm_step(x):
  size, hidden = x.shape[-1], _LSTM_HIDDEN
  w = tf.Variable(tf.random.truncated_normal([size + hidden, 4 * hidden], stddev=0.1))
  b = tf.Variable(tf.zeros([4 * hidden]))
  state = tf.zeros([x.shape[0], hidden])

  @tf.function
  def step(inputs):
    return _sgd_step(
        lambda: tf.reduce_mean(tf.square(_raw_lstm(w, b, inputs, state, state))), [w, b])

  return step


def _fresh_snt_lstm_step(x):
  lstm = snt.LSTM(_LSTM_HIDDEN)
  state = (tf.zeros([x.shape[0], _LSTM_HIDDEN]),) * 2

  @tf.function
  def step(inputs):
    with tf.GradientTape() as tape:
      output, _ = lstm(inputs, state)
      loss = tf.reduce_mean(tf.square(output))
    variables = lstm.trainable_variables
    grads = tape.gradient(loss, variables)
    for v, g in zip(variables, grads):
      v.assign_sub(0.01 * g)
    return loss

  return step


FIRST_CALL_CASES = {
    "MLP train step, first call": (_fresh_raw_mlp_step, _fresh_snt_mlp_step),
    "LSTM train step, first call": (_fresh_raw_lstm_step, _fresh_snt_lstm_step),
}


def time_first_calls(make_raw, make_snt, x, repeats):
  """Seconds of the first call (trace + run) of fresh training steps, interleaved.

  Object construction (and, for raw TensorFlow, variable creation) is not timed; Sonnet's
  variables are created by the timed first call, as in real use.

  Returns:
    ((median raw, min raw), (median Sonnet, min Sonnet)).
  """
  times = ([], [])
  for repeat in range(repeats):
    order = ((0, make_raw), (1, make_snt))
    for index, make in (order if repeat % 2 == 0 else order[::-1]):
      step = make(x)
      start = time.perf_counter()
      step(x).numpy()
      times[index].append(time.perf_counter() - start)
  return tuple((statistics.median(t), min(t)) for t in times)


def count_traces(make_step, x):
  """How many times the first call of a fresh step traces its Python function."""
  traces = []
  original = tf.GradientTape.__enter__

  def counting_enter(tape):
    traces.append(1)
    return original(tape)

  tf.GradientTape.__enter__ = counting_enter
  try:
    make_step(x)(x).numpy()
  finally:
    tf.GradientTape.__enter__ = original
  return len(traces)


def _row(name, raw, snt_times):
  (raw_med, raw_min), (snt_med, snt_min) = raw, snt_times
  print(f"{name:36s} {raw_med * 1e6:10.1f} {snt_med * 1e6:10.1f} "
        f"{(snt_med - raw_med) * 1e6:10.1f} {snt_med / raw_med:6.2f} "
        f"{raw_min * 1e6:10.1f} {snt_min * 1e6:10.1f} {snt_min / raw_min:6.2f}")


def main():
  parser = argparse.ArgumentParser(description=__doc__)
  parser.add_argument("--repeats", type=int, default=7)
  parser.add_argument("--number", type=int, default=500)
  parser.add_argument("--first-calls", type=int, default=7)
  args = parser.parse_args()
  cases = build_cases()
  for raw_fn, snt_fn in cases.values():  # Warm up (traces).
    raw_fn()
    snt_fn()
  print(f"{'case':36s} {'raw med us':>10s} {'snt med us':>10s} {'over us':>10s} "
        f"{'ratio':>6s} {'raw min us':>10s} {'snt min us':>10s} {'ratio':>6s}")
  for name, (raw_fn, snt_fn) in cases.items():
    _row(name, *_time_pair(raw_fn, snt_fn, args.number, args.repeats))
  x = tf.random.normal([16, _INPUT_SIZE])
  for name, (make_raw, make_snt) in FIRST_CALL_CASES.items():
    make_raw(x)(x)  # Warm up TensorFlow's own first-use costs.
    make_snt(x)(x)
    _row(name, *time_first_calls(make_raw, make_snt, x, args.first_calls))
  for name, (make_raw, make_snt) in FIRST_CALL_CASES.items():
    print(f"{name}: traces raw {count_traces(make_raw, x)}, "
          f"Sonnet {count_traces(make_snt, x)}")


if __name__ == "__main__":
  main()
