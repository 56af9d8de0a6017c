"""The index report as data (pure: a folded model in, data out).

    {"version": 1,
     "foreign_keys": [{"schema", "table", "name", "columns", "references": {"schema",
                       "table", "columns"}, "index": covering index | None, "create": SQL | None}],
     "redundant_indexes": [{"schema", "table", "index", "how", "of", "drop"}],
     "unique_duplicates": [{"schema", "table", "index", "constraint", "drop"}],
     "tables_without_primary_key": [{"schema", "table"}]}
"""

from __future__ import annotations

from schemalint.rulekit import (
    covering_index,
    display_name,
    expected_name,
    quote_ident,
    redundant_indexes,
)

VERSION = 1
DEFAULT_INDEX_NAME = "{table}_{columns}_idx"  # PostgreSQL's own default (ChooseIndexName)


def _reported(table) -> bool:
    """Permanent tables the history created: a table that predates it (first seen in an
    ALTER) has indexes we do not know of."""
    return table.kind == "table" and table.persistence != "t" and not table.external


def index_report(model, index_pattern: str = DEFAULT_INDEX_NAME) -> dict:
    """`index_pattern`: how new indexes are named (the naming-convention rule's `index`
    option: `{table}` and `{columns}` replaced)."""
    by_table: dict = {}
    for index in model.indexes.values():
        by_table.setdefault(index.table, []).append(index)
    taken = {key for key in model.indexes} | set(model.tables) | set(model.sequences)
    tables = sorted((t for t in model.tables.values() if _reported(t)), key=lambda t: t.key)
    fks = []
    # The index each partitioned table's uncovered foreign key gets, for its partitions to attach to.
    parent_index: dict = {}
    for table in sorted(tables, key=lambda t: not t.partitioned):
        for con in sorted(table.constraints.values(), key=lambda c: c.name):
            if con.kind != "foreign" or not con.columns:
                continue
            index = covering_index(con.columns, by_table.get(table.key, ()))
            # A partition's foreign key is served by an index on its partitioned parent.
            if index is None and table.partition_of:
                index = covering_index(con.columns, by_table.get(table.partition_of, ()))
            create = None
            if index is None:
                name = _free_name(table.key[0], expected_name(index_pattern, table.name, con.columns)
                                  or expected_name(DEFAULT_INDEX_NAME, table.name, con.columns), taken)
                taken.add((table.key[0], name))
                create = _create(table, name, con.columns, parent_index)
            ref = con.ref_table or (None, None)
            ref_table = model.tables.get(con.ref_table) if con.ref_table else None
            pk = ref_table.primary_key() if ref_table is not None else None
            fks.append({
                "schema": table.key[0], "table": table.name, "name": con.name,
                "columns": list(con.columns),
                "references": {"schema": ref[0], "table": ref[1],
                               "columns": list(con.ref_columns or (pk.columns if pk else ()))},
                "index": index.name if index is not None else None, "create": create})
    fks.sort(key=lambda f: (f["schema"], f["table"], f["name"]))
    redundant, unique_dups = [], []
    reported = {t.key for t in tables}
    valid = (i for i in model.indexes.values() if i.valid and i.site is not None and i.table in reported)
    for key, short, how, long in redundant_indexes(valid):
        drop = f"DROP INDEX CONCURRENTLY {display_name((key[0], short.name))};"
        if how == "duplicates" and long.unique and long.constraint is not None:
            unique_dups.append({"schema": key[0], "table": key[1], "index": short.name,
                                "constraint": long.constraint, "drop": drop})
        else:
            redundant.append({"schema": key[0], "table": key[1], "index": short.name, "how": how,
                              "of": long.name, "drop": drop})
    # A partitioned table is not a table with rows (relkind p): its partitions are.
    no_pk = [{"schema": t.key[0], "table": t.name} for t in tables
             if not t.partitioned and t.primary_key() is None]
    key = lambda e: (e["schema"], e["table"], e["index"])  # noqa: E731
    return {"version": VERSION, "foreign_keys": fks, "redundant_indexes": sorted(redundant, key=key),
            "unique_duplicates": sorted(unique_dups, key=key), "tables_without_primary_key": no_pk}


def _create(table, name: str, columns: tuple, parent_index: dict) -> str:
    """The SQL that adds the index. "Concurrent builds for indexes on partitioned tables are
    currently not supported" (CREATE INDEX): the parent's index is made ON ONLY it (invalid,
    reads no rows), each partition's concurrently, then attached; the parent's turns valid
    once every partition's is (docs, "Partition Maintenance")."""
    cols = ", ".join(quote_ident(c) for c in columns)
    where = display_name(table.key)
    if table.partitioned:
        parent_index[(table.key, tuple(columns))] = name
        return (f"CREATE INDEX {quote_ident(name)} ON ONLY {where} ({cols});  "
                "-- then each partition's CONCURRENTLY, attached to it")
    sql = f"CREATE INDEX CONCURRENTLY {quote_ident(name)} ON {where} ({cols});"
    parent = parent_index.get((table.partition_of, tuple(columns)))
    if parent is not None:
        sql += (f"\nALTER INDEX {display_name((table.partition_of[0], parent))} "
                f"ATTACH PARTITION {display_name((table.key[0], name))};")
    return sql


def _free_name(schema: str, name: str, taken: set) -> str:
    """`name`, or `name1`, `name2`... when a relation of the schema has it (as
    ChooseRelationName picks a free name; indexes, tables and sequences share pg_class)."""
    if (schema, name) not in taken:
        return name
    n = 1
    while (schema, f"{name[:60]}{n}") in taken:
        n += 1
    return f"{name[:60]}{n}"
