# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.nets.dilation."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import errors
from sonnet.src import test_utils
from sonnet.src.nets import dilation


class InitializerTest(tf.test.TestCase, parameterized.TestCase):

  def test_identity_kernel(self):
    kernel = dilation.identity_kernel_initializer([3, 3, 4, 4]).numpy()
    expected = np.zeros([3, 3, 4, 4], np.float32)
    expected[1, 1] = np.eye(4)
    self.assertAllEqual(kernel, expected)

  def test_noisy_identity_kernel(self):
    kernel = dilation.noisy_identity_kernel_initializer(2, stddev=1e-8)(
        [3, 3, 2, 4], dtype=tf.float64).numpy()
    centre = np.array([[0.5, 0.5, 0., 0.], [0., 0., 0.5, 0.5]])
    self.assertAllClose(kernel[1, 1], centre, atol=1e-7)
    off_centre = np.delete(kernel.reshape(9, 2, 4), 4, axis=0)
    self.assertLess(np.abs(off_centre).max(), 1e-7)
    self.assertGreater(np.abs(off_centre).max(), 0)  # noise, not zeros

  @parameterized.named_parameters(
      ("rank", [3, 3, 2], "must be rank 4"),
      ("square", [3, 5, 2, 2], "square filters"),
      ("odd", [2, 2, 2, 2], "odd height and width"),
      ("channels", [3, 3, 2, 3], "in_channels must equal out_channels"))
  def test_identity_errors(self, shape, message):
    with self.assertRaisesRegex(ValueError, message):
      dilation.identity_kernel_initializer(shape)

  def test_noisy_identity_errors(self):
    with self.assertRaisesRegex(ValueError, "multiples of base_num_channels"):
      dilation.noisy_identity_kernel_initializer(3)([3, 3, 3, 4])


class DilationTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.product(mode=test_utils.MODES, model_size=["basic", "large"])
  def test_identity_at_initialisation(self, mode, model_size):
    x = np.random.RandomState(0).randn(2, 6, 5, 3).astype(np.float32)

    def fn():
      module = dilation.Dilation(3, model_size=model_size)
      return module(tf.constant(x))

    # Identity kernels and ReLUs between layers: the untrained module computes relu(x).
    self.assertAllClose(test_utils.evaluate_in_mode(mode, fn), np.maximum(x, 0), atol=1e-5)

  def test_unknown_shape_tf_function_and_variables(self):
    module = dilation.Dilation(2)
    fn = tf.function(module, input_signature=[tf.TensorSpec([None, None, None, 2])])
    for shape in ([1, 4, 4, 2], [2, 7, 3, 2]):
      self.assertEqual(fn(tf.ones(shape)).shape, shape)
    names = sorted(v.name[len(module.scope_name) + 1:] for v in module.variables)
    self.assertEqual(names, sorted("dilated_conv_conv%d/%s:0" % (i, k)
                                   for i in range(1, 9) for k in "bw"))
    self.assertEqual([c.rate for c in module.conv_modules],
                     [(r, r) for r in (1, 1, 2, 4, 8, 16, 1, 1)])

  def test_large_widths_and_gradients(self):
    module = dilation.Dilation(2, model_size="large")
    x = tf.random.normal([1, 5, 5, 2], seed=3)
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(module(x) ** 2)
    self.assertEqual([c.output_channels for c in module.conv_modules],
                     [4, 4, 8, 16, 32, 64, 64, 2])
    grads = tape.gradient(loss, module.trainable_variables)
    self.assertLen(grads, 16)
    self.assertNotIn(None, grads)

  def test_custom_initializers(self):
    module = dilation.Dilation(2, initializers={"w": tf.zeros_initializer(),
                                                "b": tf.ones_initializer()})
    self.assertAllClose(module(tf.ones([1, 3, 3, 2])), np.ones([1, 3, 3, 2]))

  def test_errors(self):
    # As Sonnet 1: accepted at construction, rejected at the call.
    module = dilation.Dilation(2, model_size="huge")
    with self.assertRaisesRegex(ValueError, "^dilation: Unrecognized model_size: huge$"):
      module(tf.ones([1, 3, 3, 2]))
    self.assertFalse(module.is_connected)
    module = dilation.Dilation(2, initializers={"w": tf.zeros_initializer()}, model_size="huge")
    with self.assertRaisesRegex(ValueError, "Unrecognized model_size: huge"):
      module(tf.ones([1, 3, 3, 2]))
    with self.assertRaisesRegex(ValueError, "positive int"):
      dilation.Dilation(0)
    with self.assertRaisesRegex(KeyError, "Invalid initializer keys"):
      dilation.Dilation(2, initializers={"x": tf.zeros_initializer()})
    module = dilation.Dilation(3)
    with self.assertRaisesRegex(errors.IncompatibleShapeError, "must have shape"):
      module(tf.ones([2, 4, 4]))
    with self.assertRaisesRegex(errors.IncompatibleShapeError, "depth = num_output_classes = 3"):
      module(tf.ones([2, 4, 4, 2]))
    self.assertFalse(module.is_connected)
    with self.assertRaises(errors.NotConnectedError):
      module.conv_modules


if __name__ == "__main__":
  tf.test.main()
