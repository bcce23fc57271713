# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
r"""Trains a small classifier on scikit-learn's offline 8x8 digits and reports test accuracy.

The data set (1797 images of handwritten digits, 8x8 pixels, 10 classes) ships inside the
scikit-learn package, so nothing is downloaded. The default model is a `snt.nets.ConvNet2D`
with batch normalisation followed by a `snt.Linear` read-out; `--model=mlp` uses
`snt.nets.MLP` instead. Training runs in a `tf.function`; progress is logged with absl.

  python examples/digits_classifier.py --steps=600 --batch_size=64 --seed=0
"""

import time

from absl import app
from absl import flags
from absl import logging
import numpy as np
import tensorflow as tf

import sonnet as snt

FLAGS = flags.FLAGS
def define_flags() -> None:
  """Defines the command-line flags; called only when run as a script, so that tests
  can import several examples into one process."""
  flags.DEFINE_integer("steps", 600, "Number of training steps.")
  flags.DEFINE_integer("batch_size", 64, "Training batch size.")
  flags.DEFINE_integer("seed", 0, "Seed for the data split, initialisation and batches.")
  flags.DEFINE_enum("model", "convnet", ["convnet", "mlp"], "Which network to train.")
  flags.DEFINE_float("learning_rate", 3e-3, "Adam learning rate.")
  flags.DEFINE_integer("log_every", 100, "Log the training loss every this many steps.")

NUM_CLASSES = 10


def load_digits(seed: int):
  """Returns (x_train, y_train, x_test, y_test): images [N, 8, 8, 1] in [0, 1], int labels.

  A stratified 75/25 split fixed by `seed`.
  """
  from sklearn import datasets
  from sklearn import model_selection
  digits = datasets.load_digits()
  images = (digits.images / 16.0).astype(np.float32)[..., np.newaxis]
  labels = digits.target.astype(np.int32)
  x_train, x_test, y_train, y_test = model_selection.train_test_split(
      images, labels, test_size=0.25, random_state=seed, stratify=labels)
  return x_train, y_train, x_test, y_test


class DigitsClassifier(snt.AbstractModule):
  """ConvNet2D (or MLP) features and a linear read-out to 10 logits."""

  def __init__(self, model: str = "convnet", name: str = "digits_classifier"):
    super().__init__(name=name)
    self._model = model
    with self._enter_variable_scope():
      if model == "convnet":
        self._features = snt.nets.ConvNet2D(
            output_channels=[16, 32], kernel_shapes=[3], strides=[1, 2], paddings=["SAME"],
            normalization_ctor=snt.BatchNorm,
            normalization_kwargs={"scale": True, "decay_rate": 0.99},
            activate_final=True)
      else:
        self._features = snt.nets.MLP([128, 64], activate_final=True)
      self._flatten_batch = snt.BatchFlatten()
      self._readout = snt.Linear(NUM_CLASSES, name="readout")

  def _build(self, images: tf.Tensor, is_training) -> tf.Tensor:
    if self._model == "convnet":
      # BatchNorm uses batch statistics when training, its moving averages otherwise.
      net = self._features(images, is_training=is_training, test_local_stats=False)
    else:
      net = self._features(self._flatten_batch(images))
    # The convolutions keep the static spatial sizes, so the read-out sees its input size.
    return self._readout(self._flatten_batch(net))


def train_and_evaluate(steps: int, batch_size: int, seed: int, model: str = "convnet",
                       learning_rate: float = 3e-3, log_every: int = 100) -> dict[str, float]:
  """Trains the classifier and returns the final metrics.

  Args:
    steps: number of training steps.
    batch_size: training batch size.
    seed: seed of the split, the initialisation and the batch order.
    model: "convnet" or "mlp".
    learning_rate: Adam learning rate.
    log_every: log the loss every this many steps (0: never).

  Returns:
    Dict with 'test_accuracy', 'train_accuracy', 'first_loss', 'final_loss' and
    'seconds'.
  """
  tf.random.set_seed(seed)
  rng = np.random.RandomState(seed)
  x_train, y_train, x_test, y_test = load_digits(seed)
  classifier = DigitsClassifier(model)
  optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate)

  @tf.function(input_signature=[tf.TensorSpec([None, 8, 8, 1]), tf.TensorSpec([None], tf.int32)])
  def train_step(images, labels):
    with tf.GradientTape() as tape:
      logits = classifier(images, is_training=True)
      loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
          labels=labels, logits=logits))
    variables = classifier.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss

  @tf.function(input_signature=[tf.TensorSpec([None, 8, 8, 1])])
  def predict(images):
    return tf.argmax(classifier(images, is_training=False), axis=1, output_type=tf.int32)

  start = time.time()
  losses = []
  for step in range(1, steps + 1):
    batch = rng.randint(0, len(x_train), size=batch_size)
    losses.append(float(train_step(x_train[batch], y_train[batch])))
    if log_every and (step % log_every == 0 or step == steps):
      logging.info("step %d/%d  loss %.4f  (%.1f s)", step, steps,
                   np.mean(losses[-log_every:]), time.time() - start)
  metrics = {
      "train_accuracy": float(np.mean(predict(x_train).numpy() == y_train)),
      "test_accuracy": float(np.mean(predict(x_test).numpy() == y_test)),
      "first_loss": losses[0] if losses else float("nan"),
      "final_loss": float(np.mean(losses[-20:])) if losses else float("nan"),
      "seconds": time.time() - start,
  }
  return metrics


def main(argv):
  del argv
  metrics = train_and_evaluate(FLAGS.steps, FLAGS.batch_size, FLAGS.seed, FLAGS.model,
                               FLAGS.learning_rate, FLAGS.log_every)
  logging.info("train accuracy %.4f", metrics["train_accuracy"])
  print("Test accuracy: {:.4f} ({} model, {} steps, {:.1f} s)".format(
      metrics["test_accuracy"], FLAGS.model, FLAGS.steps, metrics["seconds"]))


if __name__ == "__main__":
  define_flags()
  app.run(main)
