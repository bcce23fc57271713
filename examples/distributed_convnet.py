# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
r"""Trains a small ConvNet with BatchNorm under tf.distribute.MirroredStrategy.

The CPU is split into two logical devices, so the data-parallel training runs on any
machine; each step's global batch is split between the two replicas. The data are
synthetic 8x8 images of 4 classes (a brighter quadrant per class, with noise and a
random brightness offset per image), so nothing is downloaded. The training loop is the
usual custom one: `strategy.run` inside a `tf.function`, a per-example loss averaged over
the global batch, and a Keras optimizer whose variables are built under
`strategy.scope()` (`optimizer.build`).

`--single_device` trains the same model on one device with the same global batches, for
comparison: the accuracy is the same within noise, and so are BatchNorm's moving
statistics, which the replicas keep in agreement (docs/distributed.md).

  python examples/distributed_convnet.py
  python examples/distributed_convnet.py --single_device
"""

import sys
import time
from typing import Any

from absl import app
from absl import flags
import keras
import numpy as np
import tensorflow as tf

import sonnet as snt

FLAGS = flags.FLAGS
NUM_CLASSES = 4
IMAGE_SIZE = 8
NUM_REPLICAS = 2


def define_flags() -> None:
  """Defines the command-line flags (only when run as a script)."""
  flags.DEFINE_integer("steps", 150, "Number of training steps.")
  flags.DEFINE_integer("batch_size", 64, "Global batch size (split between the replicas).")
  flags.DEFINE_integer("seed", 0, "Seed of the data and the initialisation.")
  flags.DEFINE_float("learning_rate", 0.01, "Adam learning rate.")
  flags.DEFINE_bool("single_device", False,
                    "Train on one device instead of two MirroredStrategy replicas.")


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


def split_cpu(num_devices: int = NUM_REPLICAS) -> list[str]:
  """Splits the first CPU into logical devices (before TensorFlow initialises them).

  Returns:
    The logical CPU device names.
  """
  cpu = tf.config.list_physical_devices("CPU")[0]
  if tf.config.get_logical_device_configuration(cpu) is None:
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * num_devices)
  return [device.name for device in tf.config.list_logical_devices("CPU")][:num_devices]


def make_data(num_examples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
  """Synthetic images [N, 8, 8, 1] and labels: class k brightens quadrant k."""
  rng = np.random.RandomState(seed)
  labels = rng.randint(0, NUM_CLASSES, size=num_examples).astype(np.int32)
  images = rng.normal(0., 1., [num_examples, IMAGE_SIZE, IMAGE_SIZE, 1])
  images += rng.uniform(-2., 2., [num_examples, 1, 1, 1])  # Brightness: BatchNorm helps.
  half = IMAGE_SIZE // 2
  for k in range(NUM_CLASSES):
    rows, cols = divmod(k, 2)
    images[labels == k, rows * half:(rows + 1) * half, cols * half:(cols + 1) * half] += 1.5
  return images.astype(np.float32), labels


class ConvNet(snt.AbstractModule):
  """Two convolutions with BatchNorm and ReLU, global average pooling, a linear read-out."""

  def __init__(self, name: str = "conv_net"):
    super().__init__(name=name)
    with self._enter_variable_scope():
      self._convs = [snt.Conv2D(16, 3, name="conv_0"), snt.Conv2D(32, 3, stride=2,
                                                                   name="conv_1")]
      self._norms = [snt.BatchNorm(scale=True, decay_rate=0.9, name=f"batch_norm_{i}")
                     for i in range(2)]
      self._readout = snt.Linear(NUM_CLASSES, name="readout")

  def _build(self, images: tf.Tensor, is_training) -> tf.Tensor:
    net = images
    for conv, norm in zip(self._convs, self._norms):
      net = tf.nn.relu(norm(conv(net), is_training=is_training, test_local_stats=False))
    return self._readout(tf.reduce_mean(net, axis=[1, 2]))

  @property
  def batch_norms(self) -> list[snt.BatchNorm]:
    """The BatchNorm modules, in order."""
    return self._norms


def train_and_evaluate(steps: int, batch_size: int, seed: int, single_device: bool,
                       learning_rate: float = 0.01) -> dict[str, Any]:
  """Trains the ConvNet and evaluates it on held-out synthetic data.

  Args:
    steps: number of training steps.
    batch_size: global batch size; with two replicas each gets half of it.
    seed: seed of the data and the initialisation.
    single_device: train on one device (the default strategy) instead of two replicas.
    learning_rate: Adam learning rate.

  Returns:
    Dict with 'test_accuracy', 'first_loss', 'final_loss', 'moving_mean' (the first
    BatchNorm's moving mean, as a checkpoint would save it), 'replicas' and 'seconds'.
  """
  if single_device:
    strategy = tf.distribute.get_strategy()  # The default: one device, no replicas.
  else:
    strategy = tf.distribute.MirroredStrategy(split_cpu())
  tf.random.set_seed(seed)
  x_train, y_train = make_data(4096, seed)
  x_test, y_test = make_data(1024, seed + 1)
  dataset = (tf.data.Dataset.from_tensor_slices((x_train, y_train))
             .shuffle(4096, seed=seed).repeat().batch(batch_size, drop_remainder=True))
  batches = iter(strategy.experimental_distribute_dataset(dataset))

  with strategy.scope():
    model = ConvNet()
    optimizer = keras.optimizers.Adam(learning_rate)
    # Create the module's variables, then the optimizer's (Keras 3 creates them in
    # `build`, which must run here, outside `strategy.run`).
    model(x_train[:1], is_training=False)
    optimizer.build(model.trainable_variables)

  def replica_step(images, labels):
    with tf.GradientTape() as tape:
      logits = model(images, is_training=True)
      per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                  logits=logits)
      # Averaged over the global batch: the replicas' gradients are summed.
      loss = tf.nn.compute_average_loss(per_example, global_batch_size=batch_size)
    variables = model.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss

  @tf.function
  def train_step(inputs):
    losses = strategy.run(replica_step, args=inputs)
    return strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)

  @tf.function
  def predict(images):
    return tf.argmax(model(images, is_training=False), axis=1, output_type=tf.int32)

  start = time.time()
  losses = [float(train_step(next(batches))) for _ in range(steps)]
  with strategy.scope():
    accuracy = float(np.mean(predict(x_test).numpy() == y_test))
    moving_mean = model.batch_norms[0].moving_mean.numpy().reshape(-1)
  return {"test_accuracy": accuracy, "first_loss": losses[0],
          "final_loss": float(np.mean(losses[-10:])), "moving_mean": moving_mean,
          "replicas": strategy.num_replicas_in_sync, "seconds": time.time() - start}


def main(argv):
  del argv
  tf.get_logger().setLevel("WARNING")  # The strategy logs its device setup at INFO.
  metrics = train_and_evaluate(FLAGS.steps, FLAGS.batch_size, FLAGS.seed,
                               FLAGS.single_device, FLAGS.learning_rate)
  print("Test accuracy: {:.4f} ({} replica(s), {} steps, loss {:.3f} -> {:.3f}, {:.1f} s)"
        .format(metrics["test_accuracy"], metrics["replicas"], FLAGS.steps,
                metrics["first_loss"], metrics["final_loss"], metrics["seconds"]))


if __name__ == "__main__":
  define_flags()
  app.run(main, flags_parser=parse_flags)
