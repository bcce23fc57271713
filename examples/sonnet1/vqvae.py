# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""A VQ-VAE on generated images, written as a 2018 Sonnet 1 program.

The images are generated 16x16 RGB pictures (coloured rectangles on a dark background),
so the program needs no download. The encoder is two strided `snt.Conv2D`s and a residual
stack, a 1x1 convolution maps to the embedding size, `snt.nets.VectorQuantizerEMA` (or
`snt.nets.VectorQuantizer` with `--vq_ema=false`) quantises, and the decoder is a residual
stack and two `snt.Conv2DTranspose`s. The loss is the reconstruction error, normalised by
the data variance, plus the quantiser's loss; it trains with `tf.train.AdamOptimizer`
(`is_training` fed True), then reconstructs held-out images with `is_training` fed False,
checks that evaluation leaves the codebook alone, and decodes codebook indices with
`vq.quantize`.

  PYTHONPATH=. python examples/sonnet1/vqvae.py --num_steps=2000
"""

from absl import app
from absl import flags
import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
import sonnet as snt  # noqa: E402 (Sonnet 1 programs imported it after the TF1 switch)

FLAGS = flags.FLAGS
flags.DEFINE_integer("num_steps", 300, "Training steps.")
flags.DEFINE_integer("batch_size", 32, "Images per batch.")
flags.DEFINE_integer("num_hiddens", 32, "Channels of the encoder and decoder.")
flags.DEFINE_integer("num_residual_hiddens", 16, "Channels inside the residual blocks.")
flags.DEFINE_integer("num_residual_layers", 2, "Residual blocks in each stack.")
flags.DEFINE_integer("embedding_dim", 16, "Size of each codebook vector.")
flags.DEFINE_integer("num_embeddings", 64, "Vectors in the codebook.")
flags.DEFINE_float("commitment_cost", 0.25, "Weight of the commitment loss.")
flags.DEFINE_boolean("vq_ema", True, "Use VectorQuantizerEMA (else VectorQuantizer).")
flags.DEFINE_float("decay", 0.99, "Decay of the EMA codebook.")
flags.DEFINE_float("learning_rate", 3e-3, "Adam learning rate.")
flags.DEFINE_integer("report_every", 50, "Print the losses every N steps.")
flags.DEFINE_integer("seed", 0, "Random seed.")

IMAGE_SIZE = 16


def make_images(rng, num):
  """`num` 16x16 RGB images in [-0.5, 0.5]: one or two coloured rectangles each."""
  images = np.zeros((num, IMAGE_SIZE, IMAGE_SIZE, 3), np.float32)
  for image in images:
    for _ in range(rng.randint(1, 3)):
      top, left = rng.randint(0, IMAGE_SIZE - 4, size=2)
      height, width = rng.randint(4, 9, size=2)
      image[top:top + height, left:left + width] = rng.uniform(0.2, 1.0, size=3)
  return images - 0.5


def residual_stack(h, num_hiddens, num_residual_layers, num_residual_hiddens):
  for i in range(num_residual_layers):
    h_i = tf.nn.relu(h)
    h_i = snt.Conv2D(output_channels=num_residual_hiddens, kernel_shape=(3, 3), stride=(1, 1),
                     name="res3x3_%d" % i)(h_i)
    h_i = tf.nn.relu(h_i)
    h_i = snt.Conv2D(output_channels=num_hiddens, kernel_shape=(1, 1), stride=(1, 1),
                     name="res1x1_%d" % i)(h_i)
    h += h_i
  return tf.nn.relu(h)


class Encoder(snt.AbstractModule):
  """Two strided convolutions (16x16 -> 4x4), a 3x3 convolution and a residual stack."""

  def __init__(self, num_hiddens, num_residual_layers, num_residual_hiddens, name="encoder"):
    super().__init__(name=name)
    self._num_hiddens = num_hiddens
    self._num_residual_layers = num_residual_layers
    self._num_residual_hiddens = num_residual_hiddens

  def _build(self, x):
    h = snt.Conv2D(self._num_hiddens // 2, kernel_shape=(4, 4), stride=(2, 2),
                   name="enc_1")(x)
    h = tf.nn.relu(h)
    h = snt.Conv2D(self._num_hiddens, kernel_shape=(4, 4), stride=(2, 2), name="enc_2")(h)
    h = tf.nn.relu(h)
    h = snt.Conv2D(self._num_hiddens, kernel_shape=(3, 3), stride=(1, 1), name="enc_3")(h)
    return residual_stack(h, self._num_hiddens, self._num_residual_layers,
                          self._num_residual_hiddens)


class Decoder(snt.AbstractModule):
  """A 3x3 convolution, a residual stack and two transposed convolutions (4x4 -> 16x16)."""

  def __init__(self, num_hiddens, num_residual_layers, num_residual_hiddens, name="decoder"):
    super().__init__(name=name)
    self._num_hiddens = num_hiddens
    self._num_residual_layers = num_residual_layers
    self._num_residual_hiddens = num_residual_hiddens

  def _build(self, x):
    h = snt.Conv2D(self._num_hiddens, kernel_shape=(3, 3), stride=(1, 1), name="dec_1")(x)
    h = residual_stack(h, self._num_hiddens, self._num_residual_layers,
                       self._num_residual_hiddens)
    h = snt.Conv2DTranspose(output_channels=self._num_hiddens // 2, output_shape=None,
                            kernel_shape=(4, 4), stride=(2, 2), name="dec_2")(h)
    h = tf.nn.relu(h)
    return snt.Conv2DTranspose(output_channels=3, output_shape=None, kernel_shape=(4, 4),
                               stride=(2, 2), name="dec_3")(h)


def main(unused_argv):
  tf.set_random_seed(FLAGS.seed)
  rng = np.random.RandomState(FLAGS.seed)
  train_images = make_images(rng, 1000)
  valid_images = make_images(rng, 64)
  data_variance = float(np.var(train_images))

  train_data = tf.data.Dataset.from_tensor_slices(train_images).shuffle(1000, seed=1)
  train_batch = tf.data.make_one_shot_iterator(
      train_data.repeat().batch(FLAGS.batch_size)).get_next()
  x = tf.placeholder_with_default(train_batch, [None, IMAGE_SIZE, IMAGE_SIZE, 3], name="x")
  is_training = tf.placeholder(tf.bool, [], name="is_training")

  encoder = Encoder(FLAGS.num_hiddens, FLAGS.num_residual_layers, FLAGS.num_residual_hiddens)
  decoder = Decoder(FLAGS.num_hiddens, FLAGS.num_residual_layers, FLAGS.num_residual_hiddens)
  pre_vq_conv = snt.Conv2D(output_channels=FLAGS.embedding_dim, kernel_shape=(1, 1),
                           stride=(1, 1), name="to_vq")
  if FLAGS.vq_ema:
    vq = snt.nets.VectorQuantizerEMA(
        embedding_dim=FLAGS.embedding_dim, num_embeddings=FLAGS.num_embeddings,
        commitment_cost=FLAGS.commitment_cost, decay=FLAGS.decay)
  else:
    vq = snt.nets.VectorQuantizer(
        embedding_dim=FLAGS.embedding_dim, num_embeddings=FLAGS.num_embeddings,
        commitment_cost=FLAGS.commitment_cost)

  z = pre_vq_conv(encoder(x))
  vq_output = vq(z, is_training=is_training)
  x_recon = decoder(vq_output["quantize"])
  recon_error = tf.reduce_mean((x_recon - x) ** 2) / data_variance
  loss = recon_error + vq_output["loss"]
  perplexity = vq_output["perplexity"]

  # Decoding chosen codes: every position uses the code of the top-left position.
  indices = tf.placeholder(tf.int64, [None, 4, 4], name="indices")
  decoded_codes = decoder(vq.quantize(indices))

  print("encoder variables:", len(encoder.get_variables()),
        "decoder variables:", len(decoder.get_variables()),
        "vq variables:",
        [v.op.name for v in vq.get_variables(tf.GraphKeys.GLOBAL_VARIABLES)])

  optimizer = tf.train.AdamOptimizer(FLAGS.learning_rate)
  train_op = optimizer.minimize(loss)

  losses = []
  with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(FLAGS.num_steps):
      _, recon_value, perplexity_value = sess.run(
          [train_op, recon_error, perplexity], feed_dict={is_training: True})
      losses.append(recon_value)
      if FLAGS.report_every and step % FLAGS.report_every == 0:
        print("step %d: recon_error %.4f perplexity %.2f" % (step, recon_value,
                                                              perplexity_value))
    codebook_before = sess.run(vq.embeddings)
    valid_recon, codes = sess.run([recon_error, vq_output["encoding_indices"]],
                                  feed_dict={x: valid_images, is_training: False})
    if not np.array_equal(codebook_before, sess.run(vq.embeddings)):
      raise AssertionError("evaluating with is_training=False changed the codebook")
    images = sess.run(decoded_codes, feed_dict={indices: codes})
    print("decoded codes to images of shape", images.shape)
  window = max(1, min(10, len(losses) // 4))
  print("first_loss %.4f" % np.mean(losses[:window]))
  print("final_loss %.4f" % np.mean(losses[-window:]))
  print("valid_recon_error %.4f" % valid_recon)


if __name__ == "__main__":
  app.run(main)
