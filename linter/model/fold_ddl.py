"""The folds of the DDL statements that change what exists: ALTER TABLE, CREATE INDEX, DROP,
RENAME, SET SCHEMA, and the CREATEs of sequences, types, functions, extensions and schemas
(fold_create.py holds CREATE TABLE and its kin; fold.py dispatches; the model is passed as
`model`)."""

from __future__ import annotations

import json

from schemalint.model.clones import (
    clone_partition_fks,
    clone_partition_indexes,
    partitions_of,
    propagate_index,
)
from schemalint.model.fold_create import (
    add_column,
    add_constraint,
    default_index_name,
    drop_owned_sequences,
    mark_created,
    set_identity,
    site_of,
)
from schemalint.model.objects import Column, Index, Key, Table, TypeSite
from schemalint.model.shapes import element_shape, null_filter_of, shape
from schemalint.parse.calls import call_argument, function_calls, regclass_key
from schemalint.parse.names import (
    is_array,
    qualified_key,
    relation_key,
    strings,
    type_mods,
    type_name,
)


# ALTER TABLE
def alter_table(model, stmt, node: dict) -> None:
    if node.get("objtype") not in ("OBJECT_TABLE", "OBJECT_FOREIGN_TABLE", None):
        return
    key = model.key(node["relation"])
    table = model.tables.get(key)
    if table is None:
        if node["relation"].get("relpersistence") == "t" or node.get("missing_ok"):
            return
        # A stub: a table older than the history, or one a later-applying file creates
        # (fold_create.create_table).
        table = model.tables[key] = Table(key=key, external=True)
    for item in node.get("cmds") or ():
        cmd = item.get("AlterTableCmd", {})
        sub = cmd.get("subtype")
        name = cmd.get("name")
        col = table.columns.get(name) if name else None
        if sub == "AT_AddColumn":
            coldef = cmd["def"]["ColumnDef"]
            if not (cmd.get("missing_ok") and coldef.get("colname") in table.columns):
                add_column(model, stmt, table, coldef)
        elif sub == "AT_DropColumn":
            dropped = table.columns.pop(name, None)
            if dropped is not None:
                drop_owned_sequences(model, table, (dropped,))
            # Indexes and constraints involving the column go with it (ALTER TABLE docs,
            # DROP COLUMN): by their columns, or by a mention in an expression or predicate.
            mention = '"sval":' + json.dumps(name)
            for cname, con in list(table.constraints.items()):
                if name in con.columns or (con.expr and mention in json.dumps(con.expr, separators=(",", ":"))):
                    del table.constraints[cname]
            for ikey, idx in model.indexes.of_table(table.key):
                if name in idx.columns or name in idx.include or (
                        (None in idx.columns or idx.predicate) and (
                            any(mention in e for e in idx.elements)
                            or (idx.predicate and mention in idx.predicate))):
                    del model.indexes[ikey]
        elif sub == "AT_AlterColumnType" and (col or table.external):
            if col is None:  # a column of a table older than the history: now we know its type
                col = table.columns[name] = Column(name=name, type="")
            tnode = cmd["def"]["ColumnDef"]["typeName"]
            col.type, col.mods, col.array = type_name(tnode), type_mods(tnode), is_array(tnode)
            if tnode.get("location", -1) >= 0:
                col.type_site = TypeSite(stmt, tnode["location"])
        elif sub == "AT_SetNotNull" and col:
            col.not_null = True
        elif sub == "AT_DropNotNull" and col:
            col.not_null = False
        elif sub == "AT_ColumnDefault" and col:
            col.default = cmd.get("def")
            col.serial = None  # its nextval() default is replaced or gone: no longer a serial
        elif sub == "AT_AddIdentity" and col:
            set_identity(model, stmt, table, col, cmd["def"]["Constraint"])
        elif sub == "AT_DropIdentity" and col:
            col.identity = None
            drop_owned_sequences(model, table, (col,))
            col.sequence = None
        elif sub == "AT_AddConstraint":
            add_constraint(model, stmt, table, cmd["def"]["Constraint"])
        elif sub == "AT_ValidateConstraint" and name in table.constraints:
            table.constraints[name].validated = True
        elif sub == "AT_DropConstraint":
            model.session.dropped_constraints.add(("constraint", *table.key, name))
            dropped = table.constraints.pop(name, None)
            if dropped is not None and dropped.kind == "foreign" and table.partitioned:
                for part in partitions_of(model, table.key):  # and its partitions' copies
                    copy = part.constraints.get(name)
                    if copy is not None and copy.kind == "foreign" and copy.site is None:
                        del part.constraints[name]
            drop_index(model, (table.key[0], name))
        elif sub == "AT_SetLogged":
            table.persistence = "p"
        elif sub == "AT_SetUnLogged":
            table.persistence = "u"
        elif sub == "AT_AttachPartition":
            part = model.table(cmd["def"]["PartitionCmd"]["name"])
            if part:
                part.partition_of = table.key
                clone_partition_indexes(model, table, part)
                clone_partition_fks(model, table, part)
        elif sub == "AT_DetachPartition":
            part = model.table(cmd["def"]["PartitionCmd"]["name"])
            if part:
                part.partition_of = None
                for idx in model.indexes_of(part.key):
                    idx.parent = None  # its indexes stay, no longer attached


