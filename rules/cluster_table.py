from schemalint.rulekit import Rule, Severity, display_name

RULE = Rule(
    code="SL115",
    name="cluster-table",
    category="locking",
    severity=Severity.ERROR,
    summary="CLUSTER rewrites the table in index order under ACCESS EXCLUSIVE.",
    why="CLUSTER copies the whole table in the order of an index and rebuilds every index while "
        "holding an ACCESS EXCLUSIVE lock: no reads and no writes until it ends.",
    instead="Run pg_repack --order-by (online) outside the migration, or accept the physical "
            "order; ALTER TABLE ... CLUSTER ON only records the index (SHARE UPDATE EXCLUSIVE).",
    ok_when="The table was created in the same migration file.",
    bad=("CLUSTER orders USING orders_created_at_idx;",),
    good=("ALTER TABLE orders CLUSTER ON orders_created_at_idx;",
          "CREATE TABLE orders (id bigint);\nCREATE INDEX orders_id_idx ON orders (id);\n"
          "CLUSTER orders USING orders_id_idx;"),
    node_types=("ClusterStmt",),
    equivalents={"squawk": ("prefer-repack",),
                 "eugene": ("E10",)},
    confirmed_by=("table-rewrite", "long-blocking-lock", "blocking-lock-without-timeout"),
)


def check(stmt, ctx):
    rel = stmt.node.get("relation")
    if rel is not None and ctx.created_here(rel):
        return
    what = f"`{display_name(ctx.key(rel))}`" if rel else "every previously clustered table"
    yield ctx.report(
        f"CLUSTER rewrites {what} under an ACCESS EXCLUSIVE lock: reads and writes are blocked "
        "until it finishes",
        location=rel.get("location") if rel else None,
    )
