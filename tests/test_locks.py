"""The lock table: the conflict matrix against the documentation's Table 13.2, and the mode
each statement takes on each relation, per PostgreSQL version."""

import pytest

from schemalint.discover.source import Migration
from schemalint.model import Model
from schemalint.model.lock_modes import LockClaim, LockMode, blocks, conflicts
from schemalint.model.locks import statement_locks
from schemalint.parse.statements import parse_migration

M = LockMode

# Table 13.2 "Conflicting Lock Modes", transcribed row by row as printed ("X" = conflict).
# Columns in the same order as the rows: AS, RS, RE, SUE, S, SRE, E, AE.
TABLE_13_2 = """
ACCESS_SHARE           . . . . . . . X
ROW_SHARE              . . . . . . X X
ROW_EXCLUSIVE          . . . . X X X X
SHARE_UPDATE_EXCLUSIVE . . . X X X X X
SHARE                  . . X X . X X X
SHARE_ROW_EXCLUSIVE    . . X X X X X X
EXCLUSIVE              . X X X X X X X
ACCESS_EXCLUSIVE       X X X X X X X X
"""


def _matrix():
    for line in TABLE_13_2.strip().splitlines():
        name, *cells = line.split()
        for other, cell in zip(LockMode, cells, strict=True):
            yield M[name], other, cell == "X"


@pytest.mark.parametrize("a,b,expected", list(_matrix()), ids=lambda v: getattr(v, "name", str(v)))
def test_conflict_matrix_matches_the_docs(a, b, expected):
    assert conflicts(a, b) is expected
    assert conflicts(b, a) is expected  # the relation is symmetric


def test_blocks():
    assert blocks(M.ACCESS_EXCLUSIVE) == {"reads", "writes", "ddl"}
    assert blocks(M.EXCLUSIVE) == {"writes", "ddl"}
    assert blocks(M.SHARE_ROW_EXCLUSIVE) == {"writes", "ddl"}
    assert blocks(M.SHARE) == {"writes", "ddl"}
    assert blocks(M.SHARE_UPDATE_EXCLUSIVE) == {"ddl"}
    assert blocks(M.ROW_EXCLUSIVE) == frozenset()
    assert blocks(M.ROW_SHARE) == frozenset()
    assert blocks(M.ACCESS_SHARE) == frozenset()


def test_names():
    assert M.ACCESS_EXCLUSIVE.sql_name == "ACCESS EXCLUSIVE"
    assert M.SHARE_ROW_EXCLUSIVE.pg_locks_name == "ShareRowExclusiveLock"
    assert M.ACCESS_SHARE.pg_locks_name == "AccessShareLock"
    for mode in LockMode:
        assert LockMode.from_pg_locks(mode.pg_locks_name) is mode
    with pytest.raises(ValueError):
        LockMode.from_pg_locks("RowExclusive")


SETUP = """
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, total numeric,
    CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id));
CREATE INDEX orders_total_idx ON orders (total);
CREATE TABLE m (id bigint, at date) PARTITION BY RANGE (at);
CREATE MATERIALIZED VIEW mv AS SELECT 1;
CREATE SEQUENCE s;
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id bigint, customer_id bigint REFERENCES customers (id));
CREATE TABLE billing.lines (invoice_id bigint);
CREATE SEQUENCE billing.invoice_no;
CREATE TABLE refunds (id bigint, invoice_id bigint REFERENCES billing.invoices (id));
"""


def claims_for(sql: str, pg=(15, 0)) -> set[tuple[str, str, LockMode]]:
    model = Model(pg)
    setup = Migration(path="000.sql", text=SETUP)
    model.begin_migration(setup, False)
    for stmt in parse_migration(setup).statements:
        model.fold(stmt)
    target = Migration(path="001.sql", text=sql)
    model.begin_migration(target, False)
    (stmt,) = parse_migration(target).statements
    out = statement_locks(stmt, model, pg)
    assert all(isinstance(c, LockClaim) and c.reason for c in out)
    return {(c.relation[1], c.kind, c.mode) for c in out}


