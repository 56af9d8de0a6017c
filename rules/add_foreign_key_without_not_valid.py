from schemalint.rulekit import (
    Rule,
    Severity,
    added_column_fk_validated,
    alter_commands,
    claim_on,
    constraint_name,
    display_name,
    format_type,
    named_constraint_sql,
    quote_ident,
    strings,
    type_mods,
    type_name,
)

RULE = Rule(
    code="SL107",
    name="add-foreign-key-without-not-valid",
    category="locking",
    severity=Severity.ERROR,
    summary="Adding a foreign key without NOT VALID blocks writes to both tables while every row "
            "is checked.",
    why="ALTER TABLE ... ADD FOREIGN KEY takes a SHARE ROW EXCLUSIVE lock on the table and on the "
        "referenced table (it adds triggers to both), then scans the whole table to check every "
        "row has a match. INSERT, UPDATE and DELETE on both tables wait until the scan ends.",
    instead="Add the constraint with NOT VALID (no scan: new rows are checked from then on), then "
            "VALIDATE CONSTRAINT in a separate migration: validation takes only SHARE UPDATE "
            "EXCLUSIVE on the table and ROW SHARE on the referenced table, so reads and writes go on.",
    ok_when="The table was created in the same migration file, the constraint is added NOT VALID, "
            "or it comes with a new column that has no default (every row is NULL, so PostgreSQL "
            "skips the validation scan).",
    bad=("ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey\n"
         "    FOREIGN KEY (customer_id) REFERENCES customers (id);",
         "ALTER TABLE orders ADD COLUMN region_id bigint NOT NULL DEFAULT 1 REFERENCES regions (id);"),
    good=(
        "ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey\n"
        "    FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n"
        "-- next migration\n"
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey;",
        "CREATE TABLE orders (id bigint, customer_id bigint);\n"
        "ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id);",
        "ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id);",
    ),
    node_types=("AlterTableStmt.AT_AddColumn", "AlterTableStmt.AT_AddConstraint"),
    equivalents={"squawk": ("adding-foreign-key-constraint", "constraint-missing-not-valid"),
                 "eugene": ("E1",),
                 "strong_migrations": ("add_foreign_key", "add_reference"),
                 "pgfence": ("add-constraint-fk-no-not-valid",)},
    confirmed_by=("long-blocking-lock", "blocking-lock-without-timeout"),
)


def _help(table: str, con_sql: str, name: str, ref: str) -> str:
    return (
        "Add it without the scan, then validate in a separate migration:\n"
        f"    ALTER TABLE {table} ADD {con_sql} NOT VALID;\n"
        f"    -- next migration (SHARE UPDATE EXCLUSIVE on {table}, ROW SHARE on {ref}: "
        "reads and writes continue):\n"
        f"    ALTER TABLE {table} VALIDATE CONSTRAINT {quote_ident(name)};"
    )


def _mode(ctx, stmt, key) -> str:
    claim = claim_on(ctx, stmt, key)
    return claim.mode.sql_name if claim else "SHARE ROW EXCLUSIVE"


def check(stmt, ctx):
    node = stmt.node
    rel = node["relation"]
    if ctx.created_here(rel):
        return
    key = ctx.key(rel)
    table = display_name(key)
    mode = None  # the lock taken on the table, worked out for the first finding
    for cmd in alter_commands(node):
        sub = cmd.get("subtype")
        if sub == "AT_AddConstraint":
            con = (cmd.get("def") or {}).get("Constraint", {})
            if con.get("contype") != "CONSTR_FOREIGN" or con.get("skip_validation"):
                continue
            mode = mode or _mode(ctx, stmt, key)
            ref = display_name(ctx.key(con["pktable"]))
            name = constraint_name(con, key[1], "foreign")
            con_sql = named_constraint_sql(stmt, con, name)
            tables = (f"on `{table}`: writes to it are" if ref == table
                      else f"on `{table}` and `{ref}`: writes to both tables are")
            yield ctx.report(
                f"adding foreign key `{name}` checks every row of `{table}` while holding {mode} "
                f"{tables} blocked until the scan ends",
                location=con.get("location"),
                help=_help(table, con_sql, name, ref),
            )
        elif sub == "AT_AddColumn":
            coldef = (cmd.get("def") or {}).get("ColumnDef", {})
            if not added_column_fk_validated(node, coldef, ctx.pg_major):
                continue  # no default: every row is NULL and PostgreSQL skips the validation scan
            for c in coldef.get("constraints") or ():
                con = c.get("Constraint", {})
                if con.get("contype") != "CONSTR_FOREIGN":
                    continue
                mode = mode or _mode(ctx, stmt, key)
                col = coldef.get("colname", "")
                ref_key = ctx.key(con["pktable"])
                ref = display_name(ref_key)
                name = f"{key[1]}_{col}_fkey"
                pk_cols = ", ".join(quote_ident(c) for c in strings(con.get("pk_attrs")))
                ref_sql = f"{ref} ({pk_cols})" if pk_cols else ref
                tname = coldef.get("typeName") or {}
                ctype = format_type(type_name(tname), type_mods(tname))
                locks = (f"takes {mode} on `{table}`" if ref == table else
                         f"takes {mode} on `{table}` and SHARE ROW EXCLUSIVE on `{ref}`")
                yield ctx.report(
                    f"adding column `{col}` with REFERENCES {ref} {locks} and validates the key: "
                    f"writes to {'it' if ref == table else 'both tables'} are blocked meanwhile",
                    location=con.get("location"),
                    help=(
                        "Add the column, then the foreign key NOT VALID, then validate in a separate "
                        "migration:\n"
                        f"    ALTER TABLE {table} ADD COLUMN {quote_ident(col)} {ctype};\n"
                        f"    ALTER TABLE {table} ADD CONSTRAINT {quote_ident(name)} FOREIGN KEY "
                        f"({quote_ident(col)}) REFERENCES {ref_sql} NOT VALID;\n"
                        "    -- next migration:\n"
                        f"    ALTER TABLE {table} VALIDATE CONSTRAINT {quote_ident(name)};"
                    ),
                )

