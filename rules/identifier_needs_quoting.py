from schemalint.rulekit import (
    IDENTIFIER_KINDS,
    NEEDS_QUOTES_AS_NAME,
    Rule,
    Severity,
    defined_identifiers,
    quote_ident,
)

RULE = Rule(
    code="SL309",
    name="identifier-needs-quoting",
    category="schema",
    default_enabled=False,
    severity=Severity.INFO,
    summary="A name with upper-case letters, spaces or other characters that force quoting.",
    why="PostgreSQL folds unquoted names to lower case, so `\"createdAt\"` must be written "
        "double-quoted in every query, psql session and tool; written without quotes it means "
        "`createdat`, which does not exist. Some frameworks (Prisma) quote everything on "
        "purpose, which is why the rule is opt-in.",
    instead="Lower-case snake_case names: `created_at`.",
    bad=('CREATE TABLE "Order" ("createdAt" timestamptz);',),
    good=("CREATE TABLE orders (created_at timestamptz);",),
    node_types=IDENTIFIER_KINDS,
)


def check(stmt, ctx):
    for ident in defined_identifiers(stmt):
        kind, name = ident.kind, ident.name
        if not name or name in NEEDS_QUOTES_AS_NAME or not quote_ident(name).startswith('"'):
            continue
        snake = "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))
        snake = "".join(c if c.isalnum() or c == "_" else "_" for c in snake)
        yield ctx.report(
            f'{kind} name `"{name}"` must be double-quoted in every query (unquoted, PostgreSQL '
            f"reads it as `{name.lower()}`)",
            span=ident.span(stmt),
            help=f"Use a lower-case name: `{snake}`.",
        )
