"""Layouts that are decided by file and folder names: plain, golang-migrate, Flyway, Diesel, Prisma."""

from __future__ import annotations

import os
import re

from schemalint.diagnostics.engine_rules import LAYOUT_PROBLEM
from schemalint.diagnostics.rule import make_diagnostic
from schemalint.discover.inputs import InputLog
from schemalint.discover.layouts.base import (
    STRING,
    Candidate,
    Layout,
    LoadEnv,
    Skipped,
    dirname,
    natural_key,
    prepare,
    without_other_dialects,
)
from schemalint.discover.source import Migration, decode_bytes
from schemalint.lazyre import lazy


class PlainLayout(Layout):
    name = "plain"
    description = ("any *.sql files, in natural (number-aware) path order; *.down.sql and down.sql are down "
                   "migrations; another engine's variants (x.sql.sqlite, x.mysql.sql) are skipped")

    def order(self, candidates: list[Candidate], env: LoadEnv) -> list[Candidate]:
        return super().order(without_other_dialects(candidates), env)


# golang-migrate: {version}_{title}.up.sql / .down.sql, version an unsigned integer.
_GOLANG = lazy(r"^(\d+)_(.*)\.(up|down)\.sql$", re.I)


class GolangMigrateLayout(Layout):
    name = "golang-migrate"
    description = "NNN_name.up.sql / NNN_name.down.sql ordered by the integer version"
    # golang-migrate's postgres driver sends each file as it is, in one Exec (one query string)
    # unless `x-multi-statement=true` splits it at `;` (database/postgres/README.md): no
    # transaction around it, but several statements run as one implicit transaction block.
    transaction = False
    sends = STRING

    def claims(self, cand: Candidate) -> bool:
        name = cand.name
        return name[:1].isdigit() and _GOLANG().match(name) is not None  # \d is a digit

    @staticmethod
    def may_claim(names: set[str]) -> bool:
        return any(name[:1].isdigit() for name in names)

    def order(self, candidates: list[Candidate], env: LoadEnv) -> list[Candidate]:
        def key(c: Candidate):
            m = _GOLANG().match(c.name)
            return (int(m.group(1)), m.group(3).lower() == "down", natural_key(c.relative))

        return sorted((c for c in candidates if self.claims(c)), key=key)

    def skipped(self, cand: Candidate) -> Skipped:
        return Skipped(cand.path, "not-a-migration",
                       "not a golang-migrate file name (<version>_<title>.up.sql or .down.sql)", self.name)


# Flyway: V<version>__<desc>.sql (versioned), U<version>__ (undo), B<version>__ (baseline,
# Teams edition), R__<desc>.sql (repeatable). Versions separate parts with '.' or '_'.
_FLYWAY_FIRST = ("V", "U", "B", "R")
_FLYWAY = lazy(r"^(?:(?P<prefix>[VUB])(?P<version>\d+(?:[._]\d+)*)|(?P<repeatable>R))__(?P<desc>.*)\.sql$")
# Statements Flyway's PostgreSQL parser recognises as unable to run in a transaction; a
# migration holding one runs outside a transaction (PostgreSQL rejects them in a block).
_FLYWAY_NON_TX = lazy(
    r"^\s*(?:CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY|DROP\s+INDEX\s+CONCURRENTLY"
    r"|REINDEX\b[^;]*\bCONCURRENTLY|VACUUM\b|ALTER\s+SYSTEM\b|(?:CREATE|DROP)\s+(?:DATABASE|TABLESPACE)\b"
    r"|REFRESH\s+MATERIALIZED\s+VIEW\s+CONCURRENTLY)",
    re.I | re.M,
)
_FLYWAY_SCRIPT_CONFIG = lazy(r"^\s*(?:--\s*flyway:)?executeInTransaction\s*=\s*(true|false)\b", re.I | re.M)


def flyway_version(text: str) -> tuple[int, ...]:
    """'1_10' -> (1, 10); trailing zero parts do not count (Flyway: 1.0 == 1)."""
    parts = [int(p) for p in re.split(r"[._]", text)]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


