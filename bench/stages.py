"""Where a cold run's time goes, stage by stage (the split docs/performance.md quotes).

    python bench/stages.py [--runs 3] FILE_OR_DIR...      e.g. bench/results/gen50000/migrations

Runs `schemalint check PATHS --format json --no-cache` in this process (one process, the
default: no half of the run hidden in a forked child), with a perf_counter around each
stage: discovery (`pipeline.collect`), parsing (`parse.parse_sql`: libpg_query + JSON
decoding), folding the model and its lock ledger (`Model.fold`, `LockLedger.before` and
`.after`), the rest of the lint stage
(the rules, the engine around them, building the findings) and writing the report
(`pipeline.emit`, to /dev/null). Prints the median of each stage over the runs, in ms and as a
share of the whole command. Imports are outside the timings.

    python bench/stages.py --detail FILE_OR_DIR...

breaks the same run down further, once: parsing into libpg_query's JSON output and its
decoding (`json.loads`), each statement-level rule (its findings listed, so lazy ones count),
each end-of-migration and schema rule, and the findings (`make_diagnostic`, and writing each
into the JSON report).

    python bench/stages.py --parsers FILE_OR_DIR...

times the ways pglast offers to parse the same files, each over all of them once, the
garbage collector off as in a run: libpg_query's JSON output, its decoding by `json.loads`
(and by orjson when installed, for comparison), the protobuf output (not decoded) and
pglast's own node objects (`parse_sql`).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from timing import Stopwatch, quiet_stdout  # noqa: E402 - bench/ is not a package


def one_run(paths: list[str]) -> dict[str, float]:
    import schemalint.commands.pipeline as pipeline
    import schemalint.parse.statements as parse_mod
    from schemalint.cli import main
    from schemalint.model import Model
    from schemalint.rulekit.lock_ledger import LockLedger

    watch = Stopwatch()
    watch.wrap_each([(pipeline, "collect", "discovery"), (pipeline, "emit", "report"),
                     (pipeline, "lint_migrations", "lint"), (parse_mod, "parse_sql", "parse"),
                     (Model, "fold", "fold"), (LockLedger, "before", "fold"),
                     (LockLedger, "after", "fold")])
    spent = watch.spent
    try:
        with quiet_stdout():
            t = time.perf_counter()
            main(["check", *paths, "--format", "json", "--no-cache"])
            spent["total"] = time.perf_counter() - t
    finally:
        watch.restore()
    # `lint` contains parsing and folding; what is left of it is the rules and the engine.
    spent["rules and engine"] = spent.pop("lint") - spent.get("parse", 0.0) - spent.get("fold", 0.0)
    return spent


def detail(paths: list[str]) -> None:
    import json

    import schemalint.check.engine as engine_mod
    import schemalint.parse.statements as parse_mod
    import schemalint.report.json_report as json_report
    import schemalint.rulekit.context as context_mod
    from schemalint.cli import main

    spent: dict[str, float] = {}
    calls: dict[str, int] = {}

    def timed(label: str, real):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - t
                calls[label] = calls.get(label, 0) + 1
        return wrapper

    class Parser:  # parse.py's `_pg`, with its JSON output and the decoding timed apart
        def __init__(self, real):
            self._real = real
            self.parse_sql_json = timed("libpg_query JSON output", real.parse_sql_json)

        def __getattr__(self, name):
            return getattr(self._real, name)

    def listed(real):
        def check(stmt, ctx):
            found = real(stmt, ctx)
            return list(found) if found else found
        return check

    rule_checks: dict = {}
    real_calls = engine_mod.RuleSet.calls

    def calls_timed(self, stmt):
        out = []
        for rule, check, options in real_calls(self, stmt):
            wrapped = rule_checks.get(check)
            if wrapped is None:
                wrapped = rule_checks[check] = timed(f"rule {rule.name}", listed(check))
            out.append((rule, wrapped, options))
        return out

    real_run = engine_mod._run

    def run_timed(rule, fn, *args):
        return timed(f"{fn.__name__} {rule.name}", real_run)(rule, fn, *args)

    patched = [(engine_mod.RuleSet, "calls", calls_timed), (engine_mod, "_run", run_timed),
               (parse_mod, "_pg", Parser(parse_mod._pg)),
               # parse.py calls json.loads through the module: every caller's is timed
               # while the command runs (the report and configuration decode next to nothing).
               (parse_mod.json, "loads", timed("json.loads", json.loads)),
               # the findings the rules make (`Context.report`)
               (context_mod, "make_diagnostic", timed("make_diagnostic", context_mod.make_diagnostic)),
               (json_report, "_item_text", timed("JSON report, per finding", json_report._item_text))]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patched]
    for owner, name, value in patched:
        setattr(owner, name, value)
    stdout = sys.stdout
    sys.stdout = open(os.devnull, "w", encoding="utf-8")
    try:
        t = time.perf_counter()
        main(["check", *paths, "--format", "json", "--no-cache"])
        total = time.perf_counter() - t
    finally:
        sys.stdout.close()
        sys.stdout = stdout
        for owner, name, real in saved:
            setattr(owner, name, real)
    print(f"whole command {total * 1000:.0f} ms; the parts, largest first (ms, calls):")
    for label, value in sorted(spent.items(), key=lambda kv: -kv[1])[:40]:
        print(f"  {label:<55} {value * 1000:>7.0f} {calls[label]:>8}")
    for group in ("rule", "end_of_migration", "check_schema"):
        value = sum(v for label, v in spent.items() if label.startswith(group + " "))
        print(f"all {group} together: {value * 1000:.0f} ms")


def parsers(paths: list[str]) -> None:
    import json

    from pglast import parser

    files = []
    for path in paths:
        if os.path.isdir(path):
            files += sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".sql"))
        else:
            files.append(path)
    texts = []
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as fh:
            texts.append(fh.read())

    def each(fn, inputs) -> tuple[float, list]:
        out = []
        t = time.perf_counter()
        for item in inputs:
            try:
                out.append(fn(item))
            except parser.ParseError:
                pass
        return time.perf_counter() - t, out

    gc.disable()
    took, payloads = each(parser.parse_sql_json, texts)
    print(f"{len(texts)} files; libpg_query JSON output {took:.2f} s "
          f"({sum(map(len, payloads)) >> 20} MB of JSON)")
    print(f"  json.loads of it        {each(json.loads, payloads)[0]:.2f} s")
    try:
        import orjson
    except ImportError:
        print("  orjson.loads of it      (orjson not installed)")
    else:
        print(f"  orjson.loads of it      {each(orjson.loads, payloads)[0]:.2f} s")
    print(f"protobuf output           {each(parser.parse_sql_protobuf, texts)[0]:.2f} s (not decoded)")
    print(f"pglast node objects       {each(parser.parse_sql, texts)[0]:.2f} s")
    gc.enable()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--detail", action="store_true", help="one run, broken down further")
    ap.add_argument("--parsers", action="store_true", help="pglast's ways to parse, timed")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()
    os.environ.pop("SCHEMALINT_NO_CACHE", None)
    if args.detail:
        detail(args.paths)
        return
    if args.parsers:
        parsers(args.paths)
        return
    runs = []
    for _ in range(args.runs):
        runs.append(one_run(args.paths))
        gc.collect()
    total = statistics.median(r["total"] for r in runs)
    print(f"{'stage':<18} {'median':>10} {'share':>7}")
    for stage in ("discovery", "parse", "fold", "rules and engine", "report", "total"):
        value = statistics.median(r.get(stage, 0.0) for r in runs)
        print(f"{stage:<18} {value * 1000:>8.0f} ms {value / total:>6.0%}")


if __name__ == "__main__":
    main()
