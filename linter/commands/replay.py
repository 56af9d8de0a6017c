"""`schemalint replay PATHS...`: apply migrations to a throwaway PostgreSQL and report the
locks, rewrites and runtime of every statement (see docs/replay.md)."""

from __future__ import annotations

import argparse
import sys

from schemalint.check.engine import invalid_encoding, statement_spans, suppress_comments
from schemalint.check.suppress import MARKER
from schemalint.commands.collect import collect
from schemalint.commands.common import (
    add_config_arguments,
    add_input_arguments,
    add_layout_argument,
    add_outcome_arguments,
    add_quiet_argument,
    add_replay_options,
    positive_int,
    settings_from,
)
from schemalint.commands.progress import Progress
from schemalint.config.resolve import Settings
from schemalint.diagnostics.engine_rules import INVALID_ENCODING
from schemalint.diagnostics.replay_rules import REPLAY_RULES
from schemalint.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from schemalint.parse.statements import parse_migration
from schemalint.report import failed


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_arguments(p)
    add_outcome_arguments(p)
    add_layout_argument(p)
    p.add_argument("--format", "-f", default="text", choices=("text", "markdown", "json"),
                   help="report format (default text)")
    p.add_argument("--pg-version", metavar="MAJOR", default=None,
                   help="the PostgreSQL major version to replay on (default: what is found)")
    sel = p.add_mutually_exclusive_group()
    sel.add_argument("--since", metavar="GIT_REF", default=None,
                     help="trace from the first migration added or changed since GIT_REF")
    sel.add_argument("--last", metavar="N", type=positive_int, default=None,
                     help="trace only the last N migrations")
    sel.add_argument("--from", metavar="FILE", default=None, dest="from_file",
                     help="trace from this migration on")
    add_quiet_argument(p)
    add_replay_options(p)
    add_config_arguments(p)


def replay_options(settings: Settings):
    # The replay machinery (psycopg, server backends) loads only when a replay runs.
    from schemalint.replay.options import from_config, merge_cli
    from schemalint.replay.plans.workload import read_workload  # see above

    flags, config = settings.flags, settings.config
    opts = from_config(config.replay)
    opts = merge_cli(opts, {
        "backend": flags.backend, "pg_bin": flags.pg_bin, "dsn": flags.dsn, "image": flags.image,
        "rows": flags.rows, "stats": flags.stats, "probe": flags.probe, "roundtrip": flags.roundtrip,
        "lock_threshold_ms": flags.lock_threshold_ms, "statement_timeout_s": flags.statement_timeout_s,
        "timeout_s": flags.timeout_s,
        "pg_version": config.pg_version if flags.pg_version else None,
        "since": flags.since, "last": flags.last, "from_file": flags.from_file,
        "seq_scan_rows": flags.seq_scan_rows, "plan_cost_ratio": flags.plan_cost_ratio,
    })
    if flags.rows is not None:
        opts.rows_per_table = {}  # --rows N replaces the configuration's per-table counts
    # The server's version: --pg-version, else the replay table's pg_version, else the
    # configuration's pg_version: the target set in the file means what the flag means.
    if not flags.pg_version:
        where = settings.sources.get("replay") if opts.pg_version is not None else settings.sources.get("pg_version")
        shown = str(where).replace("{", "{{").replace("}", "}}")  # a template: see pg_version_from
        if opts.pg_version is not None:
            opts.pg_version_from = f"replay.pg_version: {{major}} in {shown}"
        elif where not in (None, "default"):
            opts.pg_version, opts.pg_version_from = config.pg_version, f"pg_version: {{major}} in {shown}"
    opts.base = flags.base or flags.changed_since
    if opts.base is not None and not (flags.since or flags.last or flags.from_file) and not flags.replay:
        opts.since = opts.base  # `replay --base`: trace from the base, to blame statements
    if flags.queries:
        opts.workload = read_workload(flags.queries, opts.query_params)
    elif opts.queries:
        opts.workload = read_workload(opts.queries, opts.query_params, config.root, "replay.queries")
    elif opts.query_params:
        raise UsageError("replay.query_params: no queries to give values to (`replay.queries` "
                         "or --queries)")
    opts.assume_in_transaction = bool(config.assume_in_transaction)
    return opts


