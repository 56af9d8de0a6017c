"""The one lock table: which table-level lock each statement takes on which relation.

Sources (PostgreSQL documentation):
- "Explicit Locking", section 13.3.1 "Table-Level Locks": the eight modes, the commands that
  acquire each, and Table 13.2 "Conflicting Lock Modes".
- The ALTER TABLE reference page: "An ACCESS EXCLUSIVE lock is acquired unless explicitly
  noted", and the subforms that note a weaker lock (SET STATISTICS, VALIDATE CONSTRAINT,
  ATTACH/DETACH PARTITION, ...). When several subcommands are listed, the strongest lock
  any of them needs is taken.
- The reference pages of CREATE INDEX, REINDEX, DROP INDEX, VACUUM, CLUSTER, REFRESH
  MATERIALIZED VIEW, CREATE TRIGGER, ALTER SEQUENCE, COMMENT, LOCK.

`statement_locks(stmt, model, pg_version)` answers for one parsed statement, before the model
has folded it. It lists locks on relations that already exist: a relation created by the
statement is locked ACCESS EXCLUSIVE by its creator, but no other session can see it until
commit, so it is left out. Replay compares these claims with what `pg_locks` shows.
"""

from __future__ import annotations

from enum import IntEnum

from schemalint.parse.names import qualified_key, strings
from schemalint.records import Frozen

Key = tuple[str, str]


class LockMode(IntEnum):
    """PostgreSQL table-level lock modes, weakest first (the values are PostgreSQL's LOCKMODE
    numbers, which is also what libpg_query puts in LockStmt.mode)."""

    ACCESS_SHARE = 1
    ROW_SHARE = 2
    ROW_EXCLUSIVE = 3
    SHARE_UPDATE_EXCLUSIVE = 4
    SHARE = 5
    SHARE_ROW_EXCLUSIVE = 6
    EXCLUSIVE = 7
    ACCESS_EXCLUSIVE = 8

    @property
    def sql_name(self) -> str:
        """As written in LOCK TABLE and the docs: 'SHARE ROW EXCLUSIVE'."""
        return self.name.replace("_", " ")

    @property
    def pg_locks_name(self) -> str:
        """As `pg_locks.mode` shows it: 'ShareRowExclusiveLock'."""
        return "".join(w.capitalize() for w in self.name.split("_")) + "Lock"

    @classmethod
    def from_pg_locks(cls, name: str) -> LockMode:
        try:
            return _BY_PG_LOCKS_NAME[name]
        except KeyError:
            raise ValueError(f"not a table-level lock mode: {name!r}") from None

    def __str__(self) -> str:
        return self.sql_name


_BY_PG_LOCKS_NAME = {m.pg_locks_name: m for m in LockMode}

_M = LockMode
# Table 13.2 "Conflicting Lock Modes" (13.3.1): each mode -> the modes it conflicts with.
# The relation is symmetric; a test checks that.
_CONFLICTS: dict[LockMode, frozenset[LockMode]] = {
    _M.ACCESS_SHARE: frozenset({_M.ACCESS_EXCLUSIVE}),
    _M.ROW_SHARE: frozenset({_M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}),
    _M.ROW_EXCLUSIVE: frozenset({_M.SHARE, _M.SHARE_ROW_EXCLUSIVE, _M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}),
    _M.SHARE_UPDATE_EXCLUSIVE: frozenset({_M.SHARE_UPDATE_EXCLUSIVE, _M.SHARE, _M.SHARE_ROW_EXCLUSIVE,
                                          _M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}),
    _M.SHARE: frozenset({_M.ROW_EXCLUSIVE, _M.SHARE_UPDATE_EXCLUSIVE, _M.SHARE_ROW_EXCLUSIVE,
                         _M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}),
    _M.SHARE_ROW_EXCLUSIVE: frozenset({_M.ROW_EXCLUSIVE, _M.SHARE_UPDATE_EXCLUSIVE, _M.SHARE,
                                       _M.SHARE_ROW_EXCLUSIVE, _M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}),
    _M.EXCLUSIVE: frozenset({_M.ROW_SHARE, _M.ROW_EXCLUSIVE, _M.SHARE_UPDATE_EXCLUSIVE, _M.SHARE,
                             _M.SHARE_ROW_EXCLUSIVE, _M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}),
    _M.ACCESS_EXCLUSIVE: frozenset(LockMode),
}


