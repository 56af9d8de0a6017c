"""Each speed piece on and off, on the runs users make: the section of docs/performance.md
between its `pieces` markers (issue 12: speed keeps what pays on those runs, nothing else).

    python bench/pieces.py [--before REV] [--runs 5] [--only SCENARIO]... [--variants NAME,...]
    python bench/pieces.py --dataclass [--runs 15]
    python bench/pieces.py --render

Two trees run side by side, each staged as a wheel lays it out and byte-compiled: `before`,
the commit REV that still has every piece, and `after`, this working tree. A piece is turned
off in `before` by a patch applied before the command runs (`SHIM`), so the code measured is
otherwise the same. Scenarios, every command `--format json`, stdout to /dev/null:

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
scenario can be measured again alone) and the rendered section to --out.

`--dataclass`: the start-up cost of `@dataclass(slots=True)` for the value classes of the
check path (the `Record`/`Frozen` subclasses, read from the source) against the plain classes
they are (linter/records.py), on each Python 3.10-3.13 under ~/.pyenv/versions: `import
dataclasses` plus creating the classes, in fresh processes.
"""

from __future__ import annotations

import argparse
import ast
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

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results", "pieces.json")
BEGIN, END = "<!-- pieces: begin -->", "<!-- pieces: end -->"
# The last commit with every piece as issue 12 found it.
BEFORE = "a11801b"

# Runs the command(s) after turning pieces off: `python shim.py PATCHES ARGV [;; ARGV]...`.
SHIM = '''\
import sys
patches = set(sys.argv[1].split(","))
if "gc-on" in patches:
    import gc
    gc.disable = lambda: None
if "gc-whole" in patches:
    import gc
    gc.disable()
    gc.enable = lambda: None
if "lazyre-eager" in patches:
    import schemalint.lazyre as lazyre

    class eager(lazyre.lazy):
        __slots__ = ()

        def __init__(self, pattern, flags=0):
            super().__init__(pattern, flags)
            self()
    lazyre.lazy = eager
if "parse-off" in patches:
    import schemalint.speed.cache as cache
    cache.PACK_MIN_CHARS = float("inf")
if "runs-off" in patches:
    from schemalint.speed.cache import Cache
    Cache.load_run = lambda self, key: None
    Cache.store_run = lambda self, key, payload: None
if patches & {"json-stdlib", "json-general", "json-fstrings"}:
    import json
    import schemalint.report.json_report as jr
    if "json-stdlib" in patches:
        jr.render_pieces = lambda r: iter((json.dumps(jr.document(r), indent=2, ensure_ascii=False) + "\\n",))
    elif "json-general" in patches:
        jr.render_pieces = lambda r: iter((jr.dumps_indent2(jr.document(r), end="\\n"),))
    else:
        jr.dumps_indent2 = lambda o, end="", nl="\\n": json.dumps(o, indent=2, ensure_ascii=False).replace("\\n", nl) + end
from schemalint.cli import main
argv, code = sys.argv[2:], 0
while argv:
    cut = argv.index(";;") if ";;" in argv else len(argv)
    code = main(argv[:cut])
    argv = argv[cut + 1:]
sys.exit(code)
'''

