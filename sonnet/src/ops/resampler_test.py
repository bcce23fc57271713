# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests of the Sonnet>Resampler op, its gradient op and the Python wrapper.

Everything is checked against a float64 numpy reference of the forward pass
and of both gradients (zero-padded bilinear interpolation).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from typing import Any

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src.ops import resampler as resampler_lib

DTYPES = (np.float16, np.float32, np.float64)
# numpy's bfloat16 (ml_dtypes), tested on its own: numpy has no finfo or
# nextafter for it.
BFLOAT16 = tf.bfloat16.as_numpy_dtype
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
MODES = ("eager", "function", "graph")
# Absolute tolerances for data in [0, 1] (float16 works in float32 inside).
TOLERANCE = {np.float16: 1e-2, np.float32: 2e-5, np.float64: 1e-12}


# ----------------------------------------------------------------------------
# numpy reference (float64)
# ----------------------------------------------------------------------------
def _footprint(warp, height, width):
  x = warp[..., 0].astype(np.float64)
  y = warp[..., 1].astype(np.float64)
  with np.errstate(invalid="ignore"):
    inside = (x > -1) & (y > -1) & (x < width) & (y < height)
  x = np.where(inside, x, 0.0)
  y = np.where(inside, y, 0.0)
  x0, y0 = np.floor(x), np.floor(y)
  return inside, x0.astype(np.int64), y0.astype(np.int64), x - x0, y - y0


def _corners(x0, y0):
  # (dx, dy, weight function of (ax, ay)) for the four corners.
  return ((0, 0, lambda ax, ay: (1 - ax) * (1 - ay)),
          (1, 0, lambda ax, ay: ax * (1 - ay)),
          (0, 1, lambda ax, ay: (1 - ax) * ay),
          (1, 1, lambda ax, ay: ax * ay))


def _pixels(image, xi, yi):
  """image[yi, xi] with zeros outside; image is [H, W, C]."""
  height, width, channels = image.shape
  valid = (xi >= 0) & (xi < width) & (yi >= 0) & (yi < height)
  if image.size == 0:
    return np.zeros(xi.shape + (channels,)), valid
  values = image[np.clip(yi, 0, height - 1), np.clip(xi, 0, width - 1)]
  return np.where(valid[..., None], values, 0.0), valid


def reference_forward(data, warp):
  data = np.asarray(data, np.float64)
  batch, height, width, channels = data.shape
  out = np.zeros(warp.shape[:-1] + (channels,))
  for b in range(batch):
    inside, x0, y0, ax, ay = _footprint(warp[b], height, width)
    for dx, dy, weight in _corners(x0, y0):
      values, _ = _pixels(data[b], x0 + dx, y0 + dy)
      out[b] += weight(ax, ay)[..., None] * values
    out[b][~inside] = 0.0
  return out


def reference_grads(data, warp, grad_output):
  """Returns (grad_data, grad_warp) in float64."""
  data = np.asarray(data, np.float64)
  grad_output = np.asarray(grad_output, np.float64)
  batch, height, width, channels = data.shape
  grad_data = np.zeros_like(data)
  grad_warp = np.zeros(warp.shape, np.float64)
  for b in range(batch):
    inside, x0, y0, ax, ay = _footprint(warp[b], height, width)
    g = np.where(inside[..., None], grad_output[b], 0.0)
    i = {}
    for dx, dy, weight in _corners(x0, y0):
      values, valid = _pixels(data[b], x0 + dx, y0 + dy)
      i[dx, dy] = values
      contribution = weight(ax, ay)[..., None] * g
      mask = valid & inside
      np.add.at(grad_data[b], ((y0 + dy)[mask], (x0 + dx)[mask]),
                contribution[mask])
    axc, ayc = ax[..., None], ay[..., None]
    gx = (1 - ayc) * (i[1, 0] - i[0, 0]) + ayc * (i[1, 1] - i[0, 1])
    gy = (1 - axc) * (i[0, 1] - i[0, 0]) + axc * (i[1, 1] - i[1, 0])
    grad_warp[b, ..., 0] = np.where(inside, np.sum(g * gx, -1), 0.0)
    grad_warp[b, ..., 1] = np.where(inside, np.sum(g * gy, -1), 0.0)
  return grad_data, grad_warp


def random_warp(rng, shape, height, width, dtype, margin=1.5):
  x = rng.uniform(-margin, width - 1 + margin, shape)
  y = rng.uniform(-margin, height - 1 + margin, shape)
  return np.stack([x, y], -1).astype(dtype)


def run_in_mode(mode, fn, *args):
  """Runs fn(*tensors) eagerly, in a tf.function or in a v1 Session."""
  if mode == "eager":
    tensors = [tf.constant(a) for a in args]
    return tf.nest.map_structure(lambda t: t.numpy(), fn(*tensors))
  if mode == "function":
    specs = [tf.TensorSpec(None, tf.as_dtype(a.dtype)) for a in args]
    result = tf.function(fn, input_signature=specs)(*args)
    return tf.nest.map_structure(lambda t: t.numpy(), result)
  with tf.Graph().as_default():
    placeholders = [tf.compat.v1.placeholder(tf.as_dtype(a.dtype), None)
                    for a in args]
    outputs = fn(*placeholders)
    with tf.compat.v1.Session() as session:
      return session.run(outputs, dict(zip(placeholders, args)))


