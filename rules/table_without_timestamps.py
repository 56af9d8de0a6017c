from schemalint.rulekit import Rule, Severity, display_name

RULE = Rule(
    code="SL302",
    name="table-without-timestamps",
    category="schema",
    severity=Severity.WARNING,
    summary="A table without created_at/updated_at columns at the end of the history.",
    why="Row creation and modification times are what every incident, audit, sync job and "
        "support question asks for first; they cannot be recovered once rows exist. The check "
        "runs on the final schema, so columns added in later migrations count, and partitions "
        "inherit their parent's columns. The names match in any naming style: `created_at` is "
        "also `createdAt` or `CreatedAt` (Prisma, Sequelize, Entity Framework).",
    instead="Add `created_at timestamptz NOT NULL DEFAULT now()` and "
            "`updated_at timestamptz NOT NULL DEFAULT now()` (maintained by the application or a trigger).",
    ok_when="The table has both columns (names are options), or it is temporary or unlogged "
            "(not a permanent table), or its columns cannot be told from the SQL (CREATE TABLE AS "
            "of a query whose output columns are not named).",
    bad=("CREATE TABLE orders (id bigint PRIMARY KEY);",),
    good=(
        "CREATE TABLE orders (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(),\n"
        "                     updated_at timestamptz NOT NULL DEFAULT now());",
        "CREATE TABLE orders (id bigint PRIMARY KEY);\n"
        "ALTER TABLE orders ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),\n"
        "                   ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();",
    ),
    scope="schema",
    options={"created_column": "created_at", "updated_column": "updated_at"},
)


def _columns(model, table, seen=()) -> set:
    cols = set(table.columns)
    for parent_key in (table.partition_of, *table.inherits):
        parent = model.tables.get(parent_key) if parent_key else None
        if parent is not None and parent.key not in seen:
            cols |= _columns(model, parent, (*seen, table.key))
    return cols


def _style_free(name: str) -> str:
    """`created_at`, `createdAt` and `"CreatedAt"` name the same column in different styles."""
    return name.replace("_", "").lower()


def check_schema(model, ctx):
    created = str(ctx.options["created_column"])
    updated = str(ctx.options["updated_column"])
    for table in model.tables.values():
        # Only permanent tables (relpersistence 'p'): temporary and unlogged tables are scratch
        # space and caches. A table whose columns we cannot name is not judged.
        if table.kind != "table" or table.persistence != "p" or table.site is None or not table.columns_known:
            continue
        # A partition has its parent's columns; a parent without them is reported once, there.
        if table.partition_of in model.tables:
            continue
        have = {_style_free(c) for c in _columns(model, table)}
        missing = [c for c in (created, updated) if _style_free(c) not in have]
        if not missing:
            continue
        name = display_name(table.key)
        adds = ",\n".join(f"        ADD COLUMN {c} timestamptz NOT NULL DEFAULT now()" for c in missing)
        yield ctx.report(
            f"table `{name}` has no {' and no '.join(f'`{c}`' for c in missing)} column",
            site=table.site,
            help=f"Record when rows are created and changed:\n    ALTER TABLE {name}\n{adds};",
        )
