from schemalint.rulekit import (
    Rule,
    Severity,
    alter_commands,
    column_default,
    display_name,
    format_type,
    function_name,
    quote_ident,
    type_mods,
    type_name,
    volatile_call,
)

RULE = Rule(
    code="SL104",
    name="add-column-volatile-default",
    category="locking",
    severity=Severity.ERROR,
    summary="ADD COLUMN with a volatile default rewrites the whole table under ACCESS EXCLUSIVE.",
    why="Since PostgreSQL 11 a constant or stable default (a literal, now(), CURRENT_TIMESTAMP) "
        "is stored once in the catalog and no row is touched. A volatile default "
        "(gen_random_uuid(), random(), clock_timestamp(), nextval(), or any function not "
        "declared STABLE/IMMUTABLE) must be computed per row, so PostgreSQL rewrites the table "
        "and its indexes while holding ACCESS EXCLUSIVE: no reads, no writes. Before "
        "PostgreSQL 11 every non-null default rewrites.",
    instead="Add the column without a default, set the default for new rows, then backfill "
            "existing rows in batches.",
    ok_when="The table was created in the same migration file.",
    bad=("ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();",),
    good=(
        "ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT now();",
        "ALTER TABLE orders ADD COLUMN status text DEFAULT 'new';",
        "CREATE TABLE orders (id bigint);\n"
        "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();",
    ),
    node_types=("AlterTableStmt.AT_AddColumn",),
    equivalents={"squawk": ("adding-field-with-default",),
                 "strong_migrations": ("add_column_default", "add_column_default_callable"),
                 "pgfence": ("add-column-non-constant-default", "add-column-default-pre-pg11")},
    confirmed_by=("table-rewrite", "long-blocking-lock", "blocking-lock-without-timeout"),
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
        default = column_default(coldef)
        if default is None:
            continue
        call = volatile_call(default, ctx.model.function_volatility)
        if call is None and ctx.pg_major >= 11:
            continue
        col = quote_ident(coldef.get("colname", ""))
        tnode = coldef.get("typeName") or {}
        ctype = format_type(type_name(tnode), type_mods(tnode))
        if call is not None:
            reason = (f"`{function_name(call)}()` is volatile, so PostgreSQL rewrites every row "
                      f"of `{table}` under an ACCESS EXCLUSIVE lock (reads and writes blocked)")
            loc = call.get("location")
        else:
            reason = (f"before PostgreSQL 11 any default rewrites every row of `{table}` under "
                      "an ACCESS EXCLUSIVE lock")
            loc = coldef.get("location")
        expr = "<default>"
        if call is not None:
            expr = f"{function_name(call)}()"
        yield ctx.report(
            f"adding column `{col}` with this default: {reason}",
            location=loc,
            help=(
                "Add the column without a default, give new rows the default, then backfill:\n"
                f"    ALTER TABLE {table} ADD COLUMN {col} {ctype};\n"
                f"    ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT {expr};\n"
                f"    -- then, in batches, in separate transactions:\n"
                f"    UPDATE {table} SET {col} = {expr} WHERE {col} IS NULL AND <batch condition>;"
            ),
        )
