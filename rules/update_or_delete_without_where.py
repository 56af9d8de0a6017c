from schemalint.rulekit import Rule, Severity, display_name, quote_ident

RULE = Rule(
    code="SL123",
    name="update-or-delete-without-where",
    category="locking",
    severity=Severity.WARNING,
    summary="UPDATE or DELETE of every row of an existing table in one migration statement.",
    why="An UPDATE or DELETE without WHERE touches every row in one transaction: it row-locks all "
        "of them (concurrent updates of any row wait), writes a new version of each row (table "
        "and index bloat, a WAL burst, replication lag) and holds it all until COMMIT.",
    instead="Backfill in batches, each in its own transaction, e.g. by primary key ranges, until "
            "no row is left; or run it outside the migration.",
    ok_when="The table was created in the same migration file.",
    bad=("UPDATE orders SET status = 'new';", "DELETE FROM sessions;"),
    good=("UPDATE orders SET status = 'new' WHERE id BETWEEN 1 AND 10000 AND status IS NULL;",
          "CREATE TABLE orders (id bigint, status text);\nUPDATE orders SET status = 'new';"),
    node_types=("UpdateStmt", "DeleteStmt"),
    equivalents={"strong_migrations": ("backfill", "change_column_null"),
                 "pgfence": ("update-in-migration", "delete-without-where")},
)


def check(stmt, ctx):
    node = stmt.node
    rel = node.get("relation")
    if rel is None or node.get("whereClause") is not None or ctx.created_here(rel):
        return
    key = ctx.key(rel)
    table = display_name(key)
    model_table = ctx.table(key)
    pk = model_table.primary_key() if model_table else None
    id_col = quote_ident(pk.columns[0]) if pk and len(pk.columns) == 1 else "id"
    verb = "UPDATE" if stmt.kind == "UpdateStmt" else "DELETE"
    if verb == "UPDATE":
        sets = stmt.text[stmt.text.upper().find(" SET ") + 5:].strip() if " SET " in stmt.text.upper() else "..."
        batch = (f"    UPDATE {table} SET {sets}\n"
                 f"    WHERE {id_col} IN (SELECT {id_col} FROM {table} WHERE <not yet updated> LIMIT 10000);")
    else:
        batch = (f"    DELETE FROM {table}\n"
                 f"    WHERE {id_col} IN (SELECT {id_col} FROM {table} LIMIT 10000);")
    yield ctx.report(
        f"this {verb} touches every row of `{table}` in one transaction: all rows stay locked and "
        "rewritten versions pile up until it commits",
        location=rel.get("location"),
        help="Run it in batches, each in its own transaction, until it affects 0 rows:\n" + batch,
    )
