from schemalint.rulekit import Rule, Severity, option_on

RULE = Rule(
    code="SL122",
    name="concurrent-index-on-buggy-pg14",
    category="locking",
    severity=Severity.WARNING,
    summary="CREATE INDEX CONCURRENTLY and REINDEX CONCURRENTLY can corrupt indexes on "
            "PostgreSQL 14.0 to 14.3.",
    why="PostgreSQL 14.4 fixed a bug in 14.0-14.3 where CREATE INDEX CONCURRENTLY and REINDEX "
        "CONCURRENTLY could miss rows updated during the build (HOT chains), silently producing a "
        "corrupt index. The rule reads the minor version from --pg-version (e.g. 14.2); `14` "
        "alone means a current 14.x release and is not reported.",
    instead="Upgrade to 14.4 or later before building indexes concurrently (then check indexes "
            "built on 14.0-14.3 with amcheck and REINDEX them), and pass the real minor version, "
            "e.g. --pg-version 14.11.",
    bad=("CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);",),
    good=("CREATE INDEX orders_customer_id_idx ON orders (customer_id);",),
    node_types=("IndexStmt", "ReindexStmt"),
    min_pg=14,
    max_pg=14,
    equivalents={"strong_migrations": ("add_index_corruption",)},
)


def check(stmt, ctx):
    major, minor = ctx.pg_version
    if minor >= 4:
        return
    node = stmt.node
    if stmt.kind == "IndexStmt":
        concurrent = bool(node.get("concurrent"))
    else:
        concurrent = option_on(node.get("params"), "concurrently")
    if not concurrent:
        return
    yield ctx.report(
        f"on PostgreSQL {major}.{minor} a concurrent index build can silently corrupt the index "
        "(bug fixed in 14.4)",
        help="Upgrade the server to 14.4+ first; if it already runs 14.4+, pass --pg-version "
             "with the minor (e.g. 14.11).",
    )
