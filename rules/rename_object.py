from schemalint.rulekit import (
    Rule,
    Severity,
    is_down,
    name_span,
    new_before,
    qualified_key,
    quote_ident,
    replaced_after,
    stmt_site,
    strings,
    swapped_in,
)

RULE = Rule(
    code="SL213",
    name="rename-object",
    category="breaking",
    severity=Severity.WARNING,
    summary="Renaming a view, type, function, sequence or schema breaks code that uses the old name.",
    why="Queries, casts, function calls and `nextval('...')` strings in running application "
        "versions and other services name these objects; after the rename they fail until "
        "every caller is updated. (Renaming an index or constraint is not reported: queries do "
        "not name them.)",
    instead="Create the object under the new name next to the old one (or a wrapper: a view, a "
            "function calling the new one), move callers over, then drop the old name later.",
    ok_when="The object was created earlier in the same migration file, its old name is taken "
            "again in the same file (a swap), or the migration is a down migration.",
    bad=("ALTER VIEW active_orders RENAME TO open_orders;",
         "ALTER TYPE order_status RENAME TO order_state;",
         "ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';"),
    good=("ALTER TYPE status RENAME TO status_old;\nALTER TYPE status_new RENAME TO status;",
          "ALTER INDEX orders_idx RENAME TO orders_customer_id_idx;"),
    equivalents={"squawk": ("renaming-object",),
                 "strong_migrations": ("rename_schema",)},
)

_KINDS = {"OBJECT_VIEW": "view", "OBJECT_MATVIEW": "materialized view", "OBJECT_TYPE": "type",
          "OBJECT_DOMAIN": "domain", "OBJECT_FUNCTION": "function", "OBJECT_PROCEDURE": "procedure",
          "OBJECT_ROUTINE": "routine", "OBJECT_AGGREGATE": "aggregate", "OBJECT_SEQUENCE": "sequence",
          "OBJECT_SCHEMA": "schema"}


def _display(key: tuple) -> str:
    schema, name = (None, key[1]) if key[0] == "schema" else key[-2:]
    return quote_ident(name) if schema in (None, "public") else f"{quote_ident(schema)}.{quote_ident(name)}"


def end_of_migration(statements, ctx):
    session = ctx.session
    for stmt in statements:
        if is_down(stmt):
            continue
        node = stmt.node
        if stmt.kind == "AlterEnumStmt" and node.get("oldVal") is not None:
            type_key = ("type", *qualified_key(strings(node.get("typeName")), ctx.model.search_schema))
            if new_before(session, type_key, stmt.index):
                continue
            old_val, new_val = node["oldVal"], node.get("newVal", "")
            yield ctx.report(
                f"renaming value '{old_val}' of enum `{_display(type_key)}` breaks every query and "
                "running application version that still uses the old value",
                site=stmt_site(stmt),
                help="Add the new value, move rows and code over, and stop using the old one:\n"
                     f"    ALTER TYPE {_display(type_key)} ADD VALUE '{new_val}';",
            )
            continue
        if stmt.kind != "RenameStmt" or node.get("renameType") not in _KINDS:
            continue
        keys = ctx.model.rename_keys(node)
        if keys is None:
            continue
        old, new = keys
        if new_before(session, old, stmt.index) or replaced_after(session, old, stmt.index) \
                or swapped_in(session, new, stmt.index):
            continue
        kind = _KINDS[node["renameType"]]
        rel = node.get("relation")
        span = stmt.span_at(rel.get("location")) if rel else name_span(stmt, old[-1], 5)
        yield ctx.report(
            f"renaming {kind} `{_display(old)}` to `{quote_ident(new[-1])}` breaks every query and "
            "running application version that still uses the old name",
            site=stmt_site(stmt, span),
            help=f"Keep the old name working until callers moved: create the {kind} under the "
                 "new name (or a wrapper calling the old one), switch callers, and drop the "
                 "old name in a later migration.",
        )
