# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Builds the HTML API reference of the public API (`sonnet`, `sonnet.nets`) with pdoc.

Usage (offline; pdoc is pinned in requirements-dev.txt):

  .venv/bin/python tools/build_api_docs.py                 # writes docs/api/
  .venv/bin/python tools/build_api_docs.py --output_dir=/tmp/api --strict

pdoc documents what each module's `__all__` exports, so `sonnet.src` (not public) stays
out. Docstrings are read as Google style. With `--strict` any warning pdoc emits (an
unresolvable link, a name it cannot document, ...) makes the build fail (exit status 1).
"""

import argparse
import os
import pathlib
import sys
import warnings

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT_DIR = os.path.join(REPO_ROOT, "docs", "api")
PUBLIC_MODULES = ("sonnet",)  # pdoc adds the public submodules (`sonnet.nets`) itself.

ERR_WARNINGS = "build_api_docs: pdoc emitted {count} warning(s); failing (--strict):"


def build(output_dir: str) -> list[str]:
  """Writes the API reference into `output_dir`.

  Args:
    output_dir: the folder to write; created if missing.

  Returns:
    The texts of the warnings pdoc emitted.
  """
  # Import the source tree, not an installed wheel.
  sys.path.insert(0, REPO_ROOT)
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  # TensorFlow runs `uname -p` (platform.processor()) at import; pdoc blocks subprocesses
  # during imports and warns unless allowed. It is harmless.
  os.environ.setdefault("PDOC_ALLOW_EXEC", "1")
  import pdoc  # pylint: disable=g-import-not-at-top (after the environment above)
  import pdoc.render  # pylint: disable=g-import-not-at-top

  pdoc.render.configure(docformat="google", show_source=False,
                        footer_text="Sonnet (TensorFlow 2.21)")
  with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    pdoc.pdoc(*PUBLIC_MODULES, output_directory=pathlib.Path(output_dir))
  return [f"{w.category.__name__}: {w.message}" for w in caught]


def main(argv: list[str]) -> int:
  """Command-line entry: builds the reference; returns the exit status."""
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--output_dir", default=DEFAULT_OUTPUT_DIR,
                      help="folder to write the HTML into (default: docs/api)")
  parser.add_argument("--strict", action="store_true",
                      help="exit with status 1 if pdoc emits any warning")
  args = parser.parse_args(argv)
  messages = build(args.output_dir)
  for message in messages:
    print(message, file=sys.stderr)
  if messages and args.strict:
    print(ERR_WARNINGS.format(count=len(messages)), file=sys.stderr)
    return 1
  print(f"API reference written to {os.path.join(args.output_dir, 'index.html')}")
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))
