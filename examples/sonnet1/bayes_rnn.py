# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""A Bayes-by-Backprop LSTM language model, written as a 2018 Sonnet 1 program.

The corpus is generated: sentences from a small Markov chain over 20 words, so the program
needs no download. Every weight of the model (`snt.Embed`, `snt.LSTM`, the softmax
`snt.Linear`) is a distribution: `snt.custom_getters.bayes_by_backprop` custom getters,
given to the LSTM and the embedding through their `custom_getter` argument and to the
softmax layer through `tf.variable_scope(..., custom_getter=...)`, replace each variable
with a sample of a diagonal Gaussian posterior and record its KL cost against a prior
(an adaptive Gaussian for the LSTM, a fixed one elsewhere). The loss is the negative
log-likelihood plus the KL cost from `bbb.get_total_kl_cost()` spread over the training
set. Evaluation feeds the sampling mode `bbb.EstimatorModes.mean`.

It needs TensorFlow Probability (`pip install "sonnet1-tf[bayes]"`); without it the first
getter raises an ImportError that says so.

  PYTHONPATH=. python examples/sonnet1/bayes_rnn.py --num_steps=1000
"""

from absl import app
from absl import flags
import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
import sonnet as snt  # noqa: E402 (Sonnet 1 programs imported it after the TF1 switch)
import sonnet.python.custom_getters.bayes_by_backprop as bbb  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_integer("num_steps", 400, "Training steps.")
flags.DEFINE_integer("batch_size", 16, "Sentences per batch.")
flags.DEFINE_integer("unroll_steps", 12, "Words per training sequence.")
flags.DEFINE_integer("embedding_size", 16, "Word embedding size.")
flags.DEFINE_integer("hidden_size", 32, "LSTM hidden size.")
flags.DEFINE_integer("num_training_sequences", 2000, "Sequences in the training set.")
flags.DEFINE_float("learning_rate", 1e-2, "Adam learning rate.")
flags.DEFINE_float("max_grad_norm", 5.0, "Gradients are clipped to this global norm.")
flags.DEFINE_integer("report_every", 50, "Print the losses every N steps.")
flags.DEFINE_integer("seed", 0, "Random seed.")

VOCAB_SIZE = 20


def make_corpus(rng, num_sequences, length):
  """Sequences of word ids from a sparse random Markov chain (3 successors per word)."""
  successors = np.stack([rng.choice(VOCAB_SIZE, size=3, replace=False)
                         for _ in range(VOCAB_SIZE)])
  data = np.zeros((num_sequences, length + 1), np.int32)
  data[:, 0] = rng.randint(VOCAB_SIZE, size=num_sequences)
  for t in range(length):
    data[:, t + 1] = successors[data[:, t], rng.randint(3, size=num_sequences)]
  return data


def lstm_posterior_builder(getter, name, *args, **kwargs):
  """The LSTM's posterior: the diagonal Gaussian, means starting small and uniform."""
  kwargs["initializer"] = tf.random_uniform_initializer(-0.1, 0.1)
  return bbb.diagonal_gaussian_posterior_builder(getter, name, *args, **kwargs)


def build_getters(sampling_mode):
  non_lstm_getter = bbb.bayes_by_backprop_getter(
      posterior_builder=bbb.diagonal_gaussian_posterior_builder,
      prior_builder=bbb.fixed_gaussian_prior_builder,
      kl_builder=bbb.stochastic_kl_builder,
      sampling_mode_tensor=sampling_mode)
  lstm_getter = bbb.bayes_by_backprop_getter(
      posterior_builder=lstm_posterior_builder,
      prior_builder=bbb.adaptive_gaussian_prior_builder,
      kl_builder=bbb.stochastic_kl_builder,
      sampling_mode_tensor=sampling_mode)
  return non_lstm_getter, lstm_getter


