"""`schemalint check PATHS...`: discover -> lint -> (replay) -> gate -> report.

Each stage is one function so that configuration, layouts, caching, replay, the gate
(suppression, baseline, changed-only), fixes and reporters plug in at one place each.
"""

from __future__ import annotations

import argparse
import sys
import time

from schemalint.commands.common import (
    add_baseline_argument,
    add_config_arguments,
    add_fail_on_argument,
    add_input_arguments,
    add_layout_argument,
    add_quiet_argument,
    add_replay_options,
    add_selection_arguments,
    add_transaction_argument,
    parse_outputs,
    settings_from,
    use_color,
)
from schemalint.commands.progress import Progress
from schemalint.config.flags import Flags
from schemalint.config.resolve import Settings
from schemalint.errors import UsageError
from schemalint.gate.reporting import plan_paths
from schemalint.report import FORMATS, STATISTICS_FORMATS
from schemalint.speed import runcache
from schemalint.speed.cache import resolve_dir


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_arguments(p)
    p.add_argument("--force-exclude", action="store_true",
                   help="ignore the paths given here that lie outside the configured `paths:` or "
                        "that include/exclude leave out, instead of checking them (the pre-commit "
                        "hook passes it with the staged files)")
    add_layout_argument(p)
    add_transaction_argument(p)
    out = p.add_argument_group("output")
    out.add_argument("--format", "-f", default="text", metavar="FORMAT",
                     help="output format on stdout: text (default), concise, json, sarif, junit, "
                          "github, gitlab or markdown")
    out.add_argument("--output", "-o", action="append", default=[], metavar="FORMAT:PATH",
                     help="also write the report in FORMAT to the file PATH (repeatable), "
                          "e.g. --output sarif:schemalint.sarif")
    out.add_argument("--statistics", action="store_true",
                     help="print how many findings each rule made instead of the findings "
                          "(with --format text, concise or json)")
    add_fail_on_argument(out)
    add_quiet_argument(out)
    color = out.add_mutually_exclusive_group()
    color.add_argument("--color", dest="color", action="store_const", const=True, default=None,
                       help="always colour the text output (default: on a terminal, unless "
                            "NO_COLOR is set; FORCE_COLOR forces it)")
    color.add_argument("--no-color", dest="color", action="store_const", const=False,
                       help="never colour the text output")
    add_selection_arguments(p)
    add_gate_arguments(p)
    fixes = p.add_argument_group("fixes")
    fixes.add_argument("--fix", action="store_true",
                       help="apply safe fixes to the migration files and report what is left")
    fixes.add_argument("--unsafe-fixes", action="store_true",
                       help="with --fix or --diff, also apply fixes that change behaviour")
    fixes.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff instead of writing them")
    fixes.add_argument("--fix-applied", action="store_true",
                       help="with --fix or --diff, also fix files committed before the merge base with "
                            "--changed-since (default: the default branch), or outside git: migrations "
                            "that may already have been applied")
    cache = p.add_argument_group("cache and speed")
    cache.add_argument("--no-cache", action="store_true",
                       help="neither read nor write the cache (also SCHEMALINT_NO_CACHE=1)")
    cache.add_argument("--cache-dir", metavar="DIR", default=None,
                       help="where to keep the cache (default: .schemalint_cache/ at the project root)")
    cache.add_argument("--jobs", type=int, default=1, metavar="N",
                       help="check in N processes (default 1; 2 or more splits a long history in "
                            "two on Linux: less wall time for more CPU time, docs/cache.md)")
    p.add_argument("--replay", action="store_true",
                   help="also apply the migrations to a throwaway PostgreSQL and add the replay "
                        "findings (docs/replay.md); the replay flags below tune it")
    add_replay_options(p)


def add_gate_arguments(p: argparse.ArgumentParser) -> None:
    """Configuration file, baseline and changed-only flags (see config/ and gate/)."""
    add_config_arguments(p)
    g = p.add_argument_group("baseline and changed-only")
    add_baseline_argument(g)
    g.add_argument("--no-baseline", action="store_true", help="report baselined findings too")
    g.add_argument("--prune-baseline", action="store_true",
                   help="remove baseline entries that no longer occur from the baseline file")
    g.add_argument("--changed-since", metavar="GIT_REF", default=None,
                   help="report only findings in files added or modified since the merge base "
                        "with GIT_REF (the whole history is still checked for context)")


def run(args, out=None, err=None) -> int:
    """`schemalint check`: the report goes to `out`, messages to `err` (standard output and
    error unless given)."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    flags = Flags.from_namespace(args)
    if flags.format not in FORMATS:
        raise UsageError(f"--format: unknown format {flags.format!r} (choose from {', '.join(FORMATS)})")
    if flags.statistics and flags.format not in STATISTICS_FORMATS:
        raise UsageError(f"--statistics: prints a table (--format text or concise) or JSON "
                         f"(--format json), not --format {flags.format}; --output still writes "
                         "any format")
    if flags.queries and not flags.replay:
        raise UsageError("--queries: the queries are planned on the replayed database; add --replay")
    for name, value in (("--seq-scan-rows", flags.seq_scan_rows), ("--plan-cost-ratio", flags.plan_cost_ratio)):
        if value is not None and not flags.replay:
            raise UsageError(f"{name}: a threshold of the query-plan gate, which runs on the "
                             "replayed database; add --replay")
    parse_outputs(flags)
    # On the real `err`: the report cache keeps what goes to `err` for its next answer.
    progress = Progress("checking", "checked", err, quiet=bool(flags.quiet), color=flags.color)
    settings = settings_from(args)
    # The report cache (speed/runcache.py): an unchanged run prints the stored report.
    cache_dir = resolve_dir(flags.no_cache, flags.cache_dir, root=settings.config.root)
    if cache_dir is not None and runcache.eligible(flags):
        planned = plan_paths(list(flags.paths), settings.config, bool(flags.force_exclude))
        reports = runcache.ReportCache(cache_dir, settings, use_color(flags, out), planned.paths)
        code = reports.replay(out, err)
        if code is not None:
            return code
        if reports.key is not None:  # None: a glob or a missing path, nothing to key by
            return _run_recorded(settings, cache_dir, reports, planned, out, err, progress)
        return _check(settings, cache_dir, out, err, planned=planned, progress=progress)
    return _check(settings, cache_dir, out, err, progress=progress)


def _run_recorded(settings: Settings, cache_dir, reports, planned, out, err, progress) -> int:
    """`check`, keeping its report and what it read for the report cache."""
    recorded_out, recorded_err = reports.tee(out), runcache.Tee(err)
    started = time.time_ns()
    seen: dict = {}
    try:
        code = _check(settings, cache_dir, recorded_out, recorded_err, seen, planned, progress)
    except BaseException:
        recorded_out.discard()  # removes the partial copy
        raise
    collected = seen.get("collected")
    if collected is not None and not collected.unreadable:
        reports.store(started, collected.inputs, settings.baseline, code,
                      recorded_out, recorded_err.text(),
                      [p for _, p in parse_outputs(settings.flags) if p != "-"])
    else:
        recorded_out.discard()
    return code


def _check(settings: Settings, cache_dir, out, err, seen: dict | None = None, planned=None,
           progress=None) -> int:
    # Loaded on a report-cache miss only: a hit never imports the parser, model or rules
    # (tests/test_runcache.py, tests/test_startup_imports.py).
    from schemalint.commands.pipeline import check

    return check(settings, cache_dir, out, err, seen, planned, progress)
