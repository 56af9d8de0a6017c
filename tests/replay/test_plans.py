"""The query-plan gate on a real server: plans at the base and after the migrations, the
statement blamed, the findings at the query's position, HypoPG's advice and the reports."""

from __future__ import annotations

import json
import os

import psycopg
import pytest

from schemalint.discover.source import Migration
from schemalint.replay.options import ReplayOptions
from schemalint.replay.plans.workload import read_workload
from schemalint.replay.report import render
from schemalint.replay.runner import replay

HYPOPG = os.path.exists("/usr/share/postgresql/15/extension/hypopg.control") or bool(
    os.environ.get("SCHEMALINT_TEST_HYPOPG"))

CREATE = """CREATE TABLE customers (id bigint PRIMARY KEY, email text, name text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, status text, total numeric);
CREATE INDEX orders_customer_idx ON orders (customer_id);
"""
QUERIES = """-- name: orders_of_customer
-- params: 42
SELECT * FROM orders WHERE customer_id = $1;

-- name: customer_by_email
SELECT id FROM customers WHERE email = 'x@example.com';
"""


@pytest.fixture(scope="module")
def hypopg(server):
    """HypoPG in template1, which each replay's scratch database is copied from (the scratch
    role may not create an untrusted extension itself)."""
    if not HYPOPG:
        pytest.skip("HypoPG is not installed (apt-get install postgresql-15-hypopg)")
    with psycopg.connect(server.conninfo("template1"), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    return True


@pytest.fixture
def plan(server, hypopg, tmp_path):
    """plan(queries, sql, sql, ..., **options) -> ReplayReport: each string is a migration
    (001.sql, ...); the last is the changed range unless `last` says otherwise."""

    def go(queries: str, *sqls: str, **options):
        path = tmp_path / "queries.sql"
        path.write_text(queries)
        migrations = [Migration(path=f"{i + 1:03d}.sql", text=sql) for i, sql in enumerate(sqls)]
        options.setdefault("last", 1)
        options.setdefault("rows", 20000)
        opts = ReplayOptions(backend="dsn", dsn=server.conninfo(),
                             workload=read_workload([str(path)]), **options)
        return replay(migrations, opts)

    return go


def found(report, code: str) -> list:
    return [d for d in report.diagnostics if d.code == code]


def test_dropping_the_index_a_query_uses_is_blamed_on_the_drop_index(plan):
    report = plan(QUERIES, CREATE, "ALTER TABLE orders ADD COLUMN note text;\n"
                                   "DROP INDEX orders_customer_idx;\n")
    [d] = found(report, "SL802")
    assert (d.rule, d.path.rsplit("/", 1)[-1], d.line, d.column) == (
        "query-plan-regression", "queries.sql", 3, 1)
    assert d.message.startswith("`orders_of_customer` plans worse since `002.sql:2` "
                                "(DROP INDEX orders_customer_idx): index scan to sequential scan on orders")
    assert "Index Scan using orders_customer_idx on orders" in d.message
    assert d.extra["related"] == [{"path": "002.sql", "line": 2,
                                   "message": "the migration statement blamed"}]
    # The regression explains the scan: no second finding about the same table.
    assert [x.message for x in found(report, "SL801")
            if x.message.startswith("`orders_of_customer`")] == []
    assert "ON orders (customer_id)" in d.help  # HypoPG: the index back


def test_a_plan_kept_gives_no_finding(plan):
    report = plan(QUERIES, CREATE, "ALTER TABLE orders ADD COLUMN note text;\n")
    assert [d for d in report.diagnostics if d.code in ("SL802", "SL803")] == []
    [r] = [r for r in report.plans.results if r.query.name == "orders_of_customer"]
    assert r.base.summary() == r.after.summary()
    assert "Index Scan using orders_customer_idx" in r.after.summary()


def test_blame_walks_the_boundaries_to_the_migration_that_changed_the_plan(plan):
    report = plan(QUERIES, CREATE, "ALTER TABLE orders ADD COLUMN note text;",
                  "CREATE TABLE unrelated (id int);\nDROP INDEX orders_customer_idx;",
                  "ALTER TABLE customers ADD COLUMN phone text;", last=3)
    [d] = found(report, "SL802")
    assert "since `003.sql:2` (DROP INDEX orders_customer_idx)" in d.message
    [r] = [r for r in report.plans.results if r.query.name == "orders_of_customer"]
    assert [i for i, _ in r.readings] == [1, 2, 3, 4]  # the base, each boundary, the end


def test_large_unindexed_column_is_flagged_and_advice_names_the_column(plan):
    report = plan(QUERIES, CREATE, "ALTER TABLE orders ADD COLUMN note text;\n")
    [d] = [x for x in found(report, "SL801") if "customer_by_email" in x.message]
    assert (d.line, d.column, d.end_line) == (6, 1, 6)
    assert d.message == ("`customer_by_email` reads `customers` (~20,000 rows) with a sequential "
                         "scan (as at the base); the threshold is 10,000 estimated rows")
    [r] = [r for r in report.plans.results if r.query.name == "customer_by_email"]
    assert (r.advice.table, r.advice.columns) == ("customers", ("email",))
    assert r.advice.after <= r.advice.before / 2
    assert d.help.startswith("`CREATE INDEX CONCURRENTLY customers_email_idx ON customers (email);` "
                             "would cut the estimated cost from ")


def test_seq_scan_threshold_is_configurable(plan):
    report = plan(QUERIES, CREATE, "ALTER TABLE orders ADD COLUMN note text;\n",
                  seq_scan_rows=50000)
    assert found(report, "SL801") == []


def test_seq_scan_that_appears_in_the_range_is_blamed(plan):
    report = plan("SELECT * FROM orders WHERE status = 'open';\n", CREATE,
                  "CREATE INDEX orders_status_idx ON orders (status);",
                  "DROP INDEX orders_status_idx;", last=2)
    # A sequential scan at the base (002 creates the index) and at the end: no regression,
    # but the scan is the one 003 brought back.
    assert found(report, "SL802") == []
    [d] = found(report, "SL801")
    assert "with a sequential scan since `003.sql:1` (DROP INDEX orders_status_idx)" in d.message
    assert d.message.split("`")[1].endswith("queries.sql:1")  # no `-- name:`: path:line
    # ... which the reports show once (it was "queries.sql:1 queries.sql:1: ...").
    where = d.message.split("`")[1]
    text = render("text", report)
    assert f"\n  {where}: " in text and f"{where} {where}" not in text
    assert f"<summary><code>{where}</code> ⚠️: " in render("markdown", report)


def test_renamed_column_gives_query_failed_with_the_servers_error(plan):
    report = plan(QUERIES, CREATE, "ALTER TABLE orders ADD COLUMN note text;\n"
                                   "ALTER TABLE customers RENAME COLUMN email TO email_address;\n")
    [d] = found(report, "SL803")
    assert (d.rule, d.line, d.column) == ("query-failed", 6, 1)
    assert d.message == ("`customer_by_email` no longer plans since `002.sql:2` (ALTER TABLE "
                         "customers RENAME COLUMN email TO email_address): column \"email\" does "
                         "not exist")


def test_dropped_table_gives_query_failed(plan):
    report = plan(QUERIES, CREATE, "DROP TABLE orders;")
    [d] = found(report, "SL803")
    assert "since `002.sql:1` (DROP TABLE orders)" in d.message
    assert d.message.endswith('relation "orders" does not exist')


def test_query_failing_at_the_base_too_is_reported_without_blame(plan):
    report = plan("SELECT nope FROM orders;\n", CREATE, "SELECT 1;")
    [d] = found(report, "SL803")
    assert "at the base either" in d.message and "related" not in d.extra


def test_cost_ratio_threshold(plan):
    # The top 10 by an index, then by a sort of the whole table: the scan change is reported
    # whatever the ratio; the cost growth only above it.
    queries = "SELECT * FROM orders ORDER BY total LIMIT 10;\n"
    create = CREATE + "CREATE INDEX orders_total_idx ON orders (total);\n"
    report = plan(queries, create, "DROP INDEX orders_total_idx;")
    [d] = found(report, "SL802")
    assert "estimated cost x" in d.message
    report = plan(queries, create, "DROP INDEX orders_total_idx;", plan_cost_ratio=1e9)
    assert "estimated cost" not in " ".join(d.message for d in found(report, "SL802"))


def test_parameters_without_values_are_planned_generically(plan):
    report = plan("SELECT * FROM orders WHERE customer_id = $1 AND status = $2;\n", CREATE,
                  "SELECT 1;")
    [r] = report.plans.results
    assert r.after.ok and "orders_customer_idx" in r.after.summary()


def test_reports_show_the_plan_change(plan):
    report = plan(QUERIES, CREATE, "DROP INDEX orders_customer_idx;")
    text = render("text", report)
    assert ("orders_of_customer: Index Scan using orders_customer_idx on orders (cost "
            in text) and "-> Seq Scan on orders (cost " in text
    assert "      blamed: `002.sql:1` (DROP INDEX orders_customer_idx)" in text
    md = render("markdown", report)
    assert md.count("<details>") == 2 and "<summary><code>orders_of_customer</code>" in md
    doc = json.loads(render("json", report))
    [q] = [q for q in doc["queries"]["results"] if q["name"] == "orders_of_customer"]
    assert q["base"]["plan"]["Node Type"] == "Index Scan"
    assert q["after"]["plan"]["Node Type"] == "Seq Scan"
    assert q["blamed"] == {"path": "002.sql", "line": 1, "sql": "DROP INDEX orders_customer_idx"}
    assert doc["queries"]["base"] == "002.sql"


def test_no_base_reads_only_the_final_plans(server, hypopg, tmp_path):
    path = tmp_path / "q.sql"
    path.write_text(QUERIES)
    migrations = [Migration(path="001.sql", text=CREATE)]
    opts = ReplayOptions(backend="dsn", dsn=server.conninfo(), rows=20000,
                         workload=read_workload([str(path)]))
    report = replay(migrations, opts)
    assert all(len(r.readings) == 1 and r.base is None for r in report.plans.results)
    assert any("no base to compare the plans with" in n for n in report.plans.notes)
    assert found(report, "SL802") == [] and len(found(report, "SL801")) == 1
