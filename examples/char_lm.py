# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""A character-level LSTM language model trained on Python's own standard library.

The text is read at run time from the `.py` files of the running interpreter's standard
library (every machine with Python has it; nothing is copied into this repository). The
model embeds characters, runs a deep LSTM over windows of the text with
`snt.dynamic_unroll`, and predicts the next character, trained with a Keras Adam
optimizer applied to the module's `trainable_variables`. It logs the loss (in bits per
character) with absl while it trains and prints a sample at the end.

With `--checkpoint_dir` it saves the model, the optimizer and the step with
`tf.train.CheckpointManager` every `--checkpoint_every` steps, and a rerun with the same
directory resumes from the latest checkpoint (`--num_steps` is the total). With
`--logdir` it writes TensorBoard summaries of the loss and of the sample.

  python examples/char_lm.py --num_steps 500
  python examples/char_lm.py --checkpoint_dir=/tmp/char_lm --logdir=/tmp/char_lm/tb
"""

import os
import sys
import time
from typing import Any

from absl import app
from absl import flags
from absl import logging
import keras
import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import sonnet as snt


def define_flags() -> None:
  """Defines the command-line flags; called only when run as a script, so that tests
  can import several examples into one process."""
  flags.DEFINE_integer("num_steps", 500, "Training steps.")
  flags.DEFINE_integer("batch_size", 32, "Windows per batch.")
  flags.DEFINE_integer("unroll_length", 64, "Characters per window.")
  flags.DEFINE_integer("hidden_size", 128, "LSTM hidden size.")
  flags.DEFINE_integer("num_layers", 2, "Number of stacked LSTMs.")
  flags.DEFINE_float("learning_rate", 5e-3, "Adam learning rate.")
  flags.DEFINE_integer("max_chars", 400_000, "Characters of text to read.")
  flags.DEFINE_integer("sample_length", 300, "Characters to sample.")
  flags.DEFINE_integer("log_every", 50, "Print the loss every N steps.")
  flags.DEFINE_integer("seed", 0, "Random seed.")
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

# Printable ASCII plus newline; anything else becomes '?'.
VOCAB = "\n" + "".join(chr(c) for c in range(32, 127))
UNKNOWN = VOCAB.index("?")


def load_stdlib_text(max_chars: int, seed: int = 0) -> str:
  """Reads up to `max_chars` characters of the standard library's Python sources."""
  stdlib = os.path.dirname(os.__file__)
  paths = sorted(os.path.join(stdlib, f) for f in os.listdir(stdlib) if f.endswith(".py"))
  np.random.RandomState(seed).shuffle(paths)
  chunks: list[str] = []
  total = 0
  for path in paths:
    try:
      with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    except OSError:
      continue
    chunks.append(text)
    total += len(text)
    if total >= max_chars:
      break
  if not chunks:
    raise RuntimeError(f"No Python sources found in {stdlib}")
  return "".join(chunks)[:max_chars]


def encode(text: str) -> np.ndarray:
  lookup = {c: i for i, c in enumerate(VOCAB)}
  return np.array([lookup.get(c, UNKNOWN) for c in text], np.int32)


def decode(ids) -> str:
  return "".join(VOCAB[i] for i in ids)


class CharLM(snt.AbstractModule):
  """Embedding -> deep LSTM -> logits over the vocabulary."""

  def __init__(self, hidden_size: int, num_layers: int, name: str = "char_lm"):
    super().__init__(name=name)
    with self._enter_variable_scope():
      self._embed = snt.Embed(len(VOCAB), 32)
      self.core = snt.DeepRNN([snt.LSTM(hidden_size, name="lstm_%d" % i)
                               for i in range(num_layers)], skip_connections=False)
      self._readout = snt.Linear(len(VOCAB), allow_many_batch_dims=True, name="readout")

  def _build(self, ids: tf.Tensor, state: Any):
    """ids: time-major `[T, B]` ints. Returns logits `[T, B, V]` and the final state."""
    outputs, final_state = snt.dynamic_unroll(self.core, self._embed(ids), state)
    return self._readout(outputs), final_state

  def step(self, ids: tf.Tensor, state: Any):
    """One character per sequence: ids `[B]`. Returns logits `[B, V]`, next state."""
    logits, state = self(ids[tf.newaxis], state)
    return logits[0], state


