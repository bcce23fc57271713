# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""A walk through batch normalisation in Sonnet 1, written as a 2018 Sonnet 1 program.

It trains a small convolutional classifier whose layers are `snt.Conv2D` followed by
`snt.BatchNorm` (the fused kernel) and `snt.BatchNormV2`, on generated images whose pixels
have a large offset and scale (which is what batch normalisation removes). It shows:

* `is_training` as a `tf.placeholder(tf.bool)`, fed True while training and False when
  testing;
* the moving-average updates collected in `tf.GraphKeys.UPDATE_OPS` and run as control
  dependencies of the train op;
* `test_local_stats`: at test time, normalising with the statistics of the test batch
  (True) or with the moving averages (False);
* reading the moving averages (`bn.moving_mean`, `bn.moving_variance`) and checking that
  they have moved towards the statistics of the data;
* `update_ops_collection=None`, where the updates run with the module's output.

  PYTHONPATH=. python examples/sonnet1/batch_norm_walkthrough.py --num_steps=300
"""

from absl import app
from absl import flags
import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
import sonnet as snt  # noqa: E402 (Sonnet 1 programs imported it after the TF1 switch)

FLAGS = flags.FLAGS
flags.DEFINE_integer("num_steps", 200, "Training steps.")
flags.DEFINE_integer("batch_size", 32, "Images per batch.")
flags.DEFINE_integer("image_size", 12, "Height and width of the images.")
flags.DEFINE_integer("num_channels", 8, "Channels of the convolutions.")
flags.DEFINE_float("learning_rate", 3e-3, "Adam learning rate.")
flags.DEFINE_float("decay_rate", 0.9, "Decay rate of the moving averages.")
flags.DEFINE_integer("report_every", 50, "Print the loss every N steps.")
flags.DEFINE_integer("seed", 0, "Random seed.")

PIXEL_OFFSET = 50.0
PIXEL_SCALE = 20.0


def make_batch(rng, batch_size, image_size):
  """Images with a bright square in one of four quadrants; the label is the quadrant."""
  labels = rng.randint(0, 4, size=batch_size)
  images = rng.randn(batch_size, image_size, image_size, 1).astype(np.float32) * 0.5
  half = image_size // 2
  for i, label in enumerate(labels):
    row, col = (label // 2) * half, (label % 2) * half
    images[i, row:row + half, col:col + half, 0] += 2.0
  return PIXEL_OFFSET + PIXEL_SCALE * images, labels.astype(np.int32)


class ConvBNNet(snt.AbstractModule):
  """Conv -> BatchNorm -> ReLU, twice, then a linear read-out of the mean features."""

  def __init__(self, num_channels, decay_rate, name="conv_bn_net"):
    super().__init__(name=name)
    self._num_channels = num_channels
    self._decay_rate = decay_rate
    with self._enter_variable_scope():
      self._bn_input = snt.BatchNorm(decay_rate=decay_rate, fused=True, name="bn_input")
      self._conv1 = snt.Conv2D(num_channels, 3, name="conv1")
      self._bn1 = snt.BatchNormV2(decay_rate=decay_rate, scale=True, name="bn1")
      self._conv2 = snt.Conv2D(num_channels, 3, stride=2, name="conv2")
      self._bn2 = snt.BatchNorm(decay_rate=decay_rate, scale=True, name="bn2")
      self._logits = snt.Linear(4, name="logits")

  @property
  def bn_input(self):
    return self._bn_input

  def _build(self, images, is_training, test_local_stats=False):
    net = self._bn_input(images, is_training=is_training, test_local_stats=test_local_stats)
    net = tf.nn.relu(self._bn1(self._conv1(net), is_training=is_training,
                               test_local_stats=test_local_stats))
    net = tf.nn.relu(self._bn2(self._conv2(net), is_training, test_local_stats))
    return self._logits(snt.BatchFlatten()(net))


def main(unused_argv):
  tf.set_random_seed(FLAGS.seed)
  rng = np.random.RandomState(FLAGS.seed)
  size = FLAGS.image_size

  images = tf.placeholder(tf.float32, [None, size, size, 1], name="images")
  labels = tf.placeholder(tf.int32, [None], name="labels")
  is_training = tf.placeholder(tf.bool, [], name="is_training")

  net = ConvBNNet(FLAGS.num_channels, FLAGS.decay_rate)
  logits = net(images, is_training=is_training)
  loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
  accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32),
                                             labels), tf.float32))
  # The same network normalising test batches with their own statistics.
  local_logits = net(images, is_training=False, test_local_stats=True)
  local_accuracy = tf.reduce_mean(tf.cast(
      tf.equal(tf.argmax(local_logits, 1, output_type=tf.int32), labels), tf.float32))

  update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
  print("%d update ops in tf.GraphKeys.UPDATE_OPS" % len(update_ops))
  optimizer = tf.train.AdamOptimizer(FLAGS.learning_rate)
  with tf.control_dependencies(update_ops):
    train_op = optimizer.minimize(loss)

  # A BatchNorm whose updates run with its output instead of through UPDATE_OPS.
  features = tf.placeholder(tf.float32, [None, 3], name="features")
  bn_inline = snt.BatchNorm(decay_rate=FLAGS.decay_rate, update_ops_collection=None,
                            name="bn_inline")
  normalised = bn_inline(features, is_training=True)
  moving_vars = tf.get_collection(tf.GraphKeys.MOVING_AVERAGE_VARIABLES)
  print("moving average variables:", sorted(v.op.name for v in moving_vars))

  saver = tf.train.Saver()
  losses = []
  with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(FLAGS.num_steps):
      batch_images, batch_labels = make_batch(rng, FLAGS.batch_size, size)
      _, loss_value = sess.run([train_op, loss], feed_dict={
          images: batch_images, labels: batch_labels, is_training: True})
      losses.append(loss_value)
      if FLAGS.report_every and step % FLAGS.report_every == 0:
        print("step %d: loss %.4f" % (step, loss_value))

    test_images, test_labels = make_batch(rng, 256, size)
    test_feed = {images: test_images, labels: test_labels, is_training: False}
    moving_stats_accuracy = sess.run(accuracy, feed_dict=test_feed)
    local_stats_accuracy = sess.run(local_accuracy, feed_dict=test_feed)
    # One test image at a time works only with the moving averages.
    single = sess.run(logits, feed_dict={images: test_images[:1], is_training: False})
    batched = sess.run(logits, feed_dict={images: test_images[:8], is_training: False})
    if not np.allclose(single[0], batched[0], atol=1e-4):
      raise AssertionError("moving statistics depend on the batch: %s vs %s" %
                           (single[0], batched[0]))

    mean, variance = sess.run([net.bn_input.moving_mean, net.bn_input.moving_variance])
    data_mean, data_variance = float(np.mean(test_images)), float(np.var(test_images))
    print("input moving_mean %.3f (data %.3f), moving_variance %.3f (data %.3f)" % (
        mean.ravel()[0], data_mean, variance.ravel()[0], data_variance))
    if abs(mean.ravel()[0] - data_mean) > 0.1 * abs(data_mean):
      raise AssertionError("the moving mean did not move towards the data mean")

    feature_values = rng.randn(64, 3).astype(np.float32) * 2.0 + 5.0
    before = sess.run(bn_inline.moving_mean)
    sess.run(normalised, feed_dict={features: feature_values})
    after = sess.run(bn_inline.moving_mean)
    expected = FLAGS.decay_rate * before + (1 - FLAGS.decay_rate) * feature_values.mean(0)
    np.testing.assert_allclose(after, expected, rtol=1e-4, atol=1e-5)
    print("inline update of the moving mean:", np.round(after.ravel(), 4))

    checkpoint = saver.save(sess, FLAGS.checkpoint_dir + "/bn.ckpt") if FLAGS.checkpoint_dir \
        else None
  if checkpoint:
    with tf.Session() as sess:
      saver.restore(sess, checkpoint)
      restored = sess.run(net.bn_input.moving_mean)
      np.testing.assert_array_equal(restored, mean)
      print("restored moving_mean from", checkpoint)

  window = max(1, min(10, len(losses) // 4))
  print("first_loss %.4f" % np.mean(losses[:window]))
  print("final_loss %.4f" % np.mean(losses[-window:]))
  print("test_accuracy %.4f (moving statistics), %.4f (test_local_stats)" % (
      moving_stats_accuracy, local_stats_accuracy))


if __name__ == "__main__":
  flags.DEFINE_string("checkpoint_dir", None, "Where to save and restore the model.")
  app.run(main)
