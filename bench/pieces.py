"""Each speed piece on and off, on the runs users make: the section of docs/performance.md
between its `pieces` markers (issue 12: speed keeps what pays on those runs, nothing else).

    python bench/pieces.py [--before REV] [--runs 5] [--only SCENARIO]... [--variants NAME,...]
    python bench/pieces.py --breakdown [--runs 5]
    python bench/pieces.py --dataclass [--runs 15]
    python bench/pieces.py --render

Two trees run side by side, each staged as a wheel lays it out and byte-compiled: `before`,
the commit REV that still has every piece, and `after`, this working tree. A piece is turned
off in `before` by a patch applied before the command runs (`SHIM`), so the code measured is
otherwise the same (the variants and scenarios: pieces_setup.py). Scenarios, every command
`--format json`, stdout to /dev/null:

- cold-a, cold-b: every .sql file of ../shared/corpus (a), bench (b) (50,000 statements), with
  an empty cache directory;
- warm-a, warm-b: the same again, unchanged (the report cache answers);
- context-b: the pre-commit run in context (bench/context.py): (b) declared as the `paths` of
  a `.schemalint.yaml`, its last migration edited, `check LAST`;
- ci-a, ci-b: CI with a restored cache: a fresh copy of the repository (new inodes and mtimes,
  as a checkout) plus one new migration, the cache directory of the previous commit's run
  copied in, `check` of everything;
- ci-action-b: the same, then the GitHub Action's two passes in one process (the whole
  history with a SARIF file, then `--changed-since` the previous commit);
- small-cold, small-warm: one small migration, as a pre-commit hook passes it.

Each variant gets its own cache directory, filled by its own runs. Rounds alternate the order
of the variants. Results go to bench/results/pieces.json (merged with earlier runs, so a
scenario can be measured again alone) and the rendered section (pieces_render.py, with the
decisions) to --out.

`--breakdown` (pieces_probes.py): one command in one process, its CPU time summed over each
piece's own code: the small costs that whole runs on a loaded machine cannot resolve.

`--dataclass` (pieces_probes.py): the start-up cost of `@dataclass(slots=True)` for the
value classes of the check path (the `Record`/`Frozen` subclasses, read from the source)
against the plain classes they are (linter/records.py), on each Python 3.10-3.13 under
~/.pyenv/versions: `import dataclasses` plus creating the classes, in fresh processes.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from docfile import publish
from pieces_probes import measure_breakdown, measure_dataclass
from pieces_render import BEGIN, END, render
from pieces_setup import (
    BEFORE,
    HERE,
    ROOT,
    SCENARIOS,
    SHIM,
    SMALL,
    VARIANTS,
    bench_b,
    corpus_files,
    git,
    new_migration,
    stage,
    tree_env,
)

RESULTS = os.path.join(HERE, "results", "pieces.json")


class Runner:
    def __init__(self, work: str, trees: dict[str, str]) -> None:
        self.work = work
        self.shim = os.path.join(work, "shim.py")
        with open(self.shim, "w", encoding="utf-8") as fh:
            fh.write(SHIM)
        self.env = tree_env(trees)

    def run(self, variant: str, argvs: list[list[str]], cwd: str) -> tuple[float, float, int]:
        """(wall s, CPU s of the process tree, exit code)."""
        tree, patches, env, extra, _ = VARIANTS[variant]
        cmd = [sys.executable, self.shim, patches]
        for i, argv in enumerate(argvs):
            cmd += ([";;"] if i else []) + argv + extra
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env={**self.env[tree], **env},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode not in (0, 1):
            sys.exit(f"{variant}: {' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr.decode()}")
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        return wall, cpu, proc.returncode


class Scenario:
    """`prepare(vdir, variant)` once per variant and `each(vdir, n)` before each timed run
    (both untimed); `each` returns the command lines to time and their working directory."""

    def __init__(self, name: str, corpus: str, runner: Runner) -> None:
        self.name, self.runner = name, runner
        self.kind = name.split("-")[0]
        self.input = corpus if name.endswith("-a") else bench_b() if name.endswith("-b") else None
        # Where a migration goes in the copy: (a) is given file by file, (b) is `migrations/`.
        self.sub = "" if name.endswith("-a") else "migrations"
        self.new = os.path.join(self.sub, "zz_new.sql" if name.endswith("-a") else "999999_new.sql")

    def prepare(self, vdir: str, variant: str) -> None:
        repo = os.path.join(vdir, "repo")
        if self.input is None:
            os.makedirs(repo)
            with open(os.path.join(repo, "one.sql"), "w", encoding="utf-8") as fh:
                fh.write(SMALL)
            self.files = ["one.sql"]
        else:
            shutil.copytree(self.input, os.path.join(repo, self.sub) if self.sub else repo)
            self.files = sorted(os.path.relpath(p, repo) for p in glob.glob(
                os.path.join(repo, "**", "*.sql"), recursive=True))
        cache = ["--cache-dir", os.path.join(vdir, "cache")]
        if self.kind == "context":
            with open(os.path.join(repo, ".schemalint.yaml"), "w", encoding="utf-8") as fh:
                fh.write("paths:\n  - migrations\n")
            # The developer's cache: a whole run, then the hook's.
            self.runner.run(variant, [["check", "--format", "json", *cache]], repo)
        if self.name == "ci-action-b":
            git(repo, "init", "-q")
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", "history")
        if self.kind in ("warm", "context") or self.name == "small-warm":
            self.runner.run(variant, *self.commands(vdir, repo))
        if self.kind == "ci":
            # The previous commit's run, its cache kept as CI keeps it between jobs.
            self.runner.run(variant, *self.commands(vdir, repo, since="HEAD"))
            os.rename(os.path.join(repo, ".schemalint_cache"), os.path.join(vdir, "restored"))

    def commands(self, vdir: str, top: str, since: str = "HEAD~1") -> tuple[list[list[str]], str]:
        if self.kind == "context":
            return [["check", self.files[-1], "--format", "json", "--cache-dir",
                     os.path.join(vdir, "cache")]], top
        if self.kind != "ci":
            return [["check", *self.files, "--format", "json", "--cache-dir",
                     os.path.join(vdir, "cache")]], top
        files = self.files + ([self.new] if os.path.exists(os.path.join(top, self.new)) else [])
        cache = ["--cache-dir", ".schemalint_cache"]
        if self.name != "ci-action-b":
            return [["check", *files, "--format", "json", *cache]], top
        whole = ["check", "migrations", "--format", "json",
                 "--output", f"sarif:{os.path.join(vdir, 'out.sarif')}", *cache]
        changed = ["check", "migrations", "--format", "github", "--changed-since", since,
                   "--output", f"json:{os.path.join(vdir, 'out.json')}",
                   "--output", f"markdown:{os.path.join(vdir, 'out.md')}", *cache]
        return [whole, changed], top

    def each(self, vdir: str, n: int) -> tuple[list[list[str]], str]:
        repo = os.path.join(vdir, "repo")
        if self.kind == "cold" or self.name == "small-cold":
            shutil.rmtree(os.path.join(vdir, "cache"), ignore_errors=True)
        if self.kind == "context":
            with open(os.path.join(repo, self.files[-1]), "a", encoding="utf-8") as fh:
                fh.write(f"-- edit {n}\n")
        if self.kind != "ci":
            return self.commands(vdir, repo)
        # A fresh checkout (new inodes and mtimes) with one new migration, the cache restored.
        ci = os.path.join(vdir, "ci")
        shutil.rmtree(ci, ignore_errors=True)
        shutil.copytree(repo, ci, symlinks=True)
        new_migration(os.path.join(ci, self.new), n)
        if self.name == "ci-action-b":
            git(ci, "add", "-A")
            git(ci, "commit", "-q", "-m", "new migration")
        shutil.copytree(os.path.join(vdir, "restored"), os.path.join(ci, ".schemalint_cache"))
        return self.commands(vdir, ci)


def measure(names: list[str], variants_wanted: set[str] | None, runs: int, before: str,
            corpus: str, done) -> None:
    """Measure each scenario; `done(name, result)` after each."""
    with tempfile.TemporaryDirectory(prefix="schemalint-pieces-") as work:
        trees = {"before": stage(work, before), "after": stage(work, None)}
        runner = Runner(work, trees)
        for name in names:
            variants = [v for v in SCENARIOS[name] if variants_wanted is None or v in variants_wanted]
            scenario = Scenario(name, corpus, runner)
            load = [os.getloadavg()[0]]
            dirs = {}
            for v in variants:
                dirs[v] = os.path.join(work, name, v)
                os.makedirs(dirs[v])
                scenario.prepare(dirs[v], v)
            walls: dict[str, list[float]] = {v: [] for v in variants}
            cpus: dict[str, list[float]] = {v: [] for v in variants}
            codes: dict[str, set[int]] = {v: set() for v in variants}
            for r in range(runs):
                for v in variants if r % 2 == 0 else variants[::-1]:
                    argvs, cwd = scenario.each(dirs[v], r + 1)
                    wall, cpu, code = runner.run(v, argvs, cwd)
                    walls[v].append(wall)
                    cpus[v].append(cpu)
                    codes[v].add(code)
                print(f"  {name}: round {r + 1}/{runs}", file=sys.stderr)
            load.append(os.getloadavg()[0])
            for v in variants:
                shutil.rmtree(dirs[v], ignore_errors=True)
            done(name, {
                "load": load, "runs": runs, "date": time.strftime("%Y-%m-%d %H:%M"),
                "rows": {v: {"walls": walls[v], "cpus": cpus[v], "codes": sorted(codes[v])}
                         for v in variants},
            })
            print(f"{name}: " + ", ".join(f"{v} {statistics.median(walls[v]):.2f}s/"
                                          f"{statistics.median(cpus[v]):.2f}s" for v in variants),
                  file=sys.stderr)


def write_doc(out: str, section: str) -> None:
    """This script's section of `out`, the rest kept (bench/docfile.py)."""
    publish(out, lambda: section, BEGIN, END)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", default=BEFORE)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", action="append", choices=list(SCENARIOS))
    ap.add_argument("--variants", help="comma-separated: measure only these variants")
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--dataclass", action="store_true", help="measure @dataclass(slots=True) only")
    ap.add_argument("--breakdown", action="store_true", help="measure the in-process breakdowns only")
    ap.add_argument("--render", action="store_true", help="only rewrite --out from the saved results")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "performance.md"))
    args = ap.parse_args()
    saved: dict = {}
    if os.path.exists(RESULTS):
        with open(RESULTS, encoding="utf-8") as fh:
            saved = json.load(fh)

    def save() -> None:
        os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
        with open(RESULTS, "w", encoding="utf-8") as fh:
            json.dump(saved, fh, indent=1)
        write_doc(args.out, render(saved))

    def done(name: str, res: dict) -> None:
        old = saved.setdefault("scenarios", {}).get(name)
        if old and wanted is not None:  # keep the other variants' earlier figures
            res = {**res, "rows": {**old["rows"], **res["rows"]}}
        saved["scenarios"][name] = res
        saved["before"] = args.before
        save()

    wanted = set(args.variants.split(",")) if args.variants else None
    if args.dataclass:
        saved["dataclass"] = {**measure_dataclass(args.runs), "runs": args.runs}
    elif args.breakdown:
        saved["breakdown"] = measure_breakdown(args.runs, args.before, os.path.abspath(args.corpus))
    elif not args.render:
        corpus = os.path.abspath(args.corpus)
        if not corpus_files(corpus):
            sys.exit(f"no corpus at {corpus}: pass --corpus")
        measure(args.only or list(SCENARIOS), wanted, args.runs, args.before, corpus, done)
    save()
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
