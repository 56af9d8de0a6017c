"""Which files discovery considers under a directory: one walk, shared by discovery and
by the report cache (which lists the same files without importing the layouts)."""

from __future__ import annotations

import os

# Dialect names in file names of projects that keep one variant per database engine
# (`name.sql.postgres` beside `name.sql.sqlite`, pop's `<version>_<name>.<dialect>.up.sql`):
# PostgreSQL's variants are migrations, the others are skipped (and counted).
POSTGRES_DIALECTS = frozenset(("postgres", "postgresql", "pg", "pgx", "pgsql"))
OTHER_DIALECTS = frozenset(("sqlite", "sqlite3", "mysql", "mariadb", "mssql", "sqlserver", "oracle", "h2",
                            "hsqldb", "derby", "db2", "cockroach", "cockroachdb", "crdb", "duckdb", "clickhouse"))
SQL_SUFFIXES = (".sql", ".psql", ".pgsql",
                *sorted(f".sql.{d}" for d in POSTGRES_DIALECTS | OTHER_DIALECTS if d != "pgsql"))


_POSIX = os.name == "posix"


def absolute_path(path: str) -> str:
    """os.path.abspath(path); an absolute path with no empty, "." or ".." component and no
    trailing "/" is already what it returns (posix), so it is not normalised again (a run
    naming thousands of files, as a shell glob or CI passes them, would normalise each)."""
    if (_POSIX and path[:1] == "/" and path[1:2] != "/" and "//" not in path and "/." not in path
            and not path.endswith("/")):
        return path
    return os.path.abspath(path)


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
