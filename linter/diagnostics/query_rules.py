"""The query-plan gate's findings (8xx): the application's queries (the workload,
docs/queries.md) planned on the replayed database, at the base and after the migrations.

Documented like rules; `replay.plans` produces them at the query's file:line:col, with the
migration statement they are blamed on."""

from __future__ import annotations

from schemalint.diagnostics import Severity
from schemalint.diagnostics.rule import Rule

QUERY_SEQ_SCAN = Rule(
    code="SL801", name="query-seq-scan-on-large-table", category="queries",
    severity=Severity.WARNING,
    summary="After the migrations, a query of the workload reads a large table with a "
            "sequential scan.",
    why="A sequential scan reads every row of the table, for every call of the query: its cost "
        "grows with the table. Replay plans each query with `EXPLAIN (FORMAT JSON)` on the "
        "seeded rows (`--rows`) after `ANALYZE`; a table counts as large above "
        "`seq_scan_rows` estimated rows (`replay.seq_scan_rows`, 10,000 by default). The "
        "finding names the migration statement after which the scan appeared, when it "
        "appeared in the replayed range.",
    instead="Index the columns the query filters or joins on (`CREATE INDEX CONCURRENTLY`); with "
            "HypoPG on the replay server the finding suggests the index that cuts the estimated "
            "cost the most.",
    ok_when="The query reads most of the table anyway (a report, a batch job), or the table "
            "stays small in production.",
    bad=(), good=(),
)
QUERY_PLAN_REGRESSION = Rule(
    code="SL802", name="query-plan-regression", category="queries", severity=Severity.ERROR,
    summary="A migration made a query of the workload plan worse than at the base: its "
            "estimated cost grew past the threshold, or an index scan became a sequential scan.",
    why="Dropping or changing an index passes every lock rule and then makes a hot query scan "
        "the table. Replay plans each query at the base (`--base REF`, or the start of the "
        "range: `--changed-since`, `--since`, `--last`, `--from`), at each migration boundary "
        "after it and after the last migration, and blames the statement of the migration "
        "after which the plan became what it is. The cost threshold is `plan_cost_ratio` "
        "(`replay.plan_cost_ratio`, 2.0 by default).",
    instead="Keep (or re-create) the index the query used, or change the query with the schema; "
            "the finding shows the plan before and after.",
    ok_when="The query is no longer sent by the application.",
    bad=(), good=(),
)
QUERY_FAILED = Rule(
    code="SL803", name="query-failed", category="queries", severity=Severity.ERROR,
    summary="A query of the workload no longer plans after the migrations: PostgreSQL rejects "
            "it (a dropped or renamed column or table).",
    why="The application still sends the query; after the migration it fails with the server's "
        "error, which the finding quotes, with the migration statement after which it started "
        "failing.",
    instead="Change the query with the migration (expand, deploy the application, then "
            "contract: keep the old column or a view until no query uses it).",
    ok_when="The query is no longer sent by the application.",
    bad=(), good=(),
)

QUERY_RULES = (QUERY_SEQ_SCAN, QUERY_PLAN_REGRESSION, QUERY_FAILED)
