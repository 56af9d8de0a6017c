"""`schemalint check PATHS...`: discover -> lint -> (replay) -> gate -> report.

Each stage is one function so that configuration, layouts, caching, replay, the gate
(suppression, baseline, changed-only), fixes and reporters plug in at one place each.
"""

from __future__ import annotations

import argparse
import os
import sys

from schemalint.cli import EXIT_FINDINGS, EXIT_OK
from schemalint.commands.common import add_input_arguments, add_outcome_arguments
from schemalint.errors import UsageError


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_arguments(p)
    add_outcome_arguments(p)
    p.add_argument("--layout", metavar="LAYOUT", default=None,
                   help="migration framework layout: auto (default: detected), plain, flyway, "
                        "golang-migrate, goose, dbmate, diesel, prisma, sqitch, dump, alembic, django")
    p.add_argument("--format", "-f", default="text", metavar="FORMAT",
                   help="output format on stdout: text (default), json, sarif, junit, github, "
                        "gitlab or markdown")
    p.add_argument("--output", "-o", action="append", default=[], metavar="FORMAT:PATH",
                   help="also write the report in FORMAT to the file PATH (repeatable), "
                        "e.g. --output sarif:schemalint.sarif")
    p.add_argument("--pg-version", metavar="MAJOR[.MINOR]", default=None,
                   help="the PostgreSQL version the migrations run on (default: 15)")
    p.add_argument("--select", metavar="RULES", default=None,
                   help="comma-separated rule codes, names, code prefixes or categories to enable "
                        "instead of the defaults; ALL enables every rule, opt-in ones included")
    p.add_argument("--extend-select", metavar="RULES", default=None,
                   help="enable these rules in addition to the selection")
    p.add_argument("--ignore", metavar="RULES", default=None, help="disable these rules")
    add_gate_arguments(p)
    p.add_argument("--fix", action="store_true",
                   help="apply safe fixes to the migration files and report what is left")
    p.add_argument("--unsafe-fixes", action="store_true",
                   help="with --fix or --diff, also apply fixes that change behaviour")
    p.add_argument("--diff", action="store_true",
                   help="print the fixes as a unified diff instead of writing them")
    p.add_argument("--no-cache", action="store_true",
                   help="neither read nor write the cache (also SCHEMALINT_NO_CACHE=1)")
    p.add_argument("--cache-dir", metavar="DIR", default=None,
                   help="where to keep the cache (default: .schemalint_cache/ at the project root)")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="check in N processes (default 1; 2 or more splits a long history in "
                        "two on Linux: less wall time for more CPU time, docs/cache.md)")
    p.add_argument("--replay", action="store_true",
                   help="also apply the migrations to a throwaway PostgreSQL and add the replay "
                        "findings (docs/replay.md); the replay flags below tune it")
    from schemalint.commands.replay import add_replay_options

    add_replay_options(p)
    color = p.add_mutually_exclusive_group()
    color.add_argument("--color", dest="color", action="store_const", const=True, default=None,
                       help="always colour the text output")
    color.add_argument("--no-color", dest="color", action="store_const", const=False,
                       help="never colour the text output")


def add_gate_arguments(p: argparse.ArgumentParser) -> None:
    """Configuration file, baseline and changed-only flags (see config_file.py and gate.py)."""
    from schemalint.config.file import add_arguments as add_config_arguments

    add_config_arguments(p)
    g = p.add_argument_group("baseline and changed-only")
    g.add_argument("--baseline", metavar="PATH", default=None,
                   help="report only findings not in this baseline file (default: "
                        ".schemalint-baseline.json next to the configuration file, if it exists)")
    g.add_argument("--no-baseline", action="store_true", help="report baselined findings too")
    g.add_argument("--prune-baseline", action="store_true",
                   help="remove baseline entries that no longer occur from the baseline file")
    g.add_argument("--changed-since", metavar="GIT_REF", default=None,
                   help="report only findings in files added or modified since the merge base "
                        "with GIT_REF (the whole history is still checked for context)")


def build_config(args):
    """The effective LintConfig: defaults, then the configuration file, then CLI flags."""
    from schemalint.config.file import resolve

    if getattr(args, "layout", None):
        from schemalint.discover.layouts import layout_names

        if args.layout not in layout_names():
            raise UsageError(f"--layout: unknown layout {args.layout!r} "
                             f"(choose from {', '.join(layout_names())})")
    args.resolved = resolve(args)
    return args.resolved.config


