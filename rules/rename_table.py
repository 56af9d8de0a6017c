from schemalint.rulekit import (
    Rule,
    Severity,
    display_name,
    is_down,
    new_before,
    quote_ident,
    replaced_after,
    stmt_site,
    swapped_in,
)

RULE = Rule(
    code="SL212",
    name="rename-table",
    category="breaking",
    severity=Severity.WARNING,
    summary="RENAME TABLE: breaks every running application version that uses the old name.",
    why="The rename is instant, but the application version running during the deploy, other "
        "services and reports still query the old name and fail until they are all updated.",
    instead="Create the new table, write to both, backfill, switch reads, then drop the old one; "
            "or rename and leave an updatable view under the old name until nothing uses it.",
    ok_when="The table was created earlier in the same migration file, the old name is taken "
            "again in the same file (a swap: `RENAME t TO t_old; RENAME t_new TO t`), or the "
            "migration is a down migration.",
    bad=("ALTER TABLE users RENAME TO accounts;",),
    good=("ALTER TABLE users RENAME TO users_old;\nALTER TABLE users_new RENAME TO users;",
          "CREATE TABLE staging (id bigint);\nALTER TABLE staging RENAME TO imports;"),
    equivalents={"squawk": ("renaming-table",),
                 "strong_migrations": ("rename_table",),
                 "pgfence": ("rename-table",)},
)


def end_of_migration(statements, ctx):
    session = ctx.session
    for stmt in statements:
        node = stmt.node
        if stmt.kind != "RenameStmt" or node.get("renameType") not in ("OBJECT_TABLE", "OBJECT_FOREIGN_TABLE") \
                or is_down(stmt):
            continue
        keys = ctx.model.rename_keys(node)
        if keys is None:
            continue
        old, new = keys
        if new_before(session, old, stmt.index) or replaced_after(session, old, stmt.index) \
                or swapped_in(session, new, stmt.index):
            continue
        o, n = display_name(old), quote_ident(new[1])
        yield ctx.report(
            f"renaming table `{o}` to `{n}` breaks every running application version and "
            "service that still uses the old name",
            site=stmt_site(stmt, stmt.span_at(node["relation"].get("location"))),
            help="Rename it and keep the old name working until every reader moved:\n"
                 f"    ALTER TABLE {o} RENAME TO {n};\n"
                 f"    CREATE VIEW {o} AS SELECT * FROM {n};  -- simple views are updatable\n"
                 f"    -- a later migration, once nothing uses the old name:\n"
                 f"    DROP VIEW {o};",
        )
