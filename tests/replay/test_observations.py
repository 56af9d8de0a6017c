"""What replay observes on a real server: locks, rewrites, blocking, changes, failures."""

from __future__ import annotations

from tests.replay.conftest import locks_on, statement

SETUP = """
CREATE TABLE items (id int PRIMARY KEY, name varchar(10) NOT NULL, price int);
"""


def test_volatile_default_rewrites_under_access_exclusive(run):
    report = run(SETUP, "ALTER TABLE items ADD COLUMN token uuid DEFAULT gen_random_uuid();", rows=500)
    t = statement(report, "gen_random_uuid")
    assert t.status == "ok"
    assert "ACCESS EXCLUSIVE" in locks_on(t, "items")
    assert "items" in [r.name for r in t.rewrites if r.kind == "table"]
    assert [c.describe() for c in t.changes] == [
        "added column token on items: uuid DEFAULT gen_random_uuid()"]
    assert "table-rewrite" in {d.rule for d in report.diagnostics}


def test_stable_default_does_not_rewrite(run):
    report = run(SETUP, "ALTER TABLE items ADD COLUMN added_at timestamptz DEFAULT now();", rows=500)
    t = statement(report, "now()")
    assert "ACCESS EXCLUSIVE" in locks_on(t, "items")
    assert t.rewrites == []
    assert "table-rewrite" not in {d.rule for d in report.diagnostics}


def test_create_index_takes_share(run):
    report = run(SETUP, "CREATE INDEX items_name ON items (name);", rows=500, probe=True)
    t = statement(report, "CREATE INDEX")
    assert locks_on(t, "items") == {"SHARE"}
    lock = next(lk for lk in t.locks if lk.relation.name == "items")
    assert lock.blocks == ("writes", "ddl")
    # Observed by a second session while the lock was held: reads pass, writes wait.
    assert lock.observed == {"reads": False, "writes": True}
    new = next(lk for lk in t.locks if lk.relation.name == "items_name")
    assert new.pre_existing is False and new.relation.kind == "index"


def test_create_index_concurrently_observed_outside_transaction(run):
    report = run(SETUP, "CREATE INDEX CONCURRENTLY items_price ON items (price);", rows=20000,
                 probe=True)
    t = statement(report, "CONCURRENTLY")
    assert t.status == "ok" and t.in_transaction is False
    assert "SHARE UPDATE EXCLUSIVE" in locks_on(t, "items")
    assert "SHARE" not in locks_on(t, "items")
    assert [c.name for c in t.changes if c.object == "index"] == ["items_price"]


def test_probe_sees_reads_blocked_under_access_exclusive(run):
    report = run(SETUP, "ALTER TABLE items ADD COLUMN note text;", probe=True)
    t = statement(report, "ADD COLUMN note")
    lock = next(lk for lk in t.locks if lk.relation.name == "items")
    assert lock.mode == "ACCESS EXCLUSIVE"
    assert lock.observed == {"reads": True, "writes": True}


def test_int_to_bigint_rewrites_varchar_widening_does_not(run):
    report = run(SETUP, "ALTER TABLE items ALTER COLUMN price TYPE bigint;\n"
                        "ALTER TABLE items ALTER COLUMN name TYPE varchar(20);", rows=500)
    bigint = statement(report, "bigint")
    assert "items" in [r.name for r in bigint.rewrites]
    assert [c.describe() for c in bigint.changes] == ["changed column price on items: integer -> bigint"]
    widen = statement(report, "varchar(20)")
    assert widen.rewrites == []
    assert widen.line == 2


def test_explicit_transaction_holds_locks_until_commit(run):
    report = run(SETUP, "BEGIN;\nALTER TABLE items ADD COLUMN a int;\nSELECT pg_sleep(0.2);\nCOMMIT;")
    add = statement(report, "ADD COLUMN a")
    assert add.in_transaction is True
    lock = next(lk for lk in add.locks if lk.relation.name == "items")
    # Held across the pg_sleep that followed it in the same transaction.
    assert lock.held_ms >= 200
    assert statement(report, "pg_sleep").locks == []


def test_failure_is_reported_at_its_line_and_the_rest_not_run(run):
    report = run(SETUP, "ALTER TABLE items ADD COLUMN a int;\nALTER TABLE nope ADD COLUMN b int;\n"
                        "ALTER TABLE items ADD COLUMN c int;", "ALTER TABLE items ADD COLUMN d int;",
                 last=2)
    assert [t.status for t in report.statements] == ["ok", "failed"]
    failed = report.statements[1]
    assert failed.line == 2 and 'relation "nope" does not exist' in failed.error
    # What did not run is counted, per file, without its SQL.
    assert [n.to_dict() for n in report.not_run] == [
        {"path": "002.sql", "line": 3, "end_line": 3, "statements": 1},
        {"path": "003.sql", "line": 1, "end_line": 1, "statements": 1}]
    assert report.stopped == ('002.sql:2: relation "nope" does not exist; 1 later migration '
                              "file(s) not replayed")
    diag = next(d for d in report.diagnostics if d.rule == "migration-failed")
    assert (diag.path, diag.line, diag.source) == ("002.sql", 2, "replay")


