"""What is copied rather than written: the indexes of a partitioned table on each of its
partitions (DefineIndex recurses; a partition created or attached later gets them too), its
foreign keys (CloneFkReferencing), and the indexes CREATE TABLE ... (LIKE src INCLUDING
INDEXES) copies. Each copy is named as PostgreSQL names an index it is not told the name of."""

from __future__ import annotations

import json

from schemalint.model.naming import (
    choose_constraint_name,
    choose_relation_name,
    index_column_names,
    name_addition,
)
from schemalint.model.objects import Constraint, Index, Table

# The label of an index's default name: ChooseIndexName.
INDEX_LABEL = {"primary": "pkey", "unique": "key", "exclusion": "excl"}


def clone_index(model, idx: Index, table: Table, site, kind: str | None,
                parent: tuple | None = None) -> Index:
    """A copy of `idx` on `table`, named as DefineIndex names an index given no name
    (LIKE ... INCLUDING INDEXES, an index of a partitioned table on its partitions); with
    its constraint when `kind` says it backs one."""
    elems = [json.loads(e) for e in idx.elements] or [{"name": c} for c in idx.columns if c]
    cols = index_column_names(elems + [{"name": c} for c in idx.include])
    label = INDEX_LABEL.get(kind, "idx")
    name = choose_relation_name(model, table.key[0], table.name,
                                None if kind == "primary" else name_addition(cols), label,
                                table if kind else None)
    copy = Index(name=name, table=table.key, columns=idx.columns, unique=idx.unique,
                 partial=idx.partial, valid=idx.valid, method=idx.method,
                 constraint=name if kind else None, site=site, elements=idx.elements,
                 include=idx.include, predicate=idx.predicate, null_filter=idx.null_filter,
                 parent=parent)
    model.indexes[(table.key[0], name)] = copy
    if kind:
        table.constraints[name] = Constraint(name=name, kind=kind, columns=idx.columns, site=site)
        if kind == "primary":
            for c in idx.columns:
                if c in table.columns:
                    table.columns[c].not_null = True
    return copy


def clone_partition_indexes(model, parent: Table, part: Table) -> None:
    """A new or attached partition gets an index for each index of its partitioned parent
    (DefineIndex recurses; AttachPartitionEnsureIndexes)."""
    for pkey, idx in model.indexes.of_table(parent.key):
        _attach_or_clone(model, parent, pkey, idx, part, part.site)


def clone_partition_fks(model, parent: Table, part: Table, only: Constraint | None = None) -> None:
    """A partition gets each foreign key of its partitioned parent, under the same name
    unless the partition uses it (CloneFkReferencing). The copies have no site: the
    parent's constraint is the one written, and reported."""
    for con in (only,) if only is not None else tuple(parent.constraints.values()):
        if con.kind != "foreign" or any(
                c.kind == "foreign" and c.columns == con.columns and c.ref_table == con.ref_table
                for c in part.constraints.values()):
            continue
        name = con.name if con.name not in part.constraints else choose_constraint_name(
            part, name_addition(con.columns), "fkey")
        copy = part.constraints[name] = Constraint(
            name=name, kind="foreign", columns=con.columns, validated=con.validated,
            ref_table=con.ref_table, ref_columns=con.ref_columns, on_delete=con.on_delete)
        model.fk_refs.setdefault(con.ref_table, []).append((part, copy))


def propagate_index(model, table: Table, key: tuple, index: Index) -> None:
    """An index on a partitioned table is made on each of its partitions too (DefineIndex
    recurses)."""
    for part in partitions_of(model, table.key):
        _attach_or_clone(model, table, key, index, part, index.site)


def _attach_or_clone(model, parent: Table, pkey: tuple, idx: Index, part: Table, site) -> None:
    """The partition's index for the parent's index `pkey`: one it already has that is
    equivalent is attached, else a copy named after the partition is built (its site: the
    statement that made it)."""
    own = model.indexes_of(part.key)
    if any(o.parent == pkey for o in own):
        return
    match = next((o for o in own if o.parent is None and o.elements == idx.elements
                  and o.unique == idx.unique and o.predicate == idx.predicate
                  and o.method == idx.method), None)
    if match is not None:
        match.parent = pkey
        return
    con = parent.constraints.get(idx.constraint) if idx.constraint else None
    clone_index(model, idx, part, site, con.kind if con else None, parent=pkey)


def partitions_of(model, key: tuple) -> list[Table]:
    """The partitions of a partitioned table (a scan: only partitioned tables ask)."""
    return [t for t in model.tables.values() if t.partition_of == key]
