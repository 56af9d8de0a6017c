from schemalint.rulekit import Rule, Severity, display_name, format_type, is_down, quote_ident

RULE = Rule(
    code="SL211",
    name="rename-column",
    category="breaking",
    severity=Severity.WARNING,
    summary="RENAME COLUMN: breaks every running application version that uses the old name.",
    why="The rename is instant, but the application version running during the deploy still "
        "reads and writes the old name and fails until the new code is everywhere; other "
        "services, views' callers and reports break too.",
    instead="Expand and contract: add the new column, write both (in code or with a trigger), "
            "backfill, switch reads to the new column, and drop the old one in a later migration.",
    ok_when="The table or the column was created earlier in the same migration file, or the "
            "migration is a down migration.",
    bad=("ALTER TABLE users RENAME COLUMN email TO email_address;",),
    good=("ALTER TABLE users ADD COLUMN email_address text;",
          "CREATE TABLE users (email text);\nALTER TABLE users RENAME COLUMN email TO email_address;"),
    node_types=("RenameStmt",),
    equivalents={"squawk": ("renaming-column",),
                 "strong_migrations": ("rename_column",),
                 "pgfence": ("rename-column",)},
)


def check(stmt, ctx):
    node = stmt.node
    if node.get("renameType") != "OBJECT_COLUMN" or node.get("relationType") not in (
            "OBJECT_TABLE", "OBJECT_FOREIGN_TABLE") or is_down(stmt):
        return
    rel = node["relation"]
    key = ctx.key(rel)
    old, new = node.get("subname", ""), node.get("newname", "")
    if ctx.created_here(rel) or ctx.created_here((*key, old)):
        return
    table_name, o, n = display_name(key), quote_ident(old), quote_ident(new)
    table = ctx.table(rel)
    col = table.columns.get(old) if table else None
    typ = format_type(col.type, col.mods, col.array) if col and col.type else "<type>"
    yield ctx.report(
        f"renaming `{table_name}.{o}` to `{n}` breaks every running application version that "
        "still uses the old name",
        location=rel.get("location"),
        help="Expand and contract instead, over several deploys:\n"
             f"    ALTER TABLE {table_name} ADD COLUMN {n} {typ};\n"
             "    -- deploy code that writes both columns, then backfill in batches:\n"
             f"    UPDATE {table_name} SET {n} = {o} WHERE {n} IS NULL;  -- per batch of ids\n"
             f"    -- deploy code that reads {n}; then, in a later migration:\n"
             f"    ALTER TABLE {table_name} DROP COLUMN {o};",
    )
