from schemalint.rulekit import (
    Edit,
    Fix,
    Rule,
    Severity,
    claim_on,
    display_name,
    lock_sentence,
    split_note,
    strings,
)

RULE = Rule(
    code="SL102",
    name="drop-index-non-concurrently",
    category="locking",
    severity=Severity.WARNING,
    summary="DROP INDEX without CONCURRENTLY blocks reads and writes on the table.",
    why="A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table; while it waits "
        "for running queries, every new query on the table queues behind it.",
    instead="DROP INDEX CONCURRENTLY, in a migration that does not run inside a transaction block.",
    ok_when="The index's table was created in the same migration file.",
    bad=("DROP INDEX orders_customer_id_idx;",),
    good=("DROP INDEX CONCURRENTLY orders_customer_id_idx;",),
    node_types=("DropStmt",),
    fix="safe",
    equivalents={"squawk": ("require-concurrent-index-deletion",),
                 "strong_migrations": ("remove_index",),
                 "pgfence": ("drop-index-not-concurrent",)},
    confirmed_by=("long-blocking-lock", "blocking-lock-without-timeout"),
)


def check(stmt, ctx):
    node = stmt.node
    if node.get("removeType") != "OBJECT_INDEX" or node.get("concurrent"):
        return
    for obj in node.get("objects") or ():
        names = strings(obj.get("List", {}).get("items"))
        key = ctx.model.qualified(names)
        index = ctx.model.indexes.get(key)
        if index is not None and ctx.created_here(index.table):
            continue
        on = (lock_sentence(claim_on(ctx, stmt, index.table), display_name(index.table))
              if index else "an ACCESS EXCLUSIVE lock on its table")
        text = stmt.text
        at = text.upper().find("INDEX")
        pos = stmt.start + at + len("INDEX")
        table = ctx.table(index.table) if index else None
        if table is not None and table.partitioned:
            # "DROP INDEX CONCURRENTLY ... cannot be used on a partitioned index" (DROP INDEX
            # page, up to PG 18): no concurrent form, so no fix; bound the wait instead.
            yield ctx.report(
                f"dropping index `{display_name(key)}` takes {on} and on every partition; while it "
                "waits for running queries, new ones queue behind it",
                help="A partitioned index cannot be dropped CONCURRENTLY. Bound the wait and retry:\n"
                     "    SET lock_timeout = '2s';\n"
                     f"    DROP INDEX {'IF EXISTS ' if node.get('missing_ok') else ''}{display_name(key)};",
            )
            return
        yield ctx.report(
            f"dropping index `{display_name(key)}` takes {on}; while it waits for running "
            "queries, new ones queue behind it",
            help="Drop it without blocking, in a migration outside a transaction block:\n"
                 f"    DROP INDEX CONCURRENTLY {'IF EXISTS ' if node.get('missing_ok') else ''}"
                 f"{display_name(key)};" + split_note(ctx),
            # DROP INDEX CONCURRENTLY fails inside a transaction block, and takes one index
            # and no CASCADE.
            fix=Fix("add CONCURRENTLY (safe only outside a transaction block)",
                    (Edit(pos, pos, " CONCURRENTLY"),), safe=not ctx.in_transaction_block)
            if at != -1 and len(node["objects"]) == 1 and node.get("behavior") != "DROP_CASCADE"
            else None,
        )
        return
