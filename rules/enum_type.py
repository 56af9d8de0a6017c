from schemalint.rulekit import Rule, Severity, qualified_key, quote_ident, strings

RULE = Rule(
    code="SL409",
    name="enum-type",
    category="types",
    severity=Severity.INFO,
    summary="CREATE TYPE ... AS ENUM: values can be added but never removed or reordered.",
    why="An enum value cannot be dropped (PostgreSQL has no `ALTER TYPE ... DROP VALUE`); "
        "removing one means creating a new type and rewriting every column that uses it under an "
        "ACCESS EXCLUSIVE lock. Before PostgreSQL 12 `ADD VALUE` cannot run inside a transaction "
        "block, and a value added in a transaction cannot be used until it commits.",
    instead="For a set that will change, a lookup table with a foreign key, or `text` with a "
            "CHECK constraint (replaceable without blocking: NOT VALID, then VALIDATE).",
    ok_when="The set of values is truly fixed (days of the week, ISO codes).",
    bad=("CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped');",),
    good=("CREATE TABLE order_statuses (name text PRIMARY KEY);",
          "CREATE TABLE orders (status text NOT NULL CHECK (status IN ('pending', 'paid', 'shipped')));"),
    node_types=("CreateEnumStmt",),
    equivalents={"eugene": ("W13",)},
)


def check(stmt, ctx):
    names = strings(stmt.node.get("typeName"))
    key = qualified_key(names)
    values = ", ".join("'" + v.replace("'", "''") + "'" for v in strings(stmt.node.get("vals")))
    name = quote_ident(key[1])
    yield ctx.report(
        f"enum type `{name}` can gain values but never lose or reorder them without rewriting "
        "every table that uses it",
        help="If the values will change, use a CHECK constraint or a lookup table instead:\n"
             f"    CHECK ({name} IN ({values}))\n"
             f"    -- or: CREATE TABLE {quote_ident(key[1] + 's')} (name text PRIMARY KEY);",
    )
