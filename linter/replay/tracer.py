"""Apply migrations statement by statement and observe what each one does to the server.

Two sessions: A runs the migration, B watches. Relation locks live in the shared lock
manager (`pg_locks`) until the transaction that took them ends, so:

* a statement that may run in a transaction block runs in one: the migration's own
  BEGIN/COMMIT, the framework's (`Migration.in_transaction`), or, for a statement that
  would have run in autocommit, a transaction of its own (`BEGIN; stmt; COMMIT` is exactly
  what autocommit does). After the statement, A reads its own `pg_locks` rows - only A
  sees the relations it has just created - and its locks are still held, so B can probe
  them (`--probe`) and their hold time runs until the COMMIT;
* a statement that cannot run in a transaction block (CREATE INDEX CONCURRENTLY, VACUUM,
  ...) runs in a thread on A while B polls `pg_locks` for A's pid.

Rewrites: `pg_class.relfilenode` changes when a table or index is rewritten (ALTER TABLE
... TYPE, VACUUM FULL, CLUSTER, volatile ADD COLUMN defaults). TRUNCATE also assigns a new
relfilenode but copies nothing, so it is not reported as a rewrite.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from schemalint.model.lock_modes import LockMode as Mode
from schemalint.model.lock_modes import blocks
from schemalint.replay.trace import KINDS, Change, LockTrace, Relation, StatementTrace

# OIDs below FirstNormalObjectId (16384) are the system catalogs: the tracer's own catalog
# queries lock those, the migration's objects are all above.
FIRST_NORMAL_OID = 16384

_RELATIONS_SQL = """
SELECT c.oid::int8, c.oid::regclass::text, c.relkind::text
FROM pg_class c
WHERE c.oid >= 16384 AND c.relnamespace <> 'pg_toast'::regnamespace
"""

_MY_LOCKS_SQL = """
SELECT l.relation::int8, l.mode, c.relkind::text,
       CASE WHEN c.oid IS NULL THEN NULL ELSE c.oid::regclass::text END,
       current_setting('lock_timeout')
FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
  AND l.relation >= 16384
  AND (c.oid IS NULL OR c.relnamespace <> 'pg_toast'::regnamespace)
"""

_THEIR_LOCKS_SQL = """
SELECT l.relation::int8, l.mode, c.relkind::text,
       CASE WHEN c.oid IS NULL THEN NULL ELSE c.oid::regclass::text END
FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = %s AND l.locktype = 'relation' AND l.granted AND l.relation >= 16384
"""

# Seconds since the epoch, microsecond resolution, read on the server.
_CLOCK_SQL = "SELECT extract(epoch FROM clock_timestamp())::float8"

_FILENODES_SQL = """
SELECT oid::int8, relfilenode::int8 FROM pg_class
WHERE oid >= 16384 AND relfilenode <> 0 AND relnamespace <> 'pg_toast'::regnamespace
"""

# Columns, constraints and the indexes that back no constraint, of some tables.
_STRUCTURE_TEMPLATE = """
WITH t AS MATERIALIZED ({tables})
SELECT a.attrelid::int8, 'column', a.attname::text,
       format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
       || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid IN (SELECT oid FROM t) AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT k.conrelid::int8, 'constraint', k.conname::text,
       pg_get_constraintdef(k.oid) || CASE WHEN k.convalidated THEN '' ELSE ' NOT VALID' END
