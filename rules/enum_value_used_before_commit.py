from schemalint.rulekit import Rule, Severity, display_name, line_of, qualified_key, strings

RULE = Rule(
    code="SL515",
    name="enum-value-used-before-commit",
    category="transactions",
    severity=Severity.ERROR,
    summary="An enum value is used in the transaction that added it (PostgreSQL 12+ rejects it).",
    why="Since PostgreSQL 12, ALTER TYPE ... ADD VALUE may run inside a transaction block, but "
        "the new value cannot be used until that transaction commits (ALTER TYPE page): a cast, "
        "a DEFAULT, a CHECK or an INSERT that uses it fails with \"ERROR: unsafe use of new "
        "value ... of enum type\", and the migration stops. Before 12 the ADD VALUE itself fails "
        "in a transaction block (enum-add-value-in-transaction).",
    instead="Add the value in one migration and use it in the next, or COMMIT between the ADD "
            "VALUE and its first use (with your framework: a migration that runs outside a "
            "transaction, or two migrations).",
    ok_when="The ADD VALUE ran outside a transaction block (it commits at once). The values "
            "CREATE TYPE lists are usable at once; a value added by ADD VALUE is not, even to an "
            "enum created in the same transaction.",
    bad=("BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\n"
         "UPDATE orders SET status = 'refunded'::order_status WHERE id = 1;\nCOMMIT;",),
    good=("BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nCOMMIT;\n"
          "UPDATE orders SET status = 'refunded'::order_status WHERE id = 1;",
          "BEGIN;\nCREATE TYPE order_status AS ENUM ('new', 'refunded');\n"
          "CREATE TABLE orders (status order_status DEFAULT 'refunded');\nCOMMIT;"),
    min_pg=12,
    confirmed_by=("migration-failed",),
)


def check(stmt, ctx):
    pending = ctx.session.enum_values_in_tx
    if not pending or stmt.kind in ("AlterEnumStmt", "TransactionStmt", "VariableSetStmt"):
        return
    values = {value for _, value in pending}
    schema = ctx.model.search_schema
    enum_columns = None  # the column types of the tables the statement names, on first need
    targets = _target_types(stmt, ctx)
    for const, typed in _literals(stmt.node, None, values, schema):
        value = const["sval"]["sval"]
        if typed is None and id(const) in targets:
            typed = targets[id(const)]  # the column an INSERT or UPDATE writes it to
        keys = [typed] if typed is not None else [k for (k, v) in pending if v == value]
        found = None
        for key in keys:
            if (key, value) not in pending:
                continue
            if typed is None:
                if enum_columns is None:
                    enum_columns = _enums_of_tables(stmt.node, ctx)
                if key not in enum_columns:
                    continue
            found = key
            break
        if found is None:
            continue
        added = pending[(found, value)]
        yield ctx.report(
            f"'{value}' was added to `{display_name(found)}` on line {line_of(added)} in this same "
            "transaction: PostgreSQL rejects its use until that transaction commits (\"unsafe use "
            "of new value\")",
            location=const.get("location"),
            help="Commit the ADD VALUE first: end the transaction after it (COMMIT;) or move the "
                 "statements that use the value to the next migration.",
        )


def _literals(node, typed, values: set, schema: str):
    """(A_Const, enum key or None) for each string constant among `values`; the key is the type
    of the cast or column definition around it."""
    if isinstance(node, dict):
        const = node.get("A_Const")
        if const is not None:
            sval = (const.get("sval") or {}).get("sval")
            if sval in values:
                yield const, typed
            return
        for wrapper in ("TypeCast", "ColumnDef"):
            inner = node.get(wrapper)
            if inner is not None:
                names = strings((inner.get("typeName") or {}).get("names"))
                key = qualified_key(names, schema) if names else None
                yield from _literals(inner, key, values, schema)
                return
        for v in node.values():
            if isinstance(v, (dict, list)):
                yield from _literals(v, typed, values, schema)
    elif isinstance(node, list):
        for v in node:
            yield from _literals(v, typed, values, schema)


def _target_types(stmt, ctx) -> dict:
    """id(A_Const) -> the type key of the column an INSERT ... VALUES or UPDATE ... SET writes
    that constant to (a plain constant only), for the tables the model knows."""
    node = stmt.node
    if stmt.kind not in ("InsertStmt", "UpdateStmt") or not node.get("relation"):
        return {}
    table = ctx.table(node["relation"])
    if table is None:
        return {}
    schema = ctx.model.search_schema

    def type_of(name):
        col = table.columns.get(name)
        return qualified_key(col.type.split("."), schema) if col is not None else None

    found = {}
    if stmt.kind == "UpdateStmt":
        pairs = [(t.get("ResTarget", {}).get("name"), t.get("ResTarget", {}).get("val") or {})
                 for t in node.get("targetList") or ()]
    else:
        names = [c.get("ResTarget", {}).get("name") for c in node.get("cols") or ()]
        rows = ((node.get("selectStmt") or {}).get("SelectStmt") or {}).get("valuesLists") or ()
        pairs = [(name, item) for row in rows
                 for name, item in zip(names, (row.get("List") or {}).get("items") or ())]
    for name, value in pairs:
        const = value.get("A_Const")
        if const is not None and name:
            key = type_of(name)
            if key is not None:
                found[id(const)] = key
    return found


def _enums_of_tables(node, ctx) -> set:
    """The types of the columns of every table the statement names (an INSERT's or UPDATE's
    target, a table in FROM, an ALTER TABLE's)."""
    found: set = set()
    schema = ctx.model.search_schema
    for rangevar in _rangevars(node):
        table = ctx.table(rangevar)
        if table is not None:
            found.update(qualified_key(col.type.split("."), schema) for col in table.columns.values())
    return found


def _rangevars(node):
    if isinstance(node, dict):
        if "relname" in node:
            yield node
            return
        for v in node.values():
            if isinstance(v, (dict, list)):
                yield from _rangevars(v)
    elif isinstance(node, list):
        for v in node:
            yield from _rangevars(v)
