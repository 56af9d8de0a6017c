"""Where a CI run that starts from a checkpoint spends its time, stage by stage (the figures
docs/cache.md and docs/performance.md's "CI with a restored cache" quote).

    python bench/checkpoint_stages.py [--runs 4] [PATH...]     default: bench (b), 50,000 statements

For each PATH (a directory of migrations): copies it to a fresh directory and checks it once
with a cache (the base branch's run, which stores the checkpoint), adds one migration after
the others (the pull request), then, `--runs` times, restores a copy of that cache and runs
`schemalint check DIR --format json` in this process, with a perf_counter around each stage:
restoring the checkpoint, checking the files after it, the schema rules, `finish` and the
report (to /dev/null). Two variants alternate in each round:

- `stored`: as shipped. The checkpoint is stored once the schema rules have run, so the sites
  they reported are stored located;
- `spans-forgotten`: the restored model's sites forget their located spans, as they were when
  the checkpoint was stored before the schema rules: what storing after them saves.

Prints the median of each stage, in ms. Run it from the repository root: the configuration,
and so the cache keys, follow the working directory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from pieces_setup import bench_b  # noqa: E402 - bench/ is not a package

STAGES = ("restore", "new files", "schema rules", "finish", "report", "whole command")
NEW_MIGRATION = "999999_pull_request.sql"


def forget_spans(model) -> None:
    from schemalint.model.objects import LazySite

    for table in model.tables.values():
        sites = [table.site]
        sites += [col.type_site for col in table.columns.values()]
        sites += [con.site for con in table.constraints.values()]
        for site in sites:
            if isinstance(site, LazySite):
                site._span = None
    for index in model.indexes.values():
        if isinstance(index.site, LazySite):
            index.site._span = None


def timed_run(checkout: str, cache: str, forget: bool) -> dict[str, float]:
    from schemalint.check.engine import Checker
    from schemalint.cli import main
    from schemalint.commands import pipeline
    from schemalint.speed.checkpoint import Checkpoints

    times: dict[str, float] = {}
    patched = []

    def around(owner, name, stage, after=None):
        real = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                times[stage] = times.get(stage, 0.0) + time.perf_counter() - start
                if after is not None:
                    after(args)

        setattr(owner, name, timed)
        patched.append((owner, name, real))

    around(Checkpoints, "restore", "restore",
           after=(lambda args: forget_spans(args[1].model)) if forget else None)
    around(Checker, "run", "new files")
    around(Checker, "check_schema", "schema rules")
    around(Checker, "finish", "finish")
    around(pipeline, "emit", "report")
    start = time.perf_counter()
    try:
        with open(os.devnull, "w") as devnull:
            real_stdout, sys.stdout = sys.stdout, devnull
            try:
                main(["check", checkout, "--format", "json", "--cache-dir", cache])
            finally:
                sys.stdout = real_stdout
    finally:
        times["whole command"] = time.perf_counter() - start
        for owner, name, real in reversed(patched):
            setattr(owner, name, real)
    return times


def bench(path: str, runs: int) -> None:
    from schemalint.cli import main

    work = tempfile.mkdtemp(prefix="schemalint-checkpoint-stages-")
    try:
        checkout, saved = os.path.join(work, "checkout"), os.path.join(work, "saved")
        shutil.copytree(path, checkout)
        with open(os.devnull, "w") as devnull:
            real_stdout, sys.stdout = sys.stdout, devnull
            try:
                main(["check", checkout, "--format", "json", "--cache-dir", saved])
            finally:
                sys.stdout = real_stdout
        with open(os.path.join(checkout, NEW_MIGRATION), "w", encoding="utf-8") as fh:
            fh.write("ALTER TABLE orders ADD COLUMN shipped_at timestamptz;\n")
        results: dict[str, list[dict]] = {"stored": [], "spans-forgotten": []}
        for _ in range(runs):
            for variant in results:
                restored = os.path.join(work, "restored")
                shutil.rmtree(restored, ignore_errors=True)
                shutil.copytree(saved, restored)
                results[variant].append(timed_run(checkout, restored, variant == "spans-forgotten"))
        print(f"{path}: medians of {runs} runs, ms (load average {os.getloadavg()[0]:.2f})")
        print("| stage | " + " | ".join(results) + " |")
        print("|---|" + "---|" * len(results))
        for stage in STAGES:
            cells = [f"{statistics.median(r.get(stage, 0.0) for r in rs) * 1000:,.0f}"
                     for rs in results.values()]
            print(f"| {stage} | " + " | ".join(cells) + " |")
        if any(r.get("restore", 0.0) < 0.001 for rs in results.values() for r in rs):
            print("warning: a run found no checkpoint (run this from the repository root)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    for path in args.paths or [bench_b()]:
        bench(path, args.runs)


if __name__ == "__main__":
    main()
