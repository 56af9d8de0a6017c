import re

from schemalint.rulekit import Rule, Severity, breaking_drops, name_span, quote_ident, stmt_site

RULE = Rule(
    code="SL218",
    name="drop-extension",
    category="breaking",
    severity=Severity.WARNING,
    summary="DROP EXTENSION: removes the functions, types and operators the extension provides.",
    why="Every query, default, trigger or index expression that calls one of the extension's "
        "functions or uses its types and operators (`gen_random_uuid()` before PostgreSQL 13, "
        "`citext`, `hstore`, PostGIS geometry, trigram indexes) fails once it is gone. With "
        "CASCADE, PostgreSQL also drops every column, index and view that depends on it, with "
        "their data, without listing them.",
    instead="Drop the extension only after no object and no application query uses it; check "
            "`pg_depend` for its dependants first, and drop it without CASCADE so PostgreSQL "
            "refuses while something still depends on it.",
    ok_when="The extension was created earlier in the same migration file, the same file "
            "creates it again (a reinstall, also inside a later DO block), or the migration is "
            "a down migration.",
    bad=("DROP EXTENSION citext;", "DROP EXTENSION IF EXISTS hstore CASCADE;"),
    good=("CREATE EXTENSION pg_trgm;\nDROP EXTENSION pg_trgm;",
          "DROP EXTENSION postgis;\nCREATE EXTENSION postgis VERSION '3.4.0';",
          "DROP EXTENSION IF EXISTS pg_graphql;\n"
          "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_graphql; END $$;"),
    equivalents={"squawk": ("ban-drop-extension",)},
)

_KINDS = ("OBJECT_EXTENSION",)


def _recreated_in_do_block(statements, stmt, name: str) -> bool:
    """A later DO block of the file runs CREATE EXTENSION for it (the statement inside a DO
    body is not parsed, so the model does not see it): the cycle-off-and-on idiom."""
    pattern = re.compile(r"\bcreate\s+extension\s+(?:if\s+not\s+exists\s+)?"
                         + "(?:" + re.escape(name) + r"\b|\"" + re.escape(name) + "\")", re.I)
    return any(s.kind == "DoStmt" and s.index > stmt.index and pattern.search(s.text)
               for s in statements)


def end_of_migration(statements, ctx):
    for stmt, obj in breaking_drops(statements, ctx, _KINDS, recreate_ok=True):
        if _recreated_in_do_block(statements, stmt, obj.name):
            continue
        name = quote_ident(obj.name)
        cascade = stmt.node.get("behavior") == "DROP_CASCADE"
        yield ctx.report(
            f"dropping extension `{name}` breaks every query, default and trigger that uses its "
            "functions, types or operators"
            + (", and CASCADE silently drops the columns, indexes and views built on them"
               if cascade else ""),
            site=stmt_site(stmt, name_span(stmt, obj.name, 4)),
            help="Find what still depends on it before dropping it, and drop it without CASCADE "
                 "so PostgreSQL refuses while anything does:\n"
                 "    SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend\n"
                 f"     WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = '{obj.name}');\n"
                 f"    DROP EXTENSION {name};",
        )
