# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.nets.vqvae."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import batch_norm_test
from sonnet.src import errors
from sonnet.src import test_utils
from sonnet.src.nets import vqvae

D, K = 3, 5


def _numpy_quantize(x, w):
  flat = x.reshape(-1, D)
  distances = ((flat[:, :, None] - w[None]) ** 2).sum(1)
  indices = distances.argmin(1)
  quantized = w.T[indices].reshape(x.shape)
  encodings = np.eye(K)[indices]
  probs = encodings.mean(0)
  perplexity = np.exp(-(probs * np.log(probs + 1e-10)).sum())
  return quantized, indices.reshape(x.shape[:-1]), encodings, perplexity


class VectorQuantizerTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*test_utils.MODES)
  def test_values(self, mode):
    x = np.random.RandomState(0).randn(2, 4, D).astype(np.float32)

    def fn():
      vq = vqvae.VectorQuantizer(D, K, commitment_cost=0.25)
      return vq(tf.constant(x), is_training=True), vq.embeddings

    out, w = test_utils.evaluate_in_mode(mode, fn)
    quantized, indices, encodings, perplexity = _numpy_quantize(x, w)
    self.assertAllClose(out["quantize"], quantized, atol=1e-6)
    self.assertAllEqual(out["encoding_indices"], indices)
    self.assertAllEqual(out["encodings"], encodings)
    mse = ((quantized - x) ** 2).mean()
    self.assertAllClose(out["loss"], mse * 1.25, rtol=1e-5)
    self.assertAllClose(out["perplexity"], perplexity, rtol=1e-5)
    self.assertEqual(w.shape, (D, K))
    self.assertEqual(vqvae.VectorQuantizer(D, K, 0.25).module_name[:8], "vq_layer")
    bound = np.sqrt(3. / D)  # uniform unit scaling
    self.assertLessEqual(np.abs(w).max(), bound)

  @parameterized.parameters(tf.float16, tf.bfloat16, tf.float64)
  def test_dtypes(self, dtype):
    x = np.random.RandomState(5).randn(4, D)
    for vq in (vqvae.VectorQuantizer(D, K, 0.25), vqvae.VectorQuantizerEMA(D, K, 0.25, 0.9)):
      out = vq(tf.constant(x, dtype), is_training=True)
      for key in ("quantize", "loss", "perplexity", "encodings"):
        self.assertEqual(out[key].dtype, dtype)
      self.assertEqual(vq.embeddings.dtype, dtype)

  def test_gradients_and_quantize(self):
    vq = vqvae.VectorQuantizer(D, K, commitment_cost=0.5)
    x = tf.constant(np.random.RandomState(1).randn(6, D).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
      tape.watch(x)
      out = vq(x)
      straight = tf.reduce_sum(out["quantize"] * 3.)
    # Straight-through: d quantize / d inputs is the identity.
    self.assertAllClose(tape.gradient(straight, x), np.full([6, D], 3.))
    grad_w = tape.gradient(out["loss"], vq.embeddings)
    self.assertGreater(np.abs(grad_w.numpy()).sum(), 0)
    self.assertAllClose(vq.quantize(out["encoding_indices"]), out["quantize"], atol=1e-6)
    self.assertEqual(vq.quantize(tf.constant([[0, 1]])).shape, (1, 2, D))

  def test_unknown_batch(self):
    vq = vqvae.VectorQuantizer(D, K, commitment_cost=0.25)
    fn = tf.function(vq, input_signature=[tf.TensorSpec([None, None, D])])
    for shape in ([1, 2, D], [3, 1, D]):
      out = fn(tf.ones(shape))
      self.assertEqual(out["encoding_indices"].shape, shape[:2])
      self.assertEqual(out["encodings"].shape, (shape[0] * shape[1], K))

  def test_errors(self):
    for kwargs, message in ((dict(embedding_dim=0), "`embedding_dim` must be a positive"),
                            (dict(num_embeddings=2.5), "`num_embeddings` must be a positive"),
                            (dict(commitment_cost=-1), "`commitment_cost` must be a non-neg")):
      with self.assertRaisesRegex(ValueError, message):
        vqvae.VectorQuantizer(**dict(dict(embedding_dim=D, num_embeddings=K,
                                          commitment_cost=0.25), **kwargs))
    with self.assertRaisesRegex(ValueError, r"`decay` must be in \[0, 1\]"):
      vqvae.VectorQuantizerEMA(D, K, 0.25, decay=2.)
    vq = vqvae.VectorQuantizer(D, K, 0.25)
    with self.assertRaises(errors.NotConnectedError):
      vq.embeddings
    with self.assertRaises(errors.NotConnectedError):
      vq.quantize(tf.constant([0]))
    # A ValueError about the reshape, as Sonnet 1 (there TensorFlow's).
    with self.assertRaisesRegex(ValueError, r"Cannot reshape a tensor of shape \(2, 4\) to "
                                r"\[-1, 3\] and back: the last dimension of `inputs` must be "
                                "embedding_dim=3"):
      vq(tf.ones([2, 4]))
    ema = vqvae.VectorQuantizerEMA(D, K, 0.25, decay=0.9)
    with self.assertRaisesRegex(ValueError, "Cannot reshape a tensor"):
      ema(tf.ones([2, 6]), is_training=False)
    with self.assertRaisesRegex(TypeError, "floating point"):
      vq(tf.ones([2, D], tf.int32))
    self.assertFalse(vq.is_connected)
    vq(tf.ones([2, D]))
    with self.assertRaisesRegex(TypeError, "`encoding_indices` must be int32 or int64"):
      vq.quantize(tf.constant([0.]))


class VectorQuantizerEmptyBatchTest(tf.test.TestCase):

  def test_empty_batch_loss_and_perplexity(self):
    vq = vqvae.VectorQuantizer(D, K, commitment_cost=0.25)
    x = tf.zeros([0, 2, D])
    with tf.GradientTape() as tape:
      out = vq(x, is_training=True)
    self.assertEqual(out["encoding_indices"].shape, (0, 2))
    self.assertEqual(float(out["loss"]), 0.)
    self.assertEqual(float(out["perplexity"]), 1.)
    grad = tape.gradient(out["loss"], vq.embeddings)
    self.assertAllEqual(tf.convert_to_tensor(grad), np.zeros([D, K]))


class VectorQuantizerEMATest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*test_utils.MODES)
  def test_ema_updates(self, mode):
    decay, eps = 0.9, 1e-5
    rng = np.random.RandomState(2)
    batches = [rng.randn(4, D).astype(np.float32) for _ in range(2)]

    def build():
      vq = vqvae.VectorQuantizerEMA(D, K, commitment_cost=0.25, decay=decay, epsilon=eps)
      return vq, lambda t, training: vq(t, is_training=training)

    runner = batch_norm_test.ModeRunner(
        mode, build, [tf.TensorSpec([None, D]), tf.TensorSpec([], tf.bool)])
    runner(np.zeros([0, D], np.float32), False)  # creates the variables, no update
    w = runner.value(lambda m: m.embeddings)
    self.assertAllClose(runner.value(lambda m: m._ema_w), w)
    cluster_size, ema_w = np.zeros(K), w.copy()
    for x in batches:
      out = runner(x, True)
      quantized, indices, encodings, _ = _numpy_quantize(x, w)  # codebook before update
      self.assertAllEqual(out["encoding_indices"], indices)
      self.assertAllClose(out["quantize"], quantized, atol=1e-6)
      self.assertAllClose(out["loss"], 0.25 * ((quantized - x) ** 2).mean(), rtol=1e-5)
      cluster_size = decay * cluster_size + (1 - decay) * encodings.sum(0)
      ema_w = decay * ema_w + (1 - decay) * x.T @ encodings
      n = cluster_size.sum()
      smoothed = (cluster_size + eps) / (n + K * eps) * n
      w = ema_w / smoothed[None]
      self.assertAllClose(runner.value(lambda m: m.embeddings), w, rtol=1e-4, atol=1e-5)
    out = runner(batches[0], False)  # no update when not training
    self.assertAllClose(runner.value(lambda m: m.embeddings), w, rtol=1e-4, atol=1e-5)

  @parameterized.parameters(*test_utils.MODES)
  def test_empty_batch(self, mode):
    def build():
      vq = vqvae.VectorQuantizerEMA(D, K, commitment_cost=0.25, decay=0.9)
      return vq, lambda t: vq(t, is_training=True)

    runner = batch_norm_test.ModeRunner(mode, build, [tf.TensorSpec([None, D])])
    empty = np.zeros([0, D], np.float32)
    out = runner(empty)  # the first (training) call: no update, no division by n = 0
    self.assertEqual(out["quantize"].shape, (0, D))
    self.assertEqual(out["loss"], 0.)
    self.assertEqual(out["perplexity"], 1.)
    w = runner.value(lambda m: m.embeddings)
    self.assertTrue(np.isfinite(w).all())
    self.assertAllClose(runner.value(lambda m: m._ema_w), w)
    x = np.random.RandomState(3).randn(4, D).astype(np.float32)
    runner(x)
    cluster_size = lambda m: m._ema_cluster_size
    after_batch = [runner.value(lambda m: m.embeddings), runner.value(cluster_size)]
    self.assertFalse(np.allclose(after_batch[0], w))
    runner(empty)  # leaves the averages and the codebook unchanged
    self.assertAllClose(runner.value(lambda m: m.embeddings), after_batch[0])
    self.assertAllClose(runner.value(cluster_size), after_batch[1])

  def test_no_codebook_gradient(self):
    vq = vqvae.VectorQuantizerEMA(D, K, commitment_cost=0.25, decay=0.99)
    x = tf.ones([2, D])
    with tf.GradientTape() as tape:
      tape.watch(x)
      loss = vq(x, is_training=True)["loss"]
    self.assertEmpty(vq.trainable_variables)
    self.assertCountEqual([v.name[len(vq.scope_name):] for v in vq.variables],
                          ["/embedding:0", "/ema_cluster_size:0", "/ema_dw:0"])
    vq(x, is_training=False)
    self.assertLen(vq.variables, 3)
    self.assertIsNotNone(tape.gradient(loss, x))


if __name__ == "__main__":
  tf.test.main()
