from schemalint.rulekit import Rule, Severity, display_name

RULE = Rule(
    code="SL124",
    name="refresh-materialized-view-non-concurrently",
    category="locking",
    severity=Severity.WARNING,
    summary="REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads of the view while it "
            "runs its query.",
    why="A plain REFRESH MATERIALIZED VIEW takes ACCESS EXCLUSIVE on the view (13.3.1) and holds "
        "it while it re-runs the whole query: every SELECT on the view waits, for as long as "
        "the query takes. REFRESH ... CONCURRENTLY takes EXCLUSIVE, which lets reads go on; it "
        "needs a UNIQUE index on the view (plain columns, no WHERE) and a populated view.",
    instead="CREATE UNIQUE INDEX CONCURRENTLY on the view's key once, then REFRESH MATERIALIZED "
            "VIEW CONCURRENTLY, in a migration outside a transaction block if you like to keep the "
            "EXCLUSIVE lock short.",
    ok_when="The view was created in the same migration file (no one reads it yet); it is not "
            "populated (created or last refreshed WITH NO DATA: reading it fails anyway, and "
            "CONCURRENTLY is refused); the refresh is WITH NO DATA (it only empties the view).",
    bad=("REFRESH MATERIALIZED VIEW order_totals;",),
    good=("REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals;",
          "CREATE MATERIALIZED VIEW order_totals AS SELECT 1 AS n WITH NO DATA;\n"
          "REFRESH MATERIALIZED VIEW order_totals;"),
    node_types=("RefreshMatViewStmt",),
    confirmed_by=("long-blocking-lock", "blocking-lock-without-timeout"),
)


def check(stmt, ctx):
    node = stmt.node
    if node.get("concurrent") or node.get("skipData"):
        return
    rel = node["relation"]
    key = ctx.key(rel)
    if ctx.created_here(key) or key in ctx.model.unpopulated:
        return
    name = display_name(key)
    unique = any(index.unique and not index.partial for _, index in ctx.model.indexes.of_table(key))
    table = ctx.table(key)
    index_step = "" if unique or table is None else (
        f"    CREATE UNIQUE INDEX CONCURRENTLY ON {name} (<key columns>);  -- once: CONCURRENTLY "
        "needs it\n")
    yield ctx.report(
        f"REFRESH MATERIALIZED VIEW takes ACCESS EXCLUSIVE on `{name}`: every read of the view "
        "waits until its query has run again",
        location=rel.get("location"),
        help=f"Refresh it without blocking reads:\n{index_step}"
             f"    REFRESH MATERIALIZED VIEW CONCURRENTLY {name};",
    )
