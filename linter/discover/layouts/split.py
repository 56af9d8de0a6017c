"""A new migration right after an existing one, named by its layout's convention: where
`--fix --unsafe-fixes` moves a CONCURRENTLY statement that cannot share its file (a runner that
sends the file as one query string runs its statements as one transaction block).

Only the layouts whose runner sends one string need it (Layout.sends); each names a version
one above the original's (the next free one, so it applies right after it) and writes the files
its framework wants around the statement."""

from __future__ import annotations

import os
import re

_FLAT = re.compile(r"^(?P<version>\d+)_(?P<rest>.+?)(?P<suffix>(?:\.autocommit)?\.up\.sql)$")
_DBMATE = re.compile(r"^(?P<version>\d+)_(?P<rest>.+?)(?P<suffix>\.sql)$")
_FOLDER = re.compile(r"^(?P<version>\d+)_(?P<rest>.+)$")


def _taken(directory: str) -> set[int]:
    """The versions of the files or folders in `directory` (their leading digits)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return set()
    return {int(m.group(1)) for m in map(re.compile(r"^(\d+)_").match, names) if m}


def _next_version(version: str, directory: str, after: int) -> str | None:
    """The version `after` steps above `version`, in its width, when it is free and comes before
    the next version in `directory` (None: the naming leaves no room)."""
    taken = _taken(directory)
    base = int(version)
    wanted = base + after
    if any(base < v <= wanted for v in taken):
        return None  # a later migration already has this version, or one between
    return f"{wanted:0{len(version)}d}"


def companion(path: str, layout: str, statement: str, after: int = 1) -> list[tuple[str, str]] | None:
    """The files of a new migration of `layout` that runs right after `path` and holds
    `statement` alone ((path, text) each; `after`: the how-manieth such migration), or None when
    the layout has no such naming or no version is free."""
    directory, name = os.path.split(path)
    body = statement.rstrip().rstrip(";") + ";\n"
    if layout in ("golang-migrate", "pop"):
        m = _FLAT.match(name)
        version = m and _next_version(m.group("version"), directory, after)
        if not version:
            return None
        stem = f"{version}_{m.group('rest')}_concurrently{m.group('suffix')[:-len('.up.sql')]}"
        files = [(os.path.join(directory, f"{stem}.up.sql"), body)]
        if layout == "pop":  # popx refuses an up migration without its down migration
            files.append((os.path.join(directory, f"{stem}.down.sql"), ""))
        return files
    if layout == "dbmate":
        m = _DBMATE.match(name)
        version = m and _next_version(m.group("version"), directory, after)
        if not version:
            return None
        text = f"-- migrate:up transaction:false\n{body}\n-- migrate:down\n"
        return [(os.path.join(directory, f"{version}_{m.group('rest')}_concurrently.sql"), text)]
    if layout in ("prisma", "diesel"):
        folder, parent = os.path.split(directory)
        m = _FOLDER.match(parent)
        version = m and _next_version(m.group("version"), folder, after)
        if not version:
            return None
        new = os.path.join(folder, f"{version}_{m.group('rest')}_concurrently")
        if layout == "prisma":
            return [(os.path.join(new, "migration.sql"), body)]
        return [(os.path.join(new, "up.sql"), body), (os.path.join(new, "down.sql"), ""),
                (os.path.join(new, "metadata.toml"), "run_in_transaction = false\n")]
    return None
