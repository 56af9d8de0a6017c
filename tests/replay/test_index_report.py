"""`schemalint indexes` against PostgreSQL: the fixture of tests/indexes is run on a real
server, and the report must agree with catalog queries equivalent to supabase splinter's
lints `unindexed_foreign_keys` (0001), `duplicate_index` (0009) and `no_primary_key` (0004),
written here for the public schema. One deliberate difference, in the first query: splinter
counts a foreign key covered only by an index on exactly its columns; an index whose leading
columns are the key's (in any order) serves its lookups as well (rulekit.indexes), and the
fixture has one (audit's key is not covered by (region, customer_id); order_products' sku key
is by its (sku, order_id) primary key)."""

from __future__ import annotations

import json

import psycopg
import pytest

from ..indexes.test_indexes import FIXTURE, run
from .conftest import needs_postgres

# Foreign keys with no valid, predicate-free index whose leading columns are the key's.
UNINDEXED_FOREIGN_KEYS = """
SELECT cl.relname, ct.conname
FROM pg_constraint ct JOIN pg_class cl ON cl.oid = ct.conrelid
WHERE ct.contype = 'f' AND cl.relnamespace = 'public'::regnamespace
  AND NOT EXISTS (
    SELECT 1 FROM pg_index i
    WHERE i.indrelid = ct.conrelid AND i.indisvalid AND i.indpred IS NULL
      AND (SELECT array_agg(k ORDER BY k)
           FROM unnest((string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(ct.conkey)]) k)
          = (SELECT array_agg(k ORDER BY k) FROM unnest(ct.conkey) k))
"""
# Sets of indexes of one table whose definitions are the same but for their names.
DUPLICATE_INDEX = """
SELECT pi.tablename, array_agg(pi.indexname ORDER BY pi.indexname)
FROM pg_indexes pi JOIN pg_class c ON c.relname = pi.tablename
     AND c.relnamespace = 'public'::regnamespace
WHERE pi.schemaname = 'public' AND c.relkind IN ('r', 'm')
GROUP BY pi.tablename, replace(pi.indexdef, pi.indexname, '')
HAVING count(*) > 1
"""
# Ordinary tables (partitions included, partitioned parents not) without a primary key index.
NO_PRIMARY_KEY = """
SELECT c.relname
FROM pg_class c LEFT JOIN pg_index i ON i.indrelid = c.oid
WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
GROUP BY c.oid, c.relname
HAVING max(coalesce(i.indisprimary, false)::int) = 0
"""


@pytest.fixture(scope="module")
def catalog(server):
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS index_report")
        conn.execute("CREATE DATABASE index_report")
    with psycopg.connect(server.conninfo("index_report"), autocommit=True) as conn:
        for path in sorted(FIXTURE.glob("*.sql")):
            conn.execute(path.read_text())
        yield {
            "unindexed": set(conn.execute(UNINDEXED_FOREIGN_KEYS).fetchall()),
            "duplicates": {(t, frozenset(names)) for t, names in conn.execute(DUPLICATE_INDEX)},
            "no_pk": {name for (name,) in conn.execute(NO_PRIMARY_KEY)},
        }


@pytest.fixture(scope="module")
def report():
    code, out, _ = run(str(FIXTURE), "--no-config", "--format", "json")
    assert code == 0
    return json.loads(out)


@needs_postgres
def test_foreign_keys_without_an_index_agree(catalog, report):
    ours = {(f["table"], f["name"]) for f in report["foreign_keys"] if f["index"] is None}
    assert ours == catalog["unindexed"]
    assert len(ours) == 5


@needs_postgres
def test_duplicate_indexes_agree(catalog, report):
    ours = {(r["table"], frozenset((r["index"], r["of"])))
            for r in report["redundant_indexes"] if r["how"] == "duplicates"}
    # A unique index repeating a constraint duplicates the constraint's index (of its name).
    ours |= {(r["table"], frozenset((r["index"], r["constraint"]))) for r in report["unique_duplicates"]}
    assert ours == catalog["duplicates"]
    assert len(ours) == 2


@needs_postgres
def test_tables_without_a_primary_key_agree(catalog, report):
    assert {t["table"] for t in report["tables_without_primary_key"]} == catalog["no_pk"]
    assert catalog["no_pk"] == {"audit", "events_1", "order_lines"}


@needs_postgres
def test_the_suggested_indexes_cover_the_keys(server, report):
    """Run the CREATE INDEX statements the report gives (the partitioned parent's first):
    afterwards the catalog finds no foreign key without an index."""
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS index_report_fixed")
        conn.execute("CREATE DATABASE index_report_fixed")
    with psycopg.connect(server.conninfo("index_report_fixed"), autocommit=True) as conn:
        for path in sorted(FIXTURE.glob("*.sql")):
            conn.execute(path.read_text())
        creates = [f["create"] for f in report["foreign_keys"] if f["create"]]
        for sql in sorted(creates, key=lambda s: "ON ONLY" not in s):
            for statement in sql.split("\n"):  # CONCURRENTLY: one statement at a time
                conn.execute(statement)
        assert conn.execute(UNINDEXED_FOREIGN_KEYS).fetchall() == []
        assert conn.execute("SELECT bool_and(indisvalid) FROM pg_index").fetchone() == (True,)