def train_and_sample(num_steps: int = 500, batch_size: int = 32, unroll_length: int = 64,
                     hidden_size: int = 128, num_layers: int = 2,
                     learning_rate: float = 5e-3, max_chars: int = 400_000,
                     sample_length: int = 300, log_every: int = 50,
                     seed: int = 0, checkpoint_dir: str | None = None,
                     checkpoint_every: int = 100, logdir: str | None = None) -> dict[str, Any]:
  """Trains the model (resuming from a checkpoint if there is one) and samples from it.

  Args:
    num_steps: total training steps, counting those of a resumed run.
    batch_size: windows per batch.
    unroll_length: characters per window.
    hidden_size: LSTM hidden size.
    num_layers: number of stacked LSTMs.
    learning_rate: Adam learning rate.
    max_chars: characters of text to read.
    sample_length: characters to sample.
    log_every: log the loss every this many steps (0: never).
    seed: random seed.
    checkpoint_dir: where to save checkpoints and resume from (None: no checkpoints).
    checkpoint_every: save a checkpoint every this many steps (and after the last one).
    logdir: where to write TensorBoard summaries (None: none).

  Returns:
    A dict with `first_loss` and `final_loss` (bits per character, mean of the first and
    last few steps of this call; NaN if it ran none), `start_step` (0, or the step
    restored from a checkpoint), `step` (the step reached), `sample` (the text sampled
    after the prompt), `model` (the trained `CharLM`) and `seconds`.
  """
  tf.random.set_seed(seed)
  rng = np.random.RandomState(seed)
  data = encode(load_stdlib_text(max_chars, seed))
  model = CharLM(hidden_size, num_layers)
  optimizer = keras.optimizers.Adam(learning_rate)
  step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
  # Create the variables (one connection) and the optimizer's moments, so that a
  # checkpoint restores into existing variables.
  model(tf.zeros([1, 1], tf.int32), model.core.initial_state(1))
  optimizer.build(model.trainable_variables)

  @tf.function(input_signature=[tf.TensorSpec([unroll_length + 1, batch_size], tf.int32)])
  def train_step(windows):
    with tf.GradientTape() as tape:
      state = model.core.initial_state(batch_size)
      logits, _ = model(windows[:-1], state)
      loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
          labels=windows[1:], logits=logits))
    variables = model.trainable_variables
    grads, _ = tf.clip_by_global_norm(tape.gradient(loss, variables), 5.0)
    optimizer.apply_gradients(zip(grads, variables))
    step.assign_add(1)
    return loss / np.log(2.0)

  manager = None
  if checkpoint_dir:
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, step=step)
    manager = tf.train.CheckpointManager(checkpoint, checkpoint_dir, max_to_keep=3)
    if manager.latest_checkpoint:
      # Checks every shape before changing anything (see docs/module_core.md).
      snt.restore_checkpoint(checkpoint, manager.latest_checkpoint).assert_consumed()
      logging.info("Restored %s (step %d)", manager.latest_checkpoint, int(step))
  start_step = int(step)
  for _ in range(start_step):  # Skip the windows already trained on.
    rng.randint(0, len(data) - unroll_length - 1, size=batch_size)
  writer = tf.summary.create_file_writer(logdir) if logdir else None

  start = time.time()
  losses = []
  while int(step) < num_steps:
    offsets = rng.randint(0, len(data) - unroll_length - 1, size=batch_size)
    windows = np.stack([data[o:o + unroll_length + 1] for o in offsets], axis=1)
    losses.append(float(train_step(windows)))
    current = int(step)
    if log_every and (current % log_every == 0 or current == start_step + 1):
      logging.info("step %5d/%d  loss %.3f bits/char  (%.0f s)", current, num_steps,
                   losses[-1], time.time() - start)
      if writer:
        with writer.as_default():
          tf.summary.scalar("loss_bits_per_char", losses[-1], step=current)
    if manager and (current % checkpoint_every == 0 or current == num_steps):
      logging.info("Saved %s", manager.save(checkpoint_number=current))

  @tf.function
  def sample_step(ids, state, temperature):
    logits, state = model.step(ids, state)
    next_ids = tf.random.categorical(logits / temperature, 1, dtype=tf.int32)[:, 0]
    return next_ids, state

  prompt = "def "
  state = model.core.initial_state(1)
  ids = tf.constant(encode(prompt)[:1])
  for char in encode(prompt)[1:]:
    _, state = sample_step(ids, state, 1.0)
    ids = tf.constant([char])
  sampled = []
  for _ in range(sample_length):
    ids, state = sample_step(ids, state, tf.constant(0.7))
    sampled.append(int(ids[0]))
  window = min(10, len(losses))
  sample = prompt + decode(sampled)
  if writer:
    with writer.as_default():
      tf.summary.text("sample", sample, step=int(step))
    writer.flush()
  nan = float("nan")
  return {"first_loss": float(np.mean(losses[:window])) if losses else nan,
          "final_loss": float(np.mean(losses[-window:])) if losses else nan,
          "start_step": start_step, "step": int(step),
          "sample": sample, "model": model, "seconds": time.time() - start}


def main(argv):
  del argv
  options = flags.FLAGS
  result = train_and_sample(
      num_steps=options.num_steps, batch_size=options.batch_size,
      unroll_length=options.unroll_length, hidden_size=options.hidden_size,
      num_layers=options.num_layers, learning_rate=options.learning_rate,
      max_chars=options.max_chars, sample_length=options.sample_length,
      log_every=options.log_every, seed=options.seed,
      checkpoint_dir=options.checkpoint_dir, checkpoint_every=options.checkpoint_every,
      logdir=options.logdir)
  print("\nloss: {:.3f} -> {:.3f} bits/char in {:.0f}s\n\nSample:\n{}".format(
      result["first_loss"], result["final_loss"], result["seconds"], result["sample"]))


if __name__ == "__main__":
  define_flags()
  app.run(main, flags_parser=parse_flags)
