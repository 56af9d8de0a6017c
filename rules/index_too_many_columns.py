from schemalint.rulekit import Rule, Severity, display_name, quote_ident

RULE = Rule(
    code="SL306",
    name="index-too-many-columns",
    category="schema",
    severity=Severity.INFO,
    summary="A non-unique index with more than three key columns.",
    why="A btree index is used efficiently only for a prefix of its columns, so wide indexes are "
        "often only partly used while every write pays for all columns; they are also large. "
        "Often a narrower index, or an index with INCLUDE columns for index-only scans, serves "
        "the same queries.",
    instead="Index the columns the queries filter on with equality first, at most three; move "
            "columns that are only returned into `INCLUDE (...)`.",
    ok_when="The index is unique or backs a constraint (the key is what it is), or has at most "
            "`max_columns` key columns.",
    bad=("CREATE INDEX orders_search_idx ON orders (customer_id, status, region, placed_at);",),
    good=("CREATE INDEX orders_search_idx ON orders (customer_id, status) INCLUDE (region, placed_at);",
          "CREATE UNIQUE INDEX orders_natural_key ON orders (shop_id, year, number, suffix);"),
    scope="schema",
    options={"max_columns": 3},
    equivalents={"strong_migrations": ("add_index_columns",)},
)


def check_schema(model, ctx):
    limit = int(ctx.options["max_columns"])
    for idx in model.indexes.values():
        if idx.unique or idx.constraint or idx.site is None or len(idx.columns) <= limit:
            continue
        cols = ", ".join(quote_ident(c) if c else "(expr)" for c in idx.columns)
        yield ctx.report(
            f"index `{quote_ident(idx.name)}` on `{display_name(idx.table)}` has "
            f"{len(idx.columns)} key columns ({cols}): only a prefix is used efficiently, every "
            "write pays for all of them",
            site=idx.site,
            help=f"Keep the filtered columns as keys (at most {limit}) and move the rest to INCLUDE:\n"
                 f"    CREATE INDEX CONCURRENTLY ... ON {display_name(idx.table)} "
                 f"({', '.join(quote_ident(c) if c else '(expr)' for c in idx.columns[:limit])})"
                 f" INCLUDE ({', '.join(quote_ident(c) for c in idx.columns[limit:] if c)});",
        )