# name -> (tree, patches, environment, extra arguments, what it shows). A piece issue 12
# removed or changed is turned off in `before`; a piece kept, in `after`.
VARIANTS = {
    "before": ("before", "-", {}, [], "as issue 12 found it"),
    "before-jobs1": ("before", "-", {"SCHEMALINT_JOBS": "1"}, [], "no automatic two-process split"),
    "before-json-stdlib": ("before", "json-stdlib", {}, [], "JSON report by `json.dumps(indent=2)`"),
    "before-json-general": ("before", "json-general", {}, [],
                            "JSON report by jsonfast's `dumps_indent2` alone (no per-finding f-strings)"),
    "before-json-fstrings": ("before", "json-fstrings", {}, [],
                             "JSON report's f-strings, `json.dumps` for the rest (no jsonfast.py)"),
    "after": ("after", "-", {}, [], "this tree"),
    "after-jobs2": ("after", "-", {}, ["--jobs", "2"], "`--jobs 2`: the two-process split"),
    "after-parse-off": ("after", "parse-off", {}, [], "no per-file parse cache (`parse.pack`)"),
    "after-runs-off": ("after", "runs-off", {}, [], "no whole-run findings cache (`runs/`)"),
    "after-gc-on": ("after", "gc-on", {}, [], "the cyclic GC left on"),
    "after-gc-whole": ("after", "gc-whole", {}, [],
                       "the GC off for the whole process, not only while checking"),
    "after-lazyre-eager": ("after", "lazyre-eager", {}, [], "every pattern compiled at import (no lazyre)"),
}
SPLIT = ["before", "before-jobs1", "after", "after-jobs2"]
CACHES = ["after-parse-off", "after-runs-off"]
GC = ["after-gc-on", "after-gc-whole"]
JSON = ["before-json-stdlib", "before-json-general", "before-json-fstrings"]
SCENARIOS = {
    "cold-a": SPLIT + CACHES + GC + JSON + ["after-lazyre-eager"],
    "cold-b": SPLIT + CACHES + GC + JSON,
    "warm-a": ["before", "after"],
    "warm-b": ["before", "after"],
    "context-b": ["before", "after"] + CACHES + GC,
    "ci-a": SPLIT + CACHES,
    "ci-b": SPLIT + CACHES + GC,
    "ci-action-b": ["before", "after"] + CACHES,
    "small-cold": ["before", "after", "after-parse-off", "after-gc-on", "after-lazyre-eager"],
    "small-warm": ["before", "after"],
}
TITLES = {
    "cold-a": "(a) cold: every .sql file of the shared corpus, empty cache",
    "cold-b": "(b) cold: 50,000 statements, empty cache",
    "warm-a": "(a) warm: unchanged, cache filled",
    "warm-b": "(b) warm: unchanged, cache filled",
    "context-b": "pre-commit in context: (b) as `paths`, last file edited, `check LAST`",
    "ci-a": "CI, restored cache: (a) checked out afresh plus one new migration",
    "ci-b": "CI, restored cache: (b) checked out afresh plus one new migration",
    "ci-action-b": "CI, restored cache, the GitHub Action's two passes on (b) (SARIF, then `--changed-since`)",
    "small-cold": "(c) one small migration, empty cache",
    "small-warm": "(c) one small migration, cache filled",
}
SMALL = ("ALTER TABLE orders ADD COLUMN shipped_at timestamptz;\n"
         "CREATE INDEX CONCURRENTLY orders_shipped_at_idx ON orders (shipped_at);\n")
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}


