from schemalint.rulekit import (
    IDENTIFIER_KINDS,
    NEEDS_QUOTES_AS_NAME,
    Rule,
    Severity,
    defined_identifiers,
)

RULE = Rule(
    code="SL308",
    name="reserved-keyword-identifier",
    category="schema",
    severity=Severity.WARNING,
    summary="A table, column or other object named with a reserved SQL keyword (user, order, ...).",
    why="A reserved keyword (and the type/function-name keywords such as `left`, `join`) can "
        "only be used as a name when double-quoted, so every query, tool and ORM must quote it; "
        "one that forgets gets a syntax error or, for `user`, silently the current role name.",
    instead="A name that is not a reserved keyword: `users` instead of `user`, `sort_order` "
            "instead of `order`.",
    bad=('CREATE TABLE "user" (id bigint PRIMARY KEY);',
         'ALTER TABLE orders ADD COLUMN "order" integer;'),
    good=("CREATE TABLE users (id bigint PRIMARY KEY, name text, type text);",),
    node_types=IDENTIFIER_KINDS,
)


def check(stmt, ctx):
    for ident in defined_identifiers(stmt):
        kind, name = ident.kind, ident.name
        if name not in NEEDS_QUOTES_AS_NAME:
            continue
        yield ctx.report(
            f"{kind} name `{name}` is a reserved SQL keyword: every query must write it "
            f'double-quoted as "{name}"',
            span=ident.span(stmt),
            help=f"Choose another name, e.g. `{name}s` or `{name}_value`.",
        )
