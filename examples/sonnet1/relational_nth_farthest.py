# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""A relational memory core on an "n-th farthest" task, written as a 2018 Sonnet 1 program.

Each example is a sequence of `--num_objects` random vectors, presented one per time
step. Every step also carries the object's id, the id of a reference object and a number n
(all one-hot); the target is the id of the object that is the n-th farthest from the
reference. An `snt.RelationalMemory` reads the sequence through `tf.nn.dynamic_rnn`; an
`snt.nets.MLP` maps its last output to logits over the ids. The examples are generated with
numpy and fed through a one-shot `tf.data` iterator (`from_generator`); training uses
`tf.train.AdamOptimizer` with gradient clipping in a `tf.train.MonitoredSession`.

  PYTHONPATH=. python examples/sonnet1/relational_nth_farthest.py --num_steps=2000
"""

from absl import app
from absl import flags
import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
import sonnet as snt  # noqa: E402 (Sonnet 1 programs imported it after the TF1 switch)

FLAGS = flags.FLAGS
flags.DEFINE_integer("num_steps", 500, "Training steps.")
flags.DEFINE_integer("batch_size", 32, "Examples per batch.")
flags.DEFINE_integer("num_objects", 4, "Objects (time steps) per example.")
flags.DEFINE_integer("num_dims", 4, "Dimensions of each object's vector.")
flags.DEFINE_integer("mem_slots", 2, "Memory slots of the relational memory.")
flags.DEFINE_integer("head_size", 16, "Size of each attention head.")
flags.DEFINE_integer("num_heads", 2, "Attention heads.")
flags.DEFINE_integer("num_blocks", 1, "Attention blocks per step.")
flags.DEFINE_string("gate_style", "unit", "'unit', 'memory' or 'none'.")
flags.DEFINE_string("mlp_sizes", "64", "Comma-separated hidden sizes of the final MLP.")
flags.DEFINE_float("learning_rate", 1e-3, "Adam learning rate.")
flags.DEFINE_float("max_grad_norm", 5.0, "Gradients are clipped to this global norm.")
flags.DEFINE_integer("report_every", 50, "Print the loss every N steps.")
flags.DEFINE_integer("seed", 0, "Random seed.")


def nth_farthest_examples(rng, num_objects, num_dims):
  """Yields (inputs [num_objects, features], label) pairs forever."""
  eye = np.eye(num_objects, dtype=np.float32)
  while True:
    vectors = rng.uniform(-1, 1, size=(num_objects, num_dims)).astype(np.float32)
    reference = rng.randint(num_objects)
    n = rng.randint(num_objects)
    distances = np.linalg.norm(vectors - vectors[reference], axis=1)
    label = np.argsort(-distances)[n]
    inputs = np.concatenate([
        vectors, eye,
        np.tile(eye[reference], (num_objects, 1)),
        np.tile(eye[n], (num_objects, 1))], axis=1)
    yield inputs, np.int32(label)


class SequenceModel(snt.AbstractModule):
  """Runs a recurrent core over a sequence; an MLP classifies its last output."""

  def __init__(self, core, mlp_sizes, num_classes, name="sequence_model"):
    super().__init__(name=name)
    self._core = core
    with self._enter_variable_scope():
      self._final_mlp = snt.nets.MLP(list(mlp_sizes) + [num_classes], activate_final=False,
                                     name="final_mlp")

  def _build(self, inputs):
    batch_size = tf.shape(inputs)[0]
    initial_state = self._core.initial_state(batch_size)
    outputs, _ = tf.nn.dynamic_rnn(self._core, inputs, initial_state=initial_state,
                                   time_major=False)
    return self._final_mlp(snt.BatchFlatten()(outputs[:, -1]))


def main(unused_argv):
  tf.set_random_seed(FLAGS.seed)
  rng = np.random.RandomState(FLAGS.seed)
  num_objects, num_dims = FLAGS.num_objects, FLAGS.num_dims
  num_features = num_dims + 3 * num_objects

  dataset = tf.data.Dataset.from_generator(
      lambda: nth_farthest_examples(rng, num_objects, num_dims), (tf.float32, tf.int32),
      (tf.TensorShape([num_objects, num_features]), tf.TensorShape([])))
  dataset = dataset.batch(FLAGS.batch_size)
  inputs, labels = tf.data.make_one_shot_iterator(dataset).get_next()

  core = snt.RelationalMemory(
      mem_slots=FLAGS.mem_slots, head_size=FLAGS.head_size, num_heads=FLAGS.num_heads,
      num_blocks=FLAGS.num_blocks, gate_style=(None if FLAGS.gate_style == "none"
                                               else FLAGS.gate_style))
  model = SequenceModel(core, [int(s) for s in FLAGS.mlp_sizes.split(",")], num_objects)
  logits = model(inputs)
  loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
      labels=labels, logits=logits))
  accuracy = tf.reduce_mean(tf.cast(
      tf.equal(tf.argmax(logits, 1, output_type=tf.int32), labels), tf.float32))

  global_step = tf.train.get_or_create_global_step()
  optimizer = tf.train.AdamOptimizer(FLAGS.learning_rate)
  grads_and_vars = optimizer.compute_gradients(loss)
  grads, variables = zip(*grads_and_vars)
  grads, _ = tf.clip_by_global_norm(grads, FLAGS.max_grad_norm)
  train_op = optimizer.apply_gradients(zip(grads, variables), global_step=global_step)

  print("state size", core.state_size, "output size", core.output_size)
  print("core variables:", len(core.get_variables()), "model variables:",
        len(snt.get_variables_in_module(model)), "with submodules:",
        len(model.get_all_variables()))
  losses, accuracies = [], []
  with tf.train.MonitoredSession() as sess:
    for step in range(FLAGS.num_steps):
      _, loss_value, accuracy_value = sess.run([train_op, loss, accuracy])
      losses.append(loss_value)
      accuracies.append(accuracy_value)
      if FLAGS.report_every and step % FLAGS.report_every == 0:
        print("step %d: loss %.4f accuracy %.3f" % (step, loss_value, accuracy_value))
  window = max(1, min(10, len(losses) // 4))
  print("chance loss %.4f" % np.log(num_objects))
  print("first_loss %.4f" % np.mean(losses[:window]))
  print("final_loss %.4f" % np.mean(losses[-window:]))
  print("final_accuracy %.4f" % np.mean(accuracies[-window:]))


if __name__ == "__main__":
  app.run(main)