def stage(work: str, rev: str | None) -> str:
    """The package as a wheel lays it out (linter/ as schemalint, rules/ in it), compiled."""
    top = os.path.join(work, rev or "worktree")
    os.makedirs(top)
    if rev:
        archive = subprocess.run(["git", "archive", rev, "linter", "rules"], cwd=ROOT,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", top], input=archive, check=True)
    else:
        for name in ("linter", "rules"):
            shutil.copytree(os.path.join(ROOT, name), os.path.join(top, name),
                            ignore=shutil.ignore_patterns("__pycache__"))
    os.rename(os.path.join(top, "linter"), os.path.join(top, "schemalint"))
    os.rename(os.path.join(top, "rules"), os.path.join(top, "schemalint", "rules"))
    subprocess.run([sys.executable, "-m", "compileall", "-q", top], check=True,
                   env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
    return top


class Runner:
    def __init__(self, work: str, trees: dict[str, str]) -> None:
        self.work = work
        self.shim = os.path.join(work, "shim.py")
        with open(self.shim, "w", encoding="utf-8") as fh:
            fh.write(SHIM)
        base = {k: v for k, v in os.environ.items()
                if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("SCHEMALINT_")}
        self.env = {tree: {**base, "NO_COLOR": "1", "PYTHONPATH": path} for tree, path in trees.items()}

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


def corpus_files(corpus: str) -> list[str]:
    return sorted(glob.glob(os.path.join(corpus, "**", "*.sql"), recursive=True))


def bench_b() -> str:
    gen = os.path.join(HERE, "results", "gen50000")
    if not os.path.isdir(os.path.join(gen, "migrations")):
        subprocess.run([sys.executable, os.path.join(HERE, "gen_repo.py"), gen,
                        "--statements", "50000"], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(gen, "migrations")


def _git(cwd: str, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True,
                   stdout=subprocess.DEVNULL)


def _new_migration(path: str, n: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"-- a new migration, run {n}\nALTER TABLE orders ADD COLUMN c{n} int;\n")


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
            _git(repo, "init", "-q")
            _git(repo, "add", "-A")
            _git(repo, "commit", "-q", "-m", "history")
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
        _new_migration(os.path.join(ci, self.new), n)
        if self.name == "ci-action-b":
            _git(ci, "add", "-A")
            _git(ci, "commit", "-q", "-m", "new migration")
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


# --- in-process breakdowns ------------------------------------------------------------------
# Under load, two whole runs of the same command differ by more than a piece costs; the
# share of one run's CPU time spent in a piece's own code is steadier. Run in `after` (or
# `before` for the JSON writers) as `python -c BREAKDOWN MODE ARGV_JSON_FILE`; prints JSON.
BREAKDOWN = '''\
import contextlib, gc, io, json, sys, time
mode = sys.argv[1]
with open(sys.argv[2], encoding="utf-8") as fh:
    argv = json.load(fh)
spent = {}


def timed(owner, name, label):
    real = getattr(owner, name)

    def wrapper(*args, **kwargs):
        t = time.process_time()
        try:
            return real(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - t
    setattr(owner, name, wrapper)


if mode in ("cold", "gc-on"):
    import types
    import schemalint.discover.discovery as discovery
    import schemalint.speed.cache as cache
    from schemalint.speed.pack import ParsePack
    from schemalint.speed.store import Cache
    dumps = cache.marshal.dumps
    cache.marshal = types.SimpleNamespace(dumps=dumps, loads=cache.marshal.loads)
    timed(cache.marshal, "dumps", "parse cache")
    for name in ("__init__", "add", "save"):
        timed(ParsePack, name, "parse cache")
    timed(cache, "encode_diagnostics", "run cache")
    for name in ("load_run", "store_run"):
        timed(Cache, name, "run cache")
    timed(cache, "text_hash", "hashing texts")
    stage = ["setup"]
    for owner, name, label in ((discovery, "discover", "discovery"), (cache, "lint_migrations", "lint")):
        real = getattr(owner, name)

        def staged(*args, _real=real, _label=label, **kwargs):
            stage[0] = _label
            try:
                return _real(*args, **kwargs)
            finally:
                stage[0] = "after " + _label
        setattr(owner, name, staged)
    started = [0.0]

    def collecting(phase, info):
        if phase == "start":
            started[0] = time.process_time()
        else:
            key = "GC in " + stage[0]
            spent[key] = spent.get(key, 0.0) + time.process_time() - started[0]
    gc.callbacks.append(collecting)
    if mode == "gc-on":
        gc.disable = lambda: None
    from schemalint.cli import main
    t = time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        main(argv)
    spent["total"] = time.process_time() - t
elif mode.startswith("action"):
    # The GitHub Action's two passes, in one process as it runs them (argv: both).
    from schemalint.cli import main
    if mode == "action-runs-off":
        from schemalint.speed.store import Cache
        Cache.load_run = lambda self, key: None
    for i, args in enumerate(argv):
        t = time.process_time()
        with contextlib.redirect_stdout(io.StringIO()):
            main(args)
        spent[f"pass {i + 1}"] = time.process_time() - t
elif mode == "json":
    import schemalint.report as report
    from schemalint.cli import main
    from schemalint.report import json_report
    got = {}
    report.write_reports = lambda result, *args, **kwargs: got.setdefault("result", result)
    with contextlib.redirect_stdout(io.StringIO()):
        main(argv)
    result = got["result"]
    result.root = "."
    gc.disable()
    ways = {"f-strings (the JSON report)": lambda: "".join(json_report.render_pieces(result)),
            "json.dumps(indent=2)": lambda: json.dumps(json_report.document(result), indent=2,
                                                       ensure_ascii=False)}
    if hasattr(json_report, "dumps_indent2"):
        ways["jsonfast.dumps_indent2"] = lambda: json_report.dumps_indent2(json_report.document(result))
    for _ in range(3):
        for label, way in ways.items():
            t = time.process_time()
            way()
            spent.setdefault(label, []).append(time.process_time() - t)
    spent = {k: min(v) for k, v in spent.items()}
    spent["findings"] = len(result.diagnostics)
elif mode == "lazyre":
    import re
    import schemalint.lazyre as lazyre
    made = []
    real_init = lazyre.lazy.__init__

    def init(self, pattern, flags=0):
        real_init(self, pattern, flags)
        made.append(self)
    lazyre.lazy.__init__ = init
    from schemalint.cli import main
    with contextlib.redirect_stdout(io.StringIO()):
        main(argv)
    unused = [p for p in made if p._compiled is None]
    for label, patterns in (("compiling every pattern", made),
                            ("compiling those the run did not use", unused)):
        times = []
        for _ in range(5):
            re.purge()  # re's own cache of compiled patterns
            t = time.process_time()
            for p in patterns:
                re.compile(p._pattern, p._flags)
            times.append(time.process_time() - t)
        spent[label] = min(times)
    spent["patterns"] = len(made)
    spent["unused"] = len(unused)
print(json.dumps(spent))
'''


def _action_repo(work: str, env: dict):
    """(b) committed in a git repository, the cache of the Action's run on that commit
    (`work/restored`), then one new migration committed; returns the Action's two command
    lines for a cache directory and a base commit."""
    repo = os.path.join(work, "action")
    shutil.copytree(bench_b(), os.path.join(repo, "migrations"))
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "history")

    def passes(cache: str, since: str) -> list[list[str]]:
        out = os.path.join(work, "out")
        return [["check", "migrations", "--format", "json", "--output", f"sarif:{out}.sarif",
                 "--cache-dir", cache],
                ["check", "migrations", "--format", "github", "--changed-since", since,
                 "--output", f"json:{out}.json", "--output", f"markdown:{out}.md", "--cache-dir", cache]]

    argv = os.path.join(work, "argv.json")
    with open(argv, "w", encoding="utf-8") as fh:
        json.dump(passes(os.path.join(work, "restored"), "HEAD"), fh)
    subprocess.run([sys.executable, "-c", BREAKDOWN, "action", argv], env=env, cwd=repo,
                   check=True, stdout=subprocess.DEVNULL)
    _new_migration(os.path.join(repo, "migrations", "999999_new.sql"), 1)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "new migration")
    return passes


def measure_breakdown(runs: int, before: str, corpus: str) -> dict:
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="schemalint-pieces-") as work:
        trees = {"before": stage(work, before), "after": stage(work, None)}
        env = Runner(work, trees).env
        small = os.path.join(work, "one.sql")
        with open(small, "w", encoding="utf-8") as fh:
            fh.write(SMALL)
        inputs = {"(a)": corpus_files(corpus), "(b)": [bench_b()]}
        jobs = [(f"cold {k}", "after", "cold", v) for k, v in inputs.items()]
        jobs += [(f"GC on, cold {k}", "after", "gc-on", v) for k, v in inputs.items()]
        jobs += [(f"JSON writers {k}", "before", "json", v) for k, v in inputs.items()]
        jobs += [("patterns, (c) cold", "after", "lazyre", [small])]
        action = _action_repo(work, env["after"])
        jobs += [("the Action's two passes (b)", "after", "action", []),
                 ("the Action's two passes (b), no run cache", "after", "action-runs-off", [])]
        for label, tree, mode, paths in jobs:
            rows = []
            for _ in range(runs if mode not in ("json", "lazyre") else 1):
                cache = os.path.join(work, "cache")
                shutil.rmtree(cache, ignore_errors=True)
                argv = os.path.join(work, "argv.json")
                cwd = work
                with open(argv, "w", encoding="utf-8") as fh:
                    if mode.startswith("action"):
                        shutil.copytree(os.path.join(work, "restored"), cache)
                        json.dump(action(cache, "HEAD~1"), fh)
                        cwd = os.path.join(work, "action")
                    else:
                        json.dump(["check", *paths, "--format", "json", "--cache-dir", cache], fh)
                proc = subprocess.run([sys.executable, "-c", BREAKDOWN, mode, argv],
                                      env=env[tree], cwd=cwd, capture_output=True, text=True)
                if proc.returncode:
                    sys.exit(f"{label}: {proc.stderr}")
                rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            out[label] = {k: statistics.median(r.get(k, 0.0) for r in rows)
                          for k in sorted({k for r in rows for k in r})}
            out[label]["load"] = os.getloadavg()[0]
            print(f"{label}: {out[label]}", file=sys.stderr)
    out["date"] = time.strftime("%Y-%m-%d %H:%M")
    out["runs"] = runs
    return out


