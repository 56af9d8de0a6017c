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

from schemalint.model.objects import IndexMap, Key, Table, TableMap
from schemalint.parse.names import qualified_key, relation_key, strings

# The model's schema containers, saved while a down migration folds.
_CONTAINERS = ("tables", "indexes", "fk_refs", "sequences", "types", "enums", "schemas",
               "function_volatility")


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

    def restore(self, model) -> None:
        for name, value in zip(_CONTAINERS, self.saved):
            setattr(model, name, value)

    # --- before each fold ---------------------------------------------------------
    def isolate(self, model, stmt) -> None:
        """Make private every table `stmt`'s fold may change."""
        node, kind = stmt.node, stmt.kind
        keys: set[Key] = set()
        for rangevar in _rangevars(node):
            keys.add(model.key(rangevar))
            keys.add(relation_key(rangevar, model.search_schema))
        if kind == "DropStmt" and node.get("removeType") == "OBJECT_INDEX":
            for obj in node.get("objects") or ():
                names = strings(obj["List"].get("items")) if "List" in obj else strings([obj])
                if names:
                    keys.add(qualified_key(names, model.search_schema))
        if kind == "RenameStmt" and node.get("renameType") in ("OBJECT_TYPE", "OBJECT_DOMAIN",
                                                                "OBJECT_SEQUENCE"):
            keys.update(model.tables)  # the columns of that type, or owning that sequence
        more: set[Key] = set()
        for key in keys:
            index = model.indexes.get(key)
            if index is not None:  # an index named: its table holds it
                more.add(index.table)
            if kind in ("RenameStmt", "AlterObjectSchemaStmt"):
                # Foreign keys referencing a renamed table or column follow it.
                more.update(t.key for t, _ in model.fk_refs.get(key, ()))
        for key in keys | more:
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
            model.indexes[ikey] = index.replace()
        fresh = {id(old): new for old, new in zip(table.constraints.values(), copy.constraints.values())}
        for con in copy.constraints.values():
            if con.kind == "foreign":
                refs = model.fk_refs.get(con.ref_table)
                if refs:
                    refs[:] = [(copy, fresh.get(id(c), c)) if t is table else (t, c) for t, c in refs]
        if table.partitioned:
            for part in [t for t in model.tables.values() if t.partition_of == table.key]:
                self._own(model, part)


def _rangevars(node):
    """Every RangeVar of a statement tree (the relations it names)."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            if "relname" in cur:
                yield cur
            stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))
        elif isinstance(cur, list):
            stack.extend(v for v in cur if isinstance(v, (dict, list)))


def _copy_table(table: Table) -> Table:
    return table.replace(columns={n: c.replace() for n, c in table.columns.items()},
                         constraints={n: c.replace() for n, c in table.constraints.items()})


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
