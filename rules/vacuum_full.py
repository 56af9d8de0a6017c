from schemalint.rulekit import Rule, Severity, display_name, option_on

RULE = Rule(
    code="SL114",
    name="vacuum-full",
    category="locking",
    severity=Severity.ERROR,
    summary="VACUUM FULL rewrites the table under ACCESS EXCLUSIVE.",
    why="VACUUM FULL copies the whole table into a new file and rebuilds its indexes while holding "
        "an ACCESS EXCLUSIVE lock (13.3.1): no reads and no writes until it ends, which on a large "
        "table is minutes to hours.",
    instead="Plain VACUUM (SHARE UPDATE EXCLUSIVE: reads and writes go on) is enough to make space "
            "reusable. To give space back to the operating system online, use pg_repack or "
            "pg_squeeze outside the migration.",
    ok_when="Every table it names was created in the same migration file.",
    bad=("VACUUM FULL orders;", "VACUUM (FULL, ANALYZE) orders;"),
    good=("VACUUM orders;", "VACUUM (ANALYZE) orders;"),
    node_types=("VacuumStmt",),
    equivalents={"squawk": ("prefer-repack",),
                 "eugene": ("E10",),
                 "pgfence": ("vacuum-full",)},
    confirmed_by=("table-rewrite", "long-blocking-lock", "blocking-lock-without-timeout"),
)


def check(stmt, ctx):
    node = stmt.node
    if not node.get("is_vacuumcmd") or not option_on(node.get("options"), "full"):
        return
    rels = [r["VacuumRelation"]["relation"] for r in node.get("rels") or ()
            if r.get("VacuumRelation", {}).get("relation")]
    existing = [r for r in rels if not ctx.created_here(r)]
    if rels and not existing:
        return
    what = ", ".join(f"`{display_name(ctx.key(r))}`" for r in existing) or "every table in the database"
    yield ctx.report(
        f"VACUUM FULL rewrites {what} under an ACCESS EXCLUSIVE lock: reads and writes are blocked "
        "until it finishes",
        location=existing[0].get("location") if existing else None,
        help="Use plain VACUUM in the migration (it does not block reads or writes):\n"
             f"    VACUUM {', '.join(display_name(ctx.key(r)) for r in existing)};\n"
             "    -- and reclaim disk space online with pg_repack or pg_squeeze if needed",
    )