# --- @dataclass(slots=True) at start-up ------------------------------------------------------

PROBE = '''\
import json, sys, time
spec, mode, base = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
if mode == "plain":
    code = compile(base + "".join(
        f"class {name}({'Frozen' if frozen else 'Record'}):\\n    __slots__ = {tuple(fields)!r}\\n"
        f"    def __init__(self, {', '.join(fields)}):\\n"
        + "".join(f"        object.__setattr__(self, {f!r}, {f})\\n" if frozen else f"        self.{f} = {f}\\n"
                  for f in fields) + "        pass\\n"
        for name, fields, frozen in spec), "<plain>", "exec")
start = time.process_time()
if mode == "plain":
    exec(code, {"__name__": "plain"})
    imported = time.process_time()
else:
    import dataclasses
    imported = time.process_time()
    for name, fields, frozen in spec:
        cls = type(name, (), {"__annotations__": {f: "object" for f in fields}, "__module__": "__main__"})
        dataclasses.dataclass(slots=True, frozen=frozen)(cls)
done = time.process_time()
print(json.dumps([imported - start, done - imported, "inspect" in sys.modules]))
'''


def record_classes() -> list[tuple[str, list[str], bool]]:
    """(name, fields, frozen) of every Record/Frozen subclass in linter/ and rules/."""
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, "linter", "**", "*.py"), recursive=True)
                       + glob.glob(os.path.join(ROOT, "rules", "*.py"))):
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
        for node in ast.walk(tree):
            bases = [b.id for b in getattr(node, "bases", ()) if isinstance(b, ast.Name)]
            if not isinstance(node, ast.ClassDef) or not {"Record", "Frozen"} & set(bases):
                continue
            assigned = {item.targets[0].id: item.value for item in node.body
                        if isinstance(item, ast.Assign) and isinstance(item.targets[0], ast.Name)}
            for name in ("__slots__", "_fields"):  # `_fields` where there are no slots
                try:
                    fields = ast.literal_eval(assigned[name])
                except (KeyError, ValueError):
                    continue
                out.append((node.name, list(fields), "Frozen" in bases))
                break
    return out


