from schemalint.rulekit import Edit, Fix, Rule, Severity, alter_commands, display_name, split_note

RULE = Rule(
    code="SL117",
    name="detach-partition-non-concurrently",
    category="locking",
    severity=Severity.WARNING,
    summary="DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on the partitioned table.",
    why="A plain ALTER TABLE ... DETACH PARTITION takes ACCESS EXCLUSIVE on the parent table and "
        "the partition: while it waits for running queries, every new read and write of the "
        "parent queues behind it. PostgreSQL 14 added DETACH PARTITION ... CONCURRENTLY, which "
        "takes only SHARE UPDATE EXCLUSIVE. Before 14 there is no alternative, so the rule "
        "applies from 14 on.",
    instead="ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY, alone in its ALTER TABLE, in a "
            "migration outside a transaction block (it cannot be used when the parent has a "
            "default partition).",
    ok_when="The parent table was created in the same migration file.",
    bad=("ALTER TABLE measurements DETACH PARTITION measurements_2020;",),
    good=("ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY;",),
    node_types=("AlterTableStmt.AT_DetachPartition",),
    min_pg=14,
    fix="safe",
    equivalents={"squawk": ("require-concurrent-partition-detach",)},
    confirmed_by=("long-blocking-lock", "blocking-lock-without-timeout"),
)


def check(stmt, ctx):
    node = stmt.node
    rel = node["relation"]
    if ctx.created_here(rel):
        return
    cmds = list(alter_commands(node))
    for cmd in cmds:
        part = (cmd.get("def") or {}).get("PartitionCmd", {})
        if cmd.get("subtype") != "AT_DetachPartition" or part.get("concurrent"):
            continue
        parent = display_name(ctx.key(rel))
        child = display_name(ctx.key(part["name"])) if part.get("name") else "the partition"
        fix = None
        if len(cmds) == 1 and not ctx.in_transaction and part.get("name"):
            _, end = stmt.span_at(part["name"].get("location"))
            # DETACH PARTITION CONCURRENTLY fails in a transaction block: the implicit one
            # of a query string of several statements too.
            fix = Fix("add CONCURRENTLY", (Edit(end, end, " CONCURRENTLY"),), safe=not ctx.in_transaction_block)
        yield ctx.report(
            f"detaching `{child}` takes an ACCESS EXCLUSIVE lock on `{parent}`: reads and writes "
            "of the whole partitioned table queue behind it",
            location=part["name"].get("location") if part.get("name") else None,
            help="Detach it without blocking (PostgreSQL 14+), in a migration outside a transaction "
                 f"block:\n    ALTER TABLE {parent} DETACH PARTITION {child} CONCURRENTLY;" + split_note(ctx),
            fix=fix,
        )
