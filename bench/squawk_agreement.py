#!/usr/bin/env python
"""How often schemalint and squawk agree, statement by statement, on real migrations.

    python bench/squawk_agreement.py [--corpus DIR] [--out docs/squawk-agreement.md]
                                     [--raw bench/results/squawk-agreement] [--squawk PATH]

For each project folder of the corpus (default: `../shared/corpus` next to the repository,
else /work/shared/corpus; a project that is absent is skipped and said so), this runs

  * squawk (`--reporter json`, `--pg-version` = ours, `--assume-in-transaction` when the
    project's framework wraps each migration in a transaction, and `--include` for the opt-in
    squawk rules we claim), and
  * schemalint (`check --format json --select ALL`, same PG version and transaction
    assumption) over the same files,

maps every finding to the statement it falls in (file + statement span, from schemalint's
parser), and for every squawk rule that a schemalint rule names in `equivalents` counts the
statements both flag, only squawk flags and only schemalint flags. Rules squawk reports once
per file (the timeouts) are compared per file. Each disagreement is put in a category from
facts of the statement (was its table created earlier in the same file? in an explicit
transaction? ...), and `VERDICTS` says, per category, who is right and why; the report shows
one concrete example per category. The report is Markdown, written to --out; the raw JSON of
both tools goes to --raw (gitignored) so the analysis can be re-checked.

Needs `squawk` 2.70: `--squawk PATH`, else next to this Python or on PATH
(`pip install squawk-cli==2.70.0`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from schemalint.check.catalog import catalog
from schemalint.discover.discovery import discover
from schemalint.docs.peers import PEERS
from schemalint.parse.statements import parse_migration

ROOT = Path(__file__).resolve().parent.parent
PG_VERSION = "15"
SQUAWK_VERSION = "2.70.0"

# Whether each corpus project's framework runs a migration file inside a transaction; both
# tools get the same assumption (squawk has only a global flag, so files that opt out, such
# as goose's `NO TRANSACTION`, are treated like the rest by both).
PROJECTS = {
    "lemmy": True,  # diesel: each migration in a transaction (unless metadata.toml says not)
    "hatchet": True,  # goose: each file in a transaction unless `-- +goose NO TRANSACTION`
    "kestra": True,  # Flyway wraps each PostgreSQL migration in a transaction
    "harbor": False,  # golang-migrate's postgres driver sends the file as it is
    "supabase-postgres": True,  # dbmate wraps each section in a transaction
    "trigger-dev": False,  # Prisma Migrate sends migration.sql as it is
}

# Squawk reports these once per file (at the first statement that needs it); compare per file.
FILE_LEVEL = {"require-lock-timeout", "require-statement-timeout", "ban-uncommitted-transaction"}

SQUAWK_SYNTAX_ERROR_FACT = "squawk reports a syntax error in this file"
# Who is right, per (squawk rule or "*", side, category). side: "squawk" = only squawk
# flags it, "schemalint" = only we flag it. Looked up most specific first.
# Who is right, per (squawk rule or "*", side, category); side "squawk" = only squawk flags
# the statement, "schemalint" = only schemalint does. The first word is the verdict:
# "schemalint" or "squawk" (that tool is right), "scope" (the two rules do not cover the same
# hazard there), "assumption" (an artefact of giving both tools one transaction assumption).
SAME_FILE = (
    "schemalint", "a table created earlier in the same migration file is empty and no "
    "application code uses it yet, so the lock blocks no one and the scan or build is "
    "instant. squawk 2.70 exempts a table created earlier in the file only when it takes the "
    "file to run in one transaction (an explicit BEGIN ... COMMIT, or `--assume-in-transaction`; "
    "CREATE TABLE and CREATE TABLE AS, not CREATE MATERIALIZED VIEW), and only in some rules "
    "(adding-foreign-key-constraint, constraint-missing-not-valid, "
    "require-concurrent-index-creation, prefer-robust-stmts; not adding-field-with-default, "
    "adding-not-nullable-field or changing-column-type); outside a transaction it exempts none.")
NO_TABLE_LOCK = (
    "schemalint", "the statement takes no lock that blocks reads or writes of an existing "
    "table (a function, type, role, schema, extension or view definition; an enum value), so "
    "no lock queue can form behind it; schemalint asks for lock_timeout only before those "
    "that do (the lock table in linter/model/locks.py).")
CONCURRENT_LOCK = (
    "schemalint", "CREATE/DROP INDEX CONCURRENTLY takes SHARE UPDATE EXCLUSIVE, which does not "
    "conflict with reads (ACCESS SHARE) or writes (ROW EXCLUSIVE): queries do not queue behind "
    "it while it waits.")
FINAL_MODEL = (
    "schemalint", "schemalint's type rules judge the final schema: a column that a later "
    "migration changes (lemmy's 2023-08-02 fix-timezones turns every timestamp into "
    "timestamptz) or drops is not reported, so the user is not told to fix what is already "
    "fixed. squawk flags every statement that ever wrote the type.")
BREAKING_VERDICTS = {
    "down migration": (
        "schemalint", "a down migration exists to undo its up migration: its drops and renames "
        "are the point, and it runs after the application code that used the objects was "
        "rolled back. schemalint's breaking-change rules skip down migrations."),
    "name created again later in the same file": (
        "schemalint", "the name is created again later in the same file (drop and recreate a "
        "view or function, or swap a new table or type into place), so readers of the name "
        "keep working after the migration."),
    "table created earlier in the same file": (
        "schemalint", "the object was created earlier in the same file; no client uses it yet."),
    "object created earlier in the same file": (
        "schemalint", "the object dropped or renamed was created earlier in the same file (a "
        "helper function used once, the temporary column or type of a swap, a constraint the "
        "file added as a step of a recipe), so no client uses it yet."),
    "takes a name dropped earlier in the same file": (
        "schemalint", "the second half of a swap: the file dropped the old object under this "
        "name first, and the new one takes the name, so readers of the name keep working."),
    "default set again later, or column added earlier, in the same file": (
        "schemalint", "either the file sets a new default on the column after it (the DROP "
        "DEFAULT / ALTER TYPE / SET DEFAULT steps of an enum change), or the column was added "
        "earlier in the file with a default only to fill the existing rows; no running "
        "application version inserts without it."),
    "a constraint is added to the same table in the same file": (
        "schemalint", "a redefinition or a recipe step: `modlog_check` and `notification_check` "
        "are re-added by an unnamed ADD CHECK that PostgreSQL names the same; "
        "`person_aggregates_person_id_key` comes from an unnamed ADD UNIQUE earlier in the file "
        "and is dropped as a PRIMARY KEY on the same column replaces it."),
}
VERDICTS: dict[tuple[str, str, str], tuple[str, str]] = {
    ("ban-concurrent-index-creation-in-transaction", "squawk",
     "file opts out of the framework's transaction"): (
        "schemalint", "these goose files say `-- +goose no transaction`; schemalint's goose "
        "layout (detected automatically) reads that, so the index build runs outside a "
        "transaction and does not fail. squawk has only the global `--assume-in-transaction`."),
    ("prefer-timestamp-tz", "squawk", "*"): FINAL_MODEL,
    ("*", "schemalint", SQUAWK_SYNTAX_ERROR_FACT): (
        "schemalint", "squawk cannot parse this goose file (the last statement of a section ends "
        "at `-- +goose StatementEnd` without a semicolon) and reports only syntax errors for it; "
        "schemalint's goose layout splits the sections and checks the statement."),
    ("constraint-missing-not-valid", "squawk", "file opts out of the framework's transaction"): (
        "assumption", "these goose files say `-- +goose NO TRANSACTION`: the ADD ... NOT VALID "
        "and the VALIDATE run in separate transactions, as the recipe asks. squawk, told that "
        "every file of the project runs in one transaction, thinks they share it."),
    ("identifier-too-long", "squawk", "DROP statement"): (
        "schemalint", "a DROP INDEX naming an index created with an over-long name: PostgreSQL "
        "truncates the name the same way wherever it appears, so the DROP finds the index. "
        "schemalint reports the name once, where it is defined (the CREATE INDEX, which both "
        "tools flag)."),
    ("prefer-robust-stmts", "squawk", "ALTER TABLE whose actions succeed again when re-run"): (
        "schemalint", "ALTER COLUMN ... TYPE, SET/DROP NOT NULL, SET/DROP DEFAULT and VALIDATE "
        "CONSTRAINT set a state: run again after a partial failure they succeed (a no-op), so "
        "they do not stop a re-run. squawk asks for a transaction around every ALTER TABLE "
        "action that has no IF [NOT] EXISTS form; schemalint only around those that fail or "
        "duplicate on a re-run (ADD CONSTRAINT, RENAME)."),
    ("prefer-robust-stmts", "schemalint", "file opts out of the framework's transaction"): (
        "schemalint", "these goose files say `-- +goose NO TRANSACTION`; schemalint's goose "
        "layout reads it, so the statements really run outside a transaction and a failed run "
        "cannot be repeated as it is. squawk was told (`--assume-in-transaction`) that every "
        "file of the project runs in one."),
    ("prefer-robust-stmts", "schemalint", "table created earlier in the same file"): (
        "schemalint", "an unnamed CREATE INDEX outside a transaction: run again, PostgreSQL "
        "creates a second, identical index under a new name. squawk skips unnamed indexes."),
    ("changing-column-type", "squawk", "down migration"): (
        "schemalint", "the down migration widens the type back against the schema its up "
        "migration left (varchar(n) to text, varchar(50) to varchar(255)): binary coercible, "
        "no rewrite."),
    ("prefer-bigint-over-int", "squawk", "*"): (
        "scope", "integer-key-column flags int only on primary and foreign key columns, where "
        "running out of values stops inserts; squawk flags every int column."),
    ("prefer-bigint-over-smallint", "squawk", "*"): (
        "scope", "integer-key-column flags smallint only on primary and foreign key columns."),
    ("prefer-text-field", "squawk", "*"): FINAL_MODEL,
    ("ban-char-field", "squawk", "*"): FINAL_MODEL,
    ("require-table-schema", "schemalint", "*"): (
        "scope", "squawk's require-table-schema checks table definitions; schemalint's opt-in "
        "unqualified-table-name every table reference (INSERT, CREATE INDEX, views, "
        "constraints)."),
    ("renaming-object", "squawk", "table created in an earlier migration of this project"): (
        "schemalint", "these are index and constraint renames (ALTER INDEX ... RENAME, RENAME "
        "CONSTRAINT): no query names an index, and only `ON CONFLICT ON CONSTRAINT` names a "
        "constraint, so schemalint's rename-object does not report them."),
    ("renaming-object", "squawk", "table not created in this project's migrations"): (
        "schemalint", "index renames (ALTER INDEX ... RENAME): no query names an index."),
    ("renaming-object", "squawk", "inside an explicit transaction"): (
        "schemalint", "an enum swap: the new type, created earlier in the same file, is "
        "renamed into the old name, so the name keeps working."),
    ("*", "squawk", "table created earlier in the same file"): SAME_FILE,
    ("adding-foreign-key-constraint", "squawk", "foreign key only on columns added without a DEFAULT"): (
        "schemalint", "every row of a column added without a DEFAULT is NULL, and NULLs satisfy a "
        "foreign key, so PostgreSQL marks the constraint valid without scanning the table "
        "(transformAlterTableStmt; measured: 4 ms on a 3M-row table, against 690-800 ms once "
        "the column has a DEFAULT). There is nothing for NOT VALID to save."),
    ("constraint-missing-not-valid", "squawk", "down migration"): (
        "squawk", "a limit of schemalint: a down migration is checked against the schema its up "
        "migration left, but not against the down file's own earlier changes. Here the column "
        "was added nullable and renamed earlier in the same down file, so the NOT NULL "
        "constraint does scan the table; schemalint still sees the old, NOT NULL column."),
    ("constraint-missing-not-valid", "squawk", "column already NOT NULL"): (
        "squawk", "the same limit in a down migration: earlier statements of the down file "
        "changed these columns, which schemalint does not fold for the statements that follow."),
    ("adding-not-nullable-field", "squawk", "column already NOT NULL"): (
        "schemalint", "the column is already NOT NULL (a primary key, or an earlier NOT NULL in "
        "the history): PostgreSQL returns at once without scanning the table."),
    ("require-concurrent-index-creation", "squawk",
     "CREATE INDEX ON ONLY (a partitioned table's parent index)"): (
        "schemalint", "`CREATE INDEX ... ON ONLY` a partitioned table builds nothing: it creates "
        "the invalid parent index that the partitions' concurrently built indexes are attached "
        "to, the recipe for indexing a partitioned table without blocking writes."),
    ("adding-field-with-default", "schemalint", "serial column"): (
        "schemalint", "a serial column's default is nextval(), which is volatile: adding it "
        "to an existing table fills every row and rewrites the table under ACCESS EXCLUSIVE "
        "(squawk checks generated and identity columns, not serial)."),
    ("adding-required-field", "squawk", "serial column"): (
        "schemalint", "squawk is wrong: a serial column has an implicit DEFAULT nextval(...), "
        "so ADD COLUMN ... serial NOT NULL does not fail on a table with rows (it rewrites the "
        "table, which add-serial-identity-or-generated-column reports)."),
    ("ban-concurrent-index-creation-in-transaction", "schemalint",
     "file opts out of the framework's transaction"): (
        "assumption", "both tools were told every file runs in a transaction, but these goose "
        "files say `-- +goose NO TRANSACTION`: no error happens. schemalint flags every such "
        "statement (it also checks DROP INDEX CONCURRENTLY, which cannot run in a transaction "
        "block either); squawk flags none of them because it skips a file whose only statement "
        "is the CREATE INDEX and does not check DROP INDEX at all. schemalint's goose layout "
        "reads the annotation and then reports nothing."),
    ("ban-concurrent-index-creation-in-transaction", "schemalint", "DROP INDEX CONCURRENTLY"): (
        "schemalint", "DROP INDEX CONCURRENTLY cannot run inside a transaction block either "
        "(PostgreSQL docs, DROP INDEX); squawk's rule only looks at CREATE INDEX."),
    ("changing-column-type", "squawk",
     "timestamp/timestamptz change after SET timezone = 'UTC'"): (
        "schemalint", "PostgreSQL 12+ changes timestamp <-> timestamptz without a rewrite when "
        "the session time zone is UTC (release notes 12), and the file sets it first; squawk "
        "flags every type change."),
    ("changing-column-type", "squawk", "type change to text or varchar"): (
        "schemalint", "varchar(n) to a larger n, or to text, is binary coercible: no rewrite, "
        "only a brief ACCESS EXCLUSIVE (schemalint's rewrite table in linter/rulekit/rewrites.py knows "
        "the old type from the history)."),
    ("changing-column-type", "squawk", "table created in an earlier migration of this project"): (
        "schemalint", "timestamp(3) to timestamp raises the precision, which is binary "
        "compatible: no rewrite."),
    ("constraint-missing-not-valid", "squawk", "UNIQUE or PRIMARY KEY constraint"): (
        "schemalint", "squawk's advice cannot be followed: PostgreSQL accepts NOT VALID only for "
        "CHECK, FOREIGN KEY and (18+) NOT NULL constraints. The lock hazard of a UNIQUE or "
        "PRIMARY KEY is real and schemalint reports it as add-unique-constraint-on-existing-"
        "table, squawk as disallowed-unique-constraint / adding-serial-primary-key-field, "
        "where both agree."),
    ("disallowed-unique-constraint", "squawk",
     "table created in an earlier migration of this project"): (
        "squawk", "ADD COLUMN ... UNIQUE builds a unique index under ACCESS EXCLUSIVE; the "
        "add-unique-constraint-on-existing-table on main only looks at ADD CONSTRAINT. Fixed "
        "on the locks branch (65f9497), not yet merged."),
    ("disallowed-unique-constraint", "squawk", "down migration"): (
        "squawk", "the same ADD COLUMN ... UNIQUE case, in a down migration."),
    ("adding-serial-primary-key-field", "squawk", "down migration"): (
        "squawk", "ADD COLUMN id serial PRIMARY KEY builds the primary key index under ACCESS "
        "EXCLUSIVE; same fix as ADD COLUMN ... UNIQUE (locks branch 65f9497)."),
    ("prefer-identity", "schemalint", "identity column"): (
        "scope", "sequential-primary-key (default `id_policy: uuid`) flags identity primary "
        "keys, which squawk recommends; with `id_policy: identity` these go away. The direct "
        "equivalent of prefer-identity is serial-column."),
    ("prefer-identity", "squawk", "serial column"): (
        "scope", "squawk flags every serial column; sequential-primary-key only primary keys. "
        "serial-column covers every serial column."),
    ("prefer-identity", "schemalint", "table created earlier in the same file"): (
        "scope", "schemalint reports the sequential key where ADD PRIMARY KEY makes it one; "
        "squawk reports the serial column on the CREATE TABLE."),
    ("prefer-identity", "schemalint", "table created in an earlier migration of this project"): (
        "scope", "schemalint reports the sequential key where ADD PRIMARY KEY makes it one."),
    ("require-lock-timeout", "squawk",
     "no lock that blocks reads or writes of an existing table"): NO_TABLE_LOCK,
    ("require-lock-timeout", "squawk", "CONCURRENTLY index build or drop"): CONCURRENT_LOCK,
    ("require-lock-timeout", "squawk", "references only tables created earlier in the same file"): (
        "schemalint", "CREATE TABLE ... REFERENCES takes SHARE ROW EXCLUSIVE on the referenced "
        "table, but that table was created earlier in the same file: nobody else uses it."),
    ("require-lock-timeout", "squawk", "DropStmt"): (
        "squawk", "DROP SCHEMA IF EXISTS r CASCADE: lemmy's `r` schema is filled by the "
        "application at startup (views, functions and the triggers on public tables that call "
        "them), never by a migration. The lock table now expands DROP SCHEMA ... CASCADE to "
        "every relation the model knows in the schema and the tables their foreign keys "
        "connect, but this schema's contents are invisible to a linter that reads only the "
        "migrations; the triggers it drops take ACCESS EXCLUSIVE on their tables."),
    ("require-lock-timeout", "squawk", "down migration"): (
        "squawk", "the same DROP SCHEMA ... CASCADE, in a down migration."),
    ("require-statement-timeout", "squawk",
     "metadata-only statement (no scan, rewrite or index build)"): (
        "scope", "squawk wants statement_timeout before any DDL; schemalint only before a "
        "statement that can run long (a full scan, a rewrite, an index build, a bulk UPDATE "
        "or DELETE). A catalog-only change finishes in milliseconds once it holds its lock; "
        "the wait for the lock is what lock_timeout bounds."),
    ("require-statement-timeout", "squawk", "CONCURRENTLY index build or drop"): (
        "scope", "a concurrent index build can run long, but it blocks neither reads nor writes "
        "while it does, and a statement_timeout that cancels it leaves an INVALID index behind; "
        "schemalint does not ask for one."),
    ("require-statement-timeout", "squawk",
     "table created in an earlier migration of this project"): (
        "schemalint", "each is catalog-only on PostgreSQL 11+: ADD COLUMN with a constant or "
        "STABLE default (now(), CURRENT_TIMESTAMP, ARRAY[]::text[]) stores it once as the "
        "missing value, no rewrite; varchar(n) to a larger n or to text and timestamp(3) to "
        "timestamp are binary coercible; SET DEFAULT and DROP COLUMN touch no rows. The slow "
        "statements squawk caught here (ADD COLUMN ... REFERENCES with a default validates the "
        "key by a scan, ADD COLUMN ... UNIQUE builds an index) are now reported by both."),
    ("require-statement-timeout", "squawk", "down migration"): (
        "schemalint", "none of these is slow: ADD COLUMN ... REFERENCES without a default adds "
        "a column that is NULL in every row, so PostgreSQL marks its foreign key valid without "
        "a validation scan (parse_utilcmd.c, transformAlterTableStmt: skipValidation unless a "
        "new column has a default); varchar(512) back to text is binary coercible; the "
        "timestamptz to timestamp change follows `SET timezone TO utc` (no rewrite on PG 12+)."),
    ("require-statement-timeout", "squawk", "table not created in this project's migrations"): (
        "scope", "CREATE TABLE ... AS SELECT as the first statement of the file: it reads "
        "`post` and `comment` under ACCESS SHARE, which blocks no reads or writes, and the "
        "transaction holds no other lock yet. schemalint asks for statement_timeout when a slow "
        "statement runs while the migration blocks others; the same statement after a DROP "
        "TABLE (smoosh-tables-together, which holds ACCESS EXCLUSIVE on the referenced tables) "
        "is reported by both."),
}


@dataclass
class Stmt:
    path: str
    index: int  # character offset of the statement in its file
    start_line: int
    end_line: int
    text: str
    kind: str
    facts: frozenset[str] = field(default_factory=frozenset)


@dataclass
class FileIndex:
    path: str
    statements: list[Stmt]
    _starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._starts = [s.start_line for s in self.statements]

    def at(self, line: int) -> Stmt | None:
        """The statement a finding on `line` (1-based) belongs to: the last one starting at or
        before it; a finding above the first statement (a file-level note) goes to the first."""
        if not self.statements:
            return None
        k = bisect_right(self._starts, line)
        return self.statements[max(k - 1, 0)]


def find_corpus(arg: str | None) -> Path | None:
    candidates = [Path(arg)] if arg else [ROOT.parent / "shared" / "corpus",
                                          Path("/work/shared/corpus")]
    for c in candidates:
        if c.is_dir():
            return c
    return None


def find_squawk(arg: str | None = None) -> str | None:
    if arg:
        return arg if Path(arg).is_file() else None
    here = Path(sys.executable).parent / "squawk"
    return str(here) if here.exists() else shutil.which("squawk")


_SERIAL = {"serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"}
_NO_TX_MARKS = ("+goose no transaction", "transaction:false")


def _relname(node: dict) -> str | None:
    for key in ("relation", "view"):
        rel = node.get(key)
        if isinstance(rel, dict):
            return rel.get("relname")
    into = node.get("into")
    if isinstance(into, dict):
        return into.get("rel", {}).get("relname")
    return None


def _walk(node, key: str):
    """Every `key` node below `node` (pglast JSON)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from _walk(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key)