def measure_dataclass(runs: int) -> dict:
    spec = json.dumps(record_classes())
    with open(os.path.join(ROOT, "linter", "records.py"), encoding="utf-8") as fh:
        base = fh.read() + "\n"
    pythons = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[0-3].*/bin/python3")))
    out = {"classes": len(json.loads(spec)), "pythons": {}}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for python in pythons:
        version = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        rows: dict[str, list] = {"plain": [], "dataclass": []}
        for _ in range(runs):
            for mode in rows:
                proc = subprocess.run([python, "-S", "-c", PROBE, spec, mode, base], env=env,
                                      capture_output=True, text=True, check=True)
                rows[mode].append(json.loads(proc.stdout))
        out["pythons"][version] = {
            mode: {"import_ms": statistics.median(r[0] for r in vals) * 1000,
                   "classes_ms": statistics.median(r[1] for r in vals) * 1000,
                   "inspect": vals[0][2]}
            for mode, vals in rows.items()}
        print(f"python {version}: {out['pythons'][version]}", file=sys.stderr)
    out["date"] = time.strftime("%Y-%m-%d %H:%M")
    out["load"] = os.getloadavg()[0]
    return out


# --- rendering -------------------------------------------------------------------------------

def _s(v: float) -> str:
    return f"{v * 1000:.0f} ms" if v < 1 else f"{v:.2f} s"


