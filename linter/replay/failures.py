"""How a replay fails, and what it says about it: a file PostgreSQL refuses before running
any of it, the statements that did not run (counted per file, never listed with their SQL),
where and why the replay stopped, and a role the replay database lacks."""

from __future__ import annotations

import re

from schemalint.discover.source import Migration
from schemalint.replay.stream import FileStatements
from schemalint.replay.trace import NotRun, ReplayReport, StatementTrace


def _failed_at(migration: Migration, start: int, end: int, error: str) -> StatementTrace:
    line = migration.lines.position(start)[0]
    return StatementTrace(migration=migration, start=start, end=end, line=line,
                          sql=migration.text[start:end], kind="", status="failed", error=error)


def refused(migration: Migration, files: FileStatements) -> StatementTrace | None:
    """Why PostgreSQL would refuse the whole file before running any of it, as the trace of
    the failure: a statement it cannot parse, or bytes that are not UTF-8 (a UTF-8 server
    rejects the query text on receipt: SQLSTATE 22021)."""
    if _sends_invalid_utf8(migration):
        at = migration.invalid_utf8_at
        stmt = next((s for s in files if s.end > at), None)
        start, end = (stmt.start, stmt.end) if stmt is not None else (at, at + 1)
        line, col = migration.lines.position(at)
        return _failed_at(migration, start, end,
                          f'invalid byte sequence for encoding "UTF8" at line {line}, column {col}: '
                          "the file is not valid UTF-8 and PostgreSQL rejects it")
    error = files.error
    if error is not None:
        return _failed_at(migration, error.start, error.end, error.message)
    return None


def _sends_invalid_utf8(migration: Migration) -> bool:
    """Whether the text this migration sends holds the file's first invalid byte (decoded as
    U+FFFD): a goose or dbmate section blanks the other sections out, which may hold it."""
    at = migration.invalid_utf8_at
    if at is None:
        return False
    sent = migration.parse_text
    if migration.sql is not None and len(sent) == len(migration.text):
        return sent[at:at + 1] == "\ufffd"
    return "\ufffd" in sent


def count_not_run(migration: Migration, statements, report: ReplayReport) -> None:
    """Count `statements` (not run) into one NotRun entry: the report names the lines, not the SQL."""
    first = last = None
    count = 0
    for stmt in statements:
        if first is None:
            first = stmt.start
        last = stmt.start
        count += 1
    if count:
        lines = migration.lines
        report.not_run.append(NotRun(migration, lines.position(first)[0], lines.position(last)[0],
                                     count, seq=len(report.statements)))


def stop(report: ReplayReport, at: StatementTrace, files_left: int, hint: str | None = None) -> None:
    """Say why the replay stopped and how many files it did not replay. `hint`: why the
    server may be the cause (its version older than the one checked for)."""
    report.stopped_at, report.not_replayed = at, files_left
    why = at.error or "failed"
    if hint:
        why += f"; {hint}"
    if at.sqlstate == SQLSTATE_UNDEFINED_OBJECT and missing_role(at.error_primary) and at.in_transaction:
        why += ("; the statement ran inside a transaction, which the failure aborted, so the "
                "framework's runner would stop here too")
    report.stopped = f"{at.path}:{at.line}: {why}" + (
        f"; {files_left} later migration file(s) not replayed" if files_left else "")


# SQLSTATE 42704 (undefined_object) with this message: a role the migration names is missing.
SQLSTATE_UNDEFINED_OBJECT = "42704"
_MISSING_ROLE = re.compile(r'^role "(.+)" does not exist$')


def missing_role(message: str | None) -> str | None:
    m = _MISSING_ROLE.match(message or "")
    return m.group(1) if m else None


def role_goes_on(trace: StatementTrace) -> bool:
    """A statement that failed for a role the replay database lacks (one every deployment
    has: `ALTER USER some_admin ...`) is reported with what to declare; the file goes on
    when the statement ran on its own (autocommit changed nothing else), as a runner that
    sends statements one by one would. Inside a transaction the failure aborted it: stop."""
    role = missing_role(trace.error) if trace.sqlstate == SQLSTATE_UNDEFINED_OBJECT else None
    if role is None:
        return False
    trace.error_primary = trace.error
    trace.error = (f"{trace.error}: the replay database has no role {role}; if every deployment "
                   f"has it, declare it in the configuration (replay: roles: [{role}]) and replay "
                   "creates it")
    return not trace.in_transaction
