"""`--rows N`: fill every pre-existing table with N synthetic rows, server-side.

One `INSERT ... SELECT ... FROM generate_series(1, N)` per table, parents before children
so that foreign keys point at real rows; values derive from the row number, so unique
and primary key columns stay unique. Columns with a default (serial, identity, now(), ...)
keep it. Then ANALYZE, so plans and estimates see the volume. A table that cannot be
filled (a CHECK constraint the synthetic values violate, an exotic type) is reported and
left empty; the replay goes on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import psycopg

_TABLES_SQL = """
SELECT c.oid::int8, c.oid::regclass::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.oid >= 16384
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY c.oid
"""

_COLUMNS_SQL = """
SELECT a.attrelid::int8, a.attname::text, format_type(a.atttypid, a.atttypmod),
       a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '' AS has_default,
       a.attnotnull,
       COALESCE(bt.typname, t.typname)::text AS base_name,
       COALESCE(bt.typtype, t.typtype)::text AS base_typtype,
       COALESCE(bt.typcategory, t.typcategory)::text AS base_category,
       format_type(COALESCE(bt.oid, t.oid), CASE WHEN bt.oid IS NULL THEN a.atttypmod ELSE t.typtypmod END)
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

_FKEYS_SQL = """
SELECT k.conrelid::int8, k.confrelid::int8,
       ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o),
       ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, o)
             JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o)
FROM pg_constraint k WHERE k.contype = 'f' AND k.conrelid = ANY(%s)
"""


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Column:
    name: str
    type: str
    has_default: bool
    not_null: bool
    base_name: str
    base_typtype: str
    base_category: str
    base_type: str


@dataclass
class Table:
    oid: int
    name: str
    columns: list[Column] = field(default_factory=list)
    fkeys: list[tuple[int, list[str], list[str]]] = field(default_factory=list)  # parent, cols, ref cols


def value_expression(col: Column, i: str = "g.i") -> str | None:
    """A SQL expression of the row number `i` giving a distinct value of the column's type,
    or None when we have no sensible value (left to its default or NULL)."""
    name, cat = col.base_name, col.base_category
    base = col.base_type
    if col.base_typtype == "e":
        rng = f"enum_range(NULL::{base})"
        expr = f"({rng})[1 + ({i} - 1) % cardinality({rng})]"
    elif name == "int2":
        expr = f"({i} % 32767)"
    elif name in ("int4", "int8", "oid", "numeric", "float4", "float8"):
        expr = i
    elif name == "bool":
        expr = f"({i} % 2 = 0)"
    elif name == "uuid":
        expr = f"md5({i}::text)::uuid"
    elif name in ("timestamp", "timestamptz", "date"):
        expr = f"(timestamp '2020-01-01' + {i} * interval '1 second')"
    elif name in ("time", "timetz"):
        expr = f"(time '00:00' + {i} * interval '1 second')"
    elif name == "interval":
        expr = f"({i} * interval '1 second')"
    elif name in ("json", "jsonb"):
        expr = f"json_build_object('n', {i})"
    elif name == "bytea":
        expr = f"decode(md5({i}::text), 'hex')"
    elif name in ("inet", "cidr"):
        expr = f"('10.0.0.0'::inet + {i})"
    elif cat == "A":
        expr = "'{}'"
    elif cat == "S" or name in ("text", "varchar", "bpchar", "name", "citext"):
        expr = f"('v' || {i})"
    elif cat == "N":
        expr = i
    else:
        # ltree, tsvector and other types that read a number as text.
        expr = f"({i}::text)"
    # An explicit cast to varchar(n)/char(n) truncates rather than fails (SQL standard).
    return f"({expr})::{col.type}"


def _load(conn) -> dict[int, Table]:
    tables = {oid: Table(oid, name) for oid, name in conn.execute(_TABLES_SQL)}
    oids = list(tables)
    if not oids:
        return tables
    for row in conn.execute(_COLUMNS_SQL, (oids,)):
        tables[row[0]].columns.append(Column(*row[1:]))
    for child, parent, cols, refcols in conn.execute(_FKEYS_SQL, (oids,)):
        tables[child].fkeys.append((parent, list(cols), list(refcols)))
    return tables


