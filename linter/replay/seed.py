"""`--rows N`: fill each table with N synthetic rows right after the migration that created
it, server-side, so the migrations after it run on data.

One `INSERT ... SELECT ... FROM generate_series(1, N)` per table, parents before children
so that foreign keys point at real rows (rows a migration inserted itself count as parents
too); values derive from the row number, so unique and primary key columns stay unique.
Columns with a default (serial, identity, now(), ...) keep it; nullable columns of a type
the seeder has no values for stay NULL. Then ANALYZE, so plans and estimates see the
volume. A table that cannot be filled is reported with the reason (a NOT NULL column of
such a type, a foreign key to an empty table, a CHECK constraint the synthetic values
violate) and left empty; the replay goes on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import psycopg

from schemalint.replay.trace import Seeded

_TABLES_SQL = """
SELECT c.oid::int8, c.oid::regclass::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.oid >= 16384 AND c.relpersistence <> 't'
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


# Types outside the string and numeric categories that read a number written as text.
_FROM_TEXT = frozenset({"ltree", "lquery", "tsvector", "tsquery", "macaddr", "macaddr8", "money",
                        "xml", "bit", "varbit", "pg_lsn"})


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
    or None when the seeder has no values of that type."""
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
    elif name in _FROM_TEXT:
        expr = f"({i}::text)"
    else:
        return None
    # An explicit cast to varchar(n)/char(n) truncates rather than fails (SQL standard).
    return f"({expr})::{col.type}"


def _guess_expression(col: Column, i: str = "g.i") -> str:
    """For a NOT NULL column of a type `value_expression` does not know: the row number as
    text, which many types read (when it fails, the report names the column and type)."""
    return f"(({i})::text)::{col.type}"


def _load(conn, only: list[int]) -> dict[int, Table]:
    tables = {oid: Table(oid, name) for oid, name in conn.execute(_TABLES_SQL) if oid in only}
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


def _short(name: str) -> str:
    return name[7:] if name.startswith("public.") else name


class _Plan:
    """An INSERT filling a table, or why there is none; the columns given a guessed value."""

    __slots__ = ("guessed", "sql", "why")

    def __init__(self, sql: str | None = None, why: str | None = None,
                 guessed: list[Column] | None = None) -> None:
        self.sql, self.why, self.guessed = sql, why, guessed or []


def _insert_plan(table: Table, n: int, parent_rows, names: Mapping[int, str]) -> _Plan:
    """`parent_rows(oid)`: the rows a referenced table holds."""
    select: list[str] = []
    columns: list[str] = []
    joins: list[str] = []
    covered: set[str] = set()
    empty_parents: dict[str, int] = {}  # column -> the referenced table with no rows
    for k, (parent, cols, refcols) in enumerate(table.fkeys):
        if any(c in covered for c in cols):
            continue
        rows = parent_rows(parent) if parent != table.oid else 0
        if rows <= 0:
            for c in cols:
                empty_parents.setdefault(c, parent)
            continue  # nullable: left NULL below; NOT NULL: reported below
        alias = f"fk{k}"
        refs = ", ".join(quote_ident(c) for c in refcols)
        joins.append(
            f"JOIN (SELECT {refs}, row_number() OVER () AS rn FROM {names[parent]}) AS {alias} "
            f"ON {alias}.rn = 1 + (g.i - 1) % {rows}")
        for col, ref in zip(cols, refcols, strict=True):
            columns.append(quote_ident(col))
            select.append(f"{alias}.{quote_ident(ref)}")
            covered.add(col)
    guessed: list[Column] = []
    for col in table.columns:
        if col.name in covered:
            continue
        if col.name in empty_parents:
            if col.not_null and not col.has_default:
                parent = empty_parents[col.name]
                what = ("itself (a self reference: the first row has nothing to point at)"
                        if parent == table.oid else f"{_short(names.get(parent, str(parent)))}, which has no rows")
                return _Plan(why=f"foreign key column {col.name} is NOT NULL and references {what}")
            continue
        if col.has_default:
            continue
        expr = value_expression(col)
        if expr is None:
            if not col.not_null:
                continue  # left NULL
            expr = _guess_expression(col)
            guessed.append(col)
        columns.append(quote_ident(col.name))
        select.append(expr)
    if not columns:
        return _Plan(f"INSERT INTO {table.name} SELECT FROM generate_series(1, {n}) AS g(i)")
    return _Plan(f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(select)} "
                 f"FROM generate_series(1, {n}) AS g(i) {' '.join(joins)}", guessed=guessed)


def _why(exc: psycopg.Error, plan: _Plan) -> str:
    """Why an INSERT failed, in the seeder's terms where it can tell."""
    diag = exc.diag
    message = (getattr(diag, "message_primary", None) or str(exc)).strip()
    state = getattr(exc, "sqlstate", None) or ""
    if plan.guessed and (state.startswith("22") or state in ("42846", "42804")):
        cols = ", ".join(f"{c.name} ({c.type})" for c in plan.guessed)
        return (f"NOT NULL column(s) without a default of a type the seeder cannot generate: "
                f"{cols} ({message})")
    if state == "23514":
        return f"the synthetic values violate CHECK constraint {diag.constraint_name} ({message})"
    if state == "23505":
        return (f"the synthetic values collide with rows already there on unique constraint "
                f"{diag.constraint_name} ({message})")
    return message


