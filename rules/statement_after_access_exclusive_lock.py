from schemalint.rulekit import Rule, Severity, display_name, line_of

RULE = Rule(
    code="SL120",
    name="statement-after-access-exclusive-lock",
    category="locking",
    severity=Severity.WARNING,
    summary="More work in a transaction that already holds ACCESS EXCLUSIVE on a table keeps "
            "every reader and writer of that table waiting.",
    why="A lock is held until the transaction ends (13.3.1). Once a statement has taken ACCESS "
        "EXCLUSIVE on an existing table, every later statement in the same transaction extends "
        "the time no one can read or write it; a statement that waits for another table's lock "
        "or scans, rewrites, backfills or builds an index can turn a millisecond lock into minutes.",
    instead="Run the statement that takes ACCESS EXCLUSIVE last in its transaction, or move the "
            "other work to a separate migration.",
    ok_when="The locked table was created in the same migration file; statements run outside a "
            "transaction block (each commits on its own); the next statement is only a SET, a "
            "COMMENT or another quick change to the already locked table.",
    bad=("BEGIN;\nALTER TABLE orders ADD COLUMN note text;\n"
         "UPDATE customers SET tier = 'basic' WHERE tier IS NULL;\nCOMMIT;",),
    good=("BEGIN;\nUPDATE customers SET tier = 'basic' WHERE tier IS NULL;\n"
          "ALTER TABLE orders ADD COLUMN note text;\nCOMMIT;",
          "ALTER TABLE orders ADD COLUMN note text;\n"
          "UPDATE customers SET tier = 'basic' WHERE tier IS NULL;"),
    equivalents={"eugene": ("E4",),
                 "pgfence": ("statement-after-access-exclusive",)},
)


def check(stmt, ctx):
    locks = ctx.locks
    held = locks.access_exclusive
    if not held or locks.access_exclusive_extended or not ctx.in_transaction:
        return
    if not locks.extends_exclusive_hold(stmt, locks.claims(stmt)):
        return
    key, taker = next(iter(held.items()))
    table = display_name(key)
    more = f" (and {len(held) - 1} more)" if len(held) > 1 else ""
    yield ctx.report(
        f"`{table}`{more} is still locked ACCESS EXCLUSIVE by the statement on line "
        f"{line_of(taker)}, and the lock is held until COMMIT: every read and write of it waits "
        "while this statement runs",
        help="Run this statement before the one that takes the lock, or in a separate migration, "
             "so the ACCESS EXCLUSIVE lock is held only for a moment.",
    )
