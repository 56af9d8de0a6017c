from schemalint.rulekit import (
    NO_REWRITE,
    Rule,
    Severity,
    alter_commands,
    column_type_change,
    display_name,
    quote_ident,
    session_timezone_utc,
)


def _no_rewrite_table() -> str:
    words = {"always": "always", "wider": "when the new length/precision is not smaller (or none)",
             "unlimited": "without a length limit", "numeric": "same scale, precision not smaller, "
             "or unconstrained numeric", "utc12": "PostgreSQL 12+, session TimeZone UTC"}
    rows = [f"| `{old}` | `{new}` | {words[cond]} |" for (old, new), cond in NO_REWRITE.items()]
    return "\n".join(["| from | to | no rewrite when |", "|---|---|---|", *rows])


RULE = Rule(
    code="SL112",
    name="alter-column-type-rewrites-table",
    category="locking",
    severity=Severity.ERROR,
    summary="ALTER COLUMN ... TYPE that rewrites the table blocks reads and writes until every "
            "row and index is rewritten.",
    why="Changing a column's type takes an ACCESS EXCLUSIVE lock and, unless the old type is "
        "binary coercible to the new one, rewrites the whole table and rebuilds its indexes. "
        "These changes do not rewrite (the schema model knows the old type), so they are not "
        "reported:\n\n" + _no_rewrite_table() + "\n\nA USING clause that changes the value always "
        "rewrites. When the old type is unknown (the table predates the migrations given) a "
        "change is reported only if no old type could reach the new one without a rewrite.",
    instead="Add a new column with the new type, backfill it in batches (and keep it in sync "
            "with a trigger), then swap the names in one short migration. For a shorter "
            "varchar, use a CHECK (length(col) <= n) NOT VALID constraint instead.",
    ok_when="The table was created in the same migration file, or the change is in the table "
            "above. For timestamp <-> timestamptz set the `session_timezone_utc` option when "
            "your migrations run with TimeZone=UTC (or `SET timezone = 'UTC'` in the file).",
    bad=("ALTER TABLE orders ALTER COLUMN quantity TYPE bigint;",
         "ALTER TABLE users ALTER COLUMN name TYPE text USING trim(name);"),
    good=("ALTER TABLE users ALTER COLUMN name TYPE text;",
          "ALTER TABLE users ALTER COLUMN name TYPE varchar;"),
    node_types=("AlterTableStmt.AT_AlterColumnType",),
    options={"session_timezone_utc": False},
    equivalents={"squawk": ("changing-column-type",),
                 "eugene": ("E5", "E10"),
                 "strong_migrations": ("change_column",),
                 "pgfence": ("alter-column-type",)},
    confirmed_by=("table-rewrite", "long-blocking-lock", "blocking-lock-without-timeout"),
)


def check(stmt, ctx):
    node = stmt.node
    rel = node["relation"]
    if ctx.created_here(rel):
        return
    key = ctx.key(rel)
    table = ctx.table(key)
    utc = session_timezone_utc(ctx.session, ctx.options)
    for cmd in alter_commands(node):
        if cmd.get("subtype") != "AT_AlterColumnType":
            continue
        rewrites, old, new = column_type_change(cmd, table, ctx.pg_major, utc, ctx.session)
        if not rewrites:
            continue
        shown = display_name(key)
        col = quote_ident(cmd.get("name", ""))
        change = f"from {old} to {new}" if old else f"to {new}"
        hint = ""
        if {old.split("(")[0], new.split("(")[0]} == {"timestamp", "timestamptz"}:
            hint = ("\n    -- or, on PostgreSQL 12+, run it with SET timezone = 'UTC' first: "
                    "then it does not rewrite")
        elif old.startswith("varchar") and new.startswith("varchar"):
            hint = (f"\n    -- to cap the length without a rewrite: ALTER TABLE {shown} ADD CONSTRAINT "
                    f"{quote_ident(key[1] + '_' + cmd.get('name', '') + '_length')} CHECK "
                    f"(length({col}) <= <n>) NOT VALID; then VALIDATE it in the next migration")
        tmp = quote_ident(cmd.get("name", "") + "_new")
        yield ctx.report(
            f"changing `{shown}.{col}` {change} rewrites `{shown}` and rebuilds its indexes under "
            "an ACCESS EXCLUSIVE lock: reads and writes are blocked until it finishes",
            location=cmd.get("def", {}).get("ColumnDef", {}).get("location", rel.get("location")),
            help=(
                "Migrate to a new column instead:\n"
                f"    ALTER TABLE {shown} ADD COLUMN {tmp} {new};\n"
                f"    -- backfill {tmp} from {col} in batches, keep it in sync with a trigger; then:\n"
                f"    ALTER TABLE {shown} RENAME COLUMN {col} TO {quote_ident(cmd.get('name', '') + '_old')};\n"
                f"    ALTER TABLE {shown} RENAME COLUMN {tmp} TO {col};" + hint
            ),
        )
