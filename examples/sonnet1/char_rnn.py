# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""A character-level deep LSTM language model, written as a 2018 Sonnet 1 program.

The text is generated (verses made of a small vocabulary of words, so the model has
something to learn and the program needs no download). The model one-hot encodes the
characters, embeds them with `snt.BatchApply(snt.Linear)`, runs an `snt.DeepRNN` of
`snt.LSTM`s with skip connections over time-major windows with `tf.nn.dynamic_rnn`, and
predicts the next character with another `snt.BatchApply(snt.Linear)`. It trains with
`tf.train.RMSPropOptimizer`, gradients clipped by global norm and an exponentially decayed
learning rate, inside a `tf.train.MonitoredTrainingSession` that saves checkpoints; the
validation loss is computed with a static unroll (`tf.nn.static_rnn`) and with
`snt.dynamic_unroll`, both sharing the training variables; at the end a fresh graph
restores the latest checkpoint with `tf.train.Saver` and samples text one character at a
time.

  PYTHONPATH=. python examples/sonnet1/char_rnn.py --num_steps=1000 --checkpoint_dir=/tmp/cr
"""

import os
import tempfile

from absl import app
from absl import flags
import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
import sonnet as snt  # noqa: E402 (Sonnet 1 programs imported it after the TF1 switch)

FLAGS = flags.FLAGS
flags.DEFINE_integer("num_steps", 500, "Training steps.")
flags.DEFINE_integer("batch_size", 16, "Windows per batch.")
flags.DEFINE_integer("truncation_length", 32, "Characters per window.")
flags.DEFINE_integer("embedding_size", 16, "Size of the character embedding.")
flags.DEFINE_integer("num_layers", 2, "Number of LSTM layers.")
flags.DEFINE_integer("hidden_size", 64, "Hidden size of each LSTM.")
flags.DEFINE_float("learning_rate", 0.01, "Initial RMSProp learning rate.")
flags.DEFINE_float("decay_rate", 0.5, "Learning rate decay every --decay_steps.")
flags.DEFINE_integer("decay_steps", 1000, "Steps between learning rate decays.")
flags.DEFINE_float("max_grad_norm", 5.0, "Gradients are clipped to this global norm.")
flags.DEFINE_integer("sample_length", 60, "Characters to sample at the end.")
flags.DEFINE_integer("report_every", 50, "Print the losses every N steps.")
flags.DEFINE_string("checkpoint_dir", None,
                    "Where checkpoints go (a temporary directory when not given).")
flags.DEFINE_integer("checkpoint_every", 100, "Steps between checkpoints.")
flags.DEFINE_integer("seed", 0, "Random seed.")

WORDS = ["to", "be", "or", "not", "the", "question", "whether", "tis", "nobler", "in",
         "mind", "suffer", "slings", "and", "arrows", "of", "fortune"]
VOCAB = sorted(set("".join(WORDS) + " .\n"))


def make_text(num_chars, rng):
  """Verses of random words: a text whose spelling a small model learns quickly."""
  pieces, length = [], 0
  while length < num_chars:
    verse = " ".join(rng.choice(WORDS, size=rng.randint(3, 8))) + ".\n"
    pieces.append(verse)
    length += len(verse)
  return "".join(pieces)[:num_chars]


def encode(text):
  index = {c: i for i, c in enumerate(VOCAB)}
  return np.array([index[c] for c in text], np.int32)


def windows(ids, batch_size, length, rng):
  """Yields time-major `[length, batch_size]` inputs and next-character targets."""
  while True:
    starts = rng.randint(0, len(ids) - length - 1, size=batch_size)
    block = np.stack([ids[s:s + length + 1] for s in starts], axis=1)
    yield block[:-1], block[1:]


class TextModel(snt.AbstractModule):
  """Embedding, deep LSTM and output layer; `_build` returns logits `[T, B, vocab]`."""

  def __init__(self, num_embedding, num_hidden, num_layers, vocab_size, name="text_model"):
    super().__init__(name=name)
    self._vocab_size = vocab_size
    with self._enter_variable_scope():
      self._embed_linear = snt.Linear(num_embedding, name="embed")
      self._embed = snt.BatchApply(self._embed_linear)
      self._lstms = [snt.LSTM(num_hidden, name="lstm_%d" % i) for i in range(num_layers)]
      self._core = snt.DeepRNN(self._lstms, skip_connections=True, name="deep_lstm")
      self._output_linear = snt.Linear(vocab_size, name="output")
      self._output = snt.BatchApply(self._output_linear)

  @property
  def core(self):
    return self._core

  def embed(self, ids):
    """Embeds time-major ids `[T, B]`."""
    return self._embed(tf.one_hot(ids, self._vocab_size))

  def embed_step(self, ids):
    """Embeds the ids `[B]` of one time step (the same variables as `embed`)."""
    return self._embed_linear(tf.one_hot(ids, self._vocab_size))

  def logits(self, outputs):
    """Logits `[T, B, vocab]` of time-major core outputs."""
    return self._output(outputs)

  def logits_step(self, output):
    """Logits `[B, vocab]` of the core output of one time step."""
    return self._output_linear(output)

  def _build(self, ids, initial_state):
    embedded = self.embed(ids)
    outputs, final_state = tf.nn.dynamic_rnn(
        cell=self._core, inputs=embedded, time_major=True, initial_state=initial_state)
    return self.logits(outputs), final_state


def sequence_loss(logits, targets):
  """Mean cross-entropy per character, in nats."""
  return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
      labels=targets, logits=logits))


def build_graph(model, batch_size, length):
  """The training and validation parts of the graph; returns a dict of tensors and ops."""
  ids = tf.placeholder(tf.int32, [length, batch_size], name="ids")
  targets = tf.placeholder(tf.int32, [length, batch_size], name="targets")
  initial_state = model.core.initial_state(batch_size)
  logits, _ = model(ids, initial_state)
  loss = sequence_loss(logits, targets)

  # Validation: the same core unrolled statically and with snt.dynamic_unroll.
  valid_ids = tf.placeholder(tf.int32, [length, batch_size], name="valid_ids")
  valid_targets = tf.placeholder(tf.int32, [length, batch_size], name="valid_targets")
  embedded = model.embed(valid_ids)
  static_outputs, _ = tf.nn.static_rnn(
      model.core, tf.unstack(embedded), initial_state=model.core.initial_state(batch_size))
  static_loss = sequence_loss(model.logits(tf.stack(static_outputs)), valid_targets)
  unrolled, _ = snt.dynamic_unroll(model.core, embedded, model.core.initial_state(batch_size))
  unroll_loss = sequence_loss(model.logits(unrolled), valid_targets)

  global_step = tf.train.get_or_create_global_step()
  learning_rate = tf.train.exponential_decay(
      FLAGS.learning_rate, global_step, FLAGS.decay_steps, FLAGS.decay_rate, staircase=True)
  trainable = model.get_variables()
  grads, _ = tf.clip_by_global_norm(tf.gradients(loss, trainable), FLAGS.max_grad_norm)
  optimizer = tf.train.RMSPropOptimizer(learning_rate, epsilon=0.01)
  train_op = optimizer.apply_gradients(zip(grads, trainable), global_step=global_step)
  return dict(ids=ids, targets=targets, loss=loss, train_op=train_op,
              global_step=global_step, valid_ids=valid_ids, valid_targets=valid_targets,
              static_loss=static_loss, unroll_loss=unroll_loss)


def build_sampler(model, sample_length):
  """Samples `sample_length` characters one step at a time, starting from "to "."""
  prime = tf.placeholder(tf.int32, [None], name="prime")
  state = model.core.initial_state(1)
  output = None
  for i in range(3):  # Feed the priming characters.
    output, state = model.core(model.embed_step(prime[i:i + 1]), state)
  samples = []
  for _ in range(sample_length):
    logits = model.logits_step(output)
    sample = tf.squeeze(tf.multinomial(logits, 1, output_dtype=tf.int32), 1)
    samples.append(sample)
    output, state = model.core(model.embed_step(sample), state)
  return prime, tf.concat(samples, 0)


def train(text_ids, valid_ids, checkpoint_dir, rng):
  """Trains in a MonitoredTrainingSession; returns the first and last losses."""
  tf.reset_default_graph()
  tf.set_random_seed(FLAGS.seed)
  model = TextModel(FLAGS.embedding_size, FLAGS.hidden_size, FLAGS.num_layers, len(VOCAB))
  graph = build_graph(model, FLAGS.batch_size, FLAGS.truncation_length)
  print("model variables:", [v.op.name for v in model.get_variables()])
  batches = windows(text_ids, FLAGS.batch_size, FLAGS.truncation_length, rng)
  valid_x, valid_y = next(windows(valid_ids, FLAGS.batch_size, FLAGS.truncation_length, rng))
  valid_feed = {graph["valid_ids"]: valid_x, graph["valid_targets"]: valid_y}
  losses = []
  with tf.train.MonitoredTrainingSession(
      checkpoint_dir=checkpoint_dir, save_checkpoint_steps=FLAGS.checkpoint_every,
      save_summaries_steps=None, save_summaries_secs=None, log_step_count_steps=0) as sess:
    step = sess.run(graph["global_step"])
    first_valid = sess.run(graph["static_loss"], feed_dict=valid_feed)
    while step < FLAGS.num_steps:
      x, y = next(batches)
      _, loss, step = sess.run([graph["train_op"], graph["loss"], graph["global_step"]],
                               feed_dict={graph["ids"]: x, graph["targets"]: y})
      losses.append(loss)
      if FLAGS.report_every and step % FLAGS.report_every == 0:
        print("step %d: train loss %.4f nats/char" % (step, loss))
    static_loss, unroll_loss = sess.run([graph["static_loss"], graph["unroll_loss"]],
                                        feed_dict=valid_feed)
  if abs(static_loss - unroll_loss) > 1e-4:
    raise AssertionError("static_rnn and snt.dynamic_unroll disagree: %f vs %f" % (
        static_loss, unroll_loss))
  print("validation loss %.4f -> %.4f nats/char" % (first_valid, static_loss))
  return losses, first_valid, static_loss


def sample(checkpoint_dir, rng):
  """Restores the latest checkpoint into a fresh graph and samples text."""
  tf.reset_default_graph()
  model = TextModel(FLAGS.embedding_size, FLAGS.hidden_size, FLAGS.num_layers, len(VOCAB))
  prime, samples = build_sampler(model, FLAGS.sample_length)
  saver = tf.train.Saver()
  checkpoint = tf.train.latest_checkpoint(checkpoint_dir)
  with tf.Session() as sess:
    saver.restore(sess, checkpoint)
    ids = sess.run(samples, feed_dict={prime: encode("to ")})
  text = "to " + "".join(VOCAB[i] for i in ids)
  print("restored %s; sample:\n%s" % (os.path.basename(checkpoint), text))
  return text


def main(unused_argv):
  rng = np.random.RandomState(FLAGS.seed)
  text_ids = encode(make_text(20000, rng))
  valid_ids = encode(make_text(2000, rng))
  checkpoint_dir = FLAGS.checkpoint_dir or tempfile.mkdtemp(prefix="char_rnn_")
  losses, first_valid, last_valid = train(text_ids, valid_ids, checkpoint_dir, rng)
  text = sample(checkpoint_dir, rng)
  known = sum(word in WORDS for word in text.replace(".", " ").split())
  print("sampled %d known words" % known)
  window = max(1, min(10, len(losses) // 4))
  if losses:
    print("first_loss %.4f" % np.mean(losses[:window]))
    print("final_loss %.4f" % np.mean(losses[-window:]))
  print("valid_loss %.4f -> %.4f" % (first_valid, last_valid))


if __name__ == "__main__":
  app.run(main)
