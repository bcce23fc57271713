# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Warps a synthetic test image with `snt.resampler` and checks gradients flow.

Draws a test pattern (checkerboard, rings and a colour ramp), rotates and
zooms it by sampling at transformed pixel coordinates, checks the result
against a direct numpy evaluation of the same bilinear formula, and takes one
gradient step on the warp to show gradients reach both the image and the
coordinates. Writes input and output PNGs when --output_dir is given, and both images
as TensorBoard summaries when --logdir is given. It trains nothing (one gradient step
only), so it has no optimizer and no checkpoints; see examples/digits_classifier.py.

  python examples/resampler_demo.py --output_dir=/tmp/resampler_demo
"""

import os
import sys

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

import sonnet as snt


def define_flags() -> None:
  """Defines the command-line flags; called only when run as a script, so that tests
  can import several examples into one process."""
  flags.DEFINE_integer("size", 96, "Height and width of the test image.")
  flags.DEFINE_float("angle", 30.0, "Rotation in degrees.")
  flags.DEFINE_float("zoom", 1.25, "Zoom factor (>1 magnifies).")
  flags.DEFINE_string("output_dir", None,
                      "Where to write input.png and warped.png.")
  flags.DEFINE_string("logdir", None, "Write the images as TensorBoard summaries here.")


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


def test_pattern(size: int) -> np.ndarray:
  """Returns a [size, size, 3] float32 image in [0, 1]."""
  y, x = np.mgrid[0:size, 0:size].astype(np.float32)
  checker = ((x // 8 + y // 8) % 2).astype(np.float32)
  radius = np.hypot(x - size / 2, y - size / 2)
  rings = 0.5 + 0.5 * np.cos(radius / 3.0)
  ramp = x / (size - 1)
  return np.stack([checker, rings, ramp], axis=-1).astype(np.float32)


def rotation_warp(size: int, angle_degrees: float, zoom: float) -> np.ndarray:
  """Returns [size, size, 2] (x, y) sampling coordinates of a rotated zoom."""
  centre = (size - 1) / 2.0
  y, x = np.mgrid[0:size, 0:size].astype(np.float32)
  theta = np.deg2rad(angle_degrees)
  u, v = (x - centre) / zoom, (y - centre) / zoom
  source_x = np.cos(theta) * u - np.sin(theta) * v + centre
  source_y = np.sin(theta) * u + np.cos(theta) * v + centre
  return np.stack([source_x, source_y], axis=-1).astype(np.float32)


def bilinear_reference(image: np.ndarray, warp: np.ndarray) -> np.ndarray:
  """Zero-padded bilinear sampling in numpy (for checking the op)."""
  height, width, _ = image.shape
  padded = np.pad(image, ((1, 1), (1, 1), (0, 0)))
  x, y = warp[..., 0], warp[..., 1]
  inside = (x > -1) & (x < width) & (y > -1) & (y < height)
  x, y = np.where(inside, x, -1), np.where(inside, y, -1)
  x0, y0 = np.floor(x), np.floor(y)
  ax, ay = (x - x0)[..., None], (y - y0)[..., None]
  x0, y0 = x0.astype(int) + 1, y0.astype(int) + 1
  x1, y1 = np.minimum(x0 + 1, width + 1), np.minimum(y0 + 1, height + 1)
  out = ((1 - ax) * (1 - ay) * padded[y0, x0] + ax * (1 - ay) * padded[y0, x1]
         + (1 - ax) * ay * padded[y1, x0] + ax * ay * padded[y1, x1])
  return np.where(inside[..., None], out, 0.0)


def save_png(path: str, image: np.ndarray) -> None:
  from PIL import Image
  Image.fromarray((np.clip(image, 0, 1) * 255).astype(np.uint8)).save(path)


def main(argv):
  del argv
  if not snt.resampler_is_available():
    snt.resampler(tf.zeros([1, 1, 1, 1]), tf.zeros([1, 1, 2]))  # Raises why.
  print("sonnet from %s, TensorFlow %s" % (os.path.dirname(snt.__file__),
                                          tf.__version__))
  size = flags.FLAGS.size
  image = test_pattern(size)
  warp = rotation_warp(size, flags.FLAGS.angle, flags.FLAGS.zoom)

  data = tf.constant(image[None])
  coords = tf.Variable(warp[None])
  with tf.GradientTape(persistent=True) as tape:
    tape.watch(data)
    warped = snt.resampler(data, coords)
    loss = tf.reduce_mean(tf.square(warped - data))
  grad_data, grad_warp = tape.gradient(loss, [data, coords])

  expected = bilinear_reference(image, warp)
  max_error = float(np.max(np.abs(warped.numpy()[0] - expected)))
  print("warped %s image %s -> %s, max |op - numpy| = %.2e" %
        (tuple(image.shape), tuple(data.shape), tuple(warped.shape), max_error))
  if max_error > 1e-5:
    raise SystemExit("resampler output disagrees with the numpy reference")
  print("loss %.5f, |grad data| %.4e, |grad warp| %.4e" %
        (float(loss), float(tf.norm(grad_data)), float(tf.norm(grad_warp))))
  if not (np.isfinite(grad_warp.numpy()).all() and float(tf.norm(grad_warp)) > 0
          and float(tf.norm(grad_data)) > 0):
    raise SystemExit("gradients do not flow through the resampler")
  coords.assign_sub(10.0 * grad_warp)  # One descent step on the coordinates.
  new_loss = float(tf.reduce_mean(tf.square(snt.resampler(data, coords) - data)))
  print("after one gradient step on the warp: loss %.5f (was %.5f)" %
        (new_loss, float(loss)))

  if flags.FLAGS.output_dir:
    os.makedirs(flags.FLAGS.output_dir, exist_ok=True)
    save_png(os.path.join(flags.FLAGS.output_dir, "input.png"), image)
    save_png(os.path.join(flags.FLAGS.output_dir, "warped.png"), warped.numpy()[0])
    print("wrote input.png and warped.png to %s" % flags.FLAGS.output_dir)
  if flags.FLAGS.logdir:
    with tf.summary.create_file_writer(flags.FLAGS.logdir).as_default():
      tf.summary.image("input", image[None], step=0)
      tf.summary.image("warped", tf.clip_by_value(warped, 0.0, 1.0), step=0)
    print("wrote TensorBoard summaries to %s" % flags.FLAGS.logdir)
  print("OK: snt.resampler works and gradients flow.")


if __name__ == "__main__":
  define_flags()
  app.run(main, flags_parser=parse_flags)
