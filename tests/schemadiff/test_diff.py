"""`schemalint diff` and schemalint.schemadiff: the schema changes between two points of a
history, renames taken from the model (never guessed), as data, text and markdown."""

import contextlib
import io
import json
import subprocess
from pathlib import Path

import pytest

from schemalint.cli import main
from schemalint.discover.source import Migration
from schemalint.schemadiff import diff_schemas, fold_points, marks
from schemalint.schemadiff.render import diff_markdown, diff_text

BASE = (
    "CREATE TYPE mood AS ENUM ('sad', 'happy');\n"
    "CREATE TABLE users (id bigint PRIMARY KEY, name text, age int, m mood);\n"
    "CREATE TABLE orders (id int PRIMARY KEY, user_id bigint REFERENCES users,\n"
    "                     total numeric CHECK (total >= 0));\n"
    "CREATE INDEX orders_user_idx ON orders (user_id);\n"
    "CREATE TABLE legacy (a int);\n"
)
CHANGES = (
    "ALTER TABLE users RENAME TO customers;\n"
    "ALTER TABLE customers RENAME name TO full_name;\n"
    "ALTER TABLE customers ALTER age TYPE bigint, ALTER age SET NOT NULL, ALTER age SET DEFAULT 0;\n"
    "ALTER INDEX orders_user_idx RENAME TO orders_customer_idx;\n"
    "ALTER TABLE orders ADD COLUMN note text, DROP CONSTRAINT orders_total_check;\n"
    "CREATE UNIQUE INDEX orders_note_key ON orders (note) WHERE note IS NOT NULL;\n"
    "DROP TABLE legacy;\n"
    "CREATE TABLE users (id int);\n"
    "ALTER TYPE mood ADD VALUE 'ok';\n"
)


def points(*texts_base, head=()):
    base = [Migration(f"m/{i:03}.sql", t) for i, t in enumerate(texts_base)]
    return fold_points(base, base + [Migration(f"m/{i + len(base):03}.sql", t) for i, t in enumerate(head)])


def test_renames_come_from_the_model_and_a_new_table_may_take_an_old_name():
    p = points(BASE, head=(CHANGES,))
    assert p.note is None
    assert p.renames.tables == {("public", "users"): ("public", "customers")}
    assert p.renames.columns == {(("public", "users"), "name"): "full_name"}
    assert p.renames.indexes == {("public", "orders_user_idx"): ("public", "orders_customer_idx")}
    diff = diff_schemas(p.base, p.head, p.renames)
    by_name = {t["name"]: t for t in diff["tables"]}
    assert [(t["name"], t["status"]) for t in diff["tables"]] == [
        ("customers", "altered"), ("legacy", "dropped"), ("orders", "altered"), ("users", "added")]
    customers = by_name["customers"]
    assert customers["renamed_from"] == {"schema": "public", "name": "users"}
    assert [(c["name"], c["status"], c["renamed_from"], c["changes"]) for c in customers["columns"]] == [
        ("full_name", "renamed", "name", {}),
        ("age", "altered", None, {"type": {"from": "integer", "to": "bigint"},
                                  "nullable": {"from": True, "to": False},
                                  "default": {"from": None, "to": "0"}})]
    # The FK to the renamed table follows it: not a change of the foreign key.
    orders = by_name["orders"]
    assert orders["foreign_keys"] == [] and orders["primary_key"] is None
    assert [(c["name"], c["status"]) for c in orders["columns"]] == [("note", "added")]
    assert [(i["name"], i["status"], i["renamed_from"]) for i in orders["indexes"]] == [
        ("orders_customer_idx", "renamed", "orders_user_idx"), ("orders_note_key", "added", None)]
    assert [(c["name"], c["status"]) for c in orders["checks"]] == [("orders_total_check", "dropped")]
    assert diff["enums"] == [{"schema": "public", "name": "mood", "status": "altered", "changes": {
        "values": {"from": ["sad", "happy"], "to": ["sad", "happy", "ok"]}}}]


