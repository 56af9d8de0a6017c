from schemalint.rulekit import Rule, Severity, column_display_name, quote_ident, written_columns

RULE = Rule(
    code="SL405",
    name="time-with-time-zone",
    category="types",
    severity=Severity.WARNING,
    summary="A column of type timetz (time with time zone).",
    why="A time of day with a fixed UTC offset cannot follow daylight-saving rules: the offset "
        "that is right in winter is wrong in summer. The PostgreSQL documentation (Date/Time "
        "Types) says timetz exists for SQL-standard compliance and recommends against it.",
    instead="`timestamptz` for an instant, or `time` plus a separate time-zone name column "
            "(e.g. `'Europe/Paris'`) for a recurring local time.",
    ok_when="The column's type was changed to something else later in the history.",
    bad=("CREATE TABLE shops (opens_at time with time zone);",
         "CREATE TABLE shops (opens_at timetz);"),
    good=("CREATE TABLE shops (opens_at time, time_zone text NOT NULL);",),
    scope="schema",
)


def check_schema(model, ctx):
    for table, col in written_columns(model, "timetz"):
        name = column_display_name(table.key, col.name)
        c = quote_ident(col.name)
        yield ctx.report(
            f"column `{name}` is `time with time zone`: a fixed UTC offset is wrong for half of "
            "the year wherever daylight saving applies",
            site=col.type_site,
            help=f"Store a local time and a zone name:\n    {c} time,\n    {quote_ident(col.name + '_zone')} text",
        )
