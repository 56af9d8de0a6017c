from schemalint.rulekit import Rule, Severity, breaking_drops, name_span, quote_ident, stmt_site

RULE = Rule(
    code="SL206",
    name="drop-schema",
    category="breaking",
    severity=Severity.WARNING,
    summary='DROP SCHEMA: removes every object in it (with CASCADE) and breaks qualified names.',
    why='Every query that names an object in the schema fails; with CASCADE all its tables, views and functions are dropped with their data.',
    instead='Move or drop the objects one by one after their users are gone, then drop the empty schema without CASCADE.',
    ok_when='The schema was created earlier in the same migration file, or the migration is a down migration.',
    bad=('DROP SCHEMA reporting CASCADE;',),
    good=('CREATE SCHEMA scratch;\nDROP SCHEMA scratch;',),
    equivalents={'squawk': ('ban-drop-schema',)},
)

_KINDS = ('OBJECT_SCHEMA',)


def end_of_migration(statements, ctx):
    for stmt, obj in breaking_drops(statements, ctx, _KINDS, recreate_ok=False):
        name = quote_ident(obj.name)
        cascade = stmt.node.get("behavior") == "DROP_CASCADE"
        yield ctx.report(
            f"dropping schema `{name}` breaks every query that names an object in it"
            + (" and drops all of them with their data (CASCADE)" if cascade else ""),
            site=stmt_site(stmt, name_span(stmt, obj.name, 4)),
            help="Drop its objects once nothing uses them, then the empty schema without "
                 f"CASCADE:\n    DROP SCHEMA {name};",
        )
