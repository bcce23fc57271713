# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Times snt.resampler against a pure-TensorFlow version and torch grid_sample.

For three shapes (float32, coordinates on a jittered grid spanning
[-1, W] x [-1, H]) it times the forward pass and forward+backward (gradients
for both data and warp) of

  * the Sonnet op (`snt.resampler`),
  * the same maths written with TensorFlow gathers (autodiff gradients),
  * `torch.nn.functional.grid_sample(mode="bilinear", padding_mode="zeros",
    align_corners=True)` when torch is installed, on its best layout: the
    zero-copy channels-last view of the NHWC array,

checks that they agree, and prints the median and the minimum of repeated
runs and the ratios of the medians. The candidates are interleaved: every
repetition runs each of them once, in a shuffled order, so a burst of load
from other processes hits them all alike and each follows every other one
about equally often (on a busy machine the medians are
still noisier than the minimums; say which you quote).

For the small shape it also prints what the Python wrapper of the eager
call costs: `snt.resampler` against the generated op wrapper it calls,
interleaved (median and minimum, and the difference).

The op is timed both as a plain eager call (one op: the cheapest way to run
it) and inside a `tf.function` (which adds the function-call overhead, about
0.1-0.4 ms here, and matters for small inputs); ratios use the faster one.
The pure-TF version runs in a `tf.function` (many small ops).

For the medium and large shapes it also prints the memory-bandwidth bound of
the forward pass (bytes that must move / copy bandwidth measured with one
thread per core) and the fraction of it the op reaches, and a lower floor:
the time to read data and warp once at the machine's read bandwidth, with how
much faster than each other candidate a kernel at that floor would be.

With --elementwise_reference it also times `data * 1.0` where the output is
as large as the data (the medium shape), an op that moves the same bytes.

  python bench/resampler_bench.py [--repeats=N] [--shapes=small,medium,large]
      [--elementwise_reference]
"""

import os
import statistics
import threading
import time

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src.ops import resampler as resampler_lib

# torch's OpenMP threads otherwise spin after each call and steal the cores
# from whatever runs next in the interleaved timing loop (measured: the op
# timed right after torch looked 1.5x slower). Passive waiting is fair to all.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

try:
  import torch
except ImportError:
  torch = None  # type: ignore[assignment]

_REPEATS = flags.DEFINE_integer("repeats", 0,
                                "Timed runs per measurement (0: per shape).")
_SHAPES = flags.DEFINE_list("shapes", "small,medium,large", "Shapes to run.")
_ELEMENTWISE_REFERENCE = flags.DEFINE_bool(
    "elementwise_reference", False,
    "Also time `data * 1.0` in the forward loop where the output is as large "
    "as data (the medium shape): the same bytes in and out as the op.")

# name: (data shape [B, H, W, C], output grid (height, width), default repeats)
SHAPES = {
    "small": ([8, 32, 32, 3], (32, 32), 200),
    "medium": ([32, 64, 64, 16], (64, 64), 60),
    "large": ([16, 256, 256, 32], (128, 128), 20),
}


def jittered_grid(batch, height, width, out_height, out_width, rng):
  """[B, out_h, out_w, 2] (x, y) points on a jittered grid over [-1,W]x[-1,H]."""
  xs = np.linspace(-1.0, width, out_width)
  ys = np.linspace(-1.0, height, out_height)
  grid_x, grid_y = np.meshgrid(xs, ys)
  step_x, step_y = (width + 1) / out_width, (height + 1) / out_height
  warp = np.empty([batch, out_height, out_width, 2], np.float32)
  warp[..., 0] = grid_x + rng.uniform(-0.5, 0.5, warp.shape[:-1]) * step_x
  warp[..., 1] = grid_y + rng.uniform(-0.5, 0.5, warp.shape[:-1]) * step_y
  return warp


def tf_gather_resampler(data, warp):
  """The op's maths with TensorFlow gathers (zero padding per corner)."""
  height, width = tf.shape(data)[1], tf.shape(data)[2]
  x, y = warp[..., 0], warp[..., 1]
  inside = ((x > -1.0) & (y > -1.0) & (x < tf.cast(width, x.dtype)) &
            (y < tf.cast(height, y.dtype)))
  x = tf.where(inside, x, tf.zeros_like(x))
  y = tf.where(inside, y, tf.zeros_like(y))
  x0, y0 = tf.floor(x), tf.floor(y)
  ax, ay = x - x0, y - y0
  x0, y0 = tf.cast(x0, tf.int32), tf.cast(y0, tf.int32)
  out = 0.0
  for dx, dy, weight in ((0, 0, (1 - ax) * (1 - ay)), (1, 0, ax * (1 - ay)),
                         (0, 1, (1 - ax) * ay), (1, 1, ax * ay)):
    xi, yi = x0 + dx, y0 + dy
    valid = inside & (xi >= 0) & (xi < width) & (yi >= 0) & (yi < height)
    index = tf.stack([tf.clip_by_value(yi, 0, height - 1),
                      tf.clip_by_value(xi, 0, width - 1)], -1)
    values = tf.gather_nd(data, index, batch_dims=1)
    out += values * tf.expand_dims(weight * tf.cast(valid, weight.dtype), -1)
  return out


