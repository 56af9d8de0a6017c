"""The migrations at a point of the history, for the commands that compare two points
(`diff`, `schema --changed-since`, the check report's schema diff): at a git revision (its
files read with `git archive` into a temporary directory, discovered as the working tree's
are, with the same configuration), in a directory, or in the working tree."""

from __future__ import annotations

import io
import os
import tarfile
import tempfile

from schemalint.commands.collect import collect
from schemalint.config.resolve import Settings
from schemalint.errors import UsageError
from schemalint.gate.changed import fetch_hint, git, git_toplevel, require_commit
from schemalint.gate.changed import merge_base as find_merge_base
from schemalint.gate.reporting import Planned, plan_paths
from schemalint.records import Record


class Side(Record):
    """One point: its migrations in apply order, the directory their paths are relative to
    (the same file at two points has the same relative path), and how to name it."""

    __slots__ = ("label", "migrations", "root")

    def __init__(self, migrations: list, root: str, label: str) -> None:
        self.migrations = migrations
        self.root = root
        self.label = label


def toplevel(cwd: str | None = None) -> str:
    cwd = cwd or os.getcwd()
    return git_toplevel(cwd, "comparing with a git revision",
                        f"{cwd} is not inside a git repository: name two directories to compare")


def resolve_ref(ref: str, top: str, merge_base: bool = False) -> str:
    """The commit `ref` names (with `merge_base`: its merge base with HEAD, as
    `--changed-since` compares); a clear error when it is unknown."""
    require_commit(ref, top, f"unknown revision {ref!r}, and no such file or directory; "
                             f"{fetch_hint(ref)}")
    if merge_base:
        return find_merge_base(ref, top, f"HEAD and {ref!r} have no common ancestor in this "
                                         "clone: fetch more history (`git fetch --unshallow`)")
    return git(["rev-parse", f"{ref}^{{commit}}"], top).stdout.strip()


def _relative(settings: Settings, top: str) -> list[str]:
    """The migration paths (given or configured) relative to the repository's top."""
    planned = plan_paths(list(settings.flags.paths), settings.config)
    if not planned.paths:
        raise UsageError("name the migrations to compare: --path migrations/ (or `paths:` in "
                         ".schemalint.yaml)")
    real_top = os.path.realpath(top)
    out = []
    for path in planned.paths:
        rel = os.path.relpath(os.path.realpath(path), real_top)
        if rel == ".." or rel.startswith(".." + os.sep):
            raise UsageError(f"{path} is outside the git repository at {top}")
        out.append(rel)
    return out


def at_ref(settings: Settings, ref: str, merge_base: bool = False) -> Side:
    """The migrations as they are at git revision `ref`."""
    top = toplevel()
    commit = resolve_ref(ref, top, merge_base)
    rels = _relative(settings, top)
    # A path the revision does not have: no migrations there yet (a history's first commit).
    present = [r for r in rels if r == "." or git(["cat-file", "-e", f"{commit}:{r}"], top).returncode == 0]
    label = ref if not merge_base else f"{ref} (merge base {commit[:12]})"
    if not present:
        return Side([], top, label)
    archive = git(["archive", "--format=tar", commit, "--", *present], top, text=False)
    if archive.returncode != 0:
        raise UsageError(f"git archive {ref} failed: {archive.stderr.decode(errors='replace').strip()}")
    with tempfile.TemporaryDirectory(prefix="schemalint-rev-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            # git's own tree holds no absolute paths or `..`; the data filter (Python 3.11.4+,
            # 3.10.12+) refuses them anyway where it exists.
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, filter="data")
            else:
                tar.extractall(tmp)
        paths = [os.path.normpath(os.path.join(tmp, r)) for r in present]
        collected = collect(settings, Planned(paths), strict=False)
        return Side(collected.migrations, tmp, label)


def at_path(settings: Settings, path: str) -> Side:
    """The migrations in the directory (or file) `path`."""
    if not os.path.exists(path):
        raise UsageError(f"no such file or directory: {path}")
    collected = collect(settings, Planned([path], given=[path]))  # given: errors name it
    root = path if os.path.isdir(path) else os.path.dirname(path)
    return Side(collected.migrations, root, path)


def working_tree(settings: Settings, top: str | None = None) -> Side:
    """The migrations as they are on disk (uncommitted changes included)."""
    collected = collect(settings)
    return Side(collected.migrations, top or toplevel(), "the working tree")