def conflicts(a: LockMode, b: LockMode) -> bool:
    """Two sessions cannot hold `a` and `b` on the same relation at once (Table 13.2)."""
    return b in _CONFLICTS[a]


# What a held lock keeps other sessions from doing. SELECT takes ACCESS SHARE;
# INSERT/UPDATE/DELETE/MERGE take ROW EXCLUSIVE; VACUUM, ANALYZE, CREATE INDEX CONCURRENTLY
# and the weakest ALTER TABLE forms take SHARE UPDATE EXCLUSIVE (13.3.1).
_BLOCKS = {
    mode: frozenset(
        what for what, probe in (("reads", _M.ACCESS_SHARE), ("writes", _M.ROW_EXCLUSIVE),
                                 ("ddl", _M.SHARE_UPDATE_EXCLUSIVE))
        if conflicts(mode, probe)
    )
    for mode in LockMode
}


def blocks(mode: LockMode) -> frozenset[str]:
    """The subset of {"reads", "writes", "ddl"} that `mode` blocks."""
    return _BLOCKS[mode]


def blocked_phrase(mode: LockMode) -> str:
    """'reads and writes' / 'writes' / 'VACUUM and other schema changes' for messages."""
    b = _BLOCKS[mode]
    if "reads" in b:
        return "reads and writes"
    if "writes" in b:
        return "writes"
    if "ddl" in b:
        return "VACUUM, ANALYZE and other schema changes"
    return "only ACCESS EXCLUSIVE lockers"


class LockClaim(Frozen):
    """One lock a statement takes. Immutable, compared by value (a plain class rather than a
    @dataclass, for start-up time: see records.py)."""

    __slots__ = ("relation", "kind", "mode", "reason")

    def __init__(self, relation: Key, kind: str, mode: LockMode, reason: str) -> None:
        set_ = object.__setattr__
        set_(self, "relation", relation)
        set_(self, "kind", kind)  # "table" | "index" | "sequence"
        set_(self, "mode", mode)
        set_(self, "reason", reason)

    @property
    def blocks(self) -> frozenset[str]:
        return _BLOCKS[self.mode]


# --- ALTER TABLE subcommands --------------------------------------------------------------
# ALTER TABLE page: ACCESS EXCLUSIVE "unless explicitly noted". The noted ones:
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


def subcommand_name(cmd: dict) -> str:
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


_CONSTRAINT_WORD = {"CONSTR_FOREIGN": "FOREIGN KEY", "CONSTR_CHECK": "CHECK", "CONSTR_UNIQUE": "UNIQUE",
                    "CONSTR_PRIMARY": "PRIMARY KEY", "CONSTR_EXCLUSION": "EXCLUDE",
                    "CONSTR_NOTNULL": "NOT NULL"}


def _partition_cmd(cmd: dict) -> dict:
    return (cmd.get("def") or {}).get("PartitionCmd", {})


def alter_subcommand_locks(cmd: dict, key: Key, model, pg_version: tuple[int, int],
                           objtype: str = "OBJECT_TABLE") -> list[LockClaim]:
    """The locks one ALTER TABLE subcommand needs, on the altered relation and on others."""
    sub = cmd.get("subtype", "")
    kind = _OBJTYPE_KIND.get(objtype, "table")
    what = f"{_OBJTYPE_WORD.get(objtype, 'ALTER TABLE')} ... {subcommand_name(cmd)}"
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
        # Everything else: ADD/DROP COLUMN, ALTER COLUMN TYPE, SET/DROP DEFAULT, SET/DROP NOT
        # NULL, identity, SET LOGGED/UNLOGGED, OWNER, SET TABLESPACE, ROW LEVEL SECURITY,
        # REPLICA IDENTITY, ALTER CONSTRAINT, rules, OF, SET ACCESS METHOD ...
        claim(key, _M.ACCESS_EXCLUSIVE)
    return out


