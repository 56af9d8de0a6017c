"""`schemalint replay PATHS...`: apply migrations to a throwaway PostgreSQL and report the
locks, rewrites and runtime of every statement (see docs/replay.md)."""

from __future__ import annotations

import argparse
import sys

from schemalint.cli import EXIT_FINDINGS, EXIT_OK
from schemalint.commands.common import add_input_arguments, add_outcome_arguments
from schemalint.errors import UsageError


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def add_replay_options(p: argparse.ArgumentParser) -> None:
    """Flags shared by `replay` and `check --replay`; each overrides the config's replay table."""
    g = p.add_argument_group("replay")
    g.add_argument("--backend", choices=("auto", "local", "docker", "dsn"), default=None,
                   help="where to replay: auto (default: dsn if given, else local binaries, "
                        "else docker), local, docker or dsn")
    g.add_argument("--pg-bin", metavar="DIR", default=None,
                   help="directory with the PostgreSQL server binaries (postgres, initdb)")
    g.add_argument("--dsn", metavar="CONNINFO", default=None,
                   help="an existing server; replay works in a fresh scratch database it drops")
    g.add_argument("--image", metavar="IMAGE", default=None,
                   help="Docker image for --backend docker (default postgres:<version>-alpine)")
    g.add_argument("--rows", metavar="N", type=_positive_int, default=None,
                   help="fill every pre-existing table with N synthetic rows before tracing")
    g.add_argument("--stats", metavar="FILE", default=None,
                   help="production row counts (pg_stat_user_tables export) for runtime estimates")
    g.add_argument("--probe", action="store_true", default=None,
                   help="while each lock is held, test from a second session whether reads "
                        "and writes on the table are blocked")
    g.add_argument("--roundtrip", action="store_true", default=None,
                   help="apply up, down, up where down migrations exist and compare the schema")
    g.add_argument("--lock-threshold-ms", metavar="MS", type=float, default=None,
                   help="report blocking locks held longer than this (default 1000)")
    g.add_argument("--statement-timeout", metavar="SECONDS", type=_seconds, default=None,
                   dest="statement_timeout_s", help="per-statement timeout (default 60)")
    g.add_argument("--timeout", metavar="SECONDS", type=_seconds, default=None, dest="timeout_s",
                   help="overall timeout for applying the migrations (default 600)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_arguments(p)
    add_outcome_arguments(p)
    p.add_argument("--format", "-f", default="text", choices=("text", "markdown", "json"),
                   help="report format (default text)")
    p.add_argument("--pg-version", metavar="MAJOR", default=None,
                   help="the PostgreSQL major version to replay on (default: what is found)")
    sel = p.add_mutually_exclusive_group()
    sel.add_argument("--since", metavar="GIT_REF", default=None,
                     help="trace from the first migration added or changed since GIT_REF")
    sel.add_argument("--last", metavar="N", type=_positive_int, default=None,
                     help="trace only the last N migrations")
    sel.add_argument("--from", metavar="FILE", default=None, dest="from_file",
                     help="trace from this migration on")
    add_replay_options(p)
    from schemalint.config.file import add_arguments as add_config_arguments

    add_config_arguments(p)


def replay_options(args, config):
    from schemalint.replay.options import from_config, merge_cli

    opts = from_config(config.replay)
    major = None
    if getattr(args, "pg_version", None):
        major = config.pg_version[0]
    opts = merge_cli(opts, {
        "backend": args.backend, "pg_bin": args.pg_bin, "dsn": args.dsn, "image": args.image,
        "rows": args.rows, "stats": args.stats, "probe": args.probe, "roundtrip": args.roundtrip,
        "lock_threshold_ms": args.lock_threshold_ms, "statement_timeout_s": args.statement_timeout_s,
        "timeout_s": args.timeout_s, "pg_version": major,
        "since": getattr(args, "since", None), "last": getattr(args, "last", None),
        "from_file": getattr(args, "from_file", None),
    })
    if args.rows is not None:
        opts.rows_per_table = {}  # --rows N replaces the configuration's per-table counts
    opts.assume_in_transaction = bool(config.assume_in_transaction)
    return opts


def run_replay(migrations, config, opts):
    """Replay and return the report; translates signals into exit codes for the CLI."""
    from schemalint.replay.runner import replay

    if not migrations:
        raise UsageError("no migrations found to replay")
    report = replay(migrations, opts, config)
    for problem in report.cleanup_errors:
        print(f"schemalint: warning: replay cleanup: {problem}", file=sys.stderr)
    return report


def check_diagnostics(migrations, config, args) -> list:
    """`schemalint check --replay`: the replay findings, to add to the static ones."""
    return run_replay(migrations, config, replay_options(args, config)).diagnostics


def _suppressed(diagnostics, migrations, config):
    """Suppression comments apply to replay findings through the engine's path. Findings
    about the comments (an ignore that suppressed nothing) are `check`'s: replay alone
    cannot tell that a comment is meant for a static rule."""
    from schemalint.check.engine import statement_spans, suppress_comments
    from schemalint.check.suppress import MARKER
    from schemalint.diagnostics.replay_rules import REPLAY_RULES
    from schemalint.parse.statements import parse_migration

    files = [(m, statement_spans(parse_migration(m).statements))
             for m in migrations if MARKER in m.text]
    if not files:
        return diagnostics
    return suppress_comments(diagnostics, files, config, REPLAY_RULES,
                             {r.name for r in REPLAY_RULES}, report_comments=False)


def run(args) -> int:
    from schemalint.commands.check import build_config, collect
    from schemalint.replay.cleanup import Terminated
    from schemalint.replay.report import render
    from schemalint.report import failed

    config = build_config(args)
    migrations, unreadable = collect(args, config)
    if unreadable:
        raise UsageError("cannot read " + ", ".join(f"{p} ({why})" for p, why in unreadable))
    opts = replay_options(args, config)
    try:
        report = run_replay(migrations, config, opts)
    except Terminated as exc:
        print(f"schemalint: {exc}; the replay server was cleaned up", file=sys.stderr)
        return 128 + exc.signum
    report.diagnostics = _suppressed(report.diagnostics, migrations, config)
    sys.stdout.write(render(args.format, report))
    return EXIT_FINDINGS if failed(report.diagnostics, config.fail_on) else EXIT_OK
