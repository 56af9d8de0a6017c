from schemalint.rulekit import Rule, Severity, is_down, quote_ident

RULE = Rule(
    code="SL208",
    name="drop-database",
    category="breaking",
    severity=Severity.ERROR,
    summary="DROP DATABASE in a migration.",
    why="It deletes every table and row of the database at once, cannot be rolled back (it is "
        "not allowed inside a transaction block) and has no place in a schema migration that "
        "runs against production.",
    instead="Drop databases by hand, with a backup, outside the migration history.",
    ok_when="The migration is a down migration.",
    bad=("DROP DATABASE analytics;",),
    good=("DROP TABLE IF EXISTS scratch_import;",),
    node_types=("DropdbStmt",),
    equivalents={"squawk": ("ban-drop-database",)},
)


def check(stmt, ctx):
    if is_down(stmt):
        return
    name = quote_ident(stmt.node.get("dbname", ""))
    yield ctx.report(
        f"dropping database `{name}` deletes all of its data and cannot be rolled back",
        help="Remove this statement from the migration; drop the database by hand after a backup:\n"
             f"    pg_dump -Fc {name} > {stmt.node.get('dbname', 'db')}.dump",
    )
