"""Start-up figures for issue 6 (c): `schemalint check ONE_SMALL.sql`, as a pre-commit hook
runs it, for one or more installed `schemalint` executables, alternating between them run by
run so that machine load hits them alike.

    python bench/startup.py --runs 20 /path/to/venv-a/bin/schemalint /path/to/venv-b/bin/schemalint

Modes: `--no-cache`; cold (an empty `--cache-dir` each run); warm (the same `--cache-dir`
every run, filled once before measuring). Reports the median and minimum wall time and CPU
time (user + system of the process) in ms. Measure a regular (non-editable) install in its
own virtualenv, with bytecode caches written (PYTHONDONTWRITEBYTECODE is removed here):
the editable finder and a sandbox's `.pth` hooks add tens of ms users do not have.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time

SQL = ("ALTER TABLE orders ADD COLUMN shipped_at timestamptz;\n"
       "CREATE INDEX CONCURRENTLY orders_shipped_at_idx ON orders (shipped_at);\n")
MODES = ("no-cache", "cold", "warm")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("executables", nargs="+", help="schemalint executables to compare")
    ap.add_argument("--runs", type=int, default=20)
    opts = ap.parse_args()
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="schemalint-startup-") as tmp:
        sql = os.path.join(tmp, "one_small.sql")
        with open(sql, "w", encoding="utf-8") as fh:
            fh.write(SQL)

        def run(exe: str, extra: list[str]) -> tuple[float, float]:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([exe, "check", sql, *extra], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=env, cwd=tmp, check=False)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            return wall * 1000, cpu * 1000

        warm = {exe: os.path.join(tmp, f"warm-{i}") for i, exe in enumerate(opts.executables)}
        for exe in opts.executables:
            run(exe, ["--cache-dir", warm[exe]])  # bytecode written, warm cache filled
        results: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for n in range(opts.runs):
            for mode in MODES:
                for exe in opts.executables:
                    if mode == "no-cache":
                        extra = ["--no-cache"]
                    elif mode == "cold":
                        cold = os.path.join(tmp, f"cold-{n}")
                        shutil.rmtree(cold, ignore_errors=True)
                        extra = ["--cache-dir", cold]
                    else:
                        extra = ["--cache-dir", warm[exe]]
                    results.setdefault((exe, mode), []).append(run(exe, extra))
                    if mode == "cold":
                        shutil.rmtree(extra[1], ignore_errors=True)
    print(f"{opts.runs} runs each, alternating; load average now {os.getloadavg()[0]:.2f}")
    for (exe, mode), rows in results.items():
        wall = [w for w, _ in rows]
        cpu = [c for _, c in rows]
        print(f"{mode:9s} wall median {statistics.median(wall):6.1f} min {min(wall):6.1f}  "
              f"cpu median {statistics.median(cpu):6.1f} min {min(cpu):6.1f}  {exe}")


if __name__ == "__main__":
    main()
