"""The figures behind linter/speed/parallel.py's split (`check --jobs 2`), reproducible.

    python bench/split.py balance [--shares 0.72,0.76,0.8,0.84] [--runs 3] PATH...
    python bench/split.py contention [--runs 3]

`balance`: `schemalint check PATH... --no-cache --jobs 2` at each parent share
(`PARENT_SHARE`), in this process; for each share, the medians of when the parent finished
its part and when the child's findings arrived, in seconds from the start of the command.
The parent waits when the second is later: the child was the slower, and the share should
grow. Run on bench/results/gen50000/migrations (b) and on the shared corpus (a).

`contention`: one CPU-bound Python loop alone, then two side by side: how much slower each
runs when both cores are busy (the split cannot gain more than this machine allows).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time


def balance(paths: list[str], shares: list[float], runs: int) -> None:
    from schemalint.cli import main
    from schemalint.speed import parallel

    real_result = parallel._Child.result
    marks: dict[str, float] = {}

    def result(self):
        marks["parent"] = time.perf_counter() - marks["start"]
        try:
            return real_result(self)
        finally:
            marks["child"] = time.perf_counter() - marks["start"]

    parallel._Child.result = result
    print(f"{'share':>6} {'parent done':>12} {'child done':>11} {'total':>7}")
    for share in shares:
        parallel.PARENT_SHARE = share
        rows = []
        for _ in range(runs):
            marks.clear()
            marks["start"] = time.perf_counter()
            with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
                main(["check", *paths, "--format", "json", "--no-cache", "--jobs", "2"])
            rows.append((marks["parent"], marks["child"], time.perf_counter() - marks["start"]))
        parent, child, total = (statistics.median(r[i] for r in rows) for i in range(3))
        print(f"{share:>6.2f} {parent:>11.2f}s {child:>10.2f}s {total:>6.2f}s")


_LOOP = ("import time\nt = time.perf_counter()\nd = {}\n"
         "for i in range(6_000_000):\n    d[i % 1000] = d.get(i % 1000, 0) + i\n"
         "print(time.perf_counter() - t)")


def contention(runs: int) -> None:
    def loops(n: int) -> list[float]:
        procs = [subprocess.Popen([sys.executable, "-c", _LOOP], stdout=subprocess.PIPE, text=True)
                 for _ in range(n)]
        return [float(p.communicate()[0]) for p in procs]

    alone = [loops(1)[0] for _ in range(runs)]
    pairs = [max(loops(2)) for _ in range(runs)]
    print(f"one loop alone: median {statistics.median(alone):.2f}s; the slower of two side by "
          f"side: median {statistics.median(pairs):.2f}s ({runs} runs each)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    b = sub.add_parser("balance")
    b.add_argument("--shares", default="0.72,0.76,0.8,0.84")
    b.add_argument("--runs", type=int, default=3)
    b.add_argument("paths", nargs="+")
    c = sub.add_parser("contention")
    c.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if args.what == "balance":
        balance(args.paths, [float(s) for s in args.shares.split(",")], args.runs)
    else:
        contention(args.runs)


if __name__ == "__main__":
    main()