class ResamplerForwardTest(tf.test.TestCase, parameterized.TestCase):

  def test_library_loads(self):
    self.assertTrue(snt.resampler_is_available())

  @parameterized.product(dtype=DTYPES, mode=MODES)
  def test_random_shapes_match_reference(self, dtype, mode):
    rng = np.random.RandomState(0)
    for data_shape, warp_inner in (([2, 5, 7, 3], [4]), ([1, 3, 4, 1], [2, 3]),
                                   ([3, 6, 2, 5], [1, 2, 2])):
      data = rng.uniform(size=data_shape).astype(dtype)
      warp = random_warp(rng, [data_shape[0]] + warp_inner, data_shape[1],
                         data_shape[2], dtype)
      out = run_in_mode(mode, snt.resampler, data, warp)
      self.assertEqual(out.dtype, dtype)
      self.assertAllClose(out, reference_forward(data, warp),
                          atol=TOLERANCE[dtype], rtol=0)

  @parameterized.parameters(*DTYPES)
  def test_edge_coordinates(self, dtype):
    height, width = 4, 5
    rng = np.random.RandomState(1)
    data = rng.uniform(0.5, 1.0, [1, height, width, 2]).astype(dtype)

    def edges(size):
      up = lambda v: np.nextafter(dtype(v), dtype(np.inf))
      down = lambda v: np.nextafter(dtype(v), dtype(-np.inf))
      return [dtype(-1), up(-1), dtype(-0.5), dtype(0), dtype(1.5),
              dtype(size - 1), dtype(size - 0.5), down(size), dtype(size),
              dtype(np.nan), dtype(np.inf), dtype(-np.inf)]

    xs, ys = np.meshgrid(edges(width), edges(height))
    warp = np.stack([xs, ys], -1)[None].astype(dtype)
    out = snt.resampler(data, warp).numpy()
    expected = reference_forward(data, warp)
    self.assertAllClose(out, expected, atol=TOLERANCE[dtype], rtol=0)
    # Exactly zero at and beyond -1 / W / H and for non-finite coordinates.
    x, y = warp[0, ..., 0], warp[0, ..., 1]
    with np.errstate(invalid="ignore"):
      outside = ~((x > -1) & (x < width) & (y > -1) & (y < height))
    self.assertTrue(outside.any())
    self.assertAllEqual(out[0][outside], np.zeros_like(out[0][outside]))
    # Inside the range the output is not zero (data >= 0.5): fades, not cut.
    self.assertTrue((np.abs(out[0][~outside]) > 0).all())

  @parameterized.parameters(*DTYPES)
  def test_huge_and_non_finite_coordinates_give_zero(self, dtype):
    finfo = np.finfo(dtype)
    values = [np.nan, np.inf, -np.inf, finfo.max, -finfo.max, 6e4, -6e4]
    if dtype != np.float16:
      values += [1e30, -1e30]
    coords = np.array([[v, 1.0] for v in values] + [[1.0, v] for v in values],
                      dtype)[None]
    data = np.ones([1, 3, 3, 2], dtype)
    with tf.GradientTape() as tape:
      warp = tf.constant(coords)
      data_t = tf.constant(data)
      tape.watch([warp, data_t])
      out = snt.resampler(data_t, warp)
    self.assertAllEqual(out, np.zeros([1, len(coords[0]), 2], dtype))
    grad_data, grad_warp = tape.gradient(out, [data_t, warp])
    self.assertAllEqual(grad_warp, np.zeros_like(coords))
    self.assertAllEqual(grad_data, np.zeros_like(data))

  @parameterized.parameters(*DTYPES)
  def test_identity_warp_is_exact(self, dtype):
    rng = np.random.RandomState(2)
    data = rng.normal(size=[2, 5, 6, 3]).astype(dtype)
    ys, xs = np.meshgrid(np.arange(5), np.arange(6), indexing="ij")
    warp = np.tile(np.stack([xs, ys], -1)[None], [2, 1, 1, 1]).astype(dtype)
    self.assertAllEqual(snt.resampler(data, warp), data)

  def test_same_tensor_as_data_and_warp(self):
    value = tf.constant([[[[0.25, 0.0]]]])  # data [1,1,1,2], warp [1,1,1,2]
    out = snt.resampler(value, value)
    self.assertAllClose(out, reference_forward(value.numpy(), value.numpy()))

  def test_transposed_input(self):
    rng = np.random.RandomState(3)
    data = tf.transpose(tf.constant(rng.uniform(size=[2, 4, 3, 5])),
                        [0, 2, 1, 3])[:, ::2]
    warp = random_warp(rng, [2, 6], 2, 4, np.float64)
    self.assertAllClose(snt.resampler(data, warp),
                        reference_forward(data.numpy(), warp))

  def test_parallel_paths_match_reference(self):
    # Work large enough to be sharded over threads: one batch entry (points
    # split into slices with scratch buffers) and several.
    rng = np.random.RandomState(4)
    for dtype in DTYPES:
      for batch in (1, 3):
        data = rng.uniform(size=[batch, 16, 16, 8]).astype(dtype)
        warp = random_warp(rng, [batch, 128, 128], 16, 16, dtype)
        grad_output = rng.uniform(size=[batch, 128, 128, 8]).astype(dtype)
        out = snt.resampler(data, warp)
        self.assertAllClose(out, reference_forward(data, warp),
                            atol=TOLERANCE[dtype], rtol=0)
        grad_data, grad_warp = resampler_lib.resampler_grad(
            data, warp, grad_output)
        ref_data, ref_warp = reference_grads(data, warp, grad_output)
        scale = 100 if dtype == np.float16 else 1
        self.assertAllClose(grad_data, ref_data, atol=TOLERANCE[dtype] * scale,
                            rtol=TOLERANCE[dtype])
        self.assertAllClose(grad_warp, ref_warp, atol=TOLERANCE[dtype] * scale,
                            rtol=TOLERANCE[dtype])
        # Deterministic: no atomics, fixed reduction order.
        again, _ = resampler_lib.resampler_grad(data, warp, grad_output)
        self.assertAllEqual(grad_data, again)

  @parameterized.parameters(1, 3, 7, 8, 9, 16, 21)
  def test_eight_point_blocks_and_channel_tails(self, channels):
    # float32 takes the AVX2 kernels where the CPU has them: footprints of
    # eight points at once, eight channels per step and a masked tail. 37
    # points per batch entry: four blocks and five points left over; blocks
    # mix interior, edge, outside and NaN points. Forward and gradients.
    rng = np.random.RandomState(10 + channels)
    data = rng.normal(size=[3, 6, 5, channels]).astype(np.float32)
    warp = random_warp(rng, [3, 37], 6, 5, np.float32, margin=1.5)
    warp[0, ::5, 0] = np.nan
    warp[1, 3::7, 1] = np.inf
    warp[2, :8] = [[0.0, 0.0], [4.0, 5.0], [-0.5, 2.0], [2.0, -0.5],
                   [4.5, 1.0], [1.0, 5.5], [3.0, 4.0], [2.25, 3.75]]
    out = snt.resampler(data, warp).numpy()
    expected = reference_forward(data, warp)
    self.assertAllClose(out, expected, atol=1e-5, rtol=0)
    # Integer coordinates copy the pixel exactly (zero weights add nothing).
    self.assertAllEqual(out[2, 0], data[2, 0, 0])
    self.assertAllEqual(out[2, 6], data[2, 4, 3])
    grad_output = rng.normal(size=[3, 37, channels]).astype(np.float32)
    grad_data, grad_warp = resampler_lib.resampler_grad(data, warp,
                                                        grad_output)
    ref_data, ref_warp = reference_grads(data, warp, grad_output)
    self.assertAllClose(grad_data, ref_data, atol=1e-5, rtol=0)
    self.assertAllClose(grad_warp, ref_warp, atol=1e-4, rtol=1e-5)

  @parameterized.parameters(1, 2, 3, 5, 7, 12)
  def test_channel_tails_at_chunk_boundaries(self, channels):
    # Sharded over threads (73728 points). With a channel tail, the AVX2
    # forward stores a point's last vector whole, across the next points'
    # outputs, except where that would cross the end of its thread's chunk:
    # a store across it would overwrite another thread's finished points.
    rng = np.random.RandomState(20 + channels)
    data = rng.normal(size=[2, 32, 32, channels]).astype(np.float32)
    warp = random_warp(rng, [2, 192, 192], 32, 32, np.float32, margin=0.0)
    expected = reference_forward(data, warp)
    for _ in range(5):
      self.assertAllClose(snt.resampler(data, warp), expected, atol=1e-5,
                          rtol=0)

  @parameterized.parameters(1, 2, 3, 4)
  def test_narrow_gradient_at_image_ends(self, channels):
    # Sharded over threads, one accumulator per batch entry (six) or per
    # slice (one entry). With C <= 4 the AVX2 gradient updates both corners
    # of a row as one vector, read and written whole only where its eight
    # lanes stay inside the point's two rows; past the image's end they
    # belong to another thread's accumulator, so a whole-vector write there
    # could undo that thread's updates. Points crowd the last pixels.
    rng = np.random.RandomState(30 + channels)
    for batch in (6, 1):
      data = rng.normal(size=[batch, 4, 4, channels]).astype(np.float32)
      warp = rng.uniform(1.5, 2.999, [batch, 24576 // batch, 2]).astype(
          np.float32)
      grad_output = rng.normal(
          size=[batch, 24576 // batch, channels]).astype(np.float32)
      ref_data, ref_warp = reference_grads(data, warp, grad_output)
      for _ in range(5):
        grad_data, grad_warp = resampler_lib.resampler_grad(
            data, warp, grad_output)
        self.assertAllClose(grad_data, ref_data, atol=2e-3, rtol=1e-5)
        self.assertAllClose(grad_warp, ref_warp, atol=1e-4, rtol=1e-5)

  def test_width_beyond_float_precision_matches_reference(self):
    # From width 2^24 on, float32 cannot hold every column index: such
    # images take the scalar loops, which compare in the same precision.
    width = (1 << 24) + 3
    data = np.zeros([1, 1, width, 1], np.float32)
    data[0, 0, -4:, 0] = [1.0, 2.0, 3.0, 4.0]
    data[0, 0, :2, 0] = [5.0, 6.0]
    x = np.array([0.0, 0.5, 1.0, -0.5, width - 4.0, width - 1.0, width + 0.0,
                  16.0, 3.0, 2.0], np.float32)
    warp = np.stack([x, np.zeros_like(x)], -1)[None]
    out = snt.resampler(data, warp).numpy()
    self.assertAllClose(out, reference_forward(data, warp), atol=1e-6, rtol=0)

  @parameterized.product(dtype=DTYPES, jump_to_last_row=(False, True))
  def test_grad_data_rows_no_point_touches_are_zero(self, dtype,
                                                    jump_to_last_row):
    # grad_data is zeroed row by row as points reach them (rows of 16 KiB
    # here, one per fill), the rest at the end. A first call leaves non-zero
    # memory behind for the allocator to hand out again; the second call's
    # points touch only rows 1-2 (and, with the jump, the last row once).
    rng = np.random.RandomState(12)
    data = rng.uniform(size=[2, 9, 64, 64]).astype(dtype)
    ones = np.ones([2, 600, 64], dtype)
    everywhere = random_warp(rng, [2, 600], 9, 64, dtype, margin=0.0)
    resampler_lib.resampler_grad(data, everywhere, ones)  # then freed
    warp = np.stack([rng.uniform(0, 63, [2, 600]),
                     rng.uniform(1, 1.9, [2, 600])], -1).astype(dtype)
    touched = [1, 2]
    if jump_to_last_row:
      warp[:, 300, 1] = 8.0
      touched.append(8)
    grad_data, _ = resampler_lib.resampler_grad(data, warp, ones)
    ref_data, _ = reference_grads(data, warp, ones)
    self.assertAllClose(grad_data, ref_data, atol=TOLERANCE[dtype] * 100,
                        rtol=TOLERANCE[dtype] * 10)
    untouched = np.ones([9], bool)
    untouched[touched] = False
    self.assertAllEqual(grad_data.numpy()[:, untouched],
                        np.zeros_like(data[:, untouched]))

  def test_concurrent_calls_give_identical_results(self):
    # Several Python threads call both ops at once: each call shares its
    # chunks with the same thread pool (helpers arrive late, or busy with
    # another call's chunks). Results must equal a lone call's, bit for bit.
    rng = np.random.RandomState(11)
    data = tf.constant(rng.uniform(size=[2, 32, 32, 16]).astype(np.float32))
    warp = tf.constant(random_warp(rng, [2, 128, 128], 32, 32, np.float32))
    grad_output = tf.constant(
        rng.uniform(size=[2, 128, 128, 16]).astype(np.float32))
    want_out = snt.resampler(data, warp).numpy()
    want_data, want_warp = [t.numpy() for t in resampler_lib.resampler_grad(
        data, warp, grad_output)]
    failures = []

    def worker():
      try:
        for _ in range(10):
          out = snt.resampler(data, warp).numpy()
          grad_data, grad_warp = resampler_lib.resampler_grad(
              data, warp, grad_output)
          if not (np.array_equal(out, want_out) and
                  np.array_equal(grad_data.numpy(), want_data) and
                  np.array_equal(grad_warp.numpy(), want_warp)):
            failures.append("results differ from a lone call's")
      except Exception as e:
        failures.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
      t.start()
    for t in threads:
      t.join()
    self.assertEqual(failures, [])
    self.assertAllClose(want_out, reference_forward(data.numpy(),
                                                    warp.numpy()),
                        atol=1e-5, rtol=0)

  @absltest.skipUnless(os.environ.get("SONNET_RESAMPLER_HUGE_TEST"),
                       "needs about 18 GB of memory; run it with "
                       "SONNET_RESAMPLER_HUGE_TEST=1 TF_ENABLE_ONEDNN_OPTS=0 "
                       "(oneDNN's pooling allocator reserves too much)")
  def test_image_of_more_than_2_31_elements(self):
    # Element offsets past 2^31 must not wrap (64-bit indexing): one float32
    # image of 32768 x 65537 = 2^31 + 32768 elements (8 GiB; too large for
    # the AVX2 loops' int32 offsets, so this runs the scalar loops), sampled
    # and differentiated near its last pixel.
    height, width = 32768, 65537
    value = lambda y, x: (x % 7) + (y % 5) * 8.0
    cols = tf.constant((np.arange(width) % 7).astype(np.float32))
    rows = tf.constant((np.arange(height) % 5 * 8).astype(np.float32))
    data = cols[None, None, :, None] + rows[None, :, None, None]
    points = np.array([[width - 1.0, height - 1.0], [width - 1.5, height - 1.5],
                       [width - 1.25, height - 1.0], [3.0, height - 1.0],
                       [width - 0.5, height - 0.5]], np.float32)
    out = snt.resampler(data, points[None]).numpy()[0, :, 0]
    expected = []
    grad_corner = np.zeros([2, 2])  # rows H-2, H-1 x columns W-2, W-1
    for x, y in points.astype(np.float64):
      x0, y0 = int(np.floor(x)), int(np.floor(y))
      ax, ay = x - x0, y - y0
      total = 0.0
      for dx, dy, weight in ((0, 0, (1 - ax) * (1 - ay)), (1, 0, ax * (1 - ay)),
                             (0, 1, (1 - ax) * ay), (1, 1, ax * ay)):
        xi, yi = x0 + dx, y0 + dy
        if 0 <= xi < width and 0 <= yi < height:
          total += weight * value(yi, xi)
          if xi >= width - 2 and yi >= height - 2:
            grad_corner[yi - height + 2, xi - width + 2] += weight
      expected.append(total)
    self.assertAllClose(out, expected, atol=1e-5, rtol=0)
    grad_data, _ = resampler_lib.resampler_grad(
        data, points[None], tf.ones([1, len(points), 1]))
    del data
    self.assertAllClose(grad_data[0, -2:, -2:, 0], grad_corner, atol=1e-6,
                        rtol=0)
    self.assertEqual(float(grad_data[0, height - 1, 3, 0]), 1.0)

  @parameterized.parameters(16, 64)
  def test_large_input_prefetch_path_matches_reference(self, channels):
    # The kernels prefetch from 16 MiB of data (64 channels here); the AVX2
    # forward pass from 2 MiB (16 channels: 4 MiB), into L1 below 16 MiB.
    rng = np.random.RandomState(8)
    data = rng.uniform(size=[1, 256, 256, channels]).astype(np.float32)
    warp = random_warp(rng, [1, 300], 256, 256, np.float32)
    grad_output = rng.uniform(size=[1, 300, channels]).astype(np.float32)
    self.assertAllClose(snt.resampler(data, warp),
                        reference_forward(data, warp), atol=2e-5, rtol=0)
    grad_data, grad_warp = resampler_lib.resampler_grad(data, warp,
                                                        grad_output)
    ref_data, ref_warp = reference_grads(data, warp, grad_output)
    self.assertAllClose(grad_data, ref_data, atol=2e-5, rtol=0)
    self.assertAllClose(grad_warp, ref_warp, atol=2e-4, rtol=1e-5)

  @parameterized.parameters(8, 24, 32)
  def test_large_output_streaming_path_matches_reference(self, channels):
    # Outputs of 4 MiB and more with channels % 8 == 0 are written with
    # non-temporal stores (resampler_avx2.h: StreamsOutput), in parallel
    # chunks; points on and past the border included.
    rng = np.random.RandomState(9)
    num_points = (4 << 20) // (4 * channels * 2) + 13
    data = rng.uniform(size=[2, 24, 40, channels]).astype(np.float32)
    warp = random_warp(rng, [2, num_points], 24, 40, np.float32)
    self.assertGreaterEqual(2 * num_points * channels * 4, 4 << 20)
    self.assertAllClose(snt.resampler(data, warp),
                        reference_forward(data, warp), atol=2e-5, rtol=0)

  def test_baseline_isa_matches_dispatched_code(self):
    # The kernels pick AVX2+FMA code at run time where the CPU has it; the
    # environment variable forces the baseline code in a fresh process.
    rng = np.random.RandomState(9)
    # Any: numpy's stubs would match a dict of arrays against `savez`'s `allow_pickle`.
    arrays: dict[str, Any] = {}
    for dtype in DTYPES:
      name = np.dtype(dtype).name
      arrays["data_" + name] = rng.uniform(size=[2, 9, 11, 5]).astype(dtype)
      arrays["warp_" + name] = random_warp(rng, [2, 7, 3], 9, 11, dtype)
      arrays["grad_" + name] = rng.uniform(size=[2, 7, 3, 5]).astype(dtype)
    directory = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, directory, ignore_errors=True)
    inputs = os.path.join(directory, "inputs.npz")
    outputs = os.path.join(directory, "outputs.npz")
    np.savez(inputs, **arrays)
    script = (
        "import sys, numpy as np, sonnet as snt\n"
        "from sonnet.src.ops import resampler as lib\n"
        "a = np.load(sys.argv[1]); r = {}\n"
        "for n in ('float16', 'float32', 'float64'):\n"
        "  d, w, g = a['data_' + n], a['warp_' + n], a['grad_' + n]\n"
        "  r['out_' + n] = snt.resampler(d, w).numpy()\n"
        "  r['gd_' + n], r['gw_' + n] = [\n"
        "      t.numpy() for t in lib.resampler_grad(d, w, g)]\n"
        "np.savez(sys.argv[2], **r)\n")
    env = dict(os.environ, SONNET_RESAMPLER_BASELINE_ISA="1")
    env["PYTHONPATH"] = os.pathsep.join(
        [REPO_ROOT] + [p for p in [env.get("PYTHONPATH")] if p])
    subprocess.run([sys.executable, "-c", script, inputs, outputs], env=env,
                   check=True, capture_output=True)
    baseline = np.load(outputs)
    for dtype in DTYPES:
      name = np.dtype(dtype).name
      d, w, g = (arrays[k + name] for k in ("data_", "warp_", "grad_"))
      grad_data, grad_warp = resampler_lib.resampler_grad(d, w, g)
      tolerance = 1e-3 if dtype == np.float16 else TOLERANCE[dtype]
      for got, want in ((snt.resampler(d, w), baseline["out_" + name]),
                        (grad_data, baseline["gd_" + name]),
                        (grad_warp, baseline["gw_" + name])):
        self.assertAllClose(got, want, atol=tolerance, rtol=0)
      self.assertAllClose(baseline["out_" + name], reference_forward(d, w),
                          atol=TOLERANCE[dtype], rtol=0)

  def test_readme_line_2017_graph_mode(self):
    with tf.Graph().as_default():
      out = snt.resampler(tf.constant([0.]), tf.constant([0.]))
      self.assertEqual(out.shape.as_list(), [1])
      self.assertEqual(out.dtype, tf.float32)
      self.assertEqual(out.name, "resampler/Resampler:0")
      with tf.compat.v1.Session() as session:
        with self.assertRaisesRegex(tf.errors.UnimplementedError,
                                    r"data shape must be .* but is: \[1\]"):
          session.run(out)

  def test_readme_line_2017_eager_raises_at_once(self):
    with self.assertRaisesRegex(tf.errors.UnimplementedError,
                                r"data shape must be .* but is: \[1\]"):
      snt.resampler(tf.constant([0.]), tf.constant([0.]))

  def test_tf_function_unknown_batch(self):
    rng = np.random.RandomState(5)
    fn = tf.function(snt.resampler, input_signature=[
        tf.TensorSpec([None, 4, 4, 2], tf.float32),
        tf.TensorSpec([None, 3, 2], tf.float32)])
    for batch in (0, 1, 3):
      data = rng.uniform(size=[batch, 4, 4, 2]).astype(np.float32)
      warp = random_warp(rng, [batch, 3], 4, 4, np.float32)
      self.assertAllClose(fn(data, warp), reference_forward(data, warp))
    self.assertEqual(fn.experimental_get_tracing_count(), 1)


class ResamplerShapeFunctionTest(tf.test.TestCase, parameterized.TestCase):

  def _shape(self, data_shape, warp_shape):
    with tf.Graph().as_default():
      data = tf.compat.v1.placeholder(tf.float32, data_shape)
      warp = tf.compat.v1.placeholder(tf.float32, warp_shape)
      return snt.resampler(data, warp).shape

  @parameterized.parameters(
      ([2, 5, 5, 3], [2, 7, 2], [2, 7, 3]),
      ([None, 5, 5, 3], [2, 4, 4, 2], [2, 4, 4, 3]),
      ([2, None, None, None], [None, 4, 2], [2, 4, None]),
      ([None, 5, 5, 3], [None, None, 2], [None, None, 3]),
      (None, [2, 4, 2], [2, 4, None]),
      ([2, 5, 5, 3], None, None),
      ([1], [1], [1]),
  )
  def test_static_shape(self, data_shape, warp_shape, expected):
    shape = self._shape(data_shape, warp_shape)
    if expected is None:
      self.assertIsNone(shape.rank)
    else:
      self.assertEqual(shape.as_list(), expected)

  def test_static_batch_mismatch_raises_at_construction(self):
    with self.assertRaisesRegex(ValueError, "Batch size of data and warp"):
      self._shape([2, 5, 5, 3], [3, 4, 2])

  def test_rank_one_inputs_are_not_batch_checked(self):
    # As in Sonnet 1: only the kernel rejects these, at run time.
    self.assertEqual(self._shape([3], [2]).as_list(), [3])

  def test_rank_zero_raises_at_construction(self):
    with self.assertRaisesRegex(ValueError, "must be at least rank 1"):
      self._shape([], [2, 2])


class ResamplerErrorTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.product(mode=MODES, data_shape=([2, 3, 3], [2, 3, 3, 1, 1]))
  def test_data_rank(self, mode, data_shape):
    data = np.zeros(data_shape, np.float32)
    warp = np.zeros([2, 4, 2], np.float32)
    with self.assertRaisesRegex(
        tf.errors.UnimplementedError,
        "Only bilinear interpolation is currently supported. The input data "
        r"shape must be \[batch_size, data_height, data_width, data_channels\]"
        r", but is: \[%s\] \(warp shape: \[2,4,2\]\)" % ",".join(map(str, data_shape))):
      run_in_mode(mode, snt.resampler, data, warp)
    grad_output = np.zeros([2, 4, 1], np.float32)
    with self.assertRaisesRegex(
        tf.errors.UnimplementedError,
        r"the input data tensor must be a batch of 2d data; data shape should "
        r"have 4 entries .* but is: \[%s\]" % ",".join(map(str, data_shape))):
      run_in_mode(mode, resampler_lib.resampler_grad, data, warp, grad_output)

  @parameterized.product(mode=MODES, warp_shape=([], [2]))
  def test_warp_rank(self, mode, warp_shape):
    data = np.zeros([2, 3, 3, 1], np.float32)
    warp = np.zeros(warp_shape, np.float32)
    pattern = (r"warp should be at least a matrix, got shape \[%s\] "
               r"\(data shape: \[2,3,3,1\]\)" % ",".join(map(str, warp_shape)))
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, pattern):
      run_in_mode(mode, snt.resampler, data, warp)
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, pattern):
      run_in_mode(mode, resampler_lib.resampler_grad, data, warp,
                  np.zeros([2, 1], np.float32))

  @parameterized.product(mode=MODES, last=(0, 1, 3))
  def test_warp_last_dimension(self, mode, last):
    data = np.zeros([2, 3, 3, 1], np.float32)
    warp = np.zeros([2, 4, last], np.float32)
    pattern = (r"warping coordinates must be 2D; warp shape last entry should "
               r"be 2, but shape vector is: \[2,4,%d\] \(data shape: \[2,3,3,1\]\)" % last)
    with self.assertRaisesRegex(tf.errors.UnimplementedError, pattern):
      run_in_mode(mode, snt.resampler, data, warp)
    with self.assertRaisesRegex(tf.errors.UnimplementedError, pattern):
      run_in_mode(mode, resampler_lib.resampler_grad, data, warp,
                  np.zeros([2, 4, 1], np.float32))

  @parameterized.product(mode=MODES, batches=((2, 3), (3, 2)))
  def test_batch_mismatch(self, mode, batches):
    data = np.zeros([batches[0], 3, 3, 1], np.float32)
    warp = np.zeros([batches[1], 4, 2], np.float32)
    pattern = (r"Batch size of data and warp tensor must be the same, but "
               r"input shapes are: \[%d,3,3,1\], \[%d,4,2\]" % batches)
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, pattern):
      run_in_mode(mode, snt.resampler, data, warp)
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, pattern):
      run_in_mode(mode, resampler_lib.resampler_grad, data, warp,
                  np.zeros([batches[1], 4, 1], np.float32))

  @parameterized.product(mode=MODES,
                         grad_shape=([2, 4, 2], [2, 4], [2, 5, 1], [1, 4, 1]))
  def test_grad_output_shape(self, mode, grad_shape):
    data = np.zeros([2, 3, 3, 1], np.float32)
    warp = np.zeros([2, 4, 2], np.float32)
    with self.assertRaisesRegex(
        tf.errors.InvalidArgumentError,
        r"grad_output shape is not consistent with data and warp shapes; it "
        r"should be \[2,4,1\] but is \[%s\]" % ",".join(map(str, grad_shape))):
      run_in_mode(mode, resampler_lib.resampler_grad, data, warp,
                  np.zeros(grad_shape, np.float32))

  @parameterized.parameters(*MODES)
  def test_sizes_that_overflow(self, mode):
    # No elements in data, but B * P * C = 4 * 2**62 overflows int64. The
    # shape is fed at run time (constant folding would rewrite it).
    huge_empty_shape = np.array([1, 0, 1, 2**62], np.int64)
    warp = np.zeros([1, 4, 2], np.float32)
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                "Resampler sizes are too large"):
      run_in_mode(mode, lambda s, w: snt.resampler(tf.zeros(s), w),
                  huge_empty_shape, warp)
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                "Resampler sizes are too large"):
      run_in_mode(mode, lambda s, w, g: resampler_lib.resampler_grad(
          tf.zeros(s), w, g), huge_empty_shape, warp,
                  np.zeros([1, 4, 1], np.float32))

  @parameterized.product(dtype=(np.int32, np.int64, np.bool_, np.complex64),
                         mode=MODES)
  def test_unsupported_dtype(self, dtype, mode):
    name = np.dtype(dtype).name
    with self.assertRaisesRegex(
        tf.errors.InvalidArgumentError,
        r"`data` has dtype %s, but must be bfloat16, float16, float32 or "
        r"float64 \(Value for attr 'T' of %s is not in the list of allowed "
        r"values: bfloat16, half, float, double\)" % (name, name)):
      run_in_mode(mode, snt.resampler, np.zeros([1, 2, 2, 1], dtype),
                  np.zeros([1, 1, 2], dtype))

  def test_string_dtype(self):
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                "`data` has dtype string"):
      snt.resampler(tf.constant([[[["a"]]]]), np.zeros([1, 1, 2], np.float32))

  @parameterized.parameters(*MODES)
  def test_bfloat16_is_listed(self, mode):
    # Supported since the kernels compute bfloat16 in float32 (see
    # ResamplerBfloat16Test); a bfloat16 warp with float32 data is not cast.
    out = run_in_mode(mode, lambda d, w: snt.resampler(
        tf.cast(d, tf.bfloat16), tf.cast(w, tf.bfloat16)),
                      np.ones([1, 2, 2, 1], np.float32),
                      np.full([1, 1, 2], 0.5, np.float32))
    self.assertEqual(out.dtype, BFLOAT16)
    self.assertAllEqual(out.astype(np.float32), [[[1.0]]])
    with self.assertRaisesRegex(
        tf.errors.InvalidArgumentError,
        "`warp` has dtype bfloat16, but must have the dtype of `data`, "
        "float32.*expected to be a float tensor but is a bfloat16 tensor"):
      run_in_mode(mode, lambda d, w: snt.resampler(d, tf.cast(w, tf.bfloat16)),
                  np.zeros([1, 2, 2, 1], np.float32),
                  np.zeros([1, 1, 2], np.float32))

  @parameterized.product(mode=MODES, data_dtype=(np.float32, np.float64))
  def test_mixed_dtypes_are_not_cast(self, mode, data_dtype):
    warp_dtype = np.float64 if data_dtype == np.float32 else np.float32
    cc_name = {np.float32: "float", np.float64: "double"}
    with self.assertRaisesRegex(
        tf.errors.InvalidArgumentError,
        r"`warp` has dtype %s, but must have the dtype of `data`, %s; inputs "
        r"are not cast \(cannot compute Sonnet>Resampler as input "
        r"#1\(zero-based\) was expected to be a %s tensor but is a %s "
        r"tensor\)" % (np.dtype(warp_dtype).name, np.dtype(data_dtype).name,
                       cc_name[data_dtype], cc_name[warp_dtype])):
      run_in_mode(mode, snt.resampler, np.zeros([1, 2, 2, 1], data_dtype),
                  np.zeros([1, 1, 2], warp_dtype))

  @parameterized.parameters(*MODES)
  def test_grad_op_dtypes_are_checked(self, mode):
    data = np.zeros([1, 2, 2, 1], np.float32)
    warp = np.zeros([1, 1, 2], np.float32)
    with self.assertRaisesRegex(
        tf.errors.InvalidArgumentError,
        "`grad_output` has dtype float64, but must have the dtype of `data`, "
        "float32.*input #2"):
      run_in_mode(mode, resampler_lib.resampler_grad, data, warp,
                  np.zeros([1, 1, 1], np.float64))
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                "`warp` has dtype int32, but must be bfloat16, "
                                "float16"):
      run_in_mode(mode, resampler_lib.resampler_grad, data,
                  warp.astype(np.int32), np.zeros([1, 1, 1], np.float32))

  def test_python_warp_is_not_cast_to_data_dtype(self):
    # A Python list converts to float32 on its own, in every mode; the
    # generated wrapper alone would cast it to data's float64.
    data = np.zeros([1, 2, 2, 1], np.float64)
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                "`warp` has dtype float32"):
      snt.resampler(data, [[[0.5, 0.5]]])
    with tf.Graph().as_default():
      with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                  "`warp` has dtype float32"):
        snt.resampler(data, [[[0.5, 0.5]]])

  @parameterized.parameters(*MODES)
  def test_numpy_and_list_inputs_match_tensors(self, mode):
    data = np.arange(8, dtype=np.float32).reshape([1, 2, 2, 2])
    warp = [[[0.5, 0.25], [1.0, 0.0], [-0.5, 1.0]]]
    expected = reference_forward(data, np.array(warp, np.float32))
    out = run_in_mode(mode, lambda: snt.resampler(data, warp))
    self.assertAllClose(out, expected, atol=1e-6, rtol=0)
    self.assertAllEqual(snt.resampler(data, warp),
                        snt.resampler(tf.constant(data), tf.constant(warp)))


