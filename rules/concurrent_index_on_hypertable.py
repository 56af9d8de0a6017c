from schemalint.rulekit import Rule, Severity, display_name

RULE = Rule(
    code="SL706",
    name="concurrent-index-on-hypertable",
    category="extensions",
    severity=Severity.ERROR,
    summary="CREATE INDEX CONCURRENTLY on a TimescaleDB hypertable, which TimescaleDB refuses.",
    why="TimescaleDB does not support CREATE INDEX CONCURRENTLY on hypertables (its CREATE "
        "INDEX reference: `WITH (timescaledb.transaction_per_chunk)` \"can be used as an "
        "alternative to CREATE INDEX CONCURRENTLY, which is not currently supported on "
        "hypertables\"): the migration fails where it runs. Active when the history creates "
        "the `timescaledb` extension or the configuration lists it in `extensions`; a table "
        "is a hypertable once the history calls `create_hypertable` on it or creates it "
        "`WITH (timescaledb.hypertable)`.",
    instead="`CREATE INDEX ... WITH (timescaledb.transaction_per_chunk)`: each chunk is indexed "
            "in its own transaction, so only the chunk being indexed waits. It is not "
            "supported for UNIQUE indexes, which need a plain CREATE UNIQUE INDEX at a quiet "
            "time.",
    bad=("CREATE EXTENSION IF NOT EXISTS timescaledb;\n"
         "SELECT create_hypertable('conditions', by_range('time'));\n"
         "CREATE INDEX CONCURRENTLY conditions_location_idx ON conditions (location, time DESC);",),
    good=("CREATE EXTENSION IF NOT EXISTS timescaledb;\n"
          "SELECT create_hypertable('conditions', by_range('time'));\n"
          "CREATE INDEX conditions_location_idx ON conditions (location, time DESC)\n"
          "    WITH (timescaledb.transaction_per_chunk);",),
    node_types=("IndexStmt",),
)


def check(stmt, ctx):
    node = stmt.node
    if not node.get("concurrent") or not ctx.uses_extension("timescaledb"):
        return
    key = ctx.key(node["relation"])
    if key not in ctx.model.hypertables:
        return
    text = stmt.text
    at = text.upper().find("CONCURRENTLY")
    sql = (text[:at] + text[at + len("CONCURRENTLY"):].lstrip()).rstrip() if at != -1 else text
    yield ctx.report(
        f"`{display_name(key)}` is a TimescaleDB hypertable, which does not support CREATE INDEX "
        "CONCURRENTLY: this migration fails",
        location=node["relation"].get("location"),
        help=_help(node, sql),
    )


def _help(node: dict, sql: str) -> str:
    if node.get("unique"):
        return ("A UNIQUE index on a hypertable has no non-blocking form: build it at a quiet "
                "time, without CONCURRENTLY.")
    if node.get("options") or node.get("whereClause") or node.get("tableSpace"):
        # WITH (...) goes before TABLESPACE and WHERE: say where rather than rewrite.
        return ("Drop CONCURRENTLY and add `timescaledb.transaction_per_chunk` to the index's "
                "WITH (...) options, so each chunk is indexed in its own transaction.")
    return ("Index one chunk at a time, each in its own transaction:\n"
            "    " + sql.replace("\n", "\n    ") + "\n        WITH (timescaledb.transaction_per_chunk);")
