from schemalint.rulekit import (
    Rule,
    Severity,
    alter_commands,
    constraint_name,
    display_name,
    quote_ident,
    strings,
)

RULE = Rule(
    code="SL110",
    name="add-unique-constraint-on-existing-table",
    category="locking",
    severity=Severity.ERROR,
    summary="Adding a UNIQUE or PRIMARY KEY constraint to an existing table builds its index "
            "under ACCESS EXCLUSIVE.",
    why="ALTER TABLE ... ADD UNIQUE / ADD PRIMARY KEY builds a unique index while holding an "
        "ACCESS EXCLUSIVE lock: no reads and no writes until the build over every row ends.",
    instead="Build the unique index with CREATE UNIQUE INDEX CONCURRENTLY (outside a transaction "
            "block), then attach it with ADD CONSTRAINT ... UNIQUE USING INDEX (or PRIMARY KEY "
            "USING INDEX), which only takes a brief lock.",
    ok_when="The table was created in the same migration file, or the constraint uses an existing "
            "index (USING INDEX).",
    bad=("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
         "ALTER TABLE users ADD PRIMARY KEY (id);"),
    good=(
        "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n"
        "-- next migration\n"
        "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;",
        "CREATE TABLE users (id bigint, email text);\n"
        "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
    ),
    node_types=("AlterTableStmt.AT_AddColumn", "AlterTableStmt.AT_AddConstraint"),
    equivalents={"squawk": ("disallowed-unique-constraint", "adding-serial-primary-key-field"),
                 "eugene": ("E7",),
                 "strong_migrations": ("add_unique_constraint",),
                 "pgfence": ("add-constraint-unique", "add-pk-without-using-index")},
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
        sub = cmd.get("subtype")
        if sub == "AT_AddConstraint":
            found = [((cmd.get("def") or {}).get("Constraint", {}), None)]
        elif sub == "AT_AddColumn":
            # ADD COLUMN c type UNIQUE / PRIMARY KEY builds the index in the same statement.
            coldef = (cmd.get("def") or {}).get("ColumnDef", {})
            found = [(c.get("Constraint", {}), coldef.get("colname")) for c in coldef.get("constraints") or ()]
        else:
            continue
        for con, column in found:
            yield from _report(ctx, stmt, key, table, con, column)


def _report(ctx, stmt, key, table, con, column):
    contype = con.get("contype")
    if contype not in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") or con.get("indexname"):
        return
    primary = contype == "CONSTR_PRIMARY"
    kind = "primary" if primary else "unique"
    keys = strings(con.get("keys")) or ([column] if column else [])
    if column and not con.get("conname"):
        con = {**con, "keys": [{"String": {"sval": column}}]}
    name = quote_ident(constraint_name(con, key[1], kind))
    cols = ", ".join(quote_ident(c) for c in keys)
    word = "PRIMARY KEY" if primary else "UNIQUE"
    nulls = ("" if not primary else
             "\n    -- PRIMARY KEY also needs the columns NOT NULL; set that first without a "
             "long lock (see set-not-null-on-existing-column)")
    yield ctx.report(
        f"adding {word} `{name}` builds a unique index on `{table}` under an ACCESS EXCLUSIVE "
        "lock: reads and writes are blocked until the index is built",
        location=con.get("location"),
        help=(
            "Build the index without blocking, then attach it:\n"
            + (f"    -- add the column without {word} first\n" if column else "")
            +
            f"    CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} ({cols});\n"
            "    -- next migration:\n"
            f"    ALTER TABLE {table} ADD CONSTRAINT {name} {word} USING INDEX {name};" + nulls
        ),
    )
