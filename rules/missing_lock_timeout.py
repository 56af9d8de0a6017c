from schemalint.rulekit import Rule, Severity, blocked_phrase, display_name, statement_site

RULE = Rule(
    code="SL510",
    name="missing-lock-timeout",
    category="timeouts",
    severity=Severity.WARNING,
    summary="A statement takes a lock that blocks reads or writes on an existing table with no "
            "lock_timeout set.",
    why="A statement that needs a strong lock waits behind every running query on the table, and "
        "while it waits every new query on the table queues behind it (lock requests are served "
        "in order). One slow report query then takes the table down. lock_timeout makes the "
        "migration give up instead; retry it later. Reported once per file, at the first such "
        "statement.",
    instead="Start the migration with SET lock_timeout = '5s'; (or SET LOCAL inside the "
            "transaction) and retry the migration when it times out.",
    ok_when="lock_timeout is set earlier in the file and still in effect (SET or set_config; SET "
            "LOCAL and set_config(..., true) only inside a transaction, until its COMMIT or "
            "ROLLBACK; a SET undone by ROLLBACK does not count); the table was created in the "
            "same migration file; the lock blocks neither reads nor writes (e.g. CREATE INDEX "
            "CONCURRENTLY).",
    bad=("ALTER TABLE orders ADD COLUMN note text;",),
    good=("SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;",
          "CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);"),
    equivalents={"squawk": ("require-lock-timeout",),
                 "eugene": ("E9",),
                 "pgfence": ("missing-lock-timeout",)},
    confirmed_by=("blocking-lock-without-timeout",),
)


def end_of_migration(statements, ctx):
    found = ctx.locks.first_unguarded_lock
    if found is None:
        return
    stmt, claim = found
    table = display_name(claim.relation)
    yield ctx.report(
        f"this statement waits for {claim.mode.sql_name} on `{table}` ({claim.reason}) with no "
        f"lock_timeout: while it waits, {blocked_phrase(claim.mode)} of `{table}` queue behind it",
        site=statement_site(stmt),
        help="Bound the wait at the top of the migration, and retry the migration if it times out:\n"
             "    SET lock_timeout = '5s';",
    )
