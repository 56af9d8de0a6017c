from schemalint.rulekit import Rule, Severity

RULE = Rule(
    code="SL514",
    name="lock-table-outside-transaction",
    category="transactions",
    severity=Severity.ERROR,
    summary="LOCK TABLE outside a transaction block fails.",
    why="A lock taken by LOCK TABLE is held until the end of the transaction, so outside a "
        "transaction block it would be released at once: PostgreSQL refuses it with \"ERROR: "
        "LOCK TABLE can only be used in transaction blocks\" (the LOCK page), and the migration "
        "stops there.",
    instead="Put the LOCK TABLE and the statements it protects between BEGIN and COMMIT, or let "
            "the framework run the file in its transaction.",
    ok_when="The statement runs inside a transaction: an explicit BEGIN, or a framework that "
            "wraps the file in one (its layout, or --assume-in-transaction).",
    bad=("LOCK TABLE orders IN SHARE MODE;",),
    good=("BEGIN;\nLOCK TABLE orders IN SHARE MODE;\nCOMMIT;",),
    node_types=("LockStmt",),
    confirmed_by=("migration-failed",),
)


def check(stmt, ctx):
    if ctx.in_transaction:
        return
    yield ctx.report(
        "LOCK TABLE outside a transaction block fails: \"LOCK TABLE can only be used in "
        "transaction blocks\"",
        help="Wrap it with the statements it protects:\n    BEGIN;\n    " + stmt.text.rstrip(";")
             + ";\n    -- ...\n    COMMIT;",
    )