# CREATE INDEX
def create_index(model, stmt, node: dict) -> None:
    table_key = model.key(node["relation"])
    name = node.get("idxname") or default_index_name(model, table_key, node)
    key = (table_key[0], name)
    if key in model.indexes and node.get("if_not_exists"):
        return
    where = node.get("whereClause")
    index = model.indexes[key] = Index(
        name=name,
        table=table_key,
        columns=tuple(p["IndexElem"].get("name") for p in node.get("indexParams") or ()),
        unique=bool(node.get("unique")),
        partial=bool(where),
        method=node.get("accessMethod", "btree"),
        site=site_of(stmt),
        elements=tuple(element_shape(p["IndexElem"]) for p in node.get("indexParams") or ()),
        include=tuple(p["IndexElem"].get("name") or shape(p["IndexElem"])
                      for p in node.get("indexIncludingParams") or ()),
        predicate=shape(where) if where else None,
        null_filter=null_filter_of(where) if where else None,
    )
    table = model.tables.get(table_key)
    if table is not None and table.partitioned and node["relation"].get("inh", True):
        propagate_index(model, table, key, index)
    # An index is new in this migration whatever its table: dropping it again in the
    # same file breaks nobody.
    mark_created(model, key)


# DROP ...
def drop(model, stmt, node: dict) -> None:
    kind = node.get("removeType")
    for obj in node.get("objects") or ():
        if "List" in obj:
            names = strings(obj["List"].get("items"))
        elif "TypeName" in obj:
            names = strings(obj["TypeName"].get("names"))
        else:
            names = strings([obj])
        if not names:
            continue
        key = qualified_key(names, model.search_schema)
        if kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
            drop_table(model, key)
        elif kind == "OBJECT_INDEX":
            drop_index(model, key)
        elif kind == "OBJECT_SEQUENCE":
            model.sequences.pop(key, None)
        elif kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
            model.types.pop(key, None)
            model.enums.pop(key, None)
        elif kind == "OBJECT_SCHEMA":
            model.schemas.discard(names[-1])


def drop_table(model, key: Key) -> None:
    """The table, its indexes, the sequences its columns own and, for a partitioned table,
    its partitions."""
    table = model.tables.pop(key, None)
    model.hypertables.discard(key)
    for ikey, _ in model.indexes.of_table(key):
        del model.indexes[ikey]
    if table is not None:
        drop_owned_sequences(model, table, table.columns.values())
        if table.partitioned:
            for part in partitions_of(model, key):
                drop_table(model, part.key)


