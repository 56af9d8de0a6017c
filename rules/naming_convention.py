from schemalint.rulekit import Rule, Severity, display_name, expected_name, quote_ident

RULE = Rule(
    code="SL310",
    name="naming-convention",
    category="schema",
    severity=Severity.INFO,
    summary="Opt-in: an index or constraint whose name does not follow the naming pattern.",
    why="Predictable names let people and tools find an index or constraint from its table and "
        "columns, and keep migrations that drop or rename them correct. PostgreSQL's own "
        "defaults are `{table}_{columns}_idx`, `_key`, `_fkey`, `_check` and `{table}_pkey`; "
        "ORMs and hand-written migrations drift from them.",
    instead="Name objects by the pattern for their kind (options `index`, `unique_index`, "
            "`primary_key`, `foreign_key`, `unique`, `check`; `{table}` and `{columns}` are "
            "replaced, columns joined by `_`; an empty pattern disables that kind).",
    ok_when="Unnamed objects get PostgreSQL's default names, which match the default patterns. "
            "Indexes on expressions are not checked for `{columns}`.",
    bad=("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\n"
         "CREATE INDEX idx_customer ON orders (customer_id);",),
    good=("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\n"
          "CREATE INDEX orders_customer_id_idx ON orders (customer_id);",),
    scope="schema",
    default_enabled=False,
    options={"index": "{table}_{columns}_idx", "unique_index": "{table}_{columns}_key",
             "primary_key": "{table}_pkey", "foreign_key": "{table}_{columns}_fkey",
             "unique": "{table}_{columns}_key", "check": ""},
)

_CONSTRAINT_OPTION = {"primary": "primary_key", "foreign": "foreign_key", "unique": "unique", "check": "check"}


def check_schema(model, ctx):
    opts = ctx.options
    for table in model.tables.values():
        if table.site is None:
            continue
        for con in table.constraints.values():
            option = _CONSTRAINT_OPTION.get(con.kind)
            want = expected_name(str(opts.get(option, "")), table.name, con.columns) if option else None
            if want is None or con.name == want or con.site is None:
                continue
            yield ctx.report(
                f"constraint `{quote_ident(con.name)}` on `{display_name(table.key)}` does not follow "
                f"the `{opts[option]}` pattern: expected `{quote_ident(want)}`",
                site=con.site,
                help=f"Rename it:\n    ALTER TABLE {display_name(table.key)} RENAME CONSTRAINT "
                     f"{quote_ident(con.name)} TO {quote_ident(want)};",
            )
    for idx in model.indexes.values():
        if idx.constraint is not None or idx.site is None:
            continue
        option = "unique_index" if idx.unique else "index"
        want = expected_name(str(opts.get(option, "")), idx.table[1], idx.columns)
        if want is None or idx.name == want:
            continue
        yield ctx.report(
            f"index `{quote_ident(idx.name)}` does not follow the `{opts[option]}` pattern: "
            f"expected `{quote_ident(want)}`",
            site=idx.site,
            help="Rename it:\n"
                 f"    ALTER INDEX {display_name((idx.table[0], idx.name))} RENAME TO {quote_ident(want)};",
        )
