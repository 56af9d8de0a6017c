from schemalint.rulekit import Rule, Severity, option_on

RULE = Rule(
    code="SL103",
    name="concurrent-index-in-transaction",
    category="transactions",
    severity=Severity.ERROR,
    summary="CREATE/DROP INDEX CONCURRENTLY inside a transaction block fails.",
    why="PostgreSQL refuses to run CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY and "
        "REINDEX CONCURRENTLY inside a transaction block (ERROR: ... cannot run inside a "
        "transaction block), so the migration fails when applied.",
    instead="Run the statement in its own migration that is not wrapped in a transaction "
            "(goose: `-- +goose NO TRANSACTION`; dbmate: `transaction:false`; Diesel: "
            "`run_in_transaction = false`; golang-migrate/Flyway: no BEGIN in the file).",
    bad=("BEGIN;\nCREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);\nCOMMIT;",),
    good=("CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);",),
    node_types=("IndexStmt", "DropStmt", "ReindexStmt"),
    equivalents={"squawk": ("ban-concurrent-index-creation-in-transaction",),
                 "pgfence": ("concurrent-in-transaction",)},
    confirmed_by=("migration-failed",),
)


def _is_concurrent(stmt) -> bool:
    node = stmt.node
    if stmt.kind == "ReindexStmt":
        return option_on(node.get("params"), "concurrently")
    if stmt.kind == "DropStmt" and node.get("removeType") != "OBJECT_INDEX":
        return False
    return bool(node.get("concurrent"))


def check(stmt, ctx):
    if not _is_concurrent(stmt) or not ctx.in_transaction:
        return
    session = ctx.session
    why = "an explicit BEGIN is open" if session.explicit_depth else (
        "the migration runs inside a transaction (framework default or --assume-in-transaction)")
    yield ctx.report(
        f"CONCURRENTLY cannot run inside a transaction block, and here {why}: "
        "PostgreSQL rejects this statement",
    )
