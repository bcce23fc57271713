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

checks that they agree, and prints medians of repeated, interleaved runs and
the ratios. For the large shape it also prints the memory-bandwidth bound of
the forward pass (bytes that must move / measured copy bandwidth) and the
fraction of it the op reaches.

  python bench/resampler_bench.py [--repeats=N] [--shapes=small,medium,large]
"""

import os
import statistics
import time

from absl import app
from absl import flags
import numpy as np
import sonnet as snt
import tensorflow as tf

# torch's OpenMP threads otherwise spin after each call and steal the cores
# from whatever runs next in the interleaved timing loop (measured: the op
# timed right after torch looked 1.5x slower). Passive waiting is fair to all.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

try:
  import torch  # pylint: disable=g-import-not-at-top
except ImportError:
  torch = None

_REPEATS = flags.DEFINE_integer("repeats", 0,
                                "Timed runs per measurement (0: per shape).")
_SHAPES = flags.DEFINE_list("shapes", "small,medium,large", "Shapes to run.")

# name: (data shape [B, H, W, C], output grid (height, width), default repeats)
SHAPES = {
    "small": ([8, 32, 32, 3], (32, 32), 50),
    "medium": ([32, 64, 64, 16], (64, 64), 20),
    "large": ([16, 256, 256, 32], (128, 128), 10),
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
  forward = tf.function(fn)

  @tf.function
  def forward_backward(data, warp, grad_output):
    with tf.GradientTape() as tape:
      tape.watch([data, warp])
      out = fn(data, warp)
    return tape.gradient(out, [data, warp], output_gradients=grad_output)

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


def median_times(candidates, repeats):
  """Interleaved timing: returns {name: median seconds}."""
  for fn in candidates.values():  # Warm up (tracing, allocation).
    fn()
    fn()
  samples = {name: [] for name in candidates}
  for _ in range(repeats):
    for name, fn in candidates.items():
      start = time.perf_counter()
      fn()
      samples[name].append(time.perf_counter() - start)
  return {name: statistics.median(s) for name, s in samples.items()}


def copy_bandwidth(num_bytes=256 << 20, repeats=5):
  """Bytes moved per second (read + write) by a large numpy copy."""
  src = np.ones(num_bytes // 4, np.float32)
  dst = np.empty_like(src)
  np.copyto(dst, src)
  best = min(_timed(lambda: np.copyto(dst, src)) for _ in range(repeats))
  return 2 * src.nbytes / best


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
  tf_fwd, tf_fwd_bwd = make_tf_functions(tf_gather_resampler)
  ours = op_fwd(data_t, warp_t).numpy()
  ours_grads = [g.numpy() for g in op_fwd_bwd(data_t, warp_t, grad_t)]
  gather = tf_fwd(data_t, warp_t).numpy()
  gather_grads = [g.numpy() for g in tf_fwd_bwd(data_t, warp_t, grad_t)]
  print("\n== %s: data %s -> %dx%d, float32 ==" % (name, data_shape, out_h,
                                                   out_w))
  print("agreement (max |diff|) vs pure TF: forward %.1e, grad data %.1e, "
        "grad warp %.1e" % (_max_diff(ours, gather),
                            _max_diff(ours_grads[0], gather_grads[0]),
                            _max_diff(ours_grads[1], gather_grads[1])))
  forward = {"snt op": lambda: op_fwd(data_t, warp_t).numpy(),
             "pure TF": lambda: tf_fwd(data_t, warp_t).numpy()}
  backward = {
      "snt op": lambda: [g.numpy() for g in op_fwd_bwd(data_t, warp_t, grad_t)],
      "pure TF": lambda: [g.numpy() for g in tf_fwd_bwd(data_t, warp_t,
                                                        grad_t)]}
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
  for label, candidates in (("forward", forward),
                            ("forward+backward", backward)):
    times = median_times(candidates, repeats)
    results[label] = times
    line = ", ".join("%s %.3f ms" % (n, t * 1e3) for n, t in times.items())
    ratios = ", ".join("%.1fx vs %s" % (t / times["snt op"], n)
                       for n, t in times.items() if n != "snt op")
    print("%-17s median of %d: %s  (op is %s)" % (label, repeats, line, ratios))
  if name == "large":
    moved = data.nbytes + warp.nbytes + ours.nbytes
    bandwidth = copy_bandwidth()
    bound = moved / bandwidth
    op_time = results["forward"]["snt op"]
    print("forward memory bound: %.1f MB must move, copy bandwidth %.1f GB/s "
          "-> %.2f ms; op reaches %.0f%% of it" % (
              moved / 1e6, bandwidth / 1e9, bound * 1e3, 100 * bound / op_time))
  return results


def main(argv):
  del argv
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
