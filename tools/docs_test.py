# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Runs every ```python code block of README.md and docs/*.md, as a reader would copy it.

Conventions for the Markdown files (this test enforces them):

* Every fence names a language. Only blocks tagged exactly `python` run; shell commands are
  `sh`, printed output, layouts and formulas are `text`, and a Python fragment that is not
  meant to run on its own (e.g. lines from inside a method) is tagged `text` too.
* A block runs on its own in a fresh namespace: it has its own imports and small inputs.
* A block preceded by the line `<!-- continues -->` (the last non-blank line before its
  fence) continues the previous ```python block of the same file: it runs after it, in the
  same namespace. Its predecessor may itself be a continuation (a chain).
* A ```text block preceded by the line `<!-- output -->` is what the previous ```python
  block prints: the test compares them (trailing whitespace aside).
* Python's other fence names (`py`, `python3`, `pycon`) are refused, so that no Python
  block is skipped by accident.

Each file's blocks run in one fresh Python process (one TensorFlow import per file, to keep
the test quick), from a temporary directory, with `PYTHONPATH` set to the repository root
(so the source tree is imported, not an installed wheel) and `TF_CPP_MIN_LOG_LEVEL=2`. A
chain that leaves eager execution switched off (a TF1 graph-mode example) ends its
process; the file's remaining chains run in a new one. Blocks that call `snt.resampler`
need the op library in `sonnet/src/ops/` (tools/test.sh copies it there).
"""

import contextlib
import fcntl
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import traceback
from typing import Any, NamedTuple

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTINUES_MARKER = "<!-- continues -->"
OUTPUT_MARKER = "<!-- output -->"
PYTHON_ALIASES = ("py", "python3", "pycon", "Python")
# Seconds one file's blocks may take together before the test gives up.
FILE_TIMEOUT_S = 300

ERR_NO_LANGUAGE = "{where}: a code fence without a language (use python, sh or text)"
ERR_PYTHON_ALIAS = "{where}: tag Python blocks `python` (runs) or `text` (does not), not {lang!r}"
ERR_OUTPUT_ORPHAN = "{where}: an output block with no ```python block before it"
ERR_OUTPUT_DIFFERS = "{where}: {source} prints\n{actual}\nbut the docs show\n{expected}"
ERR_UNCLOSED = "{where}: a code fence that is never closed"
ERR_CONTINUES_FIRST = "{where}: marked as continuing, but no ```python block comes before it"
ERR_BLOCK_FAILED = "{where} failed:\n{error}"
ERR_PREDECESSOR_FAILED = "{where} not run: the block it continues, {previous}, failed"
ERR_NOT_RUN = "{where} was not run: its process ended early:\n{output}"

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<ticks>```+)(?P<lang>[^`\s]*)\s*$")


class Block(NamedTuple):
  """One fenced code block of a Markdown file."""
  path: str          # relative to the repository root
  line: int          # 1-based line of the opening fence
  language: str
  code: str          # dedented by the fence's indentation
  continues: bool    # preceded by CONTINUES_MARKER
  is_output: bool    # preceded by OUTPUT_MARKER

  @property
  def where(self) -> str:
    return f"{self.path}:{self.line}"


def markdown_files() -> list[str]:
  """Returns README.md and docs/*.md, relative to the repository root."""
  docs = sorted(name for name in os.listdir(os.path.join(REPO_ROOT, "docs"))
                if name.endswith(".md"))
  return ["README.md"] + [os.path.join("docs", name) for name in docs]


