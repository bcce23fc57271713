# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests of the composite resampler (builtin ops) and of `implementation=` selection.

The composite is compared with the C++ op and with resampler_test.py's float64 numpy
reference, forward and both gradients; "auto" is checked under XLA, device scopes and
TF Lite conversion.
"""

import re
from unittest import mock
import warnings

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src.ops import resampler as resampler_lib
from sonnet.src.ops import resampler_composite
from sonnet.src.ops import resampler_test

DTYPES = resampler_test.DTYPES
TOLERANCE = resampler_test.TOLERANCE
MODES = resampler_test.MODES
reference_forward = resampler_test.reference_forward
reference_grads = resampler_test.reference_grads
random_warp = resampler_test.random_warp
run_in_mode = resampler_test.run_in_mode


def forward_and_grads(implementation, data, warp, grad_output, mode="eager"):
  """(output, grad_data, grad_warp) of snt.resampler with `implementation`, as numpy."""
  def fn(d, w, g):
    with tf.GradientTape() as tape:
      tape.watch([d, w])
      out = snt.resampler(d, w, implementation=implementation)
    grad_data, grad_warp = tape.gradient(out, [d, w], output_gradients=g)
    return out, grad_data, grad_warp
  return run_in_mode(mode, fn, data, warp, grad_output)


def numeric_cases(dtype):
  """(name, data, warp) of resampler_test.py's numeric cases, in `dtype`."""
  rng = np.random.RandomState(0)
  cases = []
  for data_shape, warp_inner in (([2, 5, 7, 3], [4]), ([1, 3, 4, 1], [2, 3]),
                                 ([3, 6, 2, 5], [1, 2, 2])):
    data = rng.uniform(size=data_shape).astype(dtype)
    warp = random_warp(rng, [data_shape[0]] + warp_inner, data_shape[1], data_shape[2],
                       dtype)
    cases.append(("random_%s" % data_shape, data, warp))
  # Edge coordinates: -1, W, H, one step inside them, NaN and infinities.
  height, width = 4, 5

  def edges(size):
    up = lambda v: np.nextafter(dtype(v), dtype(np.inf))
    down = lambda v: np.nextafter(dtype(v), dtype(-np.inf))
    return [dtype(-1), up(-1), dtype(-0.5), dtype(0), dtype(1.5), dtype(size - 1),
            dtype(size - 0.5), down(size), dtype(size), dtype(np.nan), dtype(np.inf),
            dtype(-np.inf)]

  xs, ys = np.meshgrid(edges(width), edges(height))
  cases.append(("edges", rng.uniform(0.5, 1.0, [1, height, width, 2]).astype(dtype),
                np.stack([xs, ys], -1)[None].astype(dtype)))
  # Huge and non-finite coordinates.
  finfo = np.finfo(dtype)
  values = [np.nan, np.inf, -np.inf, finfo.max, -finfo.max, 6e4, -6e4]
  if dtype != np.float16:
    values += [1e30, -1e30]
  coords = np.array([[v, 1.0] for v in values] + [[1.0, v] for v in values], dtype)[None]
  cases.append(("huge", np.ones([1, 3, 3, 2], dtype), coords))
  # Points mixing interior, edge, outside, NaN and integer coordinates, 1 to 21 channels.
  for channels in (1, 8, 21):
    data = rng.normal(size=[3, 6, 5, channels]).astype(dtype)
    warp = random_warp(rng, [3, 37], 6, 5, dtype, margin=1.5)
    warp[0, ::5, 0] = np.nan
    warp[1, 3::7, 1] = np.inf
    warp[2, :8] = [[0.0, 0.0], [4.0, 5.0], [-0.5, 2.0], [2.0, -0.5], [4.5, 1.0],
                   [1.0, 5.5], [3.0, 4.0], [2.25, 3.75]]
    cases.append(("mixed_%d" % channels, data, warp))
  # Integer coordinates (forward differences), also at the last column and row.
  cases.append(("integers",
                (np.arange(12).reshape([1, 3, 4, 1]) ** 2 / 100).astype(dtype),
                np.array([[[1.0, 1.0], [3.0, 2.0], [0.0, 0.5]]], dtype)))
  return cases


class CompositeMatchesOpTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*DTYPES)
  def test_numeric_cases_forward_and_gradients(self, dtype):
    rng = np.random.RandomState(1)
    tolerance = TOLERANCE[dtype]
    for name, data, warp in numeric_cases(dtype):
      with self.subTest(name):
        grad_output = rng.normal(size=warp.shape[:-1] + data.shape[-1:]).astype(dtype)
        op = forward_and_grads("op", data, warp, grad_output)
        composite = forward_and_grads("composite", data, warp, grad_output)
        for got, expected in zip(composite, op):
          self.assertEqual(got.dtype, dtype)
          self.assertEqual(got.shape, expected.shape)
          # Same NaNs (assertAllClose treats NaN as equal to NaN only).
          self.assertAllEqual(np.isnan(got), np.isnan(expected))
        self.assertAllClose(composite[0], op[0], atol=tolerance, rtol=0)
        self.assertAllClose(composite[1], op[1], atol=tolerance * 5, rtol=0)
        scale = np.maximum(1.0, np.abs(np.asarray(op[2], np.float64)))
        self.assertAllClose(composite[2] / scale, op[2] / scale, atol=tolerance * 5, rtol=0)
        # And the numpy reference (finite gradients: the reference has no NaN rules).
        ref_grad_data, ref_grad_warp = reference_grads(
            data, warp, np.asarray(grad_output, np.float64))
        self.assertAllClose(composite[0], reference_forward(data, warp), atol=tolerance,
                            rtol=0)
        if np.isfinite(ref_grad_warp).all():
          self.assertAllClose(composite[1], ref_grad_data, atol=tolerance * 5, rtol=0)
          self.assertAllClose(composite[2], ref_grad_warp, atol=tolerance * 5,
                              rtol=tolerance)

  @parameterized.parameters(*DTYPES)
  def test_identity_warp_is_exact(self, dtype):
    rng = np.random.RandomState(2)
    data = rng.normal(size=[2, 5, 6, 3]).astype(dtype)
    ys, xs = np.meshgrid(np.arange(5), np.arange(6), indexing="ij")
    warp = np.tile(np.stack([xs, ys], -1)[None], [2, 1, 1, 1]).astype(dtype)
    self.assertAllEqual(snt.resampler(data, warp, implementation="composite"), data)

  def test_outside_and_non_finite_points_are_exactly_zero(self):
    # Also next to Inf/NaN pixels, which outside corners must not read.
    data = np.full([1, 2, 2, 1], np.inf, np.float32)
    warp = np.array([[[-1.0, 0.0], [2.0, 0.0], [np.nan, 0.0], [0.0, np.inf]]], np.float32)
    out, grad_data, grad_warp = forward_and_grads(
        "composite", data, warp, np.ones([1, 4, 1], np.float32))
    self.assertAllEqual(out, np.zeros([1, 4, 1]))
    self.assertAllEqual(grad_data, np.zeros_like(data))
    self.assertAllEqual(grad_warp, np.zeros_like(warp))

  def test_width_beyond_float_precision(self):
    # Column indices above 2^24 are not all float32 numbers: compared as the op does.
    width = (1 << 24) + 3
    data = np.zeros([1, 1, width, 1], np.float32)
    data[0, 0, -4:, 0] = [1.0, 2.0, 3.0, 4.0]
    data[0, 0, :2, 0] = [5.0, 6.0]
    x = np.array([0.0, 0.5, 1.0, -0.5, width - 4.0, width - 1.0, width + 0.0, 16.0],
                 np.float32)
    warp = np.stack([x, np.zeros_like(x)], -1)[None]
    self.assertAllEqual(snt.resampler(data, warp, implementation="composite"),
                        snt.resampler(data, warp, implementation="op"))

  @parameterized.product(
      mode=MODES,
      shapes=(([0, 3, 3, 2], [0, 4, 2]), ([2, 0, 3, 2], [2, 4, 2]),
              ([2, 3, 0, 2], [2, 4, 2]), ([2, 0, 0, 2], [2, 5, 3, 2]),
              ([2, 3, 3, 0], [2, 4, 2]), ([2, 3, 3, 2], [2, 0, 2]),
              ([2, 3, 3, 2], [2, 3, 0, 2])))
  def test_empty(self, mode, shapes):
    data_shape, warp_shape = shapes
    rng = np.random.RandomState(6)
    data = rng.uniform(size=data_shape).astype(np.float32)
    warp = rng.uniform(-0.9, 0.9, warp_shape).astype(np.float32)
    grad_output = np.ones(warp_shape[:-1] + data_shape[-1:], np.float32)
    op = forward_and_grads("op", data, warp, grad_output, mode)
    composite = forward_and_grads("composite", data, warp, grad_output, mode)
    for got, expected in zip(composite, op):
      self.assertAllEqual(got, expected)
      self.assertEqual(got.shape, expected.shape)

  @parameterized.parameters(*MODES)
  def test_modes_match_reference(self, mode):
    rng = np.random.RandomState(8)
    data = rng.uniform(size=[2, 4, 5, 3])
    warp = random_warp(rng, [2, 3, 2], 4, 5, np.float64)
    grad_output = rng.uniform(size=[2, 3, 2, 3])
    out, grad_data, grad_warp = forward_and_grads("composite", data, warp, grad_output,
                                                  mode)
    ref_data, ref_warp = reference_grads(data, warp, grad_output)
    self.assertAllClose(out, reference_forward(data, warp), atol=1e-12, rtol=0)
    self.assertAllClose(grad_data, ref_data, atol=1e-12, rtol=0)
    self.assertAllClose(grad_warp, ref_warp, atol=1e-12, rtol=0)

  @parameterized.parameters(*DTYPES)
  def test_resampler_grad_matches_op(self, dtype):
    rng = np.random.RandomState(7)
    data = rng.uniform(size=[2, 4, 5, 3]).astype(dtype)
    warp = random_warp(rng, [2, 3, 4], 4, 5, dtype)
    grad_output = rng.uniform(size=[2, 3, 4, 3]).astype(dtype)
    op = resampler_lib.resampler_grad(data, warp, grad_output, implementation="op")
    composite = resampler_lib.resampler_grad(data, warp, grad_output,
                                             implementation="composite")
    for got, expected in zip(composite, op):
      self.assertEqual(got.dtype, dtype)
      self.assertAllClose(got, expected, atol=TOLERANCE[dtype] * 5, rtol=0)

  def test_compute_gradient_float64(self):
    rng = np.random.RandomState(9)
    height, width = 4, 5
    data = tf.constant(rng.uniform(size=[2, height, width, 2]))
    # Away from integers (kinks) and from -1 / W / H.
    cells_x = rng.randint(-1, width, [2, 6])
    cells_y = rng.randint(-1, height, [2, 6])
    warp = tf.constant(np.stack([cells_x + rng.uniform(0.2, 0.8, [2, 6]),
                                 cells_y + rng.uniform(0.2, 0.8, [2, 6])], -1))
    theoretical, numerical = tf.test.compute_gradient(
        resampler_composite.resampler_composite, [data, warp], delta=1e-6)
    for t, n in zip(theoretical, numerical):
      self.assertAllClose(t, n, atol=1e-6, rtol=1e-6)

  def test_second_order_gradient(self):
    # The op has none; the composite's equal numerical derivatives of its gradient.
    rng = np.random.RandomState(10)
    data = tf.constant(rng.uniform(size=[1, 4, 5, 2]))
    warp = tf.constant([[[1.3, 2.6], [-0.4, 0.7], [3.2, 2.2]]], tf.float64)

    def warp_gradient(w):
      with tf.GradientTape() as tape:
        tape.watch(w)
        out = snt.resampler(data, w, implementation="composite")
        loss = tf.reduce_sum(out * tf.constant([1.0, -2.0], tf.float64))
      return tape.gradient(loss, w)

    theoretical, numerical = tf.test.compute_gradient(warp_gradient, [warp], delta=1e-6)
    self.assertAllClose(theoretical[0], numerical[0], atol=1e-6, rtol=1e-6)
    self.assertGreater(np.abs(theoretical[0]).max(), 0.01)  # d2/dxdy is not zero


