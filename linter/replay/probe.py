"""`--probe`: while a statement holds its locks, can another session read or write the tables
it locked? Session B tries the locks a SELECT and a write would take, NOWAIT."""

from __future__ import annotations

import psycopg

from schemalint.model.lock_modes import LockMode
from schemalint.replay.trace import LockTrace, StatementTrace


def probe_statement(conn, trace: StatementTrace, still_held) -> None:
    """Probe each pre-existing table the statement locked, once; the result belongs to the
    strongest lock the statement took on it, and is kept only if `still_held()` after."""
    strongest: dict[int, LockTrace] = {}
    for lock in trace.locks:
        # LOCK TABLE refuses materialized views ("This operation is not supported for
        # materialized views", PostgreSQL 15): only tables are probed.
        if lock.pre_existing and lock.relation.kind == "table":
            best = strongest.get(lock.relation.oid)
            if best is None or _mode(lock) > _mode(best):
                strongest[lock.relation.oid] = lock
    for lock in strongest.values():
        if lock.observed is None:
            observed = probe_table(conn, lock.relation.oid)
            if still_held():
                lock.observed = observed


def probe_table(conn, oid: int) -> dict[str, bool]:
    """Can another session read / write this table right now? `conn` tries the locks a
    SELECT (ACCESS SHARE) and an INSERT/UPDATE/DELETE (ROW EXCLUSIVE) take, NOWAIT, in a
    transaction it rolls back. SQLSTATE 55P03 (lock_not_available): blocked."""
    out = {}
    name = conn.execute("SELECT %s::oid::regclass::text", (oid,)).fetchone()[0]
    for what, mode in (("reads", "ACCESS SHARE"), ("writes", "ROW EXCLUSIVE")):
        conn.execute("BEGIN")
        try:
            conn.execute(f"LOCK TABLE {name} IN {mode} MODE NOWAIT")
            out[what] = False
        except psycopg.errors.LockNotAvailable:
            out[what] = True
        finally:
            conn.execute("ROLLBACK")
    return out


def _mode(lock: LockTrace) -> LockMode:
    return LockMode[lock.mode.replace(" ", "_")]
