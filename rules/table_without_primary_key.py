from schemalint.rulekit import Rule, Severity, display_name, quote_ident

RULE = Rule(
    code="SL304",
    name="table-without-primary-key",
    category="schema",
    severity=Severity.WARNING,
    summary="A table without a primary key at the end of the history.",
    why="Without a primary key rows cannot be addressed reliably (duplicates are possible), "
        "logical replication cannot replicate UPDATE and DELETE (no replica identity), and "
        "most ORMs and tools such as pg_repack require one. The check runs on the final schema, "
        "so a key added in a later migration counts.",
    instead="Add a primary key: `id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`, or a "
            "composite key over the columns that identify a row (e.g. both ids of a join table).",
    ok_when="A primary key is added later, the table is a partition of a table with a primary "
            "key, or it is temporary. Tables older than the history (only seen in ALTERs) are "
            "not judged.",
    bad=("CREATE TABLE order_events (order_id bigint, payload jsonb);",),
    good=("CREATE TABLE order_events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, order_id bigint);",
          "CREATE TABLE tags (post_id bigint, tag text);\n"
          "ALTER TABLE tags ADD PRIMARY KEY (post_id, tag);"),
    scope="schema",
)


def _has_pk(model, table, seen=()) -> bool:
    if table.primary_key() is not None:
        return True
    # A partition inherits the parent's primary key (PostgreSQL 11+ creates it on attach).
    parent = model.tables.get(table.partition_of) if table.partition_of else None
    return parent is not None and parent.key not in seen and _has_pk(model, parent, (*seen, table.key))


def check_schema(model, ctx):
    for table in model.tables.values():
        if table.kind != "table" or table.persistence == "t" or table.site is None or table.external:
            continue
        if _has_pk(model, table):
            continue
        parent = model.tables.get(table.partition_of) if table.partition_of else None
        if parent is not None and parent.site is not None and not parent.external:
            continue  # reported once, at the partitioned table
        name = display_name(table.key)
        yield ctx.report(
            f"table `{name}` has no primary key: rows cannot be addressed reliably and logical "
            "replication cannot replicate its UPDATEs and DELETEs",
            site=table.site,
            help="Add one, e.g.:\n"
                 f"    ALTER TABLE {name} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;\n"
                 f"    -- or over the identifying columns:\n"
                 f"    ALTER TABLE {name} ADD PRIMARY KEY ({', '.join(quote_ident(c) for c in list(table.columns)[:2]) or '...'});",
        )