class AutoImplementationTest(tf.test.TestCase, parameterized.TestCase):

  def _graph_op_types(self, fn, *specs):
    graph = tf.function(fn).get_concrete_function(*specs).graph
    return {op.type for op in graph.get_operations()}

  def test_auto_is_the_op_on_cpu(self):
    self.assertTrue(resampler_lib.op_would_run_on_cpu())
    spec = (tf.TensorSpec([1, 3, 3, 1]), tf.TensorSpec([1, 2, 2]))
    self.assertIn(resampler_lib.OP_NAME, self._graph_op_types(snt.resampler, *spec))

    def on_cpu(d, w):
      with tf.device("/CPU:0"):
        return snt.resampler(d, w)

    self.assertIn(resampler_lib.OP_NAME, self._graph_op_types(on_cpu, *spec))

  @parameterized.parameters("/GPU:0", "/device:TPU:0")
  def test_auto_is_the_composite_under_accelerator_scopes(self, device):
    spec = (tf.TensorSpec([1, 3, 3, 1]), tf.TensorSpec([1, 2, 2]))

    def scoped(d, w):
      with tf.device(device):
        return snt.resampler(d, w)

    types = self._graph_op_types(scoped, *spec)
    self.assertNotIn(resampler_lib.OP_NAME, types)
    self.assertIn("GatherV2", types)
    with tf.device(device):
      self.assertIsNone(resampler_lib._op_module_for("auto"))  # eager scope
    with tf.Graph().as_default():
      with tf.device(device):
        out = snt.resampler(tf.zeros([1, 3, 3, 1]), tf.zeros([1, 2, 2]))
      self.assertNotIn(resampler_lib.OP_NAME,
                       {op.type for op in out.graph.get_operations()})

  def test_auto_is_the_composite_without_scope_where_an_accelerator_is_visible(self):
    # No GPU here: pretend one is visible.
    spec = (tf.TensorSpec([1, 3, 3, 1]), tf.TensorSpec([1, 2, 2]))
    with mock.patch.object(resampler_lib, "_accelerator_visible", return_value=True):
      self.assertNotIn(resampler_lib.OP_NAME, self._graph_op_types(snt.resampler, *spec))

      def on_cpu(d, w):
        with tf.device("/CPU:0"):
          return snt.resampler(d, w)

      self.assertIn(resampler_lib.OP_NAME, self._graph_op_types(on_cpu, *spec))

  @parameterized.parameters(tf.float32, tf.float64)
  def test_jit_compile_default_matches_op(self, dtype):
    rng = np.random.RandomState(11)
    data = tf.constant(rng.uniform(size=[2, 5, 6, 3]), dtype)
    warp = tf.constant(random_warp(rng, [2, 4, 3], 5, 6, np.float64), dtype)
    grad_output = tf.constant(rng.uniform(size=[2, 4, 3, 3]), dtype)
    seen = []

    @tf.function(jit_compile=True)
    def compiled(d, w, g):
      seen.append(resampler_lib.in_xla_compilation())
      with tf.GradientTape() as tape:
        tape.watch([d, w])
        out = snt.resampler(d, w)
      return (out,) + tuple(tape.gradient(out, [d, w], output_gradients=g))

    got = compiled(data, warp, grad_output)
    self.assertEqual(seen, [True])  # XLA seen while tracing
    self.assertFalse(resampler_lib.in_xla_compilation())
    graph = compiled.get_concrete_function(data, warp, grad_output).graph
    self.assertNotIn(resampler_lib.OP_NAME, {op.type for op in graph.get_operations()})
    # XLA compiles it (the op has no XLA kernel): its HLO gathers.
    hlo = compiled.experimental_get_compiler_ir(data, warp, grad_output)(stage="hlo")
    self.assertIn("gather(", hlo)
    expected = forward_and_grads("op", data.numpy(), warp.numpy(), grad_output.numpy())
    tolerance = 1e-5 if dtype == tf.float32 else 1e-12
    for g, e in zip(got, expected):
      self.assertAllClose(g, e, atol=tolerance, rtol=0)

  def test_jit_compile_gradient_outside_the_function(self):
    rng = np.random.RandomState(12)
    data = tf.constant(rng.uniform(size=[1, 4, 4, 2]), tf.float32)
    warp = tf.constant(random_warp(rng, [1, 5], 4, 4, np.float32))
    compiled = tf.function(snt.resampler, jit_compile=True)
    with tf.GradientTape() as tape:
      tape.watch([data, warp])
      out = compiled(data, warp)
    grads = tape.gradient(out, [data, warp])
    expected = forward_and_grads("op", data.numpy(), warp.numpy(),
                                 np.ones([1, 5, 2], np.float32))
    for g, e in zip([out] + grads, expected):
      self.assertAllClose(g, e, atol=1e-5, rtol=0)

  def test_nested_functions_inside_jit_use_the_composite(self):
    inner = tf.function(snt.resampler)
    compiled = tf.function(lambda d, w: inner(d, w), jit_compile=True)
    data = tf.ones([1, 2, 2, 1])
    self.assertAllClose(compiled(data, tf.constant([[[0.5, 0.5]]])), [[[1.0]]])


class ImplementationArgumentTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters("Op", "xla", "", None, 1)
  def test_bad_implementation(self, value):
    pattern = (r"^snt.resampler: `implementation` must be one of 'auto', 'op' or "
               r"'composite', but is %s$" % re.escape(repr(value)))
    with self.assertRaisesRegex(ValueError, pattern):
      snt.resampler(tf.ones([1, 2, 2, 1]), tf.zeros([1, 1, 2]), implementation=value)
    with self.assertRaisesRegex(ValueError, "resampler_grad: `implementation`"):
      resampler_lib.resampler_grad(tf.ones([1, 2, 2, 1]), tf.zeros([1, 1, 2]),
                                   tf.zeros([1, 1, 1]), implementation=value)

  def test_eager_choice_is_remembered_but_not_a_failed_load(self):
    data, warp = tf.ones([1, 2, 2, 1]), tf.zeros([1, 1, 2])
    for _ in range(2):  # The second call takes the remembered choice.
      self.assertAllEqual(snt.resampler(data, warp), [[[1.0]]])
    # Still checked after valid calls, unhashable values included.
    with self.assertRaisesRegex(ValueError, r"but is \['auto'\]$"):
      snt.resampler(data, warp, implementation=["auto"])  # type: ignore[arg-type]
    error = ImportError("no library here")
    with mock.patch.object(resampler_lib, "load_op_library", side_effect=error) as load, \
         mock.patch.object(resampler_lib, "_eager_modules", {}), \
         mock.patch.object(resampler_lib, "_fallback_warned", False):
      for _ in range(2):
        with self.assertRaisesRegex(ImportError, "no library here"):
          snt.resampler(data, warp, implementation="op")
      with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
          self.assertAllEqual(snt.resampler(data, warp), [[[1.0]]])
      self.assertEqual(load.call_count, 4)  # Tried again every time.
      self.assertLen(caught, 1)
      self.assertIsInstance(caught[0].message, resampler_lib.ResamplerFallbackWarning)
      self.assertEqual(caught[0].filename, __file__)  # Points at the caller.

  def test_positional_name_still_works(self):
    with tf.Graph().as_default():
      out = snt.resampler(tf.zeros([1, 2, 2, 1]), tf.zeros([1, 1, 2]), "my_resampler")
    self.assertEqual(out.name, "my_resampler/Resampler:0")


