"""The per-file session: the open transaction (explicit BEGIN/COMMIT or the framework's
implicit one), the settings in effect (lock_timeout, statement_timeout, TimeZone) and what
this file created or renamed; with the folds of the statements that change them (BEGIN/COMMIT,
SET, SELECT set_config). They set search_path too, which the `Model` keeps beside the
session (every name lookup reads it)."""

from __future__ import annotations

from schemalint.discover.source import Migration
from schemalint.parse.names import strings
from schemalint.records import Record


class Session(Record):
    """Per-migration-file state: transactions and settings in effect."""

    __slots__ = ("migration", "explicit_depth", "implicit", "lock_timeout", "statement_timeout",
                 "timezone", "created", "named_at", "renamed_from", "dropped_constraints",
                 "open_begin", "orphan_ends", "escaped_framework_tx", "not_valid_in_tx")

    def __init__(self, migration: Migration | None = None, implicit: bool = False) -> None:
        self.migration = migration
        self.explicit_depth = 0  # open BEGIN blocks (PostgreSQL warns on a nested BEGIN)
        self.implicit = implicit  # the framework runs the file inside a transaction
        self.lock_timeout = False
        self.statement_timeout = False
        self.timezone: str | None = None  # SET TIME ZONE / SET timezone in this file
        self.created: set = set()  # keys of relations created in this file
        # Key -> index of the last statement of this file that gave an object that name (by
        # creating it or renaming something to it), and renamed key -> its name before this
        # file's rename. Together they show a swap (`RENAME t TO t_old; RENAME t_new TO t`) or
        # a drop-and-recreate, which leave the name in place for readers. Keys: (schema,
        # relation), (schema, table, column), ("type"|"function", schema, name), ("schema",
        # name), ("extension", name).
        self.named_at: dict = {}
        self.renamed_from: dict = {}
        # Constraints this file dropped: ("constraint", schema, table, name). A later ADD of
        # the same name is a redefinition (and re-runs cleanly when the drop says IF EXISTS).
        self.dropped_constraints: set = set()
        # Transaction facts (read by the transaction rules).
        self.open_begin = None  # the BEGIN statement of the open explicit transaction
        self.orphan_ends: list = []  # COMMIT/ROLLBACK with no transaction open
        # A COMMIT/ROLLBACK ran with no explicit BEGIN open (ending the framework's
        # transaction, or none): the `COMMIT; ...; BEGIN;` idiom for stepping out of the
        # framework's transaction.
        self.escaped_framework_tx = False
        # Constraints added NOT VALID in the open transaction: (table key, name) -> statement.
        self.not_valid_in_tx: dict = {}

    @property
    def in_transaction(self) -> bool:
        return self.implicit or self.explicit_depth > 0


def fold_transaction(model, stmt, node: dict) -> None:
    kind = node.get("kind")
    s = model.session
    if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
        if not s.in_transaction:
            s.open_begin = stmt
        s.explicit_depth += 1
    elif kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_COMMIT_PREPARED",
                  "TRANS_STMT_ROLLBACK_PREPARED", "TRANS_STMT_PREPARE"):
        if not s.in_transaction and kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
            # PostgreSQL: "WARNING: there is no transaction in progress".
            s.orphan_ends.append(stmt)
        if s.explicit_depth == 0:
            s.escaped_framework_tx = True
        # COMMIT ends every open level: PostgreSQL has no nested BEGIN.
        # and also the framework's implicit transaction, if there was one.
        s.explicit_depth = 0
        s.implicit = False
        s.open_begin = None
        s.not_valid_in_tx.clear()


def fold_variable_set(model, stmt, node: dict) -> None:
    name = node.get("name")
    reset = node.get("kind") in ("VAR_RESET", "VAR_SET_DEFAULT")
    value = None if reset else _setting_value(node)
    enabled = value not in (None, "0", 0)
    if name == "lock_timeout":
        model.session.lock_timeout = enabled
    elif name == "statement_timeout":
        model.session.statement_timeout = enabled
    elif name == "timezone":
        model.session.timezone = None if reset else str(value)
    elif name == "search_path":
        set_search_path(model, None if reset else ",".join(
            (a.get("A_Const", {}).get("sval") or {}).get("sval", "") for a in node.get("args") or ()))


def fold_set_config(model, node: dict) -> None:
    """SELECT set_config('lock_timeout', '5s', false) sets it as SET does."""
    for target in node.get("targetList") or ():
        call = (target.get("ResTarget", {}).get("val") or {}).get("FuncCall")
        if not call or strings(call.get("funcname"))[-1:] != ["set_config"]:
            continue
        args = [(a.get("A_Const", {}).get("sval") or {}).get("sval") for a in call.get("args") or ()]
        if len(args) >= 2 and args[0] in ("lock_timeout", "statement_timeout"):
            setattr(model.session, args[0], args[1] not in (None, "0", ""))
        elif len(args) >= 2 and args[0] == "search_path" and args[1] is not None:
            set_search_path(model, args[1])


def set_search_path(model, value: str | None) -> None:
    """SET search_path / set_config('search_path', ...); None resets it to the default."""
    if value is None:
        model.search_schema, model.search_path = "public", ("public",)
        return
    # "$user" names a schema per role and pg_catalog/pg_temp hold no migration tables:
    # skip them, as creation skips schemas that do not exist.
    path = tuple(p for p in (part.strip().strip('"') for part in value.split(","))
                 if p and p not in ("$user", "pg_catalog", "pg_temp"))
    if path:  # pg_dump's empty search_path qualifies every name: keep ours
        model.search_schema, model.search_path = path[0], path


def _setting_value(node: dict):
    args = node.get("args") or ()
    if not args:
        return None
    const = args[0].get("A_Const", {})
    if "ival" in const:
        return const["ival"].get("ival", 0)
    if "sval" in const:
        return const["sval"].get("sval", "")
    return "?"
