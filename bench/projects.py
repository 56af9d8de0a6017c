"""Time `schemalint check PROJECT --no-cache` on each project of the shared corpus.

Issue 2 asks for "well under a second for a typical repository": each corpus project is one
real repository's migration history. Usage: `python bench/projects.py [--runs 5] [--corpus DIR]`.
Prints a Markdown table of wall-time medians (min–max) and statement counts. Like bench/run.py,
it compiles bytecode first and runs without PYTHONDONTWRITEBYTECODE, as users run it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    args = ap.parse_args()
    if not os.path.isdir(args.corpus):
        print(f"corpus not found at {args.corpus}: nothing to measure", file=sys.stderr)
        return 0
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.join(ROOT, "linter"),
                    os.path.join(ROOT, "rules")], check=True, env=env)
    print("| project | files | statements | wall median | min–max |")
    print("|---|---|---|---|---|")
    for name in sorted(os.listdir(args.corpus)):
        project = os.path.join(args.corpus, name)
        if not os.path.isdir(project):
            continue
        cmd = [sys.executable, "-m", "schemalint", "check", project, "--format", "json", "--no-cache"]
        walls, summary = [], {}
        for _ in range(args.runs):
            began = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, env=env, check=False)
            walls.append(time.perf_counter() - began)
            summary = json.loads(proc.stdout)["summary"]
        print(f"| {name} | {summary['files']} | {summary['statements']} | "
              f"{statistics.median(walls):.2f} s | {min(walls):.2f}–{max(walls):.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
