# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
r"""Trains a small classifier on scikit-learn's offline 8x8 digits and reports test accuracy.

The data set (1797 images of handwritten digits, 8x8 pixels, 10 classes) ships inside the
scikit-learn package, so nothing is downloaded. The default model is a `snt.nets.ConvNet2D`
with batch normalisation followed by a `snt.Linear` read-out; `--model=mlp` uses
`snt.nets.MLP` instead. Training runs in a `tf.function` with a Keras Adam optimizer
applied to the module's `trainable_variables`; progress is logged with absl.

With `--checkpoint_dir` it saves the model, the optimizer and the step with
`tf.train.CheckpointManager` every `--checkpoint_every` steps, and a rerun with the same
directory resumes from the latest checkpoint (`--steps` is the total). With `--logdir` it
writes TensorBoard summaries (the training loss and the final accuracies).

  python examples/digits_classifier.py --steps=600 --batch_size=64 --seed=0
  python examples/digits_classifier.py --checkpoint_dir=/tmp/digits --logdir=/tmp/digits/tb
"""

import sys
import time
from typing import Any

from absl import app
from absl import flags
from absl import logging
import keras
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
  flags.DEFINE_string("checkpoint_dir", None,
                      "Save checkpoints here and resume from the latest one (optional).")
  flags.DEFINE_integer("checkpoint_every", 100, "Save a checkpoint every this many steps.")
  flags.DEFINE_string("logdir", None, "Write TensorBoard summaries here (optional).")


def parse_flags(argv: list[str]) -> list[str]:
  """Parses the command line as absl does, except that a help request exits with 0.

  absl's `--help`, `--helpshort`, `--helpfull` and `--helpxml` print the usage and then
  exit with status 1; asking for help is not an error. Bad flags still exit with 1.

  Args:
    argv: the command line, program name first.

  Returns:
    The arguments left after the flags.
  """
  try:
    return flags.FLAGS(argv)
  except flags.Error as error:
    sys.stderr.write(f"FATAL Flags parsing error: {error}\n"
                     "Pass --helpshort or --helpfull to see help on flags.\n")
    sys.exit(1)
  except SystemExit:  # Raised only by the help flags, after printing the usage.
    sys.exit(0)

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
                       learning_rate: float = 3e-3, log_every: int = 100,
                       checkpoint_dir: str | None = None, checkpoint_every: int = 100,
                       logdir: str | None = None) -> dict[str, Any]:
  """Trains the classifier (resuming from a checkpoint if there is one) and evaluates it.

  Args:
    steps: total number of training steps, counting those of a resumed run.
    batch_size: training batch size.
    seed: seed of the split, the initialisation and the batch order.
    model: "convnet" or "mlp".
    learning_rate: Adam learning rate.
    log_every: log the loss every this many steps (0: never).
    checkpoint_dir: where to save checkpoints and resume from (None: no checkpoints).
    checkpoint_every: save a checkpoint every this many steps (and after the last one).
    logdir: where to write TensorBoard summaries (None: none).

  Returns:
    Dict with 'test_accuracy', 'train_accuracy', 'first_loss' and 'final_loss' (of the
    steps run by this call; NaN if none), 'start_step' (0, or the step restored from a
    checkpoint), 'step' (the step reached), 'losses' (this call's losses) and 'seconds'.
  """
  tf.random.set_seed(seed)
  rng = np.random.RandomState(seed)
  x_train, y_train, x_test, y_test = load_digits(seed)
  classifier = DigitsClassifier(model)
  optimizer = keras.optimizers.Adam(learning_rate)
  step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
  # Create the variables (one connection) and the optimizer's slots, so that a checkpoint
  # restores into existing variables.
  classifier(x_train[:1], is_training=False)
  optimizer.build(classifier.trainable_variables)

  @tf.function(input_signature=[tf.TensorSpec([None, 8, 8, 1]), tf.TensorSpec([None], tf.int32)])
  def train_step(images, labels):
    with tf.GradientTape() as tape:
      logits = classifier(images, is_training=True)
      loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
          labels=labels, logits=logits))
    variables = classifier.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    step.assign_add(1)
    return loss

  @tf.function(input_signature=[tf.TensorSpec([None, 8, 8, 1])])
  def predict(images):
    return tf.argmax(classifier(images, is_training=False), axis=1, output_type=tf.int32)

  manager = None
  if checkpoint_dir:
    checkpoint = tf.train.Checkpoint(model=classifier, optimizer=optimizer, step=step)
    manager = tf.train.CheckpointManager(checkpoint, checkpoint_dir, max_to_keep=3)
    if manager.latest_checkpoint:
      # Checks every shape before changing anything (see docs/module_core.md).
      snt.restore_checkpoint(checkpoint, manager.latest_checkpoint).assert_consumed()
      logging.info("Restored %s (step %d)", manager.latest_checkpoint, int(step))
  start_step = int(step)
  for _ in range(start_step):  # Skip the batches already trained on.
    rng.randint(0, len(x_train), size=batch_size)
  writer = tf.summary.create_file_writer(logdir) if logdir else None

  start = time.time()
  losses = []
  while int(step) < steps:
    batch = rng.randint(0, len(x_train), size=batch_size)
    losses.append(float(train_step(x_train[batch], y_train[batch])))
    current = int(step)
    if log_every and (current % log_every == 0 or current == steps):
      mean_loss = np.mean(losses[-log_every:])
      logging.info("step %d/%d  loss %.4f  (%.1f s)", current, steps, mean_loss,
                   time.time() - start)
      if writer:
        with writer.as_default():
          tf.summary.scalar("loss", mean_loss, step=current)
    if manager and (current % checkpoint_every == 0 or current == steps):
      logging.info("Saved %s", manager.save(checkpoint_number=current))
  metrics = {
      "train_accuracy": float(np.mean(predict(x_train).numpy() == y_train)),
      "test_accuracy": float(np.mean(predict(x_test).numpy() == y_test)),
      "first_loss": losses[0] if losses else float("nan"),
      "final_loss": float(np.mean(losses[-20:])) if losses else float("nan"),
      "start_step": start_step,
      "step": int(step),
      "losses": losses,
      "seconds": time.time() - start,
  }
  if writer:
    with writer.as_default():
      for name in ("train_accuracy", "test_accuracy"):
        tf.summary.scalar(name, metrics[name], step=int(step))
    writer.flush()
  return metrics


def main(argv):
  del argv
  metrics = train_and_evaluate(FLAGS.steps, FLAGS.batch_size, FLAGS.seed, FLAGS.model,
                               FLAGS.learning_rate, FLAGS.log_every, FLAGS.checkpoint_dir,
                               FLAGS.checkpoint_every, FLAGS.logdir)
  logging.info("train accuracy %.4f", metrics["train_accuracy"])
  print("Test accuracy: {:.4f} ({} model, {} steps, {:.1f} s)".format(
      metrics["test_accuracy"], FLAGS.model, FLAGS.steps, metrics["seconds"]))


if __name__ == "__main__":
  define_flags()
  app.run(main, flags_parser=parse_flags)
