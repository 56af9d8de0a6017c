"""The one lock table: which table-level lock each statement takes on which relation.

Sources (PostgreSQL documentation): section 13.3.1 "Table-Level Locks" (the commands that
acquire each mode), and the reference pages of CREATE INDEX, REINDEX, DROP INDEX, VACUUM,
CLUSTER, REFRESH MATERIALIZED VIEW, CREATE TRIGGER, ALTER SEQUENCE, COMMENT, LOCK, TRUNCATE.
The modes and their conflicts are in `lock_modes`, ALTER TABLE's subcommands in `alter_locks`.

`statement_locks(stmt, model, pg_version)` answers for one parsed statement, before the model
has folded it. It lists locks on relations that already exist: a relation created by the
statement is locked ACCESS EXCLUSIVE by its creator, but no other session can see it until
commit, so it is left out. Replay compares these claims with what `pg_locks` shows.
"""

from __future__ import annotations

from schemalint.model.alter_locks import alter_table_locks
from schemalint.model.lock_modes import Key, LockClaim, LockMode
from schemalint.parse.names import option_on, qualified_key, strings

_M = LockMode

# The object types that name a relation, and the kind of relation a claim names.
_RELATION_KIND = {"OBJECT_TABLE": "table", "OBJECT_VIEW": "table", "OBJECT_MATVIEW": "table",
                  "OBJECT_FOREIGN_TABLE": "table", "OBJECT_INDEX": "index",
                  "OBJECT_SEQUENCE": "sequence"}


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
            # INHERITS: SHARE UPDATE EXCLUSIVE on each parent, as ALTER TABLE ... INHERIT.
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
            # 13.3.1: ACCESS EXCLUSIVE "is acquired by the DROP TABLE ... commands"; so is
            # every DROP of a relation.
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
                for other in model.referencing(key):
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
        others += model.referencing(t.key)
        for other in others:
            if other not in seen:
                seen.add(other)
                out.append(LockClaim(other, "table", _M.ACCESS_EXCLUSIVE,
                                     f"{what} (drops a foreign key between this table and the schema)"))
    return out


def _reindex(node: dict, model, pg) -> list[LockClaim]:
    kind = node.get("kind", "")
    rel = node.get("relation")
    if not rel or kind not in ("REINDEX_OBJECT_INDEX", "REINDEX_OBJECT_TABLE"):
        return []  # SCHEMA / DATABASE / SYSTEM: every table in it, one at a time
    concurrent = pg[0] >= 12 and option_on(node.get("params"), "concurrently")
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
    # 13.3.1: SHARE UPDATE EXCLUSIVE "is acquired by VACUUM (without FULL), ANALYZE".
    if not node.get("is_vacuumcmd"):
        mode, what = _M.SHARE_UPDATE_EXCLUSIVE, "ANALYZE"
    elif option_on(node.get("options"), "full"):
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
            for other in model.referencing(todo.pop()):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
                    out.append(LockClaim(other, "table", _M.ACCESS_EXCLUSIVE,
                                         "TRUNCATE ... CASCADE (referencing table)"))
    return out


# RENAME COLUMN and RENAME CONSTRAINT lock the table.
_RENAME_RELATION = {**_RELATION_KIND, "OBJECT_COLUMN": "table", "OBJECT_TABCONSTRAINT": "table"}


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
    # ALTER TABLE page: SET SCHEMA is not among the subforms noted as taking less than
    # ACCESS EXCLUSIVE. (An index cannot be moved on its own: ALTER INDEX has no SET SCHEMA.)
    rel = node.get("relation")
    kind = _RELATION_KIND.get(node.get("objectType", ""))
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
    # 13.3.1: SHARE UPDATE EXCLUSIVE "is acquired by ... COMMENT ON", on the relation (for a
    # column, on its table).
    objtype = node.get("objtype", "")
    names = _object_names(node.get("object") or {})
    if objtype == "OBJECT_COLUMN" and len(names) >= 2:
        names, kind = names[:-1], "table"
    else:
        kind = _RELATION_KIND.get(objtype)
    if kind is None or not names:
        return []
    return [LockClaim(qualified_key(names, model.search_schema), kind, _M.SHARE_UPDATE_EXCLUSIVE, "COMMENT ON")]


def _create_stats(node: dict, model, pg) -> list[LockClaim]:
    # 13.3.1: SHARE UPDATE EXCLUSIVE "is acquired by ... CREATE STATISTICS".
    out = []
    for rel in node.get("relations") or ():
        rv = rel.get("RangeVar")
        if rv:
            out.append(LockClaim(model.key(rv), "table", _M.SHARE_UPDATE_EXCLUSIVE, "CREATE STATISTICS"))
    return out


def _dml(what: str):
    # 13.3.1: ROW EXCLUSIVE is acquired by "any command that modifies data in a table"
    # (UPDATE, DELETE, INSERT, MERGE).
    def handler(node: dict, model, pg) -> list[LockClaim]:
        rel = node.get("relation")
        return [LockClaim(model.key(rel), "table", _M.ROW_EXCLUSIVE, what)] if rel else []
    return handler


def _copy(node: dict, model, pg) -> list[LockClaim]:
    rel = node.get("relation")
    if not rel:
        return []
    # COPY FROM modifies the table: ROW EXCLUSIVE; COPY TO only reads it: ACCESS SHARE (13.3.1).
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
    "AlterTableStmt": alter_table_locks,
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
