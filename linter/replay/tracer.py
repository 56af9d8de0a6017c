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
  ...) runs in a thread on A while B polls `pg_locks` for A's pid. Polling alone misses
  the locks of a statement that ends between two polls, so B first holds the tables the
  statement names (`_Blocker`): A waits at its first lock, B reads that waiting lock, then
  lets it go.

The catalog queries are in `queries`, what they teach is kept in the `ledger`, what a statement's
kind tells before it runs is in `kinds`. The ledger's work on a statement's rows is done while
the server runs the next statement's message (`_send_parts`).
"""

from __future__ import annotations

import threading
import time

import psycopg

try:  # Cursor.execute's steps (send, fetch later: _send_parts), not documented API: without
    from psycopg import generators  # them _run_parts observes the same, a little slower
    from psycopg.adapt import Transformer
except ImportError:  # pragma: no cover - every psycopg >= 3.1 has them
    generators = Transformer = None

from schemalint.replay.kinds import (
    MAY_REWRITE_KINDS,
    dropped_indexes,
    may_change_structure,
    may_lock_relations,
    must_run_outside_transaction,
    named_tables,
    reads_referencing,
)
from schemalint.replay.ledger import Ledger, ddl_oids
from schemalint.replay.probe import probe_statement
from schemalint.replay.queries import (
    BLOCKER_TARGETS_SQL,
    CLOCK_SQL,
    FILENODES_QUERY,
    FILENODES_SQL,
    PREPARED,
    RELATION_SQL,
    RELATIONS_SQL,
    STRUCTURE_ALL_SQL,
    THEIR_LOCKS_SQL,
    THEIR_WAITS_SQL,
    fold_structure,
    held_array,
    locks_query,
    named_relations,
    structure_query,
    structure_sql,
)
from schemalint.replay.trace import StatementTrace
from schemalint.replay.watchdog import Watchdog

_TUPLES_OK = psycopg.pq.ExecStatus.TUPLES_OK
_FATAL_ERROR = psycopg.pq.ExecStatus.FATAL_ERROR
# Statements after which the PREPARED statements may be gone (DEALLOCATE ALL, DISCARD ALL).
_FORGETS_PREPARED = frozenset({"DeallocateStmt", "DiscardStmt"})

# How long B holds a statement's tables at most, waiting for A to ask for one of them.
_HOLD_S = 2.0
SQLSTATE_QUERY_CANCELED = "57014"
SQLSTATE_ACTIVE_SQL_TRANSACTION = "25001"


class _Filenodes:
    """The relfilenodes a statement's message read, as {oid: relfilenode} once the ledger's
    work asks for them (off the time the next statement waits for)."""

    __slots__ = ("_load", "_map", "_result")

    def __init__(self, result, load) -> None:
        self._result, self._load, self._map = result, load, None

    def map(self) -> dict[int, int]:
        if self._map is None:
            self._map = dict(self._load(self._result))
            self._result = None
        return self._map


class Tracer:
    """Sessions A and B on one server, and the migration files applied through them."""

    def __init__(self, conninfo: str, *, statement_timeout_s: float = 60.0, probe: bool = False,
                 timeout_s: float | None = None) -> None:
        self.statement_timeout_s = statement_timeout_s
        self.probe = probe
        timeout_ms = int(statement_timeout_s * 1000) if statement_timeout_s else 0
        # A: the migration's session, with the per-statement timeout set server-side.
        self.a = psycopg.connect(conninfo, autocommit=True,
                                 options=f"-c statement_timeout={timeout_ms}")
        self.a.prepare_threshold = None  # see queries.PREPARED
        # B: the watcher. It must never wait on A's locks for long.
        self.b = psycopg.connect(conninfo, autocommit=True,
                                 options="-c statement_timeout=10000 -c lock_timeout=1000")
        for conn in (self.a, self.b):
            conn.add_notice_handler(lambda diag: None)  # NOTICEs are the migration's business
        self.a_pid = self.a.info.backend_pid
        self.server_version = self.a.execute("SHOW server_version").fetchone()[0].split()[0]
        self.server_version_num = self.a.info.server_version
        self.watchdog = Watchdog(self.a, timeout_s)
        self.timeout_s = timeout_s
        self.ledger = Ledger()
        self._prepared = False  # the PREPARED statements exist on A
        self.then_rows: list[tuple] | None = None  # see run_migration
        # guard(stmt, trace) -> True: do not send the statement (a shared server's sandbox).
        self.guard = None
        # goes_on(trace): whether the file goes on after this failed statement (the runner's
        # rule: a framework's runner would go on); `stopped`: the failure run_migration stopped at.
        self.goes_on = None
        self.stopped: StatementTrace | None = None
        # The relfilenodes read right after the last statement, for the next one's "before".
        self._filenodes_after: _Filenodes | None = None
        # A ROLLBACK TO SAVEPOINT took back changes of tables the next statement may not name:
        # its structure reading covers every DDL-locked table (named_tables).
        self._read_all = False
        self._held_sql: tuple[int, str] = (-1, "")  # (ledger.held_version, its held_array)
        # The ledger's work on the last statement's rows, not done yet (see _send_parts).
        self._pending = None
        self._pending_held: list[tuple[int, str]] = []  # the locks it will add to the held ones
        # Turns _send_parts' results into rows in this client encoding (a migration may SET it).
        self._rows = (self.a.info.encoding, Transformer(self.a) if Transformer is not None else None)

    def close(self) -> None:
        self.watchdog.stop()
        for conn in (self.a, self.b):
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass

    # --- catalog reads ---------------------------------------------------------------
    def _in_tx(self) -> bool:
        return self.a.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def refresh_relations(self) -> None:
        """Read the names of all relations (before the traced migrations)."""
        self.ledger.read_relations(self.a.execute(RELATIONS_SQL).fetchall())

    def snapshot_structure(self) -> None:
        """The structure of every table, before the traced migrations."""
        self.ledger.read_structure(self.a.execute(STRUCTURE_ALL_SQL).fetchall())

    def _filenodes(self) -> dict[int, int]:
        return dict(self.a.execute(FILENODES_SQL).fetchall())

    # --- running one migration -------------------------------------------------------
    def run_migration(self, migration, statements, *, traced: bool, framework_tx: bool,
                      then=None) -> list[StatementTrace]:
        """Apply one migration file. Returns a trace per statement run (traced) or only the
        failed statements' traces (untraced). Stops at the first failure (left in
        `stopped`) unless `goes_on` says the file goes on past it.

        `then(traces)`: a query (or None) to run once the file has applied, in the round
        trip of its COMMIT when it ends one; its rows are left in `then_rows`."""
        self.then_rows = None
        self.stopped = None
        if traced:
            self.ledger.start_file()
        out: list[StatementTrace] = []
        failed = False
        if framework_tx:
            self.a.execute("BEGIN")
        lines = migration.lines
        for stmt in statements:
            # What the last statement left: only the next statement on A may use it.
            filenodes, self._filenodes_after = self._filenodes_after, None
            trace = StatementTrace(migration=migration, start=stmt.start, end=stmt.end,
                                   line=lines.position(stmt.start)[0], sql=stmt.sql,
                                   kind=stmt.kind, traced=traced)
            if self.guard is not None and self.guard(stmt, trace):
                self._filenodes_after = filenodes  # nothing was sent
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
                self._abort()
                if self.goes_on is None or not self.goes_on(trace):
                    # The statements after it are not run: the caller counts them.
                    failed = True
                    self.stopped = trace
                    out.append(trace)
                    break
                out.append(trace)
            elif traced:
                out.append(trace)
        self._flush()
        if failed:
            return out
        query = then(out) if then is not None else None
        if query is not None:
            self._ensure_prepared()
        if self._in_tx():
            # The framework's transaction, or a BEGIN the file never closed.
            try:
                results = self._run_parts(["COMMIT"] + ([query] if query is not None else []))
            except psycopg.Error as exc:
                # A deferred constraint is checked at COMMIT: the file fails where its
                # transaction ends, at its last statement (PostgreSQL has rolled it back).
                self.ledger.release_all(time.monotonic())
                if statements:
                    last = out[-1] if traced and out else StatementTrace(
                        migration=migration, start=statements[-1].start, end=statements[-1].end,
                        line=lines.position(statements[-1].start)[0], sql=statements[-1].sql,
                        kind=statements[-1].kind, traced=traced)
                    self._record_error(last, exc)
                    last.error = f"at the end of the file's transaction (COMMIT): {last.error}"
                    self.stopped = last
                    if not (traced and out):
                        out.append(last)
                return out
            self.ledger.release_all(time.monotonic())
            if query is not None:
                self.then_rows = results[1]
        elif query is not None:
            self.then_rows = self._run_parts([query])[0]
        return out

    def _abort(self) -> None:
        self._flush()
        if self._in_tx():
            self._end_transaction("ROLLBACK")

    def _end_transaction(self, command: str) -> None:
        self._flush()
        self.a.execute(command)
        self.ledger.release_all(time.monotonic())

    def _execute(self, sql: str, trace: StatementTrace) -> bool:
        """Run on A, timing it; record an error. True when it succeeded."""
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
            self.ledger.forget_held()

    # --- tracing one statement -------------------------------------------------------
    def _trace_statement(self, stmt, trace: StatementTrace,
                         filenodes: _Filenodes | None = None) -> None:
        """`filenodes`: the relfilenodes the previous statement left, when it read them
        after it ran (nothing can have changed them since)."""
        if stmt.kind == "TransactionStmt":
            self._flush()
            trace.in_transaction = True
            self._read_all |= stmt.node.get("kind") == "TRANS_STMT_ROLLBACK_TO"
            started = time.monotonic()
            was_in_tx = self._in_tx()
            if self._execute(stmt.sql, trace) and was_in_tx and not self._in_tx():
                self.ledger.release_all(started + trace.duration_ms / 1000)
            return
        outside = must_run_outside_transaction(stmt.kind, stmt.node)
        if not self._in_tx() and outside:
            self._flush()
            trace.in_transaction = False
            self._trace_outside(stmt, trace)
            return
        own_tx = not self._in_tx()
        trace.in_transaction = not own_tx
        may_rewrite = stmt.kind in MAY_REWRITE_KINDS
        structure = may_change_structure(stmt.kind, stmt.node)
        # CREATE INDEX adds an index and changes nothing else of its table.
        indexes_only = stmt.kind == "IndexStmt"
        named = named_tables(stmt.kind, stmt.node) if structure and not self._read_all else None
        oids: list[int] = []
        if structure and named is None and not self._read_all:
            dropped = dropped_indexes(stmt.kind, stmt.node)
            if dropped is not None:
                self._flush()  # the ledger must know the indexes up to the last statement
                tables = self.ledger.index_tables(dropped)
                if tables:
                    # DROP INDEX changes the indexes of those tables, nothing else.
                    named, oids, indexes_only = [], tables, True
        self._read_all &= not structure
        commit_now = own_tx and not self.probe
        self._ensure_prepared()
        # Round trips dominate the cost of tracing, so everything travels in one message
        # (the simple query protocol's multi-statement string, as a plain apply sends the
        # statement): our BEGIN, the relfilenodes before, the statement between two server
        # clock readings (which time it without the network; the second one comes with
        # A's new lock rows, read while they are still held, unless it can take none), the
        # structure of the tables it may have changed, the relfilenodes after and our COMMIT.
        # After an error the server skips the rest of the message; only the statement can
        # fail (or be canceled by the timeouts).
        read_before = may_rewrite and filenodes is None
        parts = (["BEGIN"] if own_tx else []) + ([FILENODES_QUERY] if read_before else [])
        clock = len(parts)
        locks = may_lock_relations(stmt.kind, stmt.node)
        parts += [CLOCK_SQL, stmt.sql, locks_query(self._held_array()) if locks else CLOCK_SQL]
        if structure:
            parts.append(structure_query(indexes_only, named, oids,
                                         named is not None and reads_referencing(stmt.kind, stmt.node)))
        if may_rewrite:
            parts.append(FILENODES_QUERY)
        if commit_now:
            parts.append("COMMIT")
        # The ledger's work on the previous statement's rows is done while the server runs
        # this one (_send_parts): it needs none of it. Not with --probe, which probes the
        # locks now; not for COPY, which psycopg's own path refuses.
        overlap = generators is not None and not (
            self.probe or stmt.kind in _FORGETS_PREPARED or stmt.kind == "CopyStmt")
        started = time.monotonic()
        began = time.perf_counter()
        try:
            if overlap:
                results = self._send_parts(parts)
            elif stmt.kind in _FORGETS_PREPARED:
                self._flush()
                # DEALLOCATE ALL / DISCARD ALL drop our prepared statements: prepare them
                # again before the reads that follow (a second round trip, for these only).
                split = clock + 2
                results = self._run_parts(parts[:split])
                self._prepared = False
                self._ensure_prepared()
                results += self._run_parts(parts[split:])
            else:
                self._flush()
                results = self._run_parts(parts)
        except psycopg.Error as exc:
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
        rows = self._rows_of
        lock_rows = rows(results[after])
        trace.duration_ms = (lock_rows[0][0] - rows(results[clock])[0][0]) * 1000
        if may_rewrite:
            before = _Filenodes(results[clock - 1], rows) if read_before else filenodes
            # For the next statement, whose message is sent before the ledger's work.
            self._filenodes_after = _Filenodes(results[after + (2 if structure else 1)], rows)
            rewritten = (before, self._filenodes_after)

        def note() -> None:
            ledger = self.ledger
            if locks:
                ledger.note_own_locks(trace, started, [r[1:] for r in lock_rows if r[1] is not None])
            ledger.note_during(trace)
            if structure:
                now = fold_structure(rows(results[after + 1]))
                if indexes_only:
                    ledger.keep_unread(now, lambda key: key[0] != "index")
                # Only a full reading can tell a locked table is gone (none of these drops one).
                ledger.record_changes(trace, now, ledger.held_locks() if named is None else ())
            if may_rewrite:
                ledger.record_rewrites(trace, rewritten[0].map(), rewritten[1].map())
            if commit_now:
                ledger.release_all(ended)

        if overlap:
            self._pending = note
            if locks and not commit_now:
                # The locks the ledger will hold once it has noted these rows (those it
                # names: see Ledger.lock), for the next statement's message.
                names = self.ledger.names
                self._pending_held = [(r[1], r[2]) for r in lock_rows
                                      if r[1] is not None and (r[4] is not None or r[1] in names)]
            return
        note()
        if self.probe:
            probe_statement(self.b, trace, lambda: True)
        if own_tx and not commit_now:
            self._end_transaction("COMMIT")

    def _flush(self) -> None:
        """Do the ledger's work left from the last statement (see _send_parts)."""
        pending, self._pending = self._pending, None
        self._pending_held = []
        if pending is not None:
            pending()

    def _rows_of(self, result) -> list[tuple]:
        """The rows of one of _send_parts' results (or of _run_parts', already rows)."""
        if isinstance(result, list):
            return result
        rows = self._rows[1]
        rows.set_pgresult(result)
        return rows.load_rows(0, result.ntuples, tuple)

    def _send_parts(self, parts: list[str]) -> list:
        """`_run_parts`, doing the ledger's work left from the last statement while the
        server runs these. The next statement's message needs none of that work: its lock
        rows leave out the locks the ledger held before the last statement and those the
        last statement took, as far as the ledger will hold them. The results that return
        rows are left as libpq results, for _rows_of (the ledger's work reads some of them
        only when it runs)."""
        pgconn = self.a.pgconn
        # (The newline before each ';': see _run_parts.)
        encoding = self.a.info.encoding
        if encoding != self._rows[0]:
            self._rows = (encoding, Transformer(self.a))
        pgconn.send_query("\n;\n".join(parts).encode(encoding))
        self.a.wait(generators.send(pgconn))
        self._flush()
        out: list[list[tuple] | None] = []
        for result in self.a.wait(generators.fetch_many(pgconn)):
            status = result.status
            if status == _TUPLES_OK:
                out.append(result)
            elif status == _FATAL_ERROR:
                raise psycopg.errors.error_from_result(result, encoding=encoding)
            else:
                out.append(None)
        return out

    def _held_array(self) -> str:
        """`held_array` of the held locks, built again only when they changed, with the new
        locks of the last statement when the ledger has not noted them yet. (Leaving those
        out would only bring their rows again, skipped as held.)"""
        version = self.ledger.held_version
        if self._held_sql[0] != version:
            self._held_sql = (version, held_array(self.ledger.held))
        if self._pending is not None and self._pending_held:
            return held_array(self._pending_held, self._held_sql[1])
        return self._held_sql[1]

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

    def _run_parts(self, parts: list[str]) -> list[list[tuple] | None]:
        """Run several parameterless statements in one round trip: the rows of each one,
        None for those that return none."""
        # The newline before each ';' ends a line comment the statement text may end with.
        cur = self.a.execute("\n;\n".join(parts), prepare=False)
        out = []
        while True:
            # (The status, not `description`, which builds column objects each time.)
            out.append(cur.fetchall() if cur.pgresult.status == _TUPLES_OK else None)
            if not cur.nextset():
                return out

    # --- statements outside a transaction block ------------------------------------------
    def _hold(self, stmt) -> bool:
        """B takes ACCESS EXCLUSIVE, in a transaction, on the existing tables `stmt` names
        (an index's table for an index), so that A waits at its first lock on one of them
        (every table-level mode conflicts with ACCESS EXCLUSIVE). True when held. Names are
        resolved with B's search_path; a name B cannot resolve or lock is not held, and
        the statement is then only polled."""
        names = named_relations(stmt.node)
        if not names:
            return False
        try:
            targets = [row[0] for row in self.b.execute(BLOCKER_TARGETS_SQL, (names,))]
            if not targets:
                return False
            self.b.execute("BEGIN")
            self.b.execute(f"LOCK TABLE {', '.join(targets)} IN ACCESS EXCLUSIVE MODE")
        except psycopg.Error:
            self._release()
            return False
        return True

    def _release(self) -> None:
        if self.b.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self.b.execute("ROLLBACK")

    def _trace_outside(self, stmt, trace: StatementTrace) -> None:
        """Run on A in a thread; B holds the tables it names until A waits for one of them,
        records that lock, lets it go, then polls A's locks (and probes) until it returns."""
        before = self._filenodes() if stmt.kind in MAY_REWRITE_KINDS else None
        trace.lock_timeout = self.a.execute("SHOW lock_timeout").fetchone()[0]
        held = self._hold(stmt)
        if held and trace.lock_timeout != "0":
            # The migration's lock_timeout must not fire while B holds A back on purpose.
            self.a.execute("SET lock_timeout = 0")
        done = threading.Event()
        box: dict = {}

        def work() -> None:
            try:
                self._execute(stmt.sql, trace)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                box["exc"] = exc
            finally:
                done.set()

        ledger = self.ledger
        seen: set[tuple[int, str]] = set()
        known = set(ledger.names)
        thread = threading.Thread(target=work, name="schemalint-replay-statement", daemon=True)
        began = time.monotonic()
        thread.start()
        poll = self.b.cursor()
        waited = 0.0  # how long A waited for B
        while not done.is_set():
            if held:
                waits = poll.execute(THEIR_WAITS_SQL, (self.a_pid,)).fetchall()
                if not waits and time.monotonic() - began < _HOLD_S:
                    continue
                for locktype, oid, mode_text, relkind, name in waits:
                    # The lock A waits for is granted as soon as B lets go: it is the
                    # statement's first lock on that table.
                    if locktype == "relation" and oid is not None and oid >= 16384:
                        lock = ledger.lock(oid, mode_text, relkind, name, known=known)
                        if lock is not None and (oid, mode_text) not in seen:
                            seen.add((oid, mode_text))
                            trace.locks.append(lock)
                self._release()
                held = False
                waited = time.monotonic() - began
                continue
            for oid, mode_text, relkind, name in poll.execute(THEIR_LOCKS_SQL, (self.a_pid,)):
                key = (oid, mode_text)
                if key not in seen:
                    # B cannot name what A created but has not committed yet.
                    lock = ledger.lock(oid, mode_text, relkind, name, transient_ok=True, known=known)
                    if lock is not None:
                        seen.add(key)
                        trace.locks.append(lock)
            if self.probe:
                probe_statement(self.b, trace, lambda: not done.is_set())
        thread.join()
        if held:
            self._release()  # A ended (failed) before waiting for B
        if trace.lock_timeout != "0" and self.a.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            self.a.execute("SELECT set_config('lock_timeout', %s, false)", (trace.lock_timeout,))
        if "exc" in box:
            raise box["exc"]
        ended = time.monotonic()
        # The time A waited for B is replay's, not the statement's.
        trace.duration_ms = max(0.0, trace.duration_ms - waited * 1000)
        began += waited
        for lock in trace.locks:
            lock.held_ms = (ended - began) * 1000
            lock.during.append(trace)
            if lock.relation.name.startswith("(oid"):
                # Created by the statement itself: A can name it now.
                row = self.a.execute(RELATION_SQL, (lock.relation.oid,)).fetchone()
                if row:
                    ledger.rename(lock, *row)
        if trace.status != "ok":
            return
        # Learn what the statement created (an index whose lock ended between two polls),
        # so that later files see it as pre-existing.
        ledger.learn_relations(self.a.execute(RELATIONS_SQL).fetchall())
        if before is not None:
            ledger.record_rewrites(trace, before, self._filenodes())
        oids = ddl_oids(trace.locks)
        now = fold_structure(self.a.execute(structure_sql(oids)).fetchall()) if oids else {}
        ledger.record_changes(trace, now, trace.locks)
