"""How long `schemalint diff` takes, cold (a new process each run, as CI runs it): a
generated history (bench/gen_repo.py) committed in two steps, its last tenth of the files as
the change, compared with the commit before it and with the working tree.

    python bench/schema_diff.py [--statements 5000] [--runs 5] [--out bench/results/diff5000]
    python bench/schema_diff.py --history bench/results/erd200   # erd_bench.py's 200-table history

Prints the tables in the schema, the tables changed, and the wall and CPU times of
`schemalint diff HEAD~1 HEAD` and of `schemalint indexes`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _git(cwd: str, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench", *args],
                   cwd=cwd, check=True, capture_output=True)


def make(out: str, statements: int, history: str | None = None) -> None:
    shutil.rmtree(out, ignore_errors=True)
    if history:
        # A history made elsewhere (erd_bench.py's: 5,000 statements leaving 200 tables).
        shutil.copytree(os.path.join(history, "migrations"), os.path.join(out, "migrations"))
    else:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_repo.py"), out,
                        "--statements", str(statements)], check=True, capture_output=True)
    files = sorted(os.listdir(os.path.join(out, "migrations")))
    later = files[len(files) * 9 // 10:]
    held = os.path.join(out, "held")
    os.makedirs(held)
    for name in later:
        os.rename(os.path.join(out, "migrations", name), os.path.join(held, name))
    _git(out, "init", "-q")
    _git(out, "add", "migrations")
    _git(out, "commit", "-qm", "base")
    for name in later:
        os.rename(os.path.join(held, name), os.path.join(out, "migrations", name))
    _git(out, "add", "migrations")
    _git(out, "commit", "-qm", "change")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cwd: str, runs: int) -> tuple[list[float], list[float], str]:
    """Wall and CPU (user + system) seconds of each run: on a loaded machine the wall time
    waits for other processes, the CPU time does not."""
    walls, cpus, out = [], [], ""
    for _ in range(runs):
        start, cpu = time.perf_counter(), _cpu()
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
        out = done.stdout
    return walls, cpus, out


def _line(what: str, walls: list[float], cpus: list[float]) -> str:
    return (f"{what}: wall median {statistics.median(walls):.2f} s (fastest {min(walls):.2f}), "
            f"CPU median {statistics.median(cpus):.2f} s (least {min(cpus):.2f}), {len(walls)} runs")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--statements", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(HERE, "results", "diff5000"))
    ap.add_argument("--history", metavar="DIR", default=None,
                    help="use DIR/migrations instead of generating a history")
    args = ap.parse_args()
    make(args.out, args.statements, args.history)
    exe = [sys.executable, "-m", "schemalint"]
    schema = json.loads(subprocess.run([*exe, "schema", "migrations", "--no-config", "-f", "json"],
                                       cwd=args.out, capture_output=True, text=True, check=True).stdout)
    walls, cpus, out = timed([*exe, "diff", "HEAD~1", "HEAD", "--path", "migrations",
                              "--no-config", "-f", "json"], args.out, args.runs)
    changed = len(json.loads(out)["tables"])
    source = args.history or f"{args.statements} statements"
    print(f"{source}, {len(schema['tables'])} tables, {changed} changed")
    print(_line("schemalint diff HEAD~1 HEAD", walls, cpus))
    walls, cpus, _ = timed([*exe, "indexes", "migrations", "--no-config"], args.out, args.runs)
    print(_line("schemalint indexes", walls, cpus))
    return 0


if __name__ == "__main__":
    sys.exit(main())
