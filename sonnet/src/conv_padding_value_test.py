# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for `padding_value=` (CONSTANT / REFLECT / SYMMETRIC) and `conv_op_padding`."""

from typing import Any

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import sonnet as snt
from sonnet.src import conv
from sonnet.src import conv_reference
from sonnet.src import conv_utils
from sonnet.src import initializers
from sonnet.src import test_utils

RANDOM = initializers.random_normal(stddev=1.0)
NP_MODES: dict[str, Any] = {
    "CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}


def _sonnet1_pads(padding, kernel, rate):
  """Sonnet 1's explicit padding of one dimension: `(k - 1) * rate` split by padding."""
  total = (kernel - 1) * rate
  return {"SAME": (total // 2, total - total // 2), "VALID": (0, 0), "FULL": (total, total),
          "CAUSAL": (total, 0), "REVERSE_CAUSAL": (0, total)}[padding]


def _np_padded(x, paddings, kernel, rate, padding_value):
  pads = [(0, 0)] + [_sonnet1_pads(p, k, r) for p, k, r in zip(paddings, kernel, rate)]
  return np.pad(x.astype(np.float64), pads + [(0, 0)], mode=NP_MODES[padding_value])


class PaddingValueNumericsTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.product(
      n=[1, 2, 3],
      padding=["SAME", "FULL", "CAUSAL", "REVERSE_CAUSAL", "VALID"],
      padding_value=["CONSTANT", "REFLECT", "SYMMETRIC"])
  def test_conv_nd_matches_numpy_pad(self, n, padding, padding_value):
    x = np.random.RandomState(n).randn(2, *([6] * n), 3).astype(np.float32)
    module = {1: snt.Conv1D, 2: snt.Conv2D, 3: snt.Conv3D}[n](
        4, kernel_shape=3, padding=padding, padding_value=padding_value,
        initializers={"w": RANDOM, "b": RANDOM})
    out = module(tf.constant(x))
    padded = _np_padded(x, (padding,) * n, (3,) * n, (1,) * n, padding_value)
    expected = conv_reference.conv(padded, module.w.numpy(), (1,) * n, (1,) * n,
                                   [(0, 0)] * n) + module.b.numpy()
    self.assertAllClose(out, expected, rtol=1e-4, atol=1e-4)

  @parameterized.parameters(
      ("REFLECT", ("SAME", "CAUSAL"), 2, 1), ("SYMMETRIC", ("FULL", "VALID"), 1, 2),
      ("REFLECT", "REVERSE_CAUSAL", 1, (1, 2)), ("CONSTANT", ("SAME", "FULL"), 2, 1))
  def test_conv2d_per_dimension_stride_and_rate(self, padding_value, padding, stride, rate):
    x = np.random.RandomState(0).randn(1, 9, 8, 2).astype(np.float32)
    module = snt.Conv2D(3, kernel_shape=(3, 2), stride=stride, rate=rate, padding=padding,
                        padding_value=padding_value, use_bias=False,
                        initializers={"w": RANDOM})
    out = module(x)
    paddings = conv_utils.fill_padding(padding, 2, "t")
    rates = conv_utils.fill_shape(rate, 2, "rate", "t")
    strides = conv_utils.fill_shape(stride, 2, "stride", "t")
    padded = _np_padded(x, paddings, (3, 2), rates, padding_value)
    expected = conv_reference.conv(padded, module.w.numpy(), strides, rates, [(0, 0)] * 2)
    self.assertAllClose(out, expected, rtol=1e-4, atol=1e-4)

  def test_known_answer_reflect_and_symmetric(self):
    # A 3-wide ones kernel sums a window of [0, 1, 2, 3] padded by 1 on each side
    # (SAME): reflect pads with [1 | ... | 2], symmetric with [0 | ... | 3].
    x = np.arange(4, dtype=np.float32).reshape(1, 4, 1)
    ones = {"w": initializers.ones()}
    reflect = snt.Conv1D(1, 3, padding=snt.SAME, padding_value=snt.REFLECT_PADDING,
                         use_bias=False, initializers=ones)
    symmetric = snt.Conv1D(1, 3, padding=snt.SAME, padding_value=snt.SYMMETRIC_PADDING,
                           use_bias=False, initializers=ones)
    constant = snt.Conv1D(1, 3, padding=snt.SAME, use_bias=False, initializers=ones)
    self.assertAllClose(reflect(x)[0, :, 0], [2., 3., 6., 7.])
    self.assertAllClose(symmetric(x)[0, :, 0], [1., 3., 6., 8.])
    self.assertAllClose(constant(x)[0, :, 0], [1., 3., 6., 5.])

  @parameterized.parameters("REFLECT", "SYMMETRIC")
  def test_per_channel_convs_match_numpy(self, padding_value):
    x = np.random.RandomState(1).randn(2, 7, 6, 3).astype(np.float32)
    padded = _np_padded(x, ("SAME", "CAUSAL"), (3, 3), (1, 1), padding_value)
    kwargs = dict(padding=("SAME", "CAUSAL"), padding_value=padding_value, use_bias=False)
    depthwise = snt.DepthwiseConv2D(2, 3, initializers={"w": RANDOM}, **kwargs)
    out = depthwise(x)
    dense = conv_reference.depthwise_as_dense(depthwise.w.numpy())
    self.assertAllClose(out, conv_reference.conv(padded, dense, (1, 1), (1, 1), [(0, 0)] * 2),
                        rtol=1e-4, atol=1e-4)

    in_plane = snt.InPlaneConv2D(3, initializers={"w": RANDOM}, **kwargs)
    out = in_plane(x)
    w = np.tile(in_plane.w.numpy(), [1, 1, 3, 1])
    self.assertAllClose(
        out, conv_reference.conv(padded, conv_reference.depthwise_as_dense(w), (1, 1), (1, 1),
                                 [(0, 0)] * 2), rtol=1e-4, atol=1e-4)

    separable = snt.SeparableConv2D(4, 2, 3, initializers={"w_dw": RANDOM, "w_pw": RANDOM},
                                    **kwargs)
    out = separable(x)
    dense = conv_reference.depthwise_as_dense(separable.w_dw.numpy())
    mid = conv_reference.conv(padded, dense, (1, 1), (1, 1), [(0, 0)] * 2)
    expected = mid @ separable.w_pw.numpy()[0, 0].astype(np.float64)
    self.assertAllClose(out, expected, rtol=1e-4, atol=1e-4)

  @parameterized.parameters("REFLECT", "SYMMETRIC")
  def test_separable_conv_1d_and_causal_conv_1d(self, padding_value):
    x = np.random.RandomState(2).randn(2, 8, 3).astype(np.float32)
    sep = snt.SeparableConv1D(4, 1, 3, padding=snt.FULL, padding_value=padding_value,
                              use_bias=False, initializers={"w_dw": RANDOM, "w_pw": RANDOM})
    out = sep(x)
    padded = _np_padded(x, ("FULL",), (3,), (1,), padding_value)
    w_dw = np.reshape(sep.w_dw.numpy(), (3, 3, 1))
    mid = conv_reference.conv(padded, conv_reference.depthwise_as_dense(w_dw), (1,), (1,),
                              [(0, 0)])
    w_pw = np.reshape(sep.w_pw.numpy(), (3, 4)).astype(np.float64)
    self.assertAllClose(out, mid @ w_pw, rtol=1e-4, atol=1e-4)

    # Named: conv_test checks the default name of the process's first CausalConv1D.
    causal = snt.CausalConv1D(2, 3, padding_value=padding_value, use_bias=False, name="pv_c",
                              initializers={"w": RANDOM})
    out = causal(x)
    padded = _np_padded(x, ("CAUSAL",), (3,), (1,), padding_value)
    self.assertAllClose(out, conv_reference.conv(padded, causal.w.numpy(), (1,), (1,),
                                                 [(0, 0)]), rtol=1e-4, atol=1e-4)

  @parameterized.parameters("eager", "graph", "tf_function")
  def test_modes_and_channels_first(self, mode):
    x = np.random.RandomState(3).randn(2, 3, 6, 5).astype(np.float32)

    def fn():
      first = snt.Conv2D(2, 3, padding=snt.SAME, padding_value=snt.REFLECT_PADDING,
                         data_format="NCHW", initializers={"w": RANDOM, "b": RANDOM})
      return first(tf.constant(x)), first.w, first.b

    out, w, b = test_utils.evaluate_in_mode(mode, fn)
    padded = _np_padded(np.moveaxis(x, 1, -1), ("SAME", "SAME"), (3, 3), (1, 1), "REFLECT")
    expected = conv_reference.conv(padded, w, (1, 1), (1, 1), [(0, 0)] * 2) + b
    self.assertAllClose(np.moveaxis(out, 1, -1), expected, rtol=1e-4, atol=1e-4)


class PaddingValueApiTest(tf.test.TestCase, parameterized.TestCase):

  def test_constants(self):
    self.assertEqual((snt.CONSTANT_PADDING, snt.REFLECT_PADDING, snt.SYMMETRIC_PADDING),
                     ("CONSTANT", "REFLECT", "SYMMETRIC"))
    self.assertEqual(conv.ALLOWED_PADDING_VALUES, ("CONSTANT", "REFLECT", "SYMMETRIC"))

  @parameterized.parameters(
      (lambda **kw: snt.Conv1D(2, 3, **kw),), (lambda **kw: snt.Conv2D(2, 3, **kw),),
      (lambda **kw: snt.Conv3D(2, 3, **kw),),
      (lambda **kw: snt.CausalConv1D(2, 3, name="pv_causal", **kw),),
      (lambda **kw: snt.DepthwiseConv2D(2, 3, **kw),),
      (lambda **kw: snt.InPlaneConv2D(3, **kw),),
      (lambda **kw: snt.SeparableConv2D(2, 1, 3, **kw),),
      (lambda **kw: snt.SeparableConv1D(2, 1, 3, **kw),))
  def test_bad_padding_value_and_property(self, make):
    with self.assertRaisesRegex(ValueError, "Invalid padding_value 'ZERO'"):
      make(padding_value="ZERO")
    self.assertEqual(make().padding_value, snt.CONSTANT_PADDING)
    module = make(padding_value=snt.SYMMETRIC_PADDING)
    self.assertEqual(module.padding_value, snt.SYMMETRIC_PADDING)
    self.assertEqual(module.conv_op_padding, snt.VALID)
    self.assertEqual(module.clone().padding_value, snt.SYMMETRIC_PADDING)

  @parameterized.parameters(
      (snt.SAME, snt.CONSTANT_PADDING, snt.SAME),
      (snt.SAME, snt.REFLECT_PADDING, snt.VALID),
      (snt.VALID, snt.CONSTANT_PADDING, snt.VALID),
      (snt.FULL, snt.CONSTANT_PADDING, snt.VALID),
      ((snt.SAME, snt.VALID), snt.CONSTANT_PADDING, snt.VALID),
      (snt.CAUSAL, snt.SYMMETRIC_PADDING, snt.VALID))
  def test_conv_op_padding(self, padding, padding_value, expected):
    module = snt.Conv2D(2, 3, padding=padding, padding_value=padding_value)
    self.assertEqual(module.conv_op_padding, expected)

  @parameterized.parameters(snt.SAME, snt.VALID)
  def test_transposed_conv_op_padding(self, padding):
    for cls in (snt.Conv1DTranspose, snt.Conv2DTranspose, snt.Conv3DTranspose):
      module = cls(2, None, 3, padding=padding)
      self.assertEqual(module.conv_op_padding, padding)
      self.assertEqual(module.transpose().conv_op_padding, padding)


if __name__ == "__main__":
  tf.test.main()
