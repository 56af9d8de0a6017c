"""In-process probes for bench/pieces.py: where one run's CPU time goes, piece by piece
(`--breakdown`), and what `@dataclass(slots=True)` would cost at start-up (`--dataclass`)."""

from __future__ import annotations

import ast
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from pieces_setup import ROOT, SMALL, bench_b, corpus_files, git, new_migration, stage, tree_env

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
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "history")

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
    new_migration(os.path.join(repo, "migrations", "999999_new.sql"), 1)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "new migration")
    return passes


def measure_breakdown(runs: int, before: str, corpus: str) -> dict:
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="schemalint-pieces-") as work:
        trees = {"before": stage(work, before), "after": stage(work, None)}
        env = tree_env(trees)
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