def collect(args, config, planned=None):
    """Discover the migrations to check, in apply order. Returns (migrations, unreadable).
    `planned`: `gate.plan_paths(args.paths, config)`, when the caller already has it."""
    from schemalint.discover.discovery import discover, read_stdin
    from schemalint.gate.reporting import included, plan_paths

    paths, args.report_only = planned or plan_paths(args.paths, config)
    if not paths:
        raise UsageError("no paths given: `schemalint check migrations/` (or - for standard input), "
                         "or `paths:` in .schemalint.yaml")
    migrations, unreadable = [], []
    file_paths = [p for p in paths if p != "-"]
    if file_paths:
        found = discover(file_paths, layout=_layout(config), placeholders=config.placeholders)
        if found.missing:
            raise UsageError("no such file or directory: " + ", ".join(found.missing))
        migrations.extend(found.migrations)
        unreadable.extend(found.unreadable)
    migrations, unreadable = included(migrations, unreadable, config)
    if "-" in paths:
        migrations.extend(read_stdin(args.stdin_filename or "<stdin>", config.layout, config.placeholders))
    return migrations, unreadable


def _layout(config):
    """`layout:` is a name, or {directory: name} with directories relative to the config file."""
    layout = config.layout
    root = getattr(config, "root", None)
    if isinstance(layout, str) or not root:
        return layout
    return {k if k in ("", ".", "*") else os.path.join(root, k): v for k, v in layout.items()}


def unreadable_diagnostics(unreadable):
    from schemalint.diagnostics.engine_rules import UNREADABLE_FILE
    from schemalint.diagnostics.rule import make_diagnostic
    from schemalint.discover.source import Migration

    return [
        make_diagnostic(UNREADABLE_FILE, Migration(path=path, text=""), 0, 0,
                        f"cannot read this file: {reason}")
        for path, reason in unreadable
    ]


def gate(diagnostics, migrations, config, args):
    """The baseline and changed-only filtering (suppression comments are the engine's)."""
    from schemalint.gate.reporting import apply

    return apply(diagnostics, migrations, config, args)


def parse_outputs(args) -> list[tuple[str, str]]:
    from schemalint.report import parse_output

    try:
        return [parse_output(spec) for spec in args.output]
    except ValueError as exc:
        raise UsageError(f"--output: {exc}") from None


def emit(result, args) -> None:
    """Write the report(s): --format to stdout, each --output FORMAT:PATH to its file."""
    from schemalint.report import find_root, write_reports

    result.root = result.root or find_root(os.getcwd())
    try:
        write_reports(result, args.format, parse_outputs(args), sys.stdout)
    except OSError as exc:
        raise UsageError(f"--output: cannot write {exc.filename}: {exc.strerror}") from None


def apply_fixes(diagnostics, migrations, args) -> int | None:
    """--diff: print the fixes as a unified diff and return the exit code (1 when there are
    any). --fix: write them and return None; the caller lints the fixed files again so the
    report shows what is left, at its new position."""
    from schemalint.check.fix import UNSAFE, check_writable, plan_fixes, unified_diff, write_fixes

    stdin_path = (args.stdin_filename or "<stdin>") if "-" in args.paths else None
    if args.fix and not args.diff and stdin_path is not None:
        raise UsageError("--fix cannot write to standard input; use --diff to see the fixes")
    sources = {m.path: m.text for m in migrations}
    fixable = {d.path for d in diagnostics if d.fix is not None}
    refuse = {} if args.diff else check_writable(fixable - {stdin_path}, sources)
    plan = plan_fixes(diagnostics, sources, unsafe=args.unsafe_fixes, refuse=refuse)
    n = len(plan.applied)
    if args.diff:
        sys.stdout.write(unified_diff(plan))
        print(f"{n} fix{'es' if n != 1 else ''} would be applied", file=sys.stderr)
    else:
        write_fixes(plan)
        print(f"fixed {n} finding{'s' if n != 1 else ''} in {len(plan.files)} "
              f"file{'s' if len(plan.files) != 1 else ''}", file=sys.stderr)
    unsafe = [d for d, reason in plan.skipped if reason is UNSAFE]
    for d, reason in plan.skipped:
        if reason is not UNSAFE:
            print(f"{d.path}:{d.line}:{d.column}: {d.rule}: not fixed: {reason}", file=sys.stderr)
    if unsafe:
        print(f"{len(unsafe)} more fix{'es' if len(unsafe) != 1 else ''} available with "
              "--unsafe-fixes (they change behaviour: read each rule's fix note)", file=sys.stderr)
    if args.diff:
        return EXIT_FINDINGS if plan.files else EXIT_OK
    return None