class ResamplerShapeMessageTest(tf.test.TestCase, parameterized.TestCase):
  """Shape errors name the argument and both shapes before TensorFlow's text."""

  def _run_static(self, mode, data_shape, warp_shape):
    data = np.zeros(data_shape, np.float32)
    warp = np.zeros(warp_shape, np.float32)
    if mode == "eager":
      return snt.resampler(tf.constant(data), tf.constant(warp))
    # Static shapes: the problem is found while tracing.
    fn = tf.function(snt.resampler, input_signature=[
        tf.TensorSpec(data_shape, tf.float32), tf.TensorSpec(warp_shape, tf.float32)])
    return fn(data, warp)

  @parameterized.product(
      mode=("eager", "function"),
      case=(
          ([2, 4, 4], [2, 5, 2], tf.errors.UnimplementedError,
           r"snt.resampler: data has shape \[2, 4, 4\] but must have rank 4, \[batch, "
           r"height, width, channels\] \(warp has shape \[2, 5, 2\]\); .*The input data "
           r"shape must be \[batch_size, data_height, data_width, data_channels\], but "
           r"is: \[2,4,4\]"),
          ([2, 4, 4, 1], [2], tf.errors.InvalidArgumentError,
           r"snt.resampler: warp has shape \[2\] but must have rank at least 2, "
           r"\[batch, ..., 2\] \(data has shape \[2, 4, 4, 1\]\); .*warp should be at "
           r"least a matrix, got shape \[2\]"),
          ([2, 4, 4, 1], [2, 5, 3], tf.errors.UnimplementedError,
           r"snt.resampler: warp has shape \[2, 5, 3\] but its last dimension must be 2 "
           r"\(data has shape \[2, 4, 4, 1\]\); .*warp shape last entry should be 2, but "
           r"shape vector is: \[2,5,3\]"),
          ([2, 4, 4, 1], [2, 3, 5, 0], tf.errors.UnimplementedError,
           r"warp has shape \[2, 3, 5, 0\] but its last dimension must be 2"),
      ))
  def test_static_or_eager_shapes(self, mode, case):
    data_shape, warp_shape, error, pattern = case
    with self.assertRaisesRegex(error, pattern):
      self._run_static(mode, data_shape, warp_shape)

  def test_batch_mismatch_eager(self):
    with self.assertRaisesRegex(
        tf.errors.InvalidArgumentError,
        r"snt.resampler: warp has shape \[3, 5, 2\] but its first \(batch\) "
        r"dimension must be data's, 2 \(data has shape \[2, 4, 4, 1\]\); .*Batch size "
        r"of data and warp tensor must be the same, but input shapes are: "
        r"\[2,4,4,1\], \[3,5,2\]"):
      self._run_static("eager", [2, 4, 4, 1], [3, 5, 2])

  @parameterized.parameters("function", "graph")
  def test_static_batch_mismatch_while_building(self, mode):
    pattern = (r"snt.resampler: warp has shape \[3, 5, 2\] but its first \(batch\) "
               r"dimension must be data's, 2 \(data has shape \[2, 4, 4, 1\]\); Batch "
               r"size of data and warp tensor must be the same")
    with self.assertRaisesRegex(ValueError, pattern):
      if mode == "function":
        self._run_static(mode, [2, 4, 4, 1], [3, 5, 2])
      else:
        with tf.Graph().as_default():
          snt.resampler(tf.zeros([2, 4, 4, 1]), tf.zeros([3, 5, 2]))

  def test_partially_known_shapes(self):
    # Unknown dimensions pass; a known wrong last dimension is reported at trace time.
    fn = tf.function(snt.resampler, input_signature=[
        tf.TensorSpec([None, None, None, 1], tf.float32),
        tf.TensorSpec([None, None, 3], tf.float32)])
    with self.assertRaisesRegex(
        tf.errors.UnimplementedError,
        r"snt.resampler: warp has shape \[None, None, 3\] but its last dimension must "
        r"be 2 \(data has shape \[None, None, None, 1\]\)$"):
      fn.get_concrete_function()

  def test_valid_shapes_still_work_in_every_mode(self):
    data = np.arange(8, dtype=np.float32).reshape([1, 2, 2, 2])
    warp = np.array([[[0.5, 0.25]]], np.float32)
    for mode in MODES:
      self.assertAllClose(run_in_mode(mode, snt.resampler, data, warp),
                          reference_forward(data, warp), atol=1e-6, rtol=0)

  def test_other_eager_errors_are_unchanged(self):
    huge_empty = tf.zeros(np.array([1, 0, 1, 2**62], np.int64))
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                "^{{function_node.*Resampler sizes are too large"):
      snt.resampler(huge_empty, tf.zeros([1, 4, 2]))


