from schemalint.rulekit import Rule, Severity, column_display_name, quote_ident, written_columns

RULE = Rule(
    code="SL403",
    name="varchar-length-column",
    category="types",
    severity=Severity.INFO,
    summary="A column of type varchar(n): prefer text with a CHECK constraint.",
    why="`varchar(n)` and `text` are stored the same way; the only difference is the length "
        "limit, and changing that limit later is an ALTER COLUMN TYPE that takes an ACCESS "
        "EXCLUSIVE lock (and rewrites the table when the limit shrinks). A CHECK constraint "
        "can be replaced without blocking: add the new one NOT VALID, VALIDATE it, drop the old.",
    instead="`text` plus `CHECK (char_length(col) <= n)`.",
    ok_when="The column's type was changed to something else later in the history.",
    bad=("CREATE TABLE users (email varchar(255) NOT NULL);",
         "ALTER TABLE users ADD COLUMN name character varying(100);"),
    good=("CREATE TABLE users (email text NOT NULL CHECK (char_length(email) <= 255));",
          "CREATE TABLE users (email varchar NOT NULL);"),
    scope="schema",
    equivalents={"squawk": ("prefer-text-field",),
                 "pgfence": ("prefer-text-field",)},
)


def check_schema(model, ctx):
    for table, col in written_columns(model, "varchar"):
        if not col.mods:
            continue
        name = column_display_name(table.key, col.name)
        c = quote_ident(col.name)
        n = col.mods[0]
        yield ctx.report(
            f"column `{name}` is `varchar({n})`: changing the limit later locks the table",
            site=col.type_site,
            help=f"Use text with a CHECK constraint, which can be changed without blocking:\n"
                 f"    {c} text CHECK (char_length({c}) <= {n})",
        )