def _dropped_relations(node: dict) -> list[str]:
    if node.get("removeType") not in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
        return []
    out = []
    for obj in node.get("objects") or ():
        items = obj.get("List", {}).get("items") or ()
        if items:
            out.append(items[-1].get("String", {}).get("sval"))
    return out


# Statements that take no lock blocking reads or writes of an existing table (their locks are
# on catalog objects: a type, a function, a role, a schema being created).
_NO_TABLE_LOCK_KINDS = {
    "CreateFunctionStmt", "AlterEnumStmt", "CreateEnumStmt", "CreateSchemaStmt",
    "CreateExtensionStmt", "AlterRoleSetStmt", "AlterRoleStmt", "AlterDefaultPrivilegesStmt",
    "AlterOwnerStmt", "CreatePublicationStmt", "ViewStmt", "GrantStmt", "GrantRoleStmt",
    "CommentStmt", "CreateSeqStmt", "CompositeTypeStmt", "CreateDomainStmt", "CreateRoleStmt",
    "AlterFunctionStmt", "CreateEventTrigStmt", "DoStmt", "SelectStmt", "VariableSetStmt",
    "CreateCastStmt", "DefineStmt", "AlterSeqStmt", "AlterExtensionStmt",
}
_NO_TABLE_LOCK_DROPS = {"OBJECT_FUNCTION", "OBJECT_TYPE", "OBJECT_EVENT_TRIGGER",
                        "OBJECT_PROCEDURE", "OBJECT_ROUTINE", "OBJECT_DOMAIN", "OBJECT_SEQUENCE"}