class CompositeErrorTest(tf.test.TestCase, parameterized.TestCase):
  """The composite raises the op path's errors (dtype and static shapes)."""

  @parameterized.product(mode=MODES, dtype=(np.int32, np.float64))
  def test_dtypes(self, mode, dtype):
    data = np.zeros([1, 2, 2, 1], np.float32)
    pattern = ("`warp` has dtype %s, but must" % np.dtype(dtype).name)
    for implementation in ("op", "composite"):
      with self.assertRaisesRegex(tf.errors.InvalidArgumentError, pattern):
        run_in_mode(mode, lambda d, w, i=implementation: snt.resampler(
            d, w, implementation=i), data, np.zeros([1, 1, 2], dtype))

  @parameterized.product(mode=("eager", "function"), shapes=(
      ([2, 4, 4], [2, 5, 2]), ([2, 4, 4, 1], [2]), ([2, 4, 4, 1], [2, 5, 3]),
      ([2, 4, 4, 1], [2, 3, 5, 0]), ([2, 4, 4, 1], [3, 5, 2])))
  def test_static_shapes_give_the_op_paths_errors(self, mode, shapes):
    data_shape, warp_shape = shapes
    errors = []
    for implementation in ("op", "composite"):
      fn = lambda d, w, i=implementation: snt.resampler(d, w, implementation=i)
      data, warp = np.zeros(data_shape, np.float32), np.zeros(warp_shape, np.float32)
      try:
        if mode == "eager":
          fn(tf.constant(data), tf.constant(warp))
        else:
          tf.function(fn, input_signature=[tf.TensorSpec(data_shape, tf.float32),
                                           tf.TensorSpec(warp_shape, tf.float32)])(
                                               data, warp)
      except (tf.errors.OpError, ValueError) as e:
        errors.append(e)
    self.assertLen(errors, 2)
    op_error, composite_error = errors
    self.assertIs(type(composite_error), type(op_error))
    # From our message on (a tf.function's errors start with AutoGraph's traceback).
    op_text, composite_text = (
        text[text.index("snt.resampler: "):].strip()
        for text in (getattr(e, "message", str(e)) for e in errors))
    # Our message, then the kernel's (or shape function's) text; the op's adds where
    # it ran ({{function_node ...}}, [Op:...], the graph node).
    ours, kernel = composite_text.split("; ", 1)
    self.assertTrue(op_text.startswith(ours + "; "), (op_text, composite_text))
    self.assertIn(kernel, op_text)

  @parameterized.parameters("function", "graph")
  def test_static_batch_mismatch_while_building(self, mode):
    pattern = (r"snt.resampler: warp has shape \[3, 5, 2\] but its first \(batch\) "
               r"dimension must be data's, 2 \(data has shape \[2, 4, 4, 1\]\); Batch "
               r"size of data and warp tensor must be the same, but input shapes are: "
               r"\[2,4,4,1\], \[3,5,2\]\n?$")
    fn = lambda d, w: snt.resampler(d, w, implementation="composite")
    with self.assertRaisesRegex(ValueError, pattern):
      if mode == "function":
        tf.function(fn).get_concrete_function(tf.TensorSpec([2, 4, 4, 1]),
                                              tf.TensorSpec([3, 5, 2]))
      else:
        with tf.Graph().as_default():
          fn(tf.zeros([2, 4, 4, 1]), tf.zeros([3, 5, 2]))

  def test_run_time_shapes_are_checked(self):
    fn = tf.function(lambda d, w: snt.resampler(d, w, implementation="composite"),
                     input_signature=[tf.TensorSpec(None, tf.float32)] * 2)
    self.assertAllEqual(fn(tf.ones([1, 1, 1, 1]), tf.zeros([1, 1, 2])), [[[1.0]]])
    for data_shape, warp_shape, pattern in (
        ([2, 3, 3, 1], [3, 4, 2], "Batch size of data and warp tensor must be the same"),
        ([2, 3, 3], [2, 4, 2], "data must have rank 4"),
        ([2, 3, 3, 1], [2, 4, 3], "the last dimension of warp must be 2")):
      with self.assertRaisesRegex(tf.errors.InvalidArgumentError, pattern):
        fn(tf.zeros(data_shape), tf.zeros(warp_shape))

  @parameterized.parameters(*MODES)
  def test_grad_output_shape(self, mode):
    data = np.zeros([2, 3, 3, 1], np.float32)
    warp = np.zeros([2, 4, 2], np.float32)
    # Shapes unknown while building a graph: the composite's run-time check prints
    # the shapes its own way.
    composite = (r"\[2,4,1\] but is \[2,5,1\]" if mode == "eager" else
                 r"\[2 4 1\] \[but is\] \[2 5 1\]")
    for implementation, shapes in (("op", r"\[2,4,1\] but is \[2,5,1\]"),
                                   ("composite", composite)):
      with self.assertRaisesRegex(
          tf.errors.InvalidArgumentError,
          r"grad_output shape is not consistent with data and warp shapes; it "
          r"should be.? " + shapes):
        run_in_mode(mode, lambda d, w, g, i=implementation: resampler_lib.resampler_grad(
            d, w, g, implementation=i), data, warp, np.zeros([2, 5, 1], np.float32))


