from schemalint.rulekit import Rule, Severity, breaking_drops, display_name, name_span, stmt_site

RULE = Rule(
    code="SL205",
    name="drop-type",
    category="breaking",
    severity=Severity.WARNING,
    summary='DROP TYPE or DROP DOMAIN: breaks code that casts to or declares the type.',
    why='Application queries, functions and casts that name the type fail once it is gone; with CASCADE, columns of that type are dropped too.',
    instead='Stop using the type first (columns, functions, casts), then drop it in a later migration.',
    ok_when='It was created earlier in the same migration file, the same migration creates one with the same name again (a redefinition), it is the old half of a rename swap, or the migration is a down migration. The enum swap `RENAME TO x_old; RENAME x_new TO x; DROP TYPE x_old` is a swap.',
    bad=('DROP TYPE order_status;',),
    good=("ALTER TYPE order_status RENAME TO order_status_old;\nCREATE TYPE order_status AS ENUM ('paid', 'shipped');\nDROP TYPE order_status_old;",),
    equivalents={'squawk': ('ban-drop-type', 'ban-drop-domain')},
)

_KINDS = ('OBJECT_TYPE', 'OBJECT_DOMAIN')


def end_of_migration(statements, ctx):
    for stmt, obj in breaking_drops(statements, ctx, _KINDS, recreate_ok=True):
        name = display_name(obj.key[-2:])
        yield ctx.report(
            f"dropping {obj.kind} `{name}` breaks every query, function and cast that still names it",
            site=stmt_site(stmt, name_span(stmt, obj.name, 4)),
            help="Move columns and functions off the type, deploy, then drop it in a later migration.",
        )