FROM pg_constraint k WHERE k.conrelid IN (SELECT oid FROM t)
UNION ALL
SELECT i.indrelid::int8, 'index', c.relname::text,
       pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' (INVALID)' END
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid IN (SELECT oid FROM t) AND NOT EXISTS (
  SELECT 1 FROM pg_constraint k
  WHERE k.conrelid = i.indrelid AND k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
UNION ALL
SELECT oid::int8, 'table', '', '' FROM t
"""
# Every table, before the traced migrations.
STRUCTURE_ALL_SQL = _STRUCTURE_TEMPLATE.format(tables="""
  SELECT oid FROM pg_class WHERE oid >= 16384 AND relkind IN ('r', 'p', 'm', 'f')
    AND relnamespace <> 'pg_toast'::regnamespace""")
# The tables A holds a lock on that any change of structure needs (SHARE UPDATE
# EXCLUSIVE or stronger): a statement can only have changed those. Of those, the ones
# matching $1 (all of them), not among the oids $2 (locked for DDL by earlier statements of
# the transaction, already read) or named by $3 (quoted names).
STRUCTURE_LOCKED_SQL = _STRUCTURE_TEMPLATE.format(tables="""
  SELECT DISTINCT c.oid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
  WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
    AND l.relation >= 16384 AND c.relkind IN ('r', 'p', 'm', 'f')
    AND l.mode IN ('ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock',
                   'ExclusiveLock', 'AccessExclusiveLock')
    AND ($1 OR l.relation::text <> ALL($2)
         OR c.oid = ANY(SELECT to_regclass(x) FROM unnest($3) x))""")

# int2vector casts to an int2[] indexed from 0.
_UNINDEXED_FK_SQL = """
SELECT k.conrelid::int8, k.conrelid::regclass::text, k.conname::text, pg_get_constraintdef(k.oid)
FROM pg_constraint k
WHERE k.contype = 'f' AND k.conrelid = ANY($1) AND k.conparentid = 0 AND NOT EXISTS (
  SELECT 1 FROM pg_index i
  WHERE i.indrelid = k.conrelid
    AND (SELECT array_agg(x ORDER BY x)
         FROM unnest((i.indkey::int2[])[0:cardinality(k.conkey) - 1]) x)
      = (SELECT array_agg(x ORDER BY x) FROM unnest(k.conkey) x))
ORDER BY k.conrelid, k.conname
"""

# Prepared once per session with PREPARE (planning these catalog queries costs more than
# running them), so that EXECUTE can travel in one message with the statement. A's
# `prepare_threshold` is off: psycopg would otherwise send DEALLOCATE ALL after every
# ALTER or DROP (its own cache's invalidation), taking these with it.
PREPARED = {
    # The server clock (read first: the end of the statement before), then A's lock rows,
    # leaving out the 'oid:mode' pairs of $1 (the locks earlier statements of the
    # transaction took); one row of NULL lock columns when there are none.
    "schemalint_locks": ("text[]", "SELECT c.now, l.* FROM (" + _CLOCK_SQL + ") c(now)\n"
                         "LEFT JOIN (" + _MY_LOCKS_SQL.rstrip()
                         + "\n  AND l.relation::text || ':' || l.mode <> ALL($1)) l ON true"),
    "schemalint_structure": ("boolean, text[], text[]", STRUCTURE_LOCKED_SQL),
    "schemalint_filenodes": ("", _FILENODES_SQL),
    "schemalint_unindexed_fks": ("oid[]", _UNINDEXED_FK_SQL),
}
# Statements after which those prepared statements may be gone (DEALLOCATE ALL, DISCARD ALL).
_FORGETS_PREPARED = frozenset({"DeallocateStmt", "DiscardStmt"})

# Statements PostgreSQL refuses inside a transaction block ("cannot run inside a
# transaction block", SQLSTATE 25001).
_OUTSIDE_TX_KINDS = frozenset({
    "VacuumStmt", "CreatedbStmt", "DropdbStmt", "CreateTableSpaceStmt",
    "DropTableSpaceStmt", "AlterSystemStmt", "CreateSubscriptionStmt",
    "DropSubscriptionStmt",
})
# Statements that may rewrite an existing relation (or run arbitrary code that might).
_MAY_REWRITE_KINDS = frozenset({
    "AlterTableStmt", "ClusterStmt", "VacuumStmt", "ReindexStmt", "RefreshMatViewStmt",
    "DoStmt", "CallStmt", "SelectStmt", "AlterTableMoveAllStmt",
})
# A table lock at SHARE UPDATE EXCLUSIVE or above is needed for any change to its
# structure; plain DML (ROW EXCLUSIVE, ACCESS SHARE) cannot change it.
_DDL_MODE_NAMES = frozenset(m.sql_name for m in Mode if m >= Mode.SHARE_UPDATE_EXCLUSIVE)
# Statements that cannot change a table's columns, constraints or indexes: no need to
# re-read the structure of the tables locked in the transaction after them.
_NO_STRUCTURE_KINDS = frozenset({
    "InsertStmt", "UpdateStmt", "DeleteStmt", "CopyStmt", "CreateFunctionStmt", "CommentStmt",
    "GrantStmt", "GrantRoleStmt", "ViewStmt", "CreateTrigStmt", "VariableSetStmt",
    "CreateSeqStmt", "AlterSeqStmt", "CreateEnumStmt", "CompositeTypeStmt", "CreateSchemaStmt",
    "AlterOwnerStmt", "CreatePolicyStmt", "RuleStmt", "AlterFunctionStmt", "CreateRoleStmt",
})
SQLSTATE_QUERY_CANCELED = "57014"
SQLSTATE_ACTIVE_SQL_TRANSACTION = "25001"


def must_run_outside_transaction(kind: str, node: dict) -> bool:
    if kind in _OUTSIDE_TX_KINDS:
        # ANALYZE alone may run in a transaction; VACUUM may not.
        return kind != "VacuumStmt" or bool(node.get("is_vacuumcmd"))
    if kind in ("IndexStmt", "DropStmt"):
        return bool(node.get("concurrent"))
    if kind == "ReindexStmt":
        return any(p.get("DefElem", {}).get("defname") == "concurrently"
                   for p in node.get("params", ()))
    return False


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _range_vars(node) -> set[str]:
    """Qualified, quoted names of the relations a statement's AST names."""
    out: set[str] = set()
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            rv = cur.get("RangeVar")
            if isinstance(rv, dict) and rv.get("relname"):
                schema = rv.get("schemaname")
                out.add((_quote(schema) + "." if schema else "") + _quote(rv["relname"]))
            stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))
        elif isinstance(cur, list):
            stack.extend(v for v in cur if isinstance(v, (dict, list)))
    return out