class ResamplerIntegrationTest(tf.test.TestCase):

  def test_jit_compile_gives_clean_error(self):
    # The op itself has no XLA kernel ("auto" picks the composite under XLA: see
    # resampler_composite_test.py).
    fn = tf.function(lambda d, w: snt.resampler(d, w, implementation="op"),
                     jit_compile=True)
    with self.assertRaises(tf.errors.InvalidArgumentError):
      fn(tf.ones([1, 2, 2, 1]), tf.zeros([1, 1, 2]))

  def test_saved_model_round_trip(self):
    module = tf.Module()
    module.warp = tf.function(
        lambda d, w: snt.resampler(d, w),
        input_signature=[tf.TensorSpec([None, 3, 3, 1], tf.float32),
                         tf.TensorSpec([None, 2, 2], tf.float32)])
    path = os.path.join(tempfile.mkdtemp(), "model")
    self.addCleanup(shutil.rmtree, os.path.dirname(path), ignore_errors=True)
    tf.saved_model.save(module, path)
    loaded = tf.saved_model.load(path)
    data = np.arange(9, dtype=np.float32).reshape([1, 3, 3, 1])
    warp = np.array([[[0.5, 0.5], [2.0, 1.0]]], np.float32)
    self.assertAllClose(loaded.warp(data, warp),
                        reference_forward(data, warp))
    # A fresh process: `import tensorflow` alone cannot load the SavedModel (the op
    # is not registered); after `import sonnet` it loads with nothing else to do.
    script = (
        "import sys\n"
        "import numpy as np\n"
        "import tensorflow as tf\n"
        "try:\n"
        "  tf.saved_model.load(sys.argv[1])\n"
        "  print('LOADED WITHOUT THE LIBRARY')\n"
        "except Exception as e:  # RuntimeError in TF 2.21\n"
        "  print('ERROR', type(e).__name__, 'Op type not registered '\n"
        "        \"'Sonnet>Resampler'\" in str(e))\n"
        "import sonnet as snt\n"
        "loaded = tf.saved_model.load(sys.argv[1])\n"
        "out = loaded.warp(np.arange(9, dtype=np.float32).reshape([1, 3, 3, 1]),\n"
        "                  np.array([[[0.5, 0.5], [2.0, 1.0]]], np.float32))\n"
        "print('RESULT', out.numpy().ravel().tolist())\n")
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, "-c", script, path], env=env,
                            capture_output=True, text=True, timeout=300,
                            check=False)
    self.assertEqual(result.returncode, 0, result.stderr)
    lines = result.stdout.splitlines()
    self.assertEqual(lines[0], "ERROR RuntimeError True")
    self.assertEqual(lines[1], "RESULT %s" % reference_forward(
        data, warp).ravel().tolist())


class ResamplerEmptyTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.product(
      mode=MODES,
      shapes=(([0, 3, 3, 2], [0, 4, 2]),      # B = 0
              ([2, 0, 3, 2], [2, 4, 2]),      # H = 0, non-empty warp
              ([2, 3, 0, 2], [2, 4, 2]),      # W = 0
              ([2, 0, 0, 2], [2, 5, 3, 2]),
              ([2, 3, 3, 0], [2, 4, 2]),      # C = 0
              ([2, 3, 3, 2], [2, 0, 2]),      # no sampling points
              ([2, 3, 3, 2], [2, 3, 0, 2])))
  def test_empty(self, mode, shapes):
    data_shape, warp_shape = shapes
    rng = np.random.RandomState(6)
    data = rng.uniform(size=data_shape).astype(np.float32)
    # Points that would be inside a non-empty image, and some outside.
    warp = rng.uniform(-0.9, 0.9, warp_shape).astype(np.float32)
    out_shape = warp_shape[:-1] + [data_shape[-1]]
    grad_output = np.ones(out_shape, np.float32)

    def forward_and_grads(d, w, g):
      with tf.GradientTape() as tape:  # the registered gradient too
        tape.watch([d, w])
        out = snt.resampler(d, w)
      taped = tape.gradient(out, [d, w], output_gradients=g)
      return (out,) + resampler_lib.resampler_grad(d, w, g) + tuple(taped)

    out, grad_data, grad_warp, taped_data, taped_warp = run_in_mode(
        mode, forward_and_grads, data, warp, grad_output)
    self.assertAllEqual(out, np.zeros(out_shape, np.float32))
    expected_grad_data, _ = reference_grads(data, warp, grad_output)
    self.assertAllEqual(grad_data.shape, data_shape)
    self.assertAllClose(grad_data, expected_grad_data)
    self.assertAllEqual(grad_warp, np.zeros(warp_shape, np.float32))
    self.assertAllEqual(taped_data, grad_data)
    self.assertAllEqual(taped_warp, grad_warp)

  def test_grad_with_empty_warp_zeroes_grad_data(self):
    # Repeat so that a recycled, non-zero buffer would be noticed.
    for _ in range(3):
      filler = tf.fill([4, 8, 8, 3], 7.0) + 0.0  # Dirty the allocator.
      del filler
      grad_data, grad_warp = resampler_lib.resampler_grad(
          tf.ones([4, 8, 8, 3]), tf.zeros([4, 0, 2]), tf.zeros([4, 0, 3]))
      self.assertAllEqual(grad_data, np.zeros([4, 8, 8, 3]))
      self.assertEqual(grad_warp.shape, (4, 0, 2))


class ResamplerGradientTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*DTYPES)
  def test_grads_match_reference(self, dtype):
    rng = np.random.RandomState(7)
    data = rng.uniform(size=[2, 4, 5, 3]).astype(dtype)
    warp = random_warp(rng, [2, 3, 4], 4, 5, dtype)
    grad_output = rng.uniform(size=[2, 3, 4, 3]).astype(dtype)
    grad_data, grad_warp = resampler_lib.resampler_grad(data, warp, grad_output)
    ref_data, ref_warp = reference_grads(data, warp, grad_output)
    self.assertEqual(grad_data.dtype, dtype)
    self.assertAllClose(grad_data, ref_data, atol=TOLERANCE[dtype] * 5, rtol=0)
    self.assertAllClose(grad_warp, ref_warp, atol=TOLERANCE[dtype] * 5, rtol=0)

  @parameterized.parameters(*MODES)
  def test_registered_gradient(self, mode):
    rng = np.random.RandomState(8)
    data = rng.uniform(size=[2, 4, 5, 3])
    warp = random_warp(rng, [2, 6], 4, 5, np.float64)
    grad_output = rng.uniform(size=[2, 6, 3])

    def grads(d, w, g):
      if mode == "graph":
        return tf.gradients(snt.resampler(d, w), [d, w], grad_ys=g)
      with tf.GradientTape() as tape:
        tape.watch([d, w])
        out = snt.resampler(d, w)
      return tape.gradient(out, [d, w], output_gradients=g)

    grad_data, grad_warp = run_in_mode(mode, grads, data, warp, grad_output)
    ref_data, ref_warp = reference_grads(data, warp, grad_output)
    self.assertAllClose(grad_data, ref_data)
    self.assertAllClose(grad_warp, ref_warp)

  def test_compute_gradient_float64(self):
    rng = np.random.RandomState(9)
    height, width = 4, 5
    data = tf.constant(rng.uniform(size=[2, height, width, 2]))
    # Coordinates kept away from integers (kinks) and from -1 / W / H.
    cells_x = rng.randint(-1, width, [2, 6])
    cells_y = rng.randint(-1, height, [2, 6])
    warp = tf.constant(np.stack([cells_x + rng.uniform(0.2, 0.8, [2, 6]),
                                 cells_y + rng.uniform(0.2, 0.8, [2, 6])], -1))
    theoretical, numerical = tf.test.compute_gradient(
        snt.resampler, [data, warp], delta=1e-6)
    for t, n in zip(theoretical, numerical):
      self.assertAllClose(t, n, atol=1e-6, rtol=1e-6)

  def test_integer_coordinates_use_forward_difference(self):
    data = np.arange(12, dtype=np.float64).reshape([1, 3, 4, 1]) ** 2
    warp = np.array([[[1.0, 1.0], [3.0, 2.0], [0.0, 0.5]]])
    grad_output = np.ones([1, 3, 1])
    _, grad_warp = resampler_lib.resampler_grad(data, warp, grad_output)
    image = data[0, ..., 0]
    expected = [[image[1, 2] - image[1, 1], image[2, 1] - image[1, 1]],
                [0.0 - image[2, 3], 0.0 - image[2, 3]],  # zero padding
                [image[0, 1] * 0.5 + image[1, 1] * 0.5
                 - image[0, 0] * 0.5 - image[1, 0] * 0.5,
                 image[1, 0] - image[0, 0]]]
    self.assertAllClose(grad_warp[0], expected)

  @parameterized.product(value=(np.nan, np.inf, -np.inf), channels=(1, 16))
  def test_non_finite_grad_output_stays_local(self, value, channels):
    data = np.ones([1, 6, 6, channels], np.float32)
    warp = np.array([[[1.5, 1.5], [4.5, 4.5]]], np.float32)
    grad_output = np.ones([1, 2, channels], np.float32)
    grad_output[0, 0] = value
    grad_data, grad_warp = resampler_lib.resampler_grad(data, warp, grad_output)
    grad_data = grad_data.numpy()[0]
    # Only the four pixels around the first point see it.
    self.assertFalse(np.isfinite(grad_data[1:3, 1:3]).any())
    self.assertEqual((~np.isfinite(grad_data)).sum(), 4 * channels)
    if not np.isnan(value):
      self.assertTrue((grad_data[1:3, 1:3] == value).all())
    # 0 * Inf: the first point's warp gradient is NaN; the other's is exact.
    self.assertTrue(np.isnan(grad_warp[0, 0]).all())
    self.assertAllClose(grad_warp[0, 1], [0.0, 0.0])

  def test_second_order_gradient_raises(self):
    data = tf.ones([1, 3, 3, 1])
    warp = tf.constant([[[0.5, 0.5]]])
    with self.assertRaisesRegex(NotImplementedError,
                                "Second-order gradients of snt.resampler"):
      with tf.GradientTape() as outer:
        outer.watch(warp)
        with tf.GradientTape() as inner:
          inner.watch(warp)
          out = snt.resampler(data, warp)
        grad = inner.gradient(out, warp)
      outer.gradient(grad, warp)


