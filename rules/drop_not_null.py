from schemalint.rulekit import (
    Rule,
    Severity,
    alter_commands,
    clause_span,
    column_display_name,
    display_name,
    is_down,
    is_table_alter,
    quote_ident,
)

RULE = Rule(
    code="SL214",
    name="drop-not-null",
    category="breaking",
    severity=Severity.WARNING,
    summary="ALTER COLUMN ... DROP NOT NULL: readers that assume a value get NULLs.",
    why="Running application versions, typed ORMs and other services were written for a column "
        "that is never NULL; once new code writes NULLs they crash on them. (Dropping NOT NULL is "
        "the right first step before removing a column that old code no longer writes: then "
        "suppress this finding with a reason.)",
    instead="Ship code that handles NULL in this column everywhere it is read, then drop the "
            "constraint in a later migration.",
    ok_when="The table or column was created earlier in the same migration file, or the "
            "migration is a down migration.",
    bad=("ALTER TABLE orders ALTER COLUMN customer_id DROP NOT NULL;",),
    good=("ALTER TABLE orders ADD COLUMN note text;\nALTER TABLE orders ALTER COLUMN note DROP NOT NULL;",),
    node_types=("AlterTableStmt.AT_DropNotNull",),
    equivalents={"squawk": ("ban-drop-not-null",)},
)


def check(stmt, ctx):
    node = stmt.node
    if not is_table_alter(node) or is_down(stmt) or ctx.created_here(node["relation"]):
        return
    key = ctx.key(node["relation"])
    for cmd in alter_commands(node):
        if cmd.get("subtype") != "AT_DropNotNull":
            continue
        column = cmd.get("name", "")
        if ctx.created_here((*key, column)):
            continue
        name = column_display_name(key, column)
        yield ctx.report(
            f"dropping NOT NULL on `{name}` lets NULLs reach readers that were written for a "
            "column that always has a value",
            span=clause_span(stmt, r"ALTER\s+(?:COLUMN\s+)?", column, r"\s+DROP\s+NOT\s+NULL"),
            help="Make every reader handle NULL first (deploy), then in a later migration:\n"
                 f"    ALTER TABLE {display_name(key)} ALTER COLUMN {quote_ident(column)} DROP NOT NULL;",
        )
