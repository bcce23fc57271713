# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for Conv1DTranspose, Conv2DTranspose and Conv3DTranspose."""

from typing import Any

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import conv
from sonnet.src import conv_reference
from sonnet.src import conv_transpose
from sonnet.src import errors
from sonnet.src import initializers
from sonnet.src import test_utils

CLASSES = conv_transpose.TRANSPOSE_CLASSES
RANDOM = {"w": initializers.random_normal(stddev=1.0),
          "b": initializers.random_normal(stddev=1.0)}


def _input(n, batch=2, size=3, channels=3, dtype=np.float32):
  return np.random.RandomState(0).randn(batch, *([size] * n), channels).astype(dtype)


class ConvTransposeTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(
      # (n, kernel, stride, padding, output_shape, expected spatial, mode)
      (1, 3, 2, "SAME", None, 6, "eager"), (1, 3, 2, "VALID", None, 8, "graph"),
      (1, 2, 3, "VALID", None, 10, "tf_function"), (1, 3, 2, "SAME", (5,), 5, "eager"),
      (2, 3, 2, "SAME", None, 6, "tf_function"), (2, 3, 1, "VALID", (5, 5), 5, "graph"),
      (2, (3, 2), 2, "SAME", 5, 5, "eager"), (3, 2, 2, "VALID", None, 7, "eager"),
      (3, 3, 1, "SAME", None, 3, "graph"))
  def test_matches_numpy(self, n, kernel, stride, padding, output_shape, expected, mode):
    x = _input(n)

    def fn():
      module = CLASSES[n](4, output_shape=output_shape, kernel_shape=kernel, stride=stride,
                          padding=padding, initializers=RANDOM)
      return module(tf.constant(x)), module.w, module.b

    out, w, b = test_utils.evaluate_in_mode(mode, fn)
    self.assertEqual(out.shape, (2,) + (expected,) * n + (4,))
    if n == 1:  # Sonnet 1's (1, k, out, in) weight shape.
      self.assertEqual(w.shape[0], 1)
      w = w[0]
    reference = conv_reference.conv_transpose(
        x, w, conv.fill_shape(stride, n, "s", "t"), (expected,) * n, padding) + b
    self.assertAllClose(out, reference, rtol=1e-4, atol=1e-4)

  def test_is_gradient_of_forward_convolution(self):
    # conv_transpose(y) == d<conv(x), y>/dx for the same kernel.
    forward = conv.Conv2D(4, 3, stride=2, use_bias=False, initializers={"w": RANDOM["w"]})
    x = tf.constant(_input(2, size=6))
    y = tf.random.normal([2, 3, 3, 4])
    with tf.GradientTape() as tape:
      tape.watch(x)
      dot = tf.reduce_sum(forward(x) * y)
    module = conv_transpose.Conv2DTranspose(
        3, output_shape=(6, 6), kernel_shape=3, stride=2, use_bias=False,
        initializers={"w": lambda shape, dtype: forward.w})
    self.assertAllClose(module(y), tape.gradient(dot, x), atol=1e-4)

  @parameterized.parameters(1, 2, 3)
  def test_channels_first_equals_channels_last(self, n):
    x = _input(n)
    last = CLASSES[n](2, kernel_shape=2, stride=2, initializers=RANDOM)
    first = CLASSES[n](2, kernel_shape=2, stride=2, data_format=conv.DATA_FORMATS[n][1],
                       initializers={"w": lambda s, dtype: last.w, "b": lambda s, dtype: last.b})
    out_last = last(x)
    out_first = first(np.moveaxis(x, -1, 1))
    self.assertAllClose(np.moveaxis(out_first.numpy(), 1, -1), out_last, atol=1e-5)

  @test_utils.run_in_modes
  def test_unknown_batch_and_spatial_dims(self, mode):
    def fn():
      module = conv_transpose.Conv2DTranspose(4, kernel_shape=3, stride=2, padding="VALID")
      fixed = conv_transpose.Conv2DTranspose(4, output_shape=(8, 9), kernel_shape=3,
                                             stride=2)

      @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3])])
      def apply(x):
        out = module(x)
        self.assertEqual(out.shape.as_list(), [None, None, None, 4])
        out_fixed = fixed(x)
        self.assertEqual(out_fixed.shape.as_list(), [None, 8, 9, 4])
        return out, out_fixed

      return apply(tf.ones([2, 4, 5, 3])), apply(tf.ones([0, 4, 5, 3]))

    (out, fixed), (empty, _) = test_utils.evaluate_in_mode(mode, fn)
    self.assertEqual(out.shape, (2, 10, 12, 4))
    self.assertEqual(fixed.shape, (2, 8, 9, 4))
    self.assertEqual(empty.shape, (0, 10, 12, 4))

  @test_utils.run_in_modes
  def test_gradients_reach_every_variable(self, mode):
    def fn():
      module = conv_transpose.Conv1DTranspose(2, kernel_shape=2, stride=2,
                                              initializers=RANDOM)
      x = tf.constant(_input(1))
      with tf.GradientTape() as tape:
        loss = tf.reduce_sum(module(x) ** 2)
      return tape.gradient(loss, module.trainable_variables)

    grads = test_utils.evaluate_in_mode(mode, fn)
    self.assertLen(grads, 2)
    for g in grads:
      self.assertGreater(np.abs(g).sum(), 0)

  def test_gradient_float64_numeric(self):
    module = conv_transpose.Conv3DTranspose(2, kernel_shape=2, stride=2)
    x = tf.constant(_input(3, batch=1, size=2, channels=2, dtype=np.float64))
    theoretical, numerical = tf.test.compute_gradient(module, [x])
    self.assertAllClose(theoretical, numerical, atol=1e-6)

  @parameterized.parameters(tf.float16, tf.bfloat16, tf.float64)
  def test_dtypes(self, dtype):
    module = conv_transpose.Conv2DTranspose(2, kernel_shape=3, stride=2)
    out = module(tf.ones([1, 2, 2, 3], dtype))
    self.assertEqual(out.dtype, dtype)
    self.assertEqual(module.w.dtype, dtype)

  def test_variables_properties_and_defaults(self):
    module = conv_transpose.Conv3DTranspose(4, kernel_shape=(1, 2, 3), stride=(1, 2, 1))
    for prop in ("w", "b", "input_shape", "input_channels"):
      with self.assertRaises(errors.NotConnectedError):
        getattr(module, prop)
    module(tf.ones([1, 2, 2, 2, 5]))
    module(tf.ones([3, 2, 2, 2, 5]))
    self.assertEqual(module.w.shape, (1, 2, 3, 4, 5))
    self.assertEqual(module.b.shape, (4,))
    # Sonnet 1 initialised the Conv3DTranspose bias randomly; ours is zeros.
    self.assertAllEqual(module.b, np.zeros(4))
    self.assertEqual(sorted(v.name for v in module.variables),
                     [module.scope_name + "/b:0", module.scope_name + "/w:0"])
    self.assertEqual(module.module_name[:17], "conv_3d_transpose")
    self.assertEqual(module.stride, (1, 1, 2, 1, 1))
    self.assertEqual(module.kernel_shape, (1, 2, 3))
    self.assertEqual(module.padding, "SAME")
    # Sonnet 1: after connection `output_shape` is the inferred (SAME: input * stride).
    self.assertEqual(module.output_shape, (2, 4, 2))
    self.assertEqual(module.input_shape, (3, 2, 2, 2, 5))
    self.assertEqual(module.clone().module_name, module.module_name + "_clone")
    no_bias = conv_transpose.Conv1DTranspose(2, kernel_shape=1, use_bias=False)
    no_bias(tf.ones([1, 2, 2]))
    with self.assertRaisesRegex(AttributeError, "No bias"):
      _ = no_bias.b

  @parameterized.parameters((1, "NWC"), (2, "NCHW"), (3, "NDHWC"))
  def test_transpose_round_trip(self, n, data_format):
    module = CLASSES[n](4, kernel_shape=3, stride=2, data_format=data_format)
    forward = module.transpose()
    self.assertEqual(forward.module_name, module.module_name + "_transpose")
    self.assertIsInstance(forward, {1: conv.Conv1D, 2: conv.Conv2D, 3: conv.Conv3D}[n])
    x = tf.ones((2, 3) + (3,) * n) if data_format[1] == "C" else tf.ones((2,) + (3,) * n + (3,))
    y = module(x)
    self.assertEqual(forward(y).shape, x.shape)
    # Conv1DTranspose's w has Sonnet 1's leading 1: (1, k, out, in).
    self.assertEqual(forward.w.shape, module.w.shape[-(n + 2):])

  @parameterized.parameters(
      (dict(kernel_shape=None), ValueError, "kernel_shape must be given"),
      (dict(padding="FULL"), ValueError, "Invalid padding"),
      (dict(output_shape=(3, 3, 3)), errors.IncompatibleShapeError, "Invalid output_shape"),
      (dict(output_shape=(0, 3)), errors.IncompatibleShapeError, "Invalid output_shape"),
      (dict(stride=(1, 2, 3)), errors.IncompatibleShapeError, "Invalid stride"),
      (dict(data_format="NHCW"), ValueError, "Invalid data_format"),
      (dict(initializers={"w_dw": None}), KeyError, "Invalid initializer keys"))
  def test_constructor_errors(self, kwargs, error, regex):
    all_kwargs: dict[str, Any] = dict(output_channels=2, kernel_shape=3)
    all_kwargs.update(kwargs)
    with self.assertRaisesRegex(error, regex):
      conv_transpose.Conv2DTranspose(**all_kwargs)

  @parameterized.parameters(*test_utils.MODES)
  def test_call_errors(self, mode):
    cases = [
        (lambda: conv_transpose.Conv2DTranspose(2, kernel_shape=3)(tf.ones([2, 3, 3])),
         errors.IncompatibleShapeError, "must have rank 4"),
        # As in Sonnet 1, a bad output_shape fails when the op runs.
        (lambda: conv_transpose.Conv2DTranspose(2, (9, 9), 3, stride=2)(tf.ones([1, 3, 3, 1])),
         tf.errors.InvalidArgumentError,
         r"output_shape \(9, 9\) cannot give the input spatial shape \(3, 3\)"),
        (lambda: conv_transpose.Conv1DTranspose(2, kernel_shape=3)(tf.ones([1, 3, 1], tf.int32)),
         TypeError, "Input must have dtype tf.float"),
    ]
    for fn, error, regex in cases:
      test_utils.assert_raises_in_mode(self, mode, fn, error, regex)

  def test_bad_output_shape_connects_in_graph_mode_and_fails_when_run(self):
    # Sonnet 1: connecting works (the static output shape is set); running fails.
    with tf.Graph().as_default():
      module = conv_transpose.Conv3DTranspose(2, output_shape=4, kernel_shape=3, stride=2)
      good = module(tf.zeros([1, 2, 2, 2, 1]))
      bad = module(tf.zeros([1, 2, 3, 2, 1]))
      self.assertEqual(bad.shape.as_list(), [1, 4, 4, 4, 2])
      self.assertEqual(module.output_shape, (4, 4, 4))
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        self.assertEqual(session.run(good).shape, (1, 4, 4, 4, 2))
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                    r"input spatial shape \(2, 3, 2\)"):
          session.run(bad)

  @parameterized.parameters(*test_utils.MODES)
  def test_output_shape_after_connection(self, mode):
    # Sonnet 1: after a call, `output_shape` is the shape used (inferred if not given).
    def fn():
      inferred = conv_transpose.Conv1DTranspose(2, kernel_shape=3, stride=2, padding="VALID")
      partial = conv_transpose.Conv2DTranspose(2, output_shape=(None, 6), kernel_shape=3,
                                               stride=2)
      self.assertIsNone(inferred.output_shape)
      self.assertEqual(partial.output_shape, (None, 6))
      inferred(tf.ones([1, 4, 3]))
      partial(tf.ones([1, 5, 3, 3]))
      self.assertEqual(inferred.output_shape, (4 * 2 + 3 - 1,))
      self.assertEqual(partial.output_shape, (10, 6))
      return tf.constant(0)

    test_utils.evaluate_in_mode(mode, fn)

  def test_unknown_channels(self):
    module = conv_transpose.Conv1DTranspose(2, kernel_shape=3)
    apply = tf.function(module, input_signature=[tf.TensorSpec([None, 4, None])])
    with self.assertRaises(errors.UnderspecifiedError):
      apply(tf.ones([1, 4, 2]))


if __name__ == "__main__":
  tf.test.main()
