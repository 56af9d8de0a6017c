"""The `dsn` backend: an existing server, probably shared, so replay works in a sandbox.

Replay creates a scratch role (LOGIN, no SUPERUSER, CREATEDB, CREATEROLE or REPLICATION, a
random password) and a scratch database that role owns, both named
`schemalint_replay_<random>`, and connects as that role for every migration: a migration
cannot step out with RESET ROLE or SET ROLE, since the session itself belongs to the role.
Roles the migrations grant to or own objects as can be declared (`replay: roles`); those
that do not exist are created for the run (NOLOGIN, granted to the scratch role) and
dropped after it; a role that existed before is never altered or dropped. The DSN's user
needs CREATEDB and CREATEROLE (or SUPERUSER) for this; without them replay stops with an
error rather than run with the DSN's own privileges. Statements that reach beyond the
scratch database are not sent (`sandbox.Guard`).

Cleanup drops the database (WITH (FORCE) from PostgreSQL 13; before, or when FORCE may not
end a session, ending what it may and retrying while sessions leave), then the roles, and
says exactly what it had to leave behind. A run killed outright (SIGKILL, a lost machine)
cannot clean up: each role replay creates carries a comment naming its host and process, and
the next run from the same host drops the sandboxes of processes that are gone.

Passwords never appear in output: DSNs shown go through `mask.mask_dsn`, messages from libpq
or the server through `mask.mask_text`.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sys
import time
from dataclasses import dataclass

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemalint.errors import UsageError
from schemalint.replay.cleanup import Cleanup
from schemalint.replay.mask import mask_dsn, mask_text
from schemalint.replay.options import without_asking
from schemalint.replay.process import alive, start_time

DATABASE_PREFIX = "schemalint_replay_"  # the scratch database's and the scratch role's
CONNECT_TIMEOUT_S = 10
DROP_PATIENCE_S = 10.0  # how long cleanup waits for sessions it may not end to leave
RUN_MARK = "schemalint replay run "  # + JSON {host, pid, database}: the comment on its roles


def _parse(dsn: str) -> dict:
    try:
        return conninfo_to_dict(dsn)
    except Exception as exc:  # noqa: BLE001 - psycopg.ProgrammingError
        raise UsageError(f"--dsn {mask_dsn(dsn)}: not a valid connection string "
                         f"({mask_text(str(exc).strip(), dsn)})") from None


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --- the sandbox -----------------------------------------------------------------------

@dataclass
class Sandbox:
    conninfo: str  # the scratch role's, to the scratch database: holds its password
    shown: str  # what to print instead
    name: str  # of the scratch database and of the scratch role
    created_roles: tuple[str, ...]  # declared roles replay created for this run


def _connect_admin(dsn: str, shown: str) -> tuple[psycopg.Connection, str]:
    params = _parse(dsn)
    params.setdefault("connect_timeout", str(CONNECT_TIMEOUT_S))
    admin = make_conninfo(**params)
    try:
        conn = psycopg.connect(admin, autocommit=True)
    except psycopg.Error as exc:
        raise UsageError(f"--dsn {shown}: cannot connect: {mask_text(str(exc).strip(), dsn)}") from None
    conn.add_notice_handler(lambda diag: None)
    return conn, admin


def _require_privileges(conn, shown: str) -> bool:
    """Whether the DSN's user is a superuser; a UsageError when it cannot build the sandbox."""
    user, superuser, createrole, createdb = conn.execute(
        "SELECT current_user, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles "
        "WHERE rolname = current_user").fetchone()
    missing = [] if superuser else [
        attr for attr, has in (("CREATEDB", createdb), ("CREATEROLE", createrole)) if not has]
    if missing:
        raise UsageError(
            f"--dsn {shown}: user {user} lacks {' and '.join(missing)}, which replay needs to "
            "run migrations in a sandbox (a scratch database owned by a scratch role; migrations "
            f"never run with the DSN user's own privileges). Grant {'them' if missing[1:] else 'it'} "
            f"(ALTER ROLE {quote_ident(user)} {' '.join(missing)}), connect as a user that has "
            "them, or replay on a server of replay's own (--backend local or docker)")
    return superuser


