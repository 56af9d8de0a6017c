from schemalint.rulekit import (
    Rule,
    Severity,
    breaking_drops,
    display_name,
    name_span,
    quote_ident,
    stmt_site,
)

RULE = Rule(
    code="SL202",
    name="drop-table",
    category="breaking",
    severity=Severity.WARNING,
    summary="DROP TABLE: deletes the data and breaks every reader still using the table.",
    why="Application versions still running during and after the deploy, reports, replicas' "
        "consumers and other services fail as soon as the table is gone, and its data is lost "
        "unless it was copied first. Dropping and recreating a table in the same migration also "
        "loses the rows.",
    instead="Stop using the table first (deploy code that no longer reads or writes it), keep a "
            "backup or rename it aside, and drop it in a later migration.",
    ok_when="The table was created earlier in the same migration file, it is the old half of a "
            "rename swap (`RENAME t TO t_old; RENAME t_new TO t; DROP TABLE t_old`), or the "
            "migration is a down migration.",
    bad=("DROP TABLE orders;",),
    good=("CREATE TABLE tmp_orders (id bigint);\nDROP TABLE tmp_orders;",
          "ALTER TABLE orders RENAME TO orders_old;\nALTER TABLE orders_new RENAME TO orders;\n"
          "DROP TABLE orders_old;"),
    equivalents={"squawk": ("ban-drop-table",),
                 "strong_migrations": ("create_table",),
                 "pgfence": ("drop-table",)},
)


def end_of_migration(statements, ctx):
    for stmt, obj in breaking_drops(statements, ctx, ("OBJECT_TABLE", "OBJECT_FOREIGN_TABLE"), False):
        name = display_name(obj.key)
        aside = quote_ident(obj.key[1] + "_retired")
        yield ctx.report(
            f"dropping table `{name}` deletes its rows and breaks every running application "
            "version and service that still reads or writes it",
            site=stmt_site(stmt, name_span(stmt, obj.name, 4)),
            help="Retire it in steps: deploy code that no longer uses it, then in a later "
                 "migration keep it aside before dropping it:\n"
                 f"    ALTER TABLE {name} RENAME TO {aside};  -- reversible\n"
                 "    -- a later migration, once nothing failed:\n"
                 f"    DROP TABLE {aside};",
        )
