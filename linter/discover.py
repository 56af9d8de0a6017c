"""Find migration files and put them in the order they are applied.

The seam for framework layouts is `Layout`: it decides which files belong, their
order, up/down direction and the implicit transaction. `plain` is the default;
more layouts register in LAYOUTS.
"""

from __future__ import annotations

import glob
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

from .source import Migration, decode_bytes

SQL_SUFFIXES = (".sql", ".psql", ".pgsql")
_DIGITS = re.compile(r"(\d+)")


def natural_key(path: str) -> tuple:
    """Number-aware sort key: V1_9 < V1_10, 2_x < 10_x; compares path components in order."""
    parts = []
    for component in path.replace(os.sep, "/").split("/"):
        chunks = _DIGITS.split(component.lower())
        parts.append(tuple((0, int(c), c) if c.isdigit() else (1, 0, c) for c in chunks if c != ""))
    return tuple(parts)


def is_down_path(path: str) -> bool:
    name = os.path.basename(path).lower()
    return name == "down.sql" or name.endswith(".down.sql")


@dataclass
class Candidate:
    """A file found on disk, before it is read."""

    path: str  # display path
    abs_path: str
    root: str  # the directory argument it was found under ("" for a file argument)

    @property
    def relative(self) -> str:
        if not self.root:
            return os.path.basename(self.path)
        root = self.root.rstrip(os.sep)
        if self.abs_path.startswith(root + os.sep):  # both absolute and normalised
            return self.abs_path[len(root) + 1:]
        return os.path.relpath(self.abs_path, self.root)


@dataclass
class Discovery:
    migrations: list[Migration] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    missing: list[str] = field(default_factory=list)


class PlainLayout:
    name = "plain"

    def order(self, candidates: list[Candidate]) -> list[Candidate]:
        return sorted(candidates, key=lambda c: (natural_key(c.root), natural_key(c.relative)))

    def load(self, candidate: Candidate, data: bytes) -> list[Migration]:
        decoded = decode_bytes(data)
        return [Migration(
            path=candidate.path,
            text=decoded.text,
            direction="down" if is_down_path(candidate.path) else "up",
            invalid_utf8_at=decoded.invalid_at,
        )]


LAYOUTS: dict[str, object] = {"plain": PlainLayout()}


def _display(path: str, full: str | None = None) -> str:
    # Fast path for the usual case, a file under the working directory: os.path.relpath
    # normalises both paths on every call (a third of discovery time on 2,000 files).
    # `full`: os.path.abspath(path), when the caller has it.
    cwd = os.getcwd()
    full = os.path.abspath(path) if full is None else full
    if full.startswith(cwd) and full[len(cwd):len(cwd) + 1] == os.sep and cwd != os.sep:
        return full[len(cwd) + 1:]
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel


def find_candidates(args: Iterable[str], exclude: Iterable[str] = ()) -> tuple[list[Candidate], list[str]]:
    found: dict[str, Candidate] = {}
    missing: list[str] = []
    for arg in args:
        if os.path.isdir(arg):
            root = os.path.abspath(arg)
            for dirpath, dirnames, filenames in os.walk(arg):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                abs_dir = os.path.abspath(dirpath)  # normalised once per directory
                for name in filenames:
                    if name.lower().endswith(SQL_SUFFIXES):
                        full = os.path.join(dirpath, name)
                        abs_full = os.path.join(abs_dir, name)
                        if abs_full not in found:
                            found[abs_full] = Candidate(_display(full, abs_full), abs_full, root)
        elif os.path.exists(arg) or os.path.islink(arg):
            abs_full = os.path.abspath(arg)
            if abs_full not in found:
                found[abs_full] = Candidate(_display(arg, abs_full), abs_full, "")
        elif glob.has_magic(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                missing.append(arg)
            for m in matches:
                if os.path.isfile(m):
                    found.setdefault(os.path.abspath(m), Candidate(_display(m), os.path.abspath(m), ""))
        else:
            missing.append(arg)
    excluded = tuple(exclude)
    cands = [c for c in found.values() if not any(_glob_match(c.path, pat) for pat in excluded)]
    return cands, missing


def _glob_match(path: str, pattern: str) -> bool:
    from fnmatch import fnmatch

    return fnmatch(path, pattern) or fnmatch(os.path.basename(path), pattern)


def discover(args: Iterable[str], layout: str = "plain", exclude: Iterable[str] = ()) -> Discovery:
    candidates, missing = find_candidates(args, exclude)
    result = Discovery(missing=missing)
    chosen = LAYOUTS[layout]
    for cand in chosen.order(candidates):
        try:
            with open(cand.abs_path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            result.unreadable.append((cand.path, exc.strerror or str(exc)))
            continue
        result.migrations.extend(chosen.load(cand, data))
    return result


def read_stdin(filename: str = "<stdin>") -> Migration:
    data = sys.stdin.buffer.read()
    decoded = decode_bytes(data)
    return Migration(path=filename, text=decoded.text, invalid_utf8_at=decoded.invalid_at,
                     direction="down" if is_down_path(filename) else "up")
