from schemalint.rulekit import Rule, Severity, display_name, is_down

RULE = Rule(
    code="SL220",
    name="truncate-table",
    category="breaking",
    severity=Severity.WARNING,
    summary="TRUNCATE of a table that already exists: deletes every row under ACCESS EXCLUSIVE.",
    why="TRUNCATE removes all rows at once and cannot be limited with WHERE; on a production "
        "table that is data loss, and it takes an ACCESS EXCLUSIVE lock (no reads, no writes) "
        "held until the migration's transaction ends. It also fails when another table's "
        "foreign key references it (CASCADE, reported by truncate-cascade, empties that one "
        "too).",
    instead="Delete the rows you mean with `DELETE ... WHERE`, in batches outside the "
            "migration. If emptying the table is really intended (a cache, a queue), say so "
            "with an ignore comment and the reason.",
    ok_when="The table was created earlier in the same migration file or is temporary, the "
            "statement has CASCADE (truncate-cascade reports it), or the migration is a down "
            "migration.",
    bad=("TRUNCATE orders;", "TRUNCATE TABLE audit_log, sessions RESTART IDENTITY;"),
    good=("CREATE TABLE staging (id bigint);\nINSERT INTO staging VALUES (1);\nTRUNCATE staging;",
          "DELETE FROM sessions WHERE expires_at < now() - interval '30 days';"),
    node_types=("TruncateStmt",),
    equivalents={"pgfence": ("truncate",)},
)


def check(stmt, ctx):
    node = stmt.node
    if node.get("behavior") == "DROP_CASCADE" or is_down(stmt):
        return
    rels = [r["RangeVar"] for r in node.get("relations") or () if "RangeVar" in r]
    existing = [r for r in rels if r.get("relpersistence") != "t" and not ctx.created_here(r)
                and getattr(ctx.table(r), "persistence", "p") != "t"]
    if not existing:
        return
    names = ", ".join(f"`{display_name(ctx.key(r))}`" for r in existing)
    plain = ", ".join(display_name(ctx.key(r)) for r in existing)
    yield ctx.report(
        f"TRUNCATE deletes every row of {names} and locks {'it' if len(existing) == 1 else 'them'} "
        "ACCESS EXCLUSIVE (no reads, no writes) until the transaction ends",
        location=existing[0].get("location"),
        help="Delete only the rows you mean, in batches, outside the migration:\n"
             f"    DELETE FROM {display_name(ctx.key(existing[0]))} WHERE ...;\n"
             "If emptying it is intended, keep the TRUNCATE and say why:\n"
             f"    TRUNCATE {plain};  -- schemalint: ignore[truncate-table] <reason>",
    )
