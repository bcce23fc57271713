# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""LSTM and GRU training speed: `snt.dynamic_unroll` vs `keras.layers` vs `torch.nn`.

An LSTM (hidden 256, input 128, batch 32, 50 steps by default), forward and backward
(gradients of a loss on all outputs with respect to the inputs and all weights), each
TensorFlow candidate compiled with `tf.function`; `torch.nn.LSTM` (when torch is
installed) on the same shapes with the same number of threads. All run in this process,
interleaved (each repetition runs every candidate once), on the same data and, where the
cell is the same function, the same weights. Prints the median and minimum time per
training step and both as ratios to torch (to Keras without torch). Then the same for the
GRU.

  python bench/lstm_bench.py [--repeats 30] [--threads 2 (0: library defaults)] [--no-gru]
      [--hidden 256 --input 128 --batch 32 --steps 50]

Rows: `snt.dynamic_unroll` runs the fused kernel (`sonnet/src/fused_lstm.py`,
`fused_gru.py`) time-major, batch-major and with `sequence_length`; the rows indented below
it show where the time goes: the same LSTM through the step-by-step path (input
projection precomputed for the whole sequence, the while loop differentiated by
TensorFlow), Sonnet 1's per-step concatenation, and `snt.static_unroll`.
`torch.nn.GRU` applies the reset gate after the recurrent product (as cuDNN), Sonnet's and
Keras' GRU (`reset_after=False`) before it: the same shapes and products, not the same
function, so only the LSTM rows are checked against torch.
"""

import argparse
from collections.abc import Callable
import functools
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# torch's OpenMP threads otherwise spin after each call and steal the cores from whatever
# runs next in the interleaved loop. Passive waiting is fair to all.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import tensorflow as tf

tf.get_logger().setLevel("ERROR")  # Each candidate is traced once; no retracing notes.

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import keras  # noqa: E402 (after the sys.path entry above)

from bench import timing  # noqa: E402 (after the sys.path entry above)
import sonnet as snt  # noqa: E402 (after the sys.path entry above)

try:
  import torch  # noqa: E402 (optional, benchmark only)
except ImportError:
  torch = None  # type: ignore[assignment]

# A candidate: name, and a step returning (loss, gradient of the loss with respect to the
# batch-major inputs, the weights' gradients...).
Candidate = tuple[str, Callable[[], object]]


def _loss(outputs):
  return tf.reduce_mean(tf.square(outputs))


def _snt_step(core, unroll, inputs, time_major, sequence_length=None, step_core=None):
  """A compiled training step of `core` unrolled over `inputs` (batch-major numpy)."""
  batch = inputs.shape[0]
  x = tf.constant(inputs if not time_major else inputs.transpose(1, 0, 2))
  if sequence_length is not None:
    unroll = functools.partial(unroll, sequence_length=tf.constant(sequence_length))

  @tf.function
  def step():
    with tf.GradientTape() as tape:
      tape.watch(x)
      outputs, _ = unroll(step_core or core, x, core.initial_state(batch),
                          time_major=time_major)
      loss = _loss(outputs)
    grads = tape.gradient(loss, [x] + list(core.trainable_variables))
    d_x = grads[0] if not time_major else tf.transpose(grads[0], [1, 0, 2])
    return [loss, d_x] + grads[1:]

  return step


def _keras_step(layer, inputs):
  x = tf.constant(inputs)

  @tf.function
  def step():
    with tf.GradientTape() as tape:
      tape.watch(x)
      loss = _loss(layer(x))
    return [loss] + tape.gradient(loss, [x] + list(layer.trainable_variables))

  return step


def _torch_step(module, inputs):
  """torch's training step on time-major inputs (returns torch tensors)."""
  x = torch.from_numpy(inputs.transpose(1, 0, 2).copy()).requires_grad_()

  def step():
    module.zero_grad()
    x.grad = None
    outputs, _ = module(x)
    loss = outputs.square().mean()
    loss.backward()
    d_x = x.grad
    assert d_x is not None
    return [loss.detach(), d_x.transpose(0, 1)] + [p.grad for p in module.parameters()]

  return step