# --- statements ---------------------------------------------------------------------------


def _alter_table(node: dict, model, pg) -> list[LockClaim]:
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


def _fk_refs(elts, self_key: Key, model) -> list[Key]:
    refs = []
    for elt in elts or ():
        cons = []
        if "Constraint" in elt:
            cons.append(elt["Constraint"])
        elif "ColumnDef" in elt:
            cons += [c.get("Constraint", {}) for c in elt["ColumnDef"].get("constraints") or ()]
        for con in cons:
            if con.get("contype") == "CONSTR_FOREIGN" and con.get("pktable"):
                ref = model.key(con["pktable"])
                if ref != self_key and ref not in refs:
                    refs.append(ref)
    return refs


def _create_table(node: dict, model, pg) -> list[LockClaim]:
    key = model.key(node["relation"])
    out = []
    for ref in _fk_refs(node.get("tableElts"), key, model):
        # The foreign key's triggers are created on the referenced table: SHARE ROW EXCLUSIVE,
        # as for ALTER TABLE ... ADD FOREIGN KEY.
        out.append(LockClaim(ref, "table", _M.SHARE_ROW_EXCLUSIVE,
                             "CREATE TABLE ... REFERENCES (referenced table)"))
    for item in node.get("inhRelations") or ():
        parent = item.get("RangeVar")
        if not parent:
            continue
        if node.get("partbound"):
            # CREATE TABLE ... PARTITION OF takes ACCESS EXCLUSIVE on the partitioned table
            # (ddl-partitioning: unlike ATTACH PARTITION, which needs only SHARE UPDATE EXCLUSIVE).
            out.append(LockClaim(model.key(parent), "table", _M.ACCESS_EXCLUSIVE,
                                 "CREATE TABLE ... PARTITION OF (parent table)"))
        else:
            out.append(LockClaim(model.key(parent), "table", _M.SHARE_UPDATE_EXCLUSIVE,
                                 "CREATE TABLE ... INHERITS (parent table)"))
    return out


def _create_index(node: dict, model, pg) -> list[LockClaim]:
    key = model.key(node["relation"])
    if node.get("concurrent"):
        # CREATE INDEX: "CONCURRENTLY ... acquires SHARE UPDATE EXCLUSIVE"; 13.3.1.
        return [LockClaim(key, "table", _M.SHARE_UPDATE_EXCLUSIVE, "CREATE INDEX CONCURRENTLY")]
    # "Creating an index ... locks out writes (but not reads) on the table": SHARE.
    return [LockClaim(key, "table", _M.SHARE, "CREATE INDEX")]


def _index_table(model, index_key: Key) -> Key | None:
    idx = model.indexes.get(index_key)
    return idx.table if idx is not None else None


def _object_names(obj: dict) -> list[str]:
    if "List" in obj:
        return strings(obj["List"].get("items"))
    return strings([obj])


