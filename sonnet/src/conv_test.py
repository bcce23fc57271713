# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for Conv1D, Conv2D, Conv3D and CausalConv1D."""

from typing import Any
from unittest import mock

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import conv
from sonnet.src import conv_depthwise
from sonnet.src import conv_reference
from sonnet.src import conv_transpose
from sonnet.src import conv_utils
from sonnet.src import errors
from sonnet.src import initializers
from sonnet.src import test_utils
from sonnet.src import variables

CLASSES = {1: conv.Conv1D, 2: conv.Conv2D, 3: conv.Conv3D}
RANDOM = {"w": initializers.random_normal(stddev=1.0),
          "b": initializers.random_normal(stddev=1.0)}


def _input(n, batch=2, size=5, channels=3, dtype=np.float32, seed=0):
  rng = np.random.RandomState(seed)
  return rng.randn(batch, *([size] * n), channels).astype(dtype)



def _returns(value):
  """An initializer that returns `value` whatever it is asked for."""
  return lambda *unused_args, **unused_kwargs: value

class ConvNumericsTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(
      # (n, padding, stride, rate, mode)
      (1, "SAME", 1, 1, "eager"), (1, "VALID", 2, 1, "graph"), (1, "FULL", 1, 2, "eager"),
      (1, "CAUSAL", 2, 1, "tf_function"), (1, "REVERSE_CAUSAL", 1, 1, "eager"),
      (2, "SAME", 2, 1, "eager"), (2, "VALID", 1, 2, "tf_function"),
      (2, "SAME", 1, 2, "graph"), (2, ("SAME", "CAUSAL"), 1, 1, "eager"),
      (2, "FULL", (2, 1), 1, "eager"), (3, "SAME", 2, 1, "graph"),
      (3, "VALID", 1, 1, "tf_function"), (3, "CAUSAL", 1, (1, 2, 1), "eager"))
  def test_matches_numpy(self, n, padding, stride, rate, mode):
    x = _input(n)

    def fn():
      module = CLASSES[n](4, kernel_shape=3, stride=stride, rate=rate, padding=padding,
                          initializers=RANDOM)
      return module(tf.constant(x)), module.w, module.b

    out, w, b = test_utils.evaluate_in_mode(mode, fn)
    strides = conv.fill_shape(stride, n, "stride", "t")
    rates = conv.fill_shape(rate, n, "rate", "t")
    paddings = conv.fill_padding(padding, n, "t")
    pads = [conv_reference.explicit_pads(p, [5], [3], [s], [r])[0]
            for p, s, r in zip(paddings, strides, rates)]
    expected = conv_reference.conv(x, w, strides, rates, pads) + b
    self.assertAllClose(out, expected, rtol=1e-4, atol=1e-4)

  @parameterized.parameters(1, 2, 3)
  def test_channels_first_equals_channels_last(self, n):
    x = _input(n, size=4)
    last = CLASSES[n](3, kernel_shape=2, stride=2, initializers=RANDOM)
    first = CLASSES[n](3, kernel_shape=2, stride=2, data_format=conv.DATA_FORMATS[n][1],
                       initializers={"w": lambda s, dtype: last.w, "b": lambda s, dtype: last.b})
    out_last = last(x)
    out_first = first(np.moveaxis(x, -1, 1))
    self.assertEqual(first.b.shape, (3,))
    self.assertAllClose(np.moveaxis(out_first.numpy(), 1, -1), out_last, atol=1e-5)

  @parameterized.parameters(
      (lambda **kw: conv.Conv2D(4, 3, stride=2, padding=("FULL", "SAME"), **kw), 2),
      (lambda **kw: conv.Conv1D(4, 3, padding="CAUSAL", **kw), 1),
      (lambda **kw: conv.Conv3D(2, 2, **kw), 3),
      (lambda **kw: conv_transpose.Conv2DTranspose(4, None, 3, stride=2, **kw), 2),
      (lambda **kw: conv_depthwise.SeparableConv2D(4, 2, 3, stride=(2, 1), **kw), 2),
      (lambda **kw: conv_depthwise.SeparableConv1D(4, 2, 3, stride=2, **kw), 1))
  def test_native_channels_first_path(self, make, n):
    # The path a GPU takes (no channels-last fallback), run where the CPU kernels allow it
    # (oneDNN implements float32 NCHW); compared with the channels-last module.
    x = _input(n, size=4)
    last = make(initializers=None)
    out_last = last(x)
    given = {v.name.split("/")[-1][:-2]: v for v in last.variables}
    first = make(data_format=conv.DATA_FORMATS[n][1],
                 initializers={k: _returns(v) for k, v in given.items()})
    no_fallback = lambda data_format: False
    with mock.patch.object(conv, "use_channels_last_fallback", no_fallback), \
         mock.patch.object(conv_utils, "use_channels_last_fallback", no_fallback):
      try:
        out_first = first(np.moveaxis(x, -1, 1))
      except (tf.errors.UnimplementedError, tf.errors.InvalidArgumentError) as e:
        self.skipTest(f"this CPU build has no channels-first kernel: {e}")
    self.assertAllClose(np.moveaxis(out_first.numpy(), 1, -1), out_last, atol=1e-5)

  def test_causal_conv_1d_is_causal(self):
    module = conv.CausalConv1D(2, kernel_shape=3, rate=2, initializers=RANDOM)
    x = _input(1, size=9)
    x_changed = x.copy()
    x_changed[:, 6:] += 1.0  # Only future steps change.
    out, out_changed = module(x), module(x_changed)
    self.assertAllClose(out[:, :6], out_changed[:, :6])
    self.assertNotAllClose(out[:, 6:], out_changed[:, 6:])
    self.assertEqual(module.padding, conv.CAUSAL)
    self.assertEqual(module.module_name, "causal_conv_1d")
    self.assertEqual(module.clone().padding, conv.CAUSAL)

  @parameterized.parameters((2, True), (4, False))
  def test_mask(self, mask_rank, use_bias):
    kernel = (3, 3)
    mask = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]], bool)
    if mask_rank == 4:
      mask = np.random.RandomState(1).randint(0, 2, size=(3, 3, 3, 2)).astype(np.float32)
    module = conv.Conv2D(2, kernel, mask=mask, use_bias=use_bias,
                         initializers=RANDOM if use_bias else {"w": RANDOM["w"]})
    x = _input(2)
    out = module(x)
    full_mask = mask if mask_rank == 4 else mask[:, :, None, None]
    expected = conv_reference.conv(x, module.w.numpy() * full_mask, (1, 1), (1, 1),
                                   conv_reference.same_pads((5, 5), kernel, (1, 1), (1, 1)))
    self.assertAllClose(out, expected + (module.b.numpy() if use_bias else 0), atol=1e-4)
    np.testing.assert_array_equal(module.mask, mask)

  @parameterized.parameters(*test_utils.MODES)
  def test_tensor_mask(self, mode):
    # Sonnet 1 took float tensors as masks too (any float dtype; cast to the input's).
    mask_np = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]], np.float64)
    x = _input(2, size=6)

    def fn():
      mask = tf.constant(mask_np)
      module = conv.Conv2D(2, 3, padding=conv.VALID, mask=mask, initializers=RANDOM)
      self.assertIs(module.mask, mask)
      return module(x), module.w, module.b

    out, w, b = test_utils.evaluate_in_mode(mode, fn)
    expected = conv_reference.conv(x, w * mask_np[:, :, None, None], (1, 1), (1, 1),
                                   [(0, 0), (0, 0)])
    self.assertAllClose(out, expected + b, atol=1e-4)

  def test_tensor_mask_channel_dimensions_checked_at_call(self):
    module = conv.Conv1D(2, 3, mask=tf.ones([3, 4]))
    with self.assertRaisesRegex(errors.IncompatibleShapeError,
                                r"^Invalid mask shape: \(3, 4\): .* weight shape \(3, 2, 2\)"):
      module(tf.ones([1, 5, 2]))

  def test_tensor_mask_with_unknown_shape(self):
    with tf.Graph().as_default():
      mask = tf.compat.v1.placeholder(tf.float32, [3, None])
      with self.assertRaisesRegex(errors.IncompatibleShapeError,
                                  r"^Invalid mask shape: \(3, None\): .* statically known"):
        conv.Conv1D(2, 3, mask=mask)

  @parameterized.parameters(tf.float16, tf.bfloat16, tf.float32, tf.float64)
  def test_dtypes(self, dtype):
    module = conv.Conv2D(2, 3)
    out = module(tf.ones([1, 4, 4, 3], dtype))
    self.assertEqual(out.dtype, dtype)
    self.assertEqual(module.w.dtype, dtype)
    self.assertEqual(module.b.dtype, dtype)

  def test_default_initializers(self):
    module = conv.Conv2D(64, kernel_shape=(4, 5))
    module(tf.ones([1, 6, 6, 8]))
    w = module.w.numpy()
    self.assertAllEqual(module.b.numpy(), np.zeros(64))
    stddev = 1 / np.sqrt(4 * 5 * 8)
    self.assertLessEqual(np.abs(w).max(), 2 * stddev + 1e-6)  # Truncated at 2 stddev.
    self.assertNear(w.std(), stddev * 0.88, stddev * 0.1)  # std of N(0,1) cut at 2: 0.88.


class ConvModuleTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(1, 2, 3)
  def test_variables_shapes_names_and_sharing(self, n):
    module = CLASSES[n](4, kernel_shape=3, name="my_conv")
    x = _input(n)
    out1 = module(x)
    out2 = module(x * 1.0)
    self.assertAllClose(out1, out2)
    self.assertEqual(module.w.shape, (3,) * n + (3, 4))
    self.assertEqual(module.b.shape, (4,))
    self.assertStartsWith(module.module_name, "my_conv")
    self.assertEqual(sorted(v.name for v in module.variables),
                     [module.scope_name + "/b:0", module.scope_name + "/w:0"])
    self.assertEqual(module.input_shape, (2,) + (5,) * n + (3,))
    self.assertEqual(module.input_channels, 3)
    self.assertEqual(module.output_channels, 4)

  def test_no_bias(self):
    module = conv.Conv1D(2, 3, use_bias=False)
    module(_input(1))
    self.assertLen(module.variables, 1)
    self.assertFalse(module.has_bias)
    with self.assertRaisesRegex(AttributeError, "No bias Variable in Conv1D"):
      _ = module.b
    self.assertEqual(conv.Conv1D.get_possible_initializer_keys(use_bias=False), {"w"})
    self.assertEqual(conv.Conv2D.get_possible_initializer_keys(), {"w", "b"})

  def test_not_connected(self):
    module = conv.Conv2D(2, 3)
    for prop in ("w", "b", "input_shape", "input_channels"):
      with self.assertRaises(errors.NotConnectedError):
        getattr(module, prop)

  def test_properties(self):
    module = conv.Conv2D(lambda: 5, kernel_shape=(2, 3), stride=[1, 2, 1, 1], rate=1,
                         padding=("SAME", "VALID"))
    self.assertEqual(module.output_channels, 5)
    self.assertEqual(module.kernel_shape, (2, 3))
    self.assertEqual(module.stride, (1, 2, 1, 1))
    self.assertEqual(module.rate, (1, 1))
    self.assertEqual(module.padding, ("SAME", "VALID"))
    self.assertEqual(module.data_format, "NHWC")
    self.assertEqual(conv.Conv2D(1, 1, stride=2, data_format="NCHW").stride, (1, 1, 2, 2))
    self.assertEqual(conv.Conv2D(1, 1, padding="VALID").padding, "VALID")

  @test_utils.run_in_modes
  def test_unknown_batch_and_spatial_dims(self, mode):
    module_box = []

    def fn():
      module = conv.Conv2D(4, 3, stride=2, padding="FULL")
      module_box.append(module)

      @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3])])
      def apply(x):
        out = module(x)
        self.assertEqual(out.shape.as_list(), [None, None, None, 4])
        return out

      return apply(tf.ones([2, 5, 6, 3])), apply(tf.ones([0, 3, 3, 3]))

    out, empty = test_utils.evaluate_in_mode(mode, fn)
    self.assertEqual(out.shape, (2, 4, 4, 4))
    self.assertEqual(empty.shape, (0, 3, 3, 4))

  @parameterized.parameters(("SAME", 1, [None, 8, 8, 4]), ("VALID", 2, [None, 3, 3, 4]))
  def test_unknown_batch_keeps_static_spatial_shape(self, padding, stride, expected):
    module = conv.Conv2D(4, 3, stride=stride, padding=padding)
    static_shapes = []

    @tf.function(input_signature=[tf.TensorSpec([None, 8, 8, 1])])
    def apply(x):
      out = module(x)
      static_shapes.append(out.shape.as_list())
      return out

    self.assertEqual(apply(tf.ones([2, 8, 8, 1])).shape[1:], expected[1:])
    self.assertNotEmpty(static_shapes)
    for static_shape in static_shapes:  # Traced again after creating variables.
      self.assertEqual(static_shape, expected)

  @test_utils.run_in_modes
  def test_gradients_reach_every_variable(self, mode):
    def fn():
      module = conv.Conv3D(2, 2, initializers=RANDOM)
      x = tf.constant(_input(3, size=3))
      with tf.GradientTape() as tape:
        loss = tf.reduce_sum(module(x) ** 2)
      grads = tape.gradient(loss, module.trainable_variables)
      self.assertLen(grads, 2)
      return grads

    for g in test_utils.evaluate_in_mode(mode, fn):
      self.assertGreater(np.abs(g).sum(), 0)

  def test_gradient_float64_numeric(self):
    module = conv.Conv1D(2, 3, stride=2, padding="CAUSAL")
    x = tf.constant(_input(1, size=5, dtype=np.float64))
    module(x)
    theoretical, numerical = tf.test.compute_gradient(module, [x])
    self.assertAllClose(theoretical, numerical, atol=1e-6)

  def test_clone(self):
    module = conv.Conv2D(3, (2, 3), stride=2, padding="VALID", use_bias=False,
                         data_format="NCHW", name="orig")
    clone = module.clone()
    self.assertEqual(clone.module_name, "orig_clone")
    self.assertEqual(conv.Conv2D(3, 2).clone(name="other").module_name, "other")
    for prop in ("kernel_shape", "stride", "padding", "has_bias", "data_format"):
      self.assertEqual(getattr(clone, prop), getattr(module, prop))
    module(tf.ones([1, 2, 5, 5]))
    clone(tf.ones([1, 2, 5, 5]))
    self.assertIsNot(clone.w, module.w)

  @parameterized.parameters(
      (1, 2, "SAME", "NWC"), (1, 3, "VALID", "NCW"), (2, 2, "SAME", "NHWC"),
      (2, (2, 1), "VALID", "NCHW"), (3, 2, "SAME", "NDHWC"), (3, 1, "VALID", "NCDHW"))
  def test_transpose_round_trip(self, n, stride, padding, data_format):
    # A name of its own: with the default one, a Conv3DTranspose made earlier in the same
    # process already holds "conv_3d_transpose", and the transpose is uniquified to "..._1".
    module = CLASSES[n](4, kernel_shape=3, stride=stride, padding=padding,
                        data_format=data_format, name=f"round_trip_{n}d")
    transposed = module.transpose()
    self.assertEqual(transposed.module_name, module.module_name + "_transpose")
    with self.assertRaises(errors.NotConnectedError):
      transposed(tf.ones([2] + [4] * (n + 1)))
    x = tf.ones((2, 3) + (7,) * n) if data_format[1] == "C" else tf.ones((2,) + (7,) * n + (3,))
    y = module(x)
    back = transposed(y)
    self.assertEqual(back.shape, x.shape)
    # Conv1DTranspose's w has Sonnet 1's leading 1: (1, k, out, in).
    self.assertEqual(transposed.w.shape[-(n + 2):], module.w.shape)
    self.assertEqual(transposed.transpose()(back).shape, y.shape)

  def test_partitioners_regularizers_in_graph_mode(self):
    part = tf.compat.v1.fixed_size_partitioner(2)
    with tf.Graph().as_default():
      module = conv.Conv2D(4, 3, partitioners={"w": part, "b": part}, mask=np.ones([3, 3]),
                           regularizers={"w": lambda w: tf.reduce_sum(tf.convert_to_tensor(w))})
      out = module(tf.ones([1, 5, 5, 3]))
      self.assertEqual(type(module.w).__name__, "PartitionedVariable")
      self.assertEqual(module.w.get_shape(), (3, 3, 3, 4))
      losses = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES)
      self.assertLen(losses, 1)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        self.assertEqual(session.run(out).shape, (1, 5, 5, 4))

  def test_every_class_partitions_every_key_and_keeps_user_dicts(self):
    part = tf.compat.v1.fixed_size_partitioner(1)
    # The classes' constructors differ: (class, positional arguments, input rank).
    cases: list[tuple[Any, tuple[int | None, ...], int]] = [
        (conv.Conv1D, (2, 3), 3), (conv.CausalConv1D, (2, 3), 3), (conv.Conv3D, (2, 2), 5),
        (conv_transpose.Conv1DTranspose, (2, None, 3), 3),
        (conv_transpose.Conv2DTranspose, (2, None, 3), 4),
        (conv_transpose.Conv3DTranspose, (2, None, 2), 5),
        (conv_depthwise.DepthwiseConv2D, (2, 3), 4), (conv_depthwise.InPlaneConv2D, (3,), 4),
        (conv_depthwise.SeparableConv1D, (2, 1, 3), 3),
        (conv_depthwise.SeparableConv2D, (2, 1, 3), 4)]
    with tf.Graph().as_default():
      for cls, args, rank in cases:
        keys = cls.get_possible_initializer_keys()
        partitioners = {key: part for key in keys}
        inits = {key: initializers.zeros for key in keys}
        given = (dict(partitioners), dict(inits))
        module = cls(*args, partitioners=partitioners, initializers=inits)
        module(tf.ones([1] + [4] * (rank - 2) + [3]))
        for key in keys:
          self.assertEqual(type(getattr(module, key)).__name__, "PartitionedVariable",
                           msg=f"{cls.__name__}.{key}")
        self.assertEqual((partitioners, inits), given)
        self.assertEqual(dict(module.initializers), inits)

  def test_custom_getter_and_regularizer_eager(self):
    def stop_gradient(getter, *args, **kwargs):
      return tf.stop_gradient(getter(*args, **kwargs))

    module = conv.Conv1D(2, 3, custom_getter={"w": stop_gradient},
                         regularizers={"b": lambda b: tf.reduce_sum(b + 1.0)})
    x = tf.ones([1, 4, 2])
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(module(x))
    grads = dict(zip([v.name for v in module.variables],
                     tape.gradient(loss, module.variables)))
    self.assertIsNone(grads[module.scope_name + "/w:0"])
    self.assertIsNotNone(grads[module.scope_name + "/b:0"])
    self.assertAllClose(variables.get_regularization_loss(module), 2.0)

  def test_checkpoint_round_trip(self):
    x = tf.ones([1, 4, 4, 3])
    modules = [conv.Conv2D(2, 3, mask=np.ones([3, 3])),
               conv_transpose.Conv2DTranspose(2, None, 3),
               conv_depthwise.SeparableConv2D(2, 1, 3)]
    for module in modules:
      expected = module(x)
      checkpoint = tf.train.Checkpoint(module=module)
      path = checkpoint.save(self.get_temp_dir() + "/" + module.module_name)
      for variable in module.variables:
        variable.assign(tf.zeros_like(variable))
      checkpoint.restore(path).assert_consumed()
      self.assertAllClose(module(x), expected)

  def test_transpose_errors(self):
    with self.assertRaisesRegex(errors.NotSupportedError, "dilated"):
      conv.Conv2D(2, 3, rate=2).transpose()
    with self.assertRaisesRegex(errors.NotSupportedError, "CAUSAL"):
      conv.CausalConv1D(2, 3).transpose()


class ConvErrorsTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(
      ("kernel_shape", 0), ("kernel_shape", 0.5), ("kernel_shape", -1),
      ("kernel_shape", [1, 1, 1]), ("kernel_shape", True), ("stride", [1, 2, 1]),
      ("stride", 0), ("rate", 0), ("rate", 0.5), ("rate", -1), ("stride", [2, 2, 2, 2]))
  def test_bad_shape_arguments(self, arg, value):
    kwargs: dict[str, Any] = dict(output_channels=2, kernel_shape=3)
    kwargs[arg] = value
    with self.assertRaisesRegex(errors.IncompatibleShapeError, f"Invalid {arg[:6]}"):
      conv.Conv2D(**kwargs)

  def test_legacy_four_element_stride_accepted(self):
    self.assertEqual(conv.Conv2D(2, 3, stride=[1, 2, 3, 1]).stride, (1, 2, 3, 1))

  def test_stride_and_rate(self):
    with self.assertRaisesRegex(errors.NotSupportedError,
                                "Cannot have stride > 1 with rate > 1"):
      conv.Conv2D(2, 3, stride=2, rate=2)

  @parameterized.parameters(
      (dict(padding="same"), ValueError, "Invalid padding"),
      (dict(padding=("SAME",)), ValueError, "Invalid padding"),
      (dict(data_format="NWC"), ValueError, "Invalid data_format"),
      (dict(output_channels=0), ValueError, "output_channels must be a positive"),
      (dict(mask=tf.ones([3, 3], tf.int32)), TypeError,
       "^Mask needs to have dtype float16, bfloat16, float32 or float64, got int32"),
      (dict(mask=tf.ones([3, 2])), errors.IncompatibleShapeError,
       r"^Invalid mask shape: \(3, 2\)"),
      (dict(mask="abc"), TypeError, "Invalid type for mask: str"),
      (dict(mask=np.ones([3, 2])), errors.IncompatibleShapeError, "Invalid mask shape"),
      (dict(initializers={"x": tf.zeros_initializer()}), KeyError, "Invalid initializer"),
      (dict(use_bias=False, initializers={"b": tf.zeros_initializer()}), KeyError,
       "Invalid initializer"),
      (dict(regularizers={"w": 1}), TypeError, "not a callable"))
  def test_constructor_errors(self, kwargs, error, regex):
    all_kwargs: dict[str, Any] = dict(output_channels=2, kernel_shape=3)
    all_kwargs.update(kwargs)
    with self.assertRaisesRegex(error, regex):
      conv.Conv2D(**all_kwargs)

  @parameterized.parameters(*test_utils.MODES)
  def test_call_errors(self, mode):
    cases = [
        (lambda: conv.Conv2D(2, 3)(tf.ones([2, 4, 3])), errors.IncompatibleShapeError,
         r"Input Tensor must have rank 4 corresponding to data_format NHWC, but instead was "
         r"\(2, 4, 3\) of rank 3"),
        (lambda: conv.Conv1D(2, 3)(tf.ones([2, 4, 3], tf.int32)), TypeError,
         "Input must have dtype tf.float16, tf.bfloat16, tf.float32 or tf.float64, got "
         "int32"),
        (lambda: conv.Conv2D(2, 3, rate=2, padding="VALID")(tf.ones([1, 5, 4, 1])),
         errors.IncompatibleShapeError, r"size 4 in dimension 1 \(after VALID padding: 4\) "
         "is smaller than the dilated kernel size 5"),
        (lambda: conv.Conv2D(2, 3, mask=np.ones([3, 3, 2, 5]))(tf.ones([1, 4, 4, 2])),
         errors.IncompatibleShapeError, "does not match the weight shape"),
    ]
    for fn, error, regex in cases:
      test_utils.assert_raises_in_mode(self, mode, fn, error, regex)

  def test_unknown_channels(self):
    module = conv.Conv2D(2, 3)

    @tf.function(input_signature=[tf.TensorSpec([None, 4, 4, None])])
    def apply(x):
      return module(x)

    with self.assertRaisesRegex(errors.UnderspecifiedError, "channels must be known"):
      apply(tf.ones([1, 4, 4, 2]))
    self.assertFalse(module.is_connected)

  def test_channels_changed(self):
    module = conv.Conv1D(2, 3)
    module(tf.ones([1, 4, 3]))
    with self.assertRaisesRegex(errors.IncompatibleShapeError, "must stay 3 .* was 5"):
      module(tf.ones([1, 4, 5]))
    self.assertEqual(module.input_shape, (1, 4, 3))


if __name__ == "__main__":
  tf.test.main()
