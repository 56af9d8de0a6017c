"""Regressions from the adversarial accuracy review: model facts and the wording of findings
that fixtures (which compare positions only) cannot pin down."""

from schemalint.discover.source import Migration
from tests.helpers import lint_sql


def _by_rule(diags, rule):
    return [d for d in diags if d.rule == rule]


def test_missing_lock_timeout_on_drop_index_names_the_table():
    diags = lint_sql(
        "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n"
        "CREATE INDEX users_email_idx ON users (email);",
        "DROP INDEX users_email_idx;",
        select=("missing-lock-timeout",),
    )
    (d,) = diags
    assert "on `users`" in d.message and "users_email_idx" not in d.message


def test_partitioned_index_drop_has_no_concurrent_advice():
    diags = lint_sql(
        "CREATE TABLE ev (id bigint, at date) PARTITION BY RANGE (at);\n"
        "CREATE INDEX ev_at_idx ON ev (at);",
        "DROP INDEX ev_at_idx;",
        select=("drop-index-non-concurrently",),
    )
    (d,) = diags
    assert "CONCURRENTLY" not in d.help.split("\n", 1)[1] and d.fix is None


def test_self_referencing_foreign_key_names_its_table_once():
    diags = lint_sql(
        "CREATE TABLE people (id bigint PRIMARY KEY, parent_id bigint);",
        "ALTER TABLE people ADD CONSTRAINT people_parent_fkey FOREIGN KEY (parent_id) REFERENCES people (id);",
        select=("add-foreign-key-without-not-valid",),
    )
    (d,) = diags
    assert "`people` and `people`" not in d.message and "writes to it are blocked" in d.message


def test_add_column_check_help_keeps_the_rest_of_the_column():
    diags = lint_sql(
        "CREATE TABLE t (id bigint PRIMARY KEY);",
        "ALTER TABLE t ADD COLUMN qty int NOT NULL DEFAULT 1 CHECK (qty > 0);",
        select=("add-check-constraint-without-not-valid",),
    )
    (d,) = diags
    assert "ADD COLUMN qty int NOT NULL DEFAULT 1;" in d.help
    assert "ADD CONSTRAINT t_qty_check CHECK (qty > 0) NOT VALID;" in d.help


def _model(*sqls):
    from schemalint.config.settings import LintConfig
    from schemalint.model import Model
    from schemalint.parse.statements import parse_migration

    model = Model()
    for i, sql in enumerate(sqls):
        migration = Migration(path=f"{i:03d}.sql", text=sql)
        model.begin_migration(migration, LintConfig().assume_in_transaction)
        for stmt in parse_migration(migration).statements:
            model.fold(stmt)
    return model


def test_search_path_list_resolves_schema_by_schema():
    model = _model(
        "CREATE SCHEMA app; CREATE TABLE app.a (id int); CREATE TABLE b (id int);"
        "SET search_path TO app, public; CREATE TABLE c (id int); CREATE INDEX b_id ON b (id);"
    )
    assert ("app", "c") in model.tables  # created in the first schema of the path
    assert model.indexes[("public", "b_id")].table == ("public", "b")  # found in the second
    assert model.resolve("a") == ("app", "a")


def test_like_including_indexes_copies_the_primary_key_and_query_columns_are_known():
    model = _model(
        "CREATE TABLE src (id bigint PRIMARY KEY, created_at timestamptz, d int DEFAULT 1);"
        "CREATE TABLE l1 (LIKE src INCLUDING ALL); CREATE TABLE l2 (LIKE src);"
        "CREATE TABLE q1 AS SELECT * FROM src; CREATE TABLE q2 AS SELECT id, now() AS at, count(*) FROM src;"
        "CREATE TABLE q3 AS SELECT 1 + 1; SELECT id INTO q4 FROM src;"
    )
    t = model.tables
    assert t[("public", "l1")].primary_key() is not None and t[("public", "l1")].columns["d"].default
    assert t[("public", "l2")].primary_key() is None and t[("public", "l2")].columns["d"].default is None
    assert set(t[("public", "q1")].columns) == {"id", "created_at", "d"}
    assert set(t[("public", "q2")].columns) == {"id", "at", "count"}
    assert not t[("public", "q3")].columns_known
    assert set(t[("public", "q4")].columns) == {"id"}