class BayesLanguageModel(snt.AbstractModule):
  """Embedding, LSTM and softmax layer, all with Bayesian weights."""

  def __init__(self, non_lstm_getter, lstm_getter, name="bayes_lm"):
    super().__init__(name=name)
    self._non_lstm_getter = non_lstm_getter
    with self._enter_variable_scope():
      self._embed = snt.Embed(VOCAB_SIZE, FLAGS.embedding_size,
                              custom_getter=non_lstm_getter, name="embed")
      self._lstm = snt.LSTM(FLAGS.hidden_size, custom_getter=lstm_getter, forget_bias=0.0,
                            name="lstm")

  def _build(self, word_ids):
    """Logits `[T, B, vocab]` for time-major word ids `[T, B]`."""
    batch_size = tf.shape(word_ids)[1]
    embedded = self._embed(word_ids)
    outputs, _ = tf.nn.dynamic_rnn(self._lstm, embedded, time_major=True,
                                   initial_state=self._lstm.initial_state(batch_size))
    with tf.variable_scope("softmax", custom_getter=self._non_lstm_getter):
      return snt.BatchApply(snt.Linear(VOCAB_SIZE, name="linear"))(outputs)


def main(unused_argv):
  tf.set_random_seed(FLAGS.seed)
  rng = np.random.RandomState(FLAGS.seed)
  corpus = make_corpus(rng, FLAGS.num_training_sequences + 200, FLAGS.unroll_steps)
  train_data, valid_data = corpus[:FLAGS.num_training_sequences], corpus[-200:]

  sampling_mode = tf.placeholder_with_default(
      tf.constant(bbb.EstimatorModes.sample), [], name="sampling_mode")
  non_lstm_getter, lstm_getter = build_getters(sampling_mode)
  model = BayesLanguageModel(non_lstm_getter, lstm_getter)

  sequences = tf.placeholder(tf.int32, [FLAGS.unroll_steps + 1, None], name="sequences")
  logits = model(sequences[:-1])
  nll = tf.reduce_mean(tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(
      labels=sequences[1:], logits=logits), axis=0))  # per sequence
  kl_cost = bbb.get_total_kl_cost()
  loss = nll + kl_cost / FLAGS.num_training_sequences

  metadata = bbb.get_variable_metadata()
  print("Bayesian variables:", [m.raw_variable_name for m in metadata])
  print("prior variables of the LSTM:", sorted(
      v.op.name for m in bbb.get_variable_metadata("lstm") for v in m.prior_vars.values()))

  optimizer = tf.train.AdamOptimizer(FLAGS.learning_rate)
  grads, variables = zip(*optimizer.compute_gradients(loss))
  grads, _ = tf.clip_by_global_norm(grads, FLAGS.max_grad_norm)
  train_op = optimizer.apply_gradients(zip(grads, variables),
                                       global_step=tf.train.get_or_create_global_step())

  losses = []
  with tf.train.MonitoredSession() as sess:
    valid_feed = {sequences: valid_data.T, sampling_mode: bbb.EstimatorModes.mean}
    first_valid = sess.run(nll, feed_dict=valid_feed)
    for step in range(FLAGS.num_steps):
      batch = train_data[rng.randint(len(train_data), size=FLAGS.batch_size)].T
      _, nll_value, kl_value = sess.run([train_op, nll, kl_cost], feed_dict={sequences: batch})
      losses.append(nll_value)
      if FLAGS.report_every and step % FLAGS.report_every == 0:
        print("step %d: nll %.3f kl %.1f" % (step, nll_value, kl_value))
    valid_nll = sess.run(nll, feed_dict=valid_feed)
    # The mean mode is deterministic; the sample mode is not.
    again = sess.run(nll, feed_dict=valid_feed)
    samples = [sess.run(nll, feed_dict={sequences: valid_data.T}) for _ in range(2)]
  if valid_nll != again or samples[0] == samples[1]:
    raise AssertionError("sampling modes: mean %r %r, sample %r" % (valid_nll, again, samples))
  window = max(1, min(10, len(losses) // 4))
  print("first_loss %.4f" % np.mean(losses[:window]))
  print("final_loss %.4f" % np.mean(losses[-window:]))
  print("valid_nll %.4f -> %.4f (uniform %.4f)" % (
      first_valid, valid_nll, FLAGS.unroll_steps * np.log(VOCAB_SIZE)))


if __name__ == "__main__":
  app.run(main)