def open_sandbox(dsn: str, cleanup: Cleanup, *, roles: tuple[str, ...] = (),
                 major: int | None = None, asked: str = "--pg-version {major}") -> Sandbox:
    """Create the scratch role, the declared roles that do not exist and the scratch
    database; push their removal on `cleanup` (database first, then roles)."""
    shown = mask_dsn(dsn)
    conn, admin = _connect_admin(dsn, shown)
    with conn:
        version = conn.info.server_version
        found = conn.execute("SHOW server_version").fetchone()[0].split()[0]
        if major is not None and version // 10000 != major:
            raise UsageError(f"{asked.format(major=major)}: the server at --dsn {shown} runs PostgreSQL "
                             f"{found}; point --dsn at a PostgreSQL {major} server, or "
                             + without_asking(asked, found))
        superuser = _require_privileges(conn, shown)
        _sweep_dead_runs(conn, admin, version, dsn)
        name = DATABASE_PREFIX + secrets.token_hex(6)
        password = secrets.token_urlsafe(24)
        # The password travels as a verifier computed here, in the server's
        # password_encryption, so it is in no server log.
        verifier = conn.pgconn.encrypt_password(password.encode(), name.encode()).decode()
        try:
            if version >= 160000 and not superuser:
                # PostgreSQL 16: a CREATEROLE user gets only ADMIN OPTION on the roles it
                # creates; CREATE DATABASE ... OWNER needs SET on the owner, and dropping the
                # database later needs its privileges (INHERIT).
                conn.execute("SET createrole_self_grant = 'set, inherit'")
            conn.execute(f"CREATE ROLE {quote_ident(name)} LOGIN NOSUPERUSER NOCREATEDB "
                         f"NOCREATEROLE NOREPLICATION PASSWORD {_quote_literal(verifier)}")
            # Each removal is pushed once its object exists (never a name someone else has),
            # so the stack drops the database first, then the declared roles, then this one.
            cleanup.push(f"drop role {name}", lambda: drop_role(admin, name, dsn))
            _mark(conn, name, name)
            if version < 160000 and not superuser:
                # Before 16, owning a database as another role needs membership in it.
                conn.execute(f"GRANT {quote_ident(name)} TO CURRENT_USER")
            created = _declared_roles(conn, roles, name, admin, dsn, cleanup)
            conn.execute(f"CREATE DATABASE {quote_ident(name)} OWNER {quote_ident(name)}")
            cleanup.push(f"drop database {name}", lambda: drop_database(admin, name, version, dsn))
        except psycopg.Error as exc:
            raise UsageError(f"--dsn {shown}: cannot set up replay's sandbox: "
                             f"{mask_text(str(exc).strip(), dsn)}") from None
    scratch = make_conninfo(admin, user=name, password=password, dbname=name)
    _enter(scratch, shown, name, dsn, created)
    return Sandbox(scratch, f"{shown} (as role {name} in database {name})", name, created)


def _declared_roles(conn, roles, scratch: str, admin: str, dsn: str, cleanup: Cleanup) -> tuple[str, ...]:
    """Create the declared roles that do not exist, NOLOGIN, granted to the scratch role (so
    that it may own objects as them and SET ROLE to them). Existing ones are left alone:
    granting one to the scratch role would hand it that role's privileges on the server."""
    created = []
    for role in dict.fromkeys(roles):
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
            continue
        try:
            conn.execute(f"CREATE ROLE {quote_ident(role)} NOLOGIN")
        except psycopg.errors.DuplicateObject:
            continue  # created meanwhile by someone else: theirs
        cleanup.push(f"drop role {role}", lambda role=role: drop_role(admin, role, dsn))
        _mark(conn, role, scratch)
        conn.execute(f"GRANT {quote_ident(role)} TO {quote_ident(scratch)}")
        created.append(role)
    return tuple(created)


def _enter(scratch: str, shown: str, name: str, dsn: str, created: tuple[str, ...]) -> None:
    """Log in as the scratch role (a server that cannot let it in is told plainly) and let
    the declared roles replay created create objects in the scratch database, as an
    application's owner role would (`SET ROLE app_owner; CREATE TABLE ...`)."""
    try:
        with psycopg.connect(scratch, autocommit=True) as conn:
            for role in created:
                conn.execute(f"GRANT CREATE ON DATABASE {quote_ident(name)} TO {quote_ident(role)}")
                if conn.execute("SELECT to_regnamespace('public')").fetchone()[0] is not None:
                    conn.execute(f"GRANT CREATE ON SCHEMA public TO {quote_ident(role)}")
    except psycopg.OperationalError as exc:
        raise UsageError(
            f"--dsn {shown}: replay's scratch role {name} cannot log in "
            f"({mask_text(str(exc).strip(), dsn)}). Replay runs the migrations as a role it "
            "creates, with a password: the server's pg_hba.conf must accept password "
            "(scram-sha-256, md5) or trust authentication for new roles from this client "
            "(peer, ident or certificate authentication cannot work for a role made on the fly)"
        ) from None
    except psycopg.Error as exc:
        raise UsageError(f"--dsn {shown}: cannot set up replay's sandbox: "
                         f"{mask_text(str(exc).strip(), dsn)}") from None


# --- runs that could not clean up -------------------------------------------------------

def _mark(conn, role: str, database: str) -> None:
    """Sign a role replay created with this run (roles are cluster-wide, so a comment on one
    outlives the process; COMMENT ON ROLE needs only the CREATEROLE/ADMIN we created it with)."""
    note = RUN_MARK + json.dumps({"host": socket.gethostname(), "pid": os.getpid(),
                                  "started": start_time(os.getpid()), "database": database},
                                 sort_keys=True)
    conn.execute(f"COMMENT ON ROLE {quote_ident(role)} IS {_quote_literal(note)}")


