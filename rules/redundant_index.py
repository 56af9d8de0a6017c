from schemalint.rulekit import Rule, Severity, display_name, quote_ident, redundant_indexes

RULE = Rule(
    code="SL305",
    name="redundant-index",
    category="schema",
    severity=Severity.WARNING,
    summary="An index that duplicates another, or whose columns are a prefix of another btree index.",
    why="Every index slows down each INSERT and UPDATE, takes disk and memory, and adds to "
        "vacuum work. An index identical to another (same method, elements, predicate and "
        "uniqueness) is pure cost; a non-unique btree index on (a) is served just as well by an "
        "index on (a, b) with the same predicate.",
    instead="Drop the redundant index (DROP INDEX CONCURRENTLY). Keep a unique index even when "
            "it is a prefix of another: it enforces a constraint.",
    ok_when="The indexes differ in method, predicate, uniqueness of the shorter one, expressions, "
            "operator classes or ordering, or the shorter one has INCLUDE columns.",
    bad=("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, placed_at timestamptz);\n"
         "CREATE INDEX orders_customer_idx ON orders (customer_id);\n"
         "CREATE INDEX orders_customer_placed_idx ON orders (customer_id, placed_at);",
         "CREATE TABLE orders (id bigint PRIMARY KEY);\nCREATE UNIQUE INDEX orders_id_idx ON orders (id);"),
    good=("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, placed_at timestamptz);\n"
          "CREATE INDEX orders_customer_idx ON orders (customer_id) WHERE placed_at IS NULL;\n"
          "CREATE INDEX orders_customer_placed_idx ON orders (customer_id, placed_at);",),
    scope="schema",
)


def check_schema(model, ctx):
    valid = (idx for idx in model.indexes.values() if idx.valid and idx.site is not None)
    for table_key, short, how, long in redundant_indexes(valid):
        name = quote_ident(short.name)
        yield ctx.report(
            f"index `{name}` {how} `{quote_ident(long.name)}` on "
            f"`{display_name(table_key)}`: it costs writes and space and serves no query "
            "the other cannot",
            site=short.site,
            help=f"Drop it, without blocking writes:\n    DROP INDEX CONCURRENTLY {display_name((table_key[0], short.name))};",
        )
