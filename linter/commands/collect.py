"""What `check`, `plan`, `replay` and `baseline` read: the migrations to check, in apply order,
and the files found but not applied."""

from __future__ import annotations

import os
from collections import Counter
from stat import S_ISDIR

from schemalint.config.reader import display_path
from schemalint.config.resolve import Settings
from schemalint.diagnostics.engine_rules import UNREADABLE_FILE
from schemalint.diagnostics.rule import make_diagnostic
from schemalint.discover.discovery import (
    DirectoryLayout,
    Skipped,
    directories,
    discover,
    natural_key,
    read_stdin,
)
from schemalint.discover.inputs import InputLog
from schemalint.discover.source import Migration
from schemalint.discover.walk import SQL_SUFFIXES, stat_or_none, walk
from schemalint.errors import UsageError
from schemalint.gate.reporting import Planned, included, plan_paths


class Collected:
    """The migrations a run checks, in apply order, what could not be read, the files found
    but not applied and why (`skipped`), what discovery read (for the report cache), the
    real paths of the files to report when only some are (named on the command line inside
    the configured paths), and what the user should hear about the paths (`notices`)."""

    __slots__ = ("inputs", "migrations", "named", "notices", "skipped", "unreadable")

    def __init__(self, migrations: list, unreadable: list, named: set[str] | None,
                 inputs: InputLog | None = None, skipped: list[Skipped] | None = None,
                 notices: list[str] | None = None) -> None:
        self.migrations = migrations
        self.unreadable = unreadable
        self.named = named
        self.inputs = InputLog() if inputs is None else inputs
        self.skipped = [] if skipped is None else skipped
        self.notices = [] if notices is None else notices

    def directories(self) -> list[DirectoryLayout]:
        """Each directory's layout, files applied and files skipped."""
        return directories(self.migrations, self.skipped)


def collect(settings: Settings, planned: Planned | None = None, record_inputs: bool = False,
            strict: bool = True, overlay: dict[str, bytes] | None = None) -> Collected:
    """Discover the migrations to check, in apply order. `planned`:
    `gate.plan_paths(paths, config, force_exclude)`, when the caller already has it.
    `strict`: a path given (or configured) where no SQL file is found, or a run that finds no
    migration to check, is an error naming the paths, so a typo never turns a check into a
    pass (`plan`, which lists what is skipped, is not strict). `overlay`: file contents to use
    instead of the disk's, by absolute path (`discover`; the editor server's unsaved text)."""
    flags, config = settings.flags, settings.config
    if planned is None:
        planned = plan_paths(list(flags.paths), config, bool(flags.force_exclude))
    paths, named = planned.paths, planned.named
    if not paths:
        if not planned.ignored:
            raise UsageError("no paths given: `schemalint check migrations/` (or - for standard "
                             "input), or `paths:` in .schemalint.yaml")
        # Every path given lies outside the configured ones: nothing to check, but the
        # configured paths must still hold migrations, or the hook would never check any.
        _configured_hold_sql(planned.configured, settings)
        return Collected([], [], set(), notices=[_ignored_notice(planned.ignored)])
    migrations, unreadable, skipped = [], [], []
    file_paths = [p for p in paths if p != "-"]
    inputs = None
    files_named: dict[str, str] = {}
    if file_paths:
        found = discover(file_paths, layout=_layout(config), placeholders=config.placeholders,
                         record_inputs=record_inputs, overlay=overlay)
        if found.missing:
            raise UsageError("no such file or directory: "
                             + ", ".join(_source(p, planned, settings) for p in found.missing))
        migrations.extend(found.migrations)
        unreadable.extend(found.unreadable)
        skipped.extend(found.skipped)
        inputs = found.inputs
        files_named = found.files_named
    kept, unreadable = included(migrations, unreadable, config)
    if len(kept) != len(migrations):
        skipped.extend(_excluded(migrations, kept))
        skipped.sort(key=lambda s: natural_key(s.path))
        migrations = kept
    if strict:
        _require_migrations(planned, migrations, unreadable, skipped, settings, "-" in paths,
                            files_named)
    if "-" in paths:
        migrations.extend(read_stdin(flags.stdin_filename or "<stdin>", config.layout, config.placeholders))
    notices = [_ignored_notice(planned.ignored)] if planned.ignored else []
    return Collected(migrations, unreadable, named, inputs, skipped, notices)


def _ignored_notice(ignored: list[str]) -> str:
    return (f"schemalint: --force-exclude: {len(ignored)} path(s) outside the configured paths, "
            f"not checked: {', '.join(ignored)}")


def _source(path: str, planned: Planned, settings: Settings) -> str:
    """`path`, and where it came from when that was the configuration's `paths:`."""
    if path in planned.configured and path not in planned.given:
        where = settings.sources.get("paths", "")
        if where in ("", "default", "command line"):  # the flags' paths replaced the file's
            where = display_path(settings.file) if settings.file else "the configuration"
        return f"{path} (`paths:` in {where})"
    return path


