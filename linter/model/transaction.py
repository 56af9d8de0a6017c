"""The per-file session: the open transaction (explicit BEGIN/COMMIT or the framework's
implicit one), the settings in effect (lock_timeout, statement_timeout, TimeZone) and what
this file created or renamed; with the folds of the statements that change them (BEGIN/COMMIT,
SET, SELECT set_config). They set search_path too, which the `Model` keeps beside the
session (every name lookup reads it).

Settings follow PostgreSQL's transaction scope (SET page): SET LOCAL and set_config(..., true)
last until the end of the transaction, and outside a transaction block do nothing; a plain SET
made in a transaction that rolls back is undone."""

from __future__ import annotations

from schemalint.discover.source import Migration
from schemalint.parse.names import strings
from schemalint.records import Record


class Session(Record):
    """Per-migration-file state: transactions and settings in effect."""

    __slots__ = ("migration", "explicit_depth", "implicit", "lock_timeout", "statement_timeout",
                 "timezone", "created", "named_at", "renamed_from", "dropped_constraints",
                 "open_begin", "orphan_ends", "escaped_framework_tx", "not_valid_in_tx",
                 "framework_rollbacks", "tx_start", "tx_session", "enum_values_in_tx")

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
        # ROLLBACKs that ended the framework's transaction (no explicit BEGIN open): they
        # discard everything the file did before them.
        self.framework_rollbacks: list = []
        # Settings changed in the open transaction: name -> value before its first change, and
        # name -> value of its last plain SET (kept at COMMIT; SET LOCAL values are not).
        self.tx_start: dict = {}
        self.tx_session: dict = {}
        # Enum values added in the open transaction: (type key, value) -> the ALTER TYPE.
        self.enum_values_in_tx: dict = {}

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
        elif s.explicit_depth == 0 and kind == "TRANS_STMT_ROLLBACK":
            s.framework_rollbacks.append(stmt)
        if s.explicit_depth == 0:
            s.escaped_framework_tx = True
        if s.in_transaction:
            _end_settings(model, commit=kind not in ("TRANS_STMT_ROLLBACK", "TRANS_STMT_ROLLBACK_PREPARED"))
        # COMMIT ends every open level: PostgreSQL has no nested BEGIN.
        # and also the framework's implicit transaction, if there was one.
        s.explicit_depth = 0
        s.implicit = False
        s.open_begin = None
        s.not_valid_in_tx.clear()
        s.enum_values_in_tx.clear()


def fold_variable_set(model, stmt, node: dict) -> None:
    name = node.get("name")
    if name not in _TRACKED:
        return
    reset = node.get("kind") in ("VAR_RESET", "VAR_SET_DEFAULT")
    if name == "search_path":
        value = _search_path_value(model, None if reset else ",".join(
            (a.get("A_Const", {}).get("sval") or {}).get("sval", "") for a in node.get("args") or ()))
    elif name == "timezone":
        value = None if reset else str(_setting_value(node))
    else:
        value = (None if reset else _setting_value(node)) not in (None, "0", 0)
    assign(model, name, value, local=bool(node.get("is_local")))


def set_config_calls(node: dict) -> list[tuple[str | None, str | None, bool, int | None]]:
    """The set_config(name, value, is_local) calls in a SELECT's target list: (name, value,
    is_local, location), with None for an argument that is not a constant."""
    found = []
    for target in node.get("targetList") or ():
        call = (target.get("ResTarget", {}).get("val") or {}).get("FuncCall")
        if not call or strings(call.get("funcname"))[-1:] != ["set_config"]:
            continue
        args = call.get("args") or ()
        consts = [a.get("A_Const", {}) for a in args]
        name, value = ((c.get("sval") or {}).get("sval") for c in (consts + [{}, {}])[:2])
        local = len(consts) >= 3 and _true(consts[2])
        found.append((name, value, local, call.get("location")))
    return found


def fold_set_config(model, node: dict) -> None:
    """SELECT set_config('lock_timeout', '5s', false) sets it as SET does; with true, as SET
    LOCAL does."""
    for name, value, local, _ in set_config_calls(node):
        if value is None:
            continue
        if name in ("lock_timeout", "statement_timeout"):
            assign(model, name, value not in ("0", ""), local)
        elif name == "search_path":
            assign(model, name, _search_path_value(model, value), local)


# The settings the session follows: name -> read, write (search_path lives on the model).
_TRACKED = frozenset({"lock_timeout", "statement_timeout", "timezone", "search_path"})


def _get(model, name: str):
    if name == "search_path":
        return model.search_schema, model.search_path
    return getattr(model.session, name)


def _put(model, name: str, value) -> None:
    if name == "search_path":
        model.search_schema, model.search_path = value
    else:
        setattr(model.session, name, value)


def assign(model, name: str, value, local: bool) -> None:
    """SET [LOCAL] name: PostgreSQL's SET page: "SET LOCAL ... outside a transaction block
    emits a warning and otherwise has no effect"; its value lasts until the end of the
    transaction; a plain SET in a transaction that is rolled back is undone."""
    s = model.session
    if not s.in_transaction:
        if not local:
            _put(model, name, value)
        return
    s.tx_start.setdefault(name, _get(model, name))
    if not local:
        s.tx_session[name] = value
    _put(model, name, value)


def _end_settings(model, commit: bool) -> None:
    """COMMIT keeps each setting's last plain SET of the transaction and drops SET LOCAL
    values; ROLLBACK restores every setting as the transaction found it."""
    s = model.session
    for name, before in s.tx_start.items():
        _put(model, name, s.tx_session.get(name, before) if commit else before)
    s.tx_start.clear()
    s.tx_session.clear()


def _search_path_value(model, value: str | None) -> tuple:
    """(first schema, path) for a search_path setting; None is the default."""
    if value is None:
        return "public", ("public",)
    # "$user" names a schema per role and pg_catalog/pg_temp hold no migration tables:
    # skip them, as creation skips schemas that do not exist.
    path = tuple(p for p in (part.strip().strip('"') for part in value.split(","))
                 if p and p not in ("$user", "pg_catalog", "pg_temp"))
    if path:
        return path[0], path
    return model.search_schema, model.search_path  # pg_dump's empty search_path: keep ours


def _true(const: dict) -> bool:
    """A constant boolean argument: true, or a string PostgreSQL's boolin reads as true."""
    if "boolval" in const:
        return bool((const["boolval"] or {}).get("boolval"))
    text = ((const.get("sval") or {}).get("sval") or "").strip().lower()
    return text in ("t", "tr", "tru", "true", "y", "ye", "yes", "on", "1")


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