def test_without_renames_a_renamed_column_is_a_drop_and_an_add():
    p = points(BASE, head=("ALTER TABLE users RENAME name TO full_name;",))
    assert [(c["name"], c["status"]) for c in diff_schemas(p.base, p.head)["tables"][0]["columns"]] == [
        ("name", "dropped"), ("full_name", "added")]
    diff = diff_schemas(p.base, p.head, p.renames)
    assert [(t["name"], t["status"]) for t in diff["tables"]] == [("users", "altered")]


def test_a_rename_back_and_forth_is_no_change():
    p = points(BASE, head=("ALTER TABLE users RENAME TO u2;", "ALTER TABLE u2 RENAME TO users;"))
    assert diff_schemas(p.base, p.head, p.renames)["tables"] == []


def test_primary_key_and_kind_changes():
    p = points("CREATE TABLE t (a int NOT NULL, b int NOT NULL);",
               head=("ALTER TABLE t ADD PRIMARY KEY (a, b);",))
    (t,) = diff_schemas(p.base, p.head, p.renames)["tables"]
    assert t["primary_key"] == {"from": None, "to": ["a", "b"]}
    assert [(i["name"], i["status"]) for i in t["indexes"]] == [("t_pkey", "added")]


def test_a_base_that_does_not_begin_the_head_is_folded_on_its_own_without_renames():
    base = [Migration("m/001.sql", "CREATE TABLE a (x int);")]
    head = [Migration("m/001.sql", "CREATE TABLE a (x int, y int);"),
            Migration("m/002.sql", "ALTER TABLE a RENAME x TO z;")]
    p = fold_points(base, head)
    assert "m/001.sql differs" in p.note and p.renames.columns == {}
    (t,) = diff_schemas(p.base, p.head, p.renames, p.note)["tables"]
    assert [(c["name"], c["status"]) for c in t["columns"]] == [
        ("x", "dropped"), ("z", "added"), ("y", "added")]


def test_marks_have_the_shape_the_erd_renderers_take():
    p = points(BASE, head=(CHANGES,))
    got = marks(diff_schemas(p.base, p.head, p.renames))
    assert got == {
        "public.customers": {"status": "altered", "columns": {
            "full_name": {"status": "altered", "type": "text"},
            "age": {"status": "altered", "type": "bigint"}}},
        "public.legacy": {"status": "dropped", "columns": {"a": {"status": "dropped", "type": "integer"}}},
        "public.orders": {"status": "altered", "columns": {"note": {"status": "added", "type": "text"}}},
        "public.users": {"status": "added", "columns": {"id": {"status": "added", "type": "integer"}}},
    }


def test_text_and_markdown():
    p = points(BASE, head=(CHANGES,))
    diff = diff_schemas(p.base, p.head, p.renames)
    text = diff_text(diff)
    assert text.splitlines()[:5] == [
        "schema diff: 4 tables changed (1 added, 1 dropped, 2 altered); 1 type or sequence changed",
        "~ table customers (renamed from users)",
        "~   column full_name (renamed from name)",
        "~   column age: type integer -> bigint; nullable null -> not null; default none -> 0",
        "- table legacy",
    ]
    assert "+   index orders_note_key unique using btree (note) where note IS NOT NULL" in text
    assert "~ enum mood: values (sad, happy) -> (sad, happy, ok)" in text
    md = diff_markdown(diff)
    assert md.startswith("#### Schema diff: 4 tables changed") and "```diff\n~ table customers" in md
    assert "<details>" not in md and "<details>" in diff_markdown(diff, open_limit=3)
    assert diff_text(diff_schemas(p.base, p.base)) == "schema diff: no schema changes\n"


# --- the command ---------------------------------------------------------------------------

def run(cwd, monkeypatch, *args):
    monkeypatch.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["diff", "--no-config", *args])
    return code, out.getvalue(), err.getvalue()


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                   cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "001_init.sql").write_text(BASE)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "init")
    (tmp_path / "db" / "002_changes.sql").write_text(CHANGES)
    return tmp_path