def _drop(node: dict, model, pg) -> list[LockClaim]:
    kind = node.get("removeType")
    out: list[LockClaim] = []
    cascade = node.get("behavior") == "DROP_CASCADE"
    for obj in node.get("objects") or ():
        names = _object_names(obj)
        if not names:
            continue
        if kind in ("OBJECT_TRIGGER", "OBJECT_RULE", "OBJECT_POLICY"):
            # DROP TRIGGER / RULE / POLICY: ACCESS EXCLUSIVE on the table they belong to.
            if len(names) >= 2:
                trigger_table = qualified_key(names[:-1], model.search_schema)
                word = kind.removeprefix("OBJECT_")
                out.append(LockClaim(trigger_table, "table", _M.ACCESS_EXCLUSIVE, f"DROP {word}"))
            continue
        key = model.qualified(names)
        if kind == "OBJECT_INDEX":
            table = _index_table(model, key)
            if node.get("concurrent"):
                # DROP INDEX CONCURRENTLY: SHARE UPDATE EXCLUSIVE, so reads and writes go on.
                mode, what = _M.SHARE_UPDATE_EXCLUSIVE, "DROP INDEX CONCURRENTLY"
            else:
                # "DROP INDEX acquires an ACCESS EXCLUSIVE lock on the table" (DROP INDEX page).
                mode, what = _M.ACCESS_EXCLUSIVE, "DROP INDEX"
            out.append(LockClaim(key, "index", mode, what))
            if table is not None:
                out.append(LockClaim(table, "table", mode, what + " (the index's table)"))
        elif kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
            word = {"OBJECT_TABLE": "DROP TABLE", "OBJECT_VIEW": "DROP VIEW",
                    "OBJECT_MATVIEW": "DROP MATERIALIZED VIEW", "OBJECT_FOREIGN_TABLE": "DROP FOREIGN TABLE"}[kind]
            out.append(LockClaim(key, "table", _M.ACCESS_EXCLUSIVE, word))
            dropped = model.tables.get(key)
            if dropped is not None:
                # Its foreign keys' triggers on the referenced tables are dropped too.
                for con in dropped.constraints.values():
                    if con.kind == "foreign" and con.ref_table and con.ref_table != key:
                        out.append(LockClaim(con.ref_table, "table", _M.ACCESS_EXCLUSIVE,
                                             f"{word} (table referenced by its foreign key)"))
            if cascade:
                for other in _referencing(model, key):
                    out.append(LockClaim(other, "table", _M.ACCESS_EXCLUSIVE,
                                         f"{word} ... CASCADE (drops a foreign key on this table)"))
        elif kind == "OBJECT_SEQUENCE":
            out.append(LockClaim(key, "sequence", _M.ACCESS_EXCLUSIVE, "DROP SEQUENCE"))
        elif kind == "OBJECT_SCHEMA" and cascade:
            out += _drop_schema_cascade(names[-1], model)
    return out


def _drop_schema_cascade(schema: str, model) -> list[LockClaim]:
    """DROP SCHEMA ... CASCADE drops every relation the model knows in the schema, each as its
    own DROP would: ACCESS EXCLUSIVE on it, on the tables its foreign keys reference and on the
    tables whose foreign keys reference it (their FK triggers are dropped). Without CASCADE a
    schema that still holds objects cannot be dropped ("other objects depend on it")."""
    what = "DROP SCHEMA ... CASCADE"
    inside = [t for t in model.tables.values() if t.key[0] == schema]
    out = [LockClaim(t.key, "table", _M.ACCESS_EXCLUSIVE, f"{what} (drops this {t.kind})") for t in inside]
    out += [LockClaim(k, "sequence", _M.ACCESS_EXCLUSIVE, f"{what} (drops this sequence)")
            for k in model.sequences if k[0] == schema]
    seen = {t.key for t in inside}
    for t in inside:
        others = [c.ref_table for c in t.constraints.values() if c.kind == "foreign" and c.ref_table]
        others += _referencing(model, t.key)
        for other in others:
            if other not in seen:
                seen.add(other)
                out.append(LockClaim(other, "table", _M.ACCESS_EXCLUSIVE,
                                     f"{what} (drops a foreign key between this table and the schema)"))
    return out


def _referencing(model, key: Key) -> list[Key]:
    return model.referencing(key)  # indexed by the model: no scan of every table per DROP


