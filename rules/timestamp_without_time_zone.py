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
    code="SL404",
    name="timestamp-without-time-zone",
    category="types",
    severity=Severity.WARNING,
    summary="A column of type timestamp (without time zone): prefer timestamptz.",
    why="`timestamp` stores a wall-clock reading with no zone: the same value means different "
        "instants to clients in different time zones, `now()` is silently converted with the "
        "session's TimeZone, and daylight-saving changes make values ambiguous or repeated. "
        "`timestamptz` stores an instant (UTC internally) and takes no more space.",
    instead="Declare the column `timestamptz` (same precision). The fix is unsafe: existing "
            "values are read in the session time zone and client libraries return zone-aware "
            "values instead of naive ones.",
    ok_when="The column's type was changed to something else later in the history.",
    bad=("CREATE TABLE orders (id bigint PRIMARY KEY, placed_at timestamp NOT NULL);",
         'CREATE TABLE "Order" ("createdAt" TIMESTAMP(3) WITHOUT TIME ZONE);',
         "ALTER TABLE orders ALTER COLUMN placed_at TYPE timestamp;"),
    good=("CREATE TABLE orders (id bigint PRIMARY KEY, placed_at timestamptz NOT NULL);",
          "CREATE TABLE orders (placed_at timestamp with time zone);"),
    scope="schema",
    fix="unsafe",
    equivalents={"squawk": ("prefer-timestamp-tz",),
                 "pgfence": ("prefer-timestamptz",)},
)

_TIMESTAMP = lazy(r"(?:pg_catalog\s*\.\s*)?timestamp(\s*\(\s*\d+\s*\))?(?:\s+without\s+time\s+zone)?",
                  re.I)


def check_schema(model, ctx):
    for table, col in written_columns(model, "timestamp"):
        name = column_display_name(table.key, col.name)
        fix = replace_type_fix(col.type_site, _TIMESTAMP(), r"timestamptz\1",
                               "use timestamptz (unsafe: values are interpreted in the session "
                               "time zone; clients get zone-aware values)", safe=False)
        precision = f"({col.mods[0]})" if col.mods else ""
        yield ctx.report(
            f"column `{name}` is `timestamp` without time zone: its values are wall-clock readings "
            "that mean different instants to clients in different time zones",
            site=col.type_site,
            help=f"Declare it `timestamptz`:\n    {quote_ident(col.name)} timestamptz{precision}",
            fix=fix,
        )