# ALTER TABLE actions that only change the catalog on PostgreSQL 11+ (no scan, rewrite or
# index build) when they carry no volatile default and add no validated constraint.
_METADATA_ACTIONS = {
    "AT_DropColumn", "AT_ColumnDefault", "AT_DropNotNull", "AT_DropConstraint",
    "AT_EnableTrig", "AT_DisableTrig", "AT_EnableTrigAll", "AT_DisableTrigAll",
    "AT_ChangeOwner", "AT_SetStatistics", "AT_SetOptions", "AT_ResetOptions",
    "AT_SetRelOptions", "AT_ResetRelOptions", "AT_ValidateConstraint", "AT_ReplicaIdentity",
    "AT_EnableRowSecurity", "AT_DisableRowSecurity", "AT_ForceRowSecurity",
}


def _constant_default(coldef: dict) -> bool:
    for con in coldef.get("constraints") or ():
        c = con.get("Constraint", {})
        if c.get("contype") in ("CONSTR_GENERATED", "CONSTR_IDENTITY", "CONSTR_FOREIGN",
                                "CONSTR_UNIQUE", "CONSTR_PRIMARY", "CONSTR_CHECK"):
            return False
        if c.get("contype") == "CONSTR_DEFAULT":
            expr = c.get("raw_expr", {})
            if "TypeCast" in expr:
                expr = expr["TypeCast"].get("arg", {})
            if "A_Const" not in expr:
                return False
    names = [n.get("String", {}).get("sval") for n in coldef.get("typeName", {}).get("names", ())]
    return not (names and names[-1] in _SERIAL)


