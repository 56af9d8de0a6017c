from schemalint.rulekit import Rule, Severity, statement_site

RULE = Rule(
    code="SL511",
    name="missing-statement-timeout",
    category="timeouts",
    severity=Severity.INFO,
    summary="A slow statement (full scan, rewrite or index build) runs under a blocking lock with "
            "no statement_timeout set.",
    why="A statement that scans or rewrites a whole table while holding a lock that blocks reads "
        "or writes keeps the table unavailable for as long as it runs. statement_timeout bounds "
        "that outage; without it a table larger than expected means an open-ended one. Reported "
        "once per file, at the first such statement.",
    instead="SET statement_timeout = '...'; at the top of the migration, sized for the table, or "
            "better, use the non-blocking form the locking rules suggest.",
    ok_when="statement_timeout is set earlier in the file and still in effect (a SET LOCAL only "
            "inside its transaction); the table was created in the same migration file; the slow statement does not block reads or writes (CREATE INDEX "
            "CONCURRENTLY, VALIDATE CONSTRAINT).",
    bad=("SET lock_timeout = '5s';\nALTER TABLE orders ALTER COLUMN quantity TYPE bigint;",),
    good=("SET statement_timeout = '15min';\nALTER TABLE orders ALTER COLUMN quantity TYPE bigint;",
          "ALTER TABLE orders ADD COLUMN note text;"),
    equivalents={"squawk": ("require-statement-timeout",),
                 "pgfence": ("missing-statement-timeout",)},
)


def end_of_migration(statements, ctx):
    found = ctx.locks.first_unbounded_slow
    if found is None:
        return
    stmt, why = found
    yield ctx.report(
        f"this statement {why} while blocking other sessions, with no statement_timeout: the "
        "outage lasts as long as the statement does",
        site=statement_site(stmt),
        help="Bound it at the top of the migration:\n    SET statement_timeout = '15min';",
    )