def lstm_candidates(hidden, input_size, batch, steps) -> list[Candidate]:
  """The LSTM candidates; all compute the same loss and input gradient."""
  rng = np.random.RandomState(0)
  inputs = rng.randn(batch, steps, input_size).astype(np.float32)
  forget_bias = 1.0
  lstm = snt.LSTM(hidden, forget_bias=forget_bias)
  # Create the variables first, so every compiled step only uses them.
  snt.static_unroll(lstm, tf.zeros([1, batch, input_size]), lstm.initial_state(batch))
  w_x, w_h = lstm.w_gates[:input_size].numpy(), lstm.w_gates[input_size:].numpy()
  bias = lstm.b_gates.numpy() + np.repeat(np.array([0, 0, forget_bias, 0], np.float32), hidden)
  i, j, f, o = (slice(k * hidden, (k + 1) * hidden) for k in range(4))

  def ifjo(w):  # Sonnet's gate order i, j, f, o to Keras' and torch's i, f, j, o.
    return np.concatenate([w[..., i], w[..., f], w[..., j], w[..., o]], -1)

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

  lengths = rng.randint(steps // 2, steps + 1, size=batch).astype(np.int32)
  lengths[0] = steps  # Every step counts somewhere.
  candidates = []
  if torch is not None:
    module = torch.nn.LSTM(input_size, hidden)
    params = dict(module.named_parameters())
    with torch.no_grad():
      params["weight_ih_l0"].copy_(torch.from_numpy(ifjo(w_x).T.copy()))
      params["weight_hh_l0"].copy_(torch.from_numpy(ifjo(w_h).T.copy()))
      params["bias_ih_l0"].copy_(torch.from_numpy(ifjo(bias)))
      params["bias_hh_l0"].zero_()
    candidates.append(("torch.nn.LSTM", _torch_step(module, inputs)))
  layer = keras.layers.LSTM(hidden, return_sequences=True)
  layer.build((batch, steps, input_size))
  layer.set_weights([ifjo(w_x), ifjo(w_h), ifjo(bias)])
  candidates += [
      ("keras.layers.LSTM", _keras_step(layer, inputs)),
      ("snt.dynamic_unroll (time-major)",
       _snt_step(lstm, snt.dynamic_unroll, inputs, True)),
      ("snt.dynamic_unroll (batch-major)",
       _snt_step(lstm, snt.dynamic_unroll, inputs, False)),
      ("snt.dynamic_unroll (sequence_length)",
       _snt_step(lstm, snt.dynamic_unroll, inputs, True, lengths)),
      ("  without the fused kernel (autodiff loop)",
       _snt_step(lstm, snt.dynamic_unroll, inputs, True, step_core=StepByStep())),
      ("  ... and concat([x, h]) @ w every step",
       _snt_step(lstm, snt.dynamic_unroll, inputs, True, step_core=ConcatEveryStep())),
      ("  snt.static_unroll", _snt_step(lstm, snt.static_unroll, inputs, True)),
  ]
  return candidates


def gru_candidates(hidden, input_size, batch, steps) -> list[Candidate]:
  """The GRU candidates; all but torch compute the same loss and input gradient."""
  rng = np.random.RandomState(1)
  inputs = rng.randn(batch, steps, input_size).astype(np.float32)
  gru = snt.GRU(hidden)
  snt.static_unroll(gru, tf.zeros([1, batch, input_size]), gru.initial_state(batch))
  by_name = {v.name.split("/")[-1].split(":")[0]: v.numpy() for v in gru.variables}
  # Keras' h' = z h + (1 - z) h~ is Sonnet's with z -> 1 - z: negate z's weights.
  kernel = np.concatenate([-by_name["wz"], by_name["wr"], by_name["wh"]], 1)
  recurrent = np.concatenate([-by_name["uz"], by_name["ur"], by_name["uh"]], 1)
  bias = np.concatenate([-by_name["bz"], by_name["br"], by_name["bh"]])
  lengths = rng.randint(steps // 2, steps + 1, size=batch).astype(np.int32)
  candidates = []
  if torch is not None:
    candidates.append(("torch.nn.GRU", _torch_step(torch.nn.GRU(input_size, hidden), inputs)))
  layer = keras.layers.GRU(hidden, return_sequences=True, reset_after=False)
  layer.build((batch, steps, input_size))
  layer.set_weights([kernel, recurrent, bias])
  candidates += [
      ("keras.layers.GRU (reset_after=False)", _keras_step(layer, inputs)),
      ("snt.dynamic_unroll GRU (time-major)",
       _snt_step(gru, snt.dynamic_unroll, inputs, True)),
      ("snt.dynamic_unroll GRU (batch-major)",
       _snt_step(gru, snt.dynamic_unroll, inputs, False)),
      ("snt.dynamic_unroll GRU (sequence_length)",
       _snt_step(gru, snt.dynamic_unroll, inputs, True, lengths)),
  ]
  return candidates


def report(title, candidates, repeats):
  """Times the candidates interleaved and prints medians, minima and ratios."""
  print(title)
  results = timing.measure(candidates, repeats)
  base_name = candidates[0][0]
  base_median, base_min = results[base_name]
  base = "torch" if base_name.startswith("torch") else "keras"
  print("{:44s} {:>10s} {:>8s} {:>16s} {:>13s}".format(
      "", "median ms", "min ms", f"/ {base} (median)", f"/ {base} (min)"))
  for name, (median, best) in results.items():
    print(f"{name:44s} {median * 1e3:10.2f} {best * 1e3:8.2f} {median / base_median:16.2f} "
          f"{best / base_min:13.2f}")
  print(f"(ratio < 1: faster than {base}; load average now {os.getloadavg()[0]:.2f})")


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--hidden", type=int, default=256)
  parser.add_argument("--input", type=int, default=128)
  parser.add_argument("--batch", type=int, default=32)
  parser.add_argument("--steps", type=int, default=50)
  parser.add_argument("--repeats", type=int, default=30)
  parser.add_argument("--threads", type=int, default=2,
                      help="threads of TensorFlow and torch alike (0: their defaults)")
  parser.add_argument("--no-gru", dest="gru", action="store_false")
  args = parser.parse_args(argv)
  if args.threads:
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    if torch is not None:
      torch.set_num_threads(args.threads)
  shapes = (args.hidden, args.input, args.batch, args.steps)
  print(f"hidden={args.hidden} input={args.input} batch={args.batch} steps={args.steps}, "
        f"forward+backward, tensorflow {tf.__version__}, keras {keras.__version__}, "
        f"torch {torch.__version__ if torch is not None else 'not installed'}, "
        f"threads: tensorflow {tf.config.threading.get_intra_op_parallelism_threads() or 'all'}"
        f", torch {torch.get_num_threads() if torch is not None else '-'}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}, {args.repeats} repeats")
  report("LSTM:", lstm_candidates(*shapes), args.repeats)
  if args.gru:
    report("GRU:", gru_candidates(*shapes), args.repeats)


if __name__ == "__main__":
  main()
