"""Checks a shared library against the manylinux policy of the wheel; stdlib only.

The op library must run wherever TensorFlow 2.21 does: TensorFlow's own wheel is
tagged manylinux_2_27_x86_64 (glibc 2.27, libstdc++ of GCC 7), so the library
may need no newer symbol versions than that, no shared library beyond the
manylinux set and TensorFlow's own libtensorflow_framework.so.2, and no
RPATH/RUNPATH (one would point into a build folder). tools/build_wheel.py runs
this check before it tags the wheel; auditwheel (`auditwheel show`) agrees.

Usage: python tools/manylinux.py LIBRARY   (prints what it needs; exit 1 if too new)
"""

import dataclasses
import platform
import re
import struct
import sys

# The policy: TensorFlow 2.21's own wheel tag (its .dist-info/WHEEL), and the
# newest symbol versions that PEP 600's manylinux_2_27 allows (auditwheel's
# policy file lists the same).
POLICY = "manylinux_2_27"
POLICY_ARCHITECTURE = "x86_64"
MAX_VERSIONS = {
    "GLIBC": (2, 27),
    "GLIBCXX": (3, 4, 24),
    "CXXABI": (1, 3, 11),
    "GCC": (7, 0, 0),
}
# Version names without a number that the policy allows.
OTHER_VERSIONS = {"CXXABI_FLOAT128", "CXXABI_TM_1"}
# Shared libraries a manylinux wheel may need from the system (PEP 600).
SYSTEM_LIBRARIES = (
    "libc.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libpthread.so.0",
    "libgcc_s.so.1", "libstdc++.so.6", "libatomic.so.1", "libmvec.so.1",
    "libanl.so.1", "libnsl.so.1", "libutil.so.1", "libresolv.so.2",
    "ld-linux-x86-64.so.2",
)
# Needed from TensorFlow's wheel, loaded by `import tensorflow` first; never
# copied into ours (auditwheel repair --exclude it).
TENSORFLOW_LIBRARIES = ("libtensorflow_framework.so.2",)

_SHT_DYNAMIC = 6
_SHT_GNU_VERNEED = 0x6ffffffe
_DT_NEEDED, _DT_RPATH, _DT_RUNPATH = 1, 15, 29


@dataclasses.dataclass
class DynamicInfo:
  """What a shared library needs from the dynamic linker.

  Attributes:
    needed: its DT_NEEDED libraries, in order.
    search_paths: its DT_RPATH and DT_RUNPATH entries.
    versions: library name -> the symbol versions needed from it.
  """
  needed: list[str]
  search_paths: list[str]
  versions: dict[str, list[str]]


def _string(data, offset):
  return data[offset:data.index(b"\0", offset)].decode()


def _sections(data):
  """(type, offset, size, link, info) of each section header of an ELF64 file."""
  section_offset, = struct.unpack_from("<Q", data, 0x28)
  entry_size, count = struct.unpack_from("<HH", data, 0x3a)
  sections = []
  for index in range(count):
    (_, kind, _, _, offset, size, link,
     info) = struct.unpack_from("<IIQQQQII", data, section_offset + index * entry_size)
    sections.append((kind, offset, size, link, info))
  return sections


def read_dynamic_info(path):
  """Reads the dynamic section and the version needs of a 64-bit ELF file.

  Args:
    path: a little-endian ELF64 shared library.

  Returns:
    A `DynamicInfo`.

  Raises:
    ValueError: the file is not such a library.
  """
  with open(path, "rb") as f:
    data = f.read()
  if data[:4] != b"\x7fELF" or data[4:6] != b"\2\1":
    raise ValueError("%s is not a little-endian 64-bit ELF file" % path)
  return parse_dynamic_info(data)


def parse_dynamic_info(data):
  """`read_dynamic_info` of the bytes of a little-endian ELF64 shared library."""
  sections = _sections(data)

  def strings_of(link):
    _, offset, size, _, _ = sections[link]
    return data[offset:offset + size]

  needed, search_paths, versions = [], [], {}
  for kind, offset, size, link, info in sections:
    if kind == _SHT_DYNAMIC:
      strings = strings_of(link)
      for entry in range(offset, offset + size, 16):
        tag, value = struct.unpack_from("<qQ", data, entry)
        if tag == _DT_NEEDED:
          needed.append(_string(strings, value))
        elif tag in (_DT_RPATH, _DT_RUNPATH):
          search_paths.append(_string(strings, value))
    elif kind == _SHT_GNU_VERNEED:
      strings = strings_of(link)
      entry = offset
      for _ in range(info):
        _, aux_count, file_name, aux, next_entry = struct.unpack_from("<HHIII", data, entry)
        names = versions.setdefault(_string(strings, file_name), [])
        aux_entry = entry + aux
        for _ in range(aux_count):
          _, _, _, name, next_aux = struct.unpack_from("<IHHII", data, aux_entry)
          names.append(_string(strings, name))
          aux_entry += next_aux
        entry += next_entry
  return DynamicInfo(needed, search_paths,
                     {k: sorted(v, key=_sort_key) for k, v in versions.items()})


