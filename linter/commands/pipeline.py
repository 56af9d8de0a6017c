"""The check pipeline the commands run: collect -> lint (with replay's findings when asked)
-> gate -> report. `schemalint check` enters it on a report-cache miss; a hit never loads it
(nor the parser, the model or the rules)."""

from __future__ import annotations

import os

from schemalint.check.fix import UNSAFE, check_writable, plan_fixes, unified_diff, write_fixes
from schemalint.commands.collect import collect, unreadable_diagnostics
from schemalint.commands.common import parse_outputs, use_color
from schemalint.commands.progress import large_check
from schemalint.commands.replay import check_diagnostics
from schemalint.config.flags import Flags
from schemalint.config.resolve import Settings
from schemalint.diagnostics.replay_rules import REPLAY_RULES
from schemalint.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from schemalint.gate.reporting import ReportScope
from schemalint.gate.reporting import apply as gate
from schemalint.report import LintResult, failed, find_root, statistics, write_reports
from schemalint.speed.cache import lint_migrations


def emit(result, flags: Flags, out) -> None:
    """Write the report(s): --format to `out` (or, with --statistics, the count per rule),
    each --output FORMAT:PATH to its file."""
    result.root = result.root or find_root(os.getcwd())
    outputs = parse_outputs(flags)
    try:
        if flags.statistics:
            out.write(statistics.render(result, flags.format, bool(flags.unsafe_fixes)))
            write_reports(result, None, outputs, out)
        else:
            write_reports(result, flags.format, outputs, out)
    except BrokenPipeError:
        raise  # output piped into `head` and closed early: cli.main ends quietly
    except OSError as exc:
        if exc.filename is None:  # write_reports names the --output files
            raise UsageError(f"cannot write to standard output: {exc.strerror or exc}") from None
        raise UsageError(f"--output: cannot write {exc.filename}: {exc.strerror}") from None


def apply_fixes(diagnostics, migrations, flags: Flags, out, err) -> int | None:
    """--diff: print the fixes as a unified diff and return the exit code (1 when there are
    any). --fix: write them and return None; the caller lints the fixed files again so the
    report shows what is left, at its new position."""
    stdin_path = (flags.stdin_filename or "<stdin>") if "-" in flags.paths else None
    if flags.fix and not flags.diff and stdin_path is not None:
        raise UsageError("--fix cannot write to standard input; use --diff to see the fixes")
    sources = {m.path: m.text for m in migrations}
    fixable = {d.path for d in diagnostics if d.fix is not None}
    refuse = {} if flags.diff else check_writable(fixable - {stdin_path}, sources)
    plan = plan_fixes(diagnostics, sources, unsafe=flags.unsafe_fixes, refuse=refuse)
    n = len(plan.applied)
    if flags.diff:
        out.write(unified_diff(plan))
        print(f"{n} fix{'es' if n != 1 else ''} would be applied", file=err)
    else:
        write_fixes(plan)
        print(f"fixed {n} finding{'s' if n != 1 else ''} in {len(plan.files)} "
              f"file{'s' if len(plan.files) != 1 else ''}", file=err)
    unsafe = [d for d, reason in plan.skipped if reason is UNSAFE]
    for d, reason in plan.skipped:
        if reason is not UNSAFE:
            print(f"{d.path}:{d.line}:{d.column}: {d.rule}: not fixed: {reason}", file=err)
    if unsafe:
        print(f"{len(unsafe)} more fix{'es' if len(unsafe) != 1 else ''} available with "
              "--unsafe-fixes (they change behaviour: read each rule's fix note)", file=err)
    if flags.diff:
        return EXIT_FINDINGS if plan.files else EXIT_OK
    return None


def check(settings: Settings, cache_dir, out, err, seen: dict | None = None, planned=None,
          progress=None) -> int:
    """Discover, lint (with replay's findings when asked), gate and report. `seen` receives
    what was collected (for the report cache); `progress` (commands/progress.py) shows the
    files linted."""
    flags, config = settings.flags, settings.config
    collected = collect(settings, planned, record_inputs=seen is not None)
    scope = ReportScope.of(collected.named, flags.changed_since)

    for line in collected.notices:
        print(line, file=err)
    stats: dict = {}
    hidden = {"baselined": 0, "suppressed": 0}
    replayed, replay_rules = [], ()
    if flags.replay:
        # Replay findings join the static ones inside lint(), so that suppression comments
        # (and their unused-ignore accounting) cover both.
        replayed, replay_rules = check_diagnostics(collected.migrations, settings, err), REPLAY_RULES

    def lint_and_gate(collected, extra=(), extra_rules=(), progress=None):
        migrations = collected.migrations
        try:
            if progress is not None:
                progress.begin(len(migrations), shown=large_check(migrations))
            found = lint_migrations(migrations, config, stats, cache_dir, extra=extra,
                                    extra_rules=extra_rules,
                                    reported=scope.reported_paths(migrations),
                                    jobs=flags.jobs or 1,
                                    progress=progress.advance if progress is not None else None)
        finally:
            if progress is not None:
                progress.close()
        if progress is not None:
            progress.finish()
        notices: list[str] = []
        reported, hidden["baselined"] = gate(found + unreadable_diagnostics(collected.unreadable),
                                             migrations, settings, scope, notices)
        suppressed = stats.get("suppressed") or {}
        hidden["suppressed"] = sum(n for path, n in suppressed.items() if scope.reportable(path))
        for line in notices:
            print(line, file=err)
        return reported

    diagnostics = lint_and_gate(collected, replayed, replay_rules, progress)
    if flags.fix or flags.diff:
        code = apply_fixes(diagnostics, collected.migrations, flags, out, err)
        if code is not None:
            return code
        # Lint the fixed files again so the report shows what is left, where it now is.
        collected = collect(settings, planned)
        diagnostics = lint_and_gate(collected)

    migrations = collected.migrations
    result = LintResult(
        diagnostics=diagnostics,
        sources={m.path: m.text for m in migrations},
        files_checked=len({m.path for m in migrations}) + len(collected.unreadable),
        statements=stats.get("statements", 0),
        fail_on=config.fail_on,
        color=use_color(flags, out),
        extra={"layouts": [d.to_dict() for d in collected.directories()]},  # --format json's summary
        **hidden,
    )
    formats = {flags.format, *(spec.split(":", 1)[0] for spec in flags.output)}
    if flags.changed_since and formats & {"markdown", "github"}:
        # git, tarfile and the schema dump, for this case only: tests/test_startup_imports.py
        from schemalint.commands.review import schema_review

        result.extra["schema_review"] = schema_review(settings, migrations, flags.changed_since)
    emit(result, flags, out)
    if seen is not None:
        seen["collected"] = collected
    return EXIT_FINDINGS if failed(diagnostics, config.fail_on) else EXIT_OK
