"""Index advice with HypoPG: hypothetical one- and two-column B-tree indexes on the columns a
query filters and joins on, each planned in turn; the cheapest is suggested when it cuts the
query's estimated cost by half or more.

HypoPG's indexes exist only in the planner of the session that made them (nothing is
built, nothing is locked), and only plain EXPLAIN sees them
(https://hypopg.readthedocs.io). `CREATE EXTENSION hypopg` needs the package installed on
the server (Debian: postgresql-15-hypopg) and, as it is not a trusted extension, a
superuser: the `local` and `docker` backends have one; on a `--dsn` server, install it in
`template1` and replay's scratch database has it."""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg

from schemalint.replay.plans.columns import predicates
from schemalint.replay.plans.explain import Plan, explain
from schemalint.replay.plans.workload import Query

CUT = 0.5  # suggest an index that at least halves the estimated cost
_MAX_CANDIDATES = 16  # per table: one-column indexes first, then pairs
_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")
_COLUMNS_SQL = ("SELECT attname::text FROM pg_attribute WHERE attrelid = to_regclass(%s) "
                "AND attnum > 0 AND NOT attisdropped")


@dataclass
class Advice:
    table: str
    columns: tuple[str, ...]
    before: float  # estimated total cost without, then with, the index
    after: float

    @property
    def statement(self) -> str:
        table = ".".join(ident(p) for p in self.table.split("."))
        name = ident("_".join((self.table.split(".")[-1], *self.columns, "idx"))[:63])
        return f"CREATE INDEX CONCURRENTLY {name} ON {table} ({', '.join(map(ident, self.columns))});"

    def describe(self) -> str:
        return (f"`{self.statement}` would cut the estimated cost from {self.before:,.0f} to "
                f"{self.after:,.0f} (HypoPG)")

    def to_dict(self) -> dict:
        return {"table": self.table, "columns": list(self.columns), "statement": self.statement,
                "cost_before": self.before, "cost_after": self.after}


def ident(name: str) -> str:
    return name if _PLAIN.match(name) else '"' + name.replace('"', '""') + '"'


class Advisor:
    """Advice on one connection; `problem` says why there is none (HypoPG missing)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.problem: str | None = None
        self._ready: bool | None = None
        self._columns: dict[str, set[str]] = {}

    def ready(self) -> bool:
        if self._ready is None:
            try:
                self.conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
                self._ready = True
            except psycopg.Error as exc:
                self._ready = False
                diag = getattr(exc, "diag", None)
                why = diag.message_primary if diag is not None and diag.message_primary else str(exc)
                hint = ("with --dsn, a superuser can create it in template1, which replay's "
                        "scratch database is copied from" if "permission denied" in why else
                        "install HypoPG on that server (Debian: postgresql-<major>-hypopg)")
                self.problem = (f"no index advice: HypoPG is not available on the replay server "
                                f"({why}); {hint}")
        return self._ready

    def advise(self, query: Query, plan: Plan, tables: set[str]) -> Advice | None:
        """The best hypothetical index on `tables` (those the finding is about) for `query`,
        when it halves `plan`'s cost."""
        if not plan.ok or not tables or not self.ready():
            return None
        best: Advice | None = None
        for table, columns in self.candidates(query, tables):
            try:
                self.conn.execute("SELECT hypopg_create_index(%s)",
                                  (f"CREATE INDEX ON {'.'.join(map(ident, table.split('.')))} "
                                   f"({', '.join(map(ident, columns))})",))
            except psycopg.Error:
                continue  # not a column of that table after all (an alias of a CTE, ...)
            try:
                after = explain(self.conn, query)
            finally:
                self.conn.execute("SELECT hypopg_reset()")
            if after.ok and (best is None or (after.cost, len(columns)) < (best.after, len(best.columns))):
                best = Advice(table, columns, plan.cost, after.cost)
        if best is None or best.after > plan.cost * CUT:
            return None
        return best

    def candidates(self, query: Query, tables: set[str]) -> list[tuple[str, tuple[str, ...]]]:
        preds = predicates(query.node)
        by_table: dict[str, list[tuple[str, str]]] = {}
        known = set(preds.tables.values())
        for qualifier, column, how in preds.columns:
            if qualifier is not None:
                table = preds.tables.get(qualifier)
            else:  # unqualified: the one table of the query that has the column
                having = [t for t in sorted(known) if column in self._table_columns(t)]
                table = having[0] if len(having) == 1 else None
            if table in tables and (column, how) not in by_table.setdefault(table, []):
                by_table[table].append((column, how))
        out = []
        for table, cols in by_table.items():
            names = list(dict.fromkeys(c for c, _ in cols))
            equal = [c for c, how in cols if how == "eq"]
            pairs = [(a, b) for a in equal for b in names if a != b]
            out += [(table, combo) for combo in ([(c,) for c in names] + pairs)[:_MAX_CANDIDATES]]
        return out

    def _table_columns(self, table: str) -> set[str]:
        if table not in self._columns:
            try:
                rows = self.conn.execute(_COLUMNS_SQL, (table,)).fetchall()
            except psycopg.Error:
                rows = []
            self._columns[table] = {r[0] for r in rows}
        return self._columns[table]
