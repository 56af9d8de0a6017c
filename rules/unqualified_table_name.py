from schemalint.rulekit import Rule, Severity, quote_ident

RULE = Rule(
    code="SL313",
    name="unqualified-table-name",
    category="schema",
    severity=Severity.INFO,
    summary="Opt-in: a DDL or data statement names a table without its schema.",
    why="An unqualified name resolves through `search_path`, which differs between roles, "
        "connection poolers and the migration tool's session: the same migration can create or "
        "change a table in a different schema than intended, or hit a same-named table earlier "
        "in the path.",
    instead="Qualify every table name: `public.orders`.",
    ok_when="The table is temporary (it lives in pg_temp whatever the name).",
    bad=("CREATE TABLE orders (id bigint PRIMARY KEY);",),
    good=("CREATE TABLE public.orders (id bigint PRIMARY KEY);",),
    node_types=("CreateStmt", "AlterTableStmt", "IndexStmt", "DropStmt", "RenameStmt", "ViewStmt",
                "CreateTableAsStmt", "TruncateStmt", "InsertStmt", "UpdateStmt", "DeleteStmt"),
    default_enabled=False,
    equivalents={"squawk": ("require-table-schema",)},
)

_DROPS = ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_SEQUENCE", "OBJECT_FOREIGN_TABLE")


def _targets(stmt):
    node, kind = stmt.node, stmt.kind
    if kind in ("CreateStmt", "AlterTableStmt", "IndexStmt", "RenameStmt", "InsertStmt",
                "UpdateStmt", "DeleteStmt"):
        if kind == "RenameStmt" and node.get("renameType") in ("OBJECT_INDEX", "OBJECT_SCHEMA"):
            return
        rel = node.get("relation")
        if rel:
            yield rel
    elif kind == "ViewStmt":
        yield node["view"]
    elif kind == "CreateTableAsStmt":
        rel = (node.get("into") or {}).get("rel")
        if rel:
            yield rel
    elif kind == "TruncateStmt":
        for r in node.get("relations") or ():
            if "RangeVar" in r:
                yield r["RangeVar"]
    elif kind == "DropStmt" and node.get("removeType") in _DROPS:
        for obj in node.get("objects") or ():
            items = obj.get("List", {}).get("items", [])
            if len(items) == 1:
                yield {"relname": items[0].get("String", {}).get("sval", ""), "location": None}


def check(stmt, ctx):
    for rel in _targets(stmt):
        if rel.get("schemaname") or rel.get("relpersistence") == "t":
            continue
        name = rel.get("relname", "")
        yield ctx.report(
            f"`{quote_ident(name)}` is not schema-qualified: it resolves through the session's "
            "search_path",
            location=rel.get("location"),
            help=f"Qualify it:\n    {quote_ident(ctx.model.search_schema)}.{quote_ident(name)}",
        )
