"""`schemalint indexes`: the static index report (text, JSON, markdown) of the fixture; the
same report checked against PostgreSQL's catalog in tests/replay/test_index_report.py."""

import contextlib
import io
import json
from pathlib import Path

import pytest

from schemalint.cli import main

FIXTURE = Path(__file__).parent / "fixture"

TEXT = """\
index report: 7 foreign keys, 5 without an index; 2 redundant indexes; 1 unique index repeating a constraint; 3 tables without a primary key

foreign keys:
  audit (customer_id) -> customers (id) [audit_customer_id_fkey]: no index
      CREATE INDEX CONCURRENTLY audit_customer_id_idx ON audit (customer_id);
  events (customer_id) -> customers (id) [events_customer_id_fkey]: no index
      CREATE INDEX events_customer_id_idx ON ONLY events (customer_id);  -- then each partition's CONCURRENTLY, attached to it
  events_1 (customer_id) -> customers (id) [events_customer_id_fkey]: no index
      CREATE INDEX CONCURRENTLY events_1_customer_id_idx ON events_1 (customer_id);
      ALTER INDEX events_customer_id_idx ATTACH PARTITION events_1_customer_id_idx;
  order_lines (order_id) -> orders (id) [lines_order_id_fkey]: no index
      CREATE INDEX CONCURRENTLY order_lines_order_id_idx ON order_lines (order_id);
  order_products (order_id) -> orders (id) [order_products_order_id_fkey]: no index
      CREATE INDEX CONCURRENTLY order_products_order_id_idx ON order_products (order_id);
  order_products (sku) -> products (sku) [order_products_sku_fkey]: covered by order_products_pkey
  orders (customer_id) -> customers (id) [orders_customer_id_fkey]: covered by orders_customer_idx

redundant indexes:
  orders: orders_customer_idx is a prefix of orders_customer_placed_idx
      DROP INDEX CONCURRENTLY orders_customer_idx;
  orders: orders_status_again_idx duplicates orders_status_idx
      DROP INDEX CONCURRENTLY orders_status_again_idx;

unique indexes repeating a constraint:
  customers: customers_email_uq duplicates the index of constraint customers_email_key
      DROP INDEX CONCURRENTLY customers_email_uq;

tables without a primary key:
  audit
  events_1
  order_lines
"""


def run(*args, cwd=None):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["indexes", *args])
    return code, out.getvalue(), err.getvalue()


def test_text_report():
    code, out, _ = run(str(FIXTURE), "--no-config")
    assert code == 0
    assert out == TEXT


def test_json_and_markdown():
    code, out, _ = run(str(FIXTURE), "--no-config", "--format", "json")
    data = json.loads(out)
    assert code == 0 and list(data) == ["version", "foreign_keys", "redundant_indexes",
                                        "unique_duplicates", "tables_without_primary_key"]
    assert data["foreign_keys"][-1] == {
        "schema": "public", "table": "orders", "name": "orders_customer_id_fkey",
        "columns": ["customer_id"],
        "references": {"schema": "public", "table": "customers", "columns": ["id"]},
        "index": "orders_customer_idx", "create": None}
    assert data["unique_duplicates"] == [{
        "schema": "public", "table": "customers", "index": "customers_email_uq",
        "constraint": "customers_email_key", "drop": "DROP INDEX CONCURRENTLY customers_email_uq;"}]
    code, out, _ = run(str(FIXTURE), "--no-config", "--format", "markdown")
    assert out.startswith("### Index report: 7 foreign keys, 5 without an index")
    assert ("| `orders.orders_customer_id_fkey` | customer_id | customers (id) | "
            "`orders_customer_idx` |") in out
    assert "Tables without a primary key: `audit`, `events_1`, `order_lines`" in out


def test_the_naming_convention_names_new_indexes(tmp_path, monkeypatch):
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "001.sql").write_text(
        "CREATE TABLE a (id int PRIMARY KEY);\n"
        "CREATE TABLE b (a_id int REFERENCES a);\n"
        "CREATE INDEX ix_b_a_id ON a (id);\n")
    (tmp_path / ".schemalint.yaml").write_text(
        'rules:\n  naming-convention: {index: "ix_{table}_{columns}"}\n')
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("db")
    # The name the convention gives is taken: the next free one, as PostgreSQL would pick.
    assert code == 0 and "CREATE INDEX CONCURRENTLY ix_b_a_id1 ON b (a_id);" in out


def test_foreign_key_rule_help_names_the_index_as_the_report_does(tmp_path, monkeypatch):
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "001.sql").write_text(
        "CREATE TABLE a (id int PRIMARY KEY);\n"
        "CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);\n")
    (tmp_path / ".schemalint.yaml").write_text(
        'rules:\n  naming-convention: {index: "ix_{table}_{columns}"}\n')
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("db", "--format", "json")
    [create] = [fk["create"] for fk in json.loads(out)["foreign_keys"]]
    assert code == 0 and create == "CREATE INDEX CONCURRENTLY ix_b_a_id ON b (a_id);"
    check = io.StringIO()
    with contextlib.redirect_stdout(check):
        main(["check", "db", "--select", "foreign-key-without-index", "--format", "json", "--no-cache"])
    [finding] = json.loads(check.getvalue())["diagnostics"]
    assert finding["help"].endswith("\n    " + create)


@pytest.mark.parametrize("args, message", [
    (("/nonexistent",), "no such file or directory"),
    (("--format", "xml"), "invalid choice"),
])
def test_bad_input_is_a_usage_error(args, message):
    with contextlib.redirect_stderr(io.StringIO()) as err:
        try:
            code, _, err2 = run(*args, "--no-config")
        except SystemExit as exc:
            code, err2 = exc.code, ""
    assert code == 2 and message in err.getvalue() + err2 and "Traceback" not in err.getvalue() + err2


def test_the_documented_report_is_the_real_one():
    doc = (Path(__file__).parents[2] / "docs" / "schema-diff.md").read_text()
    assert f"```text\n{TEXT}```" in doc
