# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.nets.convnet."""

from typing import Any

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import batch_norm
from sonnet.src import errors
from sonnet.src import test_utils
from sonnet.src.nets import convnet


def _reference(x, weights, rates, strides, paddings, activate_final, norm=None):
  """Plain-TF ConvNet2D (NHWC): conv + bias, optional normalisation, relu."""
  # Eagerly, or in a session in a legacy-mode process (no eager execution there).
  return test_utils.evaluate_in_mode(test_utils.in_process_modes()[0], lambda: _reference_net(
      x, weights, rates, strides, paddings, activate_final, norm))


def _reference_net(x, weights, rates, strides, paddings, activate_final, norm):
  net = tf.constant(x)
  for i, (w, b) in enumerate(weights):
    net = tf.nn.conv2d(net, w, strides=strides[i], padding=paddings[i],
                       dilations=rates[i]) + b
    last = i == len(weights) - 1
    if not last or activate_final:
      if norm == "batch_norm":
        mean, var = tf.nn.moments(net, [0, 1, 2], keepdims=True)
        net = (net - mean) / tf.sqrt(var + 1e-3)
      elif norm == "layer_norm":
        mean, var = tf.nn.moments(net, [1, 2, 3], keepdims=True)
        net = (net - mean) / tf.sqrt(var + 1e-5)
      net = tf.nn.relu(net)
  return net


