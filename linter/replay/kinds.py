"""What a statement's kind tells the tracer before it runs: whether it must run outside a
transaction block, may rewrite a relation, may take a relation lock, and which tables'
structure it may change. Parse trees only; no I/O."""

from __future__ import annotations

from schemalint.parse.names import nodes_of, option_on
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
    the ones it names (and their partitions and children, which ALTER TABLE, CREATE INDEX
    and RENAME recurse to); None when it may change others. A CREATE INDEX changes its
    table. An ALTER TABLE changes the tables it names, unless a command drops with CASCADE
    (a foreign key of another table goes with the column or constraint it references); the
    tables a foreign key references are named too. A CREATE TABLE adds its table and
    changes no other (the parent of a partition or child, the tables its foreign keys
    reference and its LIKE sources are named and read unchanged), unless its partition
    bound calls a function, which runs at creation and may do anything. A RENAME
    CONSTRAINT changes its table; a RENAME COLUMN its table and the foreign keys of the
    tables that reference it (`reads_referencing`)."""
    if kind in ("IndexStmt", "CreateStmt"):
        if kind == "CreateStmt" and next(nodes_of(node.get("partbound"), "FuncCall"), None):
            return None
        return named_relations(node)
    if kind == "AlterTableStmt" and node.get("objtype") == "OBJECT_TABLE" and not any(
            cmd.get("AlterTableCmd", {}).get("behavior") == "DROP_CASCADE" for cmd in node.get("cmds", ())):
        return named_relations(node)
    if kind == "RenameStmt" and (
            node.get("renameType") == "OBJECT_TABCONSTRAINT" or reads_referencing(kind, node)):
        return named_relations(node)
    return None


def reads_referencing(kind: str, node: dict) -> bool:
    """Whether the tables with a foreign key to the named ones must be read too: a renamed
    column is spelt in their definitions (`REFERENCES t(column)`), and a partition created
    or attached under a partitioned table that foreign keys reference gets a constraint of
    each of those tables (PostgreSQL's CloneFkReferenced)."""
    if kind == "RenameStmt":
        return node.get("renameType") == "OBJECT_COLUMN" and node.get("relationType") == "OBJECT_TABLE"
    if kind == "CreateStmt":
        return bool(node.get("partbound"))
    return kind == "AlterTableStmt" and any(
        cmd.get("AlterTableCmd", {}).get("subtype") in ("AT_AttachPartition", "AT_DetachPartition")
        for cmd in node.get("cmds", ()))


def dropped_indexes(kind: str, node: dict) -> list[str] | None:
    """The names (without schema) of the indexes a DROP INDEX without CASCADE drops: it
    changes only their tables, which the ledger knows (the indexes are gone after it)."""
    if kind != "DropStmt" or node.get("removeType") != "OBJECT_INDEX" \
            or node.get("behavior") == "DROP_CASCADE":
        return None
    names = []
    for obj in node.get("objects", ()):
        items = obj.get("List", {}).get("items", ()) if isinstance(obj, dict) else ()
        name = items[-1].get("String", {}).get("sval") if items else None
        if not name:
            return None
        names.append(name)
    return names or None


def must_run_outside_transaction(kind: str, node: dict) -> bool:
    if kind in OUTSIDE_TX_KINDS:
        # ANALYZE alone may run in a transaction; VACUUM may not.
        return kind != "VacuumStmt" or bool(node.get("is_vacuumcmd"))
    if kind in ("IndexStmt", "DropStmt"):
        return bool(node.get("concurrent"))
    if kind == "ReindexStmt":
        return option_on(node.get("params"), "concurrently")
    return False
