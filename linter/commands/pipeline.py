"""The check pipeline the commands run: collect -> lint (with replay's findings when asked)
-> gate -> report. `schemalint check` enters it on a report-cache miss; a hit never loads it
(nor the parser, the model or the rules)."""

from __future__ import annotations

import gc
import os

from schemalint import process
from schemalint.check.fix import (
    UNSAFE,
    FilePlan,
    FixPlan,
    check_writable,
    plan_fixes,
    unified_diff,
    write_fixes,
)
from schemalint.commands.collect import collect, unreadable_diagnostics
from schemalint.commands.common import parse_outputs, use_color
from schemalint.commands.progress import large_check
from schemalint.commands.replay import check_diagnostics
from schemalint.config.flags import Flags
from schemalint.config.resolve import Settings
from schemalint.diagnostics import Diagnostic, Edit, Fix
from schemalint.diagnostics.replay_rules import REPLAY_RULES
from schemalint.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from schemalint.gate.reporting import ReportScope
from schemalint.gate.reporting import apply as gate
from schemalint.parse.statements import parse_migration
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


SPLIT_RULE = "concurrent-statement-in-multi-statement-file"


def split_fixes(diagnostics, migrations) -> list[tuple[Diagnostic, list[tuple[str, str]]]]:
    """--unsafe-fixes: each CONCURRENTLY statement that cannot share its file (SPLIT_RULE's
    findings) moved to a new migration right after it, named by the layout (split.companion).
    Returns (removal finding, the new files) pairs: the finding is a copy whose unsafe fix cuts
    the statement out of its file. A file of CONCURRENTLY statements only keeps its first."""
    from schemalint.discover.layouts.split import companion  # only with --unsafe-fixes

    found = [d for d in diagnostics if d.rule == SPLIT_RULE]
    if not found:
        return []
    by_path: dict[str, list] = {}
    for m in migrations:
        by_path.setdefault(m.path, []).append(m)
    out: list = []
    moved: dict[str, int] = {}
    for migration_path, diags in _group(found):
        sections = by_path.get(migration_path, [])
        for d in diags:
            migration = next((m for m in sections if m.sql is None or m.parse_text[d.start:d.end].strip()), None)
            if migration is None:
                continue
            statements = parse_migration(migration).statements
            concurrent = [x for x in diags if any(st.start == x.start for st in statements)]
            if len(concurrent) == len(statements) and d is concurrent[0]:
                continue  # the file keeps one statement: the first
            text = migration.text
            end = d.end
            while end < len(text) and text[end] in " \t;":
                end += 1
            if text.startswith("\n", end) or text.startswith("\r\n", end):
                end = text.index("\n", end) + 1
            moved[migration_path] = moved.get(migration_path, 0) + 1
            files = companion(migration_path, migration.layout, text[d.start:d.end], moved[migration_path])
            if files is None:
                continue
            removal = Diagnostic(**{f: getattr(d, f) for f in Diagnostic._fields})
            removal.fix = Fix(f"move to a migration of its own: {files[0][0]}", (Edit(d.start, end, ""),), safe=False)
            out.append((removal, files))
    return out


def _group(found) -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for d in found:
        groups.setdefault(d.path, []).append(d)
    return [(path, sorted(ds, key=lambda d: d.start)) for path, ds in groups.items()]


def apply_fixes(diagnostics, migrations, flags: Flags, out, err) -> int | None:
    """--diff: print the fixes as a unified diff and return the exit code (1 when there are
    any). --fix: write them and return None; the caller lints the fixed files again so the
    report shows what is left, at its new position."""
    stdin_path = (flags.stdin_filename or "<stdin>") if "-" in flags.paths else None
    if flags.fix and not flags.diff and stdin_path is not None:
        raise UsageError("--fix cannot write to standard input; use --diff to see the fixes")
    sources = {m.path: m.text for m in migrations}
    splits = split_fixes(diagnostics, migrations) if flags.unsafe_fixes else {}
    diagnostics = [*diagnostics, *(d for d, _ in splits)]
    fixable = {d.path for d in diagnostics if d.fix is not None and (d.fix.safe or flags.unsafe_fixes)}
    files = sorted(fixable - {stdin_path})
    # Only with --fix or --diff: git and shutil are not worth importing at every start-up.
    from schemalint.gate.changed import applied_files

    applied = {} if flags.fix_applied or not files else applied_files(files, flags.changed_since)
    refuse = {} if flags.diff else check_writable([p for p in files if p not in applied], sources)
    plan = plan_fixes(diagnostics, sources, unsafe=flags.unsafe_fixes, refuse={**applied, **refuse})
    n = len(plan.applied)
    done = {id(d) for d in plan.applied}
    created = [FilePlan(path, "", text) for d, new in splits if id(d) in done for path, text in new]
    if flags.diff:
        out.write(unified_diff(FixPlan(plan.files + created)))
        print(f"{n} fix{'es' if n != 1 else ''} would be applied", file=err)
    else:
        write_fixes(plan)
        for f in created:
            os.makedirs(os.path.dirname(f.path) or ".", exist_ok=True)
            with open(f.path, "x", encoding="utf-8") as fh:
                fh.write(f.fixed)
            print(f"created {f.path}", file=err)
        print(f"fixed {n} finding{'s' if n != 1 else ''} in {len(plan.files)} "
              f"file{'s' if len(plan.files) != 1 else ''}", file=err)
    unsafe = [d for d, reason in plan.skipped if reason is UNSAFE]
    for path in files:
        if path in applied:
            print(f"{path}: left alone: {applied[path]}", file=err)
    for d, reason in plan.skipped:
        if reason is not UNSAFE and d.path not in applied:
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
    enabled = gc.isenabled()
    # A run allocates millions of small acyclic objects (every statement's JSON tree, the
    # model, the findings); the cyclic collector would rescan them again and again and find
    # nothing to free: nothing here forms cycles (a test checks it). Paused until the report
    # is written: re-enabled sooner, its first pass would walk every object of the model and
    # the findings still alive (bench/pieces.py's `after-gc-on` variant measures the pause).
    gc.disable()
    try:
        return _check(settings, cache_dir, out, err, seen, planned, progress)
    finally:
        if enabled:
            if process.ENDS_AFTER_COMMAND:
                # Every object allocated during the pause sits in the youngest generation:
                # the first allocation after `enable` would make the collector walk them all
                # (a restored checkpoint's model: bench/run.py's CI rows).
                # Frozen, they are never scanned; the process ends next (schemalint/process.py:
                # what is kept for the exit is never freed). Not in a long-lived caller (tests,
                # an editor): a frozen cycle would never be collected.
                gc.freeze()
            gc.enable()


def _check(settings: Settings, cache_dir, out, err, seen: dict | None, planned, progress) -> int:
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
                progress.begin(len({m.path for m in migrations}), shown=large_check(migrations))
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

        result.extra["schema_review"] = schema_review(settings, migrations, flags.changed_since, cache_dir)
    emit(result, flags, out)
    if seen is not None:
        seen["collected"] = collected
    process.keep(collected, result)  # freed by the exit, when the process ends next
    return EXIT_FINDINGS if failed(diagnostics, config.fail_on) else EXIT_OK