def drop_index(model, key: Key) -> None:
    """The index and, on a partitioned table, the partitions' indexes attached to it."""
    index = model.indexes.pop(key, None)
    if index is None:
        return
    table = model.tables.get(index.table)
    if table is not None and table.partitioned:
        for part in partitions_of(model, table.key):
            for ikey, idx in model.indexes.of_table(part.key):
                if idx.parent == key:
                    drop_index(model, ikey)
                    if idx.constraint:
                        part.constraints.pop(idx.constraint, None)


def _move_hypertable(model, old: Key, new: Key) -> None:
    if old in model.hypertables:
        model.hypertables.discard(old)
        model.hypertables.add(new)


# ALTER ... RENAME
def rename(model, stmt, node: dict) -> None:
    rtype = node.get("renameType")
    new = node.get("newname", "")
    keys = model.rename_keys(node)
    if keys is not None:
        old_key, new_key = keys
        s = model.session
        s.renamed_from[new_key] = s.renamed_from.pop(old_key, old_key)
        s.named_at[new_key] = model.stmt_index
        if old_key in s.created:
            mark_created(model, new_key)
        if old_key[0] == "type" and old_key[1:] in model.types:
            model.types[new_key[1:]] = model.types.pop(old_key[1:])
            if old_key[1:] in model.enums:
                model.enums[new_key[1:]] = model.enums.pop(old_key[1:])
        if old_key[0] == "type":
            _retype_columns(model, old_key[1:], new_key[2])
    if rtype in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
        key = model.key(node["relation"])
        table = model.tables.pop(key, None)
        _move_hypertable(model, key, (key[0], new))
        if table:
            new_key = (key[0], new)
            table.key = new_key
            model.tables[new_key] = table
            model.indexes.retable(key, new_key)
            _move_fk_refs(model, key, new_key)
            if key in model.session.created:
                mark_created(model, new_key)
    elif rtype == "OBJECT_COLUMN":
        table = model.table(node["relation"])
        old = node.get("subname")
        if table and old in table.columns:
            col = table.columns[old]
            col.name = new
            # The column keeps its place (attnum): rebuild the dict in order.
            table.columns = {new if n == old else n: c for n, c in table.columns.items()}
            for con in table.constraints.values():
                con.columns = tuple(new if c == old else c for c in con.columns)
                if old in con.not_null_columns:
                    con.not_null_columns = (con.not_null_columns - {old}) | {new}
            for _, idx in model.indexes.of_table(table.key):
                idx.columns = tuple(new if c == old else c for c in idx.columns)
            for t, con in model.fk_refs.get(table.key, ()):
                if old in con.ref_columns and _live(model, t, con, table.key):
                    con.ref_columns = tuple(new if c == old else c for c in con.ref_columns)
    elif rtype == "OBJECT_INDEX":
        key = model.key(node["relation"])
        idx = model.indexes.pop(key, None)
        if idx:
            idx.name = new
            model.indexes[(key[0], new)] = idx
            table = model.tables.get(idx.table)
            if idx.constraint and table is not None and idx.constraint in table.constraints:
                # The constraint an index backs is renamed with it (RenameRelationInternal).
                con = table.constraints.pop(idx.constraint)
                con.name = idx.constraint = new
                table.constraints[new] = con
    elif rtype == "OBJECT_TABCONSTRAINT":
        table = model.table(node["relation"])
        old = node.get("subname")
        if table and old in table.constraints:
            con = table.constraints.pop(old)
            con.name = new
            table.constraints[new] = con
            idx = model.indexes.get((table.key[0], old))
            if idx is not None and idx.constraint == old:
                # ... and the index behind a constraint with it (RenameConstraintById).
                del model.indexes[(table.key[0], old)]
                idx.name = idx.constraint = new
                model.indexes[(table.key[0], new)] = idx
    elif rtype == "OBJECT_SEQUENCE":
        key = model.key(node["relation"])
        if key in model.sequences:
            model.sequences[(key[0], new)] = model.sequences.pop(key)
            for table in model.tables.values():  # the column owning it, if any (rare statement)
                if table.key[0] == key[0]:
                    for col in table.columns.values():
                        if col.sequence == key[1]:
                            col.sequence = new