def _reindex(node: dict, model, pg) -> list[LockClaim]:
    kind = node.get("kind", "")
    rel = node.get("relation")
    if not rel or kind not in ("REINDEX_OBJECT_INDEX", "REINDEX_OBJECT_TABLE"):
        return []  # SCHEMA / DATABASE / SYSTEM: every table in it, one at a time
    concurrent = pg[0] >= 12 and any(
        p.get("DefElem", {}).get("defname") == "concurrently" for p in node.get("params") or ())
    key = model.key(rel)
    if kind == "REINDEX_OBJECT_INDEX":
        index_keys, table = [key], _index_table(model, key)
    else:
        index_keys, table = [k for k, i in model.indexes.items() if i.table == key], key
    if concurrent:
        # REINDEX CONCURRENTLY (PG 12+): SHARE UPDATE EXCLUSIVE on the table and the indexes.
        what, tmode, imode = "REINDEX CONCURRENTLY", _M.SHARE_UPDATE_EXCLUSIVE, _M.SHARE_UPDATE_EXCLUSIVE
    else:
        # REINDEX page: "locks out writes but not reads of the index's parent table. It also
        # takes an ACCESS EXCLUSIVE lock on the specific index being processed, which will
        # block reads that attempt to use that index."
        what, tmode, imode = "REINDEX", _M.SHARE, _M.ACCESS_EXCLUSIVE
    out = [LockClaim(k, "index", imode, what) for k in index_keys]
    if table is not None:
        out.append(LockClaim(table, "table", tmode, what))
    return out


def _vacuum(node: dict, model, pg) -> list[LockClaim]:
    opts = {o.get("DefElem", {}).get("defname") for o in node.get("options") or ()}
    if not node.get("is_vacuumcmd"):
        mode, what = _M.SHARE_UPDATE_EXCLUSIVE, "ANALYZE"
    elif "full" in opts:
        # "VACUUM FULL ... requires an ACCESS EXCLUSIVE lock on the table" (13.3.1).
        mode, what = _M.ACCESS_EXCLUSIVE, "VACUUM FULL"
    else:
        mode, what = _M.SHARE_UPDATE_EXCLUSIVE, "VACUUM"
    out = []
    for r in node.get("rels") or ():
        rel = r.get("VacuumRelation", {}).get("relation")
        if rel:
            out.append(LockClaim(model.key(rel), "table", mode, what))
    return out


def _cluster(node: dict, model, pg) -> list[LockClaim]:
    rel = node.get("relation")
    if not rel:
        return []
    # CLUSTER: "acquires an ACCESS EXCLUSIVE lock on the table" (it rewrites it).
    return [LockClaim(model.key(rel), "table", _M.ACCESS_EXCLUSIVE, "CLUSTER")]


def _refresh(node: dict, model, pg) -> list[LockClaim]:
    key = model.key(node["relation"])
    if node.get("concurrent"):
        # 13.3.1: EXCLUSIVE "is acquired by REFRESH MATERIALIZED VIEW CONCURRENTLY": reads go on.
        return [LockClaim(key, "table", _M.EXCLUSIVE, "REFRESH MATERIALIZED VIEW CONCURRENTLY")]
    return [LockClaim(key, "table", _M.ACCESS_EXCLUSIVE, "REFRESH MATERIALIZED VIEW")]


def _truncate(node: dict, model, pg) -> list[LockClaim]:
    out = []
    keys = [model.key(r["RangeVar"]) for r in node.get("relations") or () if "RangeVar" in r]
    for key in keys:
        out.append(LockClaim(key, "table", _M.ACCESS_EXCLUSIVE, "TRUNCATE"))
    if node.get("behavior") == "DROP_CASCADE":
        # CASCADE is recursive: "all tables that have foreign-key references to any of the named
        # tables, or to any tables added to the group due to CASCADE" (TRUNCATE page).
        seen, todo = set(keys), list(keys)
        while todo:
            for other in _referencing(model, todo.pop()):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
                    out.append(LockClaim(other, "table", _M.ACCESS_EXCLUSIVE,
                                         "TRUNCATE ... CASCADE (referencing table)"))
    return out


_RENAME_RELATION = {"OBJECT_TABLE": "table", "OBJECT_VIEW": "table", "OBJECT_MATVIEW": "table",
                    "OBJECT_FOREIGN_TABLE": "table", "OBJECT_COLUMN": "table",
                    "OBJECT_TABCONSTRAINT": "table", "OBJECT_SEQUENCE": "sequence",
                    "OBJECT_INDEX": "index"}


