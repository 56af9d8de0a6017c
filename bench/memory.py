"""Peak memory of a command's whole process tree, sampled (Linux).

    python bench/memory.py [--interval 0.01] -- schemalint check bench/results/gen50000/migrations --no-cache

GNU time's `%M` (what bench/run.py reports) is the peak resident set of the largest single
process. schemalint splits large runs between two processes (linter/speed/parallel.py), so this
script samples every process of the tree instead and reports the peak of their sum: as RSS
(pages shared copy-on-write between parent and child counted in both) and as PSS (shared
pages split between the processes that map them, so the sum is what the tree really uses).
Sampling can miss a peak shorter than the interval.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


def _rss_pss_kb(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def peak_tree(cmd: list[str], env: dict | None = None, cwd: str | None = None,
              interval: float = 0.01, stdout=None) -> dict:
    """Run `cmd` (stdout discarded, or written to the file `stdout`) and sample its process
    tree until it exits."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL if stdout is None else stdout,
                            env=env, cwd=cwd)
    peak_rss = peak_pss = peak_single = most = 0
    at_peak: list[int] = []  # each process's PSS when the tree's PSS peaked, the command first
    while proc.poll() is None:
        pids = _tree(proc.pid)
        sizes = [_rss_pss_kb(p) for p in pids]
        peak_rss = max(peak_rss, sum(r for r, _ in sizes))
        if sum(p for _, p in sizes) > peak_pss:
            peak_pss = sum(p for _, p in sizes)
            at_peak = [p for _, p in sizes]
        peak_single = max(peak_single, max((r for r, _ in sizes), default=0))
        most = max(most, len(pids))
        time.sleep(interval)
    return {"exit": proc.returncode, "processes": most, "tree_rss_mb": peak_rss / 1024,
            "tree_pss_mb": peak_pss / 1024, "largest_rss_mb": peak_single / 1024,
            "pss_at_peak_mb": [p / 1024 for p in at_peak]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interval", type=float, default=0.01)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("give the command to run after --")
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    r = peak_tree(cmd, env, interval=args.interval)
    print(f"exit {r['exit']}; up to {r['processes']} process(es); peak of the tree: "
          f"RSS {r['tree_rss_mb']:.0f} MB, PSS {r['tree_pss_mb']:.0f} MB; "
          f"largest single process: RSS {r['largest_rss_mb']:.0f} MB; at the PSS peak, each "
          f"process (the command first): "
          f"{', '.join(f'{p:.0f} MB' for p in r['pss_at_peak_mb'])}", file=sys.stderr)


if __name__ == "__main__":
    main()