def _metadata_only(kind: str, node: dict) -> bool:
    """Whether a statement finishes in milliseconds once it holds its locks (no scan, rewrite
    or index build), judged from the statement alone."""
    if kind in _NO_TABLE_LOCK_KINDS or kind in (
            "CreateStmt", "DropStmt", "RenameStmt", "TruncateStmt", "LockStmt", "CreateTrigStmt",
            "TransactionStmt", "AlterObjectSchemaStmt", "RuleStmt", "CreatePolicyStmt"):
        return True
    if kind != "AlterTableStmt":
        return False
    for item in node.get("cmds") or ():
        cmd = item.get("AlterTableCmd", {})
        sub = cmd.get("subtype")
        if sub == "AT_AddColumn":
            if not _constant_default(cmd.get("def", {}).get("ColumnDef", {})):
                return False
        elif sub == "AT_AddConstraint":
            if not cmd.get("def", {}).get("Constraint", {}).get("skip_validation"):
                return False
        elif sub not in _METADATA_ACTIONS:
            return False
    return True


def _last(names) -> str | None:
    vals = [n.get("String", {}).get("sval") for n in names or ()]
    return vals[-1] if vals else None


def _names_made(kind: str, node: dict) -> set[str]:
    """Object (and table.column) names a statement creates or renames something to."""
    out = set()
    if kind in ("CreateStmt", "CreateTableAsStmt", "ViewStmt") and _relname(node):
        out.add(_relname(node))
    elif kind == "IndexStmt" and node.get("idxname"):
        out.add(node["idxname"])
    elif kind == "CreateFunctionStmt":
        out.add(_last(node.get("funcname")))
    elif kind in ("CreateEnumStmt", "CompositeTypeStmt", "CreateDomainStmt"):
        out.add(_last(node.get("typeName") if kind != "CompositeTypeStmt" else
                      [{"String": {"sval": node.get("typevar", {}).get("relname")}}]))
    elif kind == "RenameStmt" and node.get("newname"):
        rel = _relname(node)
        out.add(f"{rel}.{node['newname']}" if node.get("renameType") == "OBJECT_COLUMN"
                else node["newname"])
    elif kind == "CreateTrigStmt":
        out.add(node.get("trigname"))
    if kind == "AlterTableStmt":
        for item in node.get("cmds") or ():
            cmd = item.get("AlterTableCmd", {})
            if cmd.get("subtype") == "AT_AddColumn":
                out.add(f"{_relname(node)}.{cmd.get('def', {}).get('ColumnDef', {}).get('colname')}")
            elif cmd.get("subtype") == "AT_AddConstraint":
                out.add(cmd.get("def", {}).get("Constraint", {}).get("conname"))
    out.discard(None)
    return out


def _names_removed(kind: str, node: dict) -> set[str]:
    """Object (and table.column) names a statement drops or renames away."""
    out = set()
    if kind == "DropStmt":
        for obj in node.get("objects") or ():
            if "List" in obj:
                out.add(_last(obj["List"].get("items")))
            elif "ObjectWithArgs" in obj:
                out.add(_last(obj["ObjectWithArgs"].get("objname")))
            elif "TypeName" in obj:
                out.add(_last(obj["TypeName"].get("names")))
            elif "String" in obj:
                out.add(obj["String"].get("sval"))
    elif kind == "RenameStmt":
        rel = _relname(node)
        if node.get("renameType") == "OBJECT_COLUMN":
            out.add(f"{rel}.{node.get('subname')}")
        elif rel:
            out.add(rel)
        elif node.get("object"):
            obj = node["object"]
            out.add(_last(obj.get("List", {}).get("items")) or _last(
                obj.get("ObjectWithArgs", {}).get("objname")) or _last(obj.get("TypeName", {}).get("names")))
    elif kind == "AlterTableStmt":
        for item in node.get("cmds") or ():
            cmd = item.get("AlterTableCmd", {})
            if cmd.get("subtype") == "AT_DropColumn":
                out.add(f"{_relname(node)}.{cmd.get('name')}")
            elif cmd.get("subtype") == "AT_DropConstraint":
                out.add(cmd.get("name"))
    out.discard(None)
    return out


# ALTER TABLE actions that succeed again when a failed migration is re-run as it is: they set
# a state rather than create something (a second ALTER COLUMN ... TYPE to the same type, SET
# NOT NULL on a NOT NULL column, VALIDATE of a valid constraint are no-ops).
_RERUNNABLE_ACTIONS = {
    "AT_AlterColumnType", "AT_ColumnDefault", "AT_SetNotNull", "AT_DropNotNull",
    "AT_ValidateConstraint", "AT_SetStatistics", "AT_SetStorage", "AT_SetOptions",
    "AT_ResetOptions", "AT_SetRelOptions", "AT_ResetRelOptions", "AT_ChangeOwner",
    "AT_ReplicaIdentity", "AT_EnableRowSecurity", "AT_DisableRowSecurity", "AT_SetLogged",
    "AT_SetUnLogged", "AT_EnableTrig", "AT_DisableTrig", "AT_EnableTrigAll", "AT_DisableTrigAll",
}