class FlywayLayout(Layout):
    name = "flyway"
    description = ("V<version>__desc.sql by version, then R__desc.sql by description; U (undo) and "
                   "B (baseline) files are skipped")
    transaction = True  # Flyway wraps each migration in a transaction by default
    # Flyway's parser splits a script and runs each statement through JDBC: STATEMENTS.

    def claims(self, cand: Candidate) -> bool:
        name = cand.name
        return name[:1] in _FLYWAY_FIRST and _FLYWAY().match(name) is not None

    @staticmethod
    def may_claim(names: set[str]) -> bool:
        return any(name[:1] in _FLYWAY_FIRST for name in names)

    def order(self, candidates: list[Candidate], env: LoadEnv) -> list[Candidate]:
        versioned, repeatable = [], []
        for c in candidates:
            m = _FLYWAY().match(c.name)
            if m is None:
                continue  # Flyway ignores files that do not follow its naming
            if m.group("repeatable"):
                repeatable.append((m.group("desc"), natural_key(c.relative), c))
            elif m.group("prefix") == "V":
                versioned.append((flyway_version(m.group("version")), natural_key(c.relative), c))
        versioned.sort(key=lambda t: t[:2])
        repeatable.sort(key=lambda t: t[:2])
        return [t[2] for t in versioned] + [t[2] for t in repeatable]

    def skipped(self, cand: Candidate) -> Skipped:
        m = _FLYWAY().match(cand.name)
        prefix = m.group("prefix") if m else None
        if prefix == "U":
            return Skipped(cand.path, "not-applied", "Flyway undo migration: only `flyway undo` runs it", self.name)
        if prefix == "B":
            return Skipped(cand.path, "not-applied", "Flyway baseline migration: it stands for the versioned "
                                                     "migrations up to its version", self.name)
        return Skipped(cand.path, "not-a-migration",
                       "not a Flyway migration name (V<version>__<desc>.sql or R__<desc>.sql)", self.name)

    def load(self, cand: Candidate, data: bytes, env: LoadEnv) -> list[Migration]:
        decoded = decode_bytes(data)
        text = decoded.text
        m = _FLYWAY().match(cand.name)
        in_tx: bool | None = True
        setting = _script_setting(cand.abs_path + ".conf", text, env.inputs)
        if setting is not None:
            in_tx = setting
        elif _FLYWAY_NON_TX().search(text):
            in_tx = False
        direction = "repeatable" if m and m.group("repeatable") else "up"
        return prepare(cand.path, text, env, direction=direction, in_transaction=in_tx,
                       invalid_at=decoded.invalid_at)

    @staticmethod
    def problems(migrations: list[Migration]) -> None:
        seen: dict[tuple, str] = {}
        for mig in migrations:
            m = _FLYWAY().match(os.path.basename(mig.path))
            if not m or not m.group("version") or mig.direction != "up":
                continue
            version = flyway_version(m.group("version"))
            if version in seen and seen[version] != mig.path:
                mig.notes.append(make_diagnostic(
                    LAYOUT_PROBLEM, mig, 0, 0,
                    f"Flyway version {'.'.join(map(str, version))} is used twice (also by "
                    f"{seen[version]}); Flyway refuses to migrate",
                    help="Give each versioned migration its own version."))
            seen.setdefault(version, mig.path)


def _script_setting(conf_path: str, text: str, inputs: InputLog) -> bool | None:
    """`executeInTransaction` from a `V1__x.sql.conf` file or a `-- flyway:` first-line comment."""
    inputs.look(conf_path)
    try:
        with open(conf_path, encoding="utf-8", errors="replace") as fh:
            conf = fh.read()
    except OSError:
        conf = ""
    for source in (conf, text[:2000] if "flyway:" in text[:2000] else ""):
        m = _FLYWAY_SCRIPT_CONFIG().search(source)
        if m:
            return m.group(1).lower() == "true"
    return None