def render(saved: dict) -> str:
    lines = [BEGIN, "## Each speed piece, on and off",
             "",
             f"Generated by `python bench/pieces.py --before {saved.get('before', BEFORE)} --runs N` "
             "(`--render` rewrites it from bench/results/pieces.json) — do not edit by hand. "
             "`before` is that commit, every piece as issue 12 found it; `after` is this tree. "
             "A `before-` variant turns off, in `before`, a piece this tree removed or changed; "
             "an `after-` variant turns off, in `after`, a piece this tree keeps (a patch applied "
             "before the command runs: bench/pieces.py's `SHIM`). Wall time of the whole command "
             "(medians, min–max) and CPU time (user + system) of its process tree; each variant "
             "is compared with its own tree. The machine has 2 cores shared with other work "
             "(the load average before and after each scenario is given): CPU time is the "
             "steadier figure.",
             ""]
    scenarios = saved.get("scenarios", {})
    for name in SCENARIOS:
        res = scenarios.get(name)
        if not res:
            continue
        rows = res["rows"]
        lines += [f"### {TITLES[name]}", "",
                  f"{res['runs']} runs each, {res['date']}, load {res['load'][0]:.2f} / {res['load'][1]:.2f}.",
                  "", "| variant | wall median | min–max | CPU median | wall, CPU vs its tree |",
                  "|---|---|---|---|---|"]
        for v in SCENARIOS[name]:
            if v not in rows:
                continue
            w, cpu = rows[v]["walls"], statistics.median(rows[v]["cpus"])
            med = statistics.median(w)
            change = ""
            # Against its own tree as it is: `before` for `before-...`, `after` for `after-...`.
            ref = rows.get(VARIANTS[v][0])
            if ref and v not in ("before", "after"):
                change = (f"{med / statistics.median(ref['walls']) - 1:+.0%}, "
                          f"{cpu / statistics.median(ref['cpus']) - 1:+.0%}")
            lines.append(f"| `{v}`: {VARIANTS[v][4]} | {_s(med)} | {_s(min(w))}–{_s(max(w))} | "
                         f"{_s(cpu)} | {change} |")
        lines.append("")
    dc = saved.get("dataclass")
    if dc:
        lines += ["### `@dataclass(slots=True)` at start-up",
                  "",
                  f"The {dc['classes']} value classes of linter/ (every `Record`/`Frozen` subclass, "
                  "their fields read from the source) created as `@dataclass(slots=True)` (with "
                  "`frozen=True` for `Frozen`) after `import dataclasses`, against the plain "
                  "classes they are (linter/records.py, methods already compiled as in a .pyc); "
                  "CPU time (`time.process_time`) in fresh `python -S` processes, medians of "
                  f"{dc.get('runs', '?')}, {dc['date']}, "
                  f"load {dc['load']:.2f}.",
                  "", "| Python | `import dataclasses` | creating the dataclasses | plain classes | "
                  "cost at start-up | imports `inspect` |", "|---|---|---|---|---|---|"]
        for version, row in dc["pythons"].items():
            d, p = row["dataclass"], row["plain"]
            extra = d["import_ms"] + d["classes_ms"] - p["import_ms"] - p["classes_ms"]
            lines.append(f"| {version} | {d['import_ms']:.1f} ms | {d['classes_ms']:.1f} ms | "
                         f"{p['import_ms'] + p['classes_ms']:.1f} ms | +{extra:.1f} ms | "
                         f"{'yes' if d['inspect'] else 'no'} |")
        lines.append("")
    lines += breakdown_lines(saved.get("breakdown"))
    lines += decisions(scenarios, dc, saved.get("breakdown")) + [END]
    return "\n".join(lines)