def _alter_actions(node: dict) -> list[dict]:
    return [item.get("AlterTableCmd", {}) for item in node.get("cmds") or ()]


def _dropped_defaults(kind: str, node: dict) -> set[str]:
    if kind != "AlterTableStmt":
        return set()
    return {f"{_relname(node)}.{c.get('name')}" for c in _alter_actions(node)
            if c.get("subtype") == "AT_ColumnDefault" and not c.get("def")}


def _set_defaults(kind: str, node: dict) -> set[str]:
    if kind != "AlterTableStmt":
        return set()
    return {f"{_relname(node)}.{c.get('name')}" for c in _alter_actions(node)
            if c.get("subtype") == "AT_ColumnDefault" and c.get("def")}


def _creates_extension_in_do(body: str, name: str) -> bool:
    """A DO block that (re)installs the extension: the drop is the first half of a cycle."""
    return re.search(r"create\s+extension\s+(?:if\s+not\s+exists\s+)?\"?" + re.escape(name)
                     + r"(?![\w$])", body, re.I) is not None


def _constraint_tables(kind: str, node: dict, subtype: str) -> set[str]:
    """Tables this statement adds (AT_AddConstraint) or drops (AT_DropConstraint) a constraint on."""
    if kind != "AlterTableStmt":
        return set()
    return {_relname(node)} if any(c.get("subtype") == subtype for c in _alter_actions(node)) else set()


def _dropped_indexes(node: dict) -> list[str]:
    if node.get("removeType") != "OBJECT_INDEX":
        return []
    out = []
    for obj in node.get("objects") or ():
        items = obj.get("List", {}).get("items") or ()
        if items:
            out.append(items[-1].get("String", {}).get("sval"))
    return out


def _type_change_targets(node: dict) -> list[str]:
    out = []
    for cmd in _walk(node, "AlterTableCmd"):
        if cmd.get("subtype") == "AT_AlterColumnType":
            names = cmd.get("def", {}).get("ColumnDef", {}).get("typeName", {}).get("names", ())
            if names:
                out.append(names[-1].get("String", {}).get("sval"))
    return out


def _sets_utc(kind: str, node: dict) -> bool:
    if kind != "VariableSetStmt" or node.get("name", "").lower() not in ("timezone", "time zone"):
        return False
    vals = [v.get("A_Const", {}).get("sval", {}).get("sval", "") for v in node.get("args") or ()]
    return any(v.upper() in ("UTC", "ETC/UTC", "Z", "UTC0") for v in vals)


