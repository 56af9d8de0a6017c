from schemalint.rulekit import (
    Rule,
    Severity,
    alter_commands,
    clause_span,
    display_name,
    is_down,
    is_table_alter,
    quote_ident,
)

RULE = Rule(
    code="SL201",
    name="drop-column",
    category="breaking",
    severity=Severity.WARNING,
    summary="DROP COLUMN: breaks every running application version that still uses the column.",
    why="During a deploy the old application version keeps running; its INSERTs, UPDATEs and "
        "SELECTs that name the column fail as soon as it is dropped, and ORMs that cache the "
        "column list fail even on `SELECT *`-style queries. The column's data is gone for good.",
    instead="Two deploys: first ship code that no longer reads or writes the column (tell the ORM "
            "to ignore it), then drop it in a later migration.",
    ok_when="The table or the column was created earlier in the same migration file, or the "
            "migration is a down migration.",
    bad=("ALTER TABLE orders DROP COLUMN legacy_status;",),
    good=("ALTER TABLE orders ADD COLUMN tmp text;\nALTER TABLE orders DROP COLUMN tmp;",
          "CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;"),
    node_types=("AlterTableStmt.AT_DropColumn",),
    equivalents={"squawk": ("ban-drop-column",),
                 "strong_migrations": ("remove_column",),
                 "pgfence": ("drop-column",)},
)


def check(stmt, ctx):
    node = stmt.node
    if not is_table_alter(node) or is_down(stmt) or ctx.created_here(node["relation"]):
        return
    key = ctx.key(node["relation"])
    table = display_name(key)
    for cmd in alter_commands(node):
        if cmd.get("subtype") != "AT_DropColumn":
            continue
        column = cmd.get("name", "")
        if ctx.created_here((*key, column)):
            continue
        col = quote_ident(column)
        yield ctx.report(
            f"dropping column `{table}.{col}` breaks every running application version that "
            "still reads or writes it, and its data is lost",
            span=clause_span(stmt, r"DROP\s+(?:COLUMN\s+)?", column),
            help="Ship code that no longer uses the column first (e.g. Rails `ignored_columns`, "
                 "Django `SeparateDatabaseAndState`), then in a later migration:\n"
                 f"    ALTER TABLE {table} DROP COLUMN {col};",
        )