class Seeder:
    """Fills the tables each migration created, right after it (`after`)."""

    def __init__(self, conn, rows: int, rows_per_table: Mapping[str, int] | None = None) -> None:
        self.conn = conn
        self.rows = rows
        # Configuration keys as written (`orders`, `public.orders`, `billing.invoices`) against
        # regclass names (unqualified in public, quoted where needed).
        self.per_table = {_plain(k): n for k, n in (rows_per_table or {}).items()}
        self._unmet = dict.fromkeys(self.per_table)  # named tables no migration created yet
        self.known: set[int] = set()
        self.names: dict[int, str] = {}
        self.filled: dict[int, int] = {}  # oid -> rows inserted
        self.seeded: list[Seeded] = []
        self.problems: list[str] = []

    def start(self) -> None:
        """The tables that exist before the first migration (the framework's own) are not
        the migrations' and are never filled."""
        self.known = {oid for oid, _ in self.conn.execute(_TABLES_SQL)}

    def after(self, migration) -> None:
        """Fill the tables `migration` created."""
        current = dict(self.conn.execute(_TABLES_SQL).fetchall())
        new = [oid for oid in current if oid not in self.known]
        self.known = set(current)
        self.names.update(current)
        if not new:
            return
        tables = _load(self.conn, new)
        analyze: list[str] = []
        for table in _order(tables):
            short = _short(table.name)
            key = _plain(table.name)
            self._unmet.pop(key, None)
            n = self.per_table.get(key, self.rows)
            if n <= 0:
                continue
            plan = _Plan()
            try:
                with self.conn.transaction():
                    plan = _insert_plan(table, n, self._parent_rows, self.names)
                    if plan.sql is None:
                        self.problems.append(f"{short}: not filled: {plan.why}")
                        continue
                    inserted = self.conn.execute(plan.sql).rowcount
            except psycopg.Error as exc:
                self.problems.append(f"{short}: not filled: {_why(exc, plan)}")
                continue
            self.filled[table.oid] = inserted
            self.seeded.append(Seeded(short, inserted, migration.path))
            analyze.append(table.name)
        if analyze:
            try:
                self.conn.execute(f"ANALYZE {', '.join(analyze)}")
            except psycopg.Error as exc:
                self.problems.append(f"ANALYZE {', '.join(analyze)}: {_why(exc, _Plan())}")

    def _parent_rows(self, oid: int) -> int:
        """Rows a referenced table holds: what we inserted, else what the migrations did
        (a lookup table they filled), counted up to the rows a child asks for."""
        if oid in self.filled:
            return self.filled[oid]
        name = self.names.get(oid)
        if name is None:
            return 0
        limit = max(self.rows, *self.per_table.values(), 1)
        return self.conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {name} LIMIT {limit}) AS r").fetchone()[0]

    def finish(self) -> None:
        self.problems += [f"{name}: rows configured for a table that no migration creates"
                          for name in self._unmet]

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.seeded:
            out[s.table] = out.get(s.table, 0) + s.rows
        return out


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
