"""What the server reports for one open document: the findings `check` would report for that
file, with the editor's text in place of the file on disk, checked against the history of its
migration directory. No LSP types here (features.py converts).

The history is what `check` would read: the configured `paths:` when the file is inside them
(a file outside them is not a migration of this project: nothing is reported), or else the
file's directory, or the directory above it for layouts that keep each migration in a
folder of its own (Diesel, Prisma, sqitch: `Layout.home`). The settings come from the
nearest configuration file above the document (`check` looks above the working directory;
an editor's working directory is anybody's guess), or from the server's --config.
"""

from __future__ import annotations

import os

from schemalint.check.engine import lint
from schemalint.commands.collect import collect
from schemalint.commands.common import vocabulary
from schemalint.config.flags import Flags
from schemalint.config.reader import find_config
from schemalint.config.resolve import Settings, resolve
from schemalint.discover.layouts import LAYOUTS, LoadEnv, load_stdin
from schemalint.discover.source import Migration
from schemalint.errors import UsageError
from schemalint.gate.reporting import Planned, ReportScope, plan_paths
from schemalint.gate.reporting import apply as gate
from schemalint.parse.statements import build_result, migration_offsets, parse_sql
from schemalint.records import Record

UNTITLED = "<untitled>"


class Checked(Record):
    """The findings of one document (`diagnostics`: the file's, their offsets into `text`
    less `shift`, which is 1 when the editor's text starts with a byte-order mark, dropped
    as `check` drops it), or why it was not checked: `problem`, for the user (a
    configuration error), or `skipped`, for the log (not a migration of this project)."""

    __slots__ = ("diagnostics", "problem", "shift", "skipped", "text")

    def __init__(self, text: str, diagnostics: list | None = None, problem: str | None = None,
                 skipped: str | None = None) -> None:
        self.text = text
        self.diagnostics = [] if diagnostics is None else diagnostics
        self.shift = 1 if text.startswith("\ufeff") else 0
        self.problem = problem
        self.skipped = skipped


class DocumentChecker:
    """Checks documents; keeps the settings of each configuration file (until it changes)
    and the parse of each history's files (until they change) between checks."""

    def __init__(self, config: str | None = None, no_config: bool = False) -> None:
        self.config = config
        self.no_config = no_config
        self._settings: dict[str | None, tuple[tuple | None, Settings]] = {}
        self._parses: dict[tuple, dict[str, tuple]] = {}  # history -> parsed text -> raw parse

    def check(self, path: str | None, text: str) -> Checked:
        """The findings of the document at `path` (None: not a file) whose text is `text`."""
        try:
            settings = self.settings_for(path)
            history, migrations, mine, skipped = self._history(path, text, settings)
            if not mine:
                return Checked(text, skipped=skipped)
            reported = {m.path for m in mine}
            found = lint(migrations, settings.config, parsed=_Parsed(self, history, reported),
                         reported=reported)
            # The schema rules report on any file; `check FILE` would show only this one's.
            found = [d for d in found if d.path in reported]
            scope = ReportScope({_real(p) for p in reported if not p.startswith("<")} or None)
            return Checked(text, gate(found, migrations, settings, scope, [])[0])
        except UsageError as exc:  # the configuration, a path or the baseline: the user's to fix
            return Checked(text, problem=str(exc))

    def settings_for(self, path: str | None) -> Settings:
        """The settings `check` would use for a file at `path`, from the nearest
        configuration file above it (read again when it changes)."""
        if self.no_config:
            config = None
        elif self.config:
            config = self.config
        else:
            config = find_config(os.path.dirname(os.path.abspath(path)) if path else None)
        try:
            st = os.stat(config) if config else None
            stamp = (st.st_mtime_ns, st.st_size) if st else None
        except OSError:
            stamp = None
        known = self._settings.get(config)
        if known is not None and known[0] == stamp:
            return known[1]
        settings = resolve(Flags(config=config, no_config=config is None), vocabulary())
        self._settings[config] = (stamp, settings)
        return settings

    def _history(self, path: str | None, text: str, settings: Settings):
        """(a key naming the history, its migrations in apply order, the document's among
        them, why there are none)."""
        config = settings.config
        data = text.encode("utf-8", "replace")  # "replace": a lone surrogate is one "?"
        if path is None:
            mine = _alone(UNTITLED, data, config)
            return (UNTITLED,), mine, mine, None
        path = os.path.abspath(path)
        real = _real(path)
        overlay = {path: data, real: data}
        exists = os.path.isfile(path)
        if config.paths:
            dirs = _configured(path, real, exists, config)
            if dirs is None:
                return (), [], [], "outside the configured paths"
            roots = [dirs]
        elif os.path.isdir(os.path.dirname(path)):
            roots = [[os.path.dirname(path)]]
        else:  # a new file in a new directory: no history
            mine = _alone(_shown(path), data, config)
            return (path,), mine, mine, None
        for dirs in roots:
            collected = collect(settings, Planned(list(dirs)), strict=False, overlay=overlay)
            mine = _of(collected.migrations, {path, real}, real)
            if mine and not config.paths:
                layout = LAYOUTS.get(mine[0].layout)
                home = layout.home(path) if layout is not None else dirs[0]
                if _real(home) != _real(dirs[0]):
                    roots.append([home])  # a folder per migration: its history is above it
        history = tuple(dirs)
        migrations = collected.migrations
        if mine:
            return history, migrations, mine, None
        for s in collected.skipped:
            if _real(s.path) == real:
                return history, migrations, [], s.reason
        if exists:
            return history, migrations, [], "not a migration of this directory"
        # Not on disk yet (a new file): the newest migration of its directory.
        mine = _alone(_shown(path), data, config)
        return history, migrations + mine, mine, None