CASES = [
    # ALTER TABLE subcommands (ALTER TABLE reference page)
    ("ALTER TABLE orders ADD COLUMN note text", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    ("ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (customer_id) REFERENCES customers (id)",
     {("orders", "table", M.SHARE_ROW_EXCLUSIVE), ("customers", "table", M.SHARE_ROW_EXCLUSIVE)}),
    ("ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID",
     {("orders", "table", M.SHARE_ROW_EXCLUSIVE), ("customers", "table", M.SHARE_ROW_EXCLUSIVE)}),
    ("ALTER TABLE orders ADD COLUMN c2 bigint REFERENCES customers (id)",
     {("orders", "table", M.ACCESS_EXCLUSIVE), ("customers", "table", M.SHARE_ROW_EXCLUSIVE)}),
    ("ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    ("ALTER TABLE orders ADD CONSTRAINT u UNIQUE (total)", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    ("ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fkey",
     {("orders", "table", M.SHARE_UPDATE_EXCLUSIVE), ("customers", "table", M.ROW_SHARE)}),
    ("ALTER TABLE orders DROP CONSTRAINT orders_customer_fkey",
     {("orders", "table", M.ACCESS_EXCLUSIVE), ("customers", "table", M.ACCESS_EXCLUSIVE)}),
    ("ALTER TABLE orders ALTER COLUMN total SET STATISTICS 500", {("orders", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    ("ALTER TABLE orders ALTER COLUMN total SET (n_distinct = 100)", {("orders", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    ("ALTER TABLE orders CLUSTER ON orders_total_idx", {("orders", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    ("ALTER TABLE orders SET (fillfactor = 70, autovacuum_enabled = false)",
     {("orders", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    ("ALTER TABLE orders SET (user_catalog_table = true)", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    ("ALTER TABLE orders DISABLE TRIGGER ALL", {("orders", "table", M.SHARE_ROW_EXCLUSIVE)}),
    ("ALTER TABLE orders ALTER COLUMN total SET STATISTICS 10, ADD COLUMN x int",
     {("orders", "table", M.ACCESS_EXCLUSIVE)}),  # the strongest subcommand wins
    ("ALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 2)", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    ("ALTER TABLE orders SET LOGGED", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    ("ALTER TABLE orders RENAME COLUMN total TO amount", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    ("ALTER TABLE orders RENAME TO purchases", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    ("ALTER TABLE orders SET SCHEMA archive", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    ("ALTER TABLE orders INHERIT customers",
     {("orders", "table", M.ACCESS_EXCLUSIVE), ("customers", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    # Partitions: ATTACH lowered to SHARE UPDATE EXCLUSIVE on the parent in PG 12
    ("ALTER TABLE m ATTACH PARTITION m1 FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
     {("m", "table", M.SHARE_UPDATE_EXCLUSIVE), ("m1", "table", M.ACCESS_EXCLUSIVE)}),
    ("ALTER TABLE m DETACH PARTITION m1", {("m", "table", M.ACCESS_EXCLUSIVE), ("m1", "table", M.ACCESS_EXCLUSIVE)}),
    ("ALTER TABLE m DETACH PARTITION m1 CONCURRENTLY",
     {("m", "table", M.SHARE_UPDATE_EXCLUSIVE), ("m1", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    ("CREATE TABLE m1 PARTITION OF m FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
     {("m", "table", M.ACCESS_EXCLUSIVE)}),
    ("CREATE TABLE items (id bigint, order_id bigint REFERENCES orders (id))",
     {("orders", "table", M.SHARE_ROW_EXCLUSIVE)}),
    ("CREATE TABLE plain (id bigint)", set()),
    # Indexes
    ("CREATE INDEX i ON orders (customer_id)", {("orders", "table", M.SHARE)}),
    ("CREATE INDEX CONCURRENTLY i ON orders (customer_id)", {("orders", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    ("DROP INDEX orders_total_idx",
     {("orders_total_idx", "index", M.ACCESS_EXCLUSIVE), ("orders", "table", M.ACCESS_EXCLUSIVE)}),
    ("DROP INDEX CONCURRENTLY orders_total_idx",
     {("orders_total_idx", "index", M.SHARE_UPDATE_EXCLUSIVE), ("orders", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    ("REINDEX INDEX orders_total_idx",
     {("orders_total_idx", "index", M.ACCESS_EXCLUSIVE), ("orders", "table", M.SHARE)}),
    ("REINDEX (CONCURRENTLY false) INDEX orders_total_idx",
     {("orders_total_idx", "index", M.ACCESS_EXCLUSIVE), ("orders", "table", M.SHARE)}),
    ("REINDEX TABLE CONCURRENTLY orders",
     {("orders_pkey", "index", M.SHARE_UPDATE_EXCLUSIVE), ("orders_total_idx", "index", M.SHARE_UPDATE_EXCLUSIVE),
      ("orders", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    ("ALTER INDEX orders_total_idx RENAME TO orders_total_i", {("orders_total_idx", "index", M.SHARE_UPDATE_EXCLUSIVE)}),
    # Maintenance
    ("VACUUM orders", {("orders", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    ("VACUUM FULL orders", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    # Option values count, not just names (defGetBoolean): FULL false / off / 0 is plain VACUUM.
    ("VACUUM (FULL false) orders", {("orders", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    ("VACUUM (FULL off, ANALYZE) orders", {("orders", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    ("VACUUM (FULL 0) orders", {("orders", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    ("VACUUM (FULL on) orders", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    ("ANALYZE orders", {("orders", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    ("CLUSTER orders USING orders_total_idx", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    ("REFRESH MATERIALIZED VIEW mv", {("mv", "table", M.ACCESS_EXCLUSIVE)}),
    ("REFRESH MATERIALIZED VIEW CONCURRENTLY mv", {("mv", "table", M.EXCLUSIVE)}),
    # Whole-table operations
    ("TRUNCATE orders", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    ("TRUNCATE customers CASCADE",  # recursive: refunds references invoices
     {("customers", "table", M.ACCESS_EXCLUSIVE), ("orders", "table", M.ACCESS_EXCLUSIVE),
      ("invoices", "table", M.ACCESS_EXCLUSIVE), ("refunds", "table", M.ACCESS_EXCLUSIVE)}),
    ("DROP TABLE orders", {("orders", "table", M.ACCESS_EXCLUSIVE), ("customers", "table", M.ACCESS_EXCLUSIVE)}),
    ("LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE", {("orders", "table", M.SHARE_ROW_EXCLUSIVE)}),
    ("LOCK orders", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    # Triggers, rules, policies, comments, statistics
    ("CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f()",
     {("orders", "table", M.SHARE_ROW_EXCLUSIVE)}),
    ("DROP TRIGGER t ON orders", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    ("CREATE POLICY p ON orders USING (true)", {("orders", "table", M.ACCESS_EXCLUSIVE)}),
    ("COMMENT ON COLUMN orders.total IS 'x'", {("orders", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    ("CREATE STATISTICS st ON customer_id, total FROM orders", {("orders", "table", M.SHARE_UPDATE_EXCLUSIVE)}),
    # DML
    ("INSERT INTO orders (id) VALUES (1)", {("orders", "table", M.ROW_EXCLUSIVE)}),
    ("UPDATE orders SET total = 0", {("orders", "table", M.ROW_EXCLUSIVE)}),
    ("DELETE FROM orders", {("orders", "table", M.ROW_EXCLUSIVE)}),
    ("COPY orders FROM STDIN", {("orders", "table", M.ROW_EXCLUSIVE)}),
    ("ALTER SEQUENCE s RESTART WITH 10", {("s", "sequence", M.SHARE_ROW_EXCLUSIVE)}),
    # DROP SCHEMA ... CASCADE drops every relation in it, and the foreign keys that connect
    # them to other tables; without CASCADE it fails on a schema that is not empty.
    ("DROP SCHEMA billing CASCADE",
     {("invoices", "table", M.ACCESS_EXCLUSIVE), ("lines", "table", M.ACCESS_EXCLUSIVE),
      ("invoice_no", "sequence", M.ACCESS_EXCLUSIVE), ("customers", "table", M.ACCESS_EXCLUSIVE),
      ("refunds", "table", M.ACCESS_EXCLUSIVE)}),
    ("DROP SCHEMA billing", set()),
    # No table lock on an existing relation
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", set()),
    ("SET lock_timeout = '1s'", set()),
    ("ALTER TYPE mood ADD VALUE 'x'", set()),
]


@pytest.mark.parametrize("sql,expected", CASES, ids=[c[0][:60] for c in CASES])
def test_statement_locks(sql, expected):
    assert claims_for(sql) == expected


@pytest.mark.parametrize("sql,pg,expected", [
    # Before PG 12 ATTACH PARTITION took ACCESS EXCLUSIVE on the parent.
    ("ALTER TABLE m ATTACH PARTITION m1 FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')", (11, 0),
     {("m", "table", M.ACCESS_EXCLUSIVE), ("m1", "table", M.ACCESS_EXCLUSIVE)}),
    ("ALTER TABLE m ATTACH PARTITION m1 FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')", (12, 0),
     {("m", "table", M.SHARE_UPDATE_EXCLUSIVE), ("m1", "table", M.ACCESS_EXCLUSIVE)}),
    # ALTER INDEX ... RENAME took ACCESS EXCLUSIVE before PG 12.
    ("ALTER INDEX orders_total_idx RENAME TO x", (11, 0), {("orders_total_idx", "index", M.ACCESS_EXCLUSIVE)}),
])
def test_statement_locks_by_version(sql, pg, expected):
    assert claims_for(sql, pg) == expected