class TFLiteTest(tf.test.TestCase, parameterized.TestCase):

  def _convert(self, implementation, batch):
    module = tf.Module()
    module.sample = tf.function(
        lambda d, w: snt.resampler(d, w, implementation=implementation),
        input_signature=[tf.TensorSpec([batch, 5, 6, 3], tf.float32),
                         tf.TensorSpec([batch, 4, 7, 2], tf.float32)])
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [module.sample.get_concrete_function()], module)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter.convert()

  @parameterized.parameters(2, None)
  def test_composite_converts_to_builtins_and_matches_op(self, batch):
    model = self._convert("composite", batch)
    with warnings.catch_warnings():
      warnings.simplefilter("ignore")  # tf.lite.Interpreter's deprecation notice
      interpreter = tf.lite.Interpreter(model_content=model)
    rng = np.random.RandomState(13)
    data = rng.uniform(size=[2, 5, 6, 3]).astype(np.float32)
    warp = random_warp(rng, [2, 4, 7], 5, 6, np.float32)
    warp[0, 0, 0, 0] = np.nan
    inputs = interpreter.get_input_details()
    for detail, value in zip(inputs, (data, warp)):
      interpreter.resize_tensor_input(detail["index"], value.shape)
    interpreter.allocate_tensors()
    for detail, value in zip(inputs, (data, warp)):
      interpreter.set_tensor(detail["index"], value)
    interpreter.invoke()
    out = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    self.assertAllClose(out, snt.resampler(data, warp, implementation="op"),
                        atol=1e-6, rtol=0)

  def test_op_does_not_convert_to_builtins(self):
    # The C++ op is neither a TF Lite builtin nor registered as a TF Lite custom op
    # (it would need a TF Lite kernel), so the converter refuses it.
    with self.assertRaisesRegex(Exception, "Sonnet>Resampler"):
      self._convert("op", 2)


if __name__ == "__main__":
  absltest.main()
