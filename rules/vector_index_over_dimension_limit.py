from schemalint.rulekit import (
    VECTOR_METHODS,
    Rule,
    Severity,
    base_type,
    column_display_name,
    display_name,
    strings,
    type_mods,
    type_name,
)

# pgvector's README ("HNSW", "IVFFlat": supported types): the most dimensions each index
# method can index, per type. A longer vector fails the build with "column cannot have more
# than N dimensions for hnsw index" (sparsevec's limit counts non-zero elements instead).
LIMITS = {"vector": 2000, "halfvec": 4000, "bit": 64000}

RULE = Rule(
    code="SL705",
    name="vector-index-over-dimension-limit",
    category="extensions",
    severity=Severity.ERROR,
    summary="An HNSW or ivfflat index on vectors with more dimensions than pgvector can index.",
    why="pgvector's HNSW and ivfflat indexes hold `vector` values of up to 2,000 dimensions, "
        "`halfvec` up to 4,000 and `bit` up to 64,000 (pgvector's README, supported types). "
        "On a wider column the build fails (`column cannot have more than 2000 dimensions for "
        "hnsw index`), so the migration stops where it runs; embeddings such as 3,072-dimension "
        "ones do not fit a `vector` index. Active when the history creates the `vector` "
        "extension or the configuration lists it in `extensions`.",
    instead="Index a half-precision cast of the column (up to 4,000 dimensions), as pgvector's "
            "README shows: `CREATE INDEX ON items USING hnsw ((embedding::halfvec(3072)) "
            "halfvec_l2_ops)`, and order queries by the same expression; or reduce the "
            "dimensions.",
    bad=("CREATE EXTENSION vector;\n"
         "CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(3072));\n"
         "CREATE INDEX ON items USING hnsw (embedding vector_cosine_ops);",),
    good=("CREATE EXTENSION vector;\n"
          "CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(3072));\n"
          "CREATE INDEX ON items USING hnsw ((embedding::halfvec(3072)) halfvec_cosine_ops);",),
    node_types=("IndexStmt",),
)


def _typed(table, elem: dict):
    """(type, dimensions, where) of an index element: a column of `table`, or a cast of
    anything to a vector type; None when unknown."""
    cast = (elem.get("expr") or {}).get("TypeCast")
    if cast is not None:
        tnode = cast.get("typeName") or {}
        mods = type_mods(tnode)
        return base_type(type_name(tnode)), mods[0] if mods else None, tnode.get("location")
    column = table.columns.get(elem.get("name")) if table is not None and elem.get("name") else None
    if column is None or column.array:
        return None
    return base_type(column.type), column.mods[0] if column.mods else None, None


def check(stmt, ctx):
    node = stmt.node
    method = node.get("accessMethod")
    if method not in VECTOR_METHODS or not ctx.uses_extension("vector"):
        return
    key = ctx.key(node["relation"])
    table = ctx.table(key)
    for param in node.get("indexParams") or ():
        elem = param.get("IndexElem") or {}
        typed = _typed(table, elem)
        if typed is None:
            continue
        kind, dims, location = typed
        limit = LIMITS.get(kind)
        if limit is None or not isinstance(dims, int) or dims <= limit:
            continue
        what = (f"column `{column_display_name(key, elem['name'])}`" if location is None
                else "this cast")
        source = elem.get("name") or ".".join(strings(
            ((elem.get("expr") or {}).get("TypeCast", {}).get("arg") or {}).get("ColumnRef", {})
            .get("fields"))) or "<column>"
        opclass = (strings(elem.get("opclass"))[-1:] or ["vector_l2_ops"])[0]
        half_ops = "halfvec_" + opclass.removeprefix("vector_")
        yield ctx.report(
            f"{what} is `{kind}({dims})`: pgvector's {method} index takes at most {limit:,} "
            f"dimensions of `{kind}`, so this build fails",
            location=location if location is not None else node["relation"].get("location"),
            help=("Index a half-precision cast instead (up to 4,000 dimensions), and order "
                  "queries by the same expression:\n"
                  f"    CREATE INDEX ON {display_name(key)} USING {method} "
                  f"(({source}::halfvec({dims})) {half_ops});")
            if kind == "vector" and dims <= LIMITS["halfvec"] else
            "Reduce the dimensions of the embeddings (a model with fewer, or a projection) "
            "before indexing them.",
        )
