from schemalint.rulekit import (
    Rule,
    Severity,
    alter_commands,
    column_constraints,
    column_default,
    display_name,
    format_type,
    quote_ident,
    type_mods,
    type_name,
)

RULE = Rule(
    code="SL106",
    name="add-column-not-null-without-default",
    category="locking",
    severity=Severity.ERROR,
    summary="ADD COLUMN ... NOT NULL without a default fails on any table that has rows.",
    why="Existing rows would get NULL in the new column, which violates NOT NULL, so "
        "PostgreSQL aborts the migration (ERROR: column ... contains null values) as soon as "
        "the table is not empty — typically only in production.",
    instead="Add the column with a constant default (no rewrite since PostgreSQL 11), or add it "
            "nullable, backfill, and then enforce NOT NULL through a validated CHECK.",
    ok_when="The table was created in the same migration file (it is empty).",
    bad=("ALTER TABLE orders ADD COLUMN region text NOT NULL;",),
    good=(
        "ALTER TABLE orders ADD COLUMN region text NOT NULL DEFAULT 'eu';",
        "ALTER TABLE orders ADD COLUMN region text;",
        "CREATE TABLE orders (id bigint);\nALTER TABLE orders ADD COLUMN region text NOT NULL;",
    ),
    node_types=("AlterTableStmt.AT_AddColumn",),
    equivalents={"squawk": ("adding-required-field",),
                 "pgfence": ("add-column-not-null-no-default",)},
    confirmed_by=("migration-failed",),
)


def check(stmt, ctx):
    node = stmt.node
    if ctx.created_here(node["relation"]):
        return
    table = display_name(ctx.key(node["relation"]))
    for cmd in alter_commands(node):
        if cmd.get("subtype") != "AT_AddColumn":
            continue
        coldef = cmd["def"]["ColumnDef"]
        not_null = column_constraints(coldef, "CONSTR_NOTNULL") or column_constraints(coldef, "CONSTR_PRIMARY")
        if not not_null or column_default(coldef) is not None:
            continue
        # Identity and generated columns compute a value for existing rows.
        if column_constraints(coldef, "CONSTR_IDENTITY") or column_constraints(coldef, "CONSTR_GENERATED"):
            continue
        tnode = coldef.get("typeName") or {}
        if type_name(tnode) in ("serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"):
            continue
        col = quote_ident(coldef.get("colname", ""))
        ctype = format_type(type_name(tnode), type_mods(tnode))
        yield ctx.report(
            f"adding NOT NULL column `{col}` without a default fails if `{table}` has any rows",
            location=not_null[0].get("location"),
            help=(
                "Either give it a constant default (no table rewrite on PostgreSQL 11+):\n"
                f"    ALTER TABLE {table} ADD COLUMN {col} {ctype} NOT NULL DEFAULT <value>;\n"
                "or add it nullable, backfill it, then enforce NOT NULL without a long lock:\n"
                f"    ALTER TABLE {table} ADD COLUMN {col} {ctype};\n"
                f"    -- backfill {col} in batches, then see set-not-null-on-existing-column"
            ),
        )
