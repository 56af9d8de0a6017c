"""What a statement's kind tells the tracer before it runs: whether it must run outside a
transaction block, may rewrite a relation, may take a relation lock, and which tables'
structure it may change. Parse trees only; no I/O."""

from __future__ import annotations

from schemalint.parse.names import option_on
from schemalint.replay.queries import named_relations

# Statements PostgreSQL refuses inside a transaction block ("cannot run inside a
# transaction block", SQLSTATE 25001).
OUTSIDE_TX_KINDS = frozenset({
    "VacuumStmt", "CreatedbStmt", "DropdbStmt", "CreateTableSpaceStmt",
    "DropTableSpaceStmt", "AlterSystemStmt", "CreateSubscriptionStmt",
    "DropSubscriptionStmt",
})
# Statements that may rewrite an existing relation (or run arbitrary code that might): the
# tracer compares relfilenodes around these only. TRUNCATE also assigns a new relfilenode but
# copies nothing, so it is not reported as a rewrite.
MAY_REWRITE_KINDS = frozenset({
    "AlterTableStmt", "ClusterStmt", "VacuumStmt", "ReindexStmt", "RefreshMatViewStmt",
    "DoStmt", "CallStmt", "SelectStmt", "AlterTableMoveAllStmt",
})
# Statements that cannot change a table's columns, constraints or indexes: no need to
# re-read the structure of the tables locked in the transaction after them.
NO_STRUCTURE_KINDS = frozenset({
    "InsertStmt", "UpdateStmt", "DeleteStmt", "CopyStmt", "CreateFunctionStmt", "CommentStmt",
    "GrantStmt", "GrantRoleStmt", "ViewStmt", "CreateTrigStmt", "VariableSetStmt",
    "CreateSeqStmt", "AlterSeqStmt", "CreateEnumStmt", "CompositeTypeStmt", "CreateSchemaStmt",
    "AlterOwnerStmt", "CreatePolicyStmt", "RuleStmt", "AlterFunctionStmt", "CreateRoleStmt",
})


def may_change_structure(kind: str, node: dict) -> bool:
    """Whether a statement can change a table's columns, constraints or indexes."""
    if kind in NO_STRUCTURE_KINDS:
        return False
    if kind == "DropStmt":
        # A view or trigger dropped without CASCADE: nothing of a table depends on it
        # (CASCADE could drop a column of the view's row type).
        return not (node.get("removeType") in ("OBJECT_VIEW", "OBJECT_TRIGGER")
                    and node.get("behavior") != "DROP_CASCADE")
    if kind == "AlterEnumStmt":
        # ADD VALUE; RENAME VALUE (oldVal) changes how a column default is deparsed.
        return bool(node.get("oldVal"))
    return True


def may_lock_relations(kind: str, node: dict) -> bool:
    """Whether a statement can take a relation lock (checked on PostgreSQL 15's pg_locks):
    SET and RESET, CREATE TYPE ... AS ENUM and ALTER TYPE ... ADD/RENAME VALUE take none (an
    enum's labels are pg_enum rows), nor does CREATE FUNCTION in PL/pgSQL, whose validator
    only parses the body (%TYPE and %ROWTYPE resolve without a lock). A LANGUAGE sql body is
    analysed at creation and locks the tables it reads."""
    if kind in ("VariableSetStmt", "CreateEnumStmt", "AlterEnumStmt"):
        return False
    if kind == "CreateFunctionStmt" and not node.get("sql_body"):
        for item in node.get("options") or ():
            elem = item.get("DefElem") or {}
            if elem.get("defname") == "language":
                return (elem.get("arg") or {}).get("String", {}).get("sval") != "plpgsql"
    return True


def named_tables(kind: str, node: dict) -> list[str] | None:
    """The relations whose structure a statement can change, as quoted names, when they are
    the ones it names (and their partitions and children, which ALTER TABLE and CREATE INDEX
    recurse to); None when it may change others. A CREATE INDEX changes its table. An ALTER
    TABLE changes the tables it names, unless a command drops with CASCADE (a foreign key of
    another table goes with the column or constraint it references); the tables a foreign
    key references are named too."""
    if kind == "IndexStmt":
        return named_relations(node)
    if kind == "AlterTableStmt" and node.get("objtype") == "OBJECT_TABLE" and not any(
            cmd.get("AlterTableCmd", {}).get("behavior") == "DROP_CASCADE" for cmd in node.get("cmds", ())):
        return named_relations(node)
    return None


def must_run_outside_transaction(kind: str, node: dict) -> bool:
    if kind in OUTSIDE_TX_KINDS:
        # ANALYZE alone may run in a transaction; VACUUM may not.
        return kind != "VacuumStmt" or bool(node.get("is_vacuumcmd"))
    if kind in ("IndexStmt", "DropStmt"):
        return bool(node.get("concurrent"))
    if kind == "ReindexStmt":
        return option_on(node.get("params"), "concurrently")
    return False
