import re

from schemalint.rulekit import IDENTIFIER_KINDS, Rule, Severity, defined_identifiers, quote_ident

RULE = Rule(
    code="SL307",
    name="identifier-too-long",
    category="schema",
    severity=Severity.WARNING,
    summary="An identifier longer than 63 bytes: PostgreSQL silently truncates it.",
    why="NAMEDATALEN is 64, so names are cut to 63 bytes with only a NOTICE. The object then "
        "has a different name than the migration says: later statements and code that use the "
        "full name still work (they are truncated too), but tools, ORMs and diffs that compare "
        "names do not, and two long names sharing their first 63 bytes collide.",
    instead="A shorter name (abbreviate the table or column part).",
    bad=("CREATE INDEX orders_customer_id_placed_at_shipping_country_status_partial_idx ON orders (customer_id);",),
    good=("CREATE INDEX orders_customer_placed_idx ON orders (customer_id);",),
    node_types=IDENTIFIER_KINDS,
    equivalents={"squawk": ("identifier-too-long",)},
)


def check(stmt, ctx):
    # The parser already truncated the names in the tree (with a NOTICE), so look for the
    # full identifier in the text: the truncated name followed by more identifier characters.
    for ident in defined_identifiers(stmt):
        kind, name = ident.kind, ident.name
        if len(name) < 15 or len(name.encode("utf-8")) < 60:  # (at most 4 bytes a character)
            continue
        m = re.search(r'"' + re.escape(name) + r'(?:[^"]|"")+"|(?<![\w$"])' + re.escape(name) + r"[\w$]+",
                      stmt.text, re.I)
        if m is None:
            continue
        written = m.group(0).strip('"')
        size = len(written.encode("utf-8"))
        yield ctx.report(
            f"{kind} name `{quote_ident(written)}` is {size} bytes: PostgreSQL truncates it to "
            f"`{quote_ident(name)}`",
            span=(stmt.start + m.start(), stmt.start + m.end()),
            help=f"Use a name of at most 63 bytes, e.g.:\n    {quote_ident(name.rstrip('_'))}",
        )
