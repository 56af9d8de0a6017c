from schemalint.rulekit import (
    Rule,
    Severity,
    covers_foreign_key,
    display_name,
    foreign_key_index_name,
    quote_ident,
)

RULE = Rule(
    code="SL301",
    name="foreign-key-without-index",
    category="schema",
    severity=Severity.WARNING,
    summary="A foreign key whose columns lead no index makes deletes and joins scan the table.",
    why="PostgreSQL indexes the referenced side of a foreign key (it must be unique) but not the "
        "referencing side. Every DELETE or key UPDATE on the parent then scans the child table "
        "under a lock to check for references, and joins from parent to child cannot use an "
        "index. The check runs on the final schema, so an index added in a later migration counts.",
    instead="Create an index whose leading columns are the foreign key's columns (in any order), "
            "concurrently on an existing table.",
    ok_when="A valid index (a primary key or unique constraint counts) has the foreign key's "
            "columns as its leading columns, with no predicate or one that only excludes their "
            "NULLs (`WHERE customer_id IS NOT NULL`).",
    bad=(
        "CREATE TABLE customers (id bigint PRIMARY KEY);\n"
        "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));",
    ),
    good=(
        "CREATE TABLE customers (id bigint PRIMARY KEY);\n"
        "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));\n"
        "CREATE INDEX orders_customer_id_idx ON orders (customer_id);",
        "CREATE TABLE a (id bigint PRIMARY KEY);\nCREATE TABLE b (id bigint PRIMARY KEY);\n"
        "CREATE TABLE a_b (a_id bigint REFERENCES a, b_id bigint REFERENCES b,\n"
        "                  PRIMARY KEY (b_id, a_id));\nCREATE INDEX a_b_a_id_idx ON a_b (a_id);",
    ),
    scope="schema",
    equivalents={"eugene": ("E15",)},
    confirmed_by=("foreign-key-left-unindexed",),
)


def check_schema(model, ctx):
    by_table: dict = {}
    for index in model.indexes.values():
        by_table.setdefault(index.table, []).append(index)
    for table in model.tables.values():
        # Tables that predate the history: their indexes are unknown, so stay silent.
        if table.kind != "table" or table.persistence == "t" or table.external:
            continue
        for con in table.constraints.values():
            if con.kind != "foreign" or not con.columns or con.site is None:
                continue
            if covers_foreign_key(con.columns, by_table.get(table.key, ())):
                continue
            # A partition's FK is served by an index on its partitioned parent.
            if table.partition_of and covers_foreign_key(con.columns, by_table.get(table.partition_of, ())):
                continue
            name = display_name(table.key)
            cols = ", ".join(quote_ident(c) for c in con.columns)
            # The name `schemalint indexes` proposes: the naming-convention rule's pattern.
            idx = quote_ident(foreign_key_index_name(ctx.config, table.key[1], con.columns))
            ref = display_name(con.ref_table) if con.ref_table else "its parent"
            yield ctx.report(
                f"foreign key `{con.name}` on `{name}` ({cols}) has no index leading with its "
                f"columns: deletes from `{ref}` scan `{name}`",
                site=con.site,
                help=f"Add an index (CONCURRENTLY, outside a transaction block):\n"
                     f"    CREATE INDEX CONCURRENTLY {idx} ON {name} ({cols});",
            )

