from schemalint.rulekit import (
    Rule,
    Severity,
    alter_commands,
    constraint_name,
    display_name,
    quote_ident,
)

RULE = Rule(
    code="SL111",
    name="add-exclusion-constraint-on-existing-table",
    category="locking",
    severity=Severity.ERROR,
    summary="Adding an exclusion constraint to an existing table builds its index under "
            "ACCESS EXCLUSIVE, with no concurrent alternative.",
    why="ALTER TABLE ... ADD EXCLUDE builds the constraint's index and checks every row while "
        "holding ACCESS EXCLUSIVE: no reads and no writes until it ends. Unlike UNIQUE, an "
        "exclusion constraint cannot be attached from an index built CONCURRENTLY (USING INDEX "
        "does not accept exclusion constraints).",
    instead="Add it while the table is still small or in a maintenance window, with a "
            "lock_timeout; or enforce the rule another way (a trigger, or a unique index on a "
            "derived key) that can be built concurrently.",
    ok_when="The table was created in the same migration file.",
    bad=("ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap\n"
         "    EXCLUDE USING gist (room_id WITH =, during WITH &&);",),
    good=("CREATE TABLE bookings (room_id int, during tstzrange);\n"
          "ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap\n"
          "    EXCLUDE USING gist (room_id WITH =, during WITH &&);",),
    node_types=("AlterTableStmt.AT_AddConstraint",),
    equivalents={"eugene": ("E8",),
                 "strong_migrations": ("add_exclusion_constraint",),
                 "pgfence": ("add-constraint-exclude",)},
    confirmed_by=("long-blocking-lock", "blocking-lock-without-timeout"),
)


def check(stmt, ctx):
    node = stmt.node
    rel = node["relation"]
    if ctx.created_here(rel):
        return
    key = ctx.key(rel)
    table = display_name(key)
    for cmd in alter_commands(node):
        con = (cmd.get("def") or {}).get("Constraint", {})
        if cmd.get("subtype") != "AT_AddConstraint" or con.get("contype") != "CONSTR_EXCLUSION":
            continue
        name = quote_ident(constraint_name(con, key[1], "exclusion"))
        yield ctx.report(
            f"adding exclusion constraint `{name}` builds an index over every row of `{table}` "
            "under an ACCESS EXCLUSIVE lock: reads and writes are blocked until it ends, and there "
            "is no CONCURRENTLY form",
            location=con.get("location"),
            help=("Run it in a maintenance window with a bounded wait, or while the table is small:\n"
                  "    SET lock_timeout = '5s';\n"
                  f"    {stmt.text.strip()};"),
        )