def _live(model, table, con, key: Key) -> bool:
    """A `fk_refs` entry still in force: the table and its foreign key to `key` exist (the
    entries of dropped ones linger, and are left alone)."""
    return con.ref_table == key and model.tables.get(table.key) is table and table.constraints.get(con.name) is con


def _move_fk_refs(model, key: Key, new_key: Key) -> None:
    """The foreign keys referencing a renamed or moved table follow it."""
    moved = [(t, con) for t, con in model.fk_refs.pop(key, ()) if _live(model, t, con, key)]
    for _, con in moved:
        con.ref_table = new_key
    if moved:
        model.fk_refs.setdefault(new_key, []).extend(moved)


def _retype_columns(model, old: Key, new_name: str) -> None:
    """ALTER TYPE old RENAME TO new: columns of that type now show the new name (the enum
    swap `RENAME x TO x_old; CREATE TYPE x ...; ALTER COLUMN c TYPE x` changes the type)."""
    target = old[1]
    for table in model.tables.values():
        for col in table.columns.values():
            if not col.type.endswith(target):  # cheap test first: this visits every column
                continue
            schema, _, name = col.type.rpartition(".")
            if name == target and (schema or model.search_schema) == old[0]:
                col.type = f"{schema}.{new_name}" if schema else new_name


def set_schema(model, stmt, node: dict) -> None:
    if node.get("objectType") in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
        obj = node.get("object") or {}
        names = strings(obj.get("List", {}).get("items")) or strings(obj.get("TypeName", {}).get("names"))
        key = qualified_key(names, model.search_schema) if names else None
        if key in model.types:
            new_key = (node.get("newschema", key[0]), key[1])
            model.types[new_key] = model.types.pop(key)
            if key in model.enums:
                model.enums[new_key] = model.enums.pop(key)
        return
    if node.get("objectType") in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW") and node.get("relation"):
        key = model.key(node["relation"])
        table = model.tables.pop(key, None)
        _move_hypertable(model, key, (node.get("newschema", key[0]), key[1]))
        if table:
            schema = node.get("newschema", key[0])
            table.key = (schema, key[1])
            model.tables[table.key] = table
            _move_fk_refs(model, key, table.key)
            # Its indexes and the sequences it owns move with it (AlterTableNamespace).
            for ikey, idx in model.indexes.of_table(key):
                del model.indexes[ikey]
                idx.table = table.key
                model.indexes[(schema, ikey[1])] = idx
            for col in table.columns.values():
                if col.sequence and (key[0], col.sequence) in model.sequences:
                    model.sequences[(schema, col.sequence)] = model.sequences.pop((key[0], col.sequence))


def create_sequence(model, stmt, node: dict) -> None:
    key = relation_key(node["sequence"], model.search_schema)
    model.sequences[key] = site_of(stmt)
    mark_created(model, key)


def create_type(model, stmt, node: dict, kind: str) -> None:
    # CREATE DOMAIN: `domainname` is the new type, `typeName` its base type.
    names = strings(node["domainname"] if "domainname" in node else node.get("typeName"))
    if names:
        key = qualified_key(names, model.search_schema)
        model.types[key] = kind
        if kind == "enum":
            model.enums[key] = tuple(strings(node.get("vals")))
        mark_created(model, key)
        mark_created(model, ("type", *key))


def alter_enum(model, stmt, node: dict) -> None:
    """ALTER TYPE ... ADD VALUE [BEFORE | AFTER] / RENAME VALUE: the enum's labels in order."""
    key = qualified_key(strings(node.get("typeName")), model.search_schema)
    values = model.enums.get(key)
    new = node.get("newVal")
    old = node.get("oldVal")
    session = model.session
    if new is not None and old is None and session.in_transaction and not (values and new in values):
        # PG 12+ (ALTER TYPE page): a value added in a transaction block cannot be used until
        # it commits ("unsafe use of new value"), even in an enum created in that transaction
        # (measured on 15: tests/replay/test_rule_claims.py).
        session.enum_values_in_tx[(key, new)] = stmt
    if values is None or new is None:
        return
    if old is not None:
        model.enums[key] = tuple(new if v == old else v for v in values)
        return
    if new in values:
        return  # IF NOT EXISTS (without it PostgreSQL fails)
    neighbor = node.get("newValNeighbor")
    if neighbor in values:
        at = values.index(neighbor) + (1 if node.get("newValIsAfter") else 0)
        model.enums[key] = values[:at] + (new,) + values[at:]
    else:
        model.enums[key] = values + (new,)