def as_float32(array):
  """A bfloat16 (or any float) array as float32; bfloat16 converts exactly."""
  return np.asarray(array).astype(np.float32)


class ResamplerBfloat16Test(tf.test.TestCase, parameterized.TestCase):
  """bfloat16 (computed in float32) against a float32 numpy reference.

  The reference takes the bfloat16 inputs as float32 (exact), so only the
  rounding of the results to bfloat16's 8 significant bits (2**-9 relative)
  and float32 arithmetic separate them.
  """

  # Results are at most a few units here: bfloat16's rounding of them.
  ATOL = 1e-2
  RTOL = 1e-2

  def _random_inputs(self, rng, data_shape, warp_inner):
    data = rng.uniform(size=data_shape).astype(BFLOAT16)
    warp = random_warp(rng, [data_shape[0]] + warp_inner, data_shape[1],
                       data_shape[2], np.float32).astype(BFLOAT16)
    return data, warp

  @parameterized.parameters(*MODES)
  def test_forward_matches_reference(self, mode):
    rng = np.random.RandomState(40)
    for data_shape, warp_inner in (([2, 5, 7, 3], [4]), ([1, 3, 4, 1], [2, 3]),
                                   ([3, 6, 2, 9], [1, 2, 2])):
      data, warp = self._random_inputs(rng, data_shape, warp_inner)
      out = run_in_mode(mode, snt.resampler, data, warp)
      self.assertEqual(out.dtype, BFLOAT16)
      self.assertAllClose(as_float32(out),
                          reference_forward(as_float32(data), as_float32(warp)),
                          atol=self.ATOL, rtol=0)

  def test_grad_op_matches_reference(self):
    rng = np.random.RandomState(41)
    data, warp = self._random_inputs(rng, [2, 4, 5, 3], [3, 4])
    grad_output = rng.uniform(size=[2, 3, 4, 3]).astype(BFLOAT16)
    grad_data, grad_warp = resampler_lib.resampler_grad(data, warp, grad_output)
    self.assertEqual(grad_data.dtype, tf.bfloat16)
    self.assertEqual(grad_warp.dtype, tf.bfloat16)
    ref_data, ref_warp = reference_grads(
        as_float32(data), as_float32(warp), as_float32(grad_output))
    self.assertAllClose(as_float32(grad_data), ref_data, atol=self.ATOL,
                        rtol=self.RTOL)
    self.assertAllClose(as_float32(grad_warp), ref_warp, atol=self.ATOL,
                        rtol=self.RTOL)

  @parameterized.parameters(*MODES)
  def test_registered_gradient(self, mode):
    rng = np.random.RandomState(42)
    data, warp = self._random_inputs(rng, [2, 4, 5, 3], [6])
    grad_output = rng.uniform(size=[2, 6, 3]).astype(BFLOAT16)

    def grads(d, w, g):
      if mode == "graph":
        return tf.gradients(snt.resampler(d, w), [d, w], grad_ys=g)
      with tf.GradientTape() as tape:
        tape.watch([d, w])
        out = snt.resampler(d, w)
      return tape.gradient(out, [d, w], output_gradients=g)

    grad_data, grad_warp = run_in_mode(mode, grads, data, warp, grad_output)
    ref_data, ref_warp = reference_grads(
        as_float32(data), as_float32(warp), as_float32(grad_output))
    self.assertAllClose(as_float32(grad_data), ref_data, atol=self.ATOL,
                        rtol=self.RTOL)
    self.assertAllClose(as_float32(grad_warp), ref_warp, atol=self.ATOL,
                        rtol=self.RTOL)

  def test_parallel_paths_match_reference(self):
    # Sharded over threads; one batch entry splits its points into slices,
    # each accumulating grad_data in its own float32 scratch copy.
    rng = np.random.RandomState(43)
    for batch in (1, 3):
      data, warp = self._random_inputs(rng, [batch, 16, 16, 8], [128, 128])
      grad_output = rng.uniform(size=[batch, 128, 128, 8]).astype(BFLOAT16)
      self.assertAllClose(
          as_float32(snt.resampler(data, warp)),
          reference_forward(as_float32(data), as_float32(warp)),
          atol=self.ATOL, rtol=0)
      grad_data, grad_warp = resampler_lib.resampler_grad(
          data, warp, grad_output)
      ref_data, ref_warp = reference_grads(
          as_float32(data), as_float32(warp), as_float32(grad_output))
      self.assertAllClose(as_float32(grad_data), ref_data, atol=self.ATOL,
                          rtol=self.RTOL)
      self.assertAllClose(as_float32(grad_warp), ref_warp, atol=self.ATOL,
                          rtol=self.RTOL)
      again, _ = resampler_lib.resampler_grad(data, warp, grad_output)
      self.assertAllEqual(as_float32(grad_data), as_float32(again))

  def test_affine_grid_warper_bfloat16_grid(self):
    # snt.AffineGridWarper makes a bfloat16 grid from bfloat16 parameters;
    # sampling with it, and the gradients to data, grid and parameters.
    rng = np.random.RandomState(44)
    warper = snt.AffineGridWarper(source_shape=(6, 7), output_shape=(5, 4))
    params = tf.constant([[0.9, 0.1, 0.2, -0.1, 1.1, -0.3],
                          [1.2, -0.2, 0.4, 0.15, 0.8, 0.25]], tf.bfloat16)
    data = tf.constant(rng.uniform(size=[2, 6, 7, 3]).astype(BFLOAT16))
    grad_output = rng.uniform(size=[2, 5, 4, 3]).astype(BFLOAT16)
    with tf.GradientTape(persistent=True) as tape:
      tape.watch([params, data])
      grid = warper(params)
      out = snt.resampler(data, grid)
    self.assertEqual(grid.dtype, tf.bfloat16)
    self.assertEqual(out.dtype, tf.bfloat16)
    grid32 = as_float32(grid.numpy())
    data32 = as_float32(data.numpy())
    self.assertAllClose(as_float32(out.numpy()),
                        reference_forward(data32, grid32), atol=self.ATOL,
                        rtol=0)
    grad_data, grad_grid, grad_params = tape.gradient(
        out, [data, grid, params], output_gradients=grad_output)
    ref_data, ref_grid = reference_grads(data32, grid32,
                                         as_float32(grad_output))
    self.assertAllClose(as_float32(grad_data.numpy()), ref_data,
                        atol=self.ATOL, rtol=self.RTOL)
    self.assertAllClose(as_float32(grad_grid.numpy()), ref_grid,
                        atol=self.ATOL, rtol=self.RTOL)
    # The grid is affine in the parameters: d grid / d params[k] is the
    # float64 grid of the k-th unit vector minus that of zeros.
    num_params = params.shape[1]
    basis = np.concatenate([np.zeros([1, num_params]), np.eye(num_params)])
    grids = warper(tf.constant(basis, tf.float64)).numpy()
    jacobian = grids[1:] - grids[:1]  # [k, 5, 4, 2]
    ref_params = np.einsum("bpqi,kpqi->bk", ref_grid, jacobian)
    self.assertAllClose(as_float32(grad_params.numpy()), ref_params,
                        atol=self.ATOL * np.abs(ref_params).max(),
                        rtol=self.RTOL)