def _order(tables: dict[int, Table]) -> list[Table]:
    """Parents before children (cycles and self references broken arbitrarily)."""
    out: list[Table] = []
    state: dict[int, int] = {}

    def visit(oid: int) -> None:
        if state.get(oid):
            return
        state[oid] = 1
        for parent, _, _ in tables[oid].fkeys:
            if parent in tables and parent != oid and not state.get(parent):
                visit(parent)
        state[oid] = 2
        out.append(tables[oid])

    for oid in tables:
        visit(oid)
    return out


def _insert_sql(table: Table, n: int, filled: Mapping[int, int],
                names: Mapping[int, str]) -> tuple[str | None, str | None]:
    """(INSERT statement, None) or (None, why the table cannot be filled)."""
    select: list[str] = []
    columns: list[str] = []
    joins: list[str] = []
    covered: set[str] = set()
    for k, (parent, cols, refcols) in enumerate(table.fkeys):
        if any(c in covered for c in cols):
            continue
        parent_rows = filled.get(parent, 0) if parent != table.oid else 0
        if parent_rows <= 0:
            continue  # nullable: left NULL below; NOT NULL: reported below
        alias = f"fk{k}"
        refs = ", ".join(quote_ident(c) for c in refcols)
        joins.append(
            f"JOIN (SELECT {refs}, row_number() OVER () AS rn FROM {names[parent]}) AS {alias} "
            f"ON {alias}.rn = 1 + (g.i - 1) % {parent_rows}")
        for col, ref in zip(cols, refcols, strict=True):
            columns.append(quote_ident(col))
            select.append(f"{alias}.{quote_ident(ref)}")
            covered.add(col)
    fk_columns = {c for _, cols, _ in table.fkeys for c in cols}
    for col in table.columns:
        if col.name in covered:
            continue
        if col.name in fk_columns:
            if col.not_null and not col.has_default:
                return None, f"column {col.name} references a table with no rows"
            continue
        if col.has_default:
            continue
        columns.append(quote_ident(col.name))
        select.append(value_expression(col))
    if not columns:
        return f"INSERT INTO {table.name} SELECT FROM generate_series(1, {n}) AS g(i)", None
    return (f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(select)} "
            f"FROM generate_series(1, {n}) AS g(i) {' '.join(joins)}"), None


def seed(conn, rows: int, rows_per_table: Mapping[str, int] | None = None) -> tuple[dict[str, int], list[str]]:
    """Fill the tables; returns ({table: rows inserted}, [problems])."""
    # Configuration keys as written (`orders`, `public.orders`, `billing.invoices`) against
    # regclass names (unqualified in public, quoted where needed).
    per_table = {_plain(k): n for k, n in (rows_per_table or {}).items()}
    tables = _load(conn)
    filled: dict[int, int] = {}
    names = {oid: t.name for oid, t in tables.items()}
    seeded: dict[str, int] = {}
    problems: list[str] = []
    for table in _order(tables):
        short = table.name.split(".", 1)[1] if table.name.startswith("public.") else table.name
        n = per_table.pop(_plain(table.name), rows)
        if n <= 0:
            continue
        sql, why = _insert_sql(table, n, filled, names)
        if sql is None:
            problems.append(f"{short}: not filled: {why}")
            continue
        try:
            with conn.transaction():
                inserted = conn.execute(sql).rowcount
        except psycopg.Error as exc:
            message = (getattr(exc.diag, "message_primary", None) or str(exc)).strip()
            problems.append(f"{short}: not filled: {message}")
            continue
        filled[table.oid] = inserted
        seeded[short] = inserted
    problems += [f"{name}: rows configured for a table that does not exist before the traced "
                 "migrations" for name in per_table]
    if seeded:
        conn.execute("ANALYZE")
    return seeded, problems


def _plain(name: str) -> str:
    """`public.orders`, `orders` and `"orders"` -> `orders`; `billing."Invoices"` ->
    `billing.Invoices` (for matching only; a name containing a dot is taken as written)."""
    parts = [p[1:-1].replace('""', '"') if len(p) > 1 and p[0] == p[-1] == '"' else p
             for p in _split_qualified(name)]
    if len(parts) == 2 and parts[0] == "public":
        parts = parts[1:]
    return ".".join(parts)


def _split_qualified(name: str) -> list[str]:
    parts, current, quoted = [], "", False
    for ch in name:
        if ch == '"':
            quoted = not quoted
        if ch == "." and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    return parts + [current]