class ConvNet2DTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.product(mode=test_utils.MODES,
                         norm=[None, "batch_norm", "layer_norm"],
                         activate_final=[False, True])
  def test_values(self, mode, norm, activate_final):
    x = np.random.RandomState(0).randn(2, 6, 6, 3).astype(np.float32)
    rates, strides, paddings = [1, 2], [1, 1], ["SAME", "VALID"]

    def fn():
      net = convnet.ConvNet2D([4, 5], kernel_shapes=[3], strides=strides,
                              paddings=paddings, rates=rates, normalization_ctor=norm,
                              activate_final=activate_final)
      out = net(tf.constant(x), is_training=True)
      return out, [(layer.w, layer.b) for layer in net.layers]

    out, weights = test_utils.evaluate_in_mode(mode, fn)
    self.assertEqual(out.shape, (2, 2, 2, 5))
    expected = _reference(x, weights, rates, strides, paddings, activate_final, norm)
    self.assertAllClose(out, expected, atol=1e-4)

  def test_nchw_matches_nhwc(self):
    x = np.random.RandomState(1).randn(2, 5, 5, 3).astype(np.float32)
    inits = {"w": tf.random_normal_initializer(seed=1), "b": tf.constant_initializer(0.1)}
    outs = {}
    for data_format in ("NHWC", "NCHW"):
      for norm in ("batch_norm", "batch_norm_v2", "group_norm"):
        kwargs = {"groups": 2} if norm == "group_norm" else {}
        net = convnet.ConvNet2D([4, 2], [3], [1], ["SAME"], data_format=data_format,
                                normalization_ctor=norm, normalization_kwargs=kwargs,
                                initializers=inits, normalize_final=True)
        inputs = x if data_format == "NHWC" else np.transpose(x, [0, 3, 1, 2])
        out = net(inputs, is_training=True).numpy()
        outs[(data_format, norm)] = out if data_format == "NHWC" else np.transpose(
            out, [0, 2, 3, 1])
    for norm in ("batch_norm", "batch_norm_v2", "group_norm"):
      self.assertAllClose(outs[("NHWC", norm)], outs[("NCHW", norm)], atol=1e-4)

  @parameterized.product(norm=[None, "batch_norm", "batch_norm_v2", "layer_norm",
                               "group_norm"],
                         data_format=["NHWC", "NCHW"])
  def test_unknown_batch_keeps_static_shape(self, norm, data_format):
    kwargs = {"groups": 2} if norm == "group_norm" else {}
    make_net = lambda: convnet.ConvNet2D(
        [4, 2], [3], [1, 2], ["SAME", "VALID"], data_format=data_format,
        normalization_ctor=norm, normalization_kwargs=kwargs, normalize_final=True)
    net = make_net()
    nhwc = data_format == "NHWC"
    in_shape = [None, 9, 9, 1] if nhwc else [None, 1, 9, 9]
    out_shape = [None, 4, 4, 2] if nhwc else [None, 2, 4, 4]
    call_kwargs = {"is_training": False} if norm else {}
    fn = tf.function(lambda t: net(t, **call_kwargs),
                     input_signature=[tf.TensorSpec(in_shape)])
    self.assertEqual(fn.get_concrete_function().structured_outputs.shape.as_list(),
                     out_shape)
    for batch in (1, 3):
      self.assertEqual(fn(tf.ones([batch] + in_shape[1:])).shape, [batch] + out_shape[1:])
    with tf.Graph().as_default():
      placeholder = tf.compat.v1.placeholder(tf.float32, in_shape)
      self.assertEqual(make_net()(placeholder, **call_kwargs).shape.as_list(), out_shape)

  def test_transpose_unknown_batch_keeps_static_shape(self):
    net = convnet.ConvNet2D([4, 6], [3, 2], [2, 1], ["SAME", "VALID"])
    net(tf.ones([1, 7, 7, 3]))
    transposed = net.transpose()
    fn = tf.function(transposed, input_signature=[tf.TensorSpec([None, 3, 3, 6])])
    self.assertEqual(fn.get_concrete_function().structured_outputs.shape.as_list(),
                     [None, 7, 7, 3])
    self.assertEqual(fn(tf.ones([2, 3, 3, 6])).shape, (2, 7, 7, 3))

  @parameterized.parameters(tf.float16, tf.bfloat16, tf.float64)
  def test_dtypes(self, dtype):
    net = convnet.ConvNet2D([3, 2], [3], [1], ["SAME"], normalization_ctor="batch_norm",
                            normalize_final=True)
    out = net(tf.ones([2, 4, 4, 1], dtype), is_training=True)
    self.assertEqual(out.dtype, dtype)
    stats_dtype = tf.float64 if dtype == tf.float64 else tf.float32
    for var in net.variables:
      expected = stats_dtype if "moving_" in var.name else dtype  # Sonnet 1: gamma, beta
      self.assertEqual(var.dtype, expected, var.name)
    # The convolutions' error: Sonnet 1's type and words.
    with self.assertRaisesRegex(TypeError, "Input must have dtype tf.float.*got int32"):
      net(tf.ones([2, 4, 4, 1], tf.int32), is_training=True)

  def test_variables_names_and_sharing(self):
    net = convnet.ConvNet2D([2, 3], [3], [1], ["SAME"], normalization_ctor=batch_norm.BatchNorm,
                            use_bias=[True, False])
    x = tf.ones([1, 4, 4, 1])
    net(x, is_training=True)
    net(x, is_training=False, test_local_stats=False)
    names = sorted(v.name[len(net.scope_name) + 1:] for v in net.variables)
    self.assertEqual(names, ["batch_norm_0/beta:0", "batch_norm_0/moving_mean:0",
                             "batch_norm_0/moving_variance:0", "conv_2d_0/b:0",
                             "conv_2d_0/w:0", "conv_2d_1/w:0"])
    self.assertEqual(net.normalizers[1], None)
    self.assertEqual(net.output_channels, (2, 3))
    self.assertEqual(net.use_bias, (True, False))
    self.assertTrue(net.use_batch_norm)

  def test_deprecated_batch_norm_arguments(self):
    net = convnet.ConvNet2D([2, 3], [3], [1], ["SAME"], use_batch_norm=True,
                            batch_norm_config={"scale": True}, activate_final=True)
    net(tf.ones([2, 4, 4, 1]), is_training=True)
    self.assertIsInstance(net.normalizers[1], batch_norm.BatchNorm)
    self.assertIsNotNone(net.normalizers[1].gamma)

  def test_gradients_reach_every_variable(self):
    net = convnet.ConvNet2D([2, 3], [3], [1], ["SAME"], normalization_ctor="layer_norm",
                            activate_final=True)
    x = tf.random.normal([2, 4, 4, 1], seed=2)
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(net(x) ** 2)
    grads = tape.gradient(loss, net.trainable_variables)
    self.assertLen(grads, 8)  # 2 convs (w, b) + 2 layer norms (gamma, beta)
    self.assertNotIn(None, grads)

  def test_custom_getter_reaches_layers(self):
    # Keys match the variable name relative to the network: "conv_2d_0/w".
    net = convnet.ConvNet2D([2, 3], [3], [1], ["SAME"], custom_getter={
        ".*/w$": lambda getter, *a, **k: tf.stop_gradient(getter(*a, **k))})
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(net(tf.ones([1, 4, 4, 1])) ** 2)
    variables = net.trainable_variables
    grads = tape.gradient(loss, variables)
    self.assertLen(variables, 4)
    for var, grad in zip(variables, grads):
      self.assertEqual(grad is None, var.name.endswith("/w:0"), var.name)

  def test_transpose_round_trip(self):
    net = convnet.ConvNet2D([4, 6], [3, 2], [2, 1], ["SAME", "VALID"])
    x = tf.ones([2, 7, 7, 3])
    y = net(x)
    transposed = net.transpose()
    self.assertEqual(transposed.module_name, net.module_name + "_transpose")
    self.assertIsInstance(transposed, convnet.ConvNet2DTranspose)
    self.assertEqual(transposed(y).shape, x.shape)
    self.assertEqual(transposed.output_channels, (4, 3))
    back = transposed.transpose()
    self.assertIsInstance(back, convnet.ConvNet2D)
    self.assertEqual(back(transposed(y)).shape, y.shape)
    self.assertEqual(len(set(v.ref() for v in net.variables) &
                         set(v.ref() for v in transposed.variables)), 0)
    custom = net.transpose(output_channels=[5, 2], activate_final=True, name="up")
    self.assertEqual(custom(y).shape, (2, 7, 7, 2))
    self.assertTrue(custom.activate_final)

  def test_transpose_errors(self):
    net = convnet.ConvNet2D([4, 6], [3], [1], ["SAME"])
    with self.assertRaisesRegex(ValueError, r"must match the number of layers \(2\), but is 3"):
      net.transpose(output_channels=[1, 2, 3])
    transposed = net.transpose()
    with self.assertRaises(errors.NotConnectedError):
      transposed(tf.ones([1, 4, 4, 6]))
    dilated = convnet.ConvNet2D([4], [3], [1], ["SAME"], rates=[2])
    with self.assertRaisesRegex(errors.NotSupportedError, "dilated"):
      dilated.transpose()

  def test_conv_net_2d_transpose(self):
    net = convnet.ConvNet2DTranspose([3, 2], output_shapes=[[8, 8]], kernel_shapes=[3],
                                     strides=[2, 1], paddings=["SAME"],
                                     normalization_ctor="instance_norm", normalize_final=False)
    out = net(tf.ones([2, 4, 4, 5]))
    self.assertEqual(out.shape, (2, 8, 8, 2))
    self.assertEqual(net.output_shapes, ((8, 8), (8, 8)))
    self.assertEqual([layer.module_name for layer in net.layers],
                     ["conv_2d_transpose_0", "conv_2d_transpose_1"])
    self.assertIsNone(net.normalizers[1])

  def test_constructor_errors(self):
    ok = dict(output_channels=[2, 3], kernel_shapes=[3], strides=[1], paddings=["SAME"])
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        (dict(output_channels=[]), ValueError, "must not be empty"),
        (dict(output_channels=3), TypeError, "`output_channels` must be iterable"),
        (dict(kernel_shapes=[3, 3, 3]), ValueError,
         r"`kernel_shapes` must be of length 1 or len\(output_channels\) = 2, got length 3"),
        (dict(strides=[1, 1, 1]), ValueError, "`strides` must be of length 1"),
        (dict(paddings="SAME"), TypeError, "`paddings` must be iterable"),
        (dict(rates=[1, 2, 1]), ValueError, "`rates` must be of length 1"),
        (dict(activation=3), TypeError, "'activation' must be callable"),
        (dict(normalization_ctor="batchnorm"), ValueError, "`normalization_ctor` must be"),
        (dict(normalization_ctor=3), TypeError, "`normalization_ctor` must be"),
        (dict(normalization_kwargs=[1]), TypeError, "`normalization_kwargs` must be a mapping"),
        (dict(normalization_ctor="layer_norm", use_batch_norm=True), ValueError,
         "not both"),
        (dict(use_bias="yes"), TypeError, "`use_bias` must be a bool"),
        (dict(data_format="NCW"), ValueError, "`data_format` must be 'NHWC' or 'NCHW'"),
        (dict(initializers={"x": tf.zeros_initializer()}), KeyError, "Invalid initializer"),
    ]
    for override, error, message in cases:
      with self.assertRaisesRegex(error, message):
        convnet.ConvNet2D(**dict(ok, **override))

  def test_unknown_build_argument(self):
    plain = convnet.ConvNet2D([2], [3], [1], ["SAME"])
    self.assertEqual(plain(tf.ones([1, 3, 3, 1]), is_training=True).shape, (1, 3, 3, 2))
    with self.assertRaisesRegex(TypeError, r"unexpected keyword arguments \['is_trainig'\]"):
      convnet.ConvNet2D([2, 3], [3], [1], ["SAME"], normalization_ctor="batch_norm")(
          tf.ones([1, 3, 3, 1]), is_trainig=True)

  def test_missing_normalization_argument(self):
    net = convnet.ConvNet2D([2, 3], [3], [1], ["SAME"], normalization_ctor="batch_norm")
    with self.assertRaisesRegex(ValueError, "BatchNorm needs `is_training`"):
      net(tf.ones([1, 3, 3, 1]))
    self.assertFalse(net.is_connected)
    with self.assertRaises(errors.NotConnectedError):
      net.input_shape

  def test_failed_later_call_keeps_input_shape(self):
    net = convnet.ConvNet2D([2], [3], [1], ["SAME"])
    net(tf.ones([1, 4, 4, 1]))
    with self.assertRaises((ValueError, errors.Error)):
      net(tf.ones([]))  # Rejected by the first layer.
    self.assertEqual(net.input_shape, (1, 4, 4, 1))
    net(tf.ones([2, 5, 5, 1]))
    self.assertEqual(net.input_shape, (2, 5, 5, 1))


if __name__ == "__main__":
  tf.test.main()