def _sweep_dead_runs(conn, admin: str, version: int, dsn: str) -> None:
    """Drop the sandboxes (database, then roles) of runs from this host whose process is gone.
    A run on another host is never touched: its process cannot be checked from here."""
    host = socket.gethostname()
    dead: dict[str, list[str]] = {}
    for role, comment in conn.execute(
            "SELECT rolname, shobj_description(oid, 'pg_authid') FROM pg_roles "
            "WHERE shobj_description(oid, 'pg_authid') LIKE %s ORDER BY rolname",
            (RUN_MARK + "%",)):
        try:
            run = json.loads(comment[len(RUN_MARK):])
            database, pid, started = str(run["database"]), int(run["pid"]), str(run["started"])
        except (ValueError, KeyError, TypeError):
            continue  # not a comment replay wrote
        if run.get("host") == host and database.startswith(DATABASE_PREFIX) and not alive(pid, started):
            dead.setdefault(database, []).append(role)
    for database, roles in dead.items():
        try:
            drop_database(admin, database, version, dsn, patience=2.0)
            # The scratch role last: the declared roles were granted to it.
            for role in sorted(roles, key=lambda r: r == database):
                drop_role(admin, role, dsn)
        except LeftBehind as exc:
            print(f"schemalint: a dead run's sandbox is still there: {exc}", file=sys.stderr)
            continue
        print(f"schemalint: dropped the sandbox of a run on this host that ended without "
              f"cleaning up: database {database}, roles {', '.join(sorted(roles))}", file=sys.stderr)


# --- cleanup ---------------------------------------------------------------------------

class LeftBehind(Exception):
    """Cleanup could not remove something; the message says what and how to remove it."""


def drop_database(admin: str, name: str, version: int, dsn: str | None = None,
                  patience: float | None = None) -> None:
    """Drop the scratch database (a server before 13 is told by `version`), waiting up to
    `patience` seconds (DROP_PATIENCE_S) for sessions it may not end. Only names replay
    generated are ever dropped."""
    patience = DROP_PATIENCE_S if patience is None else patience
    if not name.startswith(DATABASE_PREFIX):  # pragma: no cover - defensive
        raise ValueError(f"refusing to drop {name!r}")
    drop = f"DROP DATABASE IF EXISTS {quote_ident(name)}"
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            if version >= 130000:
                try:
                    # 13+: ends the other sessions in it, when we may end them all.
                    conn.execute(drop + " WITH (FORCE)")
                    return
                except psycopg.Error:
                    pass  # a session we may not end (a superuser's): wait for it below
            deadline = time.monotonic() + patience
            while True:
                # DROP DATABASE ends autovacuum workers (sessions without a user) itself,
                # but waits 5 s for any other session and then fails: send it once none is left.
                if not _end_sessions(conn, name):
                    try:
                        conn.execute(drop)
                        return
                    except psycopg.errors.ObjectInUse:
                        pass  # one came in meanwhile
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.1)
            # (Another user's backend_type and state are hidden from a non-superuser.)
            sessions = conn.execute(
                "SELECT a.pid, coalesce(a.usename, '?'), concat_ws(', ', "
                "CASE WHEN r.rolsuper THEN 'superuser' END, a.backend_type, a.state) "
                "FROM pg_stat_activity a LEFT JOIN pg_roles r ON r.oid = a.usesysid "
                "WHERE a.datname = %s AND a.usesysid IS NOT NULL", (name,)).fetchall()
    except psycopg.Error as exc:
        raise LeftBehind(f"database {name} was NOT dropped ({mask_text(str(exc).strip(), dsn)}); "
                         f"drop it with: DROP DATABASE {quote_ident(name)} WITH (FORCE);") from None
    who = ", ".join(f"pid {pid} ({user}{', ' + more if more else ''})"
                    for pid, user, more in sessions) or "a session that has just left"
    raise LeftBehind(f"database {name} was NOT dropped: after {patience:g} s it is still in use "
                     f"by {who}, which this user may not end; drop it with: "
                     f"DROP DATABASE {quote_ident(name)} WITH (FORCE);")


def _end_sessions(conn, name: str) -> int:
    """pg_terminate_backend each session in the database that we may end (those of roles we
    are a member of; a superuser's raises an error, which leaves it alone). Returns how many
    sessions with a user were there."""
    pids = [r[0] for r in conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
        "AND usesysid IS NOT NULL", (name,))]
    for pid in pids:
        try:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        except psycopg.Error:
            pass
    return len(pids)


def drop_role(admin: str, role: str, dsn: str | None = None) -> None:
    """Drop a role replay created. Objects or privileges it still has here (nothing replay
    made outside the scratch database, which is gone by now) are dropped with it: being
    replay's, they are this run's."""
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            try:
                conn.execute(f"DROP ROLE IF EXISTS {quote_ident(role)}")
            except psycopg.errors.DependentObjectsStillExist:
                conn.execute(f"DROP OWNED BY {quote_ident(role)}")
                conn.execute(f"DROP ROLE IF EXISTS {quote_ident(role)}")
    except psycopg.Error as exc:
        detail = getattr(getattr(exc, "diag", None), "message_detail", None)
        why = mask_text(" ".join(filter(None, (str(exc).strip(), detail))), dsn)
        raise LeftBehind(f"role {role} was NOT dropped ({why}); drop it with: "
                         f"DROP ROLE {quote_ident(role)};") from None
