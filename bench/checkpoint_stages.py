"""Where a CI run that starts from a checkpoint spends its time, stage by stage (the figures
docs/cache.md and docs/performance.md's "CI with a restored cache" quote).

    python bench/checkpoint_stages.py [--runs 4] [PATH...]     default: bench (b), 50,000 statements

For each PATH (a directory of migrations): copies it to a fresh directory and checks it once
with a cache (the base branch's run, which stores the checkpoint), adds one migration after
the others (the pull request), then, `--runs` times, restores a copy of that cache and runs
`schemalint check DIR --format json` in this process (as the command line runs it: the run's
objects frozen for the exit and left to it, schemalint/process.py), with a perf_counter
around each stage: restoring the checkpoint, checking the files after it, the schema rules,
`finish`, storing the whole run's findings for the next run (`runs/`: done by a forked child
beside the rest, speed/parallel.beside, so near 0 here; `whole command` includes waiting for
it, as the command line waits before it ends), and the report (to /dev/null). Five variants
alternate in each round:

- `changed tables`: as shipped. The schema rules run again only on the tables the new
  migration changed; the other tables' findings are the checkpoint's (speed/schema_delta.py);
- `every table`: the schema rules on the whole model, as before schema_delta.py;
- `collector walks`: as shipped, but the run's objects are not frozen, and the cyclic
  collector's first pass after its pause walks them (inside `whole command`);
- `objects freed`: as shipped, but the run's objects are not kept for the exit: the model,
  the parse results and the findings are freed one by one as the functions holding them
  return (inside `whole command`), as a caller that goes on (a test, an editor) frees them;
- `findings stored here`: as shipped, but this process stores the whole run's findings
  itself instead of a child beside the run (speed/parallel.beside).

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
from timing import Stopwatch, quiet_stdout  # noqa: E402

STAGES = ("restore", "new files", "schema rules", "finish", "store findings", "report", "whole command")
NEW_MIGRATION = "999999_pull_request.sql"


def timed_run(checkout: str, cache: str, variant: str) -> dict[str, float]:
    import gc

    from schemalint import process
    from schemalint.check.engine import Checker
    from schemalint.cli import main
    from schemalint.commands import pipeline
    from schemalint.speed import cache as cache_mod
    from schemalint.speed import parallel, schema_delta
    from schemalint.speed.checkpoint import Checkpoints
    from schemalint.speed.store import Cache

    watch = Stopwatch()
    watch.wrap_each([(Checkpoints, "restore", "restore"), (Checker, "run", "new files"),
                     (Checker, "check_schema", "schema rules"), (Checker, "finish", "finish"),
                     (cache_mod, "encode_diagnostics", "store findings"),
                     (Cache, "store_run", "store findings"), (pipeline, "emit", "report")])
    if variant == "every table":
        watch.replace(schema_delta, "_changed", lambda model, before: None)
    # As from the command line (schemalint/process.py): the run's objects are frozen before
    # the collector comes back, and left to the exit rather than freed. The variants undo one.
    watch.replace(process, "ENDS_AFTER_COMMAND", True)
    if variant == "collector walks":
        watch.replace(gc, "freeze", lambda: None)
    if variant == "objects freed":
        watch.replace(process, "keep", lambda *objects: None)
    if variant == "findings stored here":
        watch.replace(parallel, "beside", lambda work: False)
    start = time.perf_counter()
    try:
        with quiet_stdout():
            main(["check", checkout, "--format", "json", "--cache-dir", cache])
        parallel._reap_beside()  # the command line waits for the child storing the findings
    finally:
        watch.spent["whole command"] = time.perf_counter() - start
        watch.restore()
        process._kept.clear()  # this process goes on: the next run's objects are its own
        gc.unfreeze()
        gc.collect()
    return watch.spent


def bench(path: str, runs: int) -> None:
    from schemalint.cli import main

    work = tempfile.mkdtemp(prefix="schemalint-checkpoint-stages-")
    try:
        checkout, saved = os.path.join(work, "checkout"), os.path.join(work, "saved")
        shutil.copytree(path, checkout)
        with quiet_stdout():
            main(["check", checkout, "--format", "json", "--cache-dir", saved])
        with open(os.path.join(checkout, NEW_MIGRATION), "w", encoding="utf-8") as fh:
            fh.write("ALTER TABLE orders ADD COLUMN shipped_at timestamptz;\n")
        results: dict[str, list[dict]] = {"changed tables": [], "every table": [], "collector walks": [],
                                          "objects freed": [], "findings stored here": []}
        for _ in range(runs):
            for variant in results:
                restored = os.path.join(work, "restored")
                shutil.rmtree(restored, ignore_errors=True)
                shutil.copytree(saved, restored)
                results[variant].append(timed_run(checkout, restored, variant))
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
