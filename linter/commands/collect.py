"""What `check`, `plan`, `replay` and `baseline` read: the migrations to check, in apply order,
and the files found but not applied."""

from __future__ import annotations

import os

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
from schemalint.errors import UsageError
from schemalint.gate.reporting import included, plan_paths


class Collected:
    """The migrations a run checks, in apply order, what could not be read, the files found
    but not applied and why (`skipped`), what discovery read (for the report cache), and the
    real paths of the files to report when only some are (named on the command line inside
    the configured paths)."""

    __slots__ = ("inputs", "migrations", "named", "skipped", "unreadable")

    def __init__(self, migrations: list, unreadable: list, named: set[str] | None,
                 inputs: InputLog | None = None, skipped: list[Skipped] | None = None) -> None:
        self.migrations = migrations
        self.unreadable = unreadable
        self.named = named
        self.inputs = InputLog() if inputs is None else inputs
        self.skipped = [] if skipped is None else skipped

    def directories(self) -> list[DirectoryLayout]:
        """Each directory's layout, files applied and files skipped."""
        return directories(self.migrations, self.skipped)


def collect(settings: Settings, planned=None, record_inputs: bool = False,
            overlay: dict[str, bytes] | None = None) -> Collected:
    """Discover the migrations to check, in apply order. `planned`:
    `gate.plan_paths(paths, config)`, when the caller already has it; `overlay`: file
    contents to use instead of the disk's, by absolute path (`discover`)."""
    flags, config = settings.flags, settings.config
    paths, named = planned or plan_paths(list(flags.paths), config)
    if not paths:
        raise UsageError("no paths given: `schemalint check migrations/` (or - for standard input), "
                         "or `paths:` in .schemalint.yaml")
    migrations, unreadable, skipped = [], [], []
    file_paths = [p for p in paths if p != "-"]
    inputs = None
    if file_paths:
        found = discover(file_paths, layout=_layout(config), placeholders=config.placeholders,
                         record_inputs=record_inputs, overlay=overlay)
        if found.missing:
            raise UsageError("no such file or directory: " + ", ".join(found.missing))
        migrations.extend(found.migrations)
        unreadable.extend(found.unreadable)
        skipped.extend(found.skipped)
        inputs = found.inputs
    kept, unreadable = included(migrations, unreadable, config)
    if len(kept) != len(migrations):
        skipped.extend(_excluded(migrations, kept))
        skipped.sort(key=lambda s: natural_key(s.path))
        migrations = kept
    if "-" in paths:
        migrations.extend(read_stdin(flags.stdin_filename or "<stdin>", config.layout, config.placeholders))
    return Collected(migrations, unreadable, named, inputs, skipped)


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


def unreadable_diagnostics(unreadable):
    return [
        make_diagnostic(UNREADABLE_FILE, Migration(path=path, text=""), 0, 0,
                        f"cannot read this file: {reason}")
        for path, reason in unreadable
    ]
