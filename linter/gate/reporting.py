"""What `check` reports, beyond what the engine finds: the configured paths, the baseline,
`--changed-since` and the files named on the command line. I/O edge (git, the baseline file).

Everything here filters *reporting*; the whole history is always folded into the model.
When only some files can be reported (files named on the command line, --changed-since),
the others are only folded, not checked (`reported_paths`).
"""

from __future__ import annotations

import os

from schemalint.errors import UsageError
from schemalint.records import Record


def real_path(path: str) -> str:
    return os.path.realpath(os.path.abspath(path))


def _shown(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


class Planned(Record):
    """What a run reads: the paths to discover; the real paths of the files to report when only
    some are (None: every file); the paths given that --force-exclude ignores; the paths given
    on the command line that are read, and those taken from the configuration's `paths:`
    (each must match a migration: `commands.collect`)."""

    __slots__ = ("configured", "given", "ignored", "named", "paths")
    _fields = ("paths", "named", "ignored", "given", "configured")

    def __init__(self, paths: list[str], named: set[str] | None = None,
                 ignored: list[str] | None = None, given: list[str] | None = None,
                 configured: list[str] | None = None) -> None:
        self.paths = paths
        self.named = named
        self.ignored = [] if ignored is None else ignored
        self.given = [] if given is None else given
        self.configured = [] if configured is None else configured


def plan_paths(cli_paths: list[str], config, force_exclude: bool = False) -> Planned:
    """The paths to discover and, when only some files are to be reported, their real paths.

    No paths on the command line: the configuration's `paths`. Only files on the command line,
    some inside the configured paths (a pre-commit hook passes the staged files): discover the
    configured paths (plus the named files outside them) so the whole history is folded, and
    report only the named files. With `force_exclude` (the hook's flag), paths outside the
    configured ones are ignored rather than checked."""
    configured = [os.path.join(config.root or os.getcwd(), p) for p in config.paths]
    if not cli_paths:
        shown = [_shown(p) for p in configured]
        return Planned(shown, None, configured=shown)
    if not configured or "-" in cli_paths:
        return Planned(list(cli_paths), None, given=list(cli_paths))
    roots = [real_path(p) for p in configured]

    def inside(path: str) -> bool:
        real = real_path(path)
        return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots)

    ignored: list[str] = []
    if force_exclude:
        ignored = [p for p in cli_paths if not inside(p)]
        cli_paths = [p for p in cli_paths if inside(p)]
        if not cli_paths:
            return Planned([], set(), ignored, configured=[_shown(p) for p in configured])
    if not all(os.path.isfile(p) for p in cli_paths):
        return Planned(list(cli_paths), None, ignored, given=list(cli_paths))
    shown = [_shown(p) for p in configured]
    if not all(os.path.exists(p) for p in configured):
        # A mistyped `paths:` would have the files checked without their history: discover
        # the configured paths too, so the missing one is an error that names it.
        return Planned(shown + list(cli_paths), None, ignored, given=list(cli_paths),
                       configured=shown)
    if not any(inside(p) for p in cli_paths):
        return Planned(list(cli_paths), None, ignored, given=list(cli_paths))
    outside = [p for p in cli_paths if not inside(p)]
    return Planned(shown + outside, {real_path(p) for p in cli_paths}, ignored, given=list(cli_paths),
                   configured=shown)


def included(migrations: list, unreadable: list, config) -> tuple[list, list]:
    """Apply the configuration's include/exclude globs."""
    if not (config.include or config.exclude):
        return migrations, unreadable
    return ([m for m in migrations if config.included(m.path)],
            [u for u in unreadable if config.included(u[0])])


class ReportScope:
    """Which files' findings are reported: those named on the command line inside the
    configured paths (`plan_paths`), the files changed since --changed-since's ref, both at
    once, or every file. Built once per command line: git is asked once (a --fix run reports
    twice), and each path is resolved once."""

    __slots__ = ("_known", "_only")

    def __init__(self, only: set[str] | None) -> None:
        self._only = only  # real paths, or None: every file
        self._known: dict[str, bool] = {}

    @classmethod
    def of(cls, named: set[str] | None, changed_since: str | None) -> ReportScope:
        only = named
        if changed_since:
            # git (subprocess, shutil) only when asked: tests/test_startup_imports.py
            from schemalint.gate.changed import changed_files

            changed = changed_files(changed_since)
            only = changed if only is None else only & changed
        return cls(only)

    @property
    def everything(self) -> bool:
        return self._only is None

    def reportable(self, path: str) -> bool:
        if self._only is None:
            return True
        found = self._known.get(path)
        if found is None:
            found = self._known[path] = path.startswith("<") or real_path(path) in self._only
        return found

    def reported_paths(self, migrations: list) -> set[str] | None:
        """The paths of the migrations whose findings can be reported; None when all can be.
        The engine only folds the others (`engine.lint(reported=)`)."""
        return None if self._only is None else {m.path for m in migrations if self.reportable(m.path)}


def apply(diagnostics: list, migrations: list, settings, scope: ReportScope,
          notices: list[str]) -> tuple[list, int]:
    """The baseline, then the report scope (named files, --changed-since): the findings to
    report, and how many more the baseline hid in the files reported. What the user should
    hear about the baseline (stale entries, pruning) is appended to `notices`."""
    baseline_path = settings.baseline
    baselined = 0
    if baseline_path and (os.path.exists(baseline_path) or settings.baseline_explicit):
        # Only the reported files were checked: an entry of another file is not stale.
        checked = [m for m in migrations if scope.reportable(m.path)]
        before = diagnostics
        diagnostics = _apply_baseline(diagnostics, checked, baseline_path,
                                      bool(settings.flags.prune_baseline), notices)
        baselined = len(before) - len(diagnostics)
        if baselined and not scope.everything:
            left = {id(d) for d in diagnostics}
            baselined = sum(1 for d in before if id(d) not in left and scope.reportable(d.path))
    if not scope.everything:
        # A finding elsewhere that points at a reported file (a query whose plan a changed
        # migration broke: `extra["related"]`) is that file's too.
        diagnostics = [d for d in diagnostics if scope.reportable(d.path) or any(
            scope.reportable(r["path"]) for r in (d.extra.get("related", ()) if d.extra else ()))]
    return diagnostics, baselined


def _apply_baseline(diagnostics: list, migrations: list, path: str, prune: bool,
                    notices: list[str]) -> list:
    # hashlib (OpenSSL) and json only when there is a baseline: tests/test_startup_imports.py
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
    stale = outcome.stale
    entries_word = "entry" if len(stale) == 1 else "entries"
    if stale and prune:
        keys = {e.key for e in stale}
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(baseline.dump(e for e in entries if e.key not in keys))
        notices.append(f"schemalint: removed {len(stale)} {entries_word} that no longer occur from {shown}")
    elif stale:
        notices.append(f"schemalint: {len(stale)} baseline {entries_word} in {shown} no longer occur; "
                       "remove them with --prune-baseline:")
        notices += [f"  {e.path}: {e.rule} ({e.message})" for e in stale[:20]]
        if len(stale) > 20:
            notices.append(f"  ... and {len(stale) - 20} more")
    return outcome.new
