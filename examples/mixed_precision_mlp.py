# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
r"""Trains an MLP on scikit-learn's offline 8x8 digits in float32 or mixed precision.

`--precision=mixed_bfloat16` (or `mixed_float16`) trains the same `snt.nets.MLP` inside
`snt.mixed_precision.scope(...)`: the variables stay float32 (as do the optimizer, the
gradients and checkpoints), the matrix products run in 16 bits, and the loss is computed
in float32 from the 16-bit logits. float16 needs loss scaling against underflowing
gradients: the loss is multiplied by `--loss_scale` and the gradients divided by it.
`--policy=keras` sets Keras' global policy instead of opening the scope (Sonnet modules
follow a mixed Keras policy). See docs/mixed_precision.md.

  python examples/mixed_precision_mlp.py --precision=mixed_bfloat16 --steps=300
  python examples/mixed_precision_mlp.py --precision=mixed_float16 --policy=keras
"""

import contextlib
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
PRECISIONS = {"float32": None, "mixed_float16": tf.float16, "mixed_bfloat16": tf.bfloat16}
NUM_CLASSES = 10


def define_flags() -> None:
  """Defines the command-line flags; called only when run as a script, so that tests
  can import several examples into one process."""
  flags.DEFINE_integer("steps", 300, "Number of training steps.")
  flags.DEFINE_integer("batch_size", 64, "Training batch size.")
  flags.DEFINE_integer("seed", 0, "Seed for the data split, initialisation and batches.")
  flags.DEFINE_enum("precision", "mixed_bfloat16", list(PRECISIONS),
                    "float32, or float32 variables with 16-bit compute.")
  flags.DEFINE_enum("policy", "scope", ["scope", "keras"],
                    "How mixed precision is switched on: snt.mixed_precision.scope or "
                    "Keras' global policy.")
  flags.DEFINE_float("loss_scale", 1024.0, "Loss scale for mixed_float16 (1: none).")
  flags.DEFINE_float("learning_rate", 3e-3, "Adam learning rate.")
  flags.DEFINE_integer("log_every", 100, "Log the training loss every this many steps.")


def parse_flags(argv: list[str]) -> list[str]:
  """Parses the command line as absl does, except that a help request exits with 0.

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


def load_digits(seed: int):
  """Returns (x_train, y_train, x_test, y_test): flat images [N, 64] in [0, 1], labels."""
  from sklearn import datasets
  from sklearn import model_selection
  digits = datasets.load_digits()
  images = (digits.data / 16.0).astype(np.float32)
  labels = digits.target.astype(np.int32)
  x_train, x_test, y_train, y_test = model_selection.train_test_split(
      images, labels, test_size=0.25, random_state=seed, stratify=labels)
  return x_train, y_train, x_test, y_test


@contextlib.contextmanager
def precision_context(precision: str, policy: str):
  """Switches mixed precision on (a Sonnet scope or Keras' global policy) while open."""
  if PRECISIONS[precision] is None:
    yield
  elif policy == "keras":
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(precision)
    try:
      yield
    finally:
      keras.mixed_precision.set_global_policy(previous)
  else:
    with snt.mixed_precision.scope(PRECISIONS[precision]):
      yield


def train_and_evaluate(steps: int, batch_size: int, seed: int,
                       precision: str = "mixed_bfloat16", policy: str = "scope",
                       loss_scale: float = 1024.0, learning_rate: float = 3e-3,
                       log_every: int = 100) -> dict[str, Any]:
  """Trains the MLP and evaluates it.

  Args:
    steps: number of training steps.
    batch_size: training batch size.
    seed: seed of the split, the initialisation and the batch order.
    precision: a key of `PRECISIONS`.
    policy: "scope" (`snt.mixed_precision.scope`) or "keras" (Keras' global policy).
    loss_scale: the loss scale used with float16 compute.
    learning_rate: Adam learning rate.
    log_every: log the loss every this many steps (0: never).

  Returns:
    Dict with 'test_accuracy', 'first_loss', 'final_loss', 'losses', 'logits_dtype',
    'variable_dtypes' (the set of the variables' dtype names) and 'seconds'.
  """
  tf.random.set_seed(seed)
  rng = np.random.RandomState(seed)
  x_train, y_train, x_test, y_test = load_digits(seed)
  mlp = snt.nets.MLP([128, 64, NUM_CLASSES])
  optimizer = keras.optimizers.Adam(learning_rate)
  scale = loss_scale if PRECISIONS[precision] == tf.float16 else 1.0

  with precision_context(precision, policy):
    # The policy is read while tracing: the functions are traced inside the context.
    @tf.function(input_signature=[tf.TensorSpec([None, 64]), tf.TensorSpec([None], tf.int32)])
    def train_step(images, labels):
      with tf.GradientTape() as tape:
        logits = mlp(images)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=tf.cast(logits, tf.float32)))  # The loss in float32.
        scaled_loss = loss * scale
      variables = mlp.trainable_variables
      grads = [g / scale for g in tape.gradient(scaled_loss, variables)]
      optimizer.apply_gradients(zip(grads, variables))
      return loss

    @tf.function(input_signature=[tf.TensorSpec([None, 64])])
    def predict(images):
      return mlp(images)

    start = time.time()
    losses = []
    for step in range(1, steps + 1):
      batch = rng.randint(0, len(x_train), size=batch_size)
      losses.append(float(train_step(x_train[batch], y_train[batch])))
      if log_every and step % log_every == 0:
        logging.info("step %d/%d  loss %.4f  (%.1f s)", step, steps,
                     np.mean(losses[-log_every:]), time.time() - start)
    logits = predict(x_test)
  return {
      "test_accuracy": float(np.mean(np.argmax(logits.numpy(), axis=1) == y_test)),
      "first_loss": losses[0] if losses else float("nan"),
      "final_loss": float(np.mean(losses[-20:])) if losses else float("nan"),
      "losses": losses,
      "logits_dtype": logits.dtype.name,
      "variable_dtypes": {v.dtype.name for v in mlp.variables},
      "seconds": time.time() - start,
  }


def main(argv):
  del argv
  metrics = train_and_evaluate(FLAGS.steps, FLAGS.batch_size, FLAGS.seed, FLAGS.precision,
                               FLAGS.policy, FLAGS.loss_scale, FLAGS.learning_rate,
                               FLAGS.log_every)
  print("Test accuracy: {:.4f} ({}, logits {}, variables {}, {} steps, {:.1f} s)".format(
      metrics["test_accuracy"], FLAGS.precision, metrics["logits_dtype"],
      "/".join(sorted(metrics["variable_dtypes"])), FLAGS.steps, metrics["seconds"]))


if __name__ == "__main__":
  define_flags()
  app.run(main, flags_parser=parse_flags)
