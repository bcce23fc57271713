# Copyright 2026 The Sonnet Authors. All Rights Reserved.
# Licensed under the Apache License, Version 2.0.
"""Warns when another installed distribution also provides the `sonnet` package.

This project is published as `sonnet1-tf` but is imported as `sonnet`, like
DeepMind's Sonnet 2 (`dm-sonnet`). pip does not know that two distributions
install the same package: installing one overwrites the other's files, and
uninstalling either breaks both. `import sonnet` then says which one it
imports and how to keep them apart.

Only the distributions known to install a `sonnet` package are looked up (by
name, which is cheap), not every installed distribution.
"""

from collections.abc import Iterable
import importlib.metadata
import os
import re
import sys
import warnings

# This project's distribution name.
DISTRIBUTION_NAME = "sonnet1-tf"

# Other distributions known to install a top-level `sonnet` package: DeepMind's
# Sonnet 2 (and its old GPU variant), and `sonnet`, the name this project's
# wheels had before (its versions carry a local label such as `+tf2.21`); the
# unrelated package of that name only counts if it really installs `sonnet/`.
OTHER_DISTRIBUTIONS = ("dm-sonnet", "dm-sonnet-gpu", "sonnet")

CLASH_MESSAGE = (
    "Another installed distribution also provides the `sonnet` package: "
    "{others}. `import sonnet` imports {imported}. Distributions that install "
    "the same package overwrite each other's files (whichever was installed "
    "last wins, and uninstalling one breaks the other). Keep them in separate "
    "virtual environments (python -m venv), and in this one keep only the one "
    "you use: pip uninstall {names}, then pip install --force-reinstall the "
    "one you keep.")
IMPORTED_DISTRIBUTION = "{name} {version} from {path}"
IMPORTED_SOURCE_TREE = "the source tree at {path} (no installed distribution)"
OTHER_DISTRIBUTION = "{name} {version} ({summary}) in {path}"


class DistributionClashWarning(UserWarning):
  """Another installed distribution also provides the `sonnet` package."""


def _canonical(name: str) -> str:
  return re.sub(r"[-_.]+", "-", name).lower()


def _provides_sonnet(dist: importlib.metadata.Distribution) -> bool:
  """Whether `dist` installs a top-level `sonnet` package."""
  top_level = dist.read_text("top_level.txt")
  if top_level is not None and "sonnet" in top_level.split():
    return True
  return any(file.parts[:1] == ("sonnet",) for file in dist.files or ())


def _owns(dist: importlib.metadata.Distribution, init_file: str) -> bool:
  """Whether `init_file` is the `sonnet/__init__.py` that `dist` installed."""
  try:
    return os.path.samefile(str(dist.locate_file("sonnet/__init__.py")), init_file)
  except OSError:
    return False


def _location(dist: importlib.metadata.Distribution) -> str:
  return str(dist.locate_file(""))


def find_clash(init_file: str, path: Iterable[str] | None = None) -> str | None:
  """Describes a clash with another distribution providing `sonnet`, if any.

  Args:
    init_file: the imported `sonnet/__init__.py`.
    path: the directories to look for distributions in (default `sys.path`).

  Returns:
    The text of the warning, or None if no distribution other than
    `DISTRIBUTION_NAME` provides the `sonnet` package.
  """
  search = sys.path if path is None else list(path)
  own = [dist for dist in importlib.metadata.distributions(name=DISTRIBUTION_NAME, path=search)
         if _canonical(dist.metadata["Name"] or "") == DISTRIBUTION_NAME]
  others = []
  for name in OTHER_DISTRIBUTIONS:
    for dist in importlib.metadata.distributions(name=name, path=search):
      if _canonical(dist.metadata["Name"] or "") == name and _provides_sonnet(dist):
        others.append(dist)
  if not others:
    return None
  owner = next((dist for dist in own + others if _owns(dist, init_file)), None)
  if owner is None:
    imported = IMPORTED_SOURCE_TREE.format(
        path=os.path.dirname(os.path.dirname(os.path.abspath(init_file))))
  else:
    imported = IMPORTED_DISTRIBUTION.format(
        name=owner.metadata["Name"], version=owner.version, path=_location(owner))
  descriptions = [OTHER_DISTRIBUTION.format(
      name=dist.metadata["Name"], version=dist.version,
      summary=dist.metadata["Summary"] or "no summary", path=_location(dist))
                  for dist in others]
  names = " ".join(dict.fromkeys(dist.metadata["Name"] for dist in others))
  return CLASH_MESSAGE.format(others="; ".join(descriptions), imported=imported,
                              names=names)


def warn_on_clash(init_file: str) -> None:
  """Warns (`DistributionClashWarning`) if `find_clash` finds a clash.

  Never raises: a failure to read some distribution's metadata must not stop
  `import sonnet`.

  Args:
    init_file: the imported `sonnet/__init__.py`.
  """
  try:
    message = find_clash(init_file)
  except Exception:  # Broken metadata of another package: not our concern here.
    return
  if message is not None:
    warnings.warn(message, DistributionClashWarning, stacklevel=3)
