from schemalint.rulekit import (
    Rule,
    Severity,
    clause_span,
    display_name,
    existing_table_actions,
    new_before,
    quote_ident,
    stmt_site,
)

RULE = Rule(
    code="SL219",
    name="drop-generated-expression",
    category="breaking",
    severity=Severity.WARNING,
    summary="ALTER COLUMN ... DROP EXPRESSION: a generated column stops being computed.",
    why="DROP EXPRESSION (PostgreSQL 13+) turns a stored generated column into a plain column: "
        "the values already stored stay, but rows inserted afterwards get NULL unless the writer "
        "sets the column, and updates of the columns it was computed from no longer change it. "
        "Running application versions that read it as a derived value silently get stale or "
        "missing data; nothing fails.",
    instead="First ship code that writes the column itself (or a trigger that computes it), "
            "then drop the expression; or keep the column generated and change its expression "
            "(PostgreSQL 17+: ALTER COLUMN ... SET EXPRESSION, which rewrites the table).",
    ok_when="The table or column was created earlier in the same migration file, or the "
            "migration is a down migration.",
    bad=("ALTER TABLE orders ALTER COLUMN total_cents DROP EXPRESSION;",),
    good=("CREATE TABLE orders (price int, qty int, total int GENERATED ALWAYS AS (price * qty) STORED);\n"
          "ALTER TABLE orders ALTER COLUMN total DROP EXPRESSION;",),
    min_pg=13,
    equivalents={"squawk": ("ban-drop-generated-expression",)},
)


def end_of_migration(statements, ctx):
    session = ctx.session
    for _, stmt, key, cmd in existing_table_actions(statements, ctx, "AT_DropExpression"):
        column = cmd.get("name", "")
        if new_before(session, (*key, column), stmt.index):
            continue
        table, col = display_name(key), quote_ident(column)
        yield ctx.report(
            f"`{table}.{col}` stops being computed: rows written from now on get NULL unless "
            "the writer sets it, and changes to its source columns no longer update it",
            site=stmt_site(stmt, clause_span(stmt, r"ALTER\s+(?:COLUMN\s+)?", column,
                                             r"\s+DROP\s+EXPRESSION")),
            help="Ship code (or a trigger) that writes the column first, then in a later "
                 "migration:\n"
                 f"    ALTER TABLE {table} ALTER COLUMN {col} DROP EXPRESSION;",
        )
