from schemalint.rulekit import Rule, Severity, qualified_key, strings

RULE = Rule(
    code="SL121",
    name="enum-add-value-in-transaction",
    category="transactions",
    severity=Severity.ERROR,
    summary="Before PostgreSQL 12, ALTER TYPE ... ADD VALUE fails inside a transaction block.",
    why="Until PostgreSQL 12, ALTER TYPE ... ADD VALUE cannot be executed inside a transaction "
        "block (unless the enum was created in the same transaction): the migration fails with "
        "\"ALTER TYPE ... ADD cannot run inside a transaction block\".",
    instead="Run ADD VALUE in its own migration that is not wrapped in a transaction, or upgrade "
            "to PostgreSQL 12+.",
    ok_when="The enum type was created in the same migration file, or the target is PostgreSQL 12+.",
    bad=("BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nCOMMIT;",),
    good=("ALTER TYPE order_status ADD VALUE 'refunded';",),
    node_types=("AlterEnumStmt",),
    max_pg=11,
    confirmed_by=("migration-failed",),
)


def check(stmt, ctx):
    node = stmt.node
    if not node.get("newVal") or node.get("oldVal") or not ctx.in_transaction:
        return  # RENAME VALUE is allowed in a transaction
    key = qualified_key(strings(node.get("typeName")), ctx.model.search_schema)
    if ctx.created_here(key):
        return
    yield ctx.report(
        f"ALTER TYPE ... ADD VALUE cannot run inside a transaction block on PostgreSQL "
        f"{ctx.pg_major}: this migration fails",
        help="Move it to a migration that runs outside a transaction (no BEGIN; for your framework, "
             "disable its transaction for that file), or target PostgreSQL 12+.",
    )
