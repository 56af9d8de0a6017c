from schemalint.rulekit import (
    Rule,
    Severity,
    alter_commands,
    clause_span,
    display_name,
    existing_table_actions,
    new_before,
    quote_ident,
    stmt_site,
)

RULE = Rule(
    code="SL210",
    name="drop-column-default",
    category="breaking",
    severity=Severity.WARNING,
    summary="ALTER COLUMN ... DROP DEFAULT: inserts that omit the column change or fail.",
    why="Running application versions that insert without naming the column relied on the "
        "default: they now store NULL instead, or fail with a not-null violation when the "
        "column is NOT NULL.",
    instead="First ship code that always sets the column, then drop the default in a later "
            "migration.",
    ok_when="The same migration file sets a new default on the column, the table or column was "
            "created earlier in it, or the migration is a down migration.",
    bad=("ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;",),
    good=("ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;\n"
          "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';",),
    equivalents={"squawk": ("ban-drop-default",)},
)


def _set_later(statements, after: int, key, column: str, ctx) -> bool:
    for later in statements[after + 1:]:
        if later.kind != "AlterTableStmt" or ctx.key(later.node["relation"]) != key:
            continue
        for cmd in alter_commands(later.node):
            if cmd.get("subtype") == "AT_ColumnDefault" and cmd.get("name") == column and cmd.get("def"):
                return True
    return False


def end_of_migration(statements, ctx):
    session = ctx.session
    for i, stmt, key, cmd in existing_table_actions(statements, ctx, "AT_ColumnDefault"):
        if cmd.get("def"):  # SET DEFAULT; only DROP DEFAULT is a breaking change
            continue
        column = cmd.get("name", "")
        if new_before(session, (*key, column), stmt.index) or _set_later(statements, i, key, column, ctx):
            continue
        table, col = display_name(key), quote_ident(column)
        yield ctx.report(
            f"dropping the default of `{table}.{col}` changes what running application "
            "versions insert when they omit the column (NULL, or a not-null error)",
            site=stmt_site(stmt, clause_span(stmt, r"ALTER\s+(?:COLUMN\s+)?", column, r"\s+DROP\s+DEFAULT")),
            help="Ship code that always sets the column, then in a later migration:\n"
                 f"    ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT;",
        )
