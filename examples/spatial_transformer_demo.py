# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
r"""A spatial transformer network learns to undo distortions of handwritten digits.

The data are scikit-learn's 8x8 digits (shipped with scikit-learn, no download),
placed on a larger canvas at random rotations, sizes and positions. Two classifiers
with the same ConvNet are trained side by side on the same batches:

* the baseline sees the distorted canvas;
* the spatial transformer first runs a small localisation network that predicts an
  affine transform (initialised to the identity), samples the canvas with
  `snt.AffineGridWarper` + `snt.resampler`, and classifies what it sampled. Gradients
  flow through the sampling coordinates into the localisation network.

Both train with Keras Adam optimizers applied to the modules' variables. The demo logs
progress, reports the test accuracy of both, and writes a PNG showing test inputs next to
what the transformer made of them. With `--checkpoint_dir` it saves both models, the
optimizers and the step with `tf.train.CheckpointManager` every `--checkpoint_every` steps
and a rerun resumes from the latest checkpoint (`--steps` is the total); with `--logdir` it
writes TensorBoard summaries.

  python examples/spatial_transformer_demo.py
  python examples/spatial_transformer_demo.py --steps=3000 --output_path=/tmp/stn.png

With a fixed --seed the numbers are reproducible on the same machine and thread
count (see `docs/spatial_transformer.md`).
"""

from collections.abc import Sequence
import dataclasses
import os
import sys
import time

from absl import app
from absl import flags
from absl import logging
import keras
import numpy as np
import tensorflow as tf

import sonnet as snt

try:
  from PIL import Image
  from PIL import ImageDraw
  from PIL import ImageFont
  from sklearn import datasets
except ImportError as error:
  raise ImportError("The spatial transformer demo needs scikit-learn (for its digits) "
                    "and Pillow (to write the picture): pip install scikit-learn "
                    f"pillow ({error})") from error

_DEFAULT_OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output",
                               "spatial_transformer_demo.png")

def define_flags() -> None:
  """Defines the command-line flags; called only when run as a script, so that tests
  can import several examples into one process."""
  flags.DEFINE_integer("steps", 3000, "Training steps (both models).")
  flags.DEFINE_integer("batch_size", 64, "Training batch size.")
  flags.DEFINE_string("output_path", _DEFAULT_OUTPUT,
                      "Where to write the PNG picture.")
  flags.DEFINE_integer("seed", 0, "Seed of every random choice (data and init).")
  flags.DEFINE_float("learning_rate", 2e-3, "Adam learning rate.")
  flags.DEFINE_integer("canvas_size", 32, "Height and width of the canvas.")
  flags.DEFINE_integer("log_every", 100, "Log progress every this many steps.")
  flags.DEFINE_integer(
      "num_threads", 0, "TensorFlow intra- and inter-op threads (0: TensorFlow's default).")
  flags.DEFINE_bool(
      "deterministic", True, "Enable TensorFlow op determinism for reproducible numbers.")
  flags.DEFINE_string("checkpoint_dir", None,
                      "Save checkpoints here and resume from the latest one (optional).")
  flags.DEFINE_integer("checkpoint_every", 500, "Save a checkpoint every this many steps.")
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
DIGIT_SIZE = 8  # scikit-learn's digits are 8x8.
# The canvases are mostly blank (pixel standard deviation about 0.2): the networks
# scale them to about unit variance, so that learning starts at once.
INPUT_SCALE = 5.0


@dataclasses.dataclass
class Config:
  """Settings of one run (the flags, for use from Python)."""
  steps: int = 3000
  batch_size: int = 64
  seed: int = 0
  learning_rate: float = 2e-3
  localisation_learning_rate_scale: float = 0.1
  canvas_size: int = 32
  log_every: int = 100
  output_path: str | None = _DEFAULT_OUTPUT
  test_distortions: int = 4  # Distorted copies of every test digit.
  picture_columns: int = 10
  # Distortions: rotation in degrees, apparent digit size as a fraction of the canvas.
  max_rotation: float = 60.0
  min_digit_fraction: float = 0.3
  max_digit_fraction: float = 0.55
  checkpoint_dir: str | None = None  # Save checkpoints here and resume from them.
  checkpoint_every: int = 500
  logdir: str | None = None  # TensorBoard summaries.


# --- Data ----------------------------------------------------------------------------


