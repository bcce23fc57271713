"""Runs examples/resampler_demo.py end to end, from outside the source tree."""

import glob
import os
import subprocess
import sys
import tempfile
import unittest

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.slow
class ResamplerDemoTest(unittest.TestCase):

  def test_demo_runs_and_writes_images(self):
    with tempfile.TemporaryDirectory() as workdir:
      # The source tree first; the rest of PYTHONPATH stays (e.g. where tensorboard is).
      env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=os.pathsep.join(
          [REPO_ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
      result = subprocess.run(
          [sys.executable, os.path.join(REPO_ROOT, "examples",
                                        "resampler_demo.py"),
           "--size=32", "--output_dir=" + workdir, "--logdir=" + workdir + "/logs"],
          cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
      self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
      self.assertIn("OK: snt.resampler works and gradients flow.", result.stdout)
      for name in ("input.png", "warped.png"):
        self.assertGreater(os.path.getsize(os.path.join(workdir, name)), 0)
      self.assertEqual(len(glob.glob(os.path.join(workdir, "logs", "events.out.tfevents.*"))),
                       1)

  def test_help_exits_with_zero(self):
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, os.path.join(REPO_ROOT, "examples", "resampler_demo.py"), "--help"],
        env=env, capture_output=True, text=True, timeout=300)
    self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
    self.assertIn("--output_dir", result.stdout)


if __name__ == "__main__":
  unittest.main()