def parse_blocks(path: str, text: str) -> list[Block]:
  """Returns the fenced code blocks of a Markdown text.

  Raises:
    ValueError: a fence without a language, or one that is never closed.
  """
  blocks = []
  lines = text.splitlines()
  i = 0
  while i < len(lines):
    match = _FENCE.match(lines[i])
    if not match:
      i += 1
      continue
    start, indent, ticks = i, match.group("indent"), match.group("ticks")
    if not match.group("lang"):
      raise ValueError(ERR_NO_LANGUAGE.format(where=f"{path}:{start + 1}"))
    if match.group("lang") in PYTHON_ALIASES:
      raise ValueError(ERR_PYTHON_ALIAS.format(where=f"{path}:{start + 1}",
                                               lang=match.group("lang")))
    body = []
    i += 1
    while i < len(lines) and lines[i].strip() != ticks:
      line = lines[i]
      body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
      i += 1
    if i == len(lines):
      raise ValueError(ERR_UNCLOSED.format(where=f"{path}:{start + 1}"))
    previous = [line.strip() for line in lines[:start] if line.strip()]
    marker = previous[-1] if previous else None
    blocks.append(Block(path, start + 1, match.group("lang"), "\n".join(body) + "\n",
                        marker == CONTINUES_MARKER, marker == OUTPUT_MARKER))
    i += 1
  return blocks


def python_chains(blocks: list[Block]) -> list[list[Block]]:
  """Groups a file's python blocks into chains of continuations.

  Raises:
    ValueError: a continuation with no python block before it.
  """
  chains: list[list[Block]] = []
  for block in blocks:
    if block.language != "python":
      continue
    if block.continues:
      if not chains:
        raise ValueError(ERR_CONTINUES_FIRST.format(where=block.where))
      chains[-1].append(block)
    else:
      chains.append([block])
  return chains


def output_checks(blocks: list[Block]) -> list[tuple[Block, Block]]:
  """Pairs each output block with the python block before it.

  Raises:
    ValueError: an output block with no python block before it.
  """
  pairs = []
  source = None
  for block in blocks:
    if block.language == "python":
      source = block
    elif block.is_output:
      if source is None:
        raise ValueError(ERR_OUTPUT_ORPHAN.format(where=block.where))
      pairs.append((source, block))
  return pairs


def _read(path: str) -> str:
  with open(os.path.join(REPO_ROOT, path), encoding="utf-8") as f:
    return f.read()


def _all_python_blocks() -> list[Block]:
  """Returns the python blocks of every file that parses (the fence test reports the rest)."""
  blocks = []
  for path in markdown_files():
    try:
      blocks.extend(b for b in parse_blocks(path, _read(path)) if b.language == "python")
    except ValueError:
      continue
  return blocks


