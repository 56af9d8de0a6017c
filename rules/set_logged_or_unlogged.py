from schemalint.rulekit import Rule, Severity, alter_commands, display_name

RULE = Rule(
    code="SL118",
    name="set-logged-or-unlogged",
    category="locking",
    severity=Severity.ERROR,
    summary="SET LOGGED / SET UNLOGGED rewrites the whole table under ACCESS EXCLUSIVE.",
    why="Changing a table's persistence rewrites it into a new file (and SET LOGGED writes all of "
        "it to the WAL) while holding ACCESS EXCLUSIVE: no reads and no writes until it ends.",
    instead="Choose the persistence when the table is created; to switch a large table, create a "
            "new table with the wanted persistence, copy the rows in batches and swap the names.",
    ok_when="The table was created in the same migration file.",
    bad=("ALTER TABLE events SET LOGGED;", "ALTER TABLE events SET UNLOGGED;"),
    good=("CREATE UNLOGGED TABLE events (id bigint);\nALTER TABLE events SET LOGGED;",),
    node_types=("AlterTableStmt.AT_SetLogged", "AlterTableStmt.AT_SetUnLogged"),
    equivalents={"eugene": ("E10",)},
    confirmed_by=("table-rewrite", "long-blocking-lock", "blocking-lock-without-timeout"),
)


def check(stmt, ctx):
    node = stmt.node
    rel = node["relation"]
    if ctx.created_here(rel):
        return
    for cmd in alter_commands(node):
        sub = cmd.get("subtype")
        if sub not in ("AT_SetLogged", "AT_SetUnLogged"):
            continue
        word = "SET LOGGED" if sub == "AT_SetLogged" else "SET UNLOGGED"
        table = display_name(ctx.key(rel))
        yield ctx.report(
            f"{word} rewrites `{table}` under an ACCESS EXCLUSIVE lock: reads and writes are "
            "blocked until every row is copied",
            location=rel.get("location"),
        )
