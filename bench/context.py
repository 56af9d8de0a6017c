"""Runs that report one migration of a long history, checked in the context of all of it.

    python bench/context.py [--runs 5] [--executable schemalint] [HISTORY_DIR]
    default HISTORY_DIR: bench (b)'s, bench/results/gen50000/migrations (made by bench/run.py)

Copies the history to a temporary git repository (committed) with a `.schemalint.yaml`
declaring it as the migration `paths` (docs/pre-commit.md), fills the cache with one run,
then, each round, changes the last migration (a new comment line, so its parse and every
cached report are stale) and times, alternately:
- `schemalint check LAST` - what the pre-commit hook runs: the whole history folded, LAST
  reported (the other files are only folded, not checked: `engine.lint(reported=)`);
- `schemalint check --changed-since HEAD` - the same through git (CI on a pull request);
- `schemalint check` - the whole history checked and reported (what both cost before).
Prints the median and min-max wall time of each. Both use the cache as a developer's
machine has it (the parse results of the unchanged files are cached).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT = os.path.join(ROOT, "bench", "results", "gen50000", "migrations")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("history", nargs="?", default=DEFAULT)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--executable", default=None,
                    help="a schemalint executable (default: this Python's `-m schemalint`)")
    args = ap.parse_args(argv)
    if not os.path.isdir(args.history):
        sys.exit(f"{args.history}: not a directory (bench (b) is made by bench/run.py)")
    command = [args.executable] if args.executable else [sys.executable, "-m", "schemalint"]
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("SCHEMALINT_NO_CACHE", None)
    with tempfile.TemporaryDirectory(prefix="schemalint-context-") as tmp:
        history = os.path.join(tmp, "migrations")
        shutil.copytree(args.history, history)
        with open(os.path.join(tmp, ".schemalint.yaml"), "w", encoding="utf-8") as fh:
            fh.write("paths:\n  - migrations\n")
        files = sorted(f for f in os.listdir(history) if f.endswith(".sql"))
        last = os.path.join("migrations", files[-1])
        git_env = {**env, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
                   "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
        for git in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "history"]):
            subprocess.run(["git", *git], cwd=tmp, env=git_env, check=True)

        def run(*extra: str) -> float:
            start = time.perf_counter()
            done = subprocess.run([*command, "check", *extra, "--format", "json"], cwd=tmp,
                                  env=env, stdout=subprocess.DEVNULL)
            took = time.perf_counter() - start
            if done.returncode not in (0, 1):
                sys.exit(f"schemalint exited {done.returncode}")
            return took

        run()  # the cache: parse results of every file
        cases = (("check LAST (the hook)", (last,)),
                 ("check --changed-since HEAD", ("--changed-since", "HEAD")),
                 ("check (everything)", ()))
        times: dict[str, list[float]] = {label: [] for label, _ in cases}
        for i in range(args.runs):
            for label, extra in cases:
                with open(os.path.join(tmp, last), "a", encoding="utf-8") as fh:
                    fh.write(f"-- change {i} {label}\n")
                times[label].append(run(*extra))
        print(f"{len(files)} files; medians of {args.runs} (min-max), parse results cached")
        for label, values in times.items():
            print(f"  {label:28} {statistics.median(values):6.2f} s "
                  f"({min(values):.2f}-{max(values):.2f})")


if __name__ == "__main__":
    main()
