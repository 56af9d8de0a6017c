from schemalint.rulekit import Rule, Severity, breaking_drops, display_name, name_span, stmt_site

RULE = Rule(
    code="SL207",
    name="drop-sequence",
    category="breaking",
    severity=Severity.WARNING,
    summary='DROP SEQUENCE: breaks defaults and code that call nextval() on it.',
    why="Column defaults, triggers and application code that call `nextval('seq')` fail once it is gone; an id generator dropped by mistake cannot be restored to its last value.",
    instead='Remove the defaults and callers first (e.g. after switching to an identity column), then drop the sequence in a later migration.',
    ok_when='The sequence was created earlier in the same migration file, or the migration is a down migration.',
    bad=('DROP SEQUENCE order_number_seq;',),
    good=('CREATE SEQUENCE tmp_seq;\nDROP SEQUENCE tmp_seq;',),
    equivalents={'squawk': ('ban-drop-sequence',)},
)

_KINDS = ('OBJECT_SEQUENCE',)


def end_of_migration(statements, ctx):
    for stmt, obj in breaking_drops(statements, ctx, _KINDS, recreate_ok=False):
        name = display_name(obj.key[-2:])
        yield ctx.report(
            f"dropping sequence `{name}` breaks every default and caller that still uses nextval() on it",
            site=stmt_site(stmt, name_span(stmt, obj.name, 4)),
            help=f"Remove the defaults using it first:\n    ALTER TABLE ... ALTER COLUMN ... DROP DEFAULT;\n"
                 f"    -- a later migration:\n    DROP SEQUENCE {name};",
        )
