from schemalint.rulekit import Rule, Severity, set_config_calls

RULE = Rule(
    code="SL513",
    name="set-local-outside-transaction",
    category="transactions",
    severity=Severity.WARNING,
    summary="SET LOCAL (or set_config(..., true)) outside a transaction block does nothing.",
    why="A LOCAL setting lasts until the end of the current transaction. Outside a transaction "
        "block each statement is its own transaction, so PostgreSQL only prints \"WARNING: SET "
        "LOCAL can only be used in transaction blocks\" and the setting never applies (the SET "
        "page); set_config(name, value, true) ends with its own SELECT, silently. A `SET LOCAL "
        "lock_timeout` meant to protect the next statements protects nothing.",
    instead="Use plain SET (it lasts for the session), or put the SET LOCAL inside the BEGIN ... "
            "COMMIT of the statements it should cover.",
    ok_when="The statement runs inside a transaction: an explicit BEGIN, or a framework that "
            "wraps the file in one (its layout, or --assume-in-transaction).",
    bad=("SET LOCAL lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;",
         "SELECT set_config('lock_timeout', '5s', true);"),
    good=("BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;\n"
          "COMMIT;",
          "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;"),
    node_types=("VariableSetStmt", "SelectStmt"),
)


def check(stmt, ctx):
    if ctx.in_transaction:
        return
    node = stmt.node
    if stmt.kind == "VariableSetStmt":
        if not node.get("is_local"):
            return
        name = node.get("name") or "the setting"
        yield ctx.report(
            f"SET LOCAL {name} outside a transaction block does nothing: PostgreSQL warns \"SET "
            "LOCAL can only be used in transaction blocks\" and the setting never applies",
            help=f"Use a plain SET, which lasts for the session:\n    {_plain_set(stmt.text)}",
        )
        return
    for name, _, local, location in set_config_calls(node):
        if local:
            yield ctx.report(
                f"set_config({repr(name) if name else '...'}, ..., true) outside a transaction "
                "block ends with this SELECT: the setting never applies to the statements after it",
                location=location,
                help="Pass false as the third argument to keep it for the session, or call it "
                     "inside the transaction it should cover.",
            )


def _plain_set(text: str) -> str:
    """The statement without its LOCAL keyword."""
    head, _, tail = text.partition(" ")
    rest = tail.lstrip()
    if rest[:5].upper() == "LOCAL":
        rest = rest[5:].lstrip()
    return f"{head} {rest}".rstrip(";") + ";"
