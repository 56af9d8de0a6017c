from schemalint.rulekit import Rule, Severity, concurrent_statement

RULE = Rule(
    code="SL512",
    name="concurrent-statement-in-multi-statement-file",
    category="transactions",
    severity=Severity.ERROR,
    summary="A CONCURRENTLY statement beside other statements in a file its runner sends as one "
            "query string fails.",
    why="golang-migrate, dbmate, Diesel, Prisma and pop send a migration file as one query "
        "string. PostgreSQL runs a query string of several statements as one implicit "
        "transaction block (protocol page, \"Multiple Statements in a Simple Query\"), so CREATE "
        "INDEX, DROP INDEX, REINDEX and DETACH PARTITION ... CONCURRENTLY in it fail with "
        "\"cannot run inside a transaction block\", even with no BEGIN in the file and the "
        "framework's transaction turned off.",
    instead="Put each CONCURRENTLY statement in a migration file of its own (alone, it is its own "
            "query string), right after this one, with the framework's transaction turned off "
            "where it has one (dbmate `transaction:false`, Diesel `run_in_transaction = false`).",
    ok_when="The statement is alone in its file, or the runner sends statements one at a time "
            "(goose, Flyway, sqitch, psql). In a transaction, concurrent-index-in-transaction "
            "reports it.",
    bad=("-- migrate:up transaction:false\n"
         "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);\n"
         "CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);",),
    good=("-- migrate:up transaction:false\n"
          "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);",
          "-- +goose Up\n-- +goose NO TRANSACTION\n"
          "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);\n"
          "CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);"),
    node_types=("IndexStmt", "DropStmt", "ReindexStmt", "AlterTableStmt.AT_DetachPartition"),
)


def check(stmt, ctx):
    if ctx.in_transaction or not ctx.in_transaction_block:
        return
    command = concurrent_statement(stmt)
    if command is None:
        return
    others = ctx.file_statements - 1
    yield ctx.report(
        f"{command} cannot run inside a transaction block, and the {stmt.migration.layout} runner "
        f"sends this file as one query string with {others} other statement{'s' if others != 1 else ''}, "
        "which PostgreSQL runs as one implicit transaction block: the migration fails",
        help="Move it to a migration file of its own, right after this one (alone in its file, the "
             "statement is a query string of its own):\n    " + stmt.text.strip().replace("\n", "\n    ") + ";",
    )
