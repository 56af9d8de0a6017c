from schemalint.rulekit import Rule, Severity, column_display_name, quote_ident, written_columns

RULE = Rule(
    code="SL402",
    name="char-column",
    category="types",
    severity=Severity.WARNING,
    summary="A column of type char(n): blank-padded, and no faster than text.",
    why="`char(n)` pads values with spaces to n characters; the padding is ignored in some "
        "comparisons and not in others (`LIKE`, `||`, casts to text), which causes subtle bugs, "
        "and it still rejects longer values. It is stored like `varchar`, so it saves nothing.",
    instead="`text` with a CHECK constraint on the length, e.g. "
            "`code text CHECK (char_length(code) = 3)`.",
    ok_when="The column's type was changed to something else later in the history.",
    bad=("CREATE TABLE countries (code char(2) PRIMARY KEY);",
         "ALTER TABLE countries ADD COLUMN flag character(1);"),
    good=("CREATE TABLE countries (code text PRIMARY KEY CHECK (char_length(code) = 2));",
          'CREATE TABLE flags (kind "char");'),
    scope="schema",
    equivalents={"squawk": ("ban-char-field",)},
)


def check_schema(model, ctx):
    # bpchar is char(n)/character(n); the internal one-byte type "char" is spelled "char".
    for table, col in written_columns(model, "bpchar"):
        name = column_display_name(table.key, col.name)
        length = col.mods[0] if col.mods else 1
        c = quote_ident(col.name)
        yield ctx.report(
            f"column `{name}` is `char({length})`: values are blank-padded and compare "
            "inconsistently",
            site=col.type_site,
            help=f"Use text with a length check:\n    {c} text CHECK (char_length({c}) <= {length})",
        )
