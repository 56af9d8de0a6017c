"""Where a cold run's time goes, stage by stage (the split docs/performance.md quotes).

    python bench/stages.py [--runs 3] FILE_OR_DIR...      e.g. bench/results/gen50000/migrations

Runs `schemalint check PATHS --format json --no-cache` in this process, unsplit
(`SCHEMALINT_JOBS=1`: no half of the run hidden in a forked child, parallel.py), with a
perf_counter around each stage: discovery (`check.collect`), parsing (`parse.parse_sql`:
libpg_query + JSON decoding), folding the model (`Model.fold`), the rest of the lint stage
(the rules, the engine around them, building the findings) and writing the report
(`check.emit`, to /dev/null). Prints the median of each stage over the runs, in ms and as a
share of the whole command. Imports are outside the timings.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time


def one_run(paths: list[str]) -> dict[str, float]:
    import schemalint.cache as cache_mod
    import schemalint.commands.check as check_mod
    import schemalint.model as model_mod
    import schemalint.parse as parse_mod
    from schemalint.cli import main

    spent: dict[str, float] = {}

    def timed(owner, name: str, label: str):
        real = getattr(owner, name)

        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - t
        setattr(owner, name, wrapper)
        return real

    patched = [(check_mod, "collect", timed(check_mod, "collect", "discovery")),
               (check_mod, "emit", timed(check_mod, "emit", "report")),
               (cache_mod, "lint_migrations", timed(cache_mod, "lint_migrations", "lint")),
               (parse_mod, "parse_sql", timed(parse_mod, "parse_sql", "parse")),
               (model_mod.Model, "fold", timed(model_mod.Model, "fold", "fold"))]
    stdout = sys.stdout
    sys.stdout = open(os.devnull, "w", encoding="utf-8")
    try:
        t = time.perf_counter()
        main(["check", *paths, "--format", "json", "--no-cache"])
        spent["total"] = time.perf_counter() - t
    finally:
        sys.stdout.close()
        sys.stdout = stdout
        for owner, name, real in patched:
            setattr(owner, name, real)
    # `lint` contains parsing and folding; what is left of it is the rules and the engine.
    spent["rules and engine"] = spent.pop("lint") - spent.get("parse", 0.0) - spent.get("fold", 0.0)
    return spent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()
    os.environ["SCHEMALINT_JOBS"] = "1"
    os.environ.pop("SCHEMALINT_NO_CACHE", None)
    runs = []
    for _ in range(args.runs):
        runs.append(one_run(args.paths))
        gc.collect()
    total = statistics.median(r["total"] for r in runs)
    print(f"{'stage':<18} {'median':>10} {'share':>7}")
    for stage in ("discovery", "parse", "fold", "rules and engine", "report", "total"):
        value = statistics.median(r.get(stage, 0.0) for r in runs)
        print(f"{stage:<18} {value * 1000:>8.0f} ms {value / total:>6.0%}")


if __name__ == "__main__":
    main()
