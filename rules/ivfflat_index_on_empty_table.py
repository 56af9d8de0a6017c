import re

from schemalint.rulekit import Rule, Severity, display_name, has_rows, lazy

RULE = Rule(
    code="SL701",
    name="ivfflat-index-on-empty-table",
    category="extensions",
    severity=Severity.WARNING,
    summary="An ivfflat index built on a table that no statement of the history has loaded.",
    why="pgvector's ivfflat index places its lists' centres by k-means over the rows present "
        "when it is built, and never moves them; rows inserted later are filed against centres "
        "that mean nothing. pgvector's README: \"Create the index after the table has some "
        "data\". Every fresh database this history builds (a new environment, a test database) "
        "gets the untrained index: one public report (open-webui pull request 30143) measured "
        "recall@10 of 0.18 for an index built over 200 rows. pgvector prints only a notice "
        "(`ivfflat index created with little data`, \"This will cause low recall\"), and 0.8.4 "
        "refuses the build on an empty table when the sample it sizes for does not fit in "
        "`maintenance_work_mem` (pgvector issue 995). Active when the history creates the "
        "`vector` extension or the configuration lists it in `extensions`.",
    instead="Build the ivfflat index after the data is loaded (in a later migration, once the "
            "backfill ran; `REINDEX` an index built too early), or use an HNSW index, which has "
            "no training step and can be created on an empty table.",
    ok_when="The table is loaded by something the history does not show (a function call, an "
            "application job) before the index is built in every environment.",
    bad=("CREATE EXTENSION vector;\n"
         "CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(3));\n"
         "CREATE INDEX ON items USING ivfflat (embedding vector_l2_ops) WITH (lists = 100);",),
    good=("CREATE EXTENSION vector;\n"
          "CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(3));\n"
          "INSERT INTO items (embedding) VALUES ('[1,2,3]'), ('[4,5,6]');\n"
          "CREATE INDEX ON items USING ivfflat (embedding vector_l2_ops) WITH (lists = 100);",
          "CREATE EXTENSION vector;\n"
          "CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(3));\n"
          "CREATE INDEX ON items USING hnsw (embedding vector_l2_ops);"),
    node_types=("IndexStmt",),
)

_METHOD = lazy(r"\busing\s+ivfflat\b", re.I)
_LISTS = lazy(r"\s*\bwith\s*\(\s*lists\s*=\s*\d+\s*\)", re.I)


def check(stmt, ctx):
    node = stmt.node
    if node.get("accessMethod") != "ivfflat" or not ctx.uses_extension("vector"):
        return
    key = ctx.key(node["relation"])
    if has_rows(ctx.model, key):
        return
    table = display_name(key)
    hnsw = _LISTS().sub("", _METHOD().sub("USING hnsw", stmt.text, count=1), count=1)
    yield ctx.report(
        f"no statement of the history puts rows in `{table}` before this ivfflat index is "
        "built: on every fresh database its lists are trained on an empty table and recall "
        "collapses",
        location=node["relation"].get("location"),
        help="Build it once the table has data (a later migration, after the backfill), or use "
             "HNSW, which needs no data to build:\n"
             "    " + hnsw.replace("\n", "\n    ") + ";",
    )
