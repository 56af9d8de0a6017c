from schemalint.rulekit import Rule, Severity, line_of

RULE = Rule(
    code="SL501",
    name="nested-begin",
    category="transactions",
    severity=Severity.WARNING,
    summary="BEGIN while a transaction is already open.",
    why="PostgreSQL has no nested transactions: a second BEGIN only prints \"WARNING: there is "
        "already a transaction in progress\", and the first COMMIT then commits everything, "
        "including the work the outer BEGIN (or the framework's transaction) meant to keep "
        "atomic.",
    instead="Remove the inner BEGIN/COMMIT, or use SAVEPOINT / RELEASE SAVEPOINT for a nested unit. "
            "If the framework already wraps the file in a transaction, do not add BEGIN/COMMIT.",
    bad=("BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nBEGIN;\nCOMMIT;\nCOMMIT;",),
    good=("BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nSAVEPOINT s;\nRELEASE SAVEPOINT s;\nCOMMIT;",),
    node_types=("TransactionStmt",),
    equivalents={"squawk": ("transaction-nesting",)},
)


def check(stmt, ctx):
    if stmt.node.get("kind") not in ("TRANS_STMT_BEGIN", "TRANS_STMT_START") or not ctx.in_transaction:
        return
    session = ctx.session
    if session.open_begin is not None:
        why = f"the BEGIN on line {line_of(session.open_begin)} is still open"
    else:
        why = "the migration already runs inside a transaction (framework default or --assume-in-transaction)"
    yield ctx.report(
        f"{why}: PostgreSQL ignores this BEGIN with a warning, and the next COMMIT commits the "
        "outer transaction too",
        help="Remove this BEGIN and its COMMIT, or use SAVEPOINT name; ... RELEASE SAVEPOINT name;",
    )