def _text_array(items) -> str:
    """A text[] literal (standard_conforming_strings, PostgreSQL's default since 9.1)."""
    quoted = ["'" + item.replace("'", "''") + "'" for item in items]
    return f"ARRAY[{', '.join(quoted)}]::text[]" if quoted else "'{}'::text[]"


def _fold_structure(rows) -> dict[int, dict[tuple[str, str], str]]:
    out: dict[int, dict[tuple[str, str], str]] = {}
    for oid, obj, name, definition in rows:
        table = out.setdefault(oid, {})
        if obj != "table":
            table[(obj, name)] = definition
    return out


def _display(name: str) -> str:
    return name[7:] if name.startswith("public.") else name


@dataclass
class _Held:
    lock: LockTrace
    since: float  # monotonic time of the start of the statement that acquired it
    stmt: StatementTrace


class Watchdog:
    """The overall timeout: cancels A's running statement when the deadline passes."""

    def __init__(self, conn, seconds: float | None) -> None:
        self.expired = False
        self._timer = None
        if seconds:
            self._timer = threading.Timer(seconds, self._fire, args=(conn,))
            self._timer.daemon = True
            self._timer.start()

    def _fire(self, conn) -> None:
        self.expired = True
        cancel = getattr(conn, "cancel_safe", None) or conn.cancel
        try:
            cancel()
        except Exception:  # noqa: BLE001 - the connection may already be gone
            pass

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


