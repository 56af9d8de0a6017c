from schemalint.rulekit import Rule, Severity, breaking_drops, display_name, name_span, stmt_site

RULE = Rule(
    code="SL203",
    name="drop-view",
    category="breaking",
    severity=Severity.WARNING,
    summary='DROP VIEW or DROP MATERIALIZED VIEW: breaks every query that reads the view.',
    why='Views are read by applications, reports and other views; once dropped, those queries fail. Dropping and recreating a view in one migration (to change its definition) is fine and not reported.',
    instead='Stop reading the view first (deploy), then drop it in a later migration; to change a view, `CREATE OR REPLACE VIEW` or drop and recreate it in the same migration.',
    ok_when='It was created earlier in the same migration file, the same migration creates one with the same name again (a redefinition), it is the old half of a rename swap, or the migration is a down migration.',
    bad=('DROP VIEW active_orders;', 'DROP MATERIALIZED VIEW order_totals;'),
    good=('DROP VIEW active_orders;\nCREATE VIEW active_orders AS SELECT 1 AS id;', 'CREATE VIEW v AS SELECT 1 AS id;\nDROP VIEW v;'),
    equivalents={'squawk': ('ban-drop-view',)},
)

_KINDS = ('OBJECT_VIEW', 'OBJECT_MATVIEW')


def end_of_migration(statements, ctx):
    for stmt, obj in breaking_drops(statements, ctx, _KINDS, recreate_ok=True):
        name = display_name(obj.key[-2:])
        yield ctx.report(
            f"dropping {obj.kind} `{name}` breaks every query, report and view that still reads it",
            site=stmt_site(stmt, name_span(stmt, obj.name, 4)),
            help="Deploy code that no longer reads it, then drop it in a later migration. To change its "
                 "definition instead:\n"
                 f"    CREATE OR REPLACE VIEW {name} AS ...;",
        )
