"""Issue 13 item 3: the locks of a statement outside a transaction block are captured every
time, even when it ends before a poll (B holds its tables until A waits for one)."""

from __future__ import annotations

import psycopg
import pytest

from schemalint.discover.source import Migration
from schemalint.parse.statements import parse_migration
from schemalint.replay.tracer import may_lock_relations
from tests.replay.conftest import locks_on, needs_postgres, statement

pytestmark = needs_postgres

TABLE = "CREATE TABLE items (id int, price int);"


@pytest.mark.parametrize("attempt", range(5))
def test_concurrent_build_on_empty_table_records_its_lock(run, attempt):
    report = run(TABLE, "CREATE INDEX CONCURRENTLY items_price ON items (price);",
                 "DROP INDEX items_price;", last=2)
    build = statement(report, "CONCURRENTLY")
    assert build.status == "ok"
    assert "SHARE UPDATE EXCLUSIVE" in locks_on(build, "items")
    assert all(lk.pre_existing for lk in build.locks if lk.relation.name == "items")
    # The index it built is known to the next file.
    drop = statement(report, "DROP INDEX")
    assert any(lk.pre_existing for lk in drop.locks if lk.relation.name == "items_price")


def test_drop_and_reindex_concurrently_record_the_table_lock(run):
    report = run(TABLE + "CREATE INDEX items_price ON items (price);",
                 "REINDEX INDEX CONCURRENTLY items_price;\nDROP INDEX CONCURRENTLY items_price;")
    for text in ("REINDEX", "DROP INDEX"):
        t = statement(report, text)
        assert t.status == "ok", t.error
        assert "SHARE UPDATE EXCLUSIVE" in locks_on(t, "items"), (text, t.locks)


def test_the_migrations_lock_timeout_is_kept_and_not_tripped_by_the_blocker(run):
    report = run(TABLE, "SET lock_timeout = '1ms';\n"
                        "CREATE INDEX CONCURRENTLY items_price ON items (price);\n"
                        "SELECT 1 WHERE current_setting('lock_timeout') = '1ms';")
    t = statement(report, "CONCURRENTLY")
    assert t.status == "ok", t.error
    assert t.lock_timeout == "1ms"
    assert "SHARE UPDATE EXCLUSIVE" in locks_on(t, "items")
    assert statement(report, "current_setting").status == "ok"


def test_a_failing_statement_releases_the_blocker(run):
    report = run(TABLE, "CREATE INDEX CONCURRENTLY bad ON items (nope);")
    t = statement(report, "CONCURRENTLY")
    assert t.status == "failed" and "nope" in t.error


def test_changes_to_a_table_locked_earlier_in_the_transaction_are_seen(run):
    # Every DDL-locked table is re-read after each statement: one locked by an earlier
    # statement of the framework's transaction is neither skipped nor taken for dropped.
    report = run("CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN x int;\n"
                 "CREATE INDEX ti ON t (id);\nDROP INDEX ti;\nALTER TABLE t ADD COLUMN y int;",
                 in_transaction=True)
    seen = {t.sql: [c.describe() for c in t.changes] for t in report.statements}
    assert seen["ALTER TABLE t ADD COLUMN x int"] == ["added column x on t: integer"]
    assert seen["CREATE INDEX ti ON t (id)"] == [
        "added index ti on t: CREATE INDEX ti ON public.t USING btree (id)"]
    assert seen["DROP INDEX ti"] == [
        "dropped index ti on t: CREATE INDEX ti ON public.t USING btree (id)"]
    assert seen["ALTER TABLE t ADD COLUMN y int"] == ["added column y on t: integer"]


NO_LOCK_STATEMENTS = [
    "SET lock_timeout = '1s'",
    "RESET lock_timeout",
    "CREATE TYPE mood AS ENUM ('sad')",
    "ALTER TYPE colour ADD VALUE 'blue'",
    "ALTER TYPE colour RENAME VALUE 'red' TO 'crimson'",
    "CREATE FUNCTION f(x items.price%TYPE) RETURNS int LANGUAGE plpgsql AS "
    "$$ DECLARE r items%ROWTYPE; BEGIN SELECT * INTO r FROM items; RETURN x; END $$",
]


@pytest.mark.parametrize("sql", NO_LOCK_STATEMENTS + [
    "CREATE FUNCTION g() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM items $$",
    "CREATE FUNCTION h() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM items; END",
])
def test_the_statements_whose_lock_rows_are_not_read_take_no_relation_lock(server, sql):
    # The tracer skips the lock-rows read after these: the server must agree.
    [stmt] = parse_migration(Migration(path="001.sql", text=sql)).statements
    with psycopg.connect(server.conninfo()) as conn:
        conn.execute("DROP TABLE IF EXISTS items; DROP TYPE IF EXISTS colour; DROP TYPE IF EXISTS mood;"
                     "DROP FUNCTION IF EXISTS f, g, h;" + TABLE + "CREATE TYPE colour AS ENUM ('red');")
        conn.commit()
        conn.execute(sql)
        locked = conn.execute("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND "
                              "locktype = 'relation' AND relation >= 16384").fetchone()[0]
        conn.rollback()
    assert may_lock_relations(stmt.kind, stmt.node) == (sql not in NO_LOCK_STATEMENTS)
    assert (locked > 0) == (sql not in NO_LOCK_STATEMENTS)
