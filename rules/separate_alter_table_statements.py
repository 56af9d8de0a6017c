from schemalint.rulekit import (
    LockMode,
    Rule,
    Severity,
    alter_commands,
    alter_subcommand_locks,
    display_name,
    line_of,
    statement_site,
)

RULE = Rule(
    code="SL119",
    name="separate-alter-table-statements",
    category="locking",
    severity=Severity.INFO,
    summary="Several ALTER TABLE statements on one table in one migration could be one statement.",
    why="Each ALTER TABLE waits for and takes its own lock (usually ACCESS EXCLUSIVE) and may scan "
        "or rewrite the table on its own. One ALTER TABLE with several comma-separated actions "
        "takes the lock once and does at most one rewrite and one validation pass.",
    instead="Combine the actions: ALTER TABLE t ADD COLUMN a int, ADD COLUMN b text;",
    ok_when="The table was created in the same migration file; statements that do not need "
            "ACCESS EXCLUSIVE (ADD FOREIGN KEY, VALIDATE CONSTRAINT, ENABLE TRIGGER, SET "
            "STATISTICS, DETACH PARTITION CONCURRENTLY) are left alone: combining them with an "
            "ACCESS EXCLUSIVE action would make their lock stronger.",
    bad=("ALTER TABLE orders ADD COLUMN note text;\nALTER TABLE orders ADD COLUMN tag text;",),
    good=("ALTER TABLE orders ADD COLUMN note text, ADD COLUMN tag text;",
          "CREATE TABLE orders (id bigint);\nALTER TABLE orders ADD COLUMN note text;\n"
          "ALTER TABLE orders ADD COLUMN tag text;"),
    equivalents={"eugene": ("W12",)},
)

# Actions that are better run on their own, or that cannot share a statement.
_ALONE = frozenset({"AT_ValidateConstraint", "AT_DetachPartition", "AT_DetachPartitionFinalize",
                    "AT_AttachPartition"})


def end_of_migration(statements, ctx):
    # Grouped by table first: the locks of each action are worked out only for tables that
    # more than one statement alters (most files alter each table once).
    candidates: dict = {}
    for stmt in statements:
        if stmt.kind != "AlterTableStmt" or stmt.node.get("objtype", "OBJECT_TABLE") != "OBJECT_TABLE":
            continue
        cmds = list(alter_commands(stmt.node))
        if not cmds or any(c.get("subtype") in _ALONE for c in cmds):
            continue
        candidates.setdefault(ctx.key(stmt.node["relation"]), []).append((stmt, cmds))
    groups: dict = {}
    pg = ctx.model.pg_version
    for key, found in candidates.items():
        if len(found) < 2:
            continue
        # Only statements that need ACCESS EXCLUSIVE anyway: folding a SHARE ROW EXCLUSIVE
        # one (ADD FOREIGN KEY, ENABLE TRIGGER) into them would make it stronger.
        groups[key] = [stmt for stmt, cmds in found if all(
            any(c.mode == LockMode.ACCESS_EXCLUSIVE and c.relation == key
                for c in alter_subcommand_locks(cmd, key, ctx.model, pg)) for cmd in cmds)]
    for key, stmts in groups.items():
        if len(stmts) < 2 or ctx.created_here(key):
            continue
        lines = ", ".join(str(line_of(s)) for s in stmts)
        table = display_name(key)
        yield ctx.report(
            f"`{table}` is altered by {len(stmts)} separate ALTER TABLE statements (lines {lines}); "
            "each takes its own lock and may scan or rewrite the table",
            site=statement_site(stmts[1]),
            help="Combine them into one statement with comma-separated actions:\n"
                 f"    ALTER TABLE {table} <action 1>, <action 2>, ...;",
        )