def create_composite(model, stmt, node: dict) -> None:
    rel = node.get("typevar") or {}
    if rel.get("relname"):
        key = model.key(rel)
        model.types[key] = "composite"
        mark_created(model, ("type", *key))


def create_function(model, stmt, node: dict) -> None:
    names = strings(node.get("funcname"))
    if not names:
        return
    mark_created(model, ("function", *qualified_key(names, model.search_schema)))
    volatility = "volatile"  # CREATE FUNCTION's default
    for opt in node.get("options") or ():
        d = opt.get("DefElem", {})
        if d.get("defname") == "volatility":
            volatility = (d.get("arg") or {}).get("String", {}).get("sval", volatility)
    model.function_volatility[names[-1]] = volatility


def create_extension(model, stmt, node: dict) -> None:
    if node.get("extname"):
        model.extensions.add(node["extname"])
        mark_created(model, ("extension", node["extname"]))


def create_hypertable(model, node: dict) -> None:
    """SELECT create_hypertable('t', ...): TimescaleDB turns `t` into a hypertable."""
    for call in function_calls(node, "create_hypertable"):
        key = regclass_key(call_argument(call, 0, ("relation", "main_table")), model.search_schema)
        if key is not None:
            model.hypertables.add(key)


def load_rows(model, stmt, node: dict) -> None:
    """INSERT, COPY ... FROM, UPDATE, MERGE: the target may hold rows from now on."""
    rel = node.get("relation")
    if rel is None or (stmt.kind == "CopyStmt" and not node.get("is_from")):
        return
    table = model.tables.get(model.key(rel))
    if table is not None:
        table.loaded = True


def create_schema(model, stmt, node: dict) -> None:
    if node.get("schemaname"):
        model.schemas.add(node["schemaname"])
        mark_created(model, ("schema", node["schemaname"]))


# COMMENT ON
_COMMENT_RELATIONS = frozenset({"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"})


def comment_target(model, node: dict) -> tuple[str, Key, str | None] | None:
    """What a COMMENT ON names: (its object type, the key of the relation or index, the
    column or constraint name for those), or None for an object the model does not keep."""
    kind = node.get("objtype")
    names = strings(((node.get("object") or {}).get("List") or {}).get("items"))
    if not names:
        return None
    if kind in _COMMENT_RELATIONS or kind == "OBJECT_INDEX":
        return kind, model.qualified(names), None
    if kind in ("OBJECT_COLUMN", "OBJECT_TABCONSTRAINT") and len(names) >= 2:
        return kind, model.qualified(names[:-1]), names[-1]
    return None


def comment(model, stmt, node: dict) -> None:
    """COMMENT ON TABLE / VIEW / MATERIALIZED VIEW / COLUMN / INDEX / CONSTRAINT ... IS: the
    object's comment. NULL and '' both remove it (CreateComments treats an empty string as
    NULL)."""
    target = comment_target(model, node)
    if target is None:
        return
    kind, key, member = target
    text = node.get("comment") or None
    if kind == "OBJECT_INDEX":
        obj = model.indexes.get(key)
    else:
        table = model.tables.get(key)
        if table is None:
            return
        if kind == "OBJECT_COLUMN":
            obj = table.columns.get(member)
        elif kind == "OBJECT_TABCONSTRAINT":
            obj = table.constraints.get(member)
        else:
            obj = table
    if obj is not None:
        obj.comment = text