def replay_progress(migrations, settings: Settings, err) -> Progress:
    """The files replayed so far, on `err` (commands/progress.py)."""
    return Progress("replaying", "replayed", err, quiet=bool(settings.flags.quiet))


def run_replay(migrations, config, opts, err, progress: Progress | None = None):
    """Replay and return the report; cleanup problems are told on `err`, `progress` on its
    stream. A SIGTERM or SIGHUP during the replay (after its cleanup) ends the command with
    128 + the signal's number and no traceback, whichever command replays; SIGINT is
    KeyboardInterrupt (130, cli)."""
    # psycopg and the backends: only when replaying.
    from schemalint.replay.cleanup import Terminated
    from schemalint.replay.runner import replay  # see above

    if not migrations:
        raise UsageError("no migrations found to replay")
    try:
        try:
            if progress is not None:
                # Every up migration runs (a file counts once, see Progress.advance).
                progress.begin(len({m.path for m in migrations if m.direction != "down"}))
            report = replay(migrations, opts, config,
                            on_progress=progress.advance if progress is not None else None)
        finally:
            if progress is not None:
                progress.close()  # before any message, whatever ended the replay
    except Terminated as exc:
        left = getattr(exc, "cleanup_errors", None)
        print(f"schemalint: {exc}; " + ("replay cleanup was incomplete: " + "; ".join(left) if left
                                        else "the replay server was cleaned up"), file=err)
        raise SystemExit(128 + exc.signum) from None
    if progress is not None:
        progress.finish(complete=False)
    for problem in report.cleanup_errors:
        print(f"schemalint: warning: replay cleanup: {problem}", file=err)
    return report


def check_diagnostics(migrations, settings: Settings, err) -> list:
    """`schemalint check --replay`: the replay findings, to add to the static ones (which
    already hold `invalid-encoding`)."""
    progress = replay_progress(migrations, settings, err)
    report = run_replay(migrations, settings.config, replay_options(settings), err, progress)
    if report.stopped:
        # Coverage: the findings cover only what was replayed.
        print(f"schemalint: replay stopped at {report.stopped}", file=err)
    return report.diagnostics


def _encoding_findings(migrations, config) -> list:
    """`invalid-encoding` for each file that is not UTF-8, as `check` reports it."""
    if not config.enabled_rules([INVALID_ENCODING]):
        return []
    return [invalid_encoding(m) for m in migrations if m.invalid_utf8_at is not None]


def _suppressed(diagnostics, migrations, config):
    """Suppression comments apply to replay findings through the engine's path. Findings
    about the comments (an ignore that suppressed nothing) are `check`'s: replay alone
    cannot tell that a comment is meant for a static rule."""
    files = [(m, statement_spans(parse_migration(m).statements))
             for m in migrations if MARKER in m.text]
    if not files:
        return diagnostics
    return suppress_comments(diagnostics, files, config, REPLAY_RULES,
                             {r.name for r in REPLAY_RULES}, report_comments=False)


def run(args, out=None, err=None) -> int:
    # The replay machinery (psycopg, server backends) loads only when a replay runs.
    from schemalint.replay.report import write

    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    settings = settings_from(args)
    config = settings.config
    collected = collect(settings)
    migrations = collected.migrations
    if collected.unreadable:
        raise UsageError("cannot read " + ", ".join(f"{p} ({why})" for p, why in collected.unreadable))
    opts = replay_options(settings)
    report = run_replay(migrations, config, opts, err, replay_progress(migrations, settings, err))
    report.diagnostics = _encoding_findings(migrations, config) + _suppressed(
        report.diagnostics, migrations, config)
    write(settings.flags.format, report, out)
    return EXIT_FINDINGS if failed(report.diagnostics, config.fail_on) else EXIT_OK
