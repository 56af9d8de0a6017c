"""The behaviour the rules of issue 15 (items 6, 7 and 9) stand on,
confirmed on a real PostgreSQL, each next to schemalint's verdict on the same SQL: a rule
may only claim what the server does."""

from __future__ import annotations

import itertools

import psycopg
import pytest

from schemalint.check.engine import lint
from schemalint.config.settings import LintConfig
from schemalint.discover.source import Migration
from schemalint.rules import RULES

_names = itertools.count()


@pytest.fixture
def db(server):
    """A fresh database and an autocommit connection to it that collects server messages."""
    name = f"claims_{next(_names)}"
    with psycopg.connect(server.conninfo(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    conn = psycopg.connect(server.conninfo(name), autocommit=True)
    conn.messages = []
    conn.add_notice_handler(lambda d: conn.messages.append(d.message_primary))
    yield conn
    conn.close()


def run(conn, sql: str):
    """Execute each statement of `sql` (autocommit, as psql sends a file) and return the error
    message of the first that fails, or None."""
    for statement in (s.strip() for s in sql.split(";")):
        if statement:
            try:
                conn.execute(statement)
            except psycopg.Error as exc:
                if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    conn.execute("ROLLBACK")
                return exc.diag.message_primary
    return None


def findings(sql: str, rule: str, *history: str) -> list[tuple[int, int]]:
    """(line, column) of each finding of `rule` in the last file."""
    files = [*history, sql]
    migrations = [Migration(path=f"{i:03d}.sql", text=text) for i, text in enumerate(files)]
    found = lint(migrations, LintConfig(select=(rule,)), RULES)
    return [(d.line, d.column) for d in found if d.path == migrations[-1].path]


# --- item 6: SET LOCAL -------------------------------------------------------------


def test_set_local_outside_a_transaction_warns_and_does_nothing(db):
    sql = "SET LOCAL lock_timeout = '5s';\nSELECT set_config('statement_timeout', '7s', true);"
    assert run(db, sql) is None
    assert "SET LOCAL can only be used in transaction blocks" in db.messages
    assert db.execute("SHOW lock_timeout").fetchone()[0] == "0"
    assert db.execute("SHOW statement_timeout").fetchone()[0] == "0"
    assert findings(sql, "set-local-outside-transaction") == [(1, 1), (2, 8)]


def test_set_local_ends_at_commit_and_a_set_is_undone_by_rollback(db):
    sql = ("BEGIN;\nSET LOCAL lock_timeout = '5s';\nCOMMIT;\n"
           "BEGIN;\nSET statement_timeout = '7s';\nROLLBACK;\n"
           "ALTER TABLE orders ADD COLUMN note text;")
    history = "CREATE TABLE orders (id bigint);"
    run(db, history)
    assert run(db, sql) is None
    assert db.execute("SHOW lock_timeout").fetchone()[0] == "0"
    assert db.execute("SHOW statement_timeout").fetchone()[0] == "0"
    assert findings(sql, "set-local-outside-transaction", history) == []
    assert findings(sql, "missing-lock-timeout", history) == [(7, 1)]


# --- item 7: new rules ---------------------------------------------------------------


def test_lock_table_outside_a_transaction_fails(db):
    run(db, "CREATE TABLE orders (id bigint)")
    sql = "LOCK TABLE orders IN SHARE MODE;"
    assert run(db, sql) == "LOCK TABLE can only be used in transaction blocks"
    assert findings(sql, "lock-table-outside-transaction") == [(1, 1)]
    inside = "BEGIN;\nLOCK TABLE orders IN SHARE MODE;\nCOMMIT;"
    assert run(db, inside) is None
    assert findings(inside, "lock-table-outside-transaction") == []


def test_enum_value_used_in_the_transaction_that_added_it_fails(db):
    history = ("CREATE TYPE status AS ENUM ('new');\n"
               "CREATE TABLE orders (id bigint, s status, note text);")
    run(db, history)
    for use, column in (("SELECT 'paid'::status;", 8),
                        ("INSERT INTO orders VALUES (1, 'paid');", 31),
                        ("ALTER TABLE orders ALTER COLUMN s SET DEFAULT 'paid';", 47),
                        ("ALTER TABLE orders ADD CHECK (s <> 'paid');", 36),
                        ("SELECT id FROM orders WHERE s = 'paid';", 33)):
        sql = f"BEGIN;\nALTER TYPE status ADD VALUE 'paid';\n{use}\nCOMMIT;"
        assert run(db, sql).startswith('unsafe use of new value "paid"'), use
        assert findings(sql, "enum-value-used-before-commit", history) == [(3, column)], use
    # The same text written to a text column is no use of the enum value.
    text = "BEGIN;\nALTER TYPE status ADD VALUE 'void';\nUPDATE orders SET note = 'void';\nCOMMIT;"
    assert run(db, text) is None
    assert findings(text, "enum-value-used-before-commit", history) == []
    committed = "BEGIN;\nALTER TYPE status ADD VALUE 'paid';\nCOMMIT;\nINSERT INTO orders VALUES (1, 'paid');"
    assert run(db, committed) is None
    assert findings(committed, "enum-value-used-before-commit", history) == []
    # Even in an enum created in the same transaction, only CREATE TYPE's own values are usable.
    created = ("BEGIN;\nCREATE TYPE color AS ENUM ('red');\nALTER TYPE color ADD VALUE 'blue';\n"
               "SELECT 'red'::color;\nSELECT 'blue'::color;\nCOMMIT;")
    assert run(db, created).startswith('unsafe use of new value "blue"')
    assert findings(created, "enum-value-used-before-commit") == [(5, 8)]


def test_refresh_blocks_reads_and_concurrently_needs_a_populated_view(db):
    history = ("CREATE TABLE orders (id bigint);\n"
               "CREATE MATERIALIZED VIEW totals AS SELECT id FROM orders WITH NO DATA;")
    run(db, history)
    # Not populated: reading it fails, and CONCURRENTLY is refused, so there is nothing to flag.
    assert run(db, "SELECT * FROM totals;") == 'materialized view "totals" has not been populated'
    assert run(db, "REFRESH MATERIALIZED VIEW CONCURRENTLY totals;").startswith(
        "CONCURRENTLY cannot be used when the materialized view is not populated")
    first = "REFRESH MATERIALIZED VIEW totals;"
    assert findings(first, "refresh-materialized-view-non-concurrently", history) == []
    assert run(db, first) is None
    # Populated: a plain REFRESH takes ACCESS EXCLUSIVE, CONCURRENTLY only EXCLUSIVE.
    run(db, "CREATE UNIQUE INDEX ON totals (id);")
    for sql, mode in ((first, "AccessExclusiveLock"),
                      ("REFRESH MATERIALIZED VIEW CONCURRENTLY totals;", "ExclusiveLock")):
        db.execute("BEGIN")
        db.execute(sql)
        held = {row[0] for row in db.execute(
            "SELECT mode FROM pg_locks WHERE relation = 'totals'::regclass AND granted")}
        db.execute("ROLLBACK")
        assert mode in held and (mode == "AccessExclusiveLock") == ("AccessExclusiveLock" in held)
    assert findings(first, "refresh-materialized-view-non-concurrently", history, first) == [(1, 27)]


def _attach_scans(db, check: str, bound: str) -> bool:
    """Attach a fresh partition with `check` on it; True when PostgreSQL scanned it (no DEBUG1
    "implied by existing constraints"). Also returns the locks, checked by the caller."""
    db.execute("DROP TABLE IF EXISTS p, parts")
    db.execute("CREATE TABLE parts (at date NOT NULL, k int NOT NULL) PARTITION BY RANGE (at)")
    db.execute("CREATE TABLE p (at date NOT NULL, k int NOT NULL)")
    if check:
        db.execute(f"ALTER TABLE p ADD CONSTRAINT b CHECK ({check})")
    db.messages.clear()
    db.execute("SET client_min_messages = debug1")
    db.execute(f"ALTER TABLE parts ATTACH PARTITION p {bound}")
    db.execute("RESET client_min_messages")
    return not any("implied by existing constraints" in m for m in db.messages)


@pytest.mark.parametrize("check,scans", [
    ("", True),
    ("at >= '2024-01-01' AND at < '2025-01-01'", False),
    ("'2024-01-01' <= at AND '2025-01-01'::date > at", False),
    ("at >= '2024-06-01' AND at < '2025-01-01'", False),
    ("at >= '2023-06-01' AND at < '2025-01-01'", True),
])
def test_attach_partition_scans_unless_a_check_implies_the_bound(db, check, scans):
    bound = "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
    assert _attach_scans(db, check, bound) is scans
    history = ("CREATE TABLE parts (at date NOT NULL, k int NOT NULL) PARTITION BY RANGE (at);\n"
               "CREATE TABLE p (at date NOT NULL, k int NOT NULL);"
               + (f"\nALTER TABLE p ADD CONSTRAINT b CHECK ({check});" if check else ""))
    got = findings(f"ALTER TABLE parts ATTACH PARTITION p {bound};",
                   "attach-partition-without-check", history)
    # The narrower CHECK ('2024-06-01') also implies the bound; the rule accepts only the same
    # constants, so it reports a scan that does not happen there (the one false positive).
    assert got == ([(1, 36)] if scans or "2024-06-01" in check else [])


def test_attach_partition_locks(db):
    _attach_scans(db, "", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')")
    db.execute("ALTER TABLE parts DETACH PARTITION p")
    db.execute("BEGIN")
    db.execute("ALTER TABLE parts ATTACH PARTITION p FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')")
    held = dict(db.execute("SELECT relation::regclass::text, mode FROM pg_locks "
                           "WHERE relation IN ('parts'::regclass, 'p'::regclass) AND granted "
                           "AND mode IN ('ShareUpdateExclusiveLock', 'AccessExclusiveLock')").fetchall())
    db.execute("ROLLBACK")
    assert held == {"parts": "ShareUpdateExclusiveLock", "p": "AccessExclusiveLock"}


def test_list_partition_check_in_list_implies_the_bound(db):
    db.execute("CREATE TABLE kinds (k int NOT NULL) PARTITION BY LIST (k)")
    db.execute("CREATE TABLE ka (k int NOT NULL, CHECK (k IN (1, 2)))")
    db.execute("SET client_min_messages = debug1")
    db.execute("ALTER TABLE kinds ATTACH PARTITION ka FOR VALUES IN (1, 2)")
    assert any("implied by existing constraints" in m for m in db.messages)
    history = "CREATE TABLE kinds (k int NOT NULL) PARTITION BY LIST (k);\nCREATE TABLE ka (k int NOT NULL);\nALTER TABLE ka ADD CHECK (k IN (1, 2));"
    assert findings("ALTER TABLE kinds ATTACH PARTITION ka FOR VALUES IN (1, 2);",
                    "attach-partition-without-check", history) == []


# --- item 9: option values, quoted serial, ROLLBACK of the framework's transaction ------


def test_option_values_turn_options_off(db):
    run(db, "CREATE TABLE t (id bigint PRIMARY KEY);\nINSERT INTO t SELECT generate_series(1, 100);")

    def filenode():
        return db.execute("SELECT pg_relation_filenode('t')").fetchone()[0]

    before = filenode()
    for sql in ("VACUUM (FULL false) t;", "VACUUM (FULL off, ANALYZE) t;", "VACUUM (FULL 0) t;"):
        assert run(db, sql) is None
        assert filenode() == before, sql  # plain VACUUM: no rewrite
        assert findings(sql, "vacuum-full") == [], sql
    assert run(db, "VACUUM (FULL on) t;") is None
    assert filenode() != before
    # REINDEX (CONCURRENTLY false) is the plain REINDEX: it may run in a transaction block.
    plain = "BEGIN;\nREINDEX (CONCURRENTLY false) TABLE t;\nCOMMIT;"
    assert run(db, plain) is None
    assert findings(plain, "concurrent-index-in-transaction") == []
    assert findings(plain, "reindex-non-concurrently") == [(2, 36)]
    concurrent = "BEGIN;\nREINDEX (CONCURRENTLY true) TABLE t;\nCOMMIT;"
    assert run(db, concurrent) == "REINDEX CONCURRENTLY cannot run inside a transaction block"
    assert findings(concurrent, "concurrent-index-in-transaction") == [(2, 1)]


def test_a_quoted_serial_type_is_a_serial(db):
    sql = 'CREATE TABLE q (id "bigserial" PRIMARY KEY, n "serial");'
    assert run(db, sql) is None
    assert db.execute("SELECT pg_get_serial_sequence('q', 'id') IS NOT NULL, "
                      "pg_get_serial_sequence('q', 'n') IS NOT NULL").fetchone() == (True, True)
    # The key is sequential-primary-key's under the default id_policy (one voice per object).
    assert findings(sql, "serial-column") == [(1, 47)]
    assert findings(sql, "sequential-primary-key") == [(1, 17)]


def test_rollback_in_the_framework_transaction_discards_the_file(db):
    # The framework's transaction, as golang-migrate's or Flyway's: BEGIN, the file, COMMIT.
    db.execute("BEGIN")
    assert run(db, "CREATE TABLE before_rollback (id bigint);\nROLLBACK;\n"
                   "CREATE TABLE after_rollback (id bigint);") is None
    db.execute("COMMIT")
    assert "there is no transaction in progress" in db.messages
    tables = {r[0] for r in db.execute("SELECT relname FROM pg_class WHERE relname LIKE '%_rollback'")}
    assert tables == {"after_rollback"}
    sql = "CREATE TABLE before_rollback (id bigint);\nROLLBACK;\nCREATE TABLE after_rollback (id bigint);"
    found = lint([Migration(path="001.sql", text=sql, in_transaction=True)],
                 LintConfig(select=("commit-without-transaction",)), RULES)
    assert [(d.line, d.column) for d in found] == [(2, 1)]
