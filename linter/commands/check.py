"""`schemalint check PATHS...`: discover -> lint -> (replay) -> gate -> report.

Each stage is one function so that configuration, layouts, caching, replay, the gate
(suppression, baseline, changed-only), fixes and reporters plug in at one place each.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..cli import EXIT_FINDINGS, EXIT_OK
from ..errors import UsageError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="migration files, directories (searched recursively for *.sql), "
                        "glob patterns, or - for standard input")
    p.add_argument("--stdin-filename", metavar="NAME", default=None,
                   help="the path to report for input read from standard input")
    p.add_argument("--format", "-f", default="text", metavar="FORMAT",
                   help="output format on stdout: text (default), json, sarif, junit, github, "
                        "gitlab or markdown")
    p.add_argument("--output", "-o", action="append", default=[], metavar="FORMAT:PATH",
                   help="also write the report in FORMAT to the file PATH (repeatable), "
                        "e.g. --output sarif:schemalint.sarif")
    p.add_argument("--fail-on", choices=("error", "warning", "info", "never"), default=None,
                   help="lowest severity that makes the exit code 1 (default: error)")
    p.add_argument("--pg-version", metavar="MAJOR[.MINOR]", default=None,
                   help="the PostgreSQL version the migrations run on (default: 15)")
    p.add_argument("--assume-in-transaction", action="store_true", default=None,
                   help="each migration file runs inside a transaction (as most frameworks do)")
    p.add_argument("--select", metavar="RULES", default=None,
                   help="comma-separated rule codes, names, code prefixes or categories to enable "
                        "instead of the defaults; ALL enables every rule, opt-in ones included")
    p.add_argument("--extend-select", metavar="RULES", default=None,
                   help="enable these rules in addition to the selection")
    p.add_argument("--ignore", metavar="RULES", default=None, help="disable these rules")
    color = p.add_mutually_exclusive_group()
    color.add_argument("--color", dest="color", action="store_const", const=True, default=None,
                       help="always colour the text output")
    color.add_argument("--no-color", dest="color", action="store_const", const=False,
                       help="never colour the text output")


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(s.strip() for s in value.split(",") if s.strip()) if value else ()


def build_config(args):
    """The effective LintConfig: defaults, then the configuration file, then CLI flags."""
    from ..config import LintConfig, parse_pg_version
    from ..rules_catalog import validate_selectors

    config = LintConfig()
    if args.pg_version is not None:
        try:
            config.pg_version = parse_pg_version(args.pg_version)
        except ValueError as exc:
            raise UsageError(f"--pg-version: {exc}") from None
    if args.assume_in_transaction:
        config.assume_in_transaction = True
    for flag in ("select", "extend_select", "ignore"):
        values = _split(getattr(args, flag))
        if values:
            validate_selectors(values, f"--{flag.replace('_', '-')}")
            setattr(config, flag, values)
    if args.fail_on:
        config.fail_on = args.fail_on
    return config


def collect(args, config):
    """Discover the migrations to check, in apply order. Returns (migrations, unreadable)."""
    from ..discover import discover, read_stdin

    paths = args.paths
    if not paths:
        raise UsageError("no paths given: `schemalint check migrations/` (or - for standard input)")
    migrations, unreadable = [], []
    file_paths = [p for p in paths if p != "-"]
    if file_paths:
        found = discover(file_paths)
        if found.missing:
            raise UsageError("no such file or directory: " + ", ".join(found.missing))
        migrations.extend(found.migrations)
        unreadable.extend(found.unreadable)
    if "-" in paths:
        migrations.append(read_stdin(args.stdin_filename or "<stdin>"))
    return migrations, unreadable


def unreadable_diagnostics(unreadable):
    from ..engine_rules import UNREADABLE_FILE
    from ..rule import make_diagnostic
    from ..source import Migration

    return [
        make_diagnostic(UNREADABLE_FILE, Migration(path=path, text=""), 0, 0,
                        f"cannot read this file: {reason}")
        for path, reason in unreadable
    ]


def gate(diagnostics, migrations, config, args):
    """Suppression comments, the baseline and changed-only filtering."""
    return diagnostics


def parse_outputs(args) -> list[tuple[str, str]]:
    from ..report import parse_output

    try:
        return [parse_output(spec) for spec in args.output]
    except ValueError as exc:
        raise UsageError(f"--output: {exc}") from None


def emit(result, args) -> None:
    """Write the report(s): --format to stdout, each --output FORMAT:PATH to its file."""
    from ..report import find_root, write_reports

    result.root = result.root or find_root(os.getcwd())
    try:
        write_reports(result, args.format, parse_outputs(args), sys.stdout)
    except OSError as exc:
        raise UsageError(f"--output: cannot write {exc.filename}: {exc.strerror}") from None


def use_color(args) -> bool:
    if args.color is not None:
        return args.color
    if os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def run(args) -> int:
    from ..engine import lint
    from ..report import FORMATS, LintResult, failed
    from ..rules_catalog import all_rules

    if args.format not in FORMATS:
        raise UsageError(f"--format: unknown format {args.format!r} (choose from {', '.join(FORMATS)})")
    parse_outputs(args)
    config = build_config(args)
    migrations, unreadable = collect(args, config)

    stats: dict = {}
    diagnostics = lint(migrations, config, all_rules(), stats=stats)
    diagnostics += unreadable_diagnostics(unreadable)
    diagnostics = gate(diagnostics, migrations, config, args)

    result = LintResult(
        diagnostics=diagnostics,
        sources={m.path: m.text for m in migrations},
        files_checked=len({m.path for m in migrations}) + len(unreadable),
        statements=stats.get("statements", 0),
        fail_on=config.fail_on,
        color=use_color(args),
    )
    emit(result, args)
    return EXIT_FINDINGS if failed(diagnostics, config.fail_on) else EXIT_OK
