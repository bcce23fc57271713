# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""A short run of the spatial transformer demo (tiny sizes, few steps)."""

import dataclasses
import glob
import os
import subprocess
import sys

from absl.testing import absltest
import numpy as np
from PIL import Image
import spatial_transformer_demo as demo
import tensorflow as tf

import sonnet as snt

_DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                     "spatial_transformer_demo.py")
_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _require_resampler(test):
  # Fails rather than skips: CI builds the op library first (tools/test.sh).
  test.assertTrue(snt.resampler_is_available(),
                  "the resampler op library is not built (run `bash tools/test.sh`)")


class DataTest(tf.test.TestCase):

  def test_placement_params_draw_the_digit_where_asked(self):
    # A digit 0.5 of the canvas wide, centred at (0.4, -0.2), rotated by 90 degrees:
    # the canvas point centre + R(90°) * fraction * v must map back to digit point v.
    params = demo.placement_params(np.array([np.pi / 2]), np.array([0.5]),
                                   np.array([[0.4, -0.2]]))
    matrix = params.reshape(2, 3)
    for v in [np.array([1.0, 0.0]), np.array([0.3, -0.7])]:
      rotated = np.array([[0.0, -1.0], [1.0, 0.0]]) @ v
      u = np.array([0.4, -0.2]) + 0.5 * rotated
      self.assertAllClose(matrix[:, :2] @ u + matrix[:, 2], v, atol=1e-6)

  def test_data_split(self):
    train_x, train_y, test_x, test_y = demo.load_digits(seed=0)
    self.assertEqual(train_x.shape[1:], (8, 8, 1))
    self.assertEqual(len(train_x) + len(test_x), 1797)
    self.assertLessEqual(train_x.max(), 1.0)
    self.assertEqual(set(np.unique(test_y)), set(range(10)))
    self.assertEqual(len(train_y), len(train_x))

  def test_canvas_keeps_the_digit(self):
    _require_resampler(self)
    config = demo.Config(canvas_size=24)
    _, _, test_x, _ = demo.load_digits(seed=0)
    rng = np.random.RandomState(0)
    canvases = demo.CanvasRenderer(24)(test_x[:16], demo.sample_placements(rng, 16, config))
    self.assertEqual(canvases.shape, (16, 24, 24, 1))
    # Every canvas shows its digit, and bilinear sampling creates no values above 1.
    ink = canvases.numpy().sum(axis=(1, 2, 3))
    self.assertTrue(np.all(ink > 0.0))
    self.assertLessEqual(canvases.numpy().max(), 1.0 + 1e-6)


