import re

from schemalint.rulekit import (
    Rule,
    Severity,
    column_display_name,
    lazy,
    quote_ident,
    replace_type_fix,
    written_columns,
)

RULE = Rule(
    code="SL401",
    name="json-column",
    category="types",
    severity=Severity.WARNING,
    summary="A column of type json: prefer jsonb.",
    why="`json` stores the input text verbatim and re-parses it on every access: it cannot be "
        "indexed with GIN, has no equality operator (so `SELECT DISTINCT`, `UNION` and `GROUP BY` "
        "on it fail) and keeps duplicate keys. `jsonb` is parsed once, indexable and comparable.",
    instead="Declare the column `jsonb`. The fix (unsafe) rewrites the type: jsonb does not keep "
            "key order, whitespace or duplicate keys, which matters only if something reads the "
            "exact text back.",
    ok_when="The column's type was changed to something else later in the history.",
    bad=("CREATE TABLE events (id bigint PRIMARY KEY, payload json NOT NULL);",
         "ALTER TABLE events ADD COLUMN payload JSON;"),
    good=("CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb NOT NULL);",
          "CREATE TABLE events (id bigint PRIMARY KEY, payload json);\n"
          "ALTER TABLE events ALTER COLUMN payload TYPE jsonb;"),
    scope="schema",
    fix="unsafe",
    equivalents={"eugene": ("E3",),
                 "strong_migrations": ("add_column_json",),
                 "pgfence": ("add-column-json",)},
)

_JSON = lazy(r'(?:pg_catalog\s*\.\s*)?"?json"?', re.I)


def check_schema(model, ctx):
    for table, col in written_columns(model, "json"):
        name = column_display_name(table.key, col.name)
        fix = replace_type_fix(col.type_site, _JSON(), "jsonb", "use jsonb instead of json (unsafe: "
                               "jsonb drops key order, whitespace and duplicate keys)", safe=False)
        yield ctx.report(
            f"column `{name}` is `json`: it cannot be indexed or compared, and every access "
            "re-parses the text",
            site=col.type_site,
            help=f"Declare it `jsonb`:\n    {quote_ident(col.name)} jsonb",
            fix=fix,
        )
