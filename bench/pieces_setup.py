"""What bench/pieces.py measures: the two trees, the variants (a piece turned off by a patch,
`SHIM`), the scenarios, and the helpers its probes (pieces_probes.py) share."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
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
if "checkpoints-off" in patches:
    from schemalint.speed.checkpoint import Checkpoints
    Checkpoints.found = lambda self, links: []
    Checkpoints.save = lambda self, *args, **kwargs: None
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
import schemalint.commands
try:
    from schemalint import process
except ImportError:  # a tree from before schemalint/process.py
    process = None
# As the console script: the process ends after its command(s) (the run's objects are frozen
# instead of left to the collector, and left to the exit instead of freed one by one; a tree
# without these ignores the flags).
schemalint.commands.PROCESS_ENDS_AFTER_COMMAND = True
if process is not None:
    process.ENDS_AFTER_COMMAND = True
argv, code = sys.argv[2:], 0
while argv:
    cut = argv.index(";;") if ";;" in argv else len(argv)
    code = main(argv[:cut])
    argv = argv[cut + 1:]
if process is not None:
    process.exit_now(code)
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
    "after-checkpoints-off": ("after", "checkpoints-off", {}, [], "no checkpoints (`checkpoints/`)"),
    "after-gc-on": ("after", "gc-on", {}, [], "the cyclic GC left on"),
    "after-gc-whole": ("after", "gc-whole", {}, [],
                       "the GC off for the whole process, not only while checking"),
    "after-lazyre-eager": ("after", "lazyre-eager", {}, [], "every pattern compiled at import (no lazyre)"),
}
SPLIT = ["before", "before-jobs1", "after", "after-jobs2"]
CHECKPOINTS = ["after-checkpoints-off"]
CACHES = ["after-parse-off", "after-runs-off"]
GC = ["after-gc-on", "after-gc-whole"]
JSON = ["before-json-stdlib", "before-json-general", "before-json-fstrings"]
SCENARIOS = {
    "cold-a": SPLIT + CACHES + CHECKPOINTS + GC + JSON + ["after-lazyre-eager"],
    "cold-b": SPLIT + CACHES + CHECKPOINTS + GC + JSON,
    "warm-a": ["before", "after"],
    "warm-b": ["before", "after"],
    "context-b": ["before", "after"] + CACHES + GC,
    "ci-a": SPLIT + CACHES + CHECKPOINTS,
    "ci-b": SPLIT + CACHES + CHECKPOINTS + GC,
    "ci-action-b": ["before", "after"] + CACHES + CHECKPOINTS,
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


def tree_env(trees: dict[str, str]) -> dict[str, dict[str, str]]:
    """The environment to run each tree in: its staged copy first on the path, bytecode
    written and read as an installation has it, no colour, no SCHEMALINT_ variable."""
    base = {k: v for k, v in os.environ.items()
            if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("SCHEMALINT_")}
    return {tree: {**base, "NO_COLOR": "1", "PYTHONPATH": path} for tree, path in trees.items()}


def corpus_files(corpus: str) -> list[str]:
    return sorted(glob.glob(os.path.join(corpus, "**", "*.sql"), recursive=True))


def bench_b() -> str:
    gen = os.path.join(HERE, "results", "gen50000")
    if not os.path.isdir(os.path.join(gen, "migrations")):
        subprocess.run([sys.executable, os.path.join(HERE, "gen_repo.py"), gen,
                        "--statements", "50000"], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(gen, "migrations")


def git(cwd: str, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True,
                   stdout=subprocess.DEVNULL)


def new_migration(path: str, n: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"-- a new migration, run {n}\nALTER TABLE orders ADD COLUMN c{n} int;\n")
