"""A changed COMMENT ON is an alteration in the schema diff: of a column or an index, a
field change shown in every format; of a table, a `comment` change in the data."""

from schemalint.schemadiff import diff_schemas
from schemalint.schemadiff.render import diff_text

from .test_diff import points

BASE = ("CREATE TABLE t (a int, b int); CREATE INDEX t_b_idx ON t (b);"
        "COMMENT ON COLUMN t.a IS 'old'; COMMENT ON TABLE t IS 'table';")


def test_comment_changes_are_alterations():
    p = points(BASE, head=("COMMENT ON COLUMN t.a IS 'new'; COMMENT ON INDEX t_b_idx IS 'lookup';"
                           "COMMENT ON TABLE t IS NULL;",))
    diff = diff_schemas(p.base, p.head, p.renames)
    (t,) = diff["tables"]
    assert t["status"] == "altered" and t["comment"] == {"from": "table", "to": None}
    assert [(c["name"], c["status"], c["changes"]) for c in t["columns"]] == [
        ("a", "altered", {"comment": {"from": "old", "to": "new"}})]
    assert [(i["name"], i["changes"]) for i in t["indexes"]] == [
        ("t_b_idx", {"comment": {"from": None, "to": "lookup"}})]
    text = diff_text(diff)
    assert "~   column a: comment old -> new" in text
    assert "~   index t_b_idx: comment none -> lookup" in text
    assert "~ table t\n~   comment table -> none\n" in text


def test_a_comment_that_follows_a_rename_is_no_change():
    p = points(BASE, head=("ALTER TABLE t RENAME COLUMN a TO alpha; ALTER TABLE t RENAME TO u;",))
    (t,) = diff_schemas(p.base, p.head, p.renames)["tables"]
    assert t["renamed_from"] == {"schema": "public", "name": "t"} and "comment" not in t
    assert [(c["name"], c["status"], c["changes"]) for c in t["columns"]] == [("alpha", "renamed", {})]