def _run_chains_here(chains: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
  """Runs chains of blocks in this process (the child side); returns one result per block.

  Stops after a chain that switched eager execution off, so later chains start clean.
  """
  results = []
  for chain in chains:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    failed = None
    for block in chain:
      if failed is not None:
        results.append({"where": block["where"], "ok": False, "skipped_after": failed})
        continue
      stdout = io.StringIO()
      try:
        with contextlib.redirect_stdout(stdout):
          exec(compile(block["code"], block["where"], "exec"), namespace)  # noqa: S102
        results.append({"where": block["where"], "ok": True, "stdout": stdout.getvalue()})
      except BaseException:  # noqa: BLE001 (report whatever the block raised)
        failed = block["where"]
        results.append({"where": block["where"], "ok": False,
                        "error": stdout.getvalue() + traceback.format_exc()})
    import tensorflow as tf  # pylint: disable=g-import-not-at-top (the blocks' own import)
    if not tf.executing_eagerly():
      break
  return results


def run_file(path: str) -> dict[str, dict[str, Any]]:
  """Runs a Markdown file's python blocks in fresh processes; returns results by location."""
  return run_chains([[{"where": b.where, "code": b.code} for b in chain]
                     for chain in python_chains(parse_blocks(path, _read(path)))])


def run_chains(chains: list[list[dict[str, str]]]) -> dict[str, dict[str, Any]]:
  """Runs chains of blocks (`where`, `code`) in fresh processes; returns results by location.

  Chains share a process until one leaves eager execution off; the rest go on in a new one.
  """
  env = dict(os.environ, PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="2")
  results: dict[str, dict[str, Any]] = {}
  with tempfile.TemporaryDirectory() as workdir:
    while chains:
      request = os.path.join(workdir, "request.json")
      reply = os.path.join(workdir, "reply.json")
      with open(request, "w", encoding="utf-8") as f:
        json.dump(chains, f)
      rundir = tempfile.mkdtemp(dir=workdir)
      proc = subprocess.run(
          [sys.executable, os.path.abspath(__file__), request, reply], cwd=rundir, env=env,
          capture_output=True, text=True, timeout=FILE_TIMEOUT_S, check=False)
      done = []
      if os.path.exists(reply):
        with open(reply, encoding="utf-8") as f:
          done = json.load(f)
        os.remove(reply)
      for result in done:
        results[result["where"]] = result
      ran = {result["where"] for result in done}
      finished = [c for c in chains if all(b["where"] in ran for b in c)]
      if not finished:  # The process died before finishing a chain: report the rest.
        for chain in chains:
          for b in chain:
            results.setdefault(b["where"], {
                "where": b["where"], "ok": False,
                "error": ERR_NOT_RUN.format(where=b["where"],
                                            output=proc.stdout + proc.stderr)})
        break
      chains = chains[len(finished):]
  return results


_FILE_RESULTS: dict[str, dict[str, dict[str, Any]]] = {}


def _result(block: Block, shared_dir: str) -> dict[str, Any]:
  """Returns a block's result, running its file once per test session.

  Under pytest-xdist the workers share `shared_dir`: the first worker to need a file runs
  it (holding a lock) and stores the results there, so no file runs twice.
  """
  if block.path not in _FILE_RESULTS:
    stem = os.path.join(shared_dir, block.path.replace(os.sep, "__"))
    with open(stem + ".lock", "w", encoding="utf-8") as lock:
      fcntl.flock(lock, fcntl.LOCK_EX)
      if os.path.exists(stem + ".json"):
        with open(stem + ".json", encoding="utf-8") as f:
          _FILE_RESULTS[block.path] = json.load(f)
      else:
        _FILE_RESULTS[block.path] = run_file(block.path)
        with open(stem + ".json", "w", encoding="utf-8") as f:
          json.dump(_FILE_RESULTS[block.path], f)
  return _FILE_RESULTS[block.path][block.where]


if __name__ == "__main__":
  with open(sys.argv[1], encoding="utf-8") as request_file:
    request_chains = json.load(request_file)
  with open(sys.argv[2], "w", encoding="utf-8") as reply_file:
    json.dump(_run_chains_here(request_chains), reply_file)
  sys.exit(0)

import pytest  # noqa: E402 (the child process above needs no pytest)


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory) -> str:
  """A folder of this test session, shared by all pytest-xdist workers."""
  base = tmp_path_factory.getbasetemp()
  if os.environ.get("PYTEST_XDIST_WORKER"):
    base = base.parent  # Each worker's base folder is a subfolder of the session's.
  path = os.path.join(str(base), "docs_test_results")
  os.makedirs(path, exist_ok=True)
  return path


@pytest.mark.parametrize("path", markdown_files())
def test_fences_name_a_language(path):
  """Every fence says what it holds; parse_blocks raises on one that does not."""
  blocks = parse_blocks(path, _read(path))
  python_chains(blocks)  # Raises on a continuation marker with nothing to continue.
  output_checks(blocks)  # Raises on an output marker with nothing before it.
  assert all(block.language for block in blocks)


@pytest.mark.parametrize("block", _all_python_blocks(), ids=lambda b: b.where)
def test_python_block_runs(block, shared_dir):
  """The block (after the blocks it continues) runs without raising."""
  result = _result(block, shared_dir)
  if "skipped_after" in result:
    pytest.fail(ERR_PREDECESSOR_FAILED.format(where=block.where,
                                              previous=result["skipped_after"]))
  if not result["ok"]:
    pytest.fail(ERR_BLOCK_FAILED.format(where=block.where, error=result["error"]))


