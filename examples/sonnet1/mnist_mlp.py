# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""An MLP classifier on MNIST-shaped data, written as a 2018 Sonnet 1 program.

The images are generated (28x28x1 pictures of ten different blurred stroke patterns plus
noise), so the program needs no download. The model is `snt.BatchFlatten` followed by
`snt.nets.MLP`; the loss is `tf.losses.sparse_softmax_cross_entropy`, trained with
`tf.train.AdamOptimizer` in a `tf.train.MonitoredSession` fed through a one-shot
`tf.data` iterator. It prints the training loss and the test accuracy.

  PYTHONPATH=. python examples/sonnet1/mnist_mlp.py --num_steps=500
"""

from absl import app
from absl import flags
import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
import sonnet as snt  # noqa: E402 (Sonnet 1 programs imported it after the TF1 switch)

FLAGS = flags.FLAGS
flags.DEFINE_integer("num_steps", 300, "Training steps.")
flags.DEFINE_integer("batch_size", 64, "Images per batch.")
flags.DEFINE_string("hidden_sizes", "128,64", "Comma-separated hidden layer sizes.")
flags.DEFINE_float("learning_rate", 1e-3, "Adam learning rate.")
flags.DEFINE_integer("num_train", 2000, "Generated training images.")
flags.DEFINE_integer("num_test", 500, "Generated test images.")
flags.DEFINE_integer("report_every", 50, "Print the loss every N steps.")
flags.DEFINE_integer("seed", 0, "Random seed.")


def make_digits(num, rng):
  """Makes `num` MNIST-shaped images ([num, 28, 28, 1] float32 in [0, 1]) and labels."""
  prototypes = np.zeros((10, 28, 28), np.float32)
  proto_rng = np.random.RandomState(1234)  # The same ten classes in every split.
  for label in range(10):
    for _ in range(3):
      row, col = proto_rng.randint(4, 24, size=2)
      prototypes[label, row - 3:row + 3, col - 3:col + 3] = 1.0
  labels = rng.randint(0, 10, size=num).astype(np.int64)
  shifts = rng.randint(-2, 3, size=(num, 2))
  images = np.stack([np.roll(prototypes[label], tuple(s), axis=(0, 1))
                     for label, s in zip(labels, shifts)])
  images = np.clip(images + 0.3 * rng.rand(num, 28, 28).astype(np.float32), 0.0, 1.0)
  return images[..., None].astype(np.float32), labels


def build_model(hidden_sizes):
  """Returns the classifier: a module mapping images to ten logits."""
  mlp = snt.nets.MLP(output_sizes=list(hidden_sizes) + [10], activation=tf.nn.relu,
                     name="mlp")
  return snt.Sequential([snt.BatchFlatten(), mlp], name="classifier")


def main(unused_argv):
  tf.set_random_seed(FLAGS.seed)
  rng = np.random.RandomState(FLAGS.seed)
  train_images, train_labels = make_digits(FLAGS.num_train, rng)
  test_images, test_labels = make_digits(FLAGS.num_test, rng)

  train_data = tf.data.Dataset.from_tensor_slices((train_images, train_labels))
  train_data = train_data.shuffle(FLAGS.num_train, seed=FLAGS.seed).repeat()
  train_data = train_data.batch(FLAGS.batch_size)
  images, labels = tf.data.make_one_shot_iterator(train_data).get_next()

  hidden_sizes = [int(size) for size in FLAGS.hidden_sizes.split(",")]
  model = build_model(hidden_sizes)
  logits = model(images)
  loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)

  # The same module again on the test placeholder: the variables are shared.
  test_inputs = tf.placeholder(tf.float32, [None, 28, 28, 1], name="test_images")
  test_predictions = tf.argmax(model(test_inputs), axis=1)

  global_step = tf.train.get_or_create_global_step()
  optimizer = tf.train.AdamOptimizer(FLAGS.learning_rate)
  train_op = optimizer.minimize(loss, global_step=global_step,
                                var_list=model.get_all_variables())

  print("Trainable variables:", [v.name for v in snt.get_variables_in_module(model)])
  losses = []
  with tf.train.MonitoredSession() as sess:
    for step in range(FLAGS.num_steps):
      _, loss_value = sess.run([train_op, loss])
      losses.append(loss_value)
      if FLAGS.report_every and step % FLAGS.report_every == 0:
        print("step %d: loss %.4f" % (step, loss_value))
    predictions = sess.run(test_predictions, feed_dict={test_inputs: test_images})
  accuracy = float(np.mean(predictions == test_labels))
  window = max(1, min(10, len(losses) // 4))
  print("first_loss %.4f" % np.mean(losses[:window]))
  print("final_loss %.4f" % np.mean(losses[-window:]))
  print("test_accuracy %.4f" % accuracy)


if __name__ == "__main__":
  app.run(main)
