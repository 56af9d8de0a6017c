"""`--changed-since REF`: the migration files added or modified since the merge base of HEAD
and REF (renamed and copied files count as changed), plus uncommitted and untracked ones."""

from __future__ import annotations

import os
import shutil
import subprocess

from schemalint.errors import UsageError


def _git(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", errors="surrogateescape", check=False)


def changed_files(ref: str, cwd: str | None = None) -> set[str]:
    """Real paths of the files changed since the merge base with `ref`."""
    cwd = cwd or os.getcwd()
    if shutil.which("git") is None:
        raise UsageError("--changed-since needs git, which is not on PATH")
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise UsageError(f"--changed-since: {cwd} is not inside a git repository")
    toplevel = top.stdout.strip()
    shallow = _git(["rev-parse", "--is-shallow-repository"], toplevel).stdout.strip() == "true"
    hint = (" This clone is shallow: fetch the base and enough history, e.g. "
            f"`git fetch --unshallow origin` or `git fetch --deepen=200 origin {ref}` "
            "(in GitHub Actions: `actions/checkout` with `fetch-depth: 0`).") if shallow else ""
    if _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], toplevel).returncode != 0:
        raise UsageError(f"--changed-since: unknown revision {ref!r}; fetch it first "
                         f"(e.g. `git fetch origin {ref.removeprefix('origin/')}`).{hint}")
    base = _git(["merge-base", ref, "HEAD"], toplevel)
    if base.returncode != 0 or not base.stdout.strip():
        raise UsageError(f"--changed-since: HEAD and {ref!r} have no common ancestor in this "
                         f"clone.{hint or ' Fetch more history: `git fetch --unshallow`.'}")
    merge_base = base.stdout.split()[0]
    diff = _git(["diff", "--name-only", "-z", "--diff-filter=ACMRT", merge_base, "--"], toplevel)
    if diff.returncode != 0:
        raise UsageError(f"--changed-since: git diff failed: {diff.stderr.strip()}")
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], toplevel)
    names = [n for n in (diff.stdout + untracked.stdout).split("\0") if n]
    return {os.path.realpath(os.path.join(toplevel, n)) for n in names}