def _all_output_checks() -> list[tuple[Block, Block]]:
  """Returns (python block, output block) pairs of every file that parses."""
  pairs = []
  for path in markdown_files():
    try:
      pairs.extend(output_checks(parse_blocks(path, _read(path))))
    except ValueError:
      continue
  return pairs


@pytest.mark.parametrize("pair", _all_output_checks(), ids=lambda p: p[1].where)
def test_printed_output_matches(pair, shared_dir):
  """What a block prints is what the docs show after it."""
  source, expected = pair
  result = _result(source, shared_dir)
  if not result["ok"]:
    pytest.fail(ERR_BLOCK_FAILED.format(where=source.where, error=result.get("error", "")))
  actual = "\n".join(line.rstrip() for line in result["stdout"].rstrip().splitlines())
  shown = "\n".join(line.rstrip() for line in expected.code.rstrip().splitlines())
  assert actual == shown, ERR_OUTPUT_DIFFERS.format(
      where=expected.where, source=source.where, actual=actual, expected=shown)


def test_run_chains_isolation():
  """Fresh namespaces per chain, shared ones within it, a new process after graph mode."""
  def chain(*blocks):
    return [{"where": f"x.md:{line}", "code": code} for line, code in blocks]
  results = run_chains([
      chain((1, "import tensorflow as tf\nvalue = 1\nprint('hello')"), (2, "value += 1")),
      chain((3, "assert 'value' not in globals()\n"
                "import tensorflow as tf\ntf.compat.v1.disable_eager_execution()")),
      chain((4, "import tensorflow as tf\nassert tf.executing_eagerly()")),
      chain((5, "raise KeyError('wrong')"), (6, "pass")),
  ])
  assert [results[f"x.md:{line}"]["ok"] for line in range(1, 7)] == [True] * 4 + [False] * 2
  assert results["x.md:1"]["stdout"] == "hello\n"
  assert "KeyError: 'wrong'" in results["x.md:5"]["error"]
  assert results["x.md:6"]["skipped_after"] == "x.md:5"


def test_parser_conventions():
  """The parser and chaining on a small example: languages, indentation, continuations."""
  text = "\n".join([
      "```sh", "ls", "```",
      "```python", "a = 1", "```",
      "", CONTINUES_MARKER, "",
      "```python", "b = a + 1", "```",
      "* item", "", "  ```python", "  c = 3", "  ```",
  ])
  blocks = parse_blocks("x.md", text)
  assert [b.language for b in blocks] == ["sh", "python", "python", "python"]
  assert [b.line for b in blocks] == [1, 4, 10, 15]
  assert [b.continues for b in blocks] == [False, False, True, False]
  assert not any(b.is_output for b in blocks)
  assert blocks[3].code == "c = 3\n"
  chains = python_chains(blocks)
  assert [[b.line for b in chain] for chain in chains] == [[4, 10], [15]]
  with pytest.raises(ValueError, match="without a language"):
    parse_blocks("x.md", "```\nplain\n```")
  with pytest.raises(ValueError, match="never closed"):
    parse_blocks("x.md", "```python\nx = 1\n")
  with pytest.raises(ValueError, match="no ```python block comes before"):
    python_chains(parse_blocks("x.md", CONTINUES_MARKER + "\n```python\nx = 1\n```"))
  with pytest.raises(ValueError, match="not 'py'"):
    parse_blocks("x.md", "```py\nx = 1\n```")
  printed = parse_blocks("x.md", "```python\nprint(1)\n```\n" + OUTPUT_MARKER + "\n```text\n1\n```")
  assert [(s.line, o.line) for s, o in output_checks(printed)] == [(1, 5)]
  with pytest.raises(ValueError, match="no ```python block before"):
    output_checks(parse_blocks("x.md", OUTPUT_MARKER + "\n```text\n1\n```"))