def test_git_revision_against_the_working_tree_and_between_revisions(repo, monkeypatch):
    code, out, _ = run(repo, monkeypatch, "HEAD", "--path", "db")
    assert code == 0
    assert out.startswith("schema diff HEAD..the working tree: 4 tables changed")
    assert "~ table customers (renamed from users)" in out
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "changes")
    code, out, _ = run(repo, monkeypatch, "HEAD~1", "HEAD", "--path", "db", "--format", "json")
    data = json.loads(out)
    assert code == 0 and (data["base"], data["head"], data["note"]) == ("HEAD~1", "HEAD", None)
    assert [t["name"] for t in data["tables"]] == ["customers", "legacy", "orders", "users"]
    # Before the first migration: everything is added.
    code, out, _ = run(repo, monkeypatch, "HEAD", "--path", "db", "-f", "markdown")
    assert code == 0 and out.startswith("#### Schema diff HEAD..the working tree: no schema changes")


def test_a_revision_without_the_migrations_yet(repo, monkeypatch):
    (repo / "later").mkdir()
    (repo / "later" / "001.sql").write_text("CREATE TABLE t (a int);")
    code, out, _ = run(repo, monkeypatch, "HEAD", "--path", "later")
    assert code == 0 and out.splitlines()[1:] == ["+ table t", "+   column a integer"]


def test_two_directories(repo, monkeypatch):
    (repo / "new").mkdir()
    (repo / "new" / "001_init.sql").write_text(BASE)
    (repo / "db" / "002_changes.sql").rename(repo / "new" / "002_changes.sql")
    code, out, _ = run(repo, monkeypatch, "db", "new")
    assert code == 0 and "~ table customers (renamed from users)" in out


@pytest.mark.parametrize("args, message", [
    (("nope", "--path", "db"), "unknown revision 'nope'"),
    (("HEAD",), "name the migrations to compare"),
    (("HEAD", "db"), "db is a path"),
    (("a", "b", "c"), "at most one HEAD"),
    (("db", "db", "--path", "db"), "--path is for git revisions"),
    (("HEAD", "--path", "/"), "outside the git repository"),
])
def test_bad_input_is_a_usage_error(repo, monkeypatch, args, message):
    code, out, err = run(repo, monkeypatch, *args)
    assert code == 2 and message in err and "Traceback" not in err and out == ""


def test_outside_a_repository(tmp_path, monkeypatch):
    code, _, err = run(tmp_path, monkeypatch, "HEAD", "--path", ".")
    assert code == 2 and "not inside a git repository" in err


def test_the_documented_diff_is_the_real_one():
    p = points(BASE, head=(CHANGES,))
    text = diff_text(diff_schemas(p.base, p.head, p.renames), "schema diff master..the working tree")
    doc = (Path(__file__).parents[2] / "docs" / "schema-diff.md").read_text()
    assert f"```sql\n{CHANGES}```" in doc and f"```text\n{text}```" in doc


def test_set_schema_and_renamed_constraints_are_renames():
    p = points(BASE, head=("CREATE SCHEMA sales;\nALTER TABLE orders SET SCHEMA sales;\n"
                           "ALTER TABLE sales.orders RENAME CONSTRAINT orders_total_check TO total_positive;\n"
                           "ALTER TABLE customers_never_created ADD COLUMN x int;\n",))
    assert p.renames.tables == {("public", "orders"): ("sales", "orders")}
    assert p.renames.constraints == {(("public", "orders"), "orders_total_check"): "total_positive"}
    tables = diff_schemas(p.base, p.head, p.renames)["tables"]
    orders = next(t for t in tables if t["name"] == "orders")
    assert (orders["schema"], orders["status"], orders["renamed_from"]) == (
        "sales", "altered", {"schema": "public", "name": "orders"})
    assert [(c["name"], c["status"], c["renamed_from"]) for c in orders["checks"]] == [
        ("total_positive", "renamed", "orders_total_check")]
    # Its indexes moved with it, under their names: no change of theirs to report.
    assert orders["indexes"] == [] and p.renames.indexes[("public", "orders_pkey")] == ("sales", "orders_pkey")
    assert "~ table sales.orders (renamed from orders)" in diff_text(diff_schemas(p.base, p.head, p.renames))
