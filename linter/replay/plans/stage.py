"""The plan stage of a replay: each query of the workload EXPLAINed at the base (the schema
after the migrations before the changed range), at every migration boundary after it, and
after the last migration; then, for each query whose plan got worse or broke, the migration
statement that did it.

A plan is read at every boundary (an EXPLAIN costs about a millisecond), not bisected
afterwards: replay cannot go back to an earlier schema. Before each reading, the tables with
a column the planner has no statistics for (a column added, a type changed: ALTER TABLE
... TYPE drops the column's statistics) are ANALYZEd, so a plan changes with the schema, not
with missing statistics."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import psycopg

from schemalint.errors import UsageError
from schemalint.replay.plans.advice import Advice, Advisor
from schemalint.replay.plans.explain import Plan, explain
from schemalint.replay.plans.findings import plan_findings
from schemalint.replay.plans.workload import Query
from schemalint.replay.selection import first_traced

# The user tables (and materialized views) with data and a column pg_stats has no row for.
_MISSING_STATS_SQL = r"""
SELECT DISTINCT c.oid::regclass::text
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_%' AND pg_relation_size(c.oid) > 0
  AND NOT EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = n.nspname
                  AND s.tablename = c.relname AND s.attname = a.attname)
"""
# Estimated rows of every user table, by the name plans give it (schema-qualified outside public).
_ROWS_SQL = r"""
SELECT CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END,
       c.reltuples
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
"""
_QUOTED = re.compile(r'"([^"]+)"|column (\w+(?:\.\w+)?) does not exist')


@dataclass
class Blame:
    """The migration statement a plan change is blamed on."""

    trace: object  # a StatementTrace

    @property
    def where(self) -> str:
        return f"{self.trace.path}:{self.trace.line}"

    def describe(self) -> str:
        sql = " ".join(self.trace.sql.split())
        return f"`{self.where}` ({sql if len(sql) <= 60 else sql[:59] + '…'})"

    def to_dict(self) -> dict:
        return {"path": self.trace.path, "line": self.trace.line, "sql": self.trace.sql}


@dataclass
class QueryPlans:
    """What the stage found for one query."""

    query: Query
    base: Plan | None = None  # None: no base (no --base, --changed-since or range)
    after: Plan | None = None
    # Each reading from the base on: (index of the next migration to apply, the plan).
    readings: list[tuple[int, Plan]] = field(default_factory=list)
    regression: str | None = None  # why the plan regressed (cost, scans)
    regression_blame: Blame | None = None
    seq_scans: dict[str, float] = field(default_factory=dict)  # large tables scanned -> rows
    seq_blame: Blame | None = None
    failed_blame: Blame | None = None
    advice: Advice | None = None

    @property
    def changed(self) -> bool:
        return (self.base is not None and self.after is not None
                and self.base.signature() != self.after.signature())

    def to_dict(self) -> dict:
        blame = self.regression_blame or self.failed_blame or self.seq_blame
        return {**self.query.to_dict(),
                "base": self.base.to_dict() if self.base is not None else None,
                "after": self.after.to_dict() if self.after is not None else None,
                "regression": self.regression, "seq_scans": self.seq_scans,
                "blamed": blame.to_dict() if blame is not None else None,
                "advice": self.advice.to_dict() if self.advice is not None else None}


def plan_stage(ups: list, first: int, opts, conninfo: str, cleanup) -> PlanStage | None:
    """The stage for a replay's options (None without a workload), its session open. The
    base: the first migration changed since `--base REF` (or `--changed-since`), else the
    first traced one when a range was given (`--since`, `--last`, `--from`), else none."""
    if not opts.workload:
        return None
    if opts.base is not None:
        try:
            base = first_traced(ups, since=opts.base)
        except UsageError as exc:  # git's complaint, about the flag given
            raise UsageError(str(exc).replace("--since", "--base", 1)) from None
    elif opts.since is not None or opts.last is not None or opts.from_file is not None:
        base = first
    else:
        base = None
    stage = PlanStage(opts.workload, ups, base, opts.seq_scan_rows, opts.plan_cost_ratio)
    stage.open(conninfo, opts.statement_timeout_s)
    cleanup.push("close the query-plan session", stage.close)
    return stage


class PlanStage:
    """Called by the replay runner: `open` once the server is up, `boundary(i)` before the
    i-th up migration is applied (after the previous one's seeding), `finish` after the
    last; `results` then holds a QueryPlans per query, `notes` what could not be done."""

    def __init__(self, queries: tuple[Query, ...], ups: list, base: int | None,
                 seq_scan_rows: int = 10000, cost_ratio: float = 2.0) -> None:
        self.queries = queries
        self.ups = ups
        self.base = base
        self.seq_scan_rows = seq_scan_rows
        self.cost_ratio = cost_ratio
        self.results = [QueryPlans(q) for q in queries]
        self.notes: list[str] = []
        self.conn: psycopg.Connection | None = None
        self._last = -1  # the last boundary the replay reached
        self.elapsed_ms = 0.0  # the stage's own time: ANALYZE, EXPLAIN, advice (not seeding)

    def open(self, conninfo: str, statement_timeout_s: float = 60.0) -> None:
        self.conn = psycopg.connect(conninfo, autocommit=True)
        # EXPLAIN takes ACCESS SHARE on the tables it plans: should a migration leave its
        # transaction open on one, the plan fails with the timeout rather than waiting forever.
        self.conn.execute(f"SET lock_timeout = '5s'; SET statement_timeout = "
                          f"'{int(statement_timeout_s * 1000)}ms'")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()

    def boundary(self, i: int) -> None:
        self._last = i
        if self.base is not None and i >= self.base:
            self._read(i)

    def finish(self, report) -> None:
        """After the last migration the replay applied: the plans, their findings and notes
        go in `report` (a ReplayReport, whose traces say what each statement changed)."""
        statements = report.statements
        self._read(self._last + 1)
        began = time.monotonic()
        rows = dict(self.conn.execute(_ROWS_SQL).fetchall())
        advisor = Advisor(self.conn)
        for r in self.results:
            r.after = r.readings[-1][1]
            if self.base is not None and r.readings[0][0] == self.base:
                r.base = r.readings[0][1]
            self._judge(r, rows, statements)
            if r.regression or r.seq_scans:
                tables = set(r.seq_scans) | (r.after.seq_scanned() - r.base.seq_scanned()
                                             if r.base is not None and r.base.ok else set())
                r.advice = advisor.advise(r.query, r.after, tables or r.after.seq_scanned())
        if advisor.problem:
            self.notes.append(advisor.problem)
        if self.base is None:
            self.notes.append("no base to compare the plans with (give --base REF, or a range: "
                              "--since, --last, --from; `check --replay`: --changed-since): "
                              "only the plans after the last migration were read")
        report.plans = self
        self.elapsed_ms += (time.monotonic() - began) * 1000
        report.diagnostics += plan_findings(self.results, self.seq_scan_rows)

    def _read(self, i: int) -> None:
        began = time.monotonic()
        missing = [row[0] for row in self.conn.execute(_MISSING_STATS_SQL).fetchall()]
        if missing:
            self.conn.execute("ANALYZE " + ", ".join(missing))
        for r in self.results:
            r.readings.append((i, explain(self.conn, r.query)))
        self.elapsed_ms += (time.monotonic() - began) * 1000

    def _judge(self, r: QueryPlans, rows: dict[str, float], statements: list) -> None:
        after, base = r.after, r.base
        if not after.ok:
            if base is not None and base.ok:
                r.failed_blame = self._blame(r, lambda p: not p.ok, statements, failing=True)
            return
        gone = set()
        if base is not None and base.ok:
            gone = base.indexed() & after.seq_scanned()
            why = []
            if gone:
                why.append(f"index scan to sequential scan on {', '.join(sorted(gone))}")
            if after.cost > base.cost * self.cost_ratio:
                why.append(f"estimated cost x{after.cost / max(base.cost, 0.01):.1f} "
                           f"({base.cost:,.0f} -> {after.cost:,.0f}; threshold x{self.cost_ratio:g})")
            if why:
                r.regression = "; ".join(why)
                shape = after.signature()
                r.regression_blame = self._blame(r, lambda p: p.signature() == shape, statements)
        for table in sorted(after.seq_scanned() - gone):
            if rows.get(table, 0) > self.seq_scan_rows:
                r.seq_scans[table] = rows[table]
        if r.seq_scans:
            scanned = set(r.seq_scans)
            r.seq_blame = self._blame(r, lambda p: p.ok and scanned <= p.seq_scanned(), statements)

    def _blame(self, r: QueryPlans, like_after, statements: list, failing: bool = False) -> Blame | None:
        """The statement of the migration after which the plan last became like the final
        one (`like_after`); None when it already was at the base."""
        readings = r.readings
        k = len(readings) - 1
        while k > 0 and like_after(readings[k - 1][1]):
            k -= 1
        if k == 0:
            return None
        first, last = readings[k - 1][0], readings[k][0]
        migrations = self.ups[first:last]
        traces = [t for t in statements if t.migration in migrations and t.status == "ok"]
        if not traces:
            return None
        before, after = readings[k - 1][1], readings[k][1]
        return Blame(_culprit(traces, before, after, failing))


def _culprit(traces: list, before: Plan, after: Plan, failing: bool):
    """The statement among `traces` whose changes explain the plan change: a dropped index
    the plan used, a changed or dropped column or table the error names, any change to a
    table the query scans, a lock on one; else the first statement."""
    names: set[str] = set()
    if failing and after.error:
        for quoted, column in _QUOTED.findall(after.error):
            names.add((quoted or column).split(".")[-1])
    used = {s.index for s in before.scans if s.index} if before.ok else set()
    tables = {s.relation for p in (before, after) if p.ok for s in p.scans if s.relation}

    def short(name: str) -> str:
        return name.split(".")[-1]

    tests = [
        lambda t: any(c.object == "index" and c.change != "added" and short(c.name) in used
                      for c in t.changes),
        lambda t: any(c.change != "added" and (short(c.name) in names or short(c.table) in names)
                      for c in t.changes),
        lambda t: any(c.table in tables for c in t.changes),
        lambda t: any(lk.relation.name in tables for lk in t.locks),
    ]
    for test in tests:
        found = next((t for t in traces if test(t)), None)
        if found is not None:
            return found
    return traces[0]
