"""EXPLAIN (FORMAT JSON) of one query on the replayed database, and what the gate reads in
a plan: its total cost, its scans, a one-line summary and a signature that changes when the
plan's shape does (not when only its estimates move)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import psycopg

from schemalint.replay.plans.workload import Query

SEQ_SCAN = "Seq Scan"
# Scans that read a table through an index (the Bitmap Heap Scan above a Bitmap Index Scan
# names the table; the index scan names the index).
INDEX_SCANS = ("Index Scan", "Index Only Scan", "Bitmap Heap Scan")
_STATEMENT = "schemalint_query"


@dataclass
class Scan:
    node: str  # "Seq Scan", "Index Scan", ...
    relation: str  # schema-qualified unless in public
    index: str = ""
    rows: float = 0.0  # the node's estimated output rows

    def describe(self) -> str:
        using = f" using {self.index}" if self.index else ""
        return f"{self.node}{using} on {self.relation}"


@dataclass
class Plan:
    """A query's plan, or the server's error when it does not plan (`error`)."""

    tree: dict | None = None  # EXPLAIN's "Plan" object
    cost: float = 0.0
    scans: list[Scan] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def signature(self) -> tuple:
        if self.error is not None:
            return ("error", self.error)
        return tuple(_shape(self.tree))

    def summary(self) -> str:
        if self.error is not None:
            return f"fails: {self.error}"
        scans = ", ".join(s.describe() for s in self.scans) or self.tree.get("Node Type", "")
        return f"{scans} (cost {self.cost:,.0f})"

    def indexed(self) -> set[str]:
        return {s.relation for s in self.scans if s.node in INDEX_SCANS}

    def seq_scanned(self) -> set[str]:
        return {s.relation for s in self.scans if s.node == SEQ_SCAN}

    def to_dict(self) -> dict:
        if self.error is not None:
            return {"error": self.error}
        return {"total_cost": self.cost, "summary": self.summary(), "plan": self.tree}


def _shape(node: dict):
    yield (node.get("Node Type"), node.get("Relation Name"), node.get("Index Name"))
    for child in node.get("Plans", ()):
        yield from _shape(child)


def _scans(node: dict, out: list[Scan]) -> list[Scan]:
    kind = node.get("Node Type", "")
    if "Relation Name" in node:
        schema = node.get("Schema", "public")
        name = node["Relation Name"] if schema == "public" else f"{schema}.{node['Relation Name']}"
        out.append(Scan(kind, name, node.get("Index Name", ""), node.get("Plan Rows", 0.0)))
    elif kind == "Bitmap Index Scan":
        out.append(Scan(kind, "", node.get("Index Name", ""), node.get("Plan Rows", 0.0)))
    for child in node.get("Plans", ()):
        _scans(child, out)
    return out


def literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def explain_sql(query: Query, sql: str | None = None) -> str:
    """One simple-query message: a query with parameters is prepared and EXPLAINed through
    EXECUTE with its sample values as untyped literals (the server casts each to the type it
    inferred for the parameter), planned for those values (`force_custom_plan`), or
    generically (`force_generic_plan`) when it has none (PostgreSQL 15 has no EXPLAIN
    (GENERIC_PLAN): that came in 16)."""
    sql = query.sql if sql is None else sql
    options = "EXPLAIN (FORMAT JSON, VERBOSE)"
    if not query.params:
        return f"{options} {sql}"
    values = query.values if query.values is not None else (None,) * query.params
    mode = "force_custom_plan" if query.values is not None else "force_generic_plan"
    return (f"DEALLOCATE ALL; SET plan_cache_mode = {mode}; PREPARE {_STATEMENT} AS {sql}; "
            f"{options} EXECUTE {_STATEMENT}({', '.join(literal(v) for v in values)})")


def explain(conn: psycopg.Connection, query: Query) -> Plan:
    """The plan of `query` on `conn` (autocommit), or the server's error."""
    try:
        cur = conn.execute(explain_sql(query).encode())
        while cur.description is None or cur.description[0].name != "QUERY PLAN":
            if not cur.nextset():  # pragma: no cover - EXPLAIN always returns its plan
                return Plan(error="EXPLAIN returned no plan")
        return plan_of(cur.fetchone()[0])
    except psycopg.Error as exc:
        diag = getattr(exc, "diag", None)
        return Plan(error=(diag.message_primary if diag is not None and diag.message_primary
                           else str(exc).strip().splitlines()[0]))


def plan_of(document) -> Plan:
    """A Plan from EXPLAIN (FORMAT JSON)'s output, as text or parsed."""
    doc = json.loads(document) if isinstance(document, str) else document
    tree = doc[0]["Plan"]
    _drop_output(tree)
    return Plan(tree=tree, cost=float(tree.get("Total Cost", 0.0)), scans=_scans(tree, []))


def _drop_output(node: dict) -> None:
    """VERBOSE is asked for the relations' schemas; its output lists are noise in reports."""
    node.pop("Output", None)
    for child in node.get("Plans", ()):
        _drop_output(child)
