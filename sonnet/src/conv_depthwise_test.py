# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for DepthwiseConv2D, InPlaneConv2D, SeparableConv1D and SeparableConv2D."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import conv
from sonnet.src import conv_depthwise
from sonnet.src import conv_reference
from sonnet.src import errors
from sonnet.src import initializers
from sonnet.src import test_utils

NORMAL = initializers.random_normal(stddev=1.0)


def _input(n, batch=2, size=5, channels=3, dtype=np.float32):
  return np.random.RandomState(0).randn(batch, *([size] * n), channels).astype(dtype)


def _pads(padding, n, kernel, stride, rate, size=5):
  paddings = conv.fill_padding(padding, n, "t")
  kernel = conv.fill_shape(kernel, n, "k", "t")
  return [conv_reference.explicit_pads(p, [size], [k], [s], [r])[0]
          for p, k, s, r in zip(paddings, kernel, stride, rate)]


class DepthwiseTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(
      (2, 3, 1, 1, "SAME", "eager"), (1, (3, 2), 2, 1, "VALID", "graph"),
      (2, 3, 1, 2, "FULL", "tf_function"), (1, 2, (1, 2), 1, ("CAUSAL", "SAME"), "eager"),
      (2, (2, 3), (3, 2), 1, "SAME", "graph"))
  def test_depthwise_matches_numpy(self, mult, kernel, stride, rate, padding, mode):
    x = _input(2)

    def fn():
      module = conv_depthwise.DepthwiseConv2D(mult, kernel, stride=stride, rate=rate,
                                              padding=padding,
                                              initializers={"w": NORMAL, "b": NORMAL})
      return module(tf.constant(x)), module.w, module.b

    out, w, b = test_utils.evaluate_in_mode(mode, fn)
    strides, rates = conv.fill_shape(stride, 2, "s", "t"), conv.fill_shape(rate, 2, "r", "t")
    self.assertEqual(w.shape, conv.fill_shape(kernel, 2, "k", "t") + (3, mult))
    expected = conv_reference.conv(x, conv_reference.depthwise_as_dense(w), strides, rates,
                                   _pads(padding, 2, kernel, strides, rates)) + b
    self.assertAllClose(out, expected, rtol=1e-4, atol=1e-4)

  @parameterized.parameters(("SAME", 1, "eager"), ("VALID", 2, "graph"),
                            ("REVERSE_CAUSAL", 1, "tf_function"))
  def test_in_plane_matches_numpy(self, padding, stride, mode):
    x = _input(2)

    def fn():
      module = conv_depthwise.InPlaneConv2D(3, stride=stride, padding=padding,
                                            initializers={"w": NORMAL, "b": NORMAL})
      return module(tf.constant(x)), module.w, module.b

    out, w, b = test_utils.evaluate_in_mode(mode, fn)
    self.assertEqual(w.shape, (3, 3, 1, 1))
    self.assertEqual(b.shape, (3,))
    dense = conv_reference.depthwise_as_dense(np.tile(w, [1, 1, 3, 1]))
    expected = conv_reference.conv(x, dense, (stride,) * 2, (1, 1),
                                   _pads(padding, 2, 3, (stride,) * 2, (1, 1))) + b
    self.assertAllClose(out, expected, rtol=1e-4, atol=1e-4)

  @parameterized.parameters(
      (2, 2, 1, 1, "SAME", "NHWC", "eager"), (2, 1, 2, 1, "VALID", "NCHW", "graph"),
      (1, 2, 1, 2, "CAUSAL", "NWC", "tf_function"), (1, 3, 2, 1, "SAME", "NCW", "eager"))
  def test_separable_matches_numpy(self, n, mult, stride, rate, padding, data_format, mode):
    x = _input(n)
    cls = {1: conv_depthwise.SeparableConv1D, 2: conv_depthwise.SeparableConv2D}[n]
    first = data_format[1] == "C"

    def fn():
      module = cls(4, mult, 3, stride=stride, rate=rate, padding=padding,
                   data_format=data_format,
                   initializers={"w_dw": NORMAL, "w_pw": NORMAL, "b": NORMAL})
      out = module(tf.constant(np.moveaxis(x, -1, 1) if first else x))
      return out, module.w_dw, module.w_pw, module.b

    out, w_dw, w_pw, b = test_utils.evaluate_in_mode(mode, fn)
    if first:
      out = np.moveaxis(out, 1, -1)
    # SeparableConv1D's weights have Sonnet 1's 2-D shapes (leading 1).
    leading = (1,) if n == 1 else ()
    self.assertEqual(w_dw.shape, leading + (3,) * n + (3, mult))
    self.assertEqual(w_pw.shape, leading + (1,) * n + (3 * mult, 4))
    w_dw = w_dw.reshape(w_dw.shape[-(n + 2):])
    strides, rates = (stride,) * n, (rate,) * n
    depthwise = conv_reference.conv(x, conv_reference.depthwise_as_dense(w_dw), strides,
                                    rates, _pads(padding, n, 3, strides, rates))
    expected = depthwise @ w_pw.reshape(3 * mult, 4) + b
    self.assertAllClose(out, expected, rtol=1e-4, atol=1e-4)

  @parameterized.parameters(
      (conv_depthwise.DepthwiseConv2D, (2, 3), {"w", "b"}),
      (conv_depthwise.InPlaneConv2D, (3,), {"w", "b"}),
      (conv_depthwise.SeparableConv2D, (4, 2, 3), {"w_dw", "w_pw", "b"}),
      (conv_depthwise.SeparableConv1D, (4, 2, 3), {"w_dw", "w_pw", "b"}))
  def test_module_basics(self, cls, args, keys):
    self.assertEqual(cls.get_possible_initializer_keys(), keys)
    self.assertEqual(cls.get_possible_initializer_keys(use_bias=False), keys - {"b"})
    module = cls(*args)
    with self.assertRaises(errors.NotConnectedError):
      _ = module.b
    n = 1 if cls is conv_depthwise.SeparableConv1D else 2
    x = tf.constant(_input(n, size=4))
    out1 = module(x)

    @tf.function(input_signature=[tf.TensorSpec([None] * (n + 1) + [3])])
    def apply(x):
      return module(x)

    self.assertAllClose(apply(x), out1)
    self.assertEqual(apply(tf.ones([0] + [4] * n + [3])).shape[0], 0)
    self.assertLen(module.variables, len(keys))
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(module(x) ** 2)
    for g in tape.gradient(loss, module.trainable_variables):
      self.assertGreater(np.abs(g.numpy()).sum(), 0)
    for dtype in (tf.float16, tf.float64):
      self.assertEqual(cls(*args)(tf.cast(x, dtype)).dtype, dtype)
    clone = module.clone()
    self.assertEqual(clone.module_name, module.module_name + "_clone")
    self.assertEqual(clone(x).shape, out1.shape)

  def test_unequal_strides_with_unknown_sizes(self):
    # TF's depthwise kernels only take equal strides; the module subsamples instead.
    module = conv_depthwise.SeparableConv2D(4, 2, 3, stride=(2, 1))
    x = tf.constant(_input(2, size=5))
    expected = module(x)
    self.assertEqual(expected.shape, (2, 3, 5, 4))
    apply = tf.function(module, input_signature=[tf.TensorSpec([None, None, None, 3])])
    self.assertAllClose(apply(x), expected, atol=1e-5)
    self.assertEqual(apply(tf.ones([0, 6, 4, 3])).shape, (0, 3, 4, 4))

  @parameterized.parameters(
      (lambda: conv_depthwise.SeparableConv2D(2, 2, 3, stride=(2, 1), padding="SAME"),),
      (lambda: conv_depthwise.DepthwiseConv2D(1, 2, rate=2, padding="CAUSAL"),),
      (lambda: conv_depthwise.SeparableConv1D(2, 1, 3, stride=2, data_format="NCW"),))
  def test_gradient_float64_numeric(self, make):
    module = make()
    rank = 3 if isinstance(module, conv_depthwise.SeparableConv1D) else 4
    x = tf.constant(np.random.RandomState(3).randn(*([1] + [2] + [4] * (rank - 2))))
    if rank == 4:
      x = tf.transpose(x, [0, 2, 3, 1])
    module(x)
    theoretical, numerical = tf.test.compute_gradient(module, [x])
    self.assertAllClose(theoretical, numerical, atol=1e-6)

  def test_default_names_and_output_channels(self):
    separable = conv_depthwise.SeparableConv2D(4, 2, 3)
    self.assertStartsWith(separable.module_name, "separable_conv_2d")  # Sonnet 1: Capital S.
    self.assertStartsWith(conv_depthwise.SeparableConv1D(4, 2, 3).module_name,
                          "separable_conv_1d")
    depthwise = conv_depthwise.DepthwiseConv2D(2, 3)
    self.assertStartsWith(depthwise.module_name, "conv_2d_depthwise")
    in_plane = conv_depthwise.InPlaneConv2D(3)
    self.assertStartsWith(in_plane.module_name, "in_plane_conv2d")
    x = tf.ones([1, 4, 4, 3])
    self.assertEqual(depthwise(x).shape, (1, 4, 4, 6))
    self.assertEqual(depthwise.output_channels, 6)
    self.assertEqual(in_plane(x).shape, (1, 4, 4, 3))
    self.assertEqual(in_plane.output_channels, 3)
    self.assertEqual(separable(x).shape, (1, 4, 4, 4))
    self.assertEqual(conv_depthwise.DepthwiseConv2D(1, 3, padding=("SAME", "FULL")).paddings,
                     ("SAME", "FULL"))

  def test_channels_first_equals_channels_last(self):
    x = _input(2)
    last = conv_depthwise.DepthwiseConv2D(2, 3, stride=2, initializers={"b": NORMAL})
    first = conv_depthwise.DepthwiseConv2D(
        2, 3, stride=2, data_format="NCHW",
        initializers={"w": lambda s, dtype: last.w, "b": lambda s, dtype: last.b})
    out_last = last(x)
    self.assertAllClose(np.moveaxis(first(np.moveaxis(x, -1, 1)).numpy(), 1, -1), out_last,
                        atol=1e-5)

  @parameterized.parameters(
      (lambda: conv_depthwise.DepthwiseConv2D(0, 3), ValueError, "channel_multiplier"),
      (lambda: conv_depthwise.SeparableConv2D(0, 1, 3), ValueError, "output_channels"),
      # A float channel_multiplier, deliberately wrong.
      (lambda: conv_depthwise.SeparableConv2D(2, 1.5, 3),  # type: ignore[arg-type]
       ValueError, "channel_multiplier"),
      (lambda: conv_depthwise.DepthwiseConv2D(1, 3, stride=2, rate=2),
       errors.NotSupportedError, "stride > 1 with rate > 1"),
      (lambda: conv_depthwise.SeparableConv1D(1, 1, (3, 3)), errors.IncompatibleShapeError,
       "Invalid kernel"),
      (lambda: conv_depthwise.InPlaneConv2D(3, padding="BAD"), ValueError, "Invalid padding"),
      (lambda: conv_depthwise.SeparableConv2D(1, 1, 3, data_format="NCW"), ValueError,
       "Invalid data_format"),
      (lambda: conv_depthwise.SeparableConv2D(1, 1, 3, initializers={"w": NORMAL}), KeyError,
       "Invalid initializer keys 'w'"))
  def test_constructor_errors(self, make, error, regex):
    with self.assertRaisesRegex(error, regex):
      make()

  @parameterized.parameters(*test_utils.MODES)
  def test_call_errors(self, mode):
    cases = [
        (lambda: conv_depthwise.DepthwiseConv2D(1, 3)(tf.ones([2, 3, 3])),
         errors.IncompatibleShapeError, "must have rank 4"),
        (lambda: conv_depthwise.SeparableConv1D(1, 1, 3)(tf.ones([2, 3], tf.int32)),
         errors.IncompatibleShapeError, "must have rank 3"),
        # Sonnet 1's type and words.
        (lambda: conv_depthwise.InPlaneConv2D(3)(tf.ones([1, 3, 3, 1], tf.int32)),
         TypeError, "Input must have dtype tf.float16, tf.bfloat16, tf.float32 or "
         "tf.float64, got int32"),
    ]
    for fn, error, regex in cases:
      test_utils.assert_raises_in_mode(self, mode, fn, error, regex)

  def test_unknown_channels_and_changed_channels(self):
    module = conv_depthwise.SeparableConv2D(2, 1, 3)
    apply = tf.function(module, input_signature=[tf.TensorSpec([None, 4, 4, None])])
    with self.assertRaisesRegex(errors.UnderspecifiedError, "channels must be known"):
      apply(tf.ones([1, 4, 4, 2]))
    module(tf.ones([1, 4, 4, 2]))
    with self.assertRaisesRegex(errors.IncompatibleShapeError, "must stay 2"):
      module(tf.ones([1, 4, 4, 5]))


if __name__ == "__main__":
  tf.test.main()
