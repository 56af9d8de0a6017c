from schemalint.rulekit import (
    Edit,
    Fix,
    Rule,
    Severity,
    claim_on,
    display_name,
    lock_sentence,
    split_note,
)

RULE = Rule(
    code="SL101",
    name="create-index-non-concurrently",
    category="locking",
    severity=Severity.ERROR,
    summary="CREATE INDEX without CONCURRENTLY blocks writes to the table for the whole build.",
    why="A plain CREATE INDEX takes a SHARE lock on the table: reads go on, but every INSERT, "
        "UPDATE and DELETE waits until the index is built, which on a large table takes minutes.",
    instead="CREATE INDEX CONCURRENTLY, in a migration that does not run inside a transaction "
            "block. It takes SHARE UPDATE EXCLUSIVE, which does not block reads or writes.",
    ok_when="The table was created in the same migration file: nothing reads or writes it yet. "
            "Or the index is built on a TimescaleDB hypertable `WITH "
            "(timescaledb.transaction_per_chunk)`, one chunk at a time (TimescaleDB refuses "
            "CONCURRENTLY on hypertables).",
    bad=("CREATE INDEX orders_customer_id_idx ON orders (customer_id);",),
    good=(
        "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);",
        "CREATE TABLE orders (id bigint, customer_id bigint);\n"
        "CREATE INDEX orders_customer_id_idx ON orders (customer_id);",
    ),
    node_types=("IndexStmt",),
    fix="safe",
    equivalents={"squawk": ("require-concurrent-index-creation",),
                 "eugene": ("E6",),
                 "strong_migrations": ("add_index", "add_reference"),
                 "pgfence": ("create-index-not-concurrent",)},
    confirmed_by=("long-blocking-lock", "blocking-lock-without-timeout"),
)


def check(stmt, ctx):
    node = stmt.node
    if node.get("concurrent") or ctx.created_here(node["relation"]):
        return
    key = ctx.key(node["relation"])
    model_table = ctx.table(key)
    if model_table is not None and model_table.partitioned and not node["relation"].get("inh"):
        # CREATE INDEX ... ON ONLY a partitioned table builds nothing: the parent's index is
        # created invalid, instantly, for partitions' indexes to be attached (CREATE INDEX page).
        return
    if any((o.get("DefElem") or {}).get("defname") == "transaction_per_chunk"
           and (o.get("DefElem") or {}).get("defnamespace") == "timescaledb"
           for o in node.get("options") or ()):
        # TimescaleDB's replacement for CONCURRENTLY on hypertables: one chunk at a time.
        return
    table = display_name(key)
    # Insert CONCURRENTLY right after INDEX (after UNIQUE INDEX as well).
    text = stmt.text
    upper = text.upper()
    at = upper.find("INDEX")
    fix = None
    if at != -1:
        pos = stmt.start + at + len("INDEX")
        # CREATE INDEX CONCURRENTLY fails inside a transaction block (the implicit one of a
        # query string of several statements too): safe only outside one.
        fix = Fix("add CONCURRENTLY (safe only outside a transaction block)",
                  (Edit(pos, pos, " CONCURRENTLY"),), safe=not ctx.in_transaction_block)
    sql = text.replace(text[at:at + 5], "INDEX CONCURRENTLY", 1) if at != -1 else text
    help_text = ("Build it without blocking writes, in a migration outside a transaction block:\n"
                 "    " + sql.replace("\n", "\n    ") + ";" + split_note(ctx))
    method = node.get("accessMethod")
    vector = method in ("hnsw", "ivfflat")
    if vector:
        # pgvector's README ("Index Build Time"): builds are much faster while the graph fits
        # in maintenance_work_mem; past it pgvector notices "hnsw graph no longer fits".
        help_text = ("Give the build memory and workers in the same session, then build it "
                     "without blocking writes, outside a transaction block:\n"
                     "    SET maintenance_work_mem = '8GB';  -- within the server's free memory\n"
                     "    SET max_parallel_maintenance_workers = 7;\n"
                     "    " + sql.replace("\n", "\n    ") + ";" + split_note(ctx))
    if key in ctx.model.hypertables:
        # TimescaleDB refuses CONCURRENTLY on a hypertable (concurrent-index-on-hypertable).
        help_text = ("CONCURRENTLY does not work on a TimescaleDB hypertable. Instead, index one "
                     "chunk at a time, each in its own transaction (not for UNIQUE indexes):\n"
                     "    CREATE INDEX ... WITH (timescaledb.transaction_per_chunk);")
        fix = None
    elif model_table is not None and model_table.partitioned:
        # CREATE INDEX CONCURRENTLY is not supported on a partitioned table (up to PG 18):
        # build an invalid parent index ON ONLY, then each partition's concurrently, then attach.
        name = node.get("idxname") or "<index>"
        help_text = (
            "CONCURRENTLY does not work on a partitioned table. Instead:\n"
            f"    CREATE INDEX {name} ON ONLY {table} (...);  -- instant, the index starts invalid\n"
            f"    -- for each partition, outside a transaction block:\n"
            f"    CREATE INDEX CONCURRENTLY <partition>_idx ON <partition> (...);\n"
            f"    ALTER INDEX {name} ATTACH PARTITION <partition>_idx;"
        )
        fix = None
    yield ctx.report(
        f"building this index takes {lock_sentence(claim_on(ctx, stmt, key), table)} "
        "until the build finishes"
        + (f"; pgvector {method} builds on a large table can take hours, much longer once "
           "they outgrow `maintenance_work_mem`" if vector else ""),
        location=node["relation"].get("location"),
        help=help_text,
        fix=fix,
    )
