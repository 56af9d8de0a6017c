"""What replay does not send to a shared server: statements whose effect reaches beyond its
scratch database.

With `--dsn`, migrations run as a scratch role that owns only the scratch database (see
`dsn`): the role is the barrier, PostgreSQL refuses it everything else. This module is the
courtesy in front of it: statements that act on the server as a whole (databases, roles,
tablespaces, its configuration, its files, its other sessions, replication) are recognised
from the parse tree and not sent at all, so the rest of the migration still replays and
the report says exactly what was left out (`replay-skipped-cluster-statement`).

Code the parser cannot see (DO blocks, function bodies, dynamic SQL) is not inspected: it
runs as the scratch role, and PostgreSQL refuses what the role may not do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from schemalint.diagnostics.replay_rules import SKIPPED_CLUSTER_STATEMENT
from schemalint.diagnostics.rule import make_diagnostic
from schemalint.parse.statements import fingerprint
from schemalint.replay.trace import StatementTrace

# Statement kinds that act on the server, whatever their arguments.
_KINDS = {
    "CreatedbStmt": "creates a database",
    "DropdbStmt": "drops a database",
    "AlterDatabaseStmt": "alters a database",
    "AlterDatabaseSetStmt": "sets a database's configuration",
    "AlterDatabaseRefreshCollStmt": "alters a database",
    "AlterSystemStmt": "writes the server's configuration (postgresql.auto.conf)",
    "CreateRoleStmt": "creates a role (roles belong to the whole server)",
    "AlterRoleStmt": "alters a role (roles belong to the whole server)",
    "AlterRoleSetStmt": "sets a role's configuration (roles belong to the whole server)",
    "DropRoleStmt": "drops a role (roles belong to the whole server)",
    "GrantRoleStmt": "changes role membership (roles belong to the whole server)",
    # Both also act on the role's databases, tablespaces and parameter privileges.
    "ReassignOwnedStmt": "reassigns a role's objects, databases and tablespaces included",
    "DropOwnedStmt": "revokes a role's privileges on databases, tablespaces and parameters too",
    "CreateTableSpaceStmt": "creates a tablespace (a directory on the server)",
    "DropTableSpaceStmt": "drops a tablespace",
    "AlterTableSpaceOptionsStmt": "alters a tablespace",
    "LoadStmt": "loads a shared library into the server",
    "CheckPointStmt": "forces a checkpoint of the whole server",
    "CreateSubscriptionStmt": "subscribes to another server (logical replication)",
    "AlterSubscriptionStmt": "alters a subscription to another server",
    "DropSubscriptionStmt": "drops a subscription (and its slot on the publishing server)",
    "ImportForeignSchemaStmt": "reads the catalog of a foreign server",
}
# Objects stored in the server-wide catalogs (pg_database, pg_authid, pg_tablespace,
# pg_parameter_acl, pg_subscription, pg_shdescription, pg_shseclabel).
_SHARED_OBJECTS = {
    "OBJECT_DATABASE": "a database",
    "OBJECT_ROLE": "a role",
    "OBJECT_TABLESPACE": "a tablespace",
    "OBJECT_PARAMETER_ACL": "a server parameter",
    "OBJECT_SUBSCRIPTION": "a subscription",
}
# Functions that act outside the database: other sessions, the server's files, its log,
# WAL, backups, replication, connections to other servers (PostgreSQL documentation,
# "System Administration Functions"; adminpack; dblink).
_FUNCTIONS = dict.fromkeys(
    ("pg_terminate_backend", "pg_cancel_backend"), "signals another session on the server")
_FUNCTIONS.update(dict.fromkeys(
    ("pg_reload_conf", "pg_rotate_logfile", "pg_log_backend_memory_contexts"),
    "acts on the server process"))
_FUNCTIONS.update(dict.fromkeys(
    ("pg_read_file", "pg_read_binary_file", "pg_stat_file", "pg_ls_dir", "pg_ls_logdir",
     "pg_ls_waldir", "pg_ls_tmpdir", "pg_ls_archive_statusdir", "pg_ls_logicalsnapdir",
     "pg_ls_logicalmapdir", "pg_ls_replslotdir", "pg_logdir_ls", "lo_import"),
    "reads the server's file system"))
_FUNCTIONS.update(dict.fromkeys(
    ("pg_file_write", "pg_file_rename", "pg_file_unlink", "pg_file_sync", "lo_export"),
    "writes the server's file system"))
_FUNCTIONS.update(dict.fromkeys(
    ("pg_switch_wal", "pg_switch_xlog", "pg_create_restore_point", "pg_start_backup",
     "pg_stop_backup", "pg_backup_start", "pg_backup_stop", "pg_promote", "pg_wal_replay_pause",
     "pg_wal_replay_resume", "pg_xlog_replay_pause", "pg_xlog_replay_resume",
     "pg_log_standby_snapshot", "pg_logical_emit_message"),
    "acts on the server's write-ahead log, backups or recovery"))
_FUNCTIONS.update(dict.fromkeys(
    ("pg_create_physical_replication_slot", "pg_create_logical_replication_slot",
     "pg_drop_replication_slot", "pg_copy_physical_replication_slot",
     "pg_copy_logical_replication_slot", "pg_replication_slot_advance", "pg_sync_replication_slots",
     "pg_logical_slot_get_changes", "pg_logical_slot_get_binary_changes",
     "pg_logical_slot_peek_changes", "pg_logical_slot_peek_binary_changes"),
    "acts on a replication slot (slots belong to the whole server)"))
_FUNCTIONS.update(dict.fromkeys(
    ("pg_stat_reset_shared", "pg_stat_reset_slru", "pg_stat_reset_replication_slot",
     "pg_stat_reset_subscription_stats"),
    "resets the server's statistics"))
_FUNCTION_PREFIXES = (("pg_replication_origin_", "acts on a replication origin (server-wide)"),
                      ("dblink", "connects to another database or server"))
# Settings that change who the session is (set_config('role', ...) is SET ROLE).
_IDENTITY = ("role", "session_authorization")
# Where an expression is stored for later, not evaluated when the statement runs.
_DEFERRED = frozenset({"ViewStmt", "CreateFunctionStmt", "RuleStmt", "CreateTrigStmt",
                       "CreatePolicyStmt", "AlterPolicyStmt"})
# psql's \c / \connect: templating blanks it (discover/template.py), so nothing is sent, and
# the statements after it run in the scratch database rather than in the one it names.
_CONNECT = re.compile(r"^[ \t]*\\(?:c|connect)(?![A-Za-z])[ \t]*([^\n]*)", re.M)


def _name(node: dict) -> str:
    """The text of an A_Const / String node, "" when it is something else."""
    const = node.get("A_Const") or node
    value = const.get("sval") or const.get("String")
    return value.get("sval", "") if isinstance(value, dict) else ""


def _may_switch(target: str, allowed_roles: frozenset[str]) -> bool:
    """SET ROLE to a role replay created for the run (granted to the scratch role), or NONE."""
    return target in allowed_roles or target.lower() == "none"


def cluster_reach(kind: str, node: dict, allowed_roles: frozenset[str] = frozenset()) -> str | None:
    """Why the statement reaches beyond the current database, or None when it does not.
    `allowed_roles`: roles replay created for this run, which SET ROLE may switch to."""
    why = _KINDS.get(kind)
    if why is not None:
        return why
    if kind == "VariableSetStmt":
        name = node.get("name")
        if name in _IDENTITY and node.get("kind") == "VAR_SET_VALUE":
            target = _name((node.get("args") or ({},))[0])
            if name == "role" and _may_switch(target, allowed_roles):
                return None
            what = "switches to role" if name == "role" else "switches the session user to"
            return f"{what} `{target}`: replay runs every migration as its scratch role"
        return None
    if kind == "CopyStmt":
        if node.get("is_program"):
            return "runs a program on the database server"
        if node.get("filename"):
            return ("reads a file on the database server" if node.get("is_from")
                    else "writes a file on the database server")
        return None
    if kind in ("GrantStmt", "CommentStmt", "SecLabelStmt", "AlterOwnerStmt", "RenameStmt"):
        objtype = node.get("objtype") or node.get("objectType") or node.get("renameType")
        what = _SHARED_OBJECTS.get(objtype)
        if what is not None:
            verb = {"GrantStmt": "changes privileges on", "CommentStmt": "comments on",
                    "SecLabelStmt": "labels", "AlterOwnerStmt": "changes the owner of",
                    "RenameStmt": "renames"}[kind]
            return f"{verb} {what} (a server-wide object)"
        return None
    if kind in _DEFERRED:
        return None
    return _function_reach(node, allowed_roles)


def _function_reach(node, allowed_roles: frozenset[str]) -> str | None:
    """The first administration function the statement calls when it runs."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            call = item.get("FuncCall")
            if call is not None:
                names = call.get("funcname") or ()
                name = _name(names[-1]).lower() if names else ""
                why = _function_why(name, call.get("args") or (), allowed_roles)
                if why is not None:
                    return f"calls {name}(), which {why}"
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _function_why(name: str, args, allowed_roles: frozenset[str]) -> str | None:
    why = _FUNCTIONS.get(name)
    if why is not None:
        return why
    for prefix, why in _FUNCTION_PREFIXES:
        if name.startswith(prefix):
            return why
    if name == "set_config" and args and _name(args[0]).lower() in _IDENTITY:
        target = _name(args[1]) if len(args) > 1 else ""
        if _name(args[0]).lower() != "role" or not _may_switch(target, allowed_roles):
            return "changes the session's role"
    return None


