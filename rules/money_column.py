from schemalint.rulekit import Rule, Severity, column_display_name, quote_ident, written_columns

RULE = Rule(
    code="SL406",
    name="money-column",
    category="types",
    severity=Severity.WARNING,
    summary="A column of type money.",
    why="`money` has a fixed number of fraction digits taken from the `lc_monetary` setting: "
        "the same dump restored on a server with another locale changes the values' meaning, "
        "it holds a single implicit currency, and its output is a locale-formatted string.",
    instead="`numeric(p, s)` (e.g. `numeric(19, 4)`) or an integer count of minor units, plus a "
            "currency code column.",
    ok_when="The column's type was changed to something else later in the history.",
    bad=("CREATE TABLE invoices (total money NOT NULL);",),
    good=("CREATE TABLE invoices (total numeric(19, 4) NOT NULL, currency text NOT NULL);",),
    scope="schema",
)


def check_schema(model, ctx):
    for table, col in written_columns(model, "money"):
        name = column_display_name(table.key, col.name)
        c = quote_ident(col.name)
        yield ctx.report(
            f"column `{name}` is `money`: its scale and currency depend on the server's "
            "lc_monetary setting",
            site=col.type_site,
            help=f"Use an exact numeric and a currency code:\n    {c} numeric(19, 4),\n"
                 f"    {quote_ident(col.name + '_currency')} text",
        )
