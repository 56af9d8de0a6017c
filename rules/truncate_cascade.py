from schemalint.rulekit import Rule, Severity, display_name

RULE = Rule(
    code="SL216",
    name="truncate-cascade",
    category="breaking",
    severity=Severity.ERROR,
    summary="TRUNCATE ... CASCADE: also empties every table that references these, recursively.",
    why="CASCADE truncates every table with a foreign key to the named tables, and every table "
        "referencing those, without listing them: a migration meant to clear one lookup table "
        "can wipe orders, users and everything else. TRUNCATE also takes an ACCESS EXCLUSIVE lock "
        "on all of them.",
    instead="Name every table to truncate explicitly (plain TRUNCATE fails if an unnamed table "
            "references them, which is the safety you want), or DELETE the rows you mean.",
    bad=("TRUNCATE countries CASCADE;",),
    good=("TRUNCATE countries, addresses;",),
    node_types=("TruncateStmt",),
    equivalents={"squawk": ("ban-truncate-cascade",),
                 "pgfence": ("truncate-cascade",)},
)


def check(stmt, ctx):
    node = stmt.node
    if node.get("behavior") != "DROP_CASCADE":
        return
    rels = [r["RangeVar"] for r in node.get("relations") or () if "RangeVar" in r]
    names = ", ".join(display_name(ctx.key(r)) for r in rels)
    yield ctx.report(
        f"TRUNCATE {names} CASCADE also empties every table that references {names}, "
        "recursively, without naming them",
        location=rels[0].get("location") if rels else None,
        help="Name every table you mean to empty; plain TRUNCATE then refuses if another table "
             f"still references them:\n    TRUNCATE {names};",
    )
