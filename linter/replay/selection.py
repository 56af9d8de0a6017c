"""Which migrations are traced: `--since GIT_REF`, `--last N` or `--from FILE`.

The traced ones are the selected migration and every later one, in apply order; the
earlier ones are applied untraced first, to build the starting schema."""

from __future__ import annotations

import os
import subprocess

from schemalint.errors import UsageError


def _git(args: list[str], cwd: str) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(f"--since: cannot run git: {exc}") from None
    if result.returncode != 0:
        raise UsageError(f"--since: git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def changed_since(ref: str, cwd: str) -> set[str]:
    """Absolute paths of files added or modified since `ref`, untracked files included."""
    top = _git(["rev-parse", "--show-toplevel"], cwd).strip()
    names = _git(["diff", "--name-only", "--diff-filter=AMR", ref, "--"], top).splitlines()
    names += _git(["ls-files", "--others", "--exclude-standard"], top).splitlines()
    return {os.path.realpath(os.path.join(top, n)) for n in names if n}


def first_traced(migrations, *, since: str | None = None, last: int | None = None,
                 from_file: str | None = None, cwd: str | None = None) -> int:
    """Index in `migrations` (the up migrations, in order) of the first traced one."""
    given = [name for name, v in (("--since", since), ("--last", last), ("--from", from_file))
             if v is not None]
    if len(given) > 1:
        raise UsageError(f"{' and '.join(given)} cannot be combined: choose one")
    if last is not None:
        if last < 1:
            raise UsageError("--last: expected a positive number of migrations")
        return max(0, len(migrations) - last)
    if from_file is not None:
        wanted = os.path.realpath(from_file)
        for i, m in enumerate(migrations):
            if os.path.realpath(m.path) == wanted or m.path == from_file:
                return i
        raise UsageError(f"--from {from_file}: not one of the migrations found")
    if since is not None:
        changed = changed_since(since, cwd or os.getcwd())
        for i, m in enumerate(migrations):
            if os.path.realpath(m.path) in changed:
                return i
        return len(migrations)
    return 0
