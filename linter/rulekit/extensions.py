"""Facts the extension rules (pgvector, TimescaleDB, PostGIS) share: which types and index
methods are the extensions', and whether a table may hold rows. (The arguments of calls such
as `create_hypertable(...)` are read by `parse.calls`.)"""

from __future__ import annotations

# pgvector's vector types whose typmod is the number of dimensions. (`bit` is pgvector's
# binary vector too, but PostgreSQL reads a bare `bit` as `bit(1)`: it always has one.)
VECTOR_TYPES = frozenset({"vector", "halfvec", "sparsevec"})
# pgvector's index access methods.
VECTOR_METHODS = frozenset({"hnsw", "ivfflat"})
# PostGIS's spatial types: the typmod is (geometry type[, SRID]).
SPATIAL_TYPES = frozenset({"geometry", "geography"})


def base_type(name: str) -> str:
    """A column type without its schema: `extensions.vector` -> `vector` (Supabase and others
    create extensions in a schema of their own)."""
    return name.rpartition(".")[2]


def has_rows(model, key) -> bool:
    """The table may hold rows where this statement runs: it is older than the history
    (external), or a statement of the history loaded it, one of its partitioned or
    inheritance parents (rows put in a parent may land in it), or one of its partitions or
    children (a partition attached with rows brings them)."""
    table = model.tables.get(key)
    if table is None:
        return True
    tables = model.tables
    up, seen = [table], set()
    while up:
        t = up.pop()
        if t.key in seen:
            continue
        seen.add(t.key)
        if t.loaded or t.external:
            return True
        up += [tables[p] for p in (t.partition_of, *t.inherits) if p in tables]
    down, seen = [table.key], {table.key}
    while down:
        parent = down.pop()
        for child in tables.values():
            if (child.partition_of == parent or parent in child.inherits) and child.key not in seen:
                if child.loaded or child.external:
                    return True
                seen.add(child.key)
                down.append(child.key)
    return False
