"""Which files discovery considers under a directory: one walk, shared by discovery and
by the report cache (which lists the same files without importing the layouts)."""

from __future__ import annotations

import os

SQL_SUFFIXES = (".sql", ".psql", ".pgsql")


def stat_or_none(path: str):
    """os.stat(path), or None when there is nothing readable there."""
    try:
        return os.stat(path)
    except (OSError, ValueError):  # ValueError: a NUL in the path (os.path.exists says False)
        return None


def walk(top: str):
    """os.walk(top) (top-down, errors skipped, symbolic links to directories listed but not
    entered), with hidden directories left out and the others visited in sorted order. A
    directory entry's symlink bit comes from the listing rather than one lstat per directory."""
    try:
        scan = os.scandir(top)
    except OSError:
        return
    dirs: list[str] = []
    files: list[str] = []
    links: set[str] = set()
    with scan:
        while True:
            try:
                entry = next(scan, None)
            except OSError:
                return
            if entry is None:
                break
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if not is_dir:
                files.append(entry.name)
            elif not entry.name.startswith("."):
                dirs.append(entry.name)
                try:
                    if entry.is_symlink():
                        links.add(entry.name)
                except OSError:
                    pass
    dirs.sort()
    yield top, dirs, files
    for name in dirs:
        if name not in links:
            yield from walk(os.path.join(top, name))
