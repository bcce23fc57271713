# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""The public API: what `import sonnet as snt` exports, the checked-in list of it, and docs.

- `snt.__all__` and `snt.nets.__all__` are sorted (case-insensitively) without repeats and
  name exactly the public names of a freshly imported `snt` / `snt.nets`; `snt.src` does not
  exist; `sonnet/__init__.py` imports in one sorted block.
- public_api.txt (next to this file) lists every public name with its kind, so that adding or
  removing one is deliberate: after such a change, regenerate it with
  `SONNET_REGENERATE_API=1 python -m pytest sonnet/src/conformance/api_test.py`.
- Every public class and function has a docstring, and every public class's `__init__` and
  every public function that takes arguments has an "Args:" section, except the names in
  `KNOWN_UNDOCUMENTED` (asserted exactly, so the table is kept up to date).
"""

import collections
import difflib
import inspect
import json
import os
import subprocess
import sys
import types
from typing import Any

from absl.testing import absltest

import sonnet as snt

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
GOLDEN_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "public_api.txt")
REGENERATE_ENV = "SONNET_REGENERATE_API"
GOLDEN_HEADER = (
    "# The public API of Sonnet: one name and its kind per line (sorted case-insensitively).\n"
    "# Written by sonnet/src/conformance/api_test.py; after a deliberate addition or removal,\n"
    "# regenerate it: %s=1 python -m pytest sonnet/src/conformance/api_test.py\n"
    % REGENERATE_ENV)
ERR_GOLDEN_MISMATCH = (
    "The public API differs from {path} (diff below: - listed, + now exported). If the change "
    "is deliberate, regenerate the list with {env}=1 python -m pytest "
    "sonnet/src/conformance/api_test.py and commit it.\n{diff}")
ERR_KNOWN_UNDOCUMENTED = (
    "KNOWN_UNDOCUMENTED in {path} is out of date: document new public names (Google style, "
    "with an Args: section), and remove names from the table once they are documented.")

# Public names whose documentation falls short today, with what is missing. The test fails
# when this table is out of date, in either direction.
KNOWN_UNDOCUMENTED: dict[str, str] = {}

# Prints the public names of a freshly imported `snt` and `snt.nets`, and whether `snt.src`
# exists: in this process other tests may have imported `sonnet.src` modules already.
FRESH_IMPORT_SCRIPT = """
import json
import sonnet as snt
print(json.dumps({
    "snt": [n for n in dir(snt) if not n.startswith("_")],
    "nets": [n for n in dir(snt.nets) if not n.startswith("_")],
    "has_src": hasattr(snt, "src"),
}))
"""


def kind_of(value: Any) -> str:
  """Classifies a public name for the checked-in list.

  Args:
    value: what the public name is bound to.

  Returns:
    "module", "class", "function" or "value".
  """
  if isinstance(value, types.ModuleType):
    return "module"
  if inspect.isclass(value):
    return "class"
  if inspect.isroutine(value):
    return "function"
  # Strings such as `snt.SAME`, `snt.__version__`, initializer instances such as
  # `snt.initializers.zeros`: values, with nothing of their own to document.
  return "value"


def module_names(module: types.ModuleType) -> list[str]:
  """The public names of a public module: its `__all__`, else what it defines itself.

  Args:
    module: `snt` or a module among its public names.

  Returns:
    The names, sorted case-insensitively. Without `__all__`: the classes, functions and
    instances of its own classes that `module` defines, not what it imports (`tf`,
    `Optional`) nor its constants (the `ERR_*` strings).
  """
  names = getattr(module, "__all__", None)
  if names is None:
    names = [name for name, value in vars(module).items()
             if not name.startswith("_")
             and getattr(value, "__module__", None) == module.__name__]
  return sorted(names, key=str.lower)


def public_api() -> list[tuple[str, Any]]:
  """Every public name: of `snt`, and of the modules among them (`snt.nets`, `snt.nest`, ...).

  Returns:
    (dotted name such as "snt.nets.MLP", object) pairs, sorted case-insensitively by name.
  """
  items = []
  modules = [("snt", snt)]
  while modules:
    prefix, module = modules.pop(0)
    for name in module_names(module):
      value = getattr(module, name)
      items.append(("%s.%s" % (prefix, name), value))
      if isinstance(value, types.ModuleType):
        modules.append(("%s.%s" % (prefix, name), value))
  return sorted(items, key=lambda item: item[0].lower())


def golden_text() -> str:
  """The text public_api.txt should have: its header, then one "name kind" line a name."""
  return GOLDEN_HEADER + "".join(
      "%s %s\n" % (name, kind_of(value)) for name, value in public_api())


def own_docstring(value: Any) -> str:
  """The docstring `value` itself has (not one it inherits).

  Args:
    value: a public class, function or module.

  Returns:
    The stripped docstring; "" when there is none or it is the one `namedtuple` generates.
  """
  doc = value.__doc__ if inspect.isclass(value) else inspect.getdoc(value)
  doc = (doc or "").strip()
  fields = getattr(value, "_fields", None)
  if (inspect.isclass(value) and issubclass(value, tuple) and fields is not None
      and doc == "%s(%s)" % (value.__name__, ", ".join(fields))):
    return ""
  return doc


def takes_arguments(function: Any, bound: bool) -> bool:
  """Whether `function` has parameters.

  Args:
    function: a function, or the `__init__` of a class.
    bound: whether the first parameter is `self`, which does not count.

  Returns:
    True when a caller can pass it an argument.
  """
  parameters = list(inspect.signature(function).parameters)
  if bound:
    parameters = parameters[1:]
  return bool(parameters)


def doc_problem(value: Any) -> str:
  """What is missing from the documentation of a public class or function.

  A class's `__init__` arguments may be described in the `__init__` docstring, the class
  docstring, or the docstring of the base class whose `__init__` it inherits.

  Args:
    value: a public class or function.

  Returns:
    "no docstring", "no Args: section", "no Args: section for __init__", or "" if nothing.
  """
  doc = own_docstring(value)
  if not doc:
    return "no docstring"
  if inspect.isclass(value):
    init = value.__init__
    # Exceptions and namedtuples keep Python's own `__init__`: nothing to document.
    if not (inspect.isfunction(init) and init.__module__.startswith("sonnet.")):
      return ""
    if not takes_arguments(init, bound=True):
      return ""
    owner = next(cls for cls in value.__mro__ if "__init__" in vars(cls))
    docs = (inspect.getdoc(init) or "", doc, owner.__doc__ or "")
    if not any("Args:" in text for text in docs):
      return "no Args: section for __init__"
    return ""
  if takes_arguments(value, bound=False) and "Args:" not in doc:
    return "no Args: section"
  return ""


class PublicNamesTest(absltest.TestCase):

  fresh: dict[str, Any]  # The public names seen by a fresh interpreter (setUpClass).

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, "-c", FRESH_IMPORT_SCRIPT], cwd=REPO_ROOT,
                            env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    cls.fresh = json.loads(result.stdout.strip().splitlines()[-1])

  def assert_sorted_unique(self, names: list[str]):
    """Sorted case-insensitively, and no two names differ only in case."""
    self.assertEqual(names, sorted(set(names), key=str.lower))
    self.assertLen({name.lower() for name in names}, len(names))

  def test_snt_all_is_sorted_and_names_exactly_the_public_names(self):
    self.assert_sorted_unique(snt.__all__)
    self.assertIn("__version__", snt.__all__)
    self.assertCountEqual([n for n in snt.__all__ if n != "__version__"], self.fresh["snt"])

  def test_nets_all_is_sorted_and_names_exactly_the_public_names(self):
    self.assert_sorted_unique(snt.nets.__all__)
    self.assertCountEqual(snt.nets.__all__, self.fresh["nets"])

  def test_no_src_attribute(self):
    self.assertFalse(self.fresh["has_src"])
    self.assertNotIn("src", snt.__all__)

  def test_init_imports_in_one_sorted_block(self):
    for module in (snt, snt.nets):
      assert module.__file__ is not None  # Packages loaded from files.
      with open(module.__file__) as f:
        lines = f.read().splitlines()
      imports = [i for i, line in enumerate(lines)
                 if line.startswith("from sonnet") and "tensorflow_check" not in line]
      with self.subTest(module=module.__name__):
        self.assertEqual(imports, list(range(imports[0], imports[-1] + 1)))
        block = [lines[i] for i in imports]
        self.assertEqual(block, sorted(set(block), key=str.lower))

  def test_public_api_matches_checked_in_list(self):
    text = golden_text()
    if os.environ.get(REGENERATE_ENV) == "1":
      with open(GOLDEN_PATH, "w") as f:
        f.write(text)
    with open(GOLDEN_PATH) as f:
      golden = f.read()
    diff = "".join(difflib.unified_diff(golden.splitlines(True), text.splitlines(True),
                                        "public_api.txt", "exported now"))
    if golden != text:
      self.fail(ERR_GOLDEN_MISMATCH.format(path=GOLDEN_PATH, env=REGENERATE_ENV, diff=diff))


class DocumentationTest(absltest.TestCase):

  def test_public_names_are_documented(self):
    problems: dict[str, str] = {}
    for name, value in public_api():
      kind = kind_of(value)
      if kind == "module":
        if not own_docstring(value):
          problems[name] = "no docstring"
      elif kind in ("class", "function"):
        problem = doc_problem(value)
        if problem:
          problems[name] = problem
    self.assertEqual(problems, KNOWN_UNDOCUMENTED,
                     ERR_KNOWN_UNDOCUMENTED.format(path=os.path.abspath(__file__)))

  def test_checks_catch_what_they_should(self):
    """The checks themselves, on made-up names (so the table above means something)."""

    def no_doc(x):
      return x

    def no_args(x):
      """Returns x."""
      return x

    def documented(x):
      """Returns x.

      Args:
        x: anything.
      """
      return x

    def no_arguments():
      """Returns 1."""
      return 1

    class InitWithoutArgs:
      """A class."""

      def __init__(self, x):
        self.x = x

    Bare = collections.namedtuple("Bare", ["a", "b"])
    self.assertEqual(doc_problem(no_doc), "no docstring")
    self.assertEqual(doc_problem(no_args), "no Args: section")
    self.assertEqual(doc_problem(documented), "")
    self.assertEqual(doc_problem(no_arguments), "")
    self.assertEqual(own_docstring(Bare), "")
    # Only Sonnet's own `__init__`s are checked; this file may run as `__main__`.
    InitWithoutArgs.__init__.__module__ = "sonnet.fake"
    self.assertEqual(doc_problem(InitWithoutArgs), "no Args: section for __init__")
    InitWithoutArgs.__doc__ = "A class.\n\nArgs:\n  x: anything.\n"
    self.assertEqual(doc_problem(InitWithoutArgs), "")


if __name__ == "__main__":
  absltest.main()
