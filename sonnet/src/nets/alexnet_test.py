# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.nets.alexnet (MINI mostly: FULL/HALF need 195x195 inputs)."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import errors
from sonnet.src import test_utils
from sonnet.src.nets import alexnet


def _reference(x, net):
  """Plain-TF AlexNet from the module's variables (no batch norm, no dropout)."""
  out = tf.constant(x)
  for conv, (_, pooling) in zip(net.conv_modules, net._conv_layers):
    out = tf.nn.relu(tf.nn.conv2d(out, conv.w, strides=conv.stride, padding="VALID")
                     + conv.b)
    if pooling:
      out = tf.nn.max_pool2d(out, pooling[0], pooling[1], "VALID")
  out = tf.reshape(out, [out.shape[0], -1])
  for lin in net.linear_modules:
    out = tf.nn.relu(tf.matmul(out, lin.w) + lin.b)
  return out.numpy()


class AlexNetTest(tf.test.TestCase, parameterized.TestCase):

  def test_min_input_sizes(self):
    self.assertEqual(alexnet.AlexNet(alexnet.AlexNet.FULL).min_input_size, 195)
    self.assertEqual(alexnet.AlexNet(alexnet.AlexNet.HALF).min_input_size, 195)
    self.assertEqual(alexnet.AlexNetMini().min_input_size, 17)

  def test_mini_matches_reference(self):
    x = np.random.RandomState(0).rand(2, 18, 17, 3).astype(np.float32)
    net = alexnet.AlexNetMini()
    out = net(x)
    self.assertEqual(out.shape, (2, 1024))
    self.assertAllClose(out, _reference(x, net), atol=1e-4)

  @parameterized.parameters(*test_utils.MODES)
  def test_modes_with_batch_norm_and_dropout(self, mode):
    def fn():
      net = alexnet.AlexNetMini(use_batch_norm=True, batch_norm_config={"scale": True},
                                bn_on_fc_layers=True)
      train = net(tf.ones([2, 17, 17, 1]), keep_prob=0.5, is_training=True)
      test = net(tf.ones([2, 17, 17, 1]), keep_prob=1.0, is_training=False,
                 test_local_stats=False)
      return train, test, len(net.variables), len(net.trainable_variables)

    train, test, n_vars, n_trainable = test_utils.evaluate_in_mode(mode, fn)
    self.assertEqual(train.shape, (2, 1024))
    self.assertEqual(test.shape, (2, 1024))
    # 7 layers x (w, b) + 7 batch norms x (gamma, beta, moving mean, moving variance).
    self.assertEqual(n_vars, 14 + 28)
    self.assertEqual(n_trainable, 14 + 14)

  def test_unknown_batch_tf_function(self):
    net = alexnet.AlexNetMini()
    fn = tf.function(net, input_signature=[tf.TensorSpec([None, 17, 17, 3])])
    for batch in (1, 2):
      self.assertEqual(fn(tf.ones([batch, 17, 17, 3])).shape, (batch, 1024))
    self.assertEqual(fn.get_concrete_function().structured_outputs.shape.as_list(),
                     [None, 1024])

  def test_unknown_batch_graph_placeholder(self):
    with tf.Graph().as_default():
      images = tf.compat.v1.placeholder(tf.float32, [None, 17, 17, 3])
      out = alexnet.AlexNetMini()(images)
      self.assertEqual(out.shape.as_list(), [None, 1024])
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        self.assertEqual(sess.run(out, {images: np.ones([3, 17, 17, 3])}).shape, (3, 1024))

  def test_half_and_full_smallest_input(self):
    for net, width in ((alexnet.AlexNet(), 2048), (alexnet.AlexNetFull(), 4096)):
      self.assertEqual(net(tf.zeros([1, 195, 195, 3])).shape, (1, width))

  def test_variables_and_gradients(self):
    net = alexnet.AlexNetMini(regularizers={"w": lambda w: tf.reduce_sum(w * 0.)})
    x = tf.random.uniform([1, 17, 17, 2], seed=1)
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(net(x))
    names = [v.name[len(net.scope_name) + 1:] for v in net.trainable_variables]
    self.assertCountEqual(names, ["conv_%d/%s:0" % (i, k) for i in range(5) for k in "wb"] +
                          ["fc_%d/%s:0" % (i, k) for i in range(2) for k in "wb"])
    grads = tape.gradient(loss, net.trainable_variables)
    self.assertNotIn(None, grads)
    net(x)  # shared, nothing new
    self.assertLen(net.variables, 14)
    # As Sonnet 1, the fc layers do not get the regularizers.
    self.assertIn("w", net.conv_modules[0].regularizers)
    self.assertEqual(dict(net.linear_modules[0].regularizers), {})

  def test_regularization_losses_of_the_conv_layers_only(self):
    with tf.Graph().as_default():
      net = alexnet.AlexNetMini(regularizers={"w": tf.nn.l2_loss, "b": tf.nn.l2_loss},
                                initializers={"w": tf.compat.v1.constant_initializer(0.5)})
      net(tf.ones([1, 17, 17, 2]))
      losses = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES)
      self.assertLen(losses, 2 * 5)
      # ...but the initializers reach the fc layers.
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        fc_w = session.run(net.linear_modules[1].w)
    self.assertAllClose(fc_w, np.full([1024, 1024], 0.5))

  @parameterized.parameters((alexnet.AlexNetFull, 5), (alexnet.AlexNetMini, 5),
                            (alexnet.AlexNet, 7))
  def test_batch_norm_on_fc_layers_default(self, constructor, batch_norms):
    # As Sonnet 1: AlexNetFull and AlexNetMini normalise the conv layers only by default.
    net = constructor(use_batch_norm=True, batch_norm_config={"scale": True})
    size = net.min_input_size
    net(tf.ones([2, size, size, 1]), is_training=True)
    self.assertLen(net.trainable_variables, 7 * 2 + batch_norms * 2)

  def test_calc_min_size_with_sonnet1_layer_tuples(self):
    net = alexnet.AlexNetMini()
    self.assertEqual(net._calc_min_size([(None, (3, 1), None)]), 3)
    self.assertEqual(net._calc_min_size([(None, (3, 1), (3, 2))]), 5)
    self.assertEqual(net._calc_min_size([(None, (3, 1), (3, 2)), (None, (3, 2), (5, 2))]), 25)
    self.assertEqual(net._calc_min_size([(48, (3, 1), (3, 1)), (128, (3, 1), (3, 1)),
                                         (192, (3, 1), None), (192, (3, 1), None),
                                         (128, (3, 1), (3, 1))]), net.min_input_size)

  @parameterized.parameters("graph", test_utils.LEGACY)
  def test_too_small_error_in_graphs(self, mode):
    # In legacy mode the static shapes hold `tf.compat.v1.Dimension`s.
    del mode
    with tf.Graph().as_default():
      net = alexnet.AlexNetMini()
      with self.assertRaisesRegex(errors.IncompatibleShapeError,
                                  r"^Image shape too small: \(16, 17\) < 17$"):
        net(tf.compat.v1.placeholder(tf.float32, [None, 16, 17, 1]))

  def test_errors(self):
    with self.assertRaisesRegex(errors.Error, "mode 'TINY' not recognised"):
      alexnet.AlexNet("TINY")
    with self.assertRaisesRegex(TypeError, "`batch_norm_config` must be a mapping"):
      alexnet.AlexNet(batch_norm_config=[1])  # type: ignore[arg-type]  # deliberately wrong
    net = alexnet.AlexNetMini(use_batch_norm=True)
    with self.assertRaisesRegex(ValueError, "is_training flag must be explicitly specified"):
      net(tf.ones([1, 17, 17, 1]))
    net = alexnet.AlexNetMini()
    with self.assertRaisesRegex(ValueError, "is_training flag must be explicitly specified"):
      net(tf.ones([1, 17, 17, 1]), keep_prob=0.5)
    with self.assertRaisesRegex(errors.IncompatibleShapeError,
                                r"Image shape too small: \(16, 17\) < 17"):
      net(tf.ones([1, 16, 17, 1]))
    with self.assertRaisesRegex(errors.IncompatibleShapeError, "must have shape"):
      net(tf.ones([17, 17, 1]))
    fn = tf.function(net, input_signature=[tf.TensorSpec([None, None, None, 1])])
    with self.assertRaisesRegex(errors.UnderspecifiedError, "must be known"):
      fn(tf.ones([1, 17, 17, 1]))
    self.assertFalse(net.is_connected)
    with self.assertRaises(errors.NotConnectedError):
      net.conv_modules
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, "`keep_prob` must be None or 1"):
      net(tf.ones([1, 17, 17, 1]), keep_prob=0.5, is_training=False)


if __name__ == "__main__":
  tf.test.main()