def _configured_hold_sql(configured: list[str], settings: Settings) -> None:
    planned = Planned([], configured=configured)
    for path in configured:
        if stat_or_none(path) is None:
            raise UsageError(f"no such file or directory: {_source(path, planned, settings)}")
        if os.path.isdir(path) and not any(
                any(n.lower().endswith(SQL_SUFFIXES) for n in names) for _, _, names in walk(path)):
            raise UsageError(f"{_source(path, planned, settings)} matches no migration: "
                             f"{_why(path)}")


def _require_migrations(planned: Planned, migrations: list, unreadable: list,
                        skipped: list[Skipped], settings: Settings, stdin: bool,
                        files_named: dict[str, str]) -> None:
    """Each path given or configured must hold a file discovery considered (a migration, an
    unreadable file, or a file skipped for a stated reason: another engine's variant is
    skipped, not missing), and the run must have a migration to check. With --force-exclude
    (the hook) the paths given may all be left out: only the configured ones must hold
    migrations."""
    force = bool(settings.flags.force_exclude)
    if force and not planned.configured:
        return
    found = [m.path for m in migrations] + [path for path, _ in unreadable] + [s.path for s in skipped]
    given = () if force else planned.given
    checks = [p for p in dict.fromkeys((*planned.configured, *given)) if p != "-"]
    if planned.named is not None:  # files named inside the configured paths exist: files
        checks = [p for p in checks if p in planned.configured or not os.path.isfile(p)]
    empty = [] if len(checks) == 1 and found else _empty(checks, found, files_named)
    if empty:
        raise UsageError("; ".join(f"{_source(p, planned, settings)} matches no migration: "
                                   f"{_why(p)}" for p in empty))
    if not migrations and not unreadable and not stdin:
        shown = ", ".join(_source(p, planned, settings) for p in checks)
        raise UsageError(f"no migration to check in {shown}: {_why_all(skipped)}")


def _empty(checks: list[str], found: list[str], files_named: dict[str, str]) -> list[str]:
    """The paths under which none of the files `found` lies (one set lookup per file named, a
    scan per directory or glob: a shell-expanded list of 2,000 files stays cheap).
    `files_named`: discovery's file arguments -> their display paths."""
    named = set(found)
    absolute: set[str] | None = None
    out = []
    for arg in checks:
        shown = files_named.get(arg, arg)
        if shown in named:  # a file named as discovery names it: found, no need to look
            continue
        if shown != arg:  # a file discovery named otherwise, and found nothing in
            out.append(arg)
            continue
        if absolute is None:
            absolute = {os.path.abspath(p) for p in found}
        st = stat_or_none(arg)
        if st is None:  # a glob (a missing path is an error already)
            import glob  # only for glob arguments

            hit = any(os.path.abspath(m) in absolute for m in glob.glob(arg, recursive=True))
        elif S_ISDIR(st.st_mode):
            prefix = os.path.join(os.path.abspath(arg), "")
            hit = any(a.startswith(prefix) for a in absolute)
        else:
            hit = os.path.abspath(arg) in absolute
        if not hit:
            out.append(arg)
    return out


def _why(path: str) -> str:
    if os.path.isdir(path):
        return f"no SQL file ({', '.join('*' + s for s in SQL_SUFFIXES[:3])}) in it"
    return "not read"


def _why_all(skipped: list[Skipped]) -> str:
    if not skipped:
        return "no file was found"
    reasons = sorted(Counter(s.reason for s in skipped).items(), key=lambda r: (-r[1], r[0]))
    listed = ", ".join(f"{reason} ({n})" for reason, n in reasons[:3])
    more = f", and {len(reasons) - 3} other reason(s)" if len(reasons) > 3 else ""
    return (f"{len(skipped)} file(s) found, none applied: {listed}{more}; `schemalint plan` "
            "lists them")


def _excluded(migrations: list[Migration], kept: list[Migration]) -> list[Skipped]:
    """The files the configuration's include/exclude globs left out, once each."""
    kept_paths = {m.path for m in kept}
    out: dict[str, Skipped] = {}
    for m in migrations:
        if m.path not in kept_paths and m.path not in out:
            out[m.path] = Skipped(m.path, "excluded", "left out by the configuration's include/exclude", m.layout)
    return list(out.values())


def _layout(config):
    """`layout:` is a name, or {directory: name} with directories relative to the config file."""
    layout = config.layout
    root = config.root
    if isinstance(layout, str) or not root:
        return layout
    return {k if k in ("", ".", "*") else os.path.join(root, k): v for k, v in layout.items()}


def collect_naming_unreadable(settings: Settings, err) -> Collected:
    """`collect`, for the commands that report no findings (`schema`, `indexes`): a file that
    cannot be read is named on `err`, and the rest are read."""
    collected = collect(settings)
    for d in unreadable_diagnostics(collected.unreadable):
        print(f"{d.path}: {d.message}", file=err)
    return collected


def unreadable_diagnostics(unreadable):
    return [
        make_diagnostic(UNREADABLE_FILE, Migration(path=path, text=""), 0, 0,
                        f"cannot read this file: {reason}")
        for path, reason in unreadable
    ]
