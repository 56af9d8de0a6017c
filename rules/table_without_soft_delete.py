from schemalint.rulekit import Rule, Severity, display_name, quote_ident

RULE = Rule(
    code="SL311",
    name="table-without-soft-delete",
    category="schema",
    severity=Severity.INFO,
    summary="Opt-in: a table without a soft-delete column (deleted_at) at the end of the history.",
    why="Teams that never hard-delete rows (for audit, undo or sync) need a marker column on "
        "every table; a table that misses it gets hard deletes by accident. Enable this rule "
        "only if that is your convention.",
    instead="Add `deleted_at timestamptz` (NULL while the row is live); the column name is the "
            "`column` option.",
    ok_when="The table has the column (in any migration), or is temporary.",
    bad=("CREATE TABLE orders (id bigint PRIMARY KEY);",),
    good=("CREATE TABLE orders (id bigint PRIMARY KEY, deleted_at timestamptz);",),
    scope="schema",
    default_enabled=False,
    options={"column": "deleted_at"},
)


def check_schema(model, ctx):
    column = str(ctx.options["column"])
    for table in model.tables.values():
        if table.kind != "table" or table.persistence == "t" or table.site is None or not table.columns_known:
            continue
        if column in table.columns or table.partition_of is not None:
            continue
        name = display_name(table.key)
        yield ctx.report(
            f"table `{name}` has no `{column}` soft-delete column",
            site=table.site,
            help=f"Add it:\n    ALTER TABLE {name} ADD COLUMN {quote_ident(column)} timestamptz;",
        )