class ResamplerNumericsTest(tf.test.TestCase, parameterized.TestCase):
  """Subnormal coordinates and infinite data (docs/spatial_transformer.md).

  Points cover two or three whole blocks of eight and a tail: the float32
  kernels' AVX2 loops (where the CPU has them) take the blocks, the scalar
  code the tail, and both must agree.
  """

  def assert_same_values(self, got, want, atol, rtol):
    """got and want have the same NaN and +-Inf entries; the rest is close."""
    got = np.asarray(got, np.float64)
    want = np.asarray(want, np.float64)
    self.assertAllEqual(np.isnan(got), np.isnan(want))
    self.assertAllEqual(np.isinf(got), np.isinf(want))
    infinite = np.isinf(want)
    self.assertAllEqual(got[infinite], want[infinite])
    finite = np.isfinite(want)
    self.assertAllClose(got[finite], want[finite], atol=atol, rtol=rtol)

  @parameterized.product(dtype=(np.float32, np.float64, BFLOAT16),
                         mode=MODES)
  def test_subnormal_coordinates_count_as_zero(self, dtype, mode):
    # Whatever the thread's denormal modes (TensorFlow flushes to zero), a
    # subnormal coordinate of either sign samples and differentiates as +0:
    # x0 = 0, and the warp gradient is the forward difference there.
    tiny = {np.float32: 1e-40, np.float64: 1e-310, BFLOAT16: 1e-40}[dtype]
    subnormal = np.array([tiny, -tiny, 3 * tiny, -3 * tiny], dtype)
    self.assertTrue((np.abs(as_float32(subnormal)) > 0).all()
                    if dtype != np.float64 else (subnormal != 0).all())
    rng = np.random.RandomState(50)
    data = rng.normal(size=[1, 3, 4, 3]).astype(dtype)
    points = 19  # two blocks of eight and three more
    normal = np.array([1.5, 0.25, 2.0, 0.75, 1.0], dtype)
    warp = np.zeros([1, points, 2], dtype)
    flushed = np.zeros([1, points, 2], dtype)
    for k in range(points):
      # A subnormal x, y or both, in turn.
      warp[0, k, 0] = subnormal[k % 4] if k % 3 != 1 else normal[k % 5]
      warp[0, k, 1] = subnormal[(k + 1) % 4] if k % 3 != 0 else normal[k % 5]
      flushed[0, k, 0] = 0 if k % 3 != 1 else normal[k % 5]
      flushed[0, k, 1] = 0 if k % 3 != 0 else normal[k % 5]
    grad_output = rng.normal(size=[1, points, 3]).astype(dtype)

    def both(d, w, g):
      return snt.resampler(d, w), resampler_lib.resampler_grad(d, w, g)

    out, (grad_data, grad_warp) = run_in_mode(mode, both, data, warp,
                                              grad_output)
    want_out, (want_data, want_warp) = run_in_mode(mode, both, data, flushed,
                                                   grad_output)
    self.assertAllEqual(out, want_out)
    self.assertAllEqual(grad_data, want_data)
    self.assertAllEqual(grad_warp, want_warp)
    # Against the reference at +0 (numpy would floor -1e-40 to -1).
    tolerance = 1e-2 if dtype == BFLOAT16 else 1e-5
    ref_data, ref_warp = reference_grads(
        as_float32(data), as_float32(flushed), as_float32(grad_output))
    self.assertAllClose(as_float32(out),
                        reference_forward(as_float32(data),
                                          as_float32(flushed)),
                        atol=tolerance, rtol=tolerance)
    self.assertAllClose(as_float32(grad_data), ref_data, atol=tolerance,
                        rtol=tolerance)
    self.assertAllClose(as_float32(grad_warp), ref_warp, atol=tolerance,
                        rtol=tolerance)
    # Point 3 is (-3 * tiny, 0.75): d/dx between columns 0 and 1, not the
    # zero-padding difference between column 0 and the column left of it.
    self.assertEqual(float(warp[0, 3, 1]), 0.75)
    image = as_float32(data)[0].astype(np.float64)
    g = as_float32(grad_output)[0, 3].astype(np.float64)
    forward = np.sum(g * (0.25 * (image[0, 1] - image[0, 0]) +
                          0.75 * (image[1, 1] - image[1, 0])))
    self.assertAllClose(float(as_float32(grad_warp)[0, 3, 0]), forward,
                        atol=tolerance, rtol=tolerance)

  @parameterized.product(dtype=(np.float32, np.float64),
                         value=(np.inf, -np.inf), channels=(1, 3, 8, 13),
                         pixel=((1, 1), (0, 0), (2, 3)))
  def test_infinite_data_matches_reference(self, dtype, value, channels,
                                           pixel):
    # One channel of one pixel is +-Inf and every point touches that pixel,
    # with each corner and several fractions (on the border too). The warp
    # gradient is then +-Inf or NaN as the reference's formula gives it, the
    # same in the vector blocks and in the tail.
    offsets = np.array([-0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75])
    points = 29  # three blocks of eight and five more
    k = np.arange(points)
    warp = np.stack([pixel[1] + offsets[k % 7],
                     pixel[0] + offsets[(k // 7 + 2 * k) % 7]],
                    -1)[None].astype(dtype)
    data = (np.arange(3 * 4 * channels) * 5 % 11 - 4.5).reshape(
        [1, 3, 4, channels]).astype(dtype)
    data[0, pixel[0], pixel[1], channels // 2] = value
    rng = np.random.RandomState(51)
    grad_output = (rng.uniform(0.25, 1.0, [1, points, channels]) *
                   np.where(np.arange(channels) % 3 == 1, -1, 1)).astype(dtype)
    with np.errstate(invalid="ignore"):
      want_out = reference_forward(data, warp)
      want_data, want_warp = reference_grads(data, warp, grad_output)
    # The test is only meaningful where the reference has infinities.
    self.assertTrue(np.isinf(want_warp[0, :24]).any())
    self.assertTrue(np.isinf(want_warp[0, 24:]).any())
    out = snt.resampler(data, warp)
    grad_data, grad_warp = resampler_lib.resampler_grad(data, warp,
                                                        grad_output)
    self.assert_same_values(out, want_out, atol=1e-5, rtol=1e-5)
    self.assert_same_values(grad_data, want_data, atol=1e-5, rtol=1e-5)
    self.assert_same_values(grad_warp, want_warp, atol=1e-4, rtol=1e-5)


if __name__ == "__main__":
  tf.test.main()