def _statement_facts(kind: str, node: dict) -> set[str]:
    facts = set()
    targets = _type_change_targets(node)
    if targets and all(t in ("text", "varchar") for t in targets):
        facts.add("type change to text or varchar")
    if targets and all(t in ("timestamp", "timestamptz") for t in targets):
        facts.add("type change between timestamp and timestamptz")
    for col in _walk(node, "ColumnDef"):
        names = [n.get("String", {}).get("sval") for n in col.get("typeName", {}).get("names", ())]
        if names and names[-1] in _SERIAL:
            facts.add("serial column")
        for con in col.get("constraints") or ():
            contype = con.get("Constraint", {}).get("contype")
            if contype == "CONSTR_GENERATED":
                facts.add("GENERATED ... STORED column")
            elif contype == "CONSTR_IDENTITY":
                facts.add("identity column")
    if kind == "AlterTableStmt" and any(
            c.get("contype") in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") for c in _walk(node, "Constraint")):
        facts.add("UNIQUE or PRIMARY KEY constraint")
    if kind == "DropStmt" and node.get("removeType") == "OBJECT_INDEX" and node.get("concurrent"):
        facts.add("DROP INDEX CONCURRENTLY")
    if kind == "CreateStmt":
        facts.add("CREATE TABLE")
    if node.get("concurrent") and kind in ("IndexStmt", "DropStmt", "ReindexStmt"):
        facts.add("CONCURRENTLY index build or drop")
    if _metadata_only(kind, node):
        facts.add("metadata-only statement (no scan, rewrite or index build)")
    if kind == "DropStmt":
        facts.add("DROP statement")
    actions = _alter_actions(node) if kind == "AlterTableStmt" else []
    if actions and all(a.get("subtype") in _RERUNNABLE_ACTIONS for a in actions):
        facts.add("ALTER TABLE whose actions succeed again when re-run")
    if kind in _NO_TABLE_LOCK_KINDS or (
            kind == "DropStmt" and node.get("removeType") in _NO_TABLE_LOCK_DROPS):
        facts.add("no lock that blocks reads or writes of an existing table")
    if kind == "AlterTableStmt" and _fk_only_on_new_columns_without_default(actions):
        facts.add("foreign key only on columns added without a DEFAULT")
    if kind == "IndexStmt" and "inh" not in node.get("relation", {}):  # ON ONLY: inh false (omitted)
        facts.add("CREATE INDEX ON ONLY (a partitioned table's parent index)")
    return facts


def _fk_only_on_new_columns_without_default(actions: list[dict]) -> bool:
    """Every foreign key of the statement sits on a column it adds with no DEFAULT clause."""
    found = False
    for a in actions:
        definition = a.get("def") or {}
        if a.get("subtype") == "AT_AddConstraint" and \
                definition.get("Constraint", {}).get("contype") == "CONSTR_FOREIGN":
            return False
        col = definition.get("ColumnDef")
        if a.get("subtype") != "AT_AddColumn" or not col:
            continue
        contypes = {c.get("Constraint", {}).get("contype") for c in col.get("constraints") or ()}
        if "CONSTR_FOREIGN" in contypes:
            if "CONSTR_DEFAULT" in contypes or col.get("raw_default"):
                return False
            found = True
    return found


def _set_not_null_columns(kind: str, node: dict) -> set[tuple[str, str]]:
    if kind != "AlterTableStmt":
        return set()
    table = _relname(node)
    return {(table, a.get("name")) for a in _alter_actions(node) if a.get("subtype") == "AT_SetNotNull"}


def _track_not_null(kind: str, node: dict, not_null: set) -> None:
    """NOT NULL columns: from CREATE TABLE / ADD COLUMN (NOT NULL or PRIMARY KEY), SET NOT
    NULL, table-level PRIMARY KEY; DROP NOT NULL removes."""
    table = _relname(node)
    if not table:
        return
    coldefs = []
    if kind == "CreateStmt":
        coldefs = [e["ColumnDef"] for e in node.get("tableElts") or () if "ColumnDef" in e]
        for e in node.get("tableElts") or ():
            con = e.get("Constraint", {})
            if con.get("contype") == "CONSTR_PRIMARY":
                not_null.update((table, k.get("String", {}).get("sval")) for k in con.get("keys") or ())
    elif kind == "AlterTableStmt":
        for a in _alter_actions(node):
            sub = a.get("subtype")
            if sub == "AT_AddColumn" and "ColumnDef" in (a.get("def") or {}):
                coldefs.append(a["def"]["ColumnDef"])
            elif sub == "AT_SetNotNull":
                not_null.add((table, a.get("name")))
            elif sub == "AT_DropNotNull":
                not_null.discard((table, a.get("name")))
    for col in coldefs:
        contypes = {c.get("Constraint", {}).get("contype") for c in col.get("constraints") or ()}
        if contypes & {"CONSTR_NOTNULL", "CONSTR_PRIMARY"}:
            not_null.add((table, col.get("colname")))


def index_project(project: Path) -> tuple[dict[str, FileIndex], list[str]]:
    """Statements of every file schemalint discovers, with the facts used to categorise.
    The facts are computed here from the statements alone, independently of schemalint's
    model, so that they can judge it."""
    found = discover([str(project)])
    files: dict[str, FileIndex] = {}
    paths = []
    created_before: set[str] = set()  # tables, views created by earlier up migrations
    not_null: set[tuple[str, str]] = set()  # (table, column) NOT NULL after earlier statements
    index_table: dict[str, str] = {}  # index name -> table, over the project
    for migration in found.migrations:
        path = os.path.abspath(migration.path)
        if path not in paths:
            paths.append(path)
        result = parse_migration(migration)
        lines = migration.lines
        lowered = migration.text.lower()
        opts_out = any(mark in lowered for mark in _NO_TX_MARKS)
        created_here: set[str] = set()
        depth = 0
        stmts = []
        kinds_nodes = [(st.kind, st.node) for st in result.statements]
        only_one = len(result.statements) == 1
        utc = False
        for st in result.statements:
            node = st.node
            names = [_relname(node)] if _relname(node) else [
                index_table[i] for i in _dropped_indexes(node) if i in index_table
            ] + _dropped_relations(node)
            facts = _statement_facts(st.kind, node)
            set_not_null = _set_not_null_columns(st.kind, node)
            if set_not_null and set_not_null <= not_null:
                facts.add("column already NOT NULL")
            if migration.direction != "down":
                _track_not_null(st.kind, node, not_null)
            if only_one:
                facts.add("only statement in the file")
            utc = utc or _sets_utc(st.kind, node)
            if utc and "type change between timestamp and timestamptz" in facts:
                facts.add("timestamp/timestamptz change after SET timezone = 'UTC'")
            if opts_out:
                facts.add("file opts out of the framework's transaction")
            if migration.direction == "down":
                facts.add("down migration")
            if names and all(n in created_here for n in names):
                facts.add("table created earlier in the same file")
            elif names and all(n in created_here or n in created_before for n in names):
                facts.add("table created in an earlier migration of this project")
            elif names:
                facts.add("table not created in this project's migrations")
            if depth:
                facts.add("inside an explicit transaction")
            if st.kind == "TransactionStmt":
                kind = node.get("kind", "")
                if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
                    depth += 1
                elif kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
                    depth = max(depth - 1, 0)
            refs = {c.get("pktable", {}).get("relname") for c in _walk(node, "Constraint")
                    if c.get("contype") == "CONSTR_FOREIGN"}
            if st.kind == "CreateStmt" and refs and refs <= created_here:
                facts.add("references only tables created earlier in the same file")
            if st.kind in ("CreateStmt", "CreateTableAsStmt", "ViewStmt") and names:
                created_here.add(names[0])
            elif st.kind == "IndexStmt" and node.get("idxname") and names:
                index_table[node["idxname"]] = names[0]
            elif st.kind == "RenameStmt" and node.get("renameType") in (
                    "OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW") and names:
                if names[0] in created_here:
                    created_here.add(node["newname"])
                else:
                    created_before.add(node["newname"])
            start_line = lines.position(st.start)[0]
            end_line = lines.position(max(st.end, st.start))[0]
            stmts.append(Stmt(path, st.start, start_line, end_line,
                              migration.text[st.start:st.end], st.kind, frozenset(facts)))
        if migration.direction != "down":
            created_before |= created_here
        # Drop-and-recreate or swap: a name removed here is made again later in the file.
        made_later: set[str] = set()
        do_bodies_later: list[str] = []
        defaults_later: set[str] = set()
        constraints_later: set[str] = set()
        for st_obj, (kind, node) in reversed(list(zip(stmts, kinds_nodes))):
            extra = set()
            if _names_removed(kind, node) & made_later:
                extra.add("name created again later in the same file")
            if kind == "DropStmt" and node.get("removeType") == "OBJECT_EXTENSION" and any(
                    _creates_extension_in_do(later, name) for later in do_bodies_later
                    for name in _names_removed(kind, node)):
                extra.add("name created again later in the same file")
            if _dropped_defaults(kind, node) & defaults_later:
                extra.add("default set again later, or column added earlier, in the same file")
            if _constraint_tables(kind, node, "AT_DropConstraint") & constraints_later:
                extra.add("a constraint is added to the same table in the same file")
            st_obj.facts = st_obj.facts | extra
            made_later |= _names_made(kind, node)
            if kind == "DoStmt":
                do_bodies_later.append(st_obj.text)
            defaults_later |= _set_defaults(kind, node)
            constraints_later |= _constraint_tables(kind, node, "AT_AddConstraint")
        # Objects made earlier in the file (created, added or renamed to), and names freed.
        made_before: set[str] = set()
        removed_before: set[str] = set()
        constraints_before: set[str] = set()
        for st_obj, (kind, node) in zip(stmts, kinds_nodes):
            extra = set()
            targets = _names_removed(kind, node)
            if kind == "AlterEnumStmt":
                targets = {_last(node.get("typeName"))}
            elif kind == "RenameStmt" and node.get("renameType") == "OBJECT_TABCONSTRAINT":
                targets = {node.get("subname")}
            if targets & made_before:
                extra.add("object created earlier in the same file")
            if kind == "RenameStmt" and node.get("newname") in removed_before:
                extra.add("takes a name dropped earlier in the same file")
            if _dropped_defaults(kind, node) & made_before:
                extra.add("default set again later, or column added earlier, in the same file")
            if _constraint_tables(kind, node, "AT_DropConstraint") & constraints_before:
                extra.add("a constraint is added to the same table in the same file")
            st_obj.facts = st_obj.facts | extra
            made_before |= _names_made(kind, node)
            removed_before |= _names_removed(kind, node)
            constraints_before |= _constraint_tables(kind, node, "AT_AddConstraint")
        # A layout may split one file into several migrations (goose Up/Down sections):
        # statements are identified by their offset in the file.
        previous = files[path].statements if path in files else []
        files[path] = FileIndex(path, sorted(previous + stmts, key=lambda x: x.index))
    return files, paths


def check_inventory(squawk: str) -> list[str]:
    """The squawk rule ids of linter/docs/peers.py that this squawk binary does not know."""
    bad = []
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as fh:
        fh.write("SELECT 1;\n")
        fh.flush()
        for rule in PEERS["squawk"].rules:
            if rule.id == "unused-ignore":  # a meta rule: squawk accepts no selector for it
                continue
            out = subprocess.run([squawk, f"--exclude={rule.id}", fh.name],
                                 capture_output=True, text=True)
            if "invalid rule name" in out.stderr:
                bad.append(rule.id)
    return bad


def run_squawk(squawk: str, paths: list[str], in_tx: bool, include: list[str]) -> list[dict]:
    cmd = [squawk, "--reporter", "json", f"--pg-version={PG_VERSION}",
           "--no-error-on-unmatched-pattern"]
    if in_tx:
        cmd.append("--assume-in-transaction")
    if include:
        cmd.append("--include=" + ",".join(include))
    out = subprocess.run(cmd + paths, capture_output=True, text=True, cwd=ROOT)
    if out.returncode not in (0, 1, 3) and not out.stdout.strip():
        raise SystemExit(f"squawk failed ({out.returncode}): {out.stderr.strip()[:500]}")
    return json.loads(out.stdout or "[]")


def run_schemalint(project: Path, in_tx: bool) -> list[dict]:
    cmd = [sys.executable, "-m", "schemalint", "check", "--format", "json", "--select", "ALL",
           "--pg-version", PG_VERSION, "--fail-on", "never", str(project)]
    if in_tx:
        cmd.append("--assume-in-transaction")
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"schemalint failed ({out.returncode}): {out.stderr.strip()[:500]}")
    return json.loads(out.stdout)["diagnostics"]


@dataclass
class Tally:
    both: int = 0
    only_squawk: int = 0
    only_ours: int = 0
    sibling: int = 0  # only ours here, but squawk flags it under a sibling rule we also claim
    # (side, category) -> count, and one example statement per pair
    categories: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)

    @property
    def agreement(self) -> float | None:
        total = self.both + self.only_squawk + self.only_ours
        return self.both / total if total else None


