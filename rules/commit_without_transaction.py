from schemalint.rulekit import Rule, Severity, statement_site

RULE = Rule(
    code="SL502",
    name="commit-without-transaction",
    category="transactions",
    severity=Severity.WARNING,
    summary="COMMIT or ROLLBACK with no transaction open, or a ROLLBACK that discards the "
            "framework's transaction.",
    why="With no transaction open, COMMIT and ROLLBACK do nothing but print \"WARNING: there is "
        "no transaction in progress\": the statements before it were already committed one by "
        "one, and a ROLLBACK meant to undo them undoes nothing. When the framework runs the file "
        "in its transaction (its layout, or --assume-in-transaction), a ROLLBACK with no BEGIN "
        "of the file open ends that transaction instead: it silently discards every statement "
        "before it and the rest of the file runs outside a transaction, while the framework "
        "goes on as if the whole file had run (its own COMMIT only warns \"there is no "
        "transaction in progress\").",
    instead="Open the transaction with BEGIN before the statements it should cover, or remove the "
            "stray COMMIT/ROLLBACK.",
    ok_when="The file ends with an open BEGIN (the `COMMIT; ...; BEGIN;` idiom that steps out of "
            "a framework's transaction), or the framework is known to wrap the file in a "
            "transaction (then COMMIT ends it; a ROLLBACK is still reported unless it is the "
            "first statement, with nothing to discard).",
    bad=("ALTER TABLE orders ADD COLUMN note text;\nCOMMIT;",),
    good=("BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;",),
    equivalents={"squawk": ("transaction-nesting",)},
)


def end_of_migration(statements, ctx):
    session = ctx.session
    # COMMIT; ...; BEGIN; -- stepping out of the framework's transaction
    idiom = session.explicit_depth and session.open_begin is not None
    for stmt in () if idiom else session.orphan_ends:
        word = "ROLLBACK" if stmt.node.get("kind") == "TRANS_STMT_ROLLBACK" else "COMMIT"
        yield ctx.report(
            f"{word} with no transaction open does nothing: the statements before it have "
            "already committed one by one",
            site=statement_site(stmt),
            help="Add BEGIN; before the statements this should cover, or remove it.",
        )
    for stmt in session.framework_rollbacks:
        if stmt is statements[0]:
            continue  # nothing of the file to discard
        yield ctx.report(
            "this ROLLBACK ends the transaction the framework runs the file in: it discards "
            "every statement before it, and the rest of the file runs outside a transaction",
            site=statement_site(stmt),
            help="Remove it (a failing statement already rolls the framework's transaction "
                 "back), or use SAVEPOINT name; ... ROLLBACK TO SAVEPOINT name; for a partial undo.",
        )
