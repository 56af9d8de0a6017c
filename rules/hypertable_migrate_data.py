from schemalint.rulekit import (
    Rule,
    Severity,
    call_argument,
    display_name,
    function_calls,
    is_true,
    regclass_key,
)

RULE = Rule(
    code="SL703",
    name="hypertable-migrate-data",
    category="extensions",
    severity=Severity.ERROR,
    summary="create_hypertable(..., migrate_data => true) on an existing table: an ACCESS "
            "EXCLUSIVE lock for the whole copy.",
    why="With `migrate_data`, TimescaleDB's `create_hypertable` moves every row of the table "
        "into chunks in one transaction, holding an ACCESS EXCLUSIVE lock on the table (taken "
        "up front so the copy never upgrades its lock: timescaledb pull request 622): reads and "
        "writes wait for the whole copy. Its documentation warns that converting a non-empty "
        "table this way \"can lock the table for a significant amount of time, depending on "
        "how much data is in the table\", and can deadlock with transactions writing to the "
        "tables its foreign keys reference. Active when the history creates the `timescaledb` "
        "extension or the configuration lists it in `extensions`.",
    instead="Create a new hypertable with the same columns, point writes at it, copy the old "
            "rows over in batches, then swap the names in one short transaction (TimescaleDB's "
            "\"migrate data from the same database\" guide).",
    ok_when="The table was created in the same migration file, so it holds no rows yet and "
            "nothing reads or writes it.",
    bad=("CREATE EXTENSION IF NOT EXISTS timescaledb;\n"
         "SELECT create_hypertable('conditions', by_range('time'), migrate_data => true);",),
    good=("CREATE EXTENSION IF NOT EXISTS timescaledb;\n"
          "SELECT create_hypertable('conditions', by_range('time'));",
          "CREATE EXTENSION IF NOT EXISTS timescaledb;\n"
          "CREATE TABLE conditions (time timestamptz NOT NULL, location text, temperature "
          "double precision);\n"
          "SELECT create_hypertable('conditions', by_range('time'), migrate_data => true);"),
    node_types=("SelectStmt",),
)


def check(stmt, ctx):
    if "create_hypertable" not in stmt.text.lower() or not ctx.uses_extension("timescaledb"):
        return
    for call in function_calls(stmt.node, "create_hypertable"):
        # Only the named form is read: the positions of migrate_data differ between the
        # API before TimescaleDB 2.13 and the one after it.
        if not is_true(call_argument(call, None, ("migrate_data",))):
            continue
        key = regclass_key(call_argument(call, 0, ("relation", "main_table")), ctx.model.search_schema)
        if key is not None and ctx.created_here(key):
            continue
        table = display_name(key) if key is not None else "the table"
        yield ctx.report(
            f"create_hypertable(..., migrate_data => true) copies every row of `{table}` into "
            "chunks while holding an ACCESS EXCLUSIVE lock on it: reads and writes wait for "
            "the whole copy",
            location=call.get("location"),
            help="Convert without the long lock: create the hypertable empty and fill it in "
                 "batches, then swap names in one short transaction:\n"
                 f"    CREATE TABLE {table}_new (LIKE {table} INCLUDING DEFAULTS INCLUDING "
                 "CONSTRAINTS EXCLUDING INDEXES);\n"
                 f"    SELECT create_hypertable('{table}_new', by_range('<time column>'));\n"
                 f"    INSERT INTO {table}_new SELECT * FROM {table} WHERE <time range>;  "
                 "-- repeat per range\n"
                 f"    ALTER TABLE {table} RENAME TO {table}_old;\n"
                 f"    ALTER TABLE {table}_new RENAME TO {table};",
        )
