"""missing-idempotency-guard's fix for CREATE INDEX CONCURRENTLY (issue 15, item 3), on a real
server: a failed concurrent build leaves an INVALID index; IF NOT EXISTS alone would keep it,
the fixed migration drops it and builds again, so a re-run ends with a valid index or fails
clearly, never with a silently invalid one."""

from __future__ import annotations

import psycopg
import pytest

from schemalint.check.engine import lint
from schemalint.check.fix import plan_fixes
from schemalint.config.settings import LintConfig
from schemalint.discover.source import Migration
from schemalint.parse.statements import parse_migration
from schemalint.rules import RULES

MIGRATION = "CREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON accounts (email);\n"


def _fixed(text: str) -> str:
    found = lint([Migration("002_index.sql", text)], LintConfig(select=("missing-idempotency-guard",)), RULES)
    plan = plan_fixes(found, {"002_index.sql": text})
    assert [d.fix.safe for d in plan.applied] == [True]
    return plan.files[0].fixed


def _run(conn, text: str) -> None:
    """Statement by statement, outside a transaction (psql, goose NO TRANSACTION)."""
    for stmt in parse_migration(Migration("002_index.sql", text)).statements:
        conn.execute(stmt.text)


def _state(conn) -> tuple[int, bool] | None:
    row = conn.execute("SELECT i.indexrelid::int8, i.indisvalid FROM pg_index i "
                       "WHERE i.indexrelid = to_regclass('accounts_email_key')").fetchone()
    return None if row is None else (row[0], row[1])


def test_a_rerun_after_a_failed_build_ends_valid_or_fails_clearly(server):
    fixed = _fixed(MIGRATION)
    assert "indisvalid" in fixed and "IF NOT EXISTS accounts_email_key" in fixed
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS accounts")
        conn.execute("CREATE TABLE accounts (id int, email text)")
        conn.execute("INSERT INTO accounts VALUES (1, 'a@example.com'), (2, 'a@example.com')")
        # The first run fails on the duplicate and leaves an INVALID index behind.
        with pytest.raises(psycopg.errors.UniqueViolation):
            _run(conn, MIGRATION)
        leftover = _state(conn)
        assert leftover is not None and leftover[1] is False
        # IF NOT EXISTS alone: the re-run "succeeds" and the index stays INVALID (the hazard).
        _run(conn, MIGRATION.replace("CONCURRENTLY", "CONCURRENTLY IF NOT EXISTS"))
        assert _state(conn) == leftover
        # The fixed migration drops the leftover and builds again: on the same duplicates it
        # fails clearly ...
        with pytest.raises(psycopg.errors.UniqueViolation):
            _run(conn, fixed)
        # ... and once the data is clean it ends with a valid index.
        conn.execute("DELETE FROM accounts WHERE id = 2")
        _run(conn, fixed)
        built = _state(conn)
        assert built is not None and built[1] is True and built[0] != leftover[0]
        # Re-run after success: the valid index is kept, not rebuilt.
        _run(conn, fixed)
        assert _state(conn) == built
        conn.execute("DROP TABLE accounts")


def test_the_guard_runs_inside_a_transaction_too(server):
    """The DO block is one statement that runs in or out of a transaction block."""
    guard = _fixed(MIGRATION).split("CREATE UNIQUE INDEX")[0]
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS accounts")
        conn.execute("CREATE TABLE accounts (id int, email text)")
        conn.execute("CREATE INDEX accounts_email_key ON accounts (email)")
        conn.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'accounts_email_key'::regclass")
        with conn.transaction():
            conn.execute(guard)
        assert _state(conn) is None
        conn.execute("DROP TABLE accounts")
