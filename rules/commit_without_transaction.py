from schemalint.rulekit import Rule, Severity, statement_site

RULE = Rule(
    code="SL502",
    name="commit-without-transaction",
    category="transactions",
    severity=Severity.WARNING,
    summary="COMMIT or ROLLBACK with no transaction open.",
    why="With no transaction open, COMMIT and ROLLBACK do nothing but print \"WARNING: there is "
        "no transaction in progress\": the statements before it were already committed one by "
        "one, and a ROLLBACK meant to undo them undoes nothing.",
    instead="Open the transaction with BEGIN before the statements it should cover, or remove the "
            "stray COMMIT/ROLLBACK.",
    ok_when="The file ends with an open BEGIN (the `COMMIT; ...; BEGIN;` idiom that steps out of "
            "a framework's transaction), or the framework is known to wrap the file in a "
            "transaction (then COMMIT ends it).",
    bad=("ALTER TABLE orders ADD COLUMN note text;\nCOMMIT;",),
    good=("BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;",),
    equivalents={"squawk": ("transaction-nesting",)},
)


def end_of_migration(statements, ctx):
    session = ctx.session
    if not session.orphan_ends:
        return
    if session.explicit_depth and session.open_begin is not None:
        return  # COMMIT; ...; BEGIN; -- stepping out of the framework's transaction
    for stmt in session.orphan_ends:
        word = "ROLLBACK" if stmt.node.get("kind") == "TRANS_STMT_ROLLBACK" else "COMMIT"
        yield ctx.report(
            f"{word} with no transaction open does nothing: the statements before it have "
            "already committed one by one",
            site=statement_site(stmt),
            help="Add BEGIN; before the statements this should cover, or remove it.",
        )