# piece -> (issue 12's rule, [(scenario, variant, baseline, what the figure says)], decision)
# A figure is how much faster the baseline runs than the variant, in wall and CPU time
# (negative: slower).
PIECES = [
    ("per-file parse cache (`parse.pack`)",
     "keep only if it makes the pre-commit run in context or CI with a restored cache "
     "≥ 20 % faster while costing a cold run ≤ 5 %",
     [("context-b", "after-parse-off", "after", "pre-commit in context"),
      ("ci-b", "after-parse-off", "after", "CI (b)"), ("ci-a", "after-parse-off", "after", "CI (a)"),
      ("cold-a", "after-parse-off", "after", "cold (a)"), ("cold-b", "after-parse-off", "after", "cold (b)")],
     "PARSE"),
    ("whole-run findings cache (`runs/`)", "keep what pays on runs users make",
     [("ci-action-b", "after-runs-off", "after", "the GitHub Action's two passes"),
      ("cold-a", "after-runs-off", "after", "cold (a)"), ("cold-b", "after-runs-off", "after", "cold (b)")],
     "RUNS"),
    ("two-process split", "the default only if it wins ≥ 25 % wall on (b) by default",
     [("cold-b", "before-jobs1", "before", "cold (b), as it was"),
      ("cold-b", "after", "after-jobs2", "cold (b), `--jobs 2`"),
      ("ci-b", "after", "after-jobs2", "CI (b), `--jobs 2`")],
     "SPLIT"),
    ("cyclic GC off", "if kept, in one place, measured",
     [("cold-b", "after-gc-on", "after", "cold (b)"), ("context-b", "after-gc-on", "after", "in context"),
      ("ci-b", "after-gc-on", "after", "CI (b)"), ("cold-a", "after-gc-on", "after", "cold (a)")],
     "GC"),
    ("JSON writer", "one fast JSON writer",
     [("cold-b", "before-json-stdlib", "before", "`json.dumps` instead, cold (b)"),
      ("cold-b", "before-json-general", "before", "jsonfast alone instead, cold (b)"),
      ("cold-b", "before-json-fstrings", "before", "f-strings, no jsonfast, cold (b)")],
     "JSON"),
    ("lazily compiled patterns (`lazyre`)", "keep what pays on runs users make",
     [("small-cold", "after-lazyre-eager", "after", "(c) cold"), ("cold-a", "after-lazyre-eager", "after", "cold (a)")],
     "LAZYRE"),
]
DECISIONS = {
    "PARSE": "**kept**: it makes the pre-commit run in context and CI with a restored cache far "
             "more than 20 % faster, and costs a cold run under 5 % of its CPU time "
             "(linter/speed/pack.py).",
    "RUNS": "**kept**: the GitHub Action runs two passes by default (`sarif-file` and "
            "`changed-since: auto`), and this is what spares the second its lint; a few percent "
            "of a cold run (linter/speed/store.py).",
    "SPLIT": "**opt-in**, `check --jobs N` (default 1): far from 25 % on (b), and more CPU time. "
             "`SCHEMALINT_JOBS` and the size threshold that chose it automatically are gone.",
    "GC": "**kept, in one place**: the check command's lint stage (`lint_migrations`, "
          "linter/speed/cache.py). Discovery no longer turns it off: it collected next to "
          "nothing there; turning it off for the whole process would save little more.",
    "JSON": "**one writer**: the JSON report's per-finding f-strings (linter/report/json_report.py), "
            "`json.dumps` for the summary and any unusual finding; jsonfast.py removed, so the "
            "report package imports nothing of speed/. Same bytes (tests/report/test_json_report.py).",
    "LAZYRE": "**kept** (linter/lazyre.py, 25 lines): a pre-commit run would otherwise compile "
              "patterns it never uses at every start.",
    "DATACLASS": "**not converted**: on every version `import dataclasses` (with `inspect`) and "
                 "generating the classes' methods cost tens of milliseconds at each start, against "
                 "about one for the plain classes of linter/records.py; 3.13 is no cheaper.",
}


def _faster(scenarios: dict, name: str, variant: str, baseline: str) -> str | None:
    rows = scenarios.get(name, {}).get("rows", {})
    if variant not in rows or baseline not in rows:
        return None
    wall = 1 - statistics.median(rows[baseline]["walls"]) / statistics.median(rows[variant]["walls"])
    cpu = 1 - statistics.median(rows[baseline]["cpus"]) / statistics.median(rows[variant]["cpus"])
    return f"{wall:+.0%} wall, {cpu:+.0%} CPU"


def breakdown_lines(bd: dict | None) -> list[str]:
    if not bd:
        return []
    lines = ["### Where a run's CPU time goes, piece by piece", "",
             "`python bench/pieces.py --breakdown`: one command in one process, its CPU time "
             "(`time.process_time`) summed over each piece's own code; medians of "
             f"{bd['runs']} runs, {bd['date']}. Steadier than comparing whole runs on a loaded "
             "machine: the share of a run is what the piece costs it.", "",
             "| run | total | parse cache | run cache | hashing texts | GC in discovery | "
             "GC in the lint stage | GC after it (gate, report) |", "|---|---|---|---|---|---|---|---|"]

    def cell(row: dict, key: str) -> str:
        v = row.get(key, 0.0)
        return f"{v * 1000:.0f} ms ({v / row['total']:.1%})"

    for label in ("cold (a)", "cold (b)", "GC on, cold (a)", "GC on, cold (b)"):
        row = bd.get(label)
        if row:
            lines.append(f"| {label} | {_s(row['total'])} | {cell(row, 'parse cache')} | "
                         f"{cell(row, 'run cache')} | {cell(row, 'hashing texts')} | "
                         f"{cell(row, 'GC in discovery')} | {cell(row, 'GC in lint')} | "
                         f"{cell(row, 'GC in after lint')} |")
    lines.append("")
    on, off = bd.get("the Action's two passes (b)"), bd.get("the Action's two passes (b), no run cache")
    if on and off:
        lines.append(f"- The GitHub Action's two passes on (b) in one process, as it runs them (a "
                     "restored cache, one new migration; the whole history with a SARIF file, then "
                     f"`--changed-since`): {_s(on['pass 1'])} + {_s(on['pass 2'])} with the run "
                     f"cache, {_s(off['pass 1'])} + {_s(off['pass 2'])} without it.")
    for label in ("JSON writers (a)", "JSON writers (b)"):
        row = bd.get(label)
        if row:
            ways = ", ".join(f"{k} {_s(v)}" for k, v in row.items()
                             if k not in ("findings", "load"))
            lines.append(f"- {label}, the report of {row['findings']:.0f} findings written "
                         f"(in `before`, best of 3): {ways}.")
    row = bd.get("patterns, (c) cold")
    if row:
        lines.append(f"- Patterns compiled on first use (`lazyre`), `check` of one small file: "
                     f"{row['patterns']:.0f} patterns, {row['unused']:.0f} of them unused by the run; "
                     f"compiling every one takes {_s(row['compiling every pattern'])}, the unused "
                     f"ones {_s(row['compiling those the run did not use'])} (what compiling at "
                     "import would add to the run).")
    return lines + [""]


