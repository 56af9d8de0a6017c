"""Speed of the schema pictures (issue 17, item 5): `schemalint schema HISTORY --format
mermaid|dot` for a 200-table schema folded from a 5,000-statement history, cold — a fresh
process each run, no cache — against the budget of 1 s.

    python bench/erd_bench.py [--runs 11] [--tables 200] [--statements 5000] [--out DIR]
                              [--write docs/performance.md]

The history is bench/gen_repo.py's statement mix (CREATE TABLE with foreign keys, every
common ALTER TABLE action, indexes, functions, views, comments, transactions), with tables
created until there are `--tables` of them and none dropped after; same arguments, same
files. Prints, per format, the median and minimum wall time and CPU time (user + system of
the child) over `--runs` runs, then where one process spends its CPU time (start-up and
imports, discovery, parsing and folding, the dump, the picture). `--write` puts them in
docs/performance.md's section between the `erd: begin` and `erd: end` markers (appended if
absent), leaving the rest of the file as it is.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docfile import publish  # noqa: E402  (scripts beside this one)
from gen_repo import WORDS, Gen, render_file  # noqa: E402

BEGIN, END = "<!-- erd: begin -->", "<!-- erd: end -->"
BUDGET = 1.0  # seconds, cold (issue 17)
STAGES = r"""
import sys, time
clock = time.process_time
t0 = clock()
from schemalint.cli import build_parser
from schemalint.commands.collect import collect
from schemalint.commands.common import settings_from
from schemalint.erd import RENDERERS
from schemalint.model.dump import schema_json
from schemalint.model.fold import fold_history
t1 = clock()
args = build_parser("schema").parse_args(["schema", sys.argv[1], "--no-config"])
settings = settings_from(args)
collected = collect(settings)
t2 = clock()
model = fold_history(collected.migrations, settings.config.pg_version, False)
t3 = clock()
data = schema_json(model, expressions=False)  # as the command asks for these pictures
t4 = clock()
marks = [t4]
for fmt in ("mermaid", "dot"):
    RENDERERS[fmt](data)
    marks.append(clock())
print(len(data["tables"]), sum(len(t["foreign_keys"]) for t in data["tables"]),
      len(collected.migrations), *(f"{b - a:.4f}" for a, b in
      zip([t0, t1, t2, t3] + marks[:-1], [t1, t2, t3, t4] + marks[1:])))
"""


class FixedTables(Gen):
    """gen_repo's generator, creating tables until there are `target`, dropping none."""

    def __init__(self, seed: int, target: int) -> None:
        super().__init__(seed)
        self.target = target

    def statements(self) -> list[str]:
        if len(self.tables) < self.target:
            return self.create_table()
        roll = self.r.random()
        if roll < 0.55:
            return self.alter_table()
        if roll < 0.75:
            return self.create_index()
        if roll < 0.8:
            return self.drop_index()
        if roll < 0.86:
            return self.function()
        return self.misc()


def generate(out: Path, tables: int, statements: int, seed: int = 20261207) -> int:
    """The history in out/migrations; returns the number of files."""
    gen = FixedTables(seed, tables)
    mig = out / "migrations"
    if mig.exists():
        shutil.rmtree(mig)
    mig.mkdir(parents=True)
    total = files = 0
    while total < statements:
        budget = min(statements - total, gen.r.choice([1, 2, 3, 5, 8, 13, 21, 40, 80, 120]))
        text, count = render_file(gen, budget)
        files += 1
        (mig / f"{files:06d}_{gen.r.choice(WORDS)}_change.sql").write_text(text, encoding="utf-8")
        total += count
    return files


def _run(cmd: list[str], env: dict) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                          check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {done.stderr.decode()}")
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--tables", type=int, default=200)
    ap.add_argument("--statements", type=int, default=5000)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "erd200"))
    ap.add_argument("--write", metavar="PERFORMANCE_MD", default=None)
    opts = ap.parse_args()
    out = Path(opts.out)
    files = generate(out, opts.tables, opts.statements)
    history = str(out / "migrations")
    env = dict(os.environ, SCHEMALINT_NO_CACHE="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    exe = shutil.which("schemalint", path=str(Path(sys.executable).parent))
    base = [exe] if exe else [sys.executable, "-m", "schemalint"]
    _run([*base, "schema", history, "--format", "json", "--no-config"], env)  # bytecode written
    load_before = os.getloadavg()[0]
    results: dict[str, list[tuple[float, float]]] = {"mermaid": [], "dot": []}
    order = list(results)
    for _ in range(opts.runs):
        random.shuffle(order)  # machine load hits both formats alike
        for fmt in order:
            results[fmt].append(_run([*base, "schema", history, "--format", fmt, "--no-config"], env))
    stages = [subprocess.run([sys.executable, "-c", STAGES, history], capture_output=True,
                             text=True, env=env, check=True).stdout.split()
              for _ in range(opts.runs)]
    load_after = os.getloadavg()[0]
    tables, fks, migrations = stages[0][:3]
    lines = [
        f"`python bench/erd_bench.py --runs {opts.runs}` on {datetime.date.today()}: "
        f"`schemalint schema HISTORY --format FMT` (`SCHEMALINT_NO_CACHE=1`, a fresh process "
        f"each run, formats alternating) on a history of {opts.statements:,} statements in "
        f"{files} files (bench/gen_repo.py's mix, tables created until there are "
        f"{opts.tables}, none dropped after), whose schema has {tables} relations (the "
        f"{opts.tables} tables and the views the history creates) and {fks} foreign keys. "
        f"Load average before / after: {load_before:.2f} / {load_after:.2f} on "
        f"{os.cpu_count()} CPUs. Budget: {BUDGET:.0f} s cold. On a machine this loaded, "
        "wall times are well above CPU times (the processes wait for a core): the CPU time "
        "is what an idle machine's wall time comes close to, and the steadier comparison.",
        "",
        "| format | wall median | wall min | CPU median | CPU min | budget met (CPU median) |",
        "|---|---|---|---|---|---|",
    ]
    for fmt, runs in results.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        lines.append(f"| {fmt} | {statistics.median(walls):.3f} s | {min(walls):.3f} s | "
                     f"{statistics.median(cpus):.3f} s | {min(cpus):.3f} s | "
                     f"{'yes' if statistics.median(cpus) <= BUDGET else 'no'} |")
    lines += ["", "Where one process spends its CPU time (medians):", "",
              "| stage | CPU |", "|---|---|"]
    names = ("start-up and imports", "discovery (finding and reading the files)",
             "parsing and folding the history",
             "the dump (`schema_json`, no expression text)", "the Mermaid picture", "the DOT picture")
    for i, name in enumerate(names):
        lines.append(f"| {name} | {statistics.median(float(s[3 + i]) for s in stages):.3f} s |")
    print("\n".join(lines))
    if opts.write:
        _write_section(Path(opts.write), lines)


def _write_section(path: Path, lines: list[str]) -> None:
    section = "\n".join([BEGIN, "", "## Schema pictures: 200 tables from 5,000 statements", "",
                         *lines, "", END]) + "\n"
    publish(str(path), lambda: section, BEGIN, END)


if __name__ == "__main__":
    main()
