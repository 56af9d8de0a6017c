from schemalint.rulekit import (
    VECTOR_TYPES,
    Rule,
    Severity,
    base_type,
    column_display_name,
    quote_ident,
    written_columns,
)

RULE = Rule(
    code="SL702",
    name="vector-column-without-dimensions",
    category="extensions",
    severity=Severity.WARNING,
    summary="A pgvector column (vector, halfvec, sparsevec) declared without its dimensions.",
    why="pgvector's HNSW and ivfflat indexes need the number of dimensions from the column's "
        "type: on a column declared `vector` rather than `vector(1536)`, `CREATE INDEX ... USING "
        "hnsw` fails with `column does not have dimensions` (pgvector issues 330 and 375), and "
        "adding them later is an ALTER COLUMN TYPE, which takes an ACCESS EXCLUSIVE lock. The "
        "column also accepts vectors of any size, which no distance operator can compare "
        "(`different vector dimensions`). A plain `bit` is `bit(1)` to PostgreSQL, so binary "
        "vectors always have a length. Active when the history creates the `vector` extension "
        "or the configuration lists it in `extensions`.",
    instead="Declare the dimensions of the embeddings it stores: `embedding vector(1536)`.",
    ok_when="The column holds vectors of several sizes on purpose, indexed per size through an "
            "expression index on a cast with a partial predicate (pgvector's README: \"Can I "
            "store vectors with different dimensions in the same column?\").",
    bad=("CREATE EXTENSION vector;\nCREATE TABLE items (id bigserial PRIMARY KEY, embedding vector);",
         "CREATE EXTENSION vector;\nCREATE TABLE items (id bigint);\n"
         "ALTER TABLE items ADD COLUMN embedding halfvec;"),
    good=("CREATE EXTENSION vector;\n"
          "CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(3));",),
    scope="schema",
)


def check_schema(model, ctx):
    if not ctx.uses_extension("vector"):
        return
    for table, col in written_columns(model):
        if col.mods or col.array or base_type(col.type) not in VECTOR_TYPES:
            continue
        name = column_display_name(table.key, col.name)
        kind = base_type(col.type)
        yield ctx.report(
            f"column `{name}` is `{kind}` without dimensions: pgvector cannot build an HNSW "
            "or ivfflat index on it (column does not have dimensions)",
            site=col.type_site,
            help="Give it the dimensions of the embeddings it stores, e.g.:\n"
                 f"    {quote_ident(col.name)} {kind}(1536)",
        )
