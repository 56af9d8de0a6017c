"""The extension rules (category `extensions`) run only for a project that uses the extension:
one the history creates (in any schema, before the statement) or one the configuration
declares in `extensions`."""

from __future__ import annotations

import pytest

from schemalint.check.engine import lint
from schemalint.config.settings import LintConfig
from schemalint.discover.source import Migration
from schemalint.rules import RULES
from tests.helpers import lint_sql

BY_NAME = {r.name: r for r in RULES}
EXTENSION_RULES = sorted(r.name for r in RULES if r.category == "extensions")
CREATES = {"vector": "CREATE EXTENSION vector;\n", "postgis": "CREATE EXTENSION postgis;\n",
           "timescaledb": "CREATE EXTENSION IF NOT EXISTS timescaledb;\n"}


def _extension(rule) -> str:
    return next(name for name, sql in CREATES.items() if rule.bad[0].startswith(sql))


def _rules(found) -> list[str]:
    return [d.rule for d in found]


def test_there_are_extension_rules():
    assert EXTENSION_RULES == ["concurrent-index-on-hypertable", "geometry-column-without-srid",
                               "hypertable-migrate-data", "ivfflat-index-on-empty-table",
                               "vector-column-without-dimensions",
                               "vector-index-over-dimension-limit"]


@pytest.mark.parametrize("name", EXTENSION_RULES)
def test_silent_without_the_extension_and_active_when_declared(name):
    rule = BY_NAME[name]
    extension = _extension(rule)
    without = rule.bad[0].removeprefix(CREATES[extension])
    assert _rules(lint_sql(rule.bad[0], select=(name,))) == [name]
    assert _rules(lint_sql(without, select=(name,))) == []
    assert _rules(lint_sql(without, select=(name,), extensions=(extension,))) == [name]
    # Another extension declared does not turn it on.
    others = tuple(e for e in CREATES if e != extension)
    assert _rules(lint_sql(without, select=(name,), extensions=others)) == []


@pytest.mark.parametrize("name", EXTENSION_RULES)
def test_created_in_an_earlier_file_or_another_schema(name):
    rule = BY_NAME[name]
    extension = _extension(rule)
    without = rule.bad[0].removeprefix(CREATES[extension])
    create = f"CREATE SCHEMA extensions;\nCREATE EXTENSION IF NOT EXISTS {extension} SCHEMA extensions;"
    assert _rules(lint_sql(create, without, select=(name,))) == [name]


def test_statement_rules_see_only_an_extension_created_before_the_statement():
    sql = ("CREATE TABLE items (id bigint, embedding vector(3));\n"
           "CREATE INDEX ON items USING ivfflat (embedding vector_l2_ops) WITH (lists = 100);\n"
           "CREATE EXTENSION vector;\n")
    assert _rules(lint_sql(sql, select=("ivfflat-index-on-empty-table",))) == []


def test_an_extension_created_by_a_down_migration_does_not_leak_into_later_files():
    down = Migration(path="001.down.sql", text="CREATE EXTENSION vector;", direction="down")
    later = Migration(path="002.sql", text=BY_NAME["ivfflat-index-on-empty-table"].bad[0]
                      .removeprefix(CREATES["vector"]))
    found = lint([down, later], LintConfig(select=("ivfflat-index-on-empty-table",)), RULES)
    assert _rules(found) == []


def test_vector_index_builds_keep_create_index_non_concurrently_with_a_memory_message():
    sql = "CREATE INDEX ON items USING hnsw (embedding vector_cosine_ops) WITH (m = 16);"
    [found] = lint_sql(sql, select=("create-index-non-concurrently",))
    assert "pgvector hnsw builds on a large table can take hours" in found.message
    assert "maintenance_work_mem" in found.message
    assert "SET maintenance_work_mem = '8GB';" in found.help
    assert "CREATE INDEX CONCURRENTLY ON items USING hnsw (embedding vector_cosine_ops) WITH (m = 16);" in found.help
    assert found.fix is not None and found.fix.safe
    [plain] = lint_sql("CREATE INDEX ON items (id);", select=("create-index-non-concurrently",))
    assert "pgvector" not in plain.message and "maintenance_work_mem" not in plain.help


def test_ivfflat_help_gives_the_hnsw_statement():
    [found] = lint_sql(BY_NAME["ivfflat-index-on-empty-table"].bad[0], select=("ivfflat-index-on-empty-table",))
    assert "CREATE INDEX ON items USING hnsw (embedding vector_l2_ops);" in found.help


def test_geometry_help_keeps_the_shape_written():
    [found] = lint_sql("CREATE EXTENSION postgis;\nCREATE TABLE t (g geometry(MultiPolygon));",
                       select=("geometry-column-without-srid",))
    assert "`geometry(MultiPolygon)`" in found.message
    assert "g geometry(MultiPolygon, 4326)" in found.help


def test_no_concurrently_fix_on_a_hypertable_and_the_help_says_why():
    sql = ("SELECT create_hypertable('metrics', by_range('time'));\n"
           "CREATE INDEX metrics_device_idx ON metrics (device_id, time DESC);")
    [found] = lint_sql(sql, select=("create-index-non-concurrently",))
    assert found.fix is None
    assert "WITH (timescaledb.transaction_per_chunk)" in found.help
    # The same index on a plain table keeps its fix.
    [plain] = lint_sql("CREATE INDEX metrics_device_idx ON metrics (device_id, time DESC);",
                       select=("create-index-non-concurrently",))
    assert plain.fix is not None


def test_concurrent_index_on_hypertable_help_gives_the_per_chunk_statement():
    rule = BY_NAME["concurrent-index-on-hypertable"]
    [found] = lint_sql(rule.bad[0], select=(rule.name,))
    assert ("CREATE INDEX conditions_location_idx ON conditions (location, time DESC)\n"
            "        WITH (timescaledb.transaction_per_chunk);") in found.help
    where = rule.bad[0].replace("DESC);", "DESC) WHERE location <> 'lab';")
    [partial] = lint_sql(where, select=(rule.name,))
    assert "add `timescaledb.transaction_per_chunk` to the index's WITH (...) options" in partial.help


def test_hypertables_follow_schema_moves_and_stay_out_of_later_files_from_a_down_migration():
    moved = lint_sql("SELECT create_hypertable('metrics', by_range('time'));\n"
                     "ALTER TABLE metrics SET SCHEMA archive;\n"
                     "CREATE INDEX CONCURRENTLY ON archive.metrics (device_id);\n"
                     "CREATE INDEX CONCURRENTLY ON metrics (device_id);",
                     select=("concurrent-index-on-hypertable",), extensions=("timescaledb",))
    assert [(d.line, d.rule) for d in moved] == [(3, "concurrent-index-on-hypertable")]
    down = Migration(path="001.down.sql", direction="down",
                     text="SELECT create_hypertable('metrics', by_range('time'));")
    later = Migration(path="002.sql", text="CREATE INDEX CONCURRENTLY ON metrics (device_id);")
    found = lint([down, later], LintConfig(select=("concurrent-index-on-hypertable",),
                                           extensions=("timescaledb",)), RULES)
    assert found == []
