"""`--changed-since REF`: the migration files added or modified since the merge base of HEAD
and REF (renamed and copied files count as changed), plus uncommitted and untracked ones."""

from __future__ import annotations

import os
import shutil
import subprocess

from schemalint.errors import UsageError


def git(args: list[str], cwd: str, text: bool = True) -> subprocess.CompletedProcess:
    """Run git; its output as text (undecodable bytes kept as surrogates) or bytes."""
    if not text:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", errors="surrogateescape", check=False)


def git_toplevel(cwd: str, needs: str, outside: str) -> str:
    """The top of the git work tree holding `cwd`; errors say what `needs` git, and `outside`
    when `cwd` is in no repository."""
    if shutil.which("git") is None:
        raise UsageError(f"{needs} needs git, which is not on PATH")
    top = git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise UsageError(outside)
    return top.stdout.strip()


def fetch_hint(ref: str) -> str:
    return f"fetch it first (e.g. `git fetch origin {ref.removeprefix('origin/')}`)"


def require_commit(ref: str, toplevel: str, unknown: str) -> None:
    """`unknown` (a UsageError) unless `ref` names a commit; never passed to git as an option."""
    if ref.startswith("-") or git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
                                  toplevel).returncode != 0:
        raise UsageError(unknown)


def merge_base(ref: str, toplevel: str, unrelated: str) -> str:
    """The merge base of `ref` and HEAD; `unrelated` (a UsageError) when there is none."""
    base = git(["merge-base", ref, "HEAD"], toplevel)
    if base.returncode != 0 or not base.stdout.strip():
        raise UsageError(unrelated)
    return base.stdout.split()[0]


def changed_files(ref: str, cwd: str | None = None) -> set[str]:
    """Real paths of the files changed since the merge base with `ref`."""
    cwd = cwd or os.getcwd()
    toplevel = git_toplevel(cwd, "--changed-since", f"--changed-since: {cwd} is not inside a git repository")
    shallow = git(["rev-parse", "--is-shallow-repository"], toplevel).stdout.strip() == "true"
    hint = (" This clone is shallow: fetch the base and enough history, e.g. "
            f"`git fetch --unshallow origin` or `git fetch --deepen=200 origin {ref}` "
            "(in GitHub Actions: `actions/checkout` with `fetch-depth: 0`).") if shallow else ""
    require_commit(ref, toplevel, f"--changed-since: unknown revision {ref!r}; {fetch_hint(ref)}.{hint}")
    base = merge_base(ref, toplevel, f"--changed-since: HEAD and {ref!r} have no common ancestor "
                                     f"in this clone.{hint or ' Fetch more history: `git fetch --unshallow`.'}")
    diff = git(["diff", "--name-only", "-z", "--diff-filter=ACMRT", base, "--"], toplevel)
    if diff.returncode != 0:
        raise UsageError(f"--changed-since: git diff failed: {diff.stderr.strip()}")
    untracked = git(["ls-files", "--others", "--exclude-standard", "-z"], toplevel)
    names = [n for n in (diff.stdout + untracked.stdout).split("\0") if n]
    return {os.path.realpath(os.path.join(toplevel, n)) for n in names}


FIX_APPLIED_HINT = "pass --fix-applied to fix it anyway"


def default_branch(toplevel: str) -> str | None:
    """The repository's default branch as a revision: what `origin/HEAD` points to, else the
    first of origin/main, origin/master, main, master that exists; None when none does."""
    head = git(["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"], toplevel)
    if head.returncode == 0 and head.stdout.strip():
        return head.stdout.strip()
    for ref in ("origin/main", "origin/master", "main", "master"):
        if git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], toplevel).returncode == 0:
            return ref
    return None


def applied_files(paths: list[str], ref: str | None) -> dict[str, str]:
    """The files `--fix` must leave alone, each with the reason: files committed before the
    merge base with `ref` (default: the default branch) are taken as applied somewhere (a
    rewritten Flyway migration fails its checksum, and what ran in production would no longer
    be what the file says); only untracked files and files changed since are fixed. Outside a
    git repository nothing tells which files were applied: every file is left alone."""
    out: dict[str, str] = {}
    by_top: dict[str, list[str]] = {}
    has_git = shutil.which("git") is not None
    tops: dict[str, str | None] = {}  # directory -> its repository's top level (None: not in one)
    for path in paths:
        directory = os.path.dirname(os.path.abspath(path))
        if directory not in tops:
            found = git(["rev-parse", "--show-toplevel"], directory) if has_git and os.path.isdir(directory) else None
            tops[directory] = found.stdout.strip() if found is not None and found.returncode == 0 else None
        top = tops[directory]
        if top is None:
            out[path] = ("not in a git repository, so it may be a migration that was already applied; "
                         + FIX_APPLIED_HINT)
        else:
            by_top.setdefault(top, []).append(path)
    for toplevel, files in by_top.items():
        if not ref and git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], toplevel).returncode != 0:
            continue  # nothing committed yet: every file is new
        base = ref or default_branch(toplevel) or "HEAD"
        changed = changed_files(base, toplevel)
        shown = base if ref or base != "HEAD" else "HEAD (no default branch found)"
        for path in files:
            if os.path.realpath(path) not in changed:
                out[path] = (f"committed before the merge base with {shown}, so it may be a migration "
                             f"that was already applied; {FIX_APPLIED_HINT} (or choose the base with "
                             "--changed-since)")
    return out
