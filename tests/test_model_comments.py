"""COMMENT ON in the schema model: each object keeps its own comment, so it follows renames
and schema moves and goes with drops (PostgreSQL keys pg_description by oid); a down
migration's comments stay on its scratch copy. tests/fidelity/comments checks the same on a
real server (tests/replay/test_model_fidelity.py)."""

from schemalint.discover.source import Migration
from schemalint.model import Model
from schemalint.model.dump import schema_json
from schemalint.parse.statements import parse_migration

from .test_model_truth import _state, fold

BASE = ("CREATE TABLE t (id int PRIMARY KEY, a text, b int);"
        "CREATE INDEX t_a_idx ON t (a);"
        "ALTER TABLE t ADD CONSTRAINT t_b_check CHECK (b > 0);"
        "COMMENT ON TABLE t IS 'table';"
        "COMMENT ON COLUMN t.a IS 'column';"
        "COMMENT ON INDEX t_a_idx IS 'index';"
        "COMMENT ON CONSTRAINT t_b_check ON t IS 'constraint';")


def _comments(model, key=("public", "t")) -> tuple:
    t = model.tables[key]
    return (t.comment, {n: c.comment for n, c in t.columns.items() if c.comment},
            {n: c.comment for n, c in t.constraints.items() if c.comment},
            {k[1]: i.comment for k, i in model.indexes.items() if i.comment})


def test_comment_on_each_kind_of_object():
    model = fold(BASE)
    assert _comments(model) == ("table", {"a": "column"}, {"t_b_check": "constraint"}, {"t_a_idx": "index"})


def test_null_and_an_empty_string_remove_a_comment():
    model = fold(BASE, "COMMENT ON TABLE t IS NULL; COMMENT ON COLUMN t.a IS '';"
                       "COMMENT ON INDEX t_a_idx IS 'again'; COMMENT ON CONSTRAINT t_b_check ON t IS NULL;")
    assert _comments(model) == (None, {}, {}, {"t_a_idx": "again"})


def test_comments_follow_renames_and_schema_moves():
    model = fold(BASE, "ALTER TABLE t RENAME TO u; ALTER TABLE u RENAME COLUMN a TO alpha;"
                       "ALTER INDEX t_a_idx RENAME TO u_alpha_idx;"
                       "ALTER TABLE u RENAME CONSTRAINT t_b_check TO u_b_check;"
                       "ALTER TABLE u ALTER COLUMN alpha TYPE varchar(10);"
                       "CREATE SCHEMA s; ALTER TABLE u SET SCHEMA s;")
    assert _comments(model, ("s", "u")) == ("table", {"alpha": "column"}, {"u_b_check": "constraint"},
                                            {"u_alpha_idx": "index"})


def test_comments_go_with_their_objects():
    model = fold(BASE, "ALTER TABLE t DROP COLUMN a; ALTER TABLE t ADD COLUMN a text;"
                       "DROP TABLE t; CREATE TABLE t (id int, a text);")
    assert _comments(model) == (None, {}, {}, {})


def test_comments_on_what_the_model_does_not_hold_change_nothing():
    model = fold(BASE, "COMMENT ON TABLE missing IS 'x'; COMMENT ON COLUMN t.missing IS 'x';"
                       "COMMENT ON INDEX missing IS 'x'; COMMENT ON SCHEMA public IS 'x';"
                       "COMMENT ON CONSTRAINT missing ON t IS 'x';")
    assert _comments(model) == _comments(fold(BASE))


def test_views_keep_their_comment_when_replaced():
    model = fold("CREATE VIEW v AS SELECT 1 AS x; COMMENT ON VIEW v IS 'view';"
                 "CREATE OR REPLACE VIEW v AS SELECT 1 AS x, 2 AS y;"
                 "CREATE MATERIALIZED VIEW m AS SELECT 1 AS x; COMMENT ON MATERIALIZED VIEW m IS 'matview';")
    assert model.tables[("public", "v")].comment == "view"
    assert model.tables[("public", "m")].comment == "matview"
    assert fold("CREATE VIEW v AS SELECT 1; COMMENT ON VIEW v IS 'old'; DROP VIEW v;"
                "CREATE VIEW v AS SELECT 1;").tables[("public", "v")].comment is None


def test_like_including_comments_copies_columns_checks_and_indexes_not_the_table():
    model = fold(BASE, "CREATE TABLE c (LIKE t INCLUDING COMMENTS INCLUDING CONSTRAINTS INCLUDING INDEXES);"
                       "CREATE TABLE d (LIKE t INCLUDING CONSTRAINTS INCLUDING INDEXES);"
                       "CREATE TABLE e (LIKE t INCLUDING ALL);")
    assert _comments(model, ("public", "c"))[:3] == (None, {"a": "column"}, {"t_b_check": "constraint"})
    assert model.indexes[("public", "c_a_idx")].comment == "index"
    assert _comments(model, ("public", "d"))[:3] == (None, {}, {})
    assert model.indexes[("public", "d_a_idx")].comment is None
    assert _comments(model, ("public", "e"))[:3] == (None, {"a": "column"}, {"t_b_check": "constraint"})


def test_partitions_do_not_inherit_comments():
    model = fold("CREATE TABLE p (id int, at date) PARTITION BY RANGE (at);"
                 "COMMENT ON COLUMN p.at IS 'when'; CREATE INDEX p_at_idx ON p (at);"
                 "COMMENT ON INDEX p_at_idx IS 'index';"
                 "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');")
    assert _comments(model, ("public", "p1")) == (None, {}, {}, {"p_at_idx": "index"})


def test_a_down_migration_comments_on_its_scratch_copy_only():
    model = fold(BASE)
    before = _state(model)
    down = Migration("1.down.sql", "COMMENT ON TABLE t IS 'down'; COMMENT ON COLUMN t.a IS NULL;"
                                   "COMMENT ON INDEX t_a_idx IS 'down';"
                                   "COMMENT ON CONSTRAINT t_b_check ON t IS 'down';", direction="down")
    model.begin_migration(down, assume_in_transaction=False)
    for stmt in parse_migration(down).statements:
        model.fold(stmt)
    # Inside the file, its own comments are seen.
    assert _comments(model) == ("down", {}, {"t_b_check": "down"}, {"t_a_idx": "down"})
    model.end_migration()
    assert _state(model) == before
    assert _comments(model) == ("table", {"a": "column"}, {"t_b_check": "constraint"}, {"t_a_idx": "index"})


def test_the_dump_has_the_comments():
    data = schema_json(fold(BASE))
    (t,) = data["tables"]
    assert t["comment"] == "table"
    assert [(c["name"], c["comment"]) for c in t["columns"]] == [("id", None), ("a", "column"), ("b", None)]
    assert [(i["name"], i["comment"]) for i in t["indexes"]] == [("t_a_idx", "index"), ("t_pkey", None)]
    assert schema_json(Model())["tables"] == []