def _share(bd: dict, label: str, key: str) -> str | None:
    row = bd.get(label)
    return None if not row or key not in row else f"{row[key] / row['total']:.1%}"


def breakdown_figures(key: str, bd: dict | None) -> list[str]:
    """The figures of the in-process breakdowns that bear on a piece's decision."""
    if not bd:
        return []
    out = []
    if key in ("PARSE", "RUNS"):
        piece = "parse cache" if key == "PARSE" else "run cache"
        costs = [f"{k} {got}" for k in ("(a)", "(b)") if (got := _share(bd, f"cold {k}", piece))]
        out.append("its share of a cold run's CPU time: " + ", ".join(costs))
    on, off = bd.get("the Action's two passes (b)"), bd.get("the Action's two passes (b), no run cache")
    if key == "RUNS" and on and off:
        out.append(f"the Action's second pass on (b): {_s(on['pass 2'])} with it, {_s(off['pass 2'])} "
                   f"without (first pass {_s(on['pass 1'])})")
    if key == "GC":
        for k in ("(a)", "(b)"):
            parts = [f"{where} {got}" for where, stage in (("checking", "lint"), ("discovery", "discovery"))
                     if (got := _share(bd, f"GC on, cold {k}", f"GC in {stage}"))]
            after = _share(bd, f"cold {k}", "GC in after lint")
            out.append(f"collecting, GC on, cold {k}: " + ", ".join(parts)
                       + (f"; after checking, GC back on: {after}" if after else ""))
    if key == "JSON" and bd.get("JSON writers (b)"):
        row = bd["JSON writers (b)"]
        out.append("writing (b)'s report: " + ", ".join(
            f"{k} {_s(v)}" for k, v in row.items() if k not in ("findings", "load")))
    if key == "LAZYRE" and bd.get("patterns, (c) cold"):
        row = bd["patterns, (c) cold"]
        out.append(f"compiling the {row['unused']:.0f} patterns of {row['patterns']:.0f} a (c) run "
                   f"does not use: {_s(row['compiling those the run did not use'])}")
    return out


def decisions(scenarios: dict, dc: dict | None, bd: dict | None) -> list[str]:
    lines = ["### Decisions", "",
             "Whole runs: how much less time the run takes with the piece than without it "
             "(negative: more), from the tables above (on this loaded machine, differences "
             "under about 15 % between whole runs are noise); then the breakdowns' figures, "
             "which measure the small costs.", "",
             "| piece | rule | measured | decision |", "|---|---|---|---|"]
    for piece, rule, figures, key in PIECES:
        measured = [f"{label}: {got}" for name, variant, baseline, label in figures
                    if (got := _faster(scenarios, name, variant, baseline)) is not None]
        measured += breakdown_figures(key, bd)
        lines.append(f"| {piece} | {rule} | {'; '.join(measured) or '-'} | {DECISIONS[key]} |")
    if dc:
        costs = []
        for version, row in dc["pythons"].items():
            d, p = row["dataclass"], row["plain"]
            costs.append(f"{version}: +{d['import_ms'] + d['classes_ms'] - p['import_ms'] - p['classes_ms']:.0f} ms")
        lines.append(f"| `@dataclass(slots=True)` for the value classes | re-measure on 3.10–3.13 | "
                     f"{'; '.join(costs)} at start-up | {DECISIONS['DATACLASS']} |")
    return lines + [""]


def write_doc(out: str, section: str) -> None:
    try:
        with open(out, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        text = ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(text)


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