# Diesel: migrations/<version>_<name>/up.sql and down.sql; the version is the folder name up to
# the first '_'. Diesel compares versions with the dashes removed, so 2019-02-26-002946,
# 2025-09-19-132648-0000 and 00000000000000 sort by their digits.
_DIESEL_DIR = lazy(r"^(\d[\d-]*)_")
_RUN_IN_TRANSACTION = lazy(r"^\s*run_in_transaction\s*=\s*(true|false)\b", re.M)


class DieselLayout(Layout):
    name = "diesel"
    description = "<version>_<name>/up.sql and down.sql, by the version's digits; metadata.toml run_in_transaction"
    transaction = True  # diesel runs each migration in a transaction unless metadata.toml says not
    # diesel_migrations runs up.sql with `batch_execute` (libpq PQexec of the whole file).
    sends = STRING

    def claims(self, cand: Candidate) -> bool:
        return cand.name in ("up.sql", "down.sql") and _DIESEL_DIR().match(cand.parent) is not None

    @staticmethod
    def may_claim(names: set[str]) -> bool:
        return "up.sql" in names or "down.sql" in names

    def order(self, candidates: list[Candidate], env: LoadEnv) -> list[Candidate]:
        def key(c: Candidate):
            version = _DIESEL_DIR().match(c.parent).group(1).replace("-", "")
            return (version, c.parent, c.name == "down.sql")

        return sorted((c for c in candidates if self.claims(c)), key=key)

    def skipped(self, cand: Candidate) -> Skipped:
        return Skipped(cand.path, "not-a-migration",
                       "not a Diesel migration (<version>_<name>/up.sql or down.sql)", self.name)

    @staticmethod
    def home(path: str) -> str:
        return dirname(dirname(path))  # migrations/<version>_<name>/up.sql

    def __init__(self) -> None:
        self._in_tx: dict[str, bool | None] = {}  # migration folder -> its metadata.toml setting

    def load(self, cand: Candidate, data: bytes, env: LoadEnv) -> list[Migration]:
        decoded = decode_bytes(data)
        folder = cand.directory
        in_tx = self._in_tx.get(folder, ...)
        if in_tx is ...:  # up.sql and down.sql share the folder: read its metadata.toml once
            in_tx = self._in_tx[folder] = _diesel_in_transaction(folder, env.inputs)
        return prepare(cand.path, decoded.text, env, direction="down" if cand.name == "down.sql" else "up",
                       in_transaction=in_tx, invalid_at=decoded.invalid_at)


def _diesel_in_transaction(folder: str, inputs: InputLog) -> bool | None:
    in_tx: bool | None = True
    metadata = os.path.join(folder, "metadata.toml")
    inputs.look(metadata)
    try:
        with open(metadata, encoding="utf-8") as fh:
            m = _RUN_IN_TRANSACTION().search(fh.read())
        if m:
            in_tx = m.group(1) == "true"
    except (OSError, UnicodeDecodeError):
        pass
    return in_tx


# Prisma Migrate: migrations/<timestamp>_<name>/migration.sql, applied in folder-name order.
_PRISMA_DIR = lazy(r"^\d+_")


class PrismaLayout(Layout):
    name = "prisma"
    description = "<timestamp>_<name>/migration.sql in folder-name order"
    transaction = False  # Prisma sends migration.sql as it is, without a transaction around it
    # ... as one query string (the schema engine runs the script whole): CREATE INDEX
    # CONCURRENTLY in it fails with "cannot run inside a transaction block" (prisma/prisma#14456).
    sends = STRING

    def claims(self, cand: Candidate) -> bool:
        return cand.name == "migration.sql" and _PRISMA_DIR().match(cand.parent) is not None

    @staticmethod
    def may_claim(names: set[str]) -> bool:
        return "migration.sql" in names

    def order(self, candidates: list[Candidate], env: LoadEnv) -> list[Candidate]:
        return sorted((c for c in candidates if self.claims(c)), key=lambda c: c.parent)

    def skipped(self, cand: Candidate) -> Skipped:
        return Skipped(cand.path, "not-a-migration",
                       "not a Prisma migration (<timestamp>_<name>/migration.sql)", self.name)

    @staticmethod
    def home(path: str) -> str:
        return dirname(dirname(path))  # migrations/<timestamp>_<name>/migration.sql