def without_needed(data, names):
  """Returns a copy of a library without the DT_NEEDED entries for `names`.

  The wheel's op library must not record a dependency on
  libtensorflow_framework.so.2, the one library auditwheel would otherwise want
  vendored: `import tensorflow` loads it with RTLD_GLOBAL (TensorFlow 2.21's
  pywrap_tensorflow sets the flag) before any op library, so its symbols resolve
  without the entry. The library must not need symbol versions from `names`
  (TensorFlow's symbols are unversioned). The dynamic section keeps its size:
  the remaining entries move up and DT_NULL fills the end.

  Args:
    data: a little-endian ELF64 shared library.
    names: the sonames to drop.

  Returns:
    The new bytes.

  Raises:
    ValueError: the file is not such a library, or it needs symbol versions from
      one of `names`.
  """
  if data[:4] != b"\x7fELF" or data[4:6] != b"\2\1":
    raise ValueError("not a little-endian 64-bit ELF file")
  versions = parse_dynamic_info(data).versions
  clash = sorted(set(names) & set(versions))
  if clash:
    raise ValueError("needs symbol versions from %s; its DT_NEEDED entry must stay"
                     % ", ".join(clash))
  out = bytearray(data)
  for kind, offset, size, link, _ in _sections(data):
    if kind != _SHT_DYNAMIC:
      continue
    _, strings_offset, strings_size, _, _ = _sections(data)[link]
    strings = data[strings_offset:strings_offset + strings_size]
    entries = [struct.unpack_from("<qQ", data, entry)
               for entry in range(offset, offset + size, 16)]
    kept = [(tag, value) for tag, value in entries
            if not (tag == _DT_NEEDED and _string(strings, value) in names)]
    kept += [(0, 0)] * (len(entries) - len(kept))
    for index, (tag, value) in enumerate(kept):
      struct.pack_into("<qQ", out, offset + 16 * index, tag, value)
  return bytes(out)


def _sort_key(name):
  key = version_key(name)
  return (0, key[0], key[1]) if key else (1, name, ())


def version_key(name):
  """("GLIBCXX", (3, 4, 21)) for "GLIBCXX_3.4.21"; None if it has no number."""
  match = re.fullmatch(r"([A-Z]+)_(\d+(?:\.\d+)*)", name)
  if not match:
    return None
  return match.group(1), tuple(int(part) for part in match.group(2).split("."))


def newest_versions(info):
  """The newest symbol version needed per prefix, e.g. {"GLIBC": "GLIBC_2.14"}."""
  newest = {}
  for names in info.versions.values():
    for name in names:
      key = version_key(name)
      if key and (key[0] not in newest or key[1] > version_key(newest[key[0]])[1]):
        newest[key[0]] = name
  return dict(sorted(newest.items()))


def violations(info, allowed_libraries=SYSTEM_LIBRARIES + TENSORFLOW_LIBRARIES):
  """What keeps a library out of the policy.

  Args:
    info: the library's `DynamicInfo`.
    allowed_libraries: the libraries it may need (the wheel's copy: the system's only).

  Returns:
    One line per problem; empty if the library meets `POLICY`.
  """
  problems = []
  for library in info.needed:
    if library not in allowed_libraries:
      problems.append("needs %s, which is not among the allowed libraries (%s)"
                      % (library, ", ".join(allowed_libraries)))
  for path in info.search_paths:
    problems.append("has RPATH/RUNPATH %s" % path)
  for library, names in sorted(info.versions.items()):
    if library in TENSORFLOW_LIBRARIES:
      continue
    for name in names:
      key = version_key(name)
      if key is None:
        if name not in OTHER_VERSIONS:
          problems.append("needs %s from %s, not allowed by %s" % (name, library, POLICY))
      elif key[0] not in MAX_VERSIONS:
        problems.append("needs %s from %s, a version family %s does not allow"
                        % (name, library, POLICY))
      elif key[1] > MAX_VERSIONS[key[0]]:
        problems.append("needs %s from %s, newer than %s allows (%s_%s)" % (
            name, library, POLICY, key[0], ".".join(map(str, MAX_VERSIONS[key[0]]))))
  return problems


def platform_tag():
  """The wheel's platform tag: the policy's on x86-64, else plain linux_<arch>."""
  machine = platform.machine()
  if machine == POLICY_ARCHITECTURE:
    return "%s_%s" % (POLICY, machine)
  return "linux_%s" % machine


def main(argv):
  if len(argv) != 2:
    print(__doc__, file=sys.stderr)
    return 2
  info = read_dynamic_info(argv[1])
  print("needed: %s" % " ".join(info.needed))
  print("rpath/runpath: %s" % (" ".join(info.search_paths) or "none"))
  for library, names in sorted(info.versions.items()):
    print("%s: %s" % (library, " ".join(names)))
  print("newest: %s" % " ".join(newest_versions(info).values()))
  problems = violations(info)
  for problem in problems:
    print("NOT %s: %s" % (POLICY, problem))
  if not problems:
    print("meets %s" % POLICY)
  return 1 if problems else 0


if __name__ == "__main__":
  sys.exit(main(sys.argv))
