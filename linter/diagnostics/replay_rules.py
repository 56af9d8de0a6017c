"""Replay findings (6xx): documented like rules, produced from what the server did.

They are not statement checks: `findings.findings(report, options)` produces them from a
replay, with the same Diagnostic type and reporters as the static rules. `REPLAY_RULES` also
holds the query-plan gate's (8xx, `query_rules`), which replay produces too."""

from __future__ import annotations

from schemalint.diagnostics import Severity
from schemalint.diagnostics.query_rules import QUERY_RULES
from schemalint.diagnostics.rule import Rule

LONG_BLOCKING_LOCK = Rule(
    code="SL601", name="long-blocking-lock", category="replay", severity=Severity.ERROR,
    summary="Replay saw a lock that blocks reads or writes on an existing table held longer "
            "than the threshold.",
    why="While the lock is held, every query that needs a conflicting lock on the table waits, "
        "and queues behind it. Replay measures the hold time from the statement's start to the "
        "end of its transaction, on the seeded rows (`--rows`), or extrapolated to production "
        "row counts (`--stats`, a linear estimate). The threshold is `--lock-threshold-ms` "
        "(`lock_threshold_ms` in the replay configuration), 1000 ms by default.",
    instead="Use the non-blocking variant (CONCURRENTLY, NOT VALID then VALIDATE, a new column "
            "filled in batches), or move slow statements out of the transaction that holds the lock.",
    ok_when="The table was created in the same migration file, or the lock blocks neither reads "
            "nor writes (SHARE UPDATE EXCLUSIVE).",
    bad=(), good=(),
)
TABLE_REWRITE = Rule(
    code="SL602", name="table-rewrite", category="replay", severity=Severity.WARNING,
    summary="Replay saw this statement rewrite an existing table (its relfilenode changed).",
    why="A rewrite copies every row and rebuilds every index under ACCESS EXCLUSIVE: reads and "
        "writes wait for the whole copy, and the table needs twice its disk space meanwhile.",
    instead="Avoid the rewrite: a non-volatile default, a binary-compatible type change "
            "(e.g. varchar(n) to a larger n or text), or a new column backfilled in batches.",
    ok_when="The table was created in the same migration file.",
    bad=(), good=(),
)
BLOCKING_LOCK_WITHOUT_TIMEOUT = Rule(
    code="SL603", name="blocking-lock-without-timeout", category="replay",
    severity=Severity.WARNING,
    summary="Replay saw a lock that blocks reads or writes on an existing table taken with "
            "no lock_timeout.",
    why="If another session holds a conflicting lock (a long query, an idle transaction), the "
        "statement waits for it, and every later query on the table queues behind the "
        "statement's pending lock: an outage with no error.",
    instead="`SET lock_timeout = '2s';` before the statement (and retry the migration when it "
            "times out).",
    ok_when="The table was created in the same migration file.",
    bad=(), good=(),
)
MIGRATION_FAILED = Rule(
    code="SL604", name="migration-failed", category="replay", severity=Severity.ERROR,
    summary="The statement failed when replayed on a real PostgreSQL server.",
    why="The migration cannot be applied as written (or exceeded the replay's statement or "
        "overall timeout). The statements after it were not run.",
    instead="Fix the statement; the error is PostgreSQL's own.",
    bad=(), good=(),
)
FOREIGN_KEY_UNINDEXED = Rule(
    code="SL605", name="foreign-key-left-unindexed", category="replay", severity=Severity.WARNING,
    summary="After this migration, a foreign key's columns lead no index on the server.",
    why="Deleting or updating a referenced row scans the referencing table under a lock, and "
        "joins on the key cannot use an index. Replay checks the real catalog after every "
        "migration, not only the last.",
    instead="Create an index whose leading columns are the foreign key's columns "
            "(CONCURRENTLY on an existing table), in the same or the next migration.",
    bad=(), good=(),
)
ROUNDTRIP_DIFFERENCE = Rule(
    code="SL606", name="down-migration-mismatch", category="replay", severity=Severity.ERROR,
    summary="Applying up then down does not restore the schema (or up fails after down).",
    why="`--roundtrip` snapshots the catalog before up and after down: a difference means the "
        "down migration cannot undo the up migration, so a rollback would leave a schema the "
        "application was never tested against.",
    instead="Make the down migration drop or restore exactly what the up migration changed.",
    bad=(), good=(),
)

SKIPPED_CLUSTER_STATEMENT = Rule(
    code="SL607", name="replay-skipped-cluster-statement", category="replay", severity=Severity.INFO,
    summary="Replay did not send this statement: its effect reaches beyond replay's scratch "
            "database.",
    why="With `--dsn`, replay works on a server that other databases and users share. It creates "
        "a scratch database and a scratch role that owns only that database, and runs every "
        "migration as that role. Statements that act on the server as a whole are not sent at "
        "all: CREATE/ALTER/DROP DATABASE, ALTER SYSTEM, CREATE/ALTER/DROP ROLE and role "
        "membership, REASSIGN/DROP OWNED, tablespaces, subscriptions, LOAD, CHECKPOINT, COPY to or "
        "from a program or a server file, SET SESSION AUTHORIZATION, SET ROLE to a role "
        "replay did not create, privileges, comments and owners of databases, roles and tablespaces, "
        "administration functions (pg_terminate_backend, pg_read_file, lo_import, dblink, "
        "replication slots, ...), and psql's `\\connect`, which replay cannot follow. The rest of "
        "the migration is replayed; what these statements would have done is not measured.",
    instead="Nothing to change when the statement is meant to run once per server. Declare the "
            "roles later statements grant to or own objects as in the replay configuration "
            "(`roles: [app_owner, readonly]`): replay creates those that do not exist, for the run "
            "only. To replay everything, use the `local` or `docker` backend, whose server is "
            "replay's own.",
    bad=(), good=(),
)

REPLAY_RULES = (LONG_BLOCKING_LOCK, TABLE_REWRITE, BLOCKING_LOCK_WITHOUT_TIMEOUT,
                MIGRATION_FAILED, FOREIGN_KEY_UNINDEXED, ROUNDTRIP_DIFFERENCE,
                SKIPPED_CLUSTER_STATEMENT, *QUERY_RULES)
