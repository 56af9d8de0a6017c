"""A down migration's scratch copy of the model.

A down migration is checked against the schema as it stands where it would run (after its
up migration) plus its own earlier statements, yet must never change what later up
migrations see. While it folds, the model works on copies of its containers; the objects in
them (tables, their columns and constraints, indexes) stay shared with the saved ones until a
statement may change them: before each fold, the tables the statement names (and those it
can reach: the tables whose foreign keys follow a renamed table, a partitioned table's
partitions) are replaced by private copies. At the end of the file the saved containers come
back untouched. Copying the whole model for each of hundreds of down files would cost more
than folding them.
"""

from __future__ import annotations

from schemalint.model.fold_ddl import comment_target
from schemalint.model.objects import IndexMap, Key, Table, TableMap
from schemalint.parse.names import qualified_key, relation_key, strings

# The statements whose folds change objects already in the model (scratch.isolate).
_CHANGES_TABLES = frozenset({"CreateStmt", "AlterTableStmt", "IndexStmt", "RenameStmt",
                             "AlterObjectSchemaStmt", "DropStmt", "InsertStmt", "CopyStmt",
                             "UpdateStmt", "MergeStmt", "CommentStmt"})
# The model's schema containers, saved while a down migration folds.
_CONTAINERS = ("tables", "indexes", "fk_refs", "sequences", "types", "enums", "schemas",
               "function_volatility", "unpopulated", "extensions", "hypertables")


class Scratch:
    """The saved containers and the objects already private to the scratch copy."""

    __slots__ = ("owned", "saved")

    def __init__(self, model) -> None:
        self.saved = tuple(getattr(model, name) for name in _CONTAINERS)
        # Tables private to the scratch copy (by identity; the list keeps them alive).
        self.owned: dict[int, Table] = {}
        tables, indexes, fk_refs = self.saved[:3]
        model.tables = _copy_tables(tables)
        model.indexes = _copy_indexes(indexes)
        model.fk_refs = {k: list(v) for k, v in fk_refs.items()}
        model.sequences = dict(model.sequences)
        model.types = dict(model.types)
        model.enums = dict(model.enums)  # labels are tuples: never changed in place
        model.schemas = set(model.schemas)
        model.function_volatility = dict(model.function_volatility)
        model.unpopulated = set(model.unpopulated)
        model.extensions = set(model.extensions)
        model.hypertables = set(model.hypertables)

    def restore(self, model) -> None:
        for name, value in zip(_CONTAINERS, self.saved):
            setattr(model, name, value)

    # --- before each fold ---------------------------------------------------------
    def isolate(self, model, stmt) -> None:
        """Make private every table `stmt`'s fold may change (`changed_tables`)."""
        for key in changed_tables(model, stmt):
            table = model.tables.get(key)
            if table is not None:
                self._own(model, table)

    def _own(self, model, table: Table) -> None:
        if id(table) in self.owned:
            return
        copy = _copy_table(table)
        self.owned[id(copy)] = copy
        model.tables[table.key] = copy
        for ikey, index in model.indexes.of_table(table.key):
            model.indexes[ikey] = _clone(index)
        fresh = {id(old): new for old, new in zip(table.constraints.values(), copy.constraints.values())}
        for con in copy.constraints.values():
            if con.kind == "foreign":
                refs = model.fk_refs.get(con.ref_table)
                if refs:
                    refs[:] = [(copy, fresh.get(id(c), c)) if t is table else (t, c) for t, c in refs]
        if table.partitioned:
            for part in [t for t in model.tables.values() if t.partition_of == table.key]:
                self._own(model, part)


def _naming_columns(model, node: dict, rename: str) -> list[Key]:
    """The tables with a column of the type, or owning the sequence, being renamed."""
    keys = model.rename_keys(node)
    if rename == "OBJECT_SEQUENCE":
        name = model.key(node["relation"])[1] if node.get("relation") else None
        return [k for k, t in model.tables.items()
                if any(c.sequence == name for c in t.columns.values())]
    if keys is None:
        return []
    name = keys[0][-1]
    return [k for k, t in model.tables.items() if any(c.type.endswith(name) for c in t.columns.values())]


def _copy_tables(tables: TableMap) -> TableMap:
    out = TableMap()
    dict.update(out, tables)
    out._seq = dict(tables._seq)
    out._next = tables._next
    return out


def _copy_indexes(indexes: IndexMap) -> IndexMap:
    out = IndexMap()
    dict.update(out, indexes)
    out._by_table = {k: dict(v) for k, v in indexes._by_table.items()}
    return out


def _copy_table(table: Table) -> Table:
    copy = _clone(table)
    copy.columns = {n: _clone(c) for n, c in table.columns.items()}
    copy.constraints = {n: _clone(c) for n, c in table.constraints.items()}
    return copy


def _clone(obj):
    """A shallow copy of a model record: the model's record classes take their fields
    positionally in slot order (tests/test_model_truth.py checks it), which is 3x faster
    than `Record.replace`."""
    return type(obj)(*obj._values())


def changed_tables(model, stmt) -> set[Key]:
    """The keys of the tables already in the model that `stmt`'s fold may change: the
    relation it names (and, of an ALTER TABLE, the partition it attaches or detaches), the
    table of an index it drops, renames or comments on, the tables whose foreign keys follow
    a renamed or moved table, every table for a renamed type or sequence (columns name them).
    The other folds only add new objects or remove (or replace) entries of the model's
    containers. Asked before the fold. A partitioned table's partitions may change with it
    (`Scratch._own` copies them; speed/schema_delta.py adds them too).

    A down migration's scratch copy makes these tables private before the fold; a run
    resumed from a checkpoint re-runs the schema rules only on them (speed/schema_delta.py)."""
    keys: set[Key] = set()
    kind = stmt.kind
    if kind not in _CHANGES_TABLES:
        return set()
    node = stmt.node
    rangevars = [node["relation"]] if node.get("relation") else []
    if kind == "AlterTableStmt":
        for item in node.get("cmds") or ():
            part = ((item.get("AlterTableCmd") or {}).get("def") or {}).get("PartitionCmd")
            if part and part.get("name"):
                rangevars.append(part["name"])
    for rangevar in rangevars:
        keys.add(model.key(rangevar))
        keys.add(relation_key(rangevar, model.search_schema))
    if kind == "CommentStmt":  # the commented relation, or the index (its table below)
        target = comment_target(model, node)
        if target is not None:
            keys.add(target[1])
    if kind == "DropStmt":
        if node.get("removeType") != "OBJECT_INDEX":
            return set()
        for obj in node.get("objects") or ():
            names = strings(obj["List"].get("items")) if "List" in obj else strings([obj])
            if names:
                keys.add(qualified_key(names, model.search_schema))
    rename = node.get("renameType") if kind == "RenameStmt" else None
    if rename in ("OBJECT_TYPE", "OBJECT_DOMAIN", "OBJECT_SEQUENCE"):
        keys.update(_naming_columns(model, node, rename))
    more: set[Key] = set()
    for key in keys:
        index = model.indexes.get(key)
        if index is not None:  # an index named: its table holds it
            more.add(index.table)
        if rename == "OBJECT_TABLE" or kind == "AlterObjectSchemaStmt":
            more.update(t.key for t, _ in model.fk_refs.get(key, ()))
        elif rename == "OBJECT_COLUMN":
            column = node.get("subname")
            more.update(t.key for t, con in model.fk_refs.get(key, ()) if column in con.ref_columns)
    return keys | more