def _configured(path: str, real: str, exists: bool, config) -> list[str] | None:
    """The configured paths to read when the file at `path` is inside them, as `check FILE`
    reads them (`plan_paths`); None when it is outside them."""
    if exists:
        planned = plan_paths([path], config)
        return None if planned.named is None else planned.paths
    # Not on disk yet: plan_paths decides only for files that exist; the same test.
    configured = [os.path.join(config.root or os.getcwd(), p) for p in config.paths]
    for p in configured:
        root = _real(p)
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return [c for c in configured if os.path.exists(c)]
    return None


def _alone(path: str, data: bytes, config) -> list[Migration]:
    """The migrations of one file that is not on disk, read as `check` reads standard input."""
    layout = config.layout if isinstance(config.layout, str) else "auto"
    return load_stdin(path, data, layout, LoadEnv(placeholders=dict(config.placeholders)))


class _Parsed:
    """What `engine.lint(parsed=)` reads: the parse of each migration, kept between checks by
    its text for the history's other files (they change seldom; parsing them again on each
    keystroke would be most of the time), made afresh for the document's own. Parses of
    texts the history no longer has are dropped."""

    def __init__(self, owner: DocumentChecker, history: tuple, fresh: set[str]) -> None:
        self.fresh = fresh
        known = owner._parses.get(history, {})
        self.known = known
        self.kept: dict[str, tuple] = {}
        owner._parses[history] = self.kept

    def __bool__(self) -> bool:
        return True

    def get(self, migration: Migration, default=None):
        if migration.path in self.fresh:
            return default  # the engine parses it
        text = migration.parse_text
        offsets = migration_offsets(migration)
        raw = self.kept.get(text) or self.known.get(text)
        if raw is None:
            raw = parse_sql(text, offsets)
        self.kept[text] = raw
        return build_result(migration, raw, offsets)


def _of(migrations: list[Migration], paths: set[str], real: str) -> list[Migration]:
    """The migrations read from the file at one of `paths` (absolute), or whose real path is
    `real` (realpath is a system call per component: only when no path matched)."""
    mine = [m for m in migrations if os.path.abspath(m.path) in paths]
    return mine or [m for m in migrations if _real(m.path) == real]


def _real(path: str) -> str:
    return os.path.realpath(os.path.abspath(path))


def _shown(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel
