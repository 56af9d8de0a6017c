from schemalint.rulekit import Rule, Severity, alter_commands, display_name, strings

RULE = Rule(
    code="SL125",
    name="attach-partition-without-check",
    category="locking",
    severity=Severity.WARNING,
    summary="ATTACH PARTITION scans the whole partition under ACCESS EXCLUSIVE unless a validated "
            "CHECK constraint already implies its bound.",
    why="ALTER TABLE ... ATTACH PARTITION takes ACCESS EXCLUSIVE on the table being attached "
        "(and on the default partition, if any) and SHARE UPDATE EXCLUSIVE on the parent "
        "(ACCESS EXCLUSIVE before PostgreSQL 12), then scans every row of the new partition to "
        "check it fits the partition bound: the partition cannot be read or written for the "
        "whole scan. PostgreSQL skips the scan when a valid CHECK constraint on the partition "
        "implies the bound (ALTER TABLE page, ATTACH PARTITION).",
    instead="Before attaching, add a CHECK constraint matching the bound NOT VALID, VALIDATE it "
            "(SHARE UPDATE EXCLUSIVE: reads and writes go on), attach, then drop the CHECK.",
    ok_when="A validated CHECK constraint on the partition implies the bound (range bounds "
            "written as `key >= from AND key < to`, list bounds as `key IN (...)` or `key = "
            "value`, with the same constants; the key NOT NULL, which those comparisons imply; a "
            "CHECK with other constants that still implies the bound is not recognised); the "
            "partition was created in the same migration file.",
    bad=("ALTER TABLE events ATTACH PARTITION events_2024\n"
         "    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",),
    good=("ALTER TABLE events_2024 ADD CONSTRAINT events_2024_bound\n"
          "    CHECK (created_at >= '2024-01-01' AND created_at < '2025-01-01') NOT VALID;\n"
          "ALTER TABLE events_2024 VALIDATE CONSTRAINT events_2024_bound;\n"
          "ALTER TABLE events ATTACH PARTITION events_2024\n"
          "    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
          "CREATE TABLE events_2024 (LIKE events);\n"
          "ALTER TABLE events ATTACH PARTITION events_2024\n"
          "    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"),
    node_types=("AlterTableStmt.AT_AttachPartition",),
    confirmed_by=("long-blocking-lock", "blocking-lock-without-timeout"),
)


def check(stmt, ctx):
    if stmt.node.get("objtype") != "OBJECT_TABLE":
        return  # ALTER INDEX ... ATTACH PARTITION scans nothing
    parent = display_name(ctx.key(stmt.node["relation"]))
    for cmd in alter_commands(stmt.node):
        if cmd.get("subtype") != "AT_AttachPartition":
            continue
        part_cmd = (cmd.get("def") or {}).get("PartitionCmd") or {}
        rel = part_cmd.get("name")
        if not rel:
            continue
        key = ctx.key(rel)
        if ctx.created_here(key):
            continue
        table = ctx.table(key)
        if table is not None and _implied(part_cmd.get("bound") or {}, table):
            continue
        name = display_name(key)
        parent_lock = "SHARE UPDATE EXCLUSIVE" if ctx.pg_major >= 12 else "ACCESS EXCLUSIVE"
        yield ctx.report(
            f"ATTACH PARTITION scans every row of `{name}` under ACCESS EXCLUSIVE (and holds "
            f"{parent_lock} on `{parent}`): no validated CHECK constraint on `{name}` implies its "
            "bound, so reads and writes of it wait for the whole scan",
            location=rel.get("location"),
            help="Prove the bound first, without blocking, so the attach skips the scan:\n"
                 f"    ALTER TABLE {name} ADD CONSTRAINT {key[1]}_bound\n"
                 f"        CHECK ({_check_sql(part_cmd.get('bound') or {})}) NOT VALID;\n"
                 f"    ALTER TABLE {name} VALIDATE CONSTRAINT {key[1]}_bound;\n"
                 f"    -- then ATTACH PARTITION, and DROP CONSTRAINT {key[1]}_bound",
        )


def _check_sql(bound: dict) -> str:
    """A CHECK expression that implies `bound`, for the help (the key column left to fill in)."""
    if bound.get("strategy") == "l":
        return f"<key> IN ({', '.join(_literal(d) for d in bound.get('listdatums') or ())})"
    lower, upper = bound.get("lowerdatums") or (), bound.get("upperdatums") or ()
    if bound.get("strategy") == "r" and len(lower) == 1 and len(upper) == 1:
        parts = [f"<key> {op} {_literal(d)}" for op, d in ((">=", lower[0]), ("<", upper[0]))
                 if _const(d) is not _UNBOUNDED]
        return " AND ".join(parts) or "<key> IS NOT NULL"
    return "<the partition's bound>"


def _literal(node: dict) -> str:
    value = _const(node)
    if isinstance(value, tuple):
        kind, v = value
        return "'" + str(v).replace("'", "''") + "'" if kind == "sval" else str(v)
    return "<value>"


def _implied(bound: dict, table) -> bool:
    """A validated CHECK of `table` implies the partition bound, in the forms PostgreSQL's
    predicate proof accepts for certain (predtest.c): the same constants, one key column."""
    if bound.get("is_default") or bound.get("strategy") not in ("r", "l"):
        return False  # DEFAULT and HASH bounds are not provable by a plain CHECK
    conjuncts = [c for con in table.constraints.values()
                 if con.kind == "check" and con.validated and con.expr
                 for c in _and_args(con.expr)]
    if bound["strategy"] == "l":
        values = {_const(d) for d in bound.get("listdatums") or ()}
        return any(_in_list(c, values) for c in conjuncts)
    lower, upper = bound.get("lowerdatums") or (), bound.get("upperdatums") or ()
    if len(lower) != 1 or len(upper) != 1:
        return False  # multi-column range keys: not judged
    lo, hi = _const(lower[0]), _const(upper[0])
    columns = {col for c in conjuncts for col in (_compared(c, lo, (">=",), ("<=",)),) if col}
    if lo is _UNBOUNDED:
        columns = {col for c in conjuncts for col in (_compared(c, hi, ("<",), (">",)),) if col}
    for col in columns:
        has_lo = lo is _UNBOUNDED or any(_compared(c, lo, (">=",), ("<=",)) == col for c in conjuncts)
        has_hi = hi is _UNBOUNDED or any(_compared(c, hi, ("<",), (">",)) == col for c in conjuncts)
        not_null = (lo is not _UNBOUNDED or hi is not _UNBOUNDED
                    or (col in table.columns and table.columns[col].not_null))
        if has_lo and has_hi and not_null:
            return True
    return False


_UNBOUNDED = object()  # MINVALUE / MAXVALUE


def _const(node: dict):
    """A bound datum or a CHECK operand as a comparable value; casts stripped."""
    while "TypeCast" in node:
        node = node["TypeCast"].get("arg") or {}
    const = node.get("A_Const")
    if const is not None:
        for field in ("sval", "ival", "fval", "boolval"):
            if field in const:
                inner = const[field] or {}
                return field, next(iter(inner.values()), 0 if field == "ival" else "")
        return None
    column = node.get("ColumnRef")
    if column is not None and strings(column.get("fields")) in (["minvalue"], ["maxvalue"]):
        return _UNBOUNDED
    return object()  # an expression: equal to nothing


def _column(node: dict) -> str | None:
    column = node.get("ColumnRef")
    names = strings(column.get("fields")) if column else []
    return names[-1] if names else None


def _compared(expr: dict, value, ops: tuple, flipped: tuple) -> str | None:
    """The column of `column <op> value` (or `value <flipped op> column`)."""
    a = expr.get("A_Expr")
    if not a or a.get("kind") != "AEXPR_OP":
        return None
    op = strings(a.get("name"))[-1:]
    left, right = a.get("lexpr") or {}, a.get("rexpr") or {}
    if op and op[0] in ops and _column(left) and _const(right) == value:
        return _column(left)
    if op and op[0] in flipped and _column(right) and _const(left) == value:
        return _column(right)
    return None


def _in_list(expr: dict, values: set) -> bool:
    """`column IN (...)` or `column = value` allowing only values of the list bound."""
    a = expr.get("A_Expr")
    if not a or not _column(a.get("lexpr") or {}):
        return False
    if a.get("kind") == "AEXPR_IN":
        items = ((a.get("rexpr") or {}).get("List") or {}).get("items") or ()
        return bool(items) and all(_const(i) in values for i in items)
    return (a.get("kind") == "AEXPR_OP" and strings(a.get("name")) == ["="]
            and _const(a.get("rexpr") or {}) in values)


def _and_args(expr: dict):
    b = expr.get("BoolExpr")
    if b and b.get("boolop") == "AND_EXPR":
        for arg in b.get("args") or ():
            yield from _and_args(arg)
    else:
        yield expr
