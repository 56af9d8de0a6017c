from schemalint.rulekit import (
    Rule,
    Severity,
    alter_commands,
    clause_text,
    constraint_name,
    display_name,
    format_type,
    is_array,
    named_constraint_sql,
    quote_ident,
    type_mods,
    type_name,
)

RULE = Rule(
    code="SL108",
    name="add-check-constraint-without-not-valid",
    category="locking",
    severity=Severity.ERROR,
    summary="Adding a CHECK constraint without NOT VALID scans the table under ACCESS EXCLUSIVE.",
    why="ALTER TABLE ... ADD CHECK takes an ACCESS EXCLUSIVE lock and checks every existing row "
        "before it commits: no reads and no writes on the table until the scan ends.",
    instead="Add the constraint with NOT VALID (instant: only new and updated rows are checked), "
            "then VALIDATE CONSTRAINT in a separate migration, which takes only SHARE UPDATE "
            "EXCLUSIVE so reads and writes go on.",
    ok_when="The table was created in the same migration file, or the constraint is added NOT VALID.",
    bad=("ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);",),
    good=(
        "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\n"
        "-- next migration\n"
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;",
        "CREATE TABLE orders (id bigint, total numeric);\n"
        "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);",
    ),
    node_types=("AlterTableStmt.AT_AddColumn", "AlterTableStmt.AT_AddConstraint"),
    equivalents={"squawk": ("constraint-missing-not-valid",),
                 "eugene": ("E1",),
                 "strong_migrations": ("add_check_constraint",),
                 "pgfence": ("add-constraint-check-no-not-valid",)},
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
        if cmd.get("subtype") == "AT_AddColumn":
            yield from _column_checks(stmt, ctx, table, key, (cmd.get("def") or {}).get("ColumnDef", {}))
            continue
        if cmd.get("subtype") != "AT_AddConstraint":
            continue
        con = (cmd.get("def") or {}).get("Constraint", {})
        if con.get("contype") != "CONSTR_CHECK" or con.get("skip_validation"):
            continue
        name = constraint_name(con, key[1], "check")
        yield ctx.report(
            f"adding CHECK constraint `{name}` checks every row of `{table}` under an ACCESS "
            "EXCLUSIVE lock: reads and writes are blocked until the scan ends",
            location=con.get("location"),
            help=(
                "Add it without the scan, then validate in a separate migration:\n"
                f"    ALTER TABLE {table} ADD {named_constraint_sql(stmt, con, name)} NOT VALID;\n"
                f"    -- next migration (SHARE UPDATE EXCLUSIVE: reads and writes continue):\n"
                f"    ALTER TABLE {table} VALIDATE CONSTRAINT {quote_ident(name)};"
            ),
        )


def _column_checks(stmt, ctx, table: str, key, coldef: dict):
    """ADD COLUMN ... CHECK (...): PostgreSQL checks every row (even when the new column is all
    NULL) under the ADD COLUMN's ACCESS EXCLUSIVE lock, and a column constraint cannot be NOT VALID."""
    col = coldef.get("colname", "")
    for c in coldef.get("constraints") or ():
        con = c.get("Constraint", {})
        if con.get("contype") != "CONSTR_CHECK":
            continue
        name = con.get("conname") or f"{key[1]}_{col}_check"
        column_sql, check_sql = _split_check(stmt, coldef, con, name)
        yield ctx.report(
            f"adding column `{quote_ident(col)}` with CHECK constraint `{name}` checks every row of "
            f"`{table}` under an ACCESS EXCLUSIVE lock: reads and writes are blocked until the scan ends",
            location=con.get("location"),
            help=(
                "Add the column, then the constraint NOT VALID, then validate in a separate migration:\n"
                f"    ALTER TABLE {table} ADD COLUMN {column_sql};\n"
                f"    ALTER TABLE {table} ADD {check_sql} NOT VALID;\n"
                f"    -- next migration (SHARE UPDATE EXCLUSIVE: reads and writes continue):\n"
                f"    ALTER TABLE {table} VALIDATE CONSTRAINT {quote_ident(name)};"
            ),
        )


def _split_check(stmt, coldef: dict, con: dict, name: str) -> tuple[str, str]:
    """(the column definition as written without this CHECK clause, the clause as a named
    table constraint)."""
    column = clause_text(stmt, coldef.get("location"))
    clause = clause_text(stmt, con.get("location"))
    at = column.find(clause) if clause else -1
    open_at = column.find("(", at) if at >= 0 else -1
    if open_at < 0:
        tnode = coldef.get("typeName") or {}
        return (f"{quote_ident(coldef.get('colname', ''))} "
                f"{format_type(type_name(tnode), type_mods(tnode), is_array(tnode))}",
                named_constraint_sql(stmt, con, name))
    depth, i = 0, open_at
    while i < len(column):
        depth += {"(": 1, ")": -1}.get(column[i], 0)
        i += 1
        if depth == 0:
            break
    check = column[at:i]
    if not con.get("conname"):
        check = f"CONSTRAINT {quote_ident(name)} {check}"
    return " ".join((column[:at] + column[i:]).split()), check
