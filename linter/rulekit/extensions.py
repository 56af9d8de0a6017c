"""Facts the extension rules (pgvector, TimescaleDB, PostGIS) share: which types and index
methods are the extensions', whether a table may hold rows, and the arguments of a function
call such as `create_hypertable(...)`."""

from __future__ import annotations

from schemalint.parse.names import const_value, qualified_key, strings

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


def function_calls(node: dict, name: str):
    """The calls of function `name` (any schema) in the select list or the FROM list of a
    SELECT (`SELECT f(...)`, `SELECT * FROM f(...)`): how migrations call TimescaleDB's and
    PostGIS's management functions."""
    found = [((item.get("ResTarget") or {}).get("val") or {}).get("FuncCall")
             for item in node.get("targetList") or ()]
    for item in node.get("fromClause") or ():
        for fn in (item.get("RangeFunction") or {}).get("functions") or ():
            found += [i.get("FuncCall") for i in (fn.get("List") or {}).get("items") or ()]
    for call in found:
        if call is not None and strings(call.get("funcname"))[-1:] == [name]:
            yield call


def call_argument(call: dict, position: int | None, names: tuple[str, ...]):
    """The argument at `position` (0-based; None: only by name) or passed by one of `names`
    (`name => value`); None when not given."""
    args = call.get("args") or ()
    for arg in args:
        named = arg.get("NamedArgExpr")
        if named is not None and named.get("name") in names:
            return named.get("arg")
    if position is None:
        return None
    positional = [a for a in args if "NamedArgExpr" not in a]
    return positional[position] if position < len(positional) else None


def is_true(expr) -> bool:
    """A boolean literal true as SQL writes it: `true`, `'true'`, `'on'`, `'yes'`, `1`."""
    value = const_value(expr)
    if isinstance(value, str):
        return value.strip().lower() in ("t", "true", "on", "yes", "y", "1")
    return value is True or value == 1


def regclass_key(expr, search_schema: str):
    """The (schema, table) of a `'name'` or `'schema.name'::regclass` argument, else None."""
    value = const_value(expr)
    if not isinstance(value, str) or not value:
        return None
    parts = [p.strip('"') if p.startswith('"') else p.lower() for p in value.split(".")]
    return qualified_key(parts, search_schema)