def use_color(args) -> bool:
    if args.color is not None:
        return args.color
    if os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def run(args) -> int:
    from schemalint.report import FORMATS
    from schemalint.speed.cache import resolve_dir

    if args.format not in FORMATS:
        raise UsageError(f"--format: unknown format {args.format!r} (choose from {', '.join(FORMATS)})")
    parse_outputs(args)
    config = build_config(args)
    # The report cache (runcache.py): an unchanged run prints the stored report.
    cache_dir = resolve_dir(args.no_cache, args.cache_dir, root=getattr(config, "root", None))
    if cache_dir is not None:
        from schemalint.speed import runcache

        if runcache.eligible(args):
            from schemalint.gate.reporting import plan_paths

            planned = plan_paths(args.paths, config)
            reports = runcache.ReportCache(cache_dir, args, config, use_color(args), planned[0])
            code = reports.replay(sys.stdout, sys.stderr)
            if code is not None:
                return code
            return _run_recorded(args, config, cache_dir, reports, planned)
    return _run(args, config, cache_dir)


def _run_recorded(args, config, cache_dir, reports, planned) -> int:
    """`_run`, keeping what it reads and writes for the report cache."""
    from schemalint.speed import runcache

    if reports.key is None:  # a glob or a missing path: nothing to key the report by
        return _run(args, config, cache_dir, planned=planned)
    out, err = reports.tee(sys.stdout), runcache.Tee(sys.stderr)
    seen: dict = {}
    started = runcache.start_recording()
    sys.stdout, sys.stderr = out, err
    try:
        code = _run(args, config, cache_dir, seen, planned)
    except BaseException:
        out.discard()  # removes the partial copy
        raise
    finally:
        sys.stdout, sys.stderr = out.stream, err.stream
        recorded = runcache.stop_recording()
    if "migrations" in seen and not seen["unreadable"]:
        resolved = getattr(args, "resolved", None)
        reports.store(started, recorded, seen["migrations"], resolved.baseline if resolved else None,
                      code, out, err.text(), [p for _, p in parse_outputs(args) if p != "-"])
    else:
        out.discard()
    return code


def _run(args, config, cache_dir, seen: dict | None = None, planned=None) -> int:
    from schemalint.report import LintResult, failed
    from schemalint.speed.cache import lint_migrations

    migrations, unreadable = collect(args, config, planned)

    stats: dict = {}
    replayed, replay_rules = [], ()
    if args.replay:
        # Replay findings join the static ones inside lint(), so that suppression comments
        # (and their unused-ignore accounting) cover both.
        from schemalint.commands.replay import check_diagnostics
        from schemalint.diagnostics.replay_rules import REPLAY_RULES

        replayed, replay_rules = check_diagnostics(migrations, config, args), REPLAY_RULES
    # engine.lint, with parse results and unchanged runs taken from the cache (cache.py).
    def lint_and_gate(migrations, unreadable, extra=(), extra_rules=()):
        from schemalint.gate.reporting import reported_paths

        found = lint_migrations(migrations, config, stats, cache_dir, extra=extra,
                                extra_rules=extra_rules, reported=reported_paths(migrations, args),
                                jobs=args.jobs)
        return gate(found + unreadable_diagnostics(unreadable), migrations, config, args)

    diagnostics = lint_and_gate(migrations, unreadable, replayed, replay_rules)
    if args.fix or args.diff:
        code = apply_fixes(diagnostics, migrations, args)
        if code is not None:
            return code
        # Lint the fixed files again so the report shows what is left, where it now is.
        migrations, unreadable = collect(args, config, planned)
        diagnostics = lint_and_gate(migrations, unreadable)

    result = LintResult(
        diagnostics=diagnostics,
        sources={m.path: m.text for m in migrations},
        files_checked=len({m.path for m in migrations}) + len(unreadable),
        statements=stats.get("statements", 0),
        fail_on=config.fail_on,
        color=use_color(args),
    )
    emit(result, args)
    if seen is not None:
        seen.update(migrations=migrations, unreadable=unreadable)
    return EXIT_FINDINGS if failed(diagnostics, config.fail_on) else EXIT_OK