def _rename(node: dict, model, pg) -> list[LockClaim]:
    rtype = node.get("renameType", "")
    rel = node.get("relation")
    if rtype in ("OBJECT_TRIGGER", "OBJECT_RULE", "OBJECT_POLICY") and rel:
        return [LockClaim(model.key(rel), "table", _M.ACCESS_EXCLUSIVE,
                          f"ALTER {rtype.removeprefix('OBJECT_')} ... RENAME")]
    kind = _RENAME_RELATION.get(rtype)
    if kind is None or not rel:
        return []
    key = model.key(rel)
    if rtype == "OBJECT_INDEX" and pg[0] >= 12:
        # PG 12 lowered ALTER INDEX ... RENAME to SHARE UPDATE EXCLUSIVE (on an index only;
        # ALTER INDEX on another relation kind still takes ACCESS EXCLUSIVE).
        return [LockClaim(key, "index", _M.SHARE_UPDATE_EXCLUSIVE, "ALTER INDEX ... RENAME")]
    what = {"OBJECT_COLUMN": "RENAME COLUMN", "OBJECT_TABCONSTRAINT": "RENAME CONSTRAINT"}.get(rtype, "RENAME")
    return [LockClaim(key, kind, _M.ACCESS_EXCLUSIVE, f"ALTER ... {what}")]


def _set_schema(node: dict, model, pg) -> list[LockClaim]:
    rel = node.get("relation")
    kind = {"OBJECT_TABLE": "table", "OBJECT_VIEW": "table", "OBJECT_MATVIEW": "table",
            "OBJECT_FOREIGN_TABLE": "table", "OBJECT_SEQUENCE": "sequence"}.get(node.get("objectType", ""))
    if not rel or kind is None:
        return []
    return [LockClaim(model.key(rel), kind, _M.ACCESS_EXCLUSIVE, "ALTER ... SET SCHEMA")]


def _on_table(mode: LockMode, what: str, field: str = "relation"):
    def handler(node: dict, model, pg) -> list[LockClaim]:
        rel = node.get(field)
        return [LockClaim(model.key(rel), "table", mode, what)] if rel else []
    return handler


def _create_trigger(node: dict, model, pg) -> list[LockClaim]:
    # 13.3.1: SHARE ROW EXCLUSIVE "is acquired by CREATE TRIGGER and some forms of ALTER TABLE".
    return [LockClaim(model.key(node["relation"]), "table", _M.SHARE_ROW_EXCLUSIVE, "CREATE TRIGGER")]


def _lock(node: dict, model, pg) -> list[LockClaim]:
    mode = LockMode(node.get("mode", 8))  # LOCK TABLE without a mode: ACCESS EXCLUSIVE
    return [LockClaim(model.key(r["RangeVar"]), "table", mode, f"LOCK TABLE ... IN {mode.sql_name} MODE")
            for r in node.get("relations") or () if "RangeVar" in r]


def _comment(node: dict, model, pg) -> list[LockClaim]:
    # COMMENT ON a relation or a column takes SHARE UPDATE EXCLUSIVE on the relation.
    objtype = node.get("objtype", "")
    names = _object_names(node.get("object") or {})
    if objtype == "OBJECT_COLUMN" and len(names) >= 2:
        names = names[:-1]
    elif objtype not in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE",
                         "OBJECT_INDEX", "OBJECT_SEQUENCE"):
        return []
    if not names:
        return []
    kind = _OBJTYPE_KIND.get(objtype, "table")
    return [LockClaim(qualified_key(names, model.search_schema), kind, _M.SHARE_UPDATE_EXCLUSIVE, "COMMENT ON")]


def _create_stats(node: dict, model, pg) -> list[LockClaim]:
    out = []
    for rel in node.get("relations") or ():
        rv = rel.get("RangeVar")
        if rv:
            out.append(LockClaim(model.key(rv), "table", _M.SHARE_UPDATE_EXCLUSIVE, "CREATE STATISTICS"))
    return out


def _dml(what: str):
    # INSERT, UPDATE, DELETE, MERGE and COPY FROM take ROW EXCLUSIVE on the target (13.3.1).
    def handler(node: dict, model, pg) -> list[LockClaim]:
        rel = node.get("relation")
        return [LockClaim(model.key(rel), "table", _M.ROW_EXCLUSIVE, what)] if rel else []
    return handler


