from schemalint.rulekit import (
    Rule,
    Severity,
    alter_commands,
    display_name,
    proven_not_null,
    quote_ident,
)

RULE = Rule(
    code="SL105",
    name="set-not-null-on-existing-column",
    category="locking",
    severity=Severity.ERROR,
    summary="SET NOT NULL scans the whole table while holding ACCESS EXCLUSIVE.",
    why="ALTER COLUMN ... SET NOT NULL takes an ACCESS EXCLUSIVE lock (no reads, no writes) and "
        "scans every row to prove there is no NULL. Since PostgreSQL 12 the scan is skipped when "
        "a validated CHECK (col IS NOT NULL) constraint already proves it. ADD PRIMARY KEY ... "
        "USING INDEX does the same implicitly for each of the index's columns that is not yet "
        "NOT NULL, so building the index concurrently does not avoid that scan.",
    instead="Three migrations: add CHECK (col IS NOT NULL) NOT VALID (instant); VALIDATE it "
            "(SHARE UPDATE EXCLUSIVE: reads and writes continue); then SET NOT NULL (no scan on "
            "PostgreSQL 12+) and drop the CHECK.",
    ok_when="The table was created in the same migration file, or a validated CHECK "
            "(col IS NOT NULL) exists and the target is PostgreSQL 12 or later. ADD PRIMARY KEY "
            "USING INDEX is reported only for columns the history shows nullable.",
    bad=("ALTER TABLE orders ALTER COLUMN region SET NOT NULL;",
         "ALTER TABLE orders ADD COLUMN new_id bigint;\n"
         "-- backfill new_id, then:\n"
         "CREATE UNIQUE INDEX CONCURRENTLY orders_new_id_key ON orders (new_id);\n"
         "ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_new_id_key;"),
    good=(
        "ALTER TABLE orders ADD CONSTRAINT orders_region_not_null CHECK (region IS NOT NULL) NOT VALID;\n"
        "-- next migration\n"
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_region_not_null;\n"
        "-- next migration\n"
        "ALTER TABLE orders ALTER COLUMN region SET NOT NULL;",
        "CREATE TABLE orders (region text);\nALTER TABLE orders ALTER COLUMN region SET NOT NULL;",
    ),
    node_types=("AlterTableStmt.AT_AddConstraint", "AlterTableStmt.AT_SetNotNull"),
    equivalents={"squawk": ("adding-not-nullable-field", "constraint-missing-not-valid"),
                 "strong_migrations": ("change_column_null_postgresql",
                                       "change_column_with_not_null"),
                 "eugene": ("E2", "W14"),
                 "pgfence": ("alter-column-set-not-null",)},
    confirmed_by=("long-blocking-lock", "blocking-lock-without-timeout"),
)


def _not_null_column(cmd: dict) -> str | None:
    """The column an ALTER TABLE action makes NOT NULL with a full scan: SET NOT NULL, or
    ADD CONSTRAINT name NOT NULL col (PostgreSQL 18's catalogued NOT NULL constraints; only
    its NOT VALID form skips the scan)."""
    if cmd.get("subtype") == "AT_SetNotNull":
        return cmd.get("name", "")
    con = (cmd.get("def") or {}).get("Constraint") if cmd.get("subtype") == "AT_AddConstraint" else None
    if con and con.get("contype") == "CONSTR_NOTNULL" and not con.get("skip_validation"):
        keys = con.get("keys") or ()
        return keys[0]["String"]["sval"] if keys else None
    return None


def _primary_key_columns(cmd: dict, table, ctx, schema: str) -> list[str]:
    """ADD PRIMARY KEY USING INDEX: the index's columns the history shows nullable. PostgreSQL
    makes them NOT NULL as SET NOT NULL would (ALTER TABLE page: "the index's columns ... will
    be made NOT NULL"), with the same full scan unless a validated CHECK proves it (PG 12+)."""
    if cmd.get("subtype") != "AT_AddConstraint" or table is None:
        return []
    con = (cmd.get("def") or {}).get("Constraint", {})
    if con.get("contype") != "CONSTR_PRIMARY" or not con.get("indexname"):
        return []
    index = ctx.model.indexes.get((schema, con["indexname"]))
    if index is None:
        return []
    out = []
    for name in index.columns:
        col = table.columns.get(name) if name else None
        if col is not None and not col.not_null and not proven_not_null(table, name, ctx.pg_major):
            out.append(name)
    return out


def check(stmt, ctx):
    node = stmt.node
    if ctx.created_here(node["relation"]):
        return
    table = ctx.table(node["relation"])
    table_name = display_name(ctx.key(node["relation"]))
    for cmd in alter_commands(node):
        for column in _primary_key_columns(cmd, table, ctx, ctx.key(node["relation"])[0]):
            yield _report_primary_key(ctx, node, cmd, table_name, column)
        column = _not_null_column(cmd)
        if column is None:
            continue
        if proven_not_null(table, column, ctx.pg_major):
            continue
        col = quote_ident(column)
        check_name = quote_ident(f"{ctx.key(node['relation'])[1]}_{column}_not_null")
        tail = ("" if ctx.pg_major >= 12 else
                "\n    -- before PostgreSQL 12 SET NOT NULL still scans; upgrade or keep the CHECK")
        yield ctx.report(
            f"SET NOT NULL on `{table_name}.{col}` scans the whole table under an ACCESS "
            "EXCLUSIVE lock: reads and writes are blocked until it finishes",
            location=node["relation"].get("location"),
            help=(
                "Prove the column non-null first, in three migrations:\n"
                f"    ALTER TABLE {table_name} ADD CONSTRAINT {check_name} CHECK ({col} IS NOT NULL) NOT VALID;\n"
                "    -- next migration (reads and writes continue while it validates):\n"
                f"    ALTER TABLE {table_name} VALIDATE CONSTRAINT {check_name};\n"
                "    -- next migration (PostgreSQL 12+ skips the scan):\n"
                f"    ALTER TABLE {table_name} ALTER COLUMN {col} SET NOT NULL;\n"
                f"    ALTER TABLE {table_name} DROP CONSTRAINT {check_name};" + tail
            ),
        )


def _report_primary_key(ctx, node, cmd, table_name: str, column: str):
    con = cmd["def"]["Constraint"]
    col = quote_ident(column)
    check_name = quote_ident(f"{ctx.key(node['relation'])[1]}_{column}_not_null")
    pkey = quote_ident(con.get("conname") or f"{ctx.key(node['relation'])[1]}_pkey")
    return ctx.report(
        f"ADD PRIMARY KEY USING INDEX makes `{table_name}.{col}` NOT NULL: it scans the whole "
        "table under an ACCESS EXCLUSIVE lock, blocking reads and writes until it finishes",
        location=con.get("location"),
        help=(
            "Prove the column non-null before attaching the index:\n"
            f"    ALTER TABLE {table_name} ADD CONSTRAINT {check_name} CHECK ({col} IS NOT NULL) NOT VALID;\n"
            "    -- next migration (reads and writes continue while it validates):\n"
            f"    ALTER TABLE {table_name} VALIDATE CONSTRAINT {check_name};\n"
            "    -- next migration (PostgreSQL 12+ skips the scan):\n"
            f"    ALTER TABLE {table_name} ALTER COLUMN {col} SET NOT NULL;\n"
            f"    ALTER TABLE {table_name} ADD CONSTRAINT {pkey} PRIMARY KEY USING INDEX "
            f"{quote_ident(con['indexname'])};"
        ),
    )
