import re

from schemalint.rulekit import (
    Rule,
    Severity,
    column_display_name,
    format_type,
    lazy,
    quote_ident,
    replace_type_fix,
    written_columns,
)

RULE = Rule(
    code="SL407",
    name="integer-key-column",
    category="types",
    severity=Severity.WARNING,
    summary="A primary or foreign key column of type integer or smallint.",
    why="An integer key runs out at 2,147,483,647 (smallint at 32,767); when the sequence "
        "reaches it every INSERT fails, and widening the column then is an ALTER COLUMN TYPE "
        "that rewrites the table and every index on it under an ACCESS EXCLUSIVE lock. A "
        "foreign key narrower than the key it references fails as soon as the parent's ids "
        "outgrow it. bigint costs 4 more bytes per row.",
    instead="`bigint` (or `bigint GENERATED ... AS IDENTITY`, `bigserial`) for keys and for the "
            "columns that reference them. The fix is unsafe: some clients map bigint to a "
            "different type (node-postgres returns it as a string).",
    ok_when="The column is not part of a primary key or foreign key at the end of the history.",
    bad=("CREATE TABLE orders (id serial PRIMARY KEY);",
         "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id integer REFERENCES customers (id));"),
    good=("CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, quantity integer);",
          "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint REFERENCES customers (id));"),
    scope="schema",
    fix="unsafe",
    equivalents={"squawk": ("prefer-bigint-over-int", "prefer-bigint-over-smallint"),
                 "pgfence": ("prefer-bigint-over-int",)},
)

_NARROW = {"int4": "integer", "int2": "smallint"}
_INT = lazy(r"(?:pg_catalog\s*\.\s*)?(?:int|integer|int4|int2|smallint)\b", re.I)
_SERIAL = lazy(r"(?:serial|serial4|smallserial|serial2)\b", re.I)


def _key_columns(table):
    """Column -> 'primary key' / 'foreign key' for the table's key columns."""
    out = {}
    for con in table.constraints.values():
        if con.kind == "foreign":
            for c in con.columns:
                out.setdefault(c, "foreign key")
        elif con.kind == "primary":
            for c in con.columns:
                out[c] = "primary key"
    return out


def check_schema(model, ctx):
    keys_by_table = {}
    for table, col in written_columns(model, _NARROW):
        if col.array:
            continue
        keys = keys_by_table.get(table.key)
        if keys is None:
            keys = keys_by_table[table.key] = _key_columns(table)
        role = keys.get(col.name)
        if role is None:
            continue
        name = column_display_name(table.key, col.name)
        written = col.serial or format_type(col.type)
        if col.serial:
            fix = replace_type_fix(col.type_site, _SERIAL(), "bigserial", "use bigserial "
                                   "(unsafe: clients may map bigint to another type)", safe=False)
            wider = "bigserial"
        else:
            fix = replace_type_fix(col.type_site, _INT(), "bigint", "use bigint (unsafe: clients "
                                   "may map bigint to another type)", safe=False)
            wider = "bigint"
        limit = "2,147,483,647" if col.type == "int4" else "32,767"
        yield ctx.report(
            f"{role} column `{name}` is `{written}`: inserts fail once ids pass {limit}, and "
            "widening it later rewrites the table under an ACCESS EXCLUSIVE lock",
            site=col.type_site,
            help=f"Declare it wide enough from the start:\n    {quote_ident(col.name)} {wider}",
            fix=fix,
        )
