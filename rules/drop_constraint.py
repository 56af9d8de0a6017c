from schemalint.rulekit import (
    Rule,
    Severity,
    clause_span,
    display_name,
    existing_table_actions,
    new_before,
    quote_ident,
    replaced_after,
    stmt_site,
)

RULE = Rule(
    code="SL209",
    name="drop-constraint",
    category="breaking",
    severity=Severity.WARNING,
    summary="DROP CONSTRAINT: removes a guarantee that code and data rely on.",
    why="Dropping a UNIQUE or PRIMARY KEY constraint breaks `INSERT ... ON CONFLICT` on those "
        "columns and lets duplicates in; dropping a FOREIGN KEY or CHECK lets invalid rows in "
        "that the application never expected. Re-adding it later has to scan and may fail on "
        "the bad rows written meanwhile.",
    instead="Keep the constraint until no code relies on it; to change a constraint, drop and "
            "re-add it under the same name in the same migration (that is not reported), using "
            "NOT VALID + VALIDATE for foreign keys and checks.",
    ok_when="The same migration file adds a constraint with that name again (a redefinition), "
            "the table or constraint was created earlier in it, or the migration is a down "
            "migration.",
    bad=("ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey;",),
    good=("ALTER TABLE orders DROP CONSTRAINT orders_customer_id_fkey;\n"
          "ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id)\n"
          "    REFERENCES customers (id) ON DELETE CASCADE NOT VALID;",),
    equivalents={"squawk": ("ban-drop-constraint",)},
)


def end_of_migration(statements, ctx):
    session = ctx.session
    for _, stmt, key, cmd in existing_table_actions(statements, ctx, "AT_DropConstraint"):
        name = cmd.get("name", "")
        ckey = ("constraint", *key, name)
        if new_before(session, ckey, stmt.index) or replaced_after(session, ckey, stmt.index):
            continue
        table = display_name(key)
        yield ctx.report(
            f"dropping constraint `{quote_ident(name)}` on `{table}` removes a guarantee "
            "that queries (ON CONFLICT, joins) and existing code may rely on",
            site=stmt_site(stmt, clause_span(stmt, r"DROP\s+CONSTRAINT\s+", name)),
            help="Keep it until no code relies on it. To change it, re-add it under the same "
                 "name in this migration:\n"
                 f"    ALTER TABLE {table} DROP CONSTRAINT {quote_ident(name)};\n"
                 f"    ALTER TABLE {table} ADD CONSTRAINT {quote_ident(name)} ... NOT VALID;\n"
                 "    -- next migration:\n"
                 f"    ALTER TABLE {table} VALIDATE CONSTRAINT {quote_ident(name)};",
        )