class ShortRunTest(tf.test.TestCase):

  def test_training_reduces_the_loss_and_writes_the_picture(self):
    _require_resampler(self)
    path = os.path.join(self.get_temp_dir(), "picture", "stn.png")
    # Mild distortions, so that 40 steps of a tiny model are enough to learn something.
    config = demo.Config(steps=40, batch_size=32, canvas_size=16, log_every=20,
                         learning_rate=3e-3, test_distortions=1, picture_columns=6,
                         max_rotation=10.0, min_digit_fraction=0.7,
                         max_digit_fraction=0.9, output_path=path)
    result = demo.run(config)
    losses = result["losses"]
    self.assertEqual(losses.shape, (40, 2))
    self.assertTrue(np.all(np.isfinite(losses)))
    # Both models learn: the loss of the last steps is clearly below that of the first.
    first, last = losses[:5].mean(axis=0), losses[-5:].mean(axis=0)
    self.assertTrue(np.all(last < first - 0.5), f"first {first}, last {last}")
    self.assertAllInRange([result["test_accuracy"], result["baseline_test_accuracy"]],
                          0.0, 1.0)
    self.assertTrue(os.path.exists(path))
    with Image.open(path) as picture:
      self.assertEqual(picture.format, "PNG")
      self.assertEqual(picture.mode, "RGB")
      width, height = picture.size
      pixels = np.asarray(picture)
    # Six columns of 4x-zoomed 16x16 tiles, three rows of them.
    self.assertGreater(width, 6 * 64)
    self.assertGreater(height, 3 * 64)
    self.assertGreater(pixels.std(), 10.0)  # Not blank.

  def test_checkpoint_resume_and_summaries(self):
    _require_resampler(self)
    checkpoint_dir = os.path.join(self.get_temp_dir(), "resume")
    logdir = os.path.join(self.get_temp_dir(), "logs")
    config = demo.Config(steps=6, batch_size=8, canvas_size=12, log_every=3,
                         test_distortions=1, output_path=None,
                         checkpoint_dir=checkpoint_dir, checkpoint_every=4, logdir=logdir)
    first = demo.run(config)
    self.assertEqual(first["start_step"], 0)
    self.assertEqual(tf.train.latest_checkpoint(checkpoint_dir),
                     os.path.join(checkpoint_dir, "ckpt-6"))
    # Nothing left to train: the restored weights give the same test accuracies.
    again = demo.run(config)
    self.assertEqual(again["start_step"], 6)
    self.assertEqual(again["losses"].shape, (0, 2))
    self.assertEqual(again["test_accuracy"], first["test_accuracy"])
    self.assertEqual(again["baseline_test_accuracy"], first["baseline_test_accuracy"])
    # Two more steps continue from step 6: step and the optimisers' iterations.
    more = demo.run(dataclasses.replace(config, steps=8))
    self.assertEqual(more["start_step"], 6)
    self.assertEqual(more["losses"].shape, (2, 2))
    saved = tf.train.load_checkpoint(checkpoint_dir)
    self.assertEqual(saved.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE"), 8)
    for k in range(3):
      self.assertEqual(saved.get_tensor(
          f"optimisers/{k}/_iterations/.ATTRIBUTES/VARIABLE_VALUE"), 8)
    events = glob.glob(os.path.join(logdir, "events.out.tfevents.*"))
    self.assertNotEmpty(events)
    tags = {value.tag for path in events for event in tf.compat.v1.train.summary_iterator(path)
            for value in event.summary.value}
    self.assertContainsSubset({"loss/transformer", "loss/baseline", "test_accuracy/transformer",
                               "test_accuracy/baseline"}, tags)

  def test_help_exits_with_zero(self):
    env = dict(os.environ, PYTHONPATH=_REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, _DEMO, "--help"], env=env, capture_output=True,
                            text=True, timeout=300)
    self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
    self.assertIn("--checkpoint_dir", result.stdout)
    self.assertIn("--logdir", result.stdout)

  def test_command_line_is_reproducible(self):
    _require_resampler(self)
    env = dict(os.environ, PYTHONPATH=_REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    paths = [os.path.join(self.get_temp_dir(), f"run{run}.png") for run in range(2)]
    # Both runs at once, one thread each: most of their time is start-up.
    processes = []
    for path in paths:
      processes.append(subprocess.Popen(
          [sys.executable, _DEMO, "--steps=12", "--batch_size=16", "--canvas_size=16",
           "--log_every=6", "--seed=3", f"--output_path={path}", "--num_threads=1"],
          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
      self.addCleanup(processes[-1].kill)  # No-op once it has exited.
    outputs = []
    for process, path in zip(processes, paths):
      _, stderr = process.communicate(timeout=300)
      self.assertEqual(process.returncode, 0, stderr[-3000:])
      lines = [line.split("] ", 1)[-1] for line in stderr.splitlines()
               if "loss:" in line or "Test accuracy" in line]
      self.assertLen(lines, 3, stderr[-3000:])
      outputs.append([line.split("(")[0] for line in lines])  # Drop the timings.
      self.assertTrue(os.path.exists(path))
    self.assertEqual(outputs[0], outputs[1])


if __name__ == "__main__":
  absltest.main()
