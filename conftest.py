"""pytest configuration shared by the whole repository.

Legacy mode (`sonnet.src.test_utils`, TF1 behaviour after `disable_v2_behavior`) cannot share
a process with TF2 behaviour. A test case parameterized with the mode `"legacy"` is collected
as usual, but the ordinary run leaves it out and runs it instead through one of a few
`legacy_mode[<i>]` items, each running its share of those cases in a separate pytest process
started with `SONNET_TF1_LEGACY=1` (where this file calls `disable_v2_behavior` before TF is
used, and only the legacy cases are kept). A legacy-mode item fails listing every failed case.
"""

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

import pytest

LEGACY_ENV = "SONNET_TF1_LEGACY"  # As test_utils.LEGACY_ENV (not imported: TF is not loaded).
LEGACY = "legacy"
# Processes the legacy cases are split over: each costs a TF import (seconds), and several
# let pytest-xdist's workers share the cases.
LEGACY_SHARDS = 3
# A failed case's message in the report of a legacy-mode item: this many characters.
_MESSAGE_CHARS = 1500

ERR_LEGACY_FAILED = "{failed} of {total} legacy-mode cases failed:\n{details}"
ERR_LEGACY_MISSING = (
    "the legacy-mode process ran {ran} of {total} cases (exit status {status}):\n{output}")

if os.environ.get(LEGACY_ENV) == "1":
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  tf.compat.v1.disable_v2_behavior()


def _params(item):
  """The parameters an absl `parameterized` test case is called with, or ()."""
  obj = getattr(item, "obj", None)
  function = getattr(obj, "__func__", obj)  # The method's function.
  code = getattr(function, "__code__", None)
  closure = getattr(function, "__closure__", None)
  if code is None or "testcase_params" not in code.co_freevars or not closure:
    return ()
  params = closure[code.co_freevars.index("testcase_params")].cell_contents
  if isinstance(params, dict):
    return tuple(params.values())
  return params if isinstance(params, (tuple, list)) else (params,)


def is_legacy_case(item) -> bool:
  """Whether `item` is a test case run with the mode `"legacy"` as one of its parameters."""
  return any(isinstance(p, str) and p == LEGACY for p in _params(item))


class LegacyModeItem(pytest.Item):
  """Runs a share of the legacy-mode cases in a pytest process with TF1 behaviour."""

  def __init__(self, *, node_ids, **kwargs):
    super().__init__(**kwargs)
    self.node_ids = node_ids

  def runtest(self):
    root = str(self.config.rootpath)
    env = dict(os.environ, **{LEGACY_ENV: "1"})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory() as tmp:
      report = os.path.join(tmp, "report.xml")
      ids_file = os.path.join(tmp, "ids.txt")
      with open(ids_file, "w") as f:
        f.write("\n".join(self.node_ids))
      command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                 "-p", "no:xdist", "--rootdir", root, f"--junitxml={report}",
                 "-o", "junit_family=xunit1", f"@{ids_file}"]
      result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True,
                              check=False)
      cases = (ElementTree.parse(report).getroot().iter("testcase")
               if os.path.exists(report) else [])
      failed, ran = [], 0
      for case in cases:
        ran += 1
        for child in case:
          if child.tag in ("failure", "error"):
            text = (child.get("message") or "") + "\n" + (child.text or "")
            failed.append(f"--- {case.get('classname')}.{case.get('name')} ({child.tag}):\n"
                          f"{text.strip()[-_MESSAGE_CHARS:]}")
    if failed:
      raise AssertionError(ERR_LEGACY_FAILED.format(
          failed=len(failed), total=len(self.node_ids), details="\n".join(failed)))
    if ran != len(self.node_ids) or result.returncode != 0:
      raise AssertionError(ERR_LEGACY_MISSING.format(
          ran=ran, total=len(self.node_ids), status=result.returncode,
          output=(result.stdout + result.stderr)[-_MESSAGE_CHARS:]))

  def repr_failure(self, excinfo, style=None):
    if isinstance(excinfo.value, AssertionError):
      return str(excinfo.value)
    return super().repr_failure(excinfo, style)

  def reportinfo(self):
    return self.path, None, f"{self.name}: {len(self.node_ids)} legacy-mode cases"


def _shards(items, count):
  """Splits items into up to `count` lists, whole test files together, of similar sizes."""
  by_file: dict[str, list[str]] = {}
  for item in items:
    by_file.setdefault(item.nodeid.split("::")[0], []).append(item.nodeid)
  shards: list[list[str]] = [[] for _ in range(count)]
  for ids in sorted(by_file.values(), key=len, reverse=True):
    min(shards, key=len).extend(ids)
  return [shard for shard in shards if shard]


@pytest.hookimpl(trylast=True)  # After -k / -m deselection: route only the selected cases.
def pytest_collection_modifyitems(session, config, items):
  """Drops `tf.test.TestCase.test_session` and routes the legacy-mode cases.

  `test_session` is a deprecated helper pytest takes for a test; it is not a test
  (TensorFlow skips it with "Not a test."), so collecting it only adds a skip per test
  class to every run. In a legacy process only the legacy-mode cases are kept; otherwise
  they are replaced by `LegacyModeItem`s running them in legacy processes.
  """
  del config  # Unused.
  items[:] = [item for item in items if item.name != "test_session"]
  legacy = [item for item in items if is_legacy_case(item)]
  if os.environ.get(LEGACY_ENV) == "1":
    items[:] = legacy
    return
  if not legacy:
    return
  legacy_ids = {id(item) for item in legacy}
  items[:] = [item for item in items if id(item) not in legacy_ids]
  for i, node_ids in enumerate(_shards(legacy, LEGACY_SHARDS)):
    items.append(LegacyModeItem.from_parent(session, name=f"legacy_mode[{i}]",
                                            node_ids=node_ids))