# Facts that explain a disagreement, most telling first; a squawk rule may put its own first.
CATEGORY_ORDER = (
    "table created earlier in the same file",
    "down migration",
    "inside an explicit transaction",
    "table created in an earlier migration of this project",
    "table not created in this project's migrations",
)
BREAKING = ("ban-drop-column", "ban-drop-constraint", "ban-drop-database", "ban-drop-default",
            "ban-drop-domain", "ban-drop-function", "ban-drop-not-null", "ban-drop-schema",
            "ban-drop-sequence", "ban-drop-table", "ban-drop-type", "ban-drop-view",
            "ban-drop-extension", "ban-drop-index", "ban-drop-trigger", "renaming-column",
            "renaming-object", "renaming-table", "ban-set-schema", "ban-alter-identity",
            "ban-truncate-cascade")
# Facts that decide a disagreement whatever else is true of the statement.
SAME_FILE_BREAKING = ("down migration", "name created again later in the same file",
                      "object created earlier in the same file",
                      "takes a name dropped earlier in the same file")
RULE_FACTS_FIRST = {
    **{r: SAME_FILE_BREAKING for r in BREAKING},
    "ban-drop-default": SAME_FILE_BREAKING + (
        "default set again later, or column added earlier, in the same file",),
    "ban-drop-constraint": SAME_FILE_BREAKING + (
        "a constraint is added to the same table in the same file",),
    "constraint-missing-not-valid": ("UNIQUE or PRIMARY KEY constraint",
                                     "file opts out of the framework's transaction",
                                     "foreign key only on columns added without a DEFAULT",
                                     "column already NOT NULL"),
    "adding-foreign-key-constraint": ("foreign key only on columns added without a DEFAULT",),
    "adding-not-nullable-field": ("column already NOT NULL",),
    "require-concurrent-index-creation": ("CREATE INDEX ON ONLY (a partitioned table's parent index)",),
    "identifier-too-long": ("DROP statement",),
    "prefer-robust-stmts": ("file opts out of the framework's transaction",
                            "ALTER TABLE whose actions succeed again when re-run"),
    "ban-concurrent-index-creation-in-transaction": (
        "file opts out of the framework's transaction",),
    "transaction-nesting": ("file opts out of the framework's transaction",),
}
RULE_FACTS = {
    "adding-field-with-default": ("GENERATED ... STORED column", "identity column",
                                  "serial column"),
    "adding-required-field": ("serial column", "identity column", "GENERATED ... STORED column"),
    "ban-concurrent-index-creation-in-transaction": ("DROP INDEX CONCURRENTLY",
                                                     "only statement in the file"),
    "prefer-identity": ("serial column", "identity column"),
    "require-lock-timeout": ("CONCURRENTLY index build or drop",
                             "no lock that blocks reads or writes of an existing table",
                             "references only tables created earlier in the same file"),
    "require-statement-timeout": ("metadata-only statement (no scan, rewrite or index build)",
                                  "CONCURRENTLY index build or drop"),
    "changing-column-type": ("timestamp/timestamptz change after SET timezone = 'UTC'",
                             "down migration", "type change to text or varchar"),
}


SQUAWK_SYNTAX_ERROR = SQUAWK_SYNTAX_ERROR_FACT


def category(stmt: Stmt, rule: str, side: str = "squawk") -> str:
    if side == "schemalint" and SQUAWK_SYNTAX_ERROR in stmt.facts:
        return SQUAWK_SYNTAX_ERROR
    first = CATEGORY_ORDER[:1]  # same-file creation explains most
    for fact in (RULE_FACTS_FIRST.get(rule, ()) + first + RULE_FACTS.get(rule, ())
                 + CATEGORY_ORDER[1:]):
        if fact in stmt.facts:
            return fact
    return stmt.kind


def verdict(rule: str, side: str, cat: str) -> tuple[str, str]:
    if rule in BREAKING and side == "squawk" and cat in BREAKING_VERDICTS:
        return BREAKING_VERDICTS[cat]
    return (VERDICTS.get((rule, side, cat)) or VERDICTS.get((rule, side, "*"))
            or VERDICTS.get(("*", side, cat)) or ("unanalysed", "not analysed yet."))


def compare(corpus: Path, squawk: str, raw_dir: Path | None) -> tuple[dict, list[str], dict]:
    rules = catalog()
    ours_for: dict[str, set[str]] = defaultdict(set)  # squawk rule -> our rule names
    for r in rules:
        for sq in r.equivalents.get("squawk", ()):
            ours_for[sq].add(r.name)
    opt_in = {r.id for r in PEERS["squawk"].rules if not r.default_enabled}
    include = sorted(set(ours_for) & opt_in)
    tallies: dict[str, Tally] = {sq: Tally() for sq in sorted(ours_for)}
    notes: list[str] = []
    sizes: dict[str, tuple[int, int]] = {}
    for name, in_tx in PROJECTS.items():
        project = corpus / name
        if not project.is_dir():
            notes.append(f"`{name}`: absent from the corpus, skipped")
            continue
        files, paths = index_project(project)
        sizes[name] = (len(paths), sum(len(f.statements) for f in files.values()))
        sq = run_squawk(squawk, paths, in_tx, include)
        # A file squawk cannot parse gets no rule findings from it (goose files whose last
        # statement ends at `-- +goose StatementEnd` without a semicolon, for instance).
        unparsed = {os.path.abspath(d["file"]) for d in sq if d.get("rule_name") == "syntax-error"}
        for path in unparsed & set(files):
            for st in files[path].statements:
                st.facts = st.facts | {SQUAWK_SYNTAX_ERROR}
        ours = run_schemalint(project, in_tx)
        if raw_dir is not None:
            raw_dir.mkdir(parents=True, exist_ok=True)
            (raw_dir / f"{name}.squawk.json").write_text(json.dumps(sq, indent=1))
            (raw_dir / f"{name}.schemalint.json").write_text(json.dumps(ours, indent=1))
        # statement key -> set of rules flagging it, per side
        flagged_sq: dict[str, set] = defaultdict(set)
        flagged_ours: dict[str, set] = defaultdict(set)
        ours_at: dict[tuple, set] = defaultdict(set)  # statement -> our rules flagging it
        where: dict[tuple, Stmt] = {}  # (side, squawk rule, key) -> statement it points at
        unplaced = 0
        for d in sq:
            rule = d.get("rule_name")
            if rule not in tallies:
                continue
            fi = files.get(os.path.abspath(d["file"]))
            st = fi.at(d["line"] + 1) if fi else None  # squawk lines are 0-based
            if st is None:
                unplaced += 1
                continue
            key = st.path if rule in FILE_LEVEL else (st.path, st.index)
            flagged_sq[rule].add(key)
            where.setdefault(("squawk", rule, key), st)
        for d in ours:
            fi = files.get(os.path.abspath(os.path.join(ROOT, d["path"])))
            st = fi.at(d["line"]) if fi else None
            if st is None:
                continue
            ours_at[(st.path, st.index)].add(d["rule"])
            for sq_rule, names in ours_for.items():
                if d["rule"] in names:
                    key = st.path if sq_rule in FILE_LEVEL else (st.path, st.index)
                    flagged_ours[sq_rule].add(key)
                    where.setdefault(("schemalint", sq_rule, key), st)
        if unplaced:
            notes.append(f"`{name}`: {unplaced} squawk findings outside any statement ignored")
        by_key = {(s.path, s.index): s for f in files.values() for s in f.statements}
        for rule, tally in tallies.items():
            a, b = flagged_sq[rule], flagged_ours[rule]
            tally.both += len(a & b)
            for side, keys in (("squawk", a - b), ("schemalint", b - a)):
                for key in sorted(keys, key=str):
                    if side == "schemalint" and isinstance(key, tuple):
                        # One of our rules may cover several squawk rules (a UNIQUE and a
                        # PRIMARY KEY rule, say): when squawk flags this statement under
                        # another rule our flagging rule also claims, it is agreement there.
                        mine = ours_at[key] & ours_for[rule]
                        siblings = {sq for sq, names in ours_for.items()
                                    if sq != rule and names & mine}
                        if any(key in flagged_sq[sq] for sq in siblings):
                            tally.sibling += 1
                            continue
                    stmt = by_key[key] if isinstance(key, tuple) else where[(side, rule, key)]
                    if side == "squawk":
                        tally.only_squawk += 1
                    else:
                        tally.only_ours += 1
                    cat = category(stmt, rule, side)
                    tally.categories[(side, cat)] += 1
                    tally.examples.setdefault((side, cat), []).append((name, stmt))
    return tallies, notes, {"sizes": sizes, "ours_for": ours_for, "include": include}


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _short(text: str, limit: int = 160) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 3] + "..."


