# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Tests of tools/build_api_docs.py: the API reference builds without warnings.

Builds the reference into a temporary folder in a fresh process (as the one command a user
runs) with `--strict`, so any warning pdoc emits fails the test, then checks that the pages
of the public API exist, carry the docstrings, and that `sonnet.src` gets no page.
"""

import html
import os
import subprocess
import sys
import tempfile
import unittest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD_SCRIPT = os.path.join(REPO_ROOT, "tools", "build_api_docs.py")


class BuildApiDocsTest(unittest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls._tmp = tempfile.TemporaryDirectory()
    cls.output_dir = os.path.join(cls._tmp.name, "api")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("PDOC_ALLOW_EXEC", None)  # The script's own setting is part of what is tested.
    cls.proc = subprocess.run(
        [sys.executable, BUILD_SCRIPT, f"--output_dir={cls.output_dir}", "--strict"],
        cwd=cls._tmp.name, env=env, capture_output=True, text=True, timeout=300,
        check=False)

  @classmethod
  def tearDownClass(cls):
    cls._tmp.cleanup()
    super().tearDownClass()

  def _page(self, *parts):
    with open(os.path.join(self.output_dir, *parts), encoding="utf-8") as f:
      return html.unescape(f.read())

  def test_builds_without_warnings(self):
    self.assertNotIn("No module named 'pdoc'", self.proc.stderr,
                     "pdoc is missing: install requirements-dev.txt (tools/bootstrap.sh)")
    self.assertEqual(self.proc.returncode, 0, self.proc.stdout + self.proc.stderr)
    self.assertNotIn("Warning:", self.proc.stderr)
    self.assertIn("API reference written to", self.proc.stdout)

  def test_public_names_and_docstrings(self):
    sonnet_page = self._page("sonnet.html")
    for name in ("AbstractModule", "Linear", "LSTM", "BatchNorm", "resampler",
                 "AffineGridWarper", "get_variable"):
      self.assertIn(f'id="{name}"', sonnet_page, name)
    self.assertIn("Linear module: <code>outputs = inputs @ w + b</code>", sonnet_page)
    nets_page = self._page("sonnet", "nets.html")
    for name in ("MLP", "ConvNet2D", "VectorQuantizerEMA"):
      self.assertIn(f'id="{name}"', nets_page, name)
    self.assertIn("A multi-layer perceptron", nets_page)
    self.assertTrue(os.path.exists(os.path.join(self.output_dir, "index.html")))

  def test_internals_get_no_page(self):
    pages = [os.path.relpath(os.path.join(root, name), self.output_dir)
             for root, _, names in os.walk(self.output_dir) for name in names
             if name.endswith(".html")]
    # The public packages under `sonnet/` get pages; `sonnet.src` and `sonnet.python` (import
    # aliases of Sonnet 1's paths) get none.
    self.assertCountEqual(pages, [
        "index.html", "sonnet.html", os.path.join("sonnet", "nets.html"),
        os.path.join("sonnet", "custom_getters.html"),
        os.path.join("sonnet", "custom_getters", "bayes_by_backprop.html"),
        os.path.join("sonnet", "experimental.html")])


if __name__ == "__main__":
  unittest.main()