def test_framework_transaction_is_respected(run):
    report = run(SETUP, "CREATE INDEX CONCURRENTLY i ON items (price);", in_transaction=True)
    t = statement(report, "CONCURRENTLY")
    assert t.status == "failed" and "transaction block" in t.error


def test_lock_timeout_silences_the_no_timeout_finding(run):
    report = run(SETUP, "SET lock_timeout = '2s';\nALTER TABLE items ADD COLUMN a int;\n"
                        "RESET lock_timeout;\nALTER TABLE items ADD COLUMN b int;")
    by_line = {(d.rule, d.line) for d in report.diagnostics}
    assert ("blocking-lock-without-timeout", 4) in by_line
    assert ("blocking-lock-without-timeout", 2) not in by_line
    assert statement(report, "ADD COLUMN a").lock_timeout == "2s"


def test_table_created_in_the_same_file_is_not_flagged(run):
    report = run("SELECT 1;", "CREATE TABLE fresh (id int);\nALTER TABLE fresh ALTER COLUMN id TYPE bigint;")
    assert report.diagnostics == []
    t = statement(report, "TYPE bigint")
    assert t.locks and not any(lk.pre_existing for lk in t.locks)


def test_long_lock_threshold(run):
    report = run(SETUP, "BEGIN;\nALTER TABLE items ADD COLUMN a int;\nSELECT pg_sleep(0.3);\nCOMMIT;",
                 lock_threshold_ms=100)
    d = next(d for d in report.diagnostics if d.rule == "long-blocking-lock")
    assert d.line == 2 and "ACCESS EXCLUSIVE on `items`" in d.message


def test_foreign_key_without_index_after_any_migration(run):
    report = run("CREATE TABLE a (id int PRIMARY KEY);",
                 "CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);",
                 "CREATE INDEX b_a ON b (a_id);", last=2)
    fk = [d for d in report.diagnostics if d.rule == "foreign-key-left-unindexed"]
    # Unindexed after 002 even though 003 fixes it.
    assert [(d.path, d.line) for d in fk] == [("002.sql", 1)]


def test_statement_timeout(run):
    report = run(SETUP, "SELECT pg_sleep(5);", statement_timeout_s=0.3)
    t = statement(report, "pg_sleep")
    assert t.status == "failed" and "statement_timeout" in t.error


def test_overall_timeout(run):
    report = run(SETUP, "SELECT pg_sleep(0.1);\nSELECT pg_sleep(5);", timeout_s=1.0)
    t = statement(report, "pg_sleep(5)")
    assert t.status == "failed" and "overall replay timeout" in t.error


def test_static_lock_table_agrees_or_mismatches_are_listed(run):
    report = run(SETUP, "CREATE INDEX items_name ON items (name);\n"
                        "ALTER TABLE items ADD COLUMN note text;\n"
                        "DO $$ BEGIN EXECUTE 'ALTER TABLE items ADD COLUMN hidden int'; END $$;")
    # The lock table predicts the first two; a DO block's dynamic SQL is invisible to it.
    assert [(m.line, m.relation, m.predicted, m.observed) for m in report.mismatches] == [
        (3, "items", None, "ACCESS EXCLUSIVE")]


def test_probe_skips_materialized_views(run):
    # LOCK TABLE refuses materialized views: the probe must leave them alone, not fail.
    report = run(SETUP + "CREATE MATERIALIZED VIEW cheap AS SELECT id FROM items;",
                 "REFRESH MATERIALIZED VIEW cheap;", probe=True)
    t = statement(report, "REFRESH")
    assert t.status == "ok"
    assert "ACCESS EXCLUSIVE" in locks_on(t, "cheap")
    assert all(lk.observed is None for lk in t.locks if lk.relation.name == "cheap")


def test_deallocate_all_in_a_migration_does_not_break_tracing(run):
    # The tracer's catalog queries are prepared statements; DEALLOCATE ALL drops them.
    report = run(SETUP, "DEALLOCATE ALL;\nALTER TABLE items ADD COLUMN note text;\n"
                 "ALTER TABLE items ALTER COLUMN price TYPE bigint;\n", in_transaction=True)
    assert [t.status for t in report.statements if t.traced] == ["ok", "ok", "ok"]
    assert [c.describe() for c in statement(report, "note").changes] == [
        "added column note on items: text"]
    assert "items" in [r.name for r in statement(report, "bigint").rewrites]


def test_failure_at_the_framework_commit_is_reported_not_raised(run):
    # A deferred foreign key is only checked at COMMIT, after every statement succeeded.
    report = run(
        "CREATE TABLE p (id int PRIMARY KEY);\n"
        "CREATE TABLE c (pid int REFERENCES p DEFERRABLE INITIALLY DEFERRED);\n",
        "INSERT INTO c VALUES (1);\nSELECT 1;\n",
        in_transaction=True,
    )
    last = report.statements[-1]
    assert last.status == "failed" and last.line == 2
    assert "COMMIT" in last.error and "foreign key" in last.error
    assert any(d.rule == "migration-failed" for d in report.diagnostics)
