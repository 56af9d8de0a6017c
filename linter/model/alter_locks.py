"""The locks ALTER TABLE takes, subcommand by subcommand; also those of ALTER INDEX, ALTER
VIEW, ALTER MATERIALIZED VIEW, ALTER FOREIGN TABLE and ALTER SEQUENCE ... OWNER TO / SET ...,
which parse to the same statement node (AlterTableStmt with another `objtype`).

Source: the ALTER TABLE reference page: "An ACCESS EXCLUSIVE lock is acquired unless
explicitly noted", and the subforms that note a weaker lock (SET STATISTICS, VALIDATE
CONSTRAINT, ATTACH/DETACH PARTITION, ...). When several subcommands are listed, "the lock
held will be the strictest one required by any subcommand" (`statement_locks` keeps that one).
"""

from __future__ import annotations

from schemalint.model.lock_modes import Key, LockClaim, LockMode

_M = LockMode

# The subforms the ALTER TABLE page notes as taking SHARE UPDATE EXCLUSIVE:
_ALTER_SUE = {
    # "SET STATISTICS acquires a SHARE UPDATE EXCLUSIVE lock"; SET/RESET (attribute_option),
    # CLUSTER ON and SET WITHOUT CLUSTER: "requires only a SHARE UPDATE EXCLUSIVE lock".
    "AT_SetStatistics": "ALTER COLUMN ... SET STATISTICS",
    "AT_SetOptions": "ALTER COLUMN ... SET (attribute_option)",
    "AT_ResetOptions": "ALTER COLUMN ... RESET (attribute_option)",
    "AT_ClusterOn": "CLUSTER ON",
    "AT_DropCluster": "SET WITHOUT CLUSTER",
    # "Validation acquires only a SHARE UPDATE EXCLUSIVE lock on the table being altered."
    "AT_ValidateConstraint": "VALIDATE CONSTRAINT",
    # PG 14+: the second transaction of DETACH PARTITION CONCURRENTLY.
    "AT_DetachPartitionFinalize": "DETACH PARTITION ... FINALIZE",
}
# "ENABLE/DISABLE TRIGGER ... requires a SHARE ROW EXCLUSIVE lock" (it affects writes only).
_ALTER_SRE = {
    "AT_EnableTrig", "AT_EnableAlwaysTrig", "AT_EnableReplicaTrig", "AT_EnableTrigAll",
    "AT_EnableTrigUser", "AT_DisableTrig", "AT_DisableTrigAll", "AT_DisableTrigUser",
}
# SET (storage_parameter): "SHARE UPDATE EXCLUSIVE lock will be taken for fillfactor, toast and
# autovacuum storage parameters, as well as the planner parameter parallel_workers" (PG 10+);
# every other parameter (user_catalog_table, a view's check_option, ...) takes ACCESS EXCLUSIVE.
_SUE_RELOPTIONS = frozenset({
    "fillfactor", "parallel_workers", "toast_tuple_target", "vacuum_index_cleanup",
    "vacuum_truncate", "log_autovacuum_min_duration", "deduplicate_items", "pages_per_range",
    "autosummarize", "buffering", "fastupdate", "gin_pending_list_limit",
})