def load_digits(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
  """Returns train/test digits `[N, 8, 8, 1]` in [0, 1] and labels, split by `seed`."""
  digits = datasets.load_digits()
  images = (digits.images / 16.0).astype(np.float32)[..., None]
  labels = digits.target.astype(np.int32)
  order = np.random.RandomState(seed).permutation(len(labels))
  num_test = len(labels) // 4
  test, train = order[:num_test], order[num_test:]
  return images[train], labels[train], images[test], labels[test]


def placement_params(rotation: np.ndarray, digit_fraction: np.ndarray,
                     centre: np.ndarray) -> np.ndarray:
  """Affine parameters that draw a digit on the canvas.

  An `AffineGridWarper` maps each canvas point `u` (normalised coordinates) to the digit
  point `v = M u + t`. To draw the digit rotated by `rotation`, spanning `digit_fraction`
  of the canvas and centred at `centre`, invert that placement:
  `v = R(-rotation) (u - centre) / digit_fraction`.

  Args:
    rotation: `[N]` angles in radians.
    digit_fraction: `[N]` digit sizes relative to the canvas.
    centre: `[N, 2]` centres in normalised canvas coordinates (x, y).

  Returns:
    `[N, 6]` float32 parameters `[a, b, tx, c, d, ty]`.
  """
  cos, sin = np.cos(rotation), np.sin(rotation)
  inv = 1.0 / digit_fraction
  a, b = cos * inv, sin * inv  # R(-rotation) / digit_fraction.
  c, d = -sin * inv, cos * inv
  tx = -(a * centre[:, 0] + b * centre[:, 1])
  ty = -(c * centre[:, 0] + d * centre[:, 1])
  return np.stack([a, b, tx, c, d, ty], axis=1).astype(np.float32)


def sample_placements(rng: np.random.RandomState, count: int, config: Config) -> np.ndarray:
  """Random rotations, sizes and positions (keeping the digit on the canvas)."""
  rotation = np.radians(rng.uniform(-config.max_rotation, config.max_rotation, count))
  fraction = rng.uniform(config.min_digit_fraction, config.max_digit_fraction, count)
  # The ink of a digit stays within its box's inscribed circle, rotated or not.
  room = np.maximum(1.0 - fraction, 0.0)[:, None]
  centre = rng.uniform(-1.0, 1.0, size=[count, 2]) * room
  return placement_params(rotation, fraction, centre)


def centred_placements(count: int, config: Config) -> np.ndarray:
  """Upright digits in the middle of the canvas, at the largest size."""
  return placement_params(np.zeros(count), np.full(count, config.max_digit_fraction),
                          np.zeros([count, 2]))


class CanvasRenderer(snt.AbstractModule):
  """Draws 8x8 digits on a canvas with given placement parameters."""

  def __init__(self, canvas_size: int, name: str = "canvas_renderer"):
    super().__init__(name=name)
    with self._enter_variable_scope():
      self._warper = snt.AffineGridWarper([DIGIT_SIZE, DIGIT_SIZE],
                                          [canvas_size, canvas_size])

  def _build(self, digits: tf.Tensor, placements: tf.Tensor) -> tf.Tensor:
    return snt.resampler(digits, self._warper(placements))


# --- Models --------------------------------------------------------------------------


class Classifier(snt.AbstractModule):
  """A small ConvNet: two strided 5x5 convolutions, a hidden layer, logits."""

  def __init__(self, name: str = "classifier"):
    super().__init__(name=name)
    with self._enter_variable_scope():
      self._convnet = snt.nets.ConvNet2D(
          output_channels=[16, 32], kernel_shapes=[5], strides=[2], paddings=["SAME"],
          activate_final=True)
      self._hidden = snt.Linear(64, name="hidden")
      self._logits = snt.Linear(NUM_CLASSES, name="logits")

  def _build(self, images: tf.Tensor) -> tf.Tensor:
    features = self._convnet(images * INPUT_SCALE)
    features = tf.reshape(features, [tf.shape(features)[0], -1])
    return self._logits(tf.nn.relu(self._hidden(features)))


class SpatialTransformerClassifier(snt.AbstractModule):
  """A localisation network, an affine grid warper and the resampler, then a Classifier."""

  def __init__(self, canvas_size: int, name: str = "spatial_transformer_classifier"):
    super().__init__(name=name)
    identity = np.array([1.0, 0.0, 0.0, 0.0, 1.0, 0.0], dtype=np.float32)
    with self._enter_variable_scope():
      self._localisation_convnet = snt.nets.ConvNet2D(
          output_channels=[8, 16], kernel_shapes=[5], strides=[2], paddings=["SAME"],
          activate_final=True, name="localisation_convnet")
      self._localisation_hidden = snt.Linear(32, name="localisation_hidden")
      # Zero weights and an identity bias: training starts from the identity warp.
      self._localisation_params = snt.Linear(
          6, name="localisation_params",
          initializers={"w": tf.zeros_initializer(),
                        "b": tf.constant_initializer(identity)})
      self._warper = snt.AffineGridWarper([canvas_size, canvas_size],
                                          [canvas_size, canvas_size])
      self._classifier = Classifier()

  @property
  def localisation_variables(self) -> tuple[tf.Variable, ...]:
    """The variables of the localisation network (after the first call)."""
    return sum((module.trainable_variables for module in (
        self._localisation_convnet, self._localisation_hidden,
        self._localisation_params)), ())

  @property
  def classifier_variables(self) -> tuple[tf.Variable, ...]:
    """The variables of the classifier (after the first call)."""
    return self._classifier.trainable_variables

  def transform(self, images: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Returns the warped images and the predicted affine parameters."""
    features = self._localisation_convnet(images * INPUT_SCALE)
    features = tf.reshape(features, [tf.shape(features)[0], -1])
    params = self._localisation_params(tf.nn.relu(self._localisation_hidden(features)))
    return snt.resampler(images, self._warper(params)), params

  def _build(self, images: tf.Tensor) -> tf.Tensor:
    warped, _ = self.transform(images)
    return self._classifier(warped)


# --- Training ------------------------------------------------------------------------


def _accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
  return float(np.mean(np.argmax(logits, axis=1) == labels))


def _predict(fn, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
  return np.concatenate([fn(tf.constant(images[i:i + batch_size])).numpy()
                         for i in range(0, len(images), batch_size)])


def run(config: Config) -> dict[str, object]:
  """Trains both classifiers, evaluates them and writes the picture.

  Args:
    config: the settings.

  Returns:
    A dict with `losses` and `train_accuracy` (`[steps run, 2]`: transformer, baseline;
    a resumed run has only the steps after its checkpoint), `start_step` (0, or the step
    restored from a checkpoint), `test_accuracy` and `baseline_test_accuracy`, `seconds`
    (training time) and `output_path`.
  """
  tf.random.set_seed(config.seed)
  rng = np.random.RandomState(config.seed)
  train_x, train_y, test_x, test_y = load_digits(config.seed)
  renderer = CanvasRenderer(config.canvas_size)

  # A fixed distorted test set (its own random stream, so it does not depend on steps).
  test_rng = np.random.RandomState(config.seed + 1)
  test_digits = np.repeat(test_x, config.test_distortions, axis=0)
  test_labels = np.repeat(test_y, config.test_distortions, axis=0)
  test_canvases = renderer(test_digits, sample_placements(
      test_rng, len(test_digits), config)).numpy()

  transformer = SpatialTransformerClassifier(config.canvas_size)
  baseline = Classifier(name="baseline")
  # Connect once to create the variables, then build the optimisers.
  transformer(test_canvases[:1])
  baseline(test_canvases[:1])
  # Keras optimizers update the modules' plain `tf.Variable`s. The localisation network
  # learns more slowly: large early steps can send the sampling grid off the digit, where
  # no gradient brings it back.
  adam = keras.optimizers.Adam
  optimisers = [
      (adam(config.learning_rate), transformer.classifier_variables),
      (adam(config.learning_rate * config.localisation_learning_rate_scale),
       transformer.localisation_variables),
      (adam(config.learning_rate), baseline.trainable_variables)]
  assert len(transformer.trainable_variables) == len(
      optimisers[0][1] + optimisers[1][1])
  for optimiser, variables in optimisers:
    optimiser.build(variables)  # Creates the moments now, so that a checkpoint has them.
  step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
  manager = None
  if config.checkpoint_dir:
    checkpoint = tf.train.Checkpoint(
        transformer=transformer, baseline=baseline, step=step,
        optimisers=[optimiser for optimiser, _ in optimisers])
    manager = tf.train.CheckpointManager(checkpoint, config.checkpoint_dir, max_to_keep=3)
    if manager.latest_checkpoint:
      # Checks every shape before changing anything (see docs/module_core.md).
      snt.restore_checkpoint(checkpoint, manager.latest_checkpoint).assert_consumed()
      logging.info("Restored %s (step %d)", manager.latest_checkpoint, int(step))
  start_step = int(step)
  for _ in range(start_step):  # Skip the batches already trained on.
    rng.randint(0, len(train_y), size=config.batch_size)
    sample_placements(rng, config.batch_size, config)
  writer = tf.summary.create_file_writer(config.logdir) if config.logdir else None
  logging.info("Transformer classifier: %d parameters; baseline: %d parameters.",
               sum(int(np.prod(v.shape)) for v in transformer.trainable_variables),
               sum(int(np.prod(v.shape)) for v in baseline.trainable_variables))

  @tf.function
  def train_step(digits, labels, placements):
    canvases = renderer(digits, placements)
    losses, correct = [], []
    for model, model_optimisers in ((transformer, optimisers[:2]),
                                    (baseline, optimisers[2:])):
      with tf.GradientTape() as tape:
        logits = model(canvases)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=logits))
      gradients = tape.gradient(
          loss, [variables for _, variables in model_optimisers])
      for (optimiser, variables), grads in zip(model_optimisers, gradients):
        optimiser.apply_gradients(zip(grads, variables))
      losses.append(loss)
      correct.append(tf.reduce_mean(tf.cast(
          tf.equal(tf.argmax(logits, axis=1, output_type=tf.int32), labels), tf.float32)))
    step.assign_add(1)
    return tf.stack(losses), tf.stack(correct)

  num_steps = max(config.steps - start_step, 0)
  losses = np.zeros([num_steps, 2], dtype=np.float32)
  train_accuracy = np.zeros([num_steps, 2], dtype=np.float32)
  start = last_log = time.time()
  for index in range(num_steps):
    batch = rng.randint(0, len(train_y), size=config.batch_size)
    placements = sample_placements(rng, config.batch_size, config)
    step_losses, step_accuracy = train_step(
        tf.constant(train_x[batch]), tf.constant(train_y[batch]), tf.constant(placements))
    losses[index], train_accuracy[index] = step_losses.numpy(), step_accuracy.numpy()
    current = start_step + index + 1
    if current % config.log_every == 0 or current == config.steps:
      window = slice(max(0, index + 1 - config.log_every), index + 1)
      now = time.time()
      mean_loss, mean_accuracy = losses[window].mean(axis=0), train_accuracy[window].mean(axis=0)
      logging.info(
          "step %d/%d  loss: transformer %.3f, baseline %.3f  train accuracy: "
          "transformer %.1f%%, baseline %.1f%%  (%.1f steps/s)",
          current, config.steps, *mean_loss, *(100 * mean_accuracy),
          (index + 1 - window.start) / max(now - last_log, 1e-9))
      last_log = now
      if writer:
        with writer.as_default():
          for k, name in enumerate(("transformer", "baseline")):
            tf.summary.scalar(f"loss/{name}", mean_loss[k], step=current)
            tf.summary.scalar(f"train_accuracy/{name}", mean_accuracy[k], step=current)
    if manager and (current % config.checkpoint_every == 0 or current == config.steps):
      logging.info("Saved %s", manager.save(checkpoint_number=current))
  seconds = time.time() - start

  predict_transformer = tf.function(transformer)
  predict_baseline = tf.function(baseline)
  test_accuracy = _accuracy(_predict(predict_transformer, test_canvases), test_labels)
  baseline_accuracy = _accuracy(_predict(predict_baseline, test_canvases), test_labels)
  logging.info("Test accuracy on %d distorted digits: spatial transformer %.2f%%, "
               "baseline %.2f%% (training took %.1f s).", len(test_labels),
               100 * test_accuracy, 100 * baseline_accuracy, seconds)
  if writer:
    with writer.as_default():
      tf.summary.scalar("test_accuracy/transformer", test_accuracy, step=int(step))
      tf.summary.scalar("test_accuracy/baseline", baseline_accuracy, step=int(step))
    writer.flush()

  if config.output_path:
    columns = config.picture_columns
    # One example of each class where possible, so that the picture shows them all.
    picks = [int(np.flatnonzero(test_labels == k)[0]) for k in range(columns)
             if np.any(test_labels == k)]
    inputs = test_canvases[picks]
    warped, _ = transformer.transform(tf.constant(inputs))
    references = renderer(test_digits[picks], centred_placements(len(picks), config))
    write_picture(config.output_path, references.numpy(), inputs, warped.numpy(),
                  predictions=(np.argmax(predict_transformer(inputs).numpy(), axis=1),
                               np.argmax(predict_baseline(inputs).numpy(), axis=1)),
                  labels=test_labels[picks],
                  accuracies=(test_accuracy, baseline_accuracy))
    logging.info("Wrote %s", config.output_path)
  return dict(losses=losses, train_accuracy=train_accuracy, start_step=start_step,
              test_accuracy=test_accuracy,
              baseline_test_accuracy=baseline_accuracy, seconds=seconds,
              output_path=config.output_path)


# --- Picture -------------------------------------------------------------------------


def _font(size: int) -> ImageFont.ImageFont:
  try:
    return ImageFont.load_default(size=size)
  except (TypeError, OSError, ImportError):  # Pillow without FreeType: fixed size.
    return ImageFont.load_default()


def write_picture(path: str, references: np.ndarray, inputs: np.ndarray,
                  warped: np.ndarray, predictions: tuple[np.ndarray, np.ndarray],
                  labels: np.ndarray, accuracies: tuple[float, float],
                  zoom: int = 4) -> None:
  """Writes a PNG: rows of upright digits, distorted inputs and transformer outputs.

  Args:
    path: the PNG file to write (its directory is created).
    references: `[K, S, S, 1]` the digits drawn upright in the middle of the canvas.
    inputs: `[K, S, S, 1]` the distorted test inputs.
    warped: `[K, S, S, 1]` what the transformer sampled from the inputs.
    predictions: the classes predicted by the transformer and by the baseline, `[K]`.
    labels: the true classes, `[K]`.
    accuracies: the test accuracies of the transformer and of the baseline.
    zoom: the magnification of every pixel.
  """
  rows = [("digit", references), ("distorted input", inputs),
          ("transformer output", warped)]
  count, size = inputs.shape[0], inputs.shape[1] * zoom
  margin, label_width, title_height, caption_height = 8, 170, 56, 44
  width = label_width + count * (size + margin) + margin
  height = title_height + len(rows) * (size + margin) + caption_height
  picture = Image.new("RGB", (width, height), "white")
  draw = ImageDraw.Draw(picture)
  big, small = _font(18), _font(13)
  draw.text((margin, 6), "Spatial transformer on distorted digits: test accuracy "
            f"{100 * accuracies[0]:.1f}%, same ConvNet without it {100 * accuracies[1]:.1f}%",
            fill="black", font=big)
  draw.text((margin, 32), "Top: the digit. Middle: the distorted test input that both "
            "classifiers get. Bottom: what the spatial transformer sampled from it.",
            fill=(80, 80, 80), font=small)
  for r, (name, images) in enumerate(rows):
    top = title_height + r * (size + margin)
    draw.text((margin, top + size // 2 - 8), name, fill="black", font=small)
    for c in range(count):
      pixels = np.clip(images[c, ..., 0], 0.0, 1.0)
      tile = Image.fromarray((255 * (1.0 - pixels)).astype(np.uint8), "L")
      tile = tile.resize((size, size), Image.NEAREST)
      left = label_width + margin + c * (size + margin)
      picture.paste(tile, (left, top))
      draw.rectangle([left - 1, top - 1, left + size, top + size], outline=(190, 190, 190))
  caption_top = title_height + len(rows) * (size + margin)
  draw.text((margin, caption_top), "label", fill="black", font=small)
  draw.text((margin, caption_top + 18), "predicted (STN / plain)", fill="black", font=small)
  for c in range(count):
    left = label_width + margin + c * (size + margin)
    stn, plain = predictions[0][c], predictions[1][c]
    draw.text((left, caption_top), f"{labels[c]}", fill="black", font=small)
    draw.text((left, caption_top + 18), f"{stn} / {plain}",
              fill=(0, 120, 0) if stn == labels[c] else (200, 0, 0), font=small)
  directory = os.path.dirname(os.path.abspath(path))
  os.makedirs(directory, exist_ok=True)
  picture.save(path)


def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  options = flags.FLAGS
  for name, minimum in (("steps", 0), ("batch_size", 1), ("canvas_size", DIGIT_SIZE),
                        ("log_every", 1), ("num_threads", 0), ("checkpoint_every", 1)):
    if options[name].value < minimum:
      raise app.UsageError(
          f"--{name} must be at least {minimum}, got {options[name].value}.")
  if not options.learning_rate > 0:
    raise app.UsageError(f"--learning_rate must be positive, got {options.learning_rate}.")
  if options.num_threads:
    tf.config.threading.set_intra_op_parallelism_threads(options.num_threads)
    tf.config.threading.set_inter_op_parallelism_threads(options.num_threads)
  if options.deterministic:
    tf.config.experimental.enable_op_determinism()
  if not snt.resampler_is_available():
    raise app.UsageError("snt.resampler is not available: build and install the wheel "
                         "first (see the README).")
  config = Config(steps=options.steps, batch_size=options.batch_size, seed=options.seed,
                  learning_rate=options.learning_rate, canvas_size=options.canvas_size,
                  log_every=options.log_every, output_path=options.output_path,
                  checkpoint_dir=options.checkpoint_dir,
                  checkpoint_every=options.checkpoint_every, logdir=options.logdir)
  run(config)


if __name__ == "__main__":
  define_flags()
  app.run(main, flags_parser=parse_flags)