def make_tf_functions(fn):
  """tf.functions of fn's forward pass and of forward+backward.

  Args:
    fn: function of (data, warp).

  Returns:
    (forward, forward_backward): forward_backward(data, warp, grad_output)
    returns (output, grad_data, grad_warp). It returns the output too: the
    op's gradient does not read it, so otherwise the function runtime would
    prune the forward op and only the backward pass would be timed.
  """
  forward = tf.function(fn)

  @tf.function
  def forward_backward(data, warp, grad_output):
    with tf.GradientTape() as tape:
      tape.watch([data, warp])
      out = fn(data, warp)
    grad_data, grad_warp = tape.gradient(out, [data, warp],
                                         output_gradients=grad_output)
    return out, grad_data, grad_warp

  return forward, forward_backward


class TorchGridSample:
  """grid_sample on the channels-last (zero-copy NHWC) view, align_corners."""

  def __init__(self, data, warp, grad_output):
    height, width = data.shape[1], data.shape[2]
    # NHWC array viewed as NCHW in channels_last memory format: no copy.
    self.data = torch.from_numpy(data).permute(0, 3, 1, 2)
    assert self.data.is_contiguous(memory_format=torch.channels_last)
    scale = np.array([2.0 / (width - 1), 2.0 / (height - 1)], np.float32)
    self.grid = torch.from_numpy(warp * scale - 1.0)
    self.grad_output = torch.from_numpy(grad_output).permute(0, 3, 1, 2)

  def forward(self):
    with torch.no_grad():
      return torch.nn.functional.grid_sample(
          self.data, self.grid, mode="bilinear", padding_mode="zeros",
          align_corners=True)

  def forward_backward(self):
    data = self.data.detach().requires_grad_(True)
    grid = self.grid.detach().requires_grad_(True)
    out = torch.nn.functional.grid_sample(
        data, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    out.backward(self.grad_output)
    return data.grad, grid.grad


def interleaved_times(candidates, repeats, seed=0):
  """Times each candidate `repeats` times, interleaved in shuffled orders.

  Every repetition runs each candidate once, in a fresh random order, so each
  candidate follows every other one about equally often. A fixed rotation
  would not do that: it gives each candidate the same predecessor in most
  repetitions, and what ran just before matters (medium shape, forward,
  medians: the op took 1.0 ms right after itself and 1.3-1.5 ms after torch,
  a 3 ms sleep or a 64 MB numpy sum, which leave the other core idle and
  the caches cold; `data * 1.0` moved alike, 0.6-0.7 ms to 1.1 ms).

  Args:
    candidates: {name: function of no arguments}.
    repeats: timed runs per candidate (after two warm-up runs each).
    seed: seed of the orders, so a run can be repeated.

  Returns:
    {name: (median seconds, minimum seconds)}.
  """
  for fn in candidates.values():  # Warm up (tracing, allocation).
    fn()
    fn()
  names = list(candidates)
  samples: dict[str, list[float]] = {name: [] for name in names}
  rng = np.random.RandomState(seed)
  for _ in range(repeats):
    for index in rng.permutation(len(names)):
      name = names[index]
      start = time.perf_counter()
      candidates[name]()
      samples[name].append(time.perf_counter() - start)
  return {name: (statistics.median(s), min(s)) for name, s in samples.items()}


def _parallel_best_time(work, arrays, repeats):
  """Best time of `work(*slices)` run on one slice of `arrays` per core.

  numpy releases the GIL in copies and reductions, so the threads run in
  parallel.
  """
  num_threads = max(1, os.cpu_count() or 1)
  bounds = np.linspace(0, arrays[0].size, num_threads + 1).astype(np.int64)

  def run_all():
    threads = [threading.Thread(target=work,
                                args=[a[lo:hi] for a in arrays])
               for lo, hi in zip(bounds[:-1], bounds[1:])]
    for t in threads:
      t.start()
    for t in threads:
      t.join()

  run_all()  # Touches every page first.
  return min(_timed(run_all) for _ in range(repeats))


def copy_bandwidth(num_bytes=256 << 20, repeats=5):
  """Bytes moved per second (read + write) copying with one thread per core.

  Args:
    num_bytes: size of the array copied (much larger than the caches).
    repeats: the best of this many copies counts.

  Returns:
    Bytes read plus bytes written, per second.
  """
  src = np.ones(num_bytes // 4, np.float32)
  dst = np.empty_like(src)
  best = _parallel_best_time(lambda d, s: np.copyto(d, s), [dst, src],
                             repeats)
  return 2 * src.nbytes / best


def read_bandwidth(num_bytes=256 << 20, repeats=5):
  """Bytes read per second by one thread per core (a max over each slice).

  A reduction writes nothing, so this is the rate at which any kernel can
  read its inputs from memory. `np.max` measured faster than `np.sum`
  (pairwise summation) here: 27.7 against 24.8 GB/s on two cores.

  Args:
    num_bytes: size of the array read (much larger than the caches).
    repeats: the best of this many reads counts.

  Returns:
    Bytes read per second.
  """
  src = np.ones(num_bytes // 4, np.float32)
  best = _parallel_best_time(np.max, [src], repeats)
  return src.nbytes / best


_ELEMENTWISE = "TF data * 1.0"
_BANDWIDTH: dict[str, float] = {}


def _bandwidths_once():
  """(copy, read) bandwidths, measured on the first call only."""
  if not _BANDWIDTH:
    _BANDWIDTH["copy"] = copy_bandwidth()
    _BANDWIDTH["read"] = read_bandwidth()
  return _BANDWIDTH["copy"], _BANDWIDTH["read"]


def wrapper_overhead(data, warp, repeats):
  """Times eager `snt.resampler` against the bare generated op call it wraps.

  Args:
    data: `data` tensor.
    warp: `warp` tensor.
    repeats: interleaved runs of each.

  Returns:
    {name: (median seconds, minimum seconds)} for "snt.resampler" and
    "generated op" (the library's own Python wrapper, called directly).
  """
  module = resampler_lib.load_op_library()
  return interleaved_times(
      {"snt.resampler": lambda: snt.resampler(data, warp),
       "generated op": lambda: module.sonnet_resampler(data=data, warp=warp)},
      repeats)


def _timed(fn):
  start = time.perf_counter()
  fn()
  return time.perf_counter() - start


def _max_diff(a, b):
  return float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) if np.size(a) else 0.0


def run_shape(name, repeats):
  data_shape, (out_h, out_w), default_repeats = SHAPES[name]
  repeats = repeats or default_repeats
  batch, height, width, channels = data_shape
  rng = np.random.RandomState(0)
  data = rng.uniform(size=data_shape).astype(np.float32)
  warp = jittered_grid(batch, height, width, out_h, out_w, rng)
  grad_output = rng.uniform(size=[batch, out_h, out_w, channels]).astype(
      np.float32)
  data_t, warp_t, grad_t = map(tf.constant, (data, warp, grad_output))

  op_fwd, op_fwd_bwd = make_tf_functions(snt.resampler)

  def op_eager_fwd_bwd():
    with tf.GradientTape() as tape:
      tape.watch([data_t, warp_t])
      out = snt.resampler(data_t, warp_t)
    return tape.gradient(out, [data_t, warp_t], output_gradients=grad_t)

  tf_fwd, tf_fwd_bwd = make_tf_functions(tf_gather_resampler)
  ours = op_fwd(data_t, warp_t).numpy()
  ours_grads = [g.numpy() for g in op_fwd_bwd(data_t, warp_t, grad_t)[1:]]
  gather = tf_fwd(data_t, warp_t).numpy()
  gather_grads = [g.numpy() for g in tf_fwd_bwd(data_t, warp_t, grad_t)[1:]]
  print("\n== %s: data %s -> %dx%d, float32 ==" % (name, data_shape, out_h,
                                                   out_w))
  print("agreement (max |diff|) vs pure TF: forward %.1e, grad data %.1e, "
        "grad warp %.1e" % (_max_diff(ours, gather),
                            _max_diff(ours_grads[0], gather_grads[0]),
                            _max_diff(ours_grads[1], gather_grads[1])))
  eager_grads = op_eager_fwd_bwd()
  assert _max_diff(eager_grads[0], ours_grads[0]) == 0.0
  # Timed calls return tensors without `.numpy()`: that copies the result
  # into fresh memory (10 ms for the large output here), which torch's
  # candidate does not pay. CPU ops run synchronously, so the work is done
  # when the call returns.
  forward = {"snt op": lambda: snt.resampler(data_t, warp_t),
             "snt op tf.function": lambda: op_fwd(data_t, warp_t),
             "pure TF": lambda: tf_fwd(data_t, warp_t)}
  if _ELEMENTWISE_REFERENCE.value and ours.size == data.size:
    # Not a resampler: an elementwise op that reads `data` and writes an
    # output of the op's size, i.e. moves the bytes the op must move, timed
    # in the same conditions: how close the op gets to memory's limit. Off by
    # default: a fifth candidate changes what runs before each of the others,
    # so the default ratios are taken without it.
    forward[_ELEMENTWISE] = lambda: data_t * 1.0
  backward = {
      "snt op": op_eager_fwd_bwd,
      "snt op tf.function": lambda: op_fwd_bwd(data_t, warp_t, grad_t),
      "pure TF": lambda: tf_fwd_bwd(data_t, warp_t, grad_t)}
  if torch is not None:
    torch_case = TorchGridSample(data, warp, grad_output)
    torch_out = torch_case.forward().permute(0, 2, 3, 1).numpy()
    torch_grad_data, torch_grad_grid = torch_case.forward_backward()
    scale = np.array([(width - 1) / 2.0, (height - 1) / 2.0], np.float32)
    # torch rescales the coordinates, so points within rounding of an integer
    # (a kink) may take the other one-sided derivative: compare the others.
    frac = np.abs(warp - np.round(warp))
    smooth = np.broadcast_to((frac > 1e-3).all(-1, keepdims=True), warp.shape)
    print("agreement (max |diff|) vs torch:   forward %.1e, grad data %.1e, "
          "grad warp %.1e (away from integer kinks)" % (
              _max_diff(ours, torch_out),
              _max_diff(ours_grads[0],
                        torch_grad_data.permute(0, 2, 3, 1).numpy()),
              _max_diff(ours_grads[1][smooth],
                        (torch_grad_grid.numpy() / scale)[smooth])))
    forward["torch"] = torch_case.forward
    backward["torch"] = torch_case.forward_backward
  results = {}
  print("%d interleaved runs each; times are median / min in ms" % repeats)
  for label, candidates in (("forward", forward),
                            ("forward+backward", backward)):
    times = interleaved_times(candidates, repeats)
    results[label] = times
    print("  %s: %s" % (label, ", ".join(
        "%s %.3f / %.3f" % (n, med * 1e3, low * 1e3)
        for n, (med, low) in times.items())))
    op_mode = min(("snt op", "snt op tf.function"), key=lambda n: times[n][0])
    print("    time / time of %s: %s" % (op_mode, ", ".join(
        "%s %.1fx (by min %.1fx)" % (
            n, times[n][0] / times[op_mode][0],
            times[n][1] / times[op_mode][1])
        for n in times if not n.startswith("snt op") and n != _ELEMENTWISE)))
  if name == "small":
    # What the Python wrapper adds to the op call: argument checks, choosing
    # the implementation, error translation.
    overhead = wrapper_overhead(data_t, warp_t, 10 * repeats)
    (ours_med, ours_min), (bare_med, bare_min) = (
        overhead["snt.resampler"], overhead["generated op"])
    print("  wrapper overhead (eager, %d interleaved runs each): snt.resampler "
          "%.1f / %.1f us, generated op call %.1f / %.1f us: +%.1f us by "
          "median (+%.1f us by min)" % (
              10 * repeats, ours_med * 1e6, ours_min * 1e6, bare_med * 1e6,
              bare_min * 1e6, (ours_med - bare_med) * 1e6,
              (ours_min - bare_min) * 1e6))
  if name in ("medium", "large"):
    # Each repetition runs the other candidates in between, which evict the
    # op's inputs from the caches (medium: 17 MB, large: 170 MB): memory
    # sets the floor on both.
    moved = data.nbytes + warp.nbytes + ours.nbytes
    bandwidth, read = _bandwidths_once()
    bound = moved / bandwidth
    op_median, op_min = min(results["forward"]["snt op"],
                            results["forward"]["snt op tf.function"])
    print("forward memory bound: %.1f MB must move, copy bandwidth %.1f GB/s "
          "(%d threads) -> %.2f ms; op reaches %.0f%% of it (median), %.0f%% "
          "(min)" % (moved / 1e6, bandwidth / 1e9, os.cpu_count() or 1,
                     bound * 1e3, 100 * bound / op_median,
                     100 * bound / op_min))
    # A floor below the bound: the inputs alone, read at the best rate this
    # machine reads memory (the op also writes its output). How much faster
    # than the other candidates any kernel that reads its inputs once could be.
    read_floor = (data.nbytes + warp.nbytes) / read
    print("  reading data and warp once at the read bandwidth (%.1f GB/s) "
          "takes %.2f ms: a kernel at that floor would be %s" % (
              read / 1e9, read_floor * 1e3, ", ".join(
                  "%.1fx %s" % (times_median / read_floor, n)
                  for n, (times_median, _) in results["forward"].items()
                  if not n.startswith("snt op") and n != _ELEMENTWISE)))
    if _ELEMENTWISE in results["forward"]:
      print("  %s (same bytes in and out as the op, same conditions): "
            "%.3f ms median; the op takes %.2fx its time" % (
                _ELEMENTWISE, results["forward"][_ELEMENTWISE][0] * 1e3,
                op_median / results["forward"][_ELEMENTWISE][0]))
  return results


def main(argv):
  del argv
  if not tf.config.experimental.get_synchronous_execution():
    raise RuntimeError("the timings assume synchronous eager execution")
  if not snt.resampler_is_available():
    snt.resampler(tf.zeros([1, 1, 1, 1]), tf.zeros([1, 1, 2]))  # Says why.
  print("TensorFlow %s, intra-op threads %d (0: one per core), "
        "OMP_WAIT_POLICY=%s%s" % (
      tf.__version__, tf.config.threading.get_intra_op_parallelism_threads(),
      os.environ.get("OMP_WAIT_POLICY"),
      ", torch %s (%d threads)" % (torch.__version__, torch.get_num_threads())
      if torch is not None else ", torch not installed (skipped)"))
  for name in _SHAPES.value:
    run_shape(name, _REPEATS.value)


if __name__ == "__main__":
  app.run(main)
