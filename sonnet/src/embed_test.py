# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests for sonnet.src.embed."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from sonnet.src import embed
from sonnet.src import errors
from sonnet.src import test_utils


class EmbedTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.product(mode=test_utils.MODES, ids_dtype=[tf.int32, tf.int64])
  def test_lookup_matches_numpy(self, mode, ids_dtype):
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    ids = np.array([[0, 3], [2, 2], [1, 0]])

    def fn():
      module = embed.Embed(vocab_size=4, embed_dim=3,
                           initializers={"embeddings": tf.constant_initializer(table)})
      return module(tf.constant(ids, ids_dtype)), module.embeddings

    out, embeddings = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllEqual(out, table[ids])
    self.assertAllEqual(embeddings, table)

  @parameterized.parameters(*test_utils.MODES)
  def test_out_of_range_ids(self, mode):
    for bad in ([0, 5], [-1, 2]):
      module = embed.Embed(vocab_size=5, embed_dim=2)

      def connect(module=module, bad=bad):
        return module(tf.constant(bad))

      with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                  r"every id in `ids` must be in \[0, vocab_size=5\)"):
        test_utils.evaluate_in_mode(mode, connect)

  def test_unknown_shape_tf_function(self):
    module = embed.Embed(vocab_size=6, embed_dim=2)
    fn = tf.function(module, input_signature=[tf.TensorSpec([None, None], tf.int32)])
    for shape in ([1, 4], [3, 2], [0, 5]):
      ids = np.random.RandomState(0).randint(0, 6, size=shape).astype(np.int32)
      self.assertAllEqual(fn(ids), tf.gather(module.embeddings, ids))
    self.assertEqual(fn.get_concrete_function().structured_outputs.shape.as_list(),
                     [None, None, 2])

  def test_default_sizes_and_initializer(self):
    module = embed.Embed(vocab_size=10000)
    self.assertEqual(module.embed_dim, 60)  # round(6 * 10000 ** 0.25)
    module(tf.constant([0]))
    values = module.embeddings.numpy()
    self.assertEqual(values.shape, (10000, 60))
    self.assertEqual(module.embeddings.dtype, tf.float32)
    self.assertLessEqual(np.abs(values).max(), 2.0)  # truncated at 2 stddev = 2
    self.assertAllClose(values.std(), 0.88, atol=0.02)  # std of N(0,1) truncated at 2

  @parameterized.parameters(*test_utils.MODES)
  def test_existing_vocab(self, mode):
    vocab = np.random.RandomState(1).randn(5, 4)

    def fn():
      module = embed.Embed(existing_vocab=vocab, trainable=False)
      return module(tf.constant([4, 0])), len(module.trainable_variables)

    out, trainable_count = test_utils.evaluate_in_mode(mode, fn)
    self.assertAllClose(out, vocab[[4, 0]].astype(np.float32))
    self.assertEqual(trainable_count, 0)

  def test_densify_gradients(self):
    for densify in (False, True):
      module = embed.Embed(vocab_size=4, embed_dim=2, densify_gradients=densify)
      with tf.GradientTape() as tape:
        loss = tf.reduce_sum(module(tf.constant([1, 1, 3])))
      grad = tape.gradient(loss, module.embeddings)
      self.assertEqual(isinstance(grad, tf.IndexedSlices), not densify)
      self.assertAllClose(tf.convert_to_tensor(grad), [[0, 0], [2, 2], [0, 0], [1, 1]])

  def test_partitioned_table_graph_mode(self):
    with tf.Graph().as_default():
      module = embed.Embed(vocab_size=10, embed_dim=2,
                           partitioners={"embeddings": tf.compat.v1.fixed_size_partitioner(2)})
      out = module(tf.constant([1, 7, 9]))
      parts = tf.compat.v1.global_variables()
      self.assertEqual([v.name for v in parts],
                       ["embed/embeddings/part_0:0", "embed/embeddings/part_1:0"])
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        table = np.concatenate(sess.run(parts))
        self.assertEqual(table.shape, (10, 2))
        self.assertAllEqual(sess.run(out), table[[1, 7, 9]])

  def test_variables_and_sharing(self):
    module = embed.Embed(vocab_size=3, embed_dim=2)
    a = module(tf.constant([1]))
    b = module(tf.constant([[1]]))
    self.assertAllEqual(a, b[0])
    self.assertEqual([v.name for v in module.variables], [module.scope_name + "/embeddings:0"])

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, "Either `existing_vocab` or `vocab_size`"):
      embed.Embed()
    with self.assertRaisesRegex(ValueError, "`vocab_size` must be a positive int, got 0"):
      embed.Embed(vocab_size=0)
    with self.assertRaisesRegex(ValueError, "`embed_dim` must be a positive int"):
      embed.Embed(vocab_size=3, embed_dim=-2)
    with self.assertRaisesRegex(ValueError, "vocab_size, initializers must not be given"):
      embed.Embed(vocab_size=3, existing_vocab=np.ones([3, 2]),
                  initializers={"embeddings": tf.zeros_initializer()})
    with self.assertRaisesRegex(ValueError, r"must be a fully defined matrix.*\(3,\)"):
      embed.Embed(existing_vocab=np.ones([3]))
    with self.assertRaisesRegex(KeyError, "Invalid initializer keys"):
      embed.Embed(vocab_size=3, initializers={"w": tf.zeros_initializer()})
    with self.assertRaisesRegex(TypeError, "floating point dtype"):
      embed.Embed(vocab_size=3, dtype=tf.int32)
    module = embed.Embed(vocab_size=3)
    with self.assertRaises(errors.NotConnectedError):
      module.embeddings
    with self.assertRaisesRegex(TypeError, "`ids` must be an int32 or int64 tensor, got "
                                "dtype float32"):
      module(tf.constant([1.0]))
    self.assertFalse(module.is_connected)
    self.assertEqual(embed.Embed.get_possible_initializer_keys(), {"embeddings"})


if __name__ == "__main__":
  tf.test.main()
