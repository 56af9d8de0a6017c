from schemalint.rulekit import (
    Rule,
    Severity,
    display_name,
    is_down,
    qualified_key,
    quote_ident,
    strings,
)

RULE = Rule(
    code="SL215",
    name="set-schema",
    category="breaking",
    severity=Severity.WARNING,
    summary="ALTER ... SET SCHEMA: the object's qualified name changes under its users.",
    why="Queries that qualify the name, or rely on a `search_path` that does not include the new "
        "schema, fail after the move; grants on the new schema may also differ. Moving a table "
        "takes an ACCESS EXCLUSIVE lock.",
    instead="Add the new schema to every user's search_path (or update the qualified names) "
            "first, then move the object; or leave a view in the old schema until callers moved.",
    ok_when="The object was created earlier in the same migration file, or the migration is a "
            "down migration.",
    bad=("ALTER TABLE orders SET SCHEMA billing;",),
    good=("CREATE TABLE orders (id bigint);\nALTER TABLE orders SET SCHEMA billing;",),
    node_types=("AlterObjectSchemaStmt",),
    equivalents={"squawk": ("ban-set-schema",)},
)

_TYPE_KINDS = {"OBJECT_TYPE": "type", "OBJECT_DOMAIN": "domain"}
_ROUTINES = {"OBJECT_FUNCTION": "function", "OBJECT_PROCEDURE": "procedure", "OBJECT_ROUTINE": "routine"}


def check(stmt, ctx):
    node = stmt.node
    if is_down(stmt):
        return
    kind = node.get("objectType", "")
    rel = node.get("relation")
    obj = node.get("object") or {}
    new_schema = quote_ident(node.get("newschema", ""))
    if rel is not None:
        if ctx.created_here(rel):
            return
        key = ctx.key(rel)
        noun = kind.removeprefix("OBJECT_").lower().replace("matview", "materialized view").replace("_", " ")
    elif kind in _TYPE_KINDS or kind in _ROUTINES:
        names = (strings(obj.get("List", {}).get("items")) or strings(obj.get("TypeName", {}).get("names"))
                 or strings(obj.get("ObjectWithArgs", {}).get("objname")))
        if not names:
            return
        key = qualified_key(names, ctx.model.search_schema)
        tag = "type" if kind in _TYPE_KINDS else "function"
        if ctx.created_here((tag, *key)):
            return
        noun = _TYPE_KINDS.get(kind) or _ROUTINES[kind]
    else:
        return
    name = display_name(key)
    yield ctx.report(
        f"moving {noun} `{name}` to schema `{new_schema}` breaks every query that names it by its "
        "old schema or whose search_path does not include the new one",
        location=rel.get("location") if rel else None,
        help="Make the new schema visible to every user first, then move it:\n"
             f"    ALTER ROLE app_user SET search_path = {new_schema}, public;  -- your roles\n"
             f"    ALTER {noun.upper()} {name} SET SCHEMA {new_schema};",
    )