class Tracer:
    def __init__(self, conninfo: str, *, statement_timeout_s: float = 60.0, probe: bool = False,
                 timeout_s: float | None = None) -> None:
        import psycopg

        self._psycopg = psycopg
        self._tuples_ok = psycopg.pq.ExecStatus.TUPLES_OK
        self.statement_timeout_s = statement_timeout_s
        self.probe = probe
        timeout_ms = int(statement_timeout_s * 1000) if statement_timeout_s else 0
        # A: the migration's session, with the per-statement timeout set server-side.
        self.a = psycopg.connect(conninfo, autocommit=True,
                                 options=f"-c statement_timeout={timeout_ms}")
        self.a.prepare_threshold = None  # see PREPARED
        # B: the observer. It must never wait on A's locks for long.
        self.b = psycopg.connect(conninfo, autocommit=True,
                                 options="-c statement_timeout=10000 -c lock_timeout=1000")
        for conn in (self.a, self.b):
            conn.add_notice_handler(lambda diag: None)  # NOTICEs are the migration's business
        self.a_pid = self.a.info.backend_pid
        self.server_version = self.a.execute("SHOW server_version").fetchone()[0].split()[0]
        self.server_version_num = self.a.info.server_version
        self.watchdog = Watchdog(self.a, timeout_s)
        self.timeout_s = timeout_s
        self.names: dict[int, Relation] = {}
        self.pre_existing: set[int] = set()
        self.structure: dict[int, dict[tuple[str, str], str]] = {}
        self._held: dict[tuple[int, str], _Held] = {}
        self._tx_ours = False  # the open transaction is one we opened around one statement
        self._prepared = False  # the PREPARED statements exist on A
        self.then_rows: list[tuple] | None = None  # see run_migration
        # {oid: relfilenode} read right after the last statement, for the next one's "before".
        self._filenodes_after: dict[int, int] | None = None

    def close(self) -> None:
        self.watchdog.stop()
        for conn in (self.a, self.b):
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass

    # --- catalog reads ---------------------------------------------------------------
    def _in_tx(self) -> bool:
        return self.a.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE

    def refresh_relations(self) -> None:
        """Read the names of all relations (before the traced migrations)."""
        rows = self.a.execute(_RELATIONS_SQL).fetchall()
        self.names = {oid: Relation(oid, _display(name), KINDS.get(kind, kind))
                      for oid, name, kind in rows}
        self.pre_existing = set(self.names)

    def snapshot_structure(self) -> None:
        """The structure of every table, before the traced migrations."""
        self.structure = _fold_structure(self.a.execute(STRUCTURE_ALL_SQL).fetchall())

    def _filenodes(self) -> dict[int, int]:
        return dict(self.a.execute(_FILENODES_SQL).fetchall())

    # --- running one migration -------------------------------------------------------
    def run_migration(self, migration, statements, *, traced: bool, framework_tx: bool,
                      then=None) -> list[StatementTrace]:
        """Apply one migration file. Returns a trace per statement (traced) or only the
        failing statement's trace (untraced). Stops at the first failure.

        `then(traces)`: a query (or None) to run once the file has applied, in the round
        trip of its COMMIT when it ends one; its rows are left in `then_rows`."""
        self.then_rows = None
        if traced:
            # Relations known now (from the first catalog read, then from every lock
            # observed) existed before this file: the ones it creates are not.
            self.pre_existing = set(self.names)
        out: list[StatementTrace] = []
        failed = False
        if framework_tx:
            self.a.execute("BEGIN")
            self._tx_ours = False
        lines = migration.lines
        for stmt in statements:
            # What the last statement left: only the next statement on A may use it.
            filenodes, self._filenodes_after = self._filenodes_after, None
            trace = StatementTrace(migration=migration, start=stmt.start, end=stmt.end,
                                   line=lines.position(stmt.start)[0], sql=stmt.sql,
                                   kind=stmt.kind, traced=traced)
            if failed:
                if traced:
                    out.append(trace)
                continue
            if traced:
                self._trace_statement(stmt, trace, filenodes)
            else:
                self._apply_statement(stmt, trace)
            if stmt.kind in _FORGETS_PREPARED:
                self._prepared = False
            if trace.status == "failed":
                failed = True
                self._abort()
            if traced or failed:
                out.append(trace)
        if failed:
            return out
        query = then(out) if then is not None else None
        if query is not None:
            self._ensure_prepared()
        if self._in_tx():
            # The framework's transaction, or a BEGIN the file never closed.
            try:
                results = self._run_parts(["COMMIT"] + ([query] if query is not None else []))
            except self._psycopg.Error as exc:
                # A deferred constraint is checked at COMMIT: the file fails where its
                # transaction ends, at its last statement (PostgreSQL has rolled it back).
                self._release_all(time.monotonic())
                if statements:
                    last = out[-1] if traced and out else StatementTrace(
                        migration=migration, start=statements[-1].start, end=statements[-1].end,
                        line=lines.position(statements[-1].start)[0], sql=statements[-1].sql,
                        kind=statements[-1].kind, traced=traced)
                    self._record_error(last, exc)
                    last.error = f"at the end of the file's transaction (COMMIT): {last.error}"
                    if not (traced and out):
                        out.append(last)
                return out
            self._release_all(time.monotonic())
            if query is not None:
                self.then_rows = results[1]
        elif query is not None:
            self.then_rows = self._run_parts([query])[0]
        return out

    def _abort(self) -> None:
        if self._in_tx():
            self._end_transaction("ROLLBACK")

    def _end_transaction(self, command: str) -> None:
        self.a.execute(command)
        self._release_all(time.monotonic())

    def _release_all(self, now: float) -> None:
        for held in self._held.values():
            held.lock.held_ms = (now - held.since) * 1000
        self._held.clear()

    def _execute(self, sql: str, trace: StatementTrace) -> bool:
        """Run on A, timing it; record an error. True when it succeeded."""
        psycopg = self._psycopg
        began = time.perf_counter()
        try:
            self.a.execute(sql, prepare=False)
        except psycopg.Error as exc:
            trace.duration_ms = (time.perf_counter() - began) * 1000
            self._record_error(trace, exc)
            return False
        trace.duration_ms = (time.perf_counter() - began) * 1000
        trace.status = "ok"
        return True

    def _record_error(self, trace: StatementTrace, exc) -> None:
        trace.status = "failed"
        trace.sqlstate = getattr(exc, "sqlstate", None)
        message = (getattr(getattr(exc, "diag", None), "message_primary", None) or str(exc)).strip()
        if trace.sqlstate == SQLSTATE_QUERY_CANCELED:
            if self.watchdog.expired:
                message = f"canceled: the overall replay timeout ({self.timeout_s:g} s) expired"
            elif "statement timeout" in message:
                message = (f"canceled after {trace.duration_ms / 1000:.1f} s: statement_timeout "
                           f"({self.statement_timeout_s:g} s) exceeded")
        trace.error = message

    def _apply_statement(self, stmt, trace: StatementTrace) -> None:
        if stmt.kind == "TransactionStmt":
            trace.in_transaction = True
        else:
            trace.in_transaction = self._in_tx()
        self._execute(stmt.sql, trace)
        if trace.status == "ok" and stmt.kind == "TransactionStmt" and not self._in_tx():
            self._held.clear()

    # --- tracing one statement -------------------------------------------------------
    def _trace_statement(self, stmt, trace: StatementTrace,
                         filenodes: dict[int, int] | None = None) -> None:
        """`filenodes`: the relfilenodes the previous statement left, when it read them
        after it ran (nothing can have changed them since)."""
        if stmt.kind == "TransactionStmt":
            trace.in_transaction = True
            started = time.monotonic()
            was_in_tx = self._in_tx()
            if self._execute(stmt.sql, trace) and was_in_tx and not self._in_tx():
                self._release_all(started + trace.duration_ms / 1000)
            return
        outside = must_run_outside_transaction(stmt.kind, stmt.node)
        if not self._in_tx() and outside:
            trace.in_transaction = False
            self._trace_outside(stmt, trace)
            return
        own_tx = not self._in_tx()
        trace.in_transaction = not own_tx
        may_rewrite = stmt.kind in _MAY_REWRITE_KINDS
        structure = stmt.kind not in _NO_STRUCTURE_KINDS
        commit_now = own_tx and not self.probe
        self._ensure_prepared()
        # Round trips dominate the cost of tracing, so everything travels in one message
        # (the simple query protocol's multi-statement string, as a plain apply sends the
        # statement): our BEGIN, the relfilenodes before, the statement between two server
        # clock readings (which time it without the network; the second one comes with
        # A's new lock rows, read while they are still held), the structure of the tables
        # it may have changed, the relfilenodes after and our COMMIT. After an error the
        # server skips the rest of the message; only the statement can fail (or be
        # canceled by the timeouts).
        read_before = may_rewrite and filenodes is None
        parts = (["BEGIN"] if own_tx else []) + (["EXECUTE schemalint_filenodes"] if read_before else [])
        clock = len(parts)
        parts += [_CLOCK_SQL, stmt.sql, self._locks_query()]
        if structure:
            parts.append(self._structure_query(stmt))
        if may_rewrite:
            parts.append("EXECUTE schemalint_filenodes")
        if commit_now:
            parts.append("COMMIT")
        started = time.monotonic()
        began = time.perf_counter()
        try:
            if stmt.kind in _FORGETS_PREPARED:
                # DEALLOCATE ALL / DISCARD ALL drop our prepared statements: prepare them
                # again before the reads that follow (a second round trip, for these only).
                split = clock + 2
                results = self._run_parts(parts[:split])
                self._prepared = False
                self._ensure_prepared()
                results += self._run_parts(parts[split:])
            else:
                results = self._run_parts(parts)
        except self._psycopg.Error as exc:
            trace.duration_ms = (time.perf_counter() - began) * 1000
            self._record_error(trace, exc)
            if own_tx and trace.sqlstate == SQLSTATE_ACTIVE_SQL_TRANSACTION:
                # Not in our list of statements that refuse a transaction block: run it bare.
                self.a.execute("ROLLBACK")
                trace.status, trace.error, trace.sqlstate = "not_run", None, None
                self._trace_outside(stmt, trace)
            return
        ended = time.monotonic()
        trace.status = "ok"
        after = clock + 2  # the clock and lock rows, then the structure, then the relfilenodes
        trace.duration_ms = (results[after][0][0] - results[clock][0][0]) * 1000
        self._observe_own_locks(trace, started, [r[1:] for r in results[after] if r[1] is not None])
        for held in self._held.values():
            held.lock.during.append(trace)
        if structure:
            self._record_changes(trace, _fold_structure(results[after + 1]),
                                 [held.lock for held in self._held.values()])
        if may_rewrite:
            before = dict(results[clock - 1]) if read_before else filenodes
            self._filenodes_after = dict(results[after + (2 if structure else 1)])
            self._record_rewrites(trace, before, self._filenodes_after)
        if self.probe:
            self._probe_locks(trace, lambda: True)
        if commit_now:
            self._release_all(ended)
        elif own_tx:
            self._end_transaction("COMMIT")

    def _ensure_prepared(self) -> None:
        """PREPARE the catalog queries that are missing (at the start, or after a migration
        ran DEALLOCATE ALL or DISCARD ALL). Prepared statements are not transactional."""
        if self._prepared:
            return
        have = {row[0] for row in self.a.execute(
            "SELECT name FROM pg_prepared_statements WHERE name = ANY(%s)", (list(PREPARED),))}
        for name, (types, sql) in PREPARED.items():
            if name not in have:
                self.a.execute(f"PREPARE {name}{f'({types})' if types else ''} AS {sql}")
        self._prepared = True

    def _locks_query(self) -> str:
        return f"EXECUTE schemalint_locks({_text_array(f'{oid}:{mode}' for oid, mode in self._held)})"

    def _structure_query(self, stmt) -> str:
        """Re-read the tables this statement may have changed: those it newly locked for
        DDL and those it names. In a long transaction (a framework's per-file one) the
        tables locked by earlier statements need no re-reading unless named again; code
        (DO, CALL, SELECT of a function) may touch any of them."""
        if stmt.kind in ("DoStmt", "CallStmt", "SelectStmt"):
            return "EXECUTE schemalint_structure(true, '{}', '{}')"
        held = sorted({h.lock.relation.oid for h in self._held.values()
                       if h.lock.mode in _DDL_MODE_NAMES})
        return (f"EXECUTE schemalint_structure(false, {_text_array(map(str, held))}, "
                f"{_text_array(sorted(_range_vars(stmt.node)))})")

    def _run_parts(self, parts: list[str]) -> list[list[tuple] | None]:
        """Run several parameterless statements in one round trip: the rows of each one,
        None for those that return none."""
        # The newline before each ';' ends a line comment the statement text may end with.
        cur = self.a.execute("\n;\n".join(parts), prepare=False)
        out = []
        while True:
            # (The status, not `description`, which builds column objects each time.)
            out.append(cur.fetchall() if cur.pgresult.status == self._tuples_ok else None)
            if not cur.nextset():
                return out

    def _lock(self, oid: int, mode_text: str, relkind: str | None, name: str | None,
              transient_ok: bool = False, known: set | None = None) -> LockTrace | None:
        """A lock row -> LockTrace. `known`: the relations known before the statement (a
        relation may have several lock rows: the first one teaches us its name)."""
        try:
            mode = Mode.from_pg_locks(mode_text)
        except ValueError:  # not a table-level mode
            return None
        rel = self.names.get(oid)
        created = oid not in (known if known is not None else self.names)
        if name is not None:
            rel = Relation(oid, _display(name), KINDS.get(relkind, relkind or "relation"))
            self.names[oid] = rel
        elif rel is None:
            if not transient_ok:
                # Gone already and never known: the scratch heap or index of a rewrite.
                return None
            rel = Relation(oid, f"(oid {oid})", "relation")
        blocked = blocks(mode)
        return LockTrace(relation=rel, mode=mode.sql_name,
                         blocks=tuple(b for b in ("reads", "writes", "ddl") if b in blocked),
                         pre_existing=oid in self.pre_existing, created=created)

    def _observe_own_locks(self, trace: StatementTrace, started: float, rows) -> None:
        known = set(self.names)
        for oid, mode_text, relkind, name, lock_timeout in rows:
            trace.lock_timeout = lock_timeout
            key = (oid, mode_text)
            if key in self._held:
                continue  # taken by an earlier statement of this transaction
            lock = self._lock(oid, mode_text, relkind, name, known=known)
            if lock is not None:
                trace.locks.append(lock)
                self._held[key] = _Held(lock, started, trace)

    def _record_rewrites(self, trace: StatementTrace, before: dict[int, int], after: dict[int, int]) -> None:
        for oid, node in before.items():
            new = after.get(oid)
            if new is not None and new != node:
                rel = self.names.get(oid) or Relation(oid, f"(oid {oid})", "relation")
                trace.rewrites.append(rel)

    def _record_changes(self, trace: StatementTrace, now: dict[int, dict], locks) -> None:
        """Diff the structure of the tables locked for DDL against what we last saw. A
        table with such a lock that is missing from `now` was dropped."""
        for lock in locks:
            oid = lock.relation.oid
            if oid in self.structure and oid not in now and _DDL_MODE_NAMES.issuperset((lock.mode,)):
                trace.changes.append(Change(lock.relation.name, "table", lock.relation.name,
                                            "dropped", oid=oid))
                del self.structure[oid]
        for oid, new in now.items():
            old = self.structure.get(oid)
            if old == new:
                continue
            table = self.names[oid].name if oid in self.names else f"(oid {oid})"
            if old is None:
                trace.changes.append(Change(table, "table", table, "added", oid=oid))
            else:
                for (obj, name), definition in new.items():
                    if (obj, name) not in old:
                        trace.changes.append(Change(table, obj, name, "added", definition, oid=oid))
                    elif old[(obj, name)] != definition:
                        trace.changes.append(Change(table, obj, name, "changed", definition,
                                                    old[(obj, name)], oid=oid))
                for (obj, name), definition in old.items():
                    if (obj, name) not in new:
                        trace.changes.append(Change(table, obj, name, "dropped", definition, oid=oid))
            self.structure[oid] = new

    # --- probing -----------------------------------------------------------------------
    def _probe_locks(self, trace: StatementTrace, still_held) -> None:
        """Probe each pre-existing table the statement locked, once; the result belongs
        to the strongest lock the statement took on it."""
        strongest: dict[int, LockTrace] = {}
        for lock in trace.locks:
            # LOCK TABLE refuses materialized views ("This operation is not supported for
            # materialized views", PostgreSQL 15): only tables are probed.
            if lock.pre_existing and lock.relation.kind == "table":
                best = strongest.get(lock.relation.oid)
                if best is None or Mode[lock.mode.replace(" ", "_")] > Mode[best.mode.replace(" ", "_")]:
                    strongest[lock.relation.oid] = lock
        for lock in strongest.values():
            if lock.observed is None:
                observed = self.probe_table(lock.relation.oid)
                if still_held():
                    lock.observed = observed

    def probe_table(self, oid: int) -> dict[str, bool]:
        """Can another session read / write this table right now? B tries the locks a
        SELECT (ACCESS SHARE) and an INSERT/UPDATE/DELETE (ROW EXCLUSIVE) take, NOWAIT,
        in a transaction it rolls back. SQLSTATE 55P03 (lock_not_available): blocked."""
        psycopg = self._psycopg
        out = {}
        name = self.b.execute("SELECT %s::oid::regclass::text", (oid,)).fetchone()[0]
        for what, mode in (("reads", "ACCESS SHARE"), ("writes", "ROW EXCLUSIVE")):
            self.b.execute("BEGIN")
            try:
                self.b.execute(f"LOCK TABLE {name} IN {mode} MODE NOWAIT")
                out[what] = False
            except psycopg.errors.LockNotAvailable:
                out[what] = True
            finally:
                self.b.execute("ROLLBACK")
        return out

    # --- statements outside a transaction block ------------------------------------------
    def _trace_outside(self, stmt, trace: StatementTrace) -> None:
        """Run on A in a thread; B polls A's locks (and probes) until it returns."""
        before = self._filenodes() if stmt.kind in _MAY_REWRITE_KINDS else None
        done = threading.Event()
        box: dict = {}

        def work() -> None:
            try:
                self._execute(stmt.sql, trace)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                box["exc"] = exc
            finally:
                done.set()

        seen: dict[tuple[int, str], LockTrace] = {}
        known = set(self.names)
        thread = threading.Thread(target=work, name="schemalint-replay-statement", daemon=True)
        began = time.monotonic()
        thread.start()
        poll = self.b.cursor()
        while not done.is_set():
            for oid, mode_text, relkind, name in poll.execute(_THEIR_LOCKS_SQL, (self.a_pid,)):
                key = (oid, mode_text)
                if key not in seen:
                    # B cannot name what A created but has not committed yet.
                    lock = self._lock(oid, mode_text, relkind, name, transient_ok=True,
                                      known=known)
                    if lock is not None:
                        seen[key] = lock
                        trace.locks.append(lock)
            if self.probe:
                self._probe_locks(trace, lambda: not done.is_set())
        thread.join()
        if "exc" in box:
            raise box["exc"]
        ended = time.monotonic()
        for lock in trace.locks:
            lock.held_ms = (ended - began) * 1000
            lock.during.append(trace)
            if lock.relation.name.startswith("(oid"):
                self._rename(lock)
        if trace.status != "ok":
            return
        if before is not None:
            self._record_rewrites(trace, before, self._filenodes())
        self._record_changes(trace, self._structure_of(trace.locks),
                             trace.locks)

    def _structure_of(self, locks) -> dict[int, dict]:
        ddl = sorted({lk.relation.oid for lk in locks if lk.mode in _DDL_MODE_NAMES})
        if not ddl:
            return {}
        oids = ", ".join(str(int(o)) for o in ddl)
        tables = f"SELECT oid FROM pg_class WHERE oid IN ({oids}) AND relkind IN ('r', 'p', 'm', 'f')"
        return _fold_structure(self.a.execute(_STRUCTURE_TEMPLATE.format(tables=tables)).fetchall())

    @staticmethod
    def unindexed_foreign_keys_query(tables: list[int]) -> str:
        """Its rows: (table oid, table, constraint, definition) of every foreign key of
        `tables` whose columns are not the leading columns of some index on the table."""
        oids = ", ".join(str(int(t)) for t in tables)
        return f"EXECUTE schemalint_unindexed_fks(ARRAY[{oids}]::oid[])"

    def _rename(self, lock: LockTrace) -> None:
        """A relation B could not name while it ran (created by the statement itself)."""
        row = self.a.execute("SELECT c.oid::regclass::text, c.relkind::text FROM pg_class c "
                             "WHERE c.oid = %s", (lock.relation.oid,)).fetchone()
        if row:
            lock.relation = Relation(lock.relation.oid, _display(row[0]), KINDS.get(row[1], row[1]))
            self.names[lock.relation.oid] = lock.relation