def _copy(node: dict, model, pg) -> list[LockClaim]:
    rel = node.get("relation")
    if not rel:
        return []
    if node.get("is_from"):
        return [LockClaim(model.key(rel), "table", _M.ROW_EXCLUSIVE, "COPY ... FROM")]
    return [LockClaim(model.key(rel), "table", _M.ACCESS_SHARE, "COPY ... TO")]


def _alter_sequence(node: dict, model, pg) -> list[LockClaim]:
    # ALTER SEQUENCE is transactional since PG 10 and takes SHARE ROW EXCLUSIVE on the sequence.
    rel = node.get("sequence")
    return [LockClaim(model.key(rel), "sequence", _M.SHARE_ROW_EXCLUSIVE, "ALTER SEQUENCE")] if rel else []


def _view(node: dict, model, pg) -> list[LockClaim]:
    key = model.key(node["view"])
    if node.get("replace") and key in model.tables:
        # CREATE OR REPLACE VIEW on an existing view: ACCESS EXCLUSIVE on the view.
        return [LockClaim(key, "table", _M.ACCESS_EXCLUSIVE, "CREATE OR REPLACE VIEW")]
    return []


_HANDLERS = {
    "AlterTableStmt": _alter_table,
    "CreateStmt": _create_table,
    "IndexStmt": _create_index,
    "DropStmt": _drop,
    "ReindexStmt": _reindex,
    "VacuumStmt": _vacuum,
    "ClusterStmt": _cluster,
    "RefreshMatViewStmt": _refresh,
    "TruncateStmt": _truncate,
    "RenameStmt": _rename,
    "AlterObjectSchemaStmt": _set_schema,
    "CreateTrigStmt": _create_trigger,
    # CREATE RULE and CREATE/ALTER POLICY take ACCESS EXCLUSIVE on the table.
    "RuleStmt": _on_table(_M.ACCESS_EXCLUSIVE, "CREATE RULE"),
    "CreatePolicyStmt": _on_table(_M.ACCESS_EXCLUSIVE, "CREATE POLICY", "table"),
    "AlterPolicyStmt": _on_table(_M.ACCESS_EXCLUSIVE, "ALTER POLICY", "table"),
    "LockStmt": _lock,
    "CommentStmt": _comment,
    "CreateStatsStmt": _create_stats,
    "InsertStmt": _dml("INSERT"),
    "UpdateStmt": _dml("UPDATE"),
    "DeleteStmt": _dml("DELETE"),
    "MergeStmt": _dml("MERGE"),
    "CopyStmt": _copy,
    "AlterSeqStmt": _alter_sequence,
    "ViewStmt": _view,
}


def statement_locks(stmt, model, pg_version: tuple[int, int]) -> list[LockClaim]:
    """The strongest lock `stmt` takes on each pre-existing relation, in the order first named.

    `stmt` needs `.kind` and `.node` (a parsed Statement); `model` is the schema as it was
    before the statement. Statements that take no table-level lock on an existing relation
    (CREATE FUNCTION, ALTER TYPE, GRANT, SET, ...) give []."""
    handler = _HANDLERS.get(stmt.kind)
    if handler is None:
        return []
    claims = handler(stmt.node, model, pg_version)
    if len(claims) <= 1:
        return claims
    # Several subcommands on one relation: "the lock held will be the strictest one required
    # by any subcommand" (ALTER TABLE page).
    best: dict[tuple[Key, str], LockClaim] = {}
    for c in claims:
        prev = best.get((c.relation, c.kind))
        if prev is None or c.mode > prev.mode:
            best[(c.relation, c.kind)] = c
    return list(best.values())


def strongest(claims, key: Key) -> LockClaim | None:
    """The strongest claim on relation `key` among `claims`."""
    found = [c for c in claims if c.relation == key]
    return max(found, key=lambda c: c.mode) if found else None
