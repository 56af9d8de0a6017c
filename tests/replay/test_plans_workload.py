"""Reading the workload (no server): queries, names, sample values, and the errors a bad
queries file gives at its file:line:col; the columns a query filters on."""

from __future__ import annotations

import pytest

from schemalint.discover.source import Migration
from schemalint.errors import UsageError
from schemalint.parse.statements import parse_migration
from schemalint.replay.plans.columns import predicates
from schemalint.replay.plans.explain import explain_sql, plan_of
from schemalint.replay.plans.workload import parse_values, read_workload


def write(tmp_path, text: str, name: str = "q.sql") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_queries_with_names_positions_and_values(tmp_path):
    path = write(tmp_path, "-- name: by_customer\n-- params: 42, 'it''s', null\n"
                           "SELECT * FROM orders\n  WHERE customer_id = $1 AND note = $2 OR x = $3;\n\n"
                           "  SELECT 1;\n")
    first, second = read_workload([path])
    assert (first.name, first.line, first.column, first.end_line) == ("by_customer", 3, 1, 4)
    assert first.params == 3 and first.values == ("42", "it's", None)
    assert (second.name, second.line, second.column, second.values) == (f"{path}:6", 6, 3, None)


def test_values_from_the_configuration_by_name_or_position(tmp_path):
    path = write(tmp_path, "-- name: a\nSELECT $1;\nSELECT $1, $2;\n")
    a, b = read_workload([path], {"a": "7", f"{path}:3": "1, 'x'"})
    assert a.values == ("7",) and b.values == ("1", "x")
    # A comment wins over the configuration.
    path = write(tmp_path, "-- name: a\n-- params: 8\nSELECT $1;\n", "c.sql")
    [c] = read_workload([path], {"a": "7"})
    assert c.values == ("8",)


def test_parse_values():
    assert parse_values(" 1 , 'a,b' , NULL, abc ") == ("1", "a,b", None, "abc")
    with pytest.raises(ValueError, match="cannot read a value"):
        parse_values("'unterminated")


@pytest.mark.parametrize(("text", "error"), [
    ("SELECT * FROM;\n", "q.sql:1:14: PostgreSQL cannot parse this: syntax error at end of input"),
    ("SELECT 1;\nCREATE TABLE t (a int);\n",
     "q.sql:2:1: not a query (Create): a queries file holds SELECT, INSERT, UPDATE, DELETE or MERGE"),
    ("-- params: 1\nSELECT $1, $2;\n", "q.sql:2:1: the query uses $2 but its params give 1 value(s)"),
    ("-- params: 'x\nSELECT $1;\n", "q.sql:2:1: params: cannot read a value at \"'x\""),
    ("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n", "q.sql:4:1: query name 'a' is already used at"),
])
def test_bad_queries_file_errors_at_file_line_col(tmp_path, text, error):
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as exc:
        read_workload([path])
    assert error.replace("q.sql", path) in str(exc.value)


def test_missing_files_and_unknown_configured_names(tmp_path):
    with pytest.raises(UsageError, match="--queries: no such file or directory: nope.sql"):
        read_workload(["nope.sql"])
    with pytest.raises(UsageError, match=r"replay.queries: 'q/\*.sql' matches no file"):
        read_workload(["q/*.sql"], root=str(tmp_path), where="replay.queries")
    path = write(tmp_path, "SELECT 1;\n")
    with pytest.raises(UsageError, match="replay.query_params: no query named 'ghost'"):
        read_workload([path], {"ghost": "1"})


def test_directories_and_globs_relative_to_the_root(tmp_path):
    (tmp_path / "q").mkdir()
    write(tmp_path, "SELECT 1;\n", "q/a.sql")
    write(tmp_path, "SELECT 2;\n", "q/b.sql")
    assert [q.sql for q in read_workload(["q"], root=str(tmp_path))] == ["SELECT 1", "SELECT 2"]
    assert [q.sql for q in read_workload(["q/b*.sql"], root=str(tmp_path))] == ["SELECT 2"]


def test_predicates_resolve_aliases_and_kinds():
    sql = ("SELECT * FROM orders o JOIN shop.customers c ON c.id = o.customer_id "
           "WHERE o.status IN ('a') AND total > $1::numeric AND note LIKE 'x%'")
    [stmt] = parse_migration(Migration("x.sql", sql)).statements
    p = predicates(stmt.node)
    assert p.tables == {"o": "orders", "orders": "orders", "c": "shop.customers",
                        "shop.customers": "shop.customers"}
    assert p.columns == [("c", "id", "eq"), ("o", "customer_id", "eq"), ("o", "status", "eq"),
                         (None, "total", "range"), (None, "note", "range")]


def test_explain_sql_custom_and_generic_plans(tmp_path):
    a, b, c = read_workload([write(tmp_path, "SELECT 1;\n-- params: 'o''k'\nSELECT $1;\nSELECT $1;\n")])
    assert explain_sql(a) == "EXPLAIN (FORMAT JSON, VERBOSE) SELECT 1"
    assert explain_sql(b).endswith("SET plan_cache_mode = force_custom_plan; PREPARE schemalint_query "
                                   "AS SELECT $1; EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE "
                                   "schemalint_query('o''k')")
    assert "force_generic_plan" in explain_sql(c) and explain_sql(c).endswith("(NULL)")


def test_plan_of_reads_scans_cost_and_schema():
    plan = plan_of('[{"Plan": {"Node Type": "Nested Loop", "Total Cost": 12.5, "Output": ["x"], '
                   '"Plans": [{"Node Type": "Seq Scan", "Relation Name": "a", "Schema": "public"}, '
                   '{"Node Type": "Index Scan", "Relation Name": "b", "Schema": "s", '
                   '"Index Name": "b_pkey"}]}}]')
    assert plan.summary() == "Seq Scan on a, Index Scan using b_pkey on s.b (cost 12)"
    assert plan.seq_scanned() == {"a"} and plan.indexed() == {"s.b"}
    assert "Output" not in plan.tree
