from schemalint.rulekit import Rule, Severity, breaking_drops, display_name, name_span, stmt_site

RULE = Rule(
    code="SL204",
    name="drop-function",
    category="breaking",
    severity=Severity.WARNING,
    summary='DROP FUNCTION or DROP PROCEDURE: breaks callers, triggers and defaults that use it.',
    why='Functions are called by applications, triggers, column defaults, views and other functions; dropping one makes those fail at run time (dependencies inside function bodies are not tracked by PostgreSQL, so nothing stops the drop).',
    instead='Remove the callers first, then drop the function in a later migration; to change it, `CREATE OR REPLACE FUNCTION` (same signature) or drop and recreate it in the same migration.',
    ok_when='It was created earlier in the same migration file, the same migration creates one with the same name again (a redefinition), it is the old half of a rename swap, or the migration is a down migration.',
    bad=('DROP FUNCTION order_total(bigint);',),
    good=("DROP FUNCTION order_total(bigint);\nCREATE FUNCTION order_total(bigint, text) RETURNS numeric LANGUAGE sql AS 'SELECT 0';",),
    equivalents={'squawk': ('ban-drop-function',)},
)

_KINDS = ('OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE', 'OBJECT_AGGREGATE')


def end_of_migration(statements, ctx):
    for stmt, obj in breaking_drops(statements, ctx, _KINDS, recreate_ok=True):
        name = display_name(obj.key[-2:])
        yield ctx.report(
            f"dropping {obj.kind} `{name}` breaks every caller, trigger and default that still uses it",
            site=stmt_site(stmt, name_span(stmt, obj.name, 4)),
            help="Remove its callers first and drop it in a later migration; to change it keep the name:\n"
                 f"    CREATE OR REPLACE FUNCTION {name}(...) ...;",
        )
