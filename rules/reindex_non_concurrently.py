import re

from schemalint.rulekit import (
    Edit,
    Fix,
    Rule,
    Severity,
    display_name,
    lazy,
    lock_sentence,
    option_on,
    split_note,
    strongest,
)

RULE = Rule(
    code="SL116",
    name="reindex-non-concurrently",
    category="locking",
    severity=Severity.ERROR,
    summary="REINDEX without CONCURRENTLY blocks writes to the table and reads that use the index.",
    why="REINDEX takes a SHARE lock on the table (no INSERT, UPDATE or DELETE) and an ACCESS "
        "EXCLUSIVE lock on each index it rebuilds, so queries planned to use the index block too, "
        "for the whole rebuild. REINDEX CONCURRENTLY (PostgreSQL 12+) takes only SHARE UPDATE "
        "EXCLUSIVE.",
    instead="REINDEX ... CONCURRENTLY in a migration outside a transaction block (PostgreSQL 12+). "
            "Before 12: CREATE INDEX CONCURRENTLY a copy, DROP INDEX CONCURRENTLY the old one, "
            "and rename the copy.",
    ok_when="The table was created in the same migration file.",
    bad=("REINDEX INDEX orders_customer_id_idx;", "REINDEX TABLE orders;"),
    good=("REINDEX INDEX CONCURRENTLY orders_customer_id_idx;",
          "REINDEX TABLE CONCURRENTLY orders;"),
    node_types=("ReindexStmt",),
    fix="safe",
    equivalents={"squawk": ("require-concurrent-reindex",)},
    confirmed_by=("long-blocking-lock", "blocking-lock-without-timeout"),
)

# REINDEX [ ( option, ... ) ] { INDEX | TABLE | SCHEMA | DATABASE } [ CONCURRENTLY ] name
_KIND = lazy(r"REINDEX\s*(?:\([^)]*\)\s*)?(?:INDEX|TABLE|SCHEMA|DATABASE)\b", re.I)
_WORD = {"REINDEX_OBJECT_INDEX": "INDEX", "REINDEX_OBJECT_TABLE": "TABLE",
         "REINDEX_OBJECT_SCHEMA": "SCHEMA", "REINDEX_OBJECT_DATABASE": "DATABASE"}


def check(stmt, ctx):
    node = stmt.node
    word = _WORD.get(node.get("kind", ""))
    if word is None:  # REINDEX SYSTEM has no CONCURRENTLY form
        return
    if option_on(node.get("params"), "concurrently"):
        return
    rel = node.get("relation")
    target = display_name(ctx.key(rel)) if rel else node.get("name", "")
    table_key = None
    if rel is not None:
        key = ctx.key(rel)
        index = ctx.model.indexes.get(key) if word == "INDEX" else None
        table_key = index.table if index is not None else (key if word == "TABLE" else None)
        if table_key is not None and ctx.created_here(table_key):
            return
    claims = ctx.locks.claims(stmt)
    on_table = (f"takes {lock_sentence(strongest(claims, table_key), display_name(table_key))} and "
                if table_key else "takes a SHARE lock on each table (writes blocked) and ")
    message = (f"REINDEX {word} {target} {on_table}an ACCESS EXCLUSIVE lock on each index it "
               "rebuilds, so queries that use the index block too")
    if ctx.pg_major < 12:
        yield ctx.report(
            message,
            location=rel.get("location") if rel else None,
            help="Before PostgreSQL 12 there is no REINDEX CONCURRENTLY: build a copy with CREATE "
                 "INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY the old index, then rename the copy.",
        )
        return
    m = _KIND().match(stmt.text)
    fix = None
    explicit = any(p.get("DefElem", {}).get("defname") == "concurrently" for p in node.get("params") or ())
    if m and not ctx.in_transaction and not explicit:  # (CONCURRENTLY false): the user's edit
        pos = stmt.start + m.end()
        # REINDEX CONCURRENTLY fails in a transaction block: the implicit one of a query
        # string of several statements too.
        fix = Fix("add CONCURRENTLY", (Edit(pos, pos, " CONCURRENTLY"),), safe=not ctx.in_transaction_block)
    yield ctx.report(
        message,
        location=rel.get("location") if rel else None,
        help="Rebuild it without blocking, in a migration outside a transaction block:\n"
             f"    REINDEX {word} CONCURRENTLY {target};" + split_note(ctx),
        fix=fix,
    )
