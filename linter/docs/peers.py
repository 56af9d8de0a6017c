"""What the other PostgreSQL migration linters check, as data.

For every rule of squawk, eugene, strong_migrations and pgfence: its id, one line on what it
flags, and, when no schemalint rule covers it, the reason it is deliberately not covered.
Which schemalint rule covers a peer rule is *not* stored here: each rule says so itself in
`Rule.equivalents` (one source of truth). `problems()` cross-checks the two, and
`docs/comparison.md` is rendered from both (`comparison_page`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from schemalint.diagnostics.rule import PEER_NAMES


@dataclass(frozen=True)
class PeerRule:
    id: str
    summary: str
    # Why no schemalint rule covers it ("" when one does: then a rule's equivalents name it).
    reason: str = ""
    default_enabled: bool = True
    # Differences worth knowing when a rule does cover it (scope, versions, false positives).
    note: str = ""


@dataclass(frozen=True)
class Peer:
    key: str
    title: str
    version: str
    source: str
    rules: tuple[PeerRule, ...]


def _r(id: str, summary: str, reason: str = "", *, off: bool = False, note: str = "") -> PeerRule:
    return PeerRule(id, summary, reason, not off, note)


# --- shared reasons ----------------------------------------------------------------------
RAILS = "Rails-specific: "
APP_ROLLBACK = ("squawk opt-in rule for application-rollback compatibility: it bans a forward-"
                "compatible change so an older application build keeps working; not a lock, "
                "rewrite or breaking-change hazard for the deployed code")
SECURITY = ("roles, grants and row-level-security policies are access control, reviewed by "
            "other means; schemalint checks locking, breaking changes and schema design")
SAFE_INFO = ("reports an operation that is safe (pgfence LOW risk, informational); schemalint "
             "stays silent on safe statements")
RUNNER_SETTING = ("a connection setting of the migration runner, not of each migration file; "
                  "it does not change what a statement locks or breaks")
MYSQL = "MySQL/MariaDB only; schemalint targets PostgreSQL"
PG_REJECTS = "PostgreSQL itself rejects the statement"

SQUAWK = Peer(
    key="squawk",
    title="squawk",
    version="2.70.0",
    source="`pip install squawk-cli==2.70.0`; names validated with `squawk --exclude=<name>`, "
           "defaults from squawk's rule registry",
    rules=(
        _r("adding-field-with-default", "ADD COLUMN with a default that rewrites the table "
           "(volatile default; any default before PG 11)."),
        _r("adding-foreign-key-constraint", "Foreign key added without NOT VALID."),
        _r("adding-not-nullable-field", "ALTER COLUMN ... SET NOT NULL on an existing column."),
        _r("adding-required-field", "ADD COLUMN ... NOT NULL without a default."),
        _r("adding-serial-primary-key-field", "ADD PRIMARY KEY (or a serial primary key column) "
           "on an existing table, building the index under ACCESS EXCLUSIVE."),
        _r("ban-alter-domain-with-add-constraint", "ALTER DOMAIN ... ADD CONSTRAINT."),
        _r("ban-char-field", "char(n) / character columns."),
        _r("ban-concurrent-index-creation-in-transaction",
           "CREATE INDEX CONCURRENTLY inside a transaction block."),
        _r("ban-create-domain-with-constraint", "CREATE DOMAIN with a CHECK constraint."),
        _r("ban-drop-column", "ALTER TABLE ... DROP COLUMN."),
        _r("ban-drop-constraint", "ALTER TABLE ... DROP CONSTRAINT."),
        _r("ban-drop-database", "DROP DATABASE."),
        _r("ban-drop-default", "ALTER COLUMN ... DROP DEFAULT."),
        _r("ban-drop-domain", "DROP DOMAIN."),
        _r("ban-drop-extension", "DROP EXTENSION."),
        _r("ban-drop-function", "DROP FUNCTION / PROCEDURE / ROUTINE."),
        _r("ban-drop-generated-expression", "ALTER COLUMN ... DROP EXPRESSION."),
        _r("ban-drop-not-null", "ALTER COLUMN ... DROP NOT NULL."),
        _r("ban-drop-schema", "DROP SCHEMA."),
        _r("ban-drop-sequence", "DROP SEQUENCE."),
        _r("ban-drop-table", "DROP TABLE."),
        _r("ban-drop-type", "DROP TYPE."),
        _r("ban-drop-view", "DROP VIEW / MATERIALIZED VIEW."),
        _r("ban-duplicate-column-assignments", "UPDATE/INSERT assigning the same column twice.",
           PG_REJECTS + " (ERROR: multiple assignments to same column); schemalint reports it "
           "as parse-error only when the grammar rejects it, and this one fails at analysis"),
        _r("ban-set-schema", "ALTER ... SET SCHEMA."),
        _r("ban-alter-identity", "ALTER COLUMN ... ADD/SET/DROP IDENTITY."),
        _r("ban-truncate-cascade", "TRUNCATE ... CASCADE."),
        _r("ban-uncommitted-transaction", "BEGIN without a matching COMMIT."),
        _r("changing-column-type", "ALTER COLUMN ... TYPE (every type change)."),
        _r("constraint-missing-not-valid", "CHECK/FOREIGN KEY added without NOT VALID, or "
           "validated in the transaction that added it."),
        _r("disallowed-unique-constraint", "ADD UNIQUE constraint not USING INDEX."),
        _r("identifier-too-long", "Identifier longer than 63 bytes (silently truncated)."),
        _r("prefer-bigint-over-int", "int / integer / serial columns.",
           note="schemalint flags int only on primary and foreign key columns, where running "
                "out of values stops inserts; a count or a flag in an int is fine."),
        _r("prefer-bigint-over-smallint", "smallint / smallserial columns.",
           note="schemalint flags smallint only on primary and foreign key columns."),
        _r("prefer-identity", "serial / bigserial instead of GENERATED ... AS IDENTITY."),
        _r("prefer-repack", "VACUUM FULL / CLUSTER (fires on --pg-version 19+ only, where "
           "REPACK CONCURRENTLY exists)."),
        _r("prefer-robust-stmts", "CREATE/DROP/ADD without IF [NOT] EXISTS, or DDL outside a "
           "transaction, so a half-applied migration cannot be re-run."),
        _r("prefer-text-field", "varchar(n) columns."),
        _r("prefer-timestamp-tz", "timestamp without time zone (alias prefer-timestamptz)."),
        _r("renaming-column", "ALTER TABLE ... RENAME COLUMN."),
        _r("renaming-object", "RENAME of any other object (index, view, function, type, ...)."),
        _r("renaming-table", "ALTER TABLE ... RENAME TO."),
        _r("require-concurrent-index-creation", "CREATE INDEX without CONCURRENTLY."),
        _r("require-concurrent-index-deletion", "DROP INDEX without CONCURRENTLY."),
        _r("require-concurrent-partition-detach", "DETACH PARTITION without CONCURRENTLY."),
        _r("require-concurrent-reindex", "REINDEX without CONCURRENTLY."),
        _r("require-enum-value-ordering", "ALTER TYPE ... ADD VALUE without BEFORE/AFTER.",
           "style preference: appending an enum value is the usual intent and takes no "
           "dangerous lock; the position only matters to ORDER BY on the enum"),
        _r("require-lock-timeout", "No lock_timeout set before a statement taking a "
           "blocking lock."),
        _r("require-statement-timeout", "No statement_timeout set before a slow statement."),
        _r("transaction-nesting", "BEGIN inside a transaction, or COMMIT/ROLLBACK of the "
           "migration tool's transaction.",
           note="schemalint reports a ROLLBACK of the tool's transaction (it discards the "
                "file's work) but not a COMMIT of it: `COMMIT; ...; BEGIN;` steps out of the "
                "transaction on purpose."),
        _r("unused-ignore", "A squawk-ignore comment that suppresses nothing."),
        # Opt-in rules (squawk's is_opt_in list).
        _r("require-table-schema", "Table name without a schema qualifier.", off=True),
        _r("ban-drop-trigger", "DROP TRIGGER.", APP_ROLLBACK, off=True),
        _r("ban-alter-generated-expression", "ALTER COLUMN ... SET EXPRESSION.", APP_ROLLBACK,
           off=True),
        _r("ban-drop-index", "DROP INDEX (even CONCURRENTLY).", "dropping an index breaks no "
           "query, it can only make some slower; its lock is what drop-index-non-concurrently "
           "checks", off=True),
        _r("ban-set-default", "ALTER COLUMN ... SET DEFAULT.", APP_ROLLBACK, off=True),
        _r("ban-disable-trigger", "ALTER TABLE ... DISABLE/ENABLE TRIGGER or RULE.",
           APP_ROLLBACK, off=True),
        _r("ban-replica-identity", "ALTER TABLE ... REPLICA IDENTITY.", APP_ROLLBACK,
           off=True),
        _r("ban-drop-policy", "DROP POLICY.", SECURITY, off=True),
        _r("ban-revoke", "REVOKE, or removing a role from a group.", SECURITY, off=True),
        _r("ban-replace-view-function", "CREATE OR REPLACE VIEW / FUNCTION.", APP_ROLLBACK,
           off=True),
        _r("ban-alter-policy-condition", "ALTER POLICY ... USING/WITH CHECK.", SECURITY,
           off=True),
        _r("ban-alter-policy-roles", "ALTER POLICY ... TO roles.", SECURITY, off=True),
        _r("ban-create-policy", "CREATE POLICY.", SECURITY, off=True),
        _r("ban-alter-function-options", "ALTER FUNCTION/PROCEDURE options (volatility, "
           "security, settings).", APP_ROLLBACK, off=True),
        _r("ban-alter-view-options", "ALTER VIEW ... SET/RESET options.", APP_ROLLBACK,
           off=True),
        _r("ban-alter-role-options", "ALTER ROLE/USER options.", SECURITY, off=True),
        _r("ban-alter-database-options", "ALTER DATABASE ... SET / options.", APP_ROLLBACK,
           off=True),
        _r("ban-alter-row-level-security", "ALTER TABLE ... ENABLE/DISABLE/FORCE ROW LEVEL "
           "SECURITY.", SECURITY, off=True),
        _r("ban-new-write-restriction", "Any new constraint or SET NOT NULL that can reject "
           "writes from older clients, even NOT VALID.", APP_ROLLBACK, off=True),
        _r("ban-add-enum-value", "ALTER TYPE ... ADD VALUE.", APP_ROLLBACK, off=True),
        _r("ban-add-composite-attribute", "ALTER TYPE ... ADD ATTRIBUTE.", APP_ROLLBACK,
           off=True),
        _r("ban-add-column", "ALTER TABLE ... ADD COLUMN on an existing table.", APP_ROLLBACK,
           off=True),
        _r("ban-detach-inheritance", "ALTER TABLE ... NO INHERIT / DETACH PARTITION.",
           APP_ROLLBACK, off=True),
        _r("ban-alter-sequence-values", "ALTER SEQUENCE / setval changing sequence values.",
           APP_ROLLBACK, off=True),
        _r("ban-alter-system-options", "ALTER SYSTEM.", "server configuration, not schema: "
           "ALTER SYSTEM cannot even run inside a transaction block", off=True),
        _r("ban-alter-extension", "ALTER EXTENSION (UPDATE, SET SCHEMA, ADD/DROP member).",
           APP_ROLLBACK, off=True),
    ),
)

EUGENE = Peer(
    key="eugene",
    title="eugene",
    version="0.8",
    source="eugene's hint registry (`eugene hints`): E1-E11, W12-W14, E15",
    rules=(
        _r("E1", "Validating table with a new constraint: constraint added without NOT VALID."),
        _r("E2", "Validating table with a new NOT NULL column: SET NOT NULL on an existing "
           "column."),
        _r("E3", "A new json column (use jsonb)."),
        _r("E4", "Running more statements after taking an ACCESS EXCLUSIVE lock in the same "
           "transaction."),
        _r("E5", "Type change requiring a table rewrite."),
        _r("E6", "CREATE INDEX without CONCURRENTLY on an existing table."),
        _r("E7", "New unique constraint building its index under the table lock."),
        _r("E8", "New exclusion constraint on an existing table."),
        _r("E9", "Dangerous lock taken without a lock_timeout."),
        _r("E10", "Table or index rewritten while holding a dangerous lock (trace only)."),
        _r("E11", "ADD COLUMN that is SERIAL or GENERATED ... STORED (table rewrite)."),
        _r("W12", "Several ALTER TABLE statements on one table where one would do."),
        _r("W13", "CREATE TYPE ... AS ENUM."),
        _r("W14", "ADD PRIMARY KEY USING INDEX on columns that are not yet NOT NULL."),
        _r("E15", "Foreign key without an index on the referencing columns."),
    ),
)

STRONG_MIGRATIONS = Peer(
    key="strong_migrations",
    title="strong_migrations",
    version="2.x",
    source="the gem's check keys (`StrongMigrations.error_messages`) and README sections",
    rules=(
        _r("remove_column", "remove_column (DROP COLUMN) while Active Record caches columns."),
        _r("add_column_default", "Column with a default that rewrites the table "
           "(any default before PG 11, volatile after)."),
        _r("add_column_default_callable", "Column default given as a Ruby callable it "
           "cannot inspect.",
           note="In SQL the default expression is visible: schemalint checks its volatility."),
        _r("add_column_json", "New json column (use jsonb)."),
        _r("add_column_generated_stored", "New GENERATED ... STORED column (rewrite)."),
        _r("add_column_auto_incrementing", "New serial / identity column (rewrite)."),
        _r("backfill", "Backfilling data in the migration's transaction, in one statement "
           "(README: backfilling data)."),
        _r("change_column", "Changing a column's type (rewrite), except the safe changes "
           "it lists."),
        _r("change_column_with_not_null", "change_column with null: false sets NOT NULL.",
           note="The SQL it emits is ALTER COLUMN ... SET NOT NULL."),
        _r("change_column_constraint", "Changing the type of a column that has CHECK "
           "constraints, which are re-validated under the lock.",
           "schemalint flags the type change itself when it rewrites; when it does not, "
           "the re-check of CHECK constraints is a scan, not a rewrite, and the schema model "
           "does not yet link CHECK expressions to columns"),
        _r("rename_column", "Renaming a column that is in use."),
        _r("rename_table", "Renaming a table that is in use."),
        _r("rename_schema", "Renaming a schema that is in use."),
        _r("create_table", "create_table with force: true, which drops an existing table.",
           note="Its SQL is DROP TABLE followed by CREATE TABLE."),
        _r("change_table", "change_table block it cannot inspect.",
           RAILS + "a Ruby block strong_migrations cannot see into; schemalint reads the "
           "SQL itself"),
        _r("execute", "Raw SQL through execute, which it cannot inspect.",
           RAILS + "schemalint lints raw SQL directly"),
        _r("change_column_default", "change_column_default with Active Record partial "
           "writes enabled.", RAILS + "about Active Record's partial inserts, not the SQL"),
        _r("change_column_null", "change_column_null with a default value runs one big "
           "UPDATE.",
           note="The SQL it emits is an UPDATE without WHERE."),
        _r("change_column_null_postgresql", "Setting NOT NULL on an existing column."),
        _r("change_column_null_mysql", "Setting NOT NULL without strict mode.", MYSQL),
        _r("add_reference", "add_reference / add_belongs_to: a column plus a non-concurrent "
           "index (and optionally a validated foreign key)."),
        _r("add_index", "Adding an index non-concurrently."),
        _r("remove_index", "Removing an index non-concurrently.", off=True),
        _r("add_index_columns", "Non-unique index with more than three columns."),
        _r("add_index_corruption", "CREATE INDEX CONCURRENTLY on PostgreSQL 14.0-14.3."),
        _r("add_foreign_key", "Foreign key validated while it is added."),
        _r("validate_foreign_key", "Validating a foreign key in the transaction that "
           "added it."),
        _r("add_check_constraint", "CHECK constraint validated while it is added."),
        _r("add_check_constraint_mysql", "CHECK constraint on MySQL/MariaDB.", MYSQL),
        _r("validate_check_constraint", "Validating a check constraint in the transaction "
           "that added it."),
        _r("add_exclusion_constraint", "Exclusion constraint on an existing table."),
        _r("add_unique_constraint", "Unique constraint building its index under the lock."),
    ),
)

PGFENCE = Peer(
    key="pgfence",
    title="pgfence",
    version="0.1.5",
    source="`npm install @flvmnt/pgfence@0.1.5`; rule ids from its `src/rules/*.ts`",
    rules=(
        _r("add-column-constant-default", "ADD COLUMN with a constant default (safe on "
           "PG 11+).", SAFE_INFO),
        _r("add-column-default-pre-pg11", "ADD COLUMN with any default before PG 11."),
        _r("add-column-non-constant-default", "ADD COLUMN with a non-constant default.",
           note="pgfence treats every non-constant default as a rewrite; only VOLATILE ones "
                "rewrite (now() is STABLE and is evaluated once), so schemalint flags fewer."),
        _r("add-column-json", "ADD COLUMN of type json."),
        _r("add-column-not-null-no-default", "ADD COLUMN NOT NULL without a default."),
        _r("add-column-serial", "ADD COLUMN of a serial type."),
        _r("add-column-stored-generated", "ADD COLUMN GENERATED ... STORED."),
        _r("add-constraint-check-no-not-valid", "ADD CHECK without NOT VALID."),
        _r("add-constraint-exclude", "ADD EXCLUDE constraint."),
        _r("add-constraint-fk-no-not-valid", "ADD FOREIGN KEY without NOT VALID.",
           note="pgfence says ACCESS EXCLUSIVE; PostgreSQL takes SHARE ROW EXCLUSIVE on "
                "both tables."),
        _r("add-constraint-unique", "ADD UNIQUE not USING INDEX."),
        _r("add-constraint-unique-using-index", "ADD UNIQUE ... USING INDEX.", SAFE_INFO),
        _r("add-pk-using-index", "ADD PRIMARY KEY ... USING INDEX.", SAFE_INFO),
        _r("add-pk-without-using-index", "ADD PRIMARY KEY not USING INDEX."),
        _r("alter-column-set-not-null", "ALTER COLUMN ... SET NOT NULL."),
        _r("alter-column-type", "ALTER COLUMN ... TYPE, graded by the target type."),
        _r("concurrent-in-transaction", "CREATE INDEX CONCURRENTLY inside BEGIN ... COMMIT."),
        _r("create-index-not-concurrent", "CREATE INDEX without CONCURRENTLY."),
        _r("delete-without-where", "DELETE without WHERE."),
        _r("drop-column", "ALTER TABLE ... DROP COLUMN."),
        _r("drop-index-not-concurrent", "DROP INDEX without CONCURRENTLY."),
        _r("drop-table", "DROP TABLE."),
        _r("missing-application-name", "No SET application_name in the migration.",
           RUNNER_SETTING),
        _r("missing-idle-timeout", "No SET idle_in_transaction_session_timeout in the "
           "migration.", RUNNER_SETTING),
        _r("missing-lock-timeout", "No SET lock_timeout in the migration."),
        _r("missing-statement-timeout", "No SET statement_timeout in the migration."),
        _r("not-valid-validate-same-tx", "NOT VALID constraint validated in the same "
           "transaction."),
        _r("prefer-bigint-over-int", "int / smallint columns."),
        _r("prefer-robust-create-index", "CREATE INDEX without IF NOT EXISTS."),
        _r("prefer-robust-create-table", "CREATE TABLE without IF NOT EXISTS."),
        _r("prefer-robust-drop-index", "DROP INDEX without IF EXISTS."),
        _r("prefer-robust-drop-table", "DROP TABLE without IF EXISTS."),
        _r("prefer-text-field", "varchar(n) columns."),
        _r("prefer-timestamptz", "timestamp without time zone."),
        _r("rename-column", "RENAME COLUMN."),
        _r("rename-table", "ALTER TABLE ... RENAME TO."),
        _r("statement-after-access-exclusive", "More statements after an ACCESS EXCLUSIVE "
           "lock in the same transaction."),
        _r("truncate", "TRUNCATE."),
        _r("truncate-cascade", "TRUNCATE ... CASCADE."),
        _r("update-in-migration", "UPDATE without WHERE in a migration."),
        _r("vacuum-full", "VACUUM FULL."),
        _r("validate-constraint", "VALIDATE CONSTRAINT (non-blocking).", SAFE_INFO),
    ),
)

PEERS: dict[str, Peer] = {p.key: p for p in (SQUAWK, EUGENE, STRONG_MIGRATIONS, PGFENCE)}
assert tuple(PEERS) == PEER_NAMES

# Peer rules no schemalint rule covers yet, and that should be covered (issue 3): listed
# so the gap is visible in docs/comparison.md. A rule that covers one names it in its
# `equivalents`; the entry then no longer counts as a gap and should be deleted here.
GAPS: dict[str, frozenset[str]] = {
    "squawk": frozenset(),
    "eugene": frozenset(),
    "strong_migrations": frozenset(),
    "pgfence": frozenset(),
}


def peer_rule(peer: str, rule_id: str) -> PeerRule | None:
    for r in PEERS[peer].rules:
        if r.id == rule_id:
            return r
    return None


def coverage(rules: Iterable) -> dict[tuple[str, str], list]:
    """(peer, peer rule id) -> the schemalint rules whose equivalents name it."""
    out: dict[tuple[str, str], list] = {}
    for rule in rules:
        for peer, ids in rule.equivalents.items():
            for rid in ids:
                out.setdefault((peer, rid), []).append(rule)
    return out


def is_gap(peer: str, rule_id: str) -> bool:
    return rule_id in GAPS.get(peer, ())


def problems(rules: Iterable) -> list[str]:
    """Everything that makes the comparison dishonest: a peer rule neither covered nor given
    a reason nor listed as a gap; one covered that still carries a reason; an equivalents
    entry naming an unknown peer or peer rule; a gap naming an unknown peer rule."""
    rules = tuple(rules)
    out = []
    covered = coverage(rules)
    for peer, rid in covered:
        names = ", ".join(r.name for r in covered[(peer, rid)])
        if peer not in PEERS:
            out.append(f"unknown peer {peer!r} in equivalents of {names}")
        elif peer_rule(peer, rid) is None:
            out.append(f"{peer} has no rule {rid!r} (named in equivalents of {names})")
    for peer, ids in GAPS.items():
        out += [f"GAPS names unknown {peer} rule {rid!r}" for rid in sorted(ids)
                if peer not in PEERS or peer_rule(peer, rid) is None]
    for peer in PEERS.values():
        seen = set()
        for r in peer.rules:
            if r.id in seen:
                out.append(f"{peer.key} rule {r.id!r} is listed twice")
            seen.add(r.id)
            by = covered.get((peer.key, r.id))
            if by and r.reason:
                out.append(f"{peer.key} rule {r.id!r} is covered by "
                           f"{', '.join(x.name for x in by)} but also has a reason")
            if r.reason and is_gap(peer.key, r.id):
                out.append(f"{peer.key} rule {r.id!r} has a reason but is listed in GAPS")
            if not by and not r.reason and not is_gap(peer.key, r.id):
                out.append(f"{peer.key} rule {r.id!r} is unaccounted for: no schemalint rule "
                           "names it in equivalents, it has no reason and is not in GAPS")
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def comparison_page(rules: Iterable) -> str:
    rules = tuple(rules)
    covered = coverage(rules)
    lines = [
        "# schemalint compared with other PostgreSQL migration linters",
        "",
        "Generated by `python -m schemalint.docs` from the peer inventories in "
        "`linter/docs/peers.py` and each rule's `equivalents` metadata (also in "
        "`schemalint rules --format json`). Every rule of squawk, eugene, strong_migrations "
        "and pgfence is listed with the schemalint rule that covers it, or the reason it is "
        "deliberately not covered, or marked as a gap still to close; a test fails when one "
        "is unaccounted for. How often schemalint and squawk agree on real migrations is "
        "measured in [squawk-agreement.md](squawk-agreement.md).",
        "",
        "| peer | version | rules | covered | not covered, with a reason | gaps |",
        "|---|---|---|---|---|---|",
    ]
    for peer in PEERS.values():
        n_cov = sum(1 for r in peer.rules if (peer.key, r.id) in covered)
        n_gap = sum(1 for r in peer.rules
                    if (peer.key, r.id) not in covered and is_gap(peer.key, r.id))
        lines.append(f"| {peer.title} | {peer.version} | {len(peer.rules)} | {n_cov} | "
                     f"{len(peer.rules) - n_cov - n_gap} | {n_gap} |")
    lines.append("")
    for peer in PEERS.values():
        lines += [f"## {peer.title} {peer.version}", "", f"Source: {peer.source}.", "",
                  "| rule | default | what it flags | schemalint |", "|---|---|---|---|"]
        for r in sorted(peer.rules, key=lambda r: (not r.default_enabled, r.id)):
            by = covered.get((peer.key, r.id))
            if by:
                verdict = ", ".join(f"[{x.name}](rules/{x.name}.md) ({x.code})" for x in by)
            elif is_gap(peer.key, r.id):
                verdict = "**gap**: not covered yet"
            else:
                verdict = f"not covered: {r.reason}"
            if r.note:
                verdict += f". {r.note}"
            lines.append(f"| `{r.id}` | {'on' if r.default_enabled else 'opt-in'} | "
                         f"{_cell(r.summary)} | {_cell(verdict)} |")
        lines.append("")
    alone = [r for r in sorted(rules, key=lambda r: r.code)
             if r.category != "engine" and not any(r.equivalents.get(p) for p in PEERS)]
    lines += ["## Rules no peer has", "",
              "The schemalint rules (engine findings aside) that no rule of the peers above "
              "covers (their `equivalents` name none). The `extensions` rules read migrations of pgvector, TimescaleDB and "
              "PostGIS projects, which none of the peers has rules for.", "",
              "| rule | category | summary |", "|---|---|---|"]
    lines += [f"| [{r.name}](rules/{r.name}.md) ({r.code}) | {r.category} | {_cell(r.summary)} |"
              for r in alone]
    lines.append("")
    return "\n".join(lines)
