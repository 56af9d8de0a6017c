from schemalint.rulekit import Rule, Severity, alter_commands, display_name, line_of, quote_ident

RULE = Rule(
    code="SL109",
    name="validate-constraint-in-same-transaction",
    category="locking",
    severity=Severity.WARNING,
    summary="VALIDATE CONSTRAINT in the same transaction as the NOT VALID that added it keeps "
            "the strong lock for the whole scan.",
    why="ADD CONSTRAINT ... NOT VALID is cheap because it skips the scan, but its lock "
        "(ACCESS EXCLUSIVE for CHECK, SHARE ROW EXCLUSIVE for a foreign key) is held until the "
        "transaction commits. Validating in the same transaction scans every row while that lock "
        "is still held, so nothing is gained over adding the constraint without NOT VALID.",
    instead="Commit after the NOT VALID step and run VALIDATE CONSTRAINT in the next migration "
            "(its own transaction), where it takes only SHARE UPDATE EXCLUSIVE.",
    ok_when="The table was created in the same migration file, or the two statements run in "
            "separate transactions (no transaction block around them).",
    bad=("BEGIN;\n"
         "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\n"
         "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;\n"
         "COMMIT;",),
    good=("ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\n"
          "-- next migration\n"
          "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;",),
    node_types=("AlterTableStmt.AT_ValidateConstraint",),
    equivalents={"squawk": ("constraint-missing-not-valid",),
                 "strong_migrations": ("validate_foreign_key", "validate_check_constraint"),
                 "pgfence": ("not-valid-validate-same-tx",)},
)


def check(stmt, ctx):
    node = stmt.node
    pending = ctx.session.not_valid_in_tx
    if not pending:
        return
    key = ctx.key(node["relation"])
    for cmd in alter_commands(node):
        if cmd.get("subtype") != "AT_ValidateConstraint":
            continue
        added = pending.get((key, cmd.get("name")))
        if added is None:
            continue
        table = display_name(key)
        name = quote_ident(cmd.get("name", ""))
        yield ctx.report(
            f"constraint `{name}` was added NOT VALID on line {line_of(added)} in this same "
            f"transaction, so its lock on `{table}` is still held while this VALIDATE scans "
            "every row",
            help=("Commit first and validate in the next migration:\n"
                  "    -- this migration ends after the ADD CONSTRAINT ... NOT VALID\n"
                  "    -- next migration:\n"
                  f"    ALTER TABLE {table} VALIDATE CONSTRAINT {name};"),
        )