def report(corpus: Path, tallies: dict, notes: list[str], meta: dict, examples: int = 1) -> str:
    sizes, ours_for = meta["sizes"], meta["ours_for"]
    lines = [
        "# Agreement with squawk on real migrations",
        "",
        "Generated by `python bench/squawk_agreement.py` (do not edit by hand). It runs squawk "
        f"{SQUAWK_VERSION} (`--reporter json --pg-version {PG_VERSION}`, plus "
        "`--assume-in-transaction` for frameworks that wrap migrations in a transaction) and "
        f"`schemalint check --format json --select ALL --pg-version {PG_VERSION}` with the same "
        "transaction assumption over each project of the corpus, maps every finding to the "
        "statement it falls in, and compares, for every squawk rule a schemalint rule claims in "
        "its `equivalents`, which statements each tool flags. Rules squawk reports once per "
        "file (the timeouts) are compared per file. Agreement = both / (both + only squawk + "
        "only schemalint).",
        "",
        "## Corpus",
        "",
        "| project | in a transaction | files | statements |",
        "|---|---|---|---|",
    ]
    for name, (nfiles, nstmts) in sizes.items():
        lines.append(f"| {name} | {'yes' if PROJECTS[name] else 'no'} | {nfiles} | {nstmts} |")
    lines += [""] + [f"- {n}" for n in notes] + ([""] if notes else [])
    total = Tally()
    for t in tallies.values():
        total.both += t.both
        total.only_squawk += t.only_squawk
        total.only_ours += t.only_ours
        total.sibling += t.sibling
    lines += [
        "## Agreement per rule",
        "",
        "| squawk rule | schemalint rule(s) | both | only squawk | only schemalint | agreement |",
        "|---|---|---|---|---|---|",
    ]
    for rule, t in tallies.items():
        ours = ", ".join(sorted(ours_for[rule]))
        lines.append(f"| `{rule}` | {ours} | {t.both} | {t.only_squawk} | {t.only_ours} | "
                     f"{_pct(t.agreement)} |")
    lines.append(f"| **all** | | **{total.both}** | **{total.only_squawk}** | "
                 f"**{total.only_ours}** | **{_pct(total.agreement)}** |")
    verdicts: dict[str, Counter] = defaultdict(Counter)
    for rule, t in tallies.items():
        for (side, cat), n in t.categories.items():
            verdicts[rule][verdict(rule, side, cat)[0]] += n
    kinds = ("schemalint", "squawk", "scope", "assumption", "unanalysed")
    grand = Counter()
    for c in verdicts.values():
        grand.update(c)
    lines += [
        "",
        f"Not counted above: {total.sibling} statements only schemalint flags for one squawk "
        "rule that squawk flags under another rule the same schemalint rule claims (a PRIMARY "
        "KEY that squawk calls adding-serial-primary-key-field, say).",
        "",
        "## Who is right where they disagree",
        "",
        "Every disagreement falls in a category below with a verdict: *schemalint is right*, "
        "*squawk is right* (a schemalint miss, reported to the rule's owner), *different "
        "scope* (the rules do not cover the same hazard there), *assumption artefact* (of "
        "giving both tools one transaction assumption).",
        "",
        "| squawk rule | schemalint right | squawk right | different scope | assumption | "
        "not analysed |",
        "|---|---|---|---|---|---|",
    ]
    for rule, c in verdicts.items():
        if sum(c.values()):
            lines.append(f"| `{rule}` | " + " | ".join(str(c[k]) for k in kinds) + " |")
    lines.append("| **all** | " + " | ".join(f"**{grand[k]}**" for k in kinds) + " |")
    settled = total.both + grand["squawk"] + grand["unanalysed"]
    lines += [
        "",
        f"Setting aside the disagreements where schemalint is right, the scope differences and "
        f"the assumption artefacts, the two tools agree on {_pct(total.both / settled if settled else None)} "
        f"of the remaining statements ({total.both} of {settled}).",
    ]
    lines += ["", "## Disagreements", "",
              "Per rule and category: how many statements, who is right, and one example "
              "(project, file:line, statement).", ""]
    for rule, t in tallies.items():
        if not t.categories:
            continue
        lines += [f"### `{rule}`", ""]
        for (side, cat), n in sorted(t.categories.items(), key=lambda kv: (-kv[1], kv[0])):
            who = "only squawk" if side == "squawk" else "only schemalint"
            right, why = verdict(rule, side, cat)
            label = {"schemalint": "schemalint is right", "squawk": "squawk is right",
                     "scope": "different scope", "assumption": "assumption artefact",
                     "unanalysed": "not analysed"}[right]
            lines.append(f"- **{who}, {cat}** ({n}). *{label}*: {why}")
            for _project, stmt in t.examples[(side, cat)][:examples]:
                rel = os.path.relpath(stmt.path, corpus)
                facts = "; ".join(sorted(stmt.facts)) or "none"
                lines.append(f"  Example: `{rel}:{stmt.start_line}`: `{_short(stmt.text)}` "
                             f"(facts: {facts})")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", help="folder of projects (default: ../shared/corpus)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "squawk-agreement.md"))
    ap.add_argument("--examples", type=int, default=1,
                    help="examples shown per disagreement category (default 1)")
    ap.add_argument("--squawk", help="the squawk binary (default: next to this Python, else PATH)")
    ap.add_argument("--raw", default=str(ROOT / "bench" / "results" / "squawk-agreement"),
                    help="where to keep both tools' raw JSON ('' to skip)")
    args = ap.parse_args(argv)
    corpus = find_corpus(args.corpus)
    if corpus is None:
        print("corpus not found (looked for ../shared/corpus and /work/shared/corpus); "
              "nothing to compare", file=sys.stderr)
        return 0
    squawk = find_squawk(args.squawk)
    if squawk is None:
        print(f"squawk not found{' at ' + args.squawk if args.squawk else ''}: "
              f"pip install squawk-cli=={SQUAWK_VERSION}", file=sys.stderr)
        return 2
    version = subprocess.run([squawk, "--version"], capture_output=True, text=True).stdout
    if SQUAWK_VERSION not in version:
        print(f"warning: expected squawk {SQUAWK_VERSION}, found {version.strip()}",
              file=sys.stderr)
    unknown = check_inventory(squawk)
    if unknown:
        print(f"linter/docs/peers.py names squawk rules this squawk does not know: {unknown}",
              file=sys.stderr)
        return 1
    tallies, notes, meta = compare(corpus, squawk, Path(args.raw) if args.raw else None)
    text = report(corpus, tallies, notes, meta, args.examples)
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