def _shown(sql: str, width: int = 60) -> str:
    line = " ".join(sql.split())
    return line if len(line) <= width else line[: width - 1] + "…"


class Guard:
    """The tracer's filter for a shared server: `guard(stmt, trace)` is True when the
    statement must not be sent; the trace is then marked "skipped" and kept for the report."""

    def __init__(self, allowed_roles: Iterable[str] = ()) -> None:
        self.allowed_roles = frozenset(allowed_roles)
        self.skipped: dict[tuple[str, int], tuple[StatementTrace, str]] = {}

    def __call__(self, stmt, trace: StatementTrace) -> bool:
        why = cluster_reach(stmt.kind, stmt.node, self.allowed_roles)
        if why is None:
            return False
        trace.status = "skipped"
        # A migration re-applied by --roundtrip meets the same statement again: one finding.
        self.skipped.setdefault((trace.path, trace.start), (trace, why))
        return True

    def explain(self, traces: Iterable[StatementTrace]) -> None:
        """Say why a statement failed when the sandbox is the likely reason."""
        for trace in traces:
            if trace.status != "failed" or not trace.error:
                continue
            if trace.sqlstate == "42704" and trace.error.startswith("role ") \
                    and "replay: roles" not in trace.error:  # failures.role_goes_on said it already
                trace.error += (" (replay runs in a sandbox on this server: declare the role in "
                                "the replay configuration's `roles` and replay creates it for the run)")
            elif trace.sqlstate == "42501":
                trace.error += (" (replay runs the migrations as an unprivileged scratch role that "
                                "owns only its scratch database, on a server it shares: see "
                                "docs/replay.md, the sandbox)")

    def findings(self) -> list:
        out = []
        for trace, why in self.skipped.values():
            d = make_diagnostic(SKIPPED_CLUSTER_STATEMENT, trace.migration, trace.start, trace.end,
                                f"not sent to the server: `{_shown(trace.sql)}` {why}, beyond "
                                "replay's scratch database; the rest of the migration was replayed")
            d.source = "replay"
            d.fingerprint = fingerprint(trace.sql)
            out.append(d)
        return out


def connect_findings(migration, statements) -> list:
    """`\\connect` meta-commands of a psql file, which replay cannot follow."""
    text = migration.text
    if migration.sql is None or "\\c" not in text:
        return []
    spans = [(s.start, s.end) for s in statements]
    out = []
    for m in _CONNECT.finditer(text):
        at = m.start() + m.group().index("\\")
        if any(start <= at < end for start, end in spans):
            continue  # inside a statement: a string or a function body, not psql's
        args = m.group(1).split()
        target = f"database `{args[0]}`" if args else "the same database anew"
        d = make_diagnostic(SKIPPED_CLUSTER_STATEMENT, migration, at, m.end(),
                            f"`{_shown(m.group().strip())}` not followed: psql would connect to "
                            f"{target}; replay runs the whole file in its scratch database")
        d.source = "replay"
        d.fingerprint = fingerprint(m.group().strip())
        out.append(d)
    return out