_ALTER_NAMES = {
    "AT_AddColumn": "ADD COLUMN", "AT_DropColumn": "DROP COLUMN",
    "AT_AlterColumnType": "ALTER COLUMN ... TYPE", "AT_ColumnDefault": "ALTER COLUMN ... SET/DROP DEFAULT",
    "AT_SetNotNull": "ALTER COLUMN ... SET NOT NULL", "AT_DropNotNull": "ALTER COLUMN ... DROP NOT NULL",
    "AT_AddConstraint": "ADD CONSTRAINT", "AT_DropConstraint": "DROP CONSTRAINT",
    "AT_AlterConstraint": "ALTER CONSTRAINT", "AT_SetLogged": "SET LOGGED",
    "AT_SetUnLogged": "SET UNLOGGED", "AT_AttachPartition": "ATTACH PARTITION",
    "AT_DetachPartition": "DETACH PARTITION", "AT_AddIdentity": "ALTER COLUMN ... ADD GENERATED AS IDENTITY",
    "AT_DropIdentity": "ALTER COLUMN ... DROP IDENTITY", "AT_SetIdentity": "ALTER COLUMN ... SET (identity option)",
    "AT_SetStorage": "ALTER COLUMN ... SET STORAGE", "AT_SetCompression": "ALTER COLUMN ... SET COMPRESSION",
    "AT_SetExpression": "ALTER COLUMN ... SET EXPRESSION", "AT_DropExpression": "ALTER COLUMN ... DROP EXPRESSION",
    "AT_ChangeOwner": "OWNER TO", "AT_SetTableSpace": "SET TABLESPACE", "AT_SetRelOptions": "SET (storage_parameter)",
    "AT_ResetRelOptions": "RESET (storage_parameter)", "AT_ReplicaIdentity": "REPLICA IDENTITY",
    "AT_EnableRowSecurity": "ENABLE ROW LEVEL SECURITY", "AT_DisableRowSecurity": "DISABLE ROW LEVEL SECURITY",
    "AT_ForceRowSecurity": "FORCE ROW LEVEL SECURITY", "AT_NoForceRowSecurity": "NO FORCE ROW LEVEL SECURITY",
    "AT_AddInherit": "INHERIT", "AT_DropInherit": "NO INHERIT", "AT_AddOf": "OF", "AT_DropOf": "NOT OF",
    "AT_EnableRule": "ENABLE RULE", "AT_DisableRule": "DISABLE RULE", "AT_GenericOptions": "OPTIONS",
    "AT_AlterColumnGenericOptions": "ALTER COLUMN ... OPTIONS", "AT_SetAccessMethod": "SET ACCESS METHOD",
    "AT_EnableTrig": "ENABLE TRIGGER", "AT_DisableTrig": "DISABLE TRIGGER",
    "AT_EnableTrigAll": "ENABLE TRIGGER ALL", "AT_DisableTrigAll": "DISABLE TRIGGER ALL",
    "AT_EnableTrigUser": "ENABLE TRIGGER USER", "AT_DisableTrigUser": "DISABLE TRIGGER USER",
    "AT_EnableAlwaysTrig": "ENABLE ALWAYS TRIGGER", "AT_EnableReplicaTrig": "ENABLE REPLICA TRIGGER",
}

_OBJTYPE_KIND = {"OBJECT_INDEX": "index", "OBJECT_SEQUENCE": "sequence"}
_OBJTYPE_WORD = {"OBJECT_INDEX": "ALTER INDEX", "OBJECT_SEQUENCE": "ALTER SEQUENCE",
                 "OBJECT_MATVIEW": "ALTER MATERIALIZED VIEW", "OBJECT_VIEW": "ALTER VIEW",
                 "OBJECT_FOREIGN_TABLE": "ALTER FOREIGN TABLE"}


_CONSTRAINT_WORD = {"CONSTR_FOREIGN": "FOREIGN KEY", "CONSTR_CHECK": "CHECK", "CONSTR_UNIQUE": "UNIQUE",
                    "CONSTR_PRIMARY": "PRIMARY KEY", "CONSTR_EXCLUSION": "EXCLUDE",
                    "CONSTR_NOTNULL": "NOT NULL"}


def _subcommand_name(cmd: dict) -> str:
    """'ADD CONSTRAINT ... FOREIGN KEY' etc., for messages."""
    sub = cmd.get("subtype", "")
    name = _ALTER_NAMES.get(sub) or _ALTER_SUE.get(sub) or sub.removeprefix("AT_")
    if sub == "AT_AddConstraint":
        con = (cmd.get("def") or {}).get("Constraint", {})
        kind = _CONSTRAINT_WORD.get(con.get("contype", ""), "")
        if kind:
            name += f" ... {kind}"
        if con.get("indexname"):
            name += " USING INDEX"
    if sub == "AT_DetachPartition" and _partition_cmd(cmd).get("concurrent"):
        name += " CONCURRENTLY"
    return name


