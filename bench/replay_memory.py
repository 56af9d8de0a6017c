"""Peak memory of `check` and `replay` on one huge migration file (issue 13: under 1 GB for a
50 MB file).

    python bench/replay_memory.py [--mb 50] [--only check,replay-fails,replay-untraced]

Writes bench/results/huge/ (a 50 MB file of INSERTs after a CREATE TABLE, in three folders)
and runs, each under bench/memory.py's sampler (the peak of the whole process tree, the
local PostgreSQL server included, and of the largest single process, schemalint itself):

- `check`: the static check of the file;
- `replay-fails`: `replay` of the file with a failing statement at line 2, so that every
  later statement is not run (a report that listed them with their SQL was 278 MB);
- `replay-untraced`: `replay --last 1` of the file then a small one: the big file is applied
  statement by statement, untraced, the small one traced.

It prints the figures and the report sizes. Takes a few minutes (the untraced apply sends
every statement).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from memory import peak_tree  # noqa: E402 - bench/ is not a package

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "results", "huge")


def _write(path: str, mb: int, fail_at_line_2: bool) -> int:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, price numeric, note text);\n")
        if fail_at_line_2:
            fh.write("INSERT INTO missing_table VALUES (1);\n")
        i = 0
        while fh.tell() < mb * 1024 * 1024:
            i += 1
            fh.write(f"INSERT INTO items (id, name, price, note) VALUES ({i}, 'item number {i}', "
                     f"{i % 1000}.{i % 100:02d}, 'some longer note text for row {i} here');\n")
    return i


def _prepare(mb: int) -> dict[str, str]:
    dirs = {name: os.path.join(ROOT, name) for name in ("plain", "fails", "untraced")}
    marker = os.path.join(ROOT, f".{mb}mb")
    if not os.path.exists(marker):
        _write(os.path.join(dirs["plain"], "001_big.sql"), mb, False)
        _write(os.path.join(dirs["fails"], "001_big.sql"), mb, True)
        _write(os.path.join(dirs["untraced"], "001_big.sql"), mb, False)
        with open(os.path.join(dirs["untraced"], "002_small.sql"), "w", encoding="utf-8") as fh:
            fh.write("CREATE INDEX items_name ON items (name);\n")
        open(marker, "w").close()
    return dirs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=50)
    ap.add_argument("--only", default="check,replay-fails,replay-untraced")
    args = ap.parse_args()
    dirs = _prepare(args.mb)
    exe = [sys.executable, "-m", "schemalint"]
    runs = {
        "check": [*exe, "check", dirs["plain"], "--no-config", "--no-cache"],
        "replay-fails": [*exe, "replay", dirs["fails"], "--no-config", "--backend", "local",
                         "--format", "json"],
        "replay-untraced": [*exe, "replay", dirs["untraced"], "--no-config", "--backend", "local",
                            "--last", "1", "--format", "json"],
    }
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for name in args.only.split(","):
        out_path = os.path.join(ROOT, f"{name}.out")
        began = time.monotonic()
        with open(out_path, "w", encoding="utf-8") as out:
            r = peak_tree(runs[name], env, interval=0.05, stdout=out)
        took = time.monotonic() - began
        print(f"{name}: exit {r['exit']}, {took:.0f} s; peak of the tree RSS {r['tree_rss_mb']:.0f} MB, "
              f"PSS {r['tree_pss_mb']:.0f} MB; largest single process RSS {r['largest_rss_mb']:.0f} MB; "
              f"report {os.path.getsize(out_path) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
