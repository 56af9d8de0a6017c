"""What `check` reports, beyond what the engine finds: the configured paths, the baseline,
`--changed-since` and the files named on the command line. I/O edge (git, the baseline file).

Everything here filters *reporting*; the whole history is always folded into the model.
When only some files can be reported (files named on the command line, --changed-since),
the others are only folded, not checked (`reported_paths`).
"""

from __future__ import annotations

import os
import sys

from schemalint.errors import UsageError


def _real(path: str) -> str:
    return os.path.realpath(os.path.abspath(path))


def _shown(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def plan_paths(cli_paths: list[str], config) -> tuple[list[str], set[str] | None]:
    """The paths to discover and, when only some files are to be reported, their real paths.

    No paths on the command line: the configuration's `paths`. Only files on the command line,
    some inside the configured paths (a pre-commit hook passes the staged files): discover the
    configured paths (plus the named files outside them) so the whole history is folded, and
    report only the named files."""
    configured = [os.path.join(config.root or os.getcwd(), p) for p in config.paths]
    if not cli_paths:
        return [_shown(p) for p in configured], None
    if not configured or "-" in cli_paths or not all(os.path.isfile(p) for p in cli_paths):
        return list(cli_paths), None
    roots = [_real(p) for p in configured]

    def inside(path: str) -> bool:
        real = _real(path)
        return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots)

    if not any(inside(p) for p in cli_paths):
        return list(cli_paths), None
    outside = [p for p in cli_paths if not inside(p)]
    existing = [_shown(p) for p in configured if os.path.exists(p)]
    return existing + outside, {_real(p) for p in cli_paths}


def included(migrations: list, unreadable: list, config) -> tuple[list, list]:
    """Apply the configuration's include/exclude globs."""
    if not (config.include or config.exclude):
        return migrations, unreadable
    return ([m for m in migrations if config.included(m.path)],
            [u for u in unreadable if config.included(u[0])])


def _report_filter(args) -> set[str] | None:
    """Real paths of the files whose findings are reported: those named on the command line
    (`plan_paths`), the files changed since --changed-since's ref, or both at once; None
    when every file's are."""
    report_only = getattr(args, "report_only", None)
    ref = getattr(args, "changed_since", None)
    if ref:
        from schemalint.gate.changed import changed_files

        changed = changed_files(ref)
        report_only = changed if report_only is None else report_only & changed
    return report_only


def _reportable(args):
    """`_report_filter` as a test of a finding's or migration's path; None when every file
    is reported. Kept on `args`: git is asked once per command line (a --fix run reports
    twice), and each path is resolved once."""
    if "_reportable" not in vars(args):
        report_only = _report_filter(args)
        reportable = None
        if report_only is not None:
            known: dict[str, bool] = {}

            def reportable(path: str) -> bool:
                found = known.get(path)
                if found is None:
                    found = known[path] = path.startswith("<") or _real(path) in report_only
                return found

        args._reportable = reportable
    return args._reportable


def reported_paths(migrations: list, args) -> set[str] | None:
    """The paths of the migrations whose findings can be reported (`_report_filter`); None
    when all can be. The engine only folds the others (`engine.lint(reported=)`)."""
    reportable = _reportable(args)
    return None if reportable is None else {m.path for m in migrations if reportable(m.path)}


def apply(diagnostics: list, migrations: list, config, args) -> list:
    """The baseline, then the report filters (named files, --changed-since)."""
    reportable = _reportable(args)
    resolved = getattr(args, "resolved", None)
    baseline_path = resolved.baseline if resolved else None
    if baseline_path and (os.path.exists(baseline_path) or resolved.baseline_explicit):
        # Only the reported files were checked: an entry of another file is not stale.
        checked = migrations if reportable is None else [m for m in migrations if reportable(m.path)]
        diagnostics = _apply_baseline(diagnostics, checked, baseline_path, args)
    if reportable is not None:
        diagnostics = [d for d in diagnostics if reportable(d.path)]
    return diagnostics


def _apply_baseline(diagnostics: list, migrations: list, path: str, args) -> list:
    from schemalint.gate import baseline

    if not os.path.exists(path):
        raise UsageError(f"--baseline: no such file: {path} (create it with `schemalint baseline`)")
    try:
        entries = baseline.load(path)
    except baseline.BaselineError as exc:
        raise UsageError(str(exc)) from None
    base_dir = os.path.dirname(os.path.abspath(path))
    outcome = baseline.compare(diagnostics, entries, base_dir, {m.path for m in migrations})
    shown = _shown(path)
    if outcome.stale:
        if getattr(args, "prune_baseline", False):
            stale = {e.key for e in outcome.stale}
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(baseline.dump(e for e in entries if e.key not in stale))
            print(f"schemalint: removed {len(outcome.stale)} entr{'y' if len(outcome.stale) == 1 else 'ies'} "
                  f"that no longer occur from {shown}", file=sys.stderr)
        else:
            print(f"schemalint: {len(outcome.stale)} baseline entr{'y' if len(outcome.stale) == 1 else 'ies'} "
                  f"in {shown} no longer occur; remove them with --prune-baseline:", file=sys.stderr)
            for e in outcome.stale[:20]:
                print(f"  {e.path}: {e.rule} ({e.message})", file=sys.stderr)
            if len(outcome.stale) > 20:
                print(f"  ... and {len(outcome.stale) - 20} more", file=sys.stderr)
    return outcome.new