def _partition_cmd(cmd: dict) -> dict:
    return (cmd.get("def") or {}).get("PartitionCmd", {})


def alter_subcommand_locks(cmd: dict, key: Key, model, pg_version: tuple[int, int],
                           objtype: str = "OBJECT_TABLE") -> list[LockClaim]:
    """The locks one ALTER TABLE subcommand needs, on the altered relation and on others."""
    sub = cmd.get("subtype", "")
    kind = _OBJTYPE_KIND.get(objtype, "table")
    what = f"{_OBJTYPE_WORD.get(objtype, 'ALTER TABLE')} ... {_subcommand_name(cmd)}"
    out: list[LockClaim] = []

    def claim(rel: Key, mode: LockMode, note: str = "", rel_kind: str = kind) -> None:
        out.append(LockClaim(rel, rel_kind, mode, what + note))

    if sub in _ALTER_SUE:
        claim(key, _M.SHARE_UPDATE_EXCLUSIVE)
        if sub == "AT_ValidateConstraint":
            # "If the constraint is a foreign key then a ROW SHARE lock is also required on the
            # table referenced by the constraint."
            table = model.tables.get(key)
            con = table.constraints.get(cmd.get("name")) if table else None
            if con is not None and con.kind == "foreign" and con.ref_table and con.ref_table != key:
                claim(con.ref_table, _M.ROW_SHARE, " (referenced table)", "table")
    elif sub in _ALTER_SRE:
        claim(key, _M.SHARE_ROW_EXCLUSIVE)
    elif sub in ("AT_SetRelOptions", "AT_ResetRelOptions"):
        names = [d.get("DefElem", {}).get("defname", "") for d in (cmd.get("def") or {}).get("List", {}).get("items", ())]
        light = names and all(
            n in _SUE_RELOPTIONS or n.startswith(("autovacuum_", "toast.")) for n in names
        )
        claim(key, _M.SHARE_UPDATE_EXCLUSIVE if light and pg_version[0] >= 10 else _M.ACCESS_EXCLUSIVE)
    elif sub == "AT_AddConstraint":
        con = (cmd.get("def") or {}).get("Constraint", {})
        if con.get("contype") == "CONSTR_FOREIGN":
            # "ADD FOREIGN KEY requires a SHARE ROW EXCLUSIVE lock on the referenced table, in
            # addition to the lock on the table on which the constraint is declared", which is
            # also SHARE ROW EXCLUSIVE: the FK adds triggers to both tables, as CREATE TRIGGER does.
            claim(key, _M.SHARE_ROW_EXCLUSIVE)
            ref = model.key(con["pktable"]) if con.get("pktable") else None
            if ref is not None and ref != key:
                claim(ref, _M.SHARE_ROW_EXCLUSIVE, " (referenced table)", "table")
        else:
            # UNIQUE / PRIMARY KEY / EXCLUDE build an index as CREATE INDEX would, but under
            # ACCESS EXCLUSIVE; CHECK and NOT NULL likewise take ACCESS EXCLUSIVE.
            claim(key, _M.ACCESS_EXCLUSIVE)
    elif sub == "AT_AddColumn":
        # ACCESS EXCLUSIVE (not noted otherwise); a REFERENCES clause adds a foreign key, which
        # locks the referenced table as ADD FOREIGN KEY does.
        claim(key, _M.ACCESS_EXCLUSIVE)
        coldef = (cmd.get("def") or {}).get("ColumnDef", {})
        for c in coldef.get("constraints") or ():
            con = c.get("Constraint", {})
            if con.get("contype") == "CONSTR_FOREIGN" and con.get("pktable"):
                ref = model.key(con["pktable"])
                if ref != key:
                    claim(ref, _M.SHARE_ROW_EXCLUSIVE, " REFERENCES (referenced table)", "table")
    elif sub == "AT_DropConstraint":
        claim(key, _M.ACCESS_EXCLUSIVE)
        # Dropping a foreign key drops its triggers on the referenced table as well, under
        # ACCESS EXCLUSIVE there too (as DROP TRIGGER does).
        table = model.tables.get(key)
        con = table.constraints.get(cmd.get("name")) if table else None
        if con is not None and con.kind == "foreign" and con.ref_table and con.ref_table != key:
            claim(con.ref_table, _M.ACCESS_EXCLUSIVE, " FOREIGN KEY (referenced table)", "table")
    elif sub == "AT_AttachPartition":
        part = _partition_cmd(cmd).get("name")
        if objtype == "OBJECT_INDEX":
            # ALTER INDEX ... ATTACH PARTITION: the parent and the attached index.
            claim(key, _M.SHARE_UPDATE_EXCLUSIVE)
            if part:
                claim(model.key(part), _M.ACCESS_EXCLUSIVE, " (attached index)", "index")
        else:
            # "Attaching a partition acquires a SHARE UPDATE EXCLUSIVE lock on the parent table,
            # in addition to the ACCESS EXCLUSIVE locks on the table being attached and on the
            # default partition (if any)" -- since PostgreSQL 12; ACCESS EXCLUSIVE before.
            claim(key, _M.SHARE_UPDATE_EXCLUSIVE if pg_version[0] >= 12 else _M.ACCESS_EXCLUSIVE)
            if part:
                claim(model.key(part), _M.ACCESS_EXCLUSIVE, " (partition being attached)", "table")
    elif sub == "AT_DetachPartition":
        part = _partition_cmd(cmd).get("name")
        if _partition_cmd(cmd).get("concurrent") and pg_version[0] >= 14:
            # PG 14+: "a SHARE UPDATE EXCLUSIVE lock is taken on both parent table and
            # partition" (first of the two transactions).
            claim(key, _M.SHARE_UPDATE_EXCLUSIVE)
            if part:
                claim(model.key(part), _M.SHARE_UPDATE_EXCLUSIVE, " (partition)", "table")
        else:
            # Without CONCURRENTLY (and before PG 14): ACCESS EXCLUSIVE on both.
            claim(key, _M.ACCESS_EXCLUSIVE)
            if part:
                claim(model.key(part), _M.ACCESS_EXCLUSIVE, " (partition)", "table")
    elif sub in ("AT_AddInherit", "AT_DropInherit"):
        claim(key, _M.ACCESS_EXCLUSIVE)
        parent = (cmd.get("def") or {}).get("RangeVar")
        if parent:
            # The parent is opened with SHARE UPDATE EXCLUSIVE (self-exclusive, so two
            # sessions cannot attach children concurrently).
            claim(model.key(parent), _M.SHARE_UPDATE_EXCLUSIVE, " (parent table)", "table")
    else:
        # Everything else: DROP COLUMN, ALTER COLUMN TYPE, SET/DROP DEFAULT, SET/DROP NOT
        # NULL, identity, SET LOGGED/UNLOGGED, OWNER, SET TABLESPACE, ROW LEVEL SECURITY,
        # REPLICA IDENTITY, ALTER CONSTRAINT, rules, OF, SET ACCESS METHOD ...
        claim(key, _M.ACCESS_EXCLUSIVE)
    return out


def alter_table_locks(node: dict, model, pg: tuple[int, int]) -> list[LockClaim]:
    """Every subcommand's locks, in order (an AlterTableStmt)."""
    rel = node.get("relation")
    if not rel:
        return []
    key = model.key(rel)
    objtype = node.get("objtype", "OBJECT_TABLE")
    out: list[LockClaim] = []
    for item in node.get("cmds") or ():
        cmd = item.get("AlterTableCmd")
        if cmd is not None:
            out += alter_subcommand_locks(cmd, key, model, pg, objtype)
    return out
