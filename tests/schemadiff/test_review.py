"""The schema section of a pull request's report: `check --changed-since REF` with a
markdown report carries the branch's schema changes and the ERD of the tables it touches,
within GitHub's comment size and Mermaid's limits (schemadiff.render.review_markdown)."""

import contextlib
import io
import json

from schemalint.cli import main
from schemalint.discover.source import Migration
from schemalint.schemadiff import diff_schemas, fold_points
from schemalint.schemadiff.render import (
    DIFF_BUDGET,
    MERMAID_MAX_EDGES,
    MERMAID_MAX_TEXT,
    SECTION_BUDGET,
    review_markdown,
)
from schemalint.schemadiff.touched import touched

from .test_diff import BASE, CHANGES, git, points


def small_diff():
    p = points(BASE, head=(CHANGES,))
    return p, diff_schemas(p.base, p.head, p.renames)


def test_touched_tables_and_one_hop_with_dropped_ones_drawn_from_the_base():
    p = points(BASE + "CREATE TABLE notes (order_id int REFERENCES orders, body text);\n"
                      "CREATE TABLE far (id int);\n",
               head=("ALTER TABLE users DROP COLUMN age;",))
    diff = diff_schemas(p.base, p.head, p.renames)
    data, marks, edges = touched(diff, p.base, p.head)
    # users changed; orders references it (one hop); notes is two hops away, far unrelated.
    assert [t["name"] for t in data["tables"]] == ["orders", "users"]
    assert marks == {"public.users": {"status": "altered", "columns": {
                         "age": {"status": "dropped", "type": "integer"}}},
                     "public.orders": {"status": None, "columns": {}}}
    # The dropped column is drawn (from the base), after the head's columns.
    assert [c["name"] for c in data["tables"][1]["columns"]] == ["id", "name", "m", "age"]
    assert edges == 1
    data, marks, _ = touched(diff, p.base, p.head, hops=2)
    assert [t["name"] for t in data["tables"]] == ["notes", "orders", "users"]


def test_a_dropped_table_is_drawn_from_the_base():
    p = points(BASE, head=("DROP TABLE orders;",))
    diff = diff_schemas(p.base, p.head, p.renames)
    data, marks, edges = touched(diff, p.base, p.head)
    # The dropped table's foreign key pointed at users: one hop from it in the base only.
    assert [t["name"] for t in data["tables"]] == ["orders"] and marks["public.orders"]["status"] == "dropped"


def test_a_small_change_shows_its_diff_and_its_erd_open():
    _, diff = small_diff()
    text = review_markdown(diff, "erDiagram\n    users {\n    }\n", ["public.users (altered)"], 1)
    assert text.startswith("#### Schema changes: 4 tables changed")
    assert "```diff\n~ table customers (renamed from users)" in text
    assert "<details open><summary>ERD: 1 table (those changed, and those one foreign key away)</summary>" in text
    assert "```mermaid\nerDiagram\n    users {\n    }\n```" in text
    assert review_markdown(diff_schemas(*(small_diff()[0].base,) * 2)) == ""


def test_mermaid_limits_degrade_the_erd_to_a_table_list():
    _, diff = small_diff()
    names = [f"public.t{i} (altered)" for i in range(20)]
    big = "erDiagram\n" + "x" * MERMAID_MAX_TEXT
    for mermaid, edges in ((big, 1), ("erDiagram\n", MERMAID_MAX_EDGES + 1)):
        text = review_markdown(diff, mermaid, names, edges, budget=10 ** 6)
        assert "```mermaid" not in text and "too large for Mermaid to draw" in text
        assert "- `public.t19 (altered)`" in text
    # Within Mermaid's limits but not within the comment's budget: the list too.
    text = review_markdown(diff, "erDiagram\n" + "x" * 20_000, names, 1, budget=15_000)
    assert "```mermaid" not in text and "too large for this comment" in text and len(text) <= 15_000
    # Exactly at the limits, drawn (collapsed: more than a dozen tables).
    ok = "erDiagram\n" + "x" * (MERMAID_MAX_TEXT - len("erDiagram\n"))
    text = review_markdown(diff, ok, names, MERMAID_MAX_EDGES, budget=10 ** 6)
    assert "```mermaid" in text and "<details><summary>ERD: 20 tables" in text


def test_a_huge_change_stays_within_the_budget():
    base = [Migration("m/001.sql", "SELECT 1;")]
    tables = "".join(f"CREATE TABLE t{i:04} (id bigint PRIMARY KEY, name text, parent bigint "
                     f"REFERENCES t{max(i - 1, 0):04});\n" for i in range(600))
    p = fold_points(base, base + [Migration("m/002.sql", tables)])
    diff = diff_schemas(p.base, p.head, p.renames)
    data, marks, edges = touched(diff, p.base, p.head)
    assert len(data["tables"]) == 600 and edges == 600
    names = sorted(f"{k} ({m['status']})" for k, m in marks.items())
    text = review_markdown(diff, "erDiagram\n", names, edges)
    assert len(text) <= SECTION_BUDGET
    assert "more lines: `schemalint diff` shows them all" in text
    assert "<details><summary>the changes, table by table</summary>" in text
    assert "too large for Mermaid to draw" in text and "- `public.t0599 (added)`" in text
    diff_part = text.split("```diff\n", 1)[1].split("```", 1)[0]
    assert len(diff_part) <= DIFF_BUDGET
    # More tables than the list has room for: the rest are counted.
    text = review_markdown(diff, "erDiagram\n", [f"public.table_{i:05} (added)" for i in range(5000)], edges)
    assert len(text) <= SECTION_BUDGET and "more\n\n</details>" in text


def test_check_changed_since_puts_the_section_in_the_markdown_report(tmp_path, monkeypatch):
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "001_init.sql").write_text(BASE)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "init")
    (tmp_path / "db" / "002_changes.sql").write_text(CHANGES)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["check", "db", "--no-config", "--changed-since", "HEAD", "--format", "markdown"])
    report = out.getvalue()
    assert "#### Schema changes: 4 tables changed" in report
    assert '```mermaid\nerDiagram\n    "customers (~ altered)" {' in report
    assert report.index("#### Schema changes") < report.index("<!-- schemalint-findings -->") \
        < report.index("<details open><summary><code>db/002_changes.sql")
    # Without --changed-since, or in another format, no section.
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["check", "db", "--no-config", "--format", "markdown"])
    assert "Schema changes" not in out.getvalue()


def test_schema_changed_since_draws_the_touched_tables_marked(tmp_path, monkeypatch):
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "001_init.sql").write_text(
        BASE + "CREATE TABLE notes (order_id int REFERENCES orders, body text);\n"
               "CREATE TABLE far (id int);\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "init")
    (tmp_path / "db" / "002.sql").write_text("ALTER TABLE users DROP COLUMN age;\n"
                                            "ALTER TABLE users ADD COLUMN email text;\n")
    monkeypatch.chdir(tmp_path)

    def schema(*args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["schema", "db", "--no-config", "--changed-since", "HEAD", *args])
        return code, out.getvalue(), err.getvalue()

    code, out, _ = schema("--format", "mermaid")
    assert code == 0
    # users changed; orders is one foreign key away; notes (two away) and far are not drawn.
    assert out == (
        "erDiagram\n"
        '    orders {\n        integer id PK\n        bigint user_id FK\n        numeric total\n    }\n'
        '    "users (~ altered)" {\n        bigint id PK\n        text name\n        mood m\n'
        '        text email "+ added"\n        integer age "- dropped"\n    }\n'
        '    "users (~ altered)" |o..o{ orders : "orders_user_id_fkey"\n')
    code, out, _ = schema("--format", "json")
    data = json.loads(out)
    assert [t["name"] for t in data["tables"]] == ["orders", "users"]
    assert data["marks"]["public.orders"] == {"status": None, "columns": {}}
    code, _, err = schema("--format", "dot")
    assert code == 0
    code, _, err = main_error(["schema", "db", "--no-config", "--changed-since", "nope"])
    assert code == 2 and "unknown revision 'nope'" in err


def main_error(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_the_pull_request_picture_is_read_by_mermaids_parser(tmp_path):
    from schemalint.erd import mermaid
    from tests.erd.helpers import run_node_parser

    p = points(BASE, head=(CHANGES,))
    diff = diff_schemas(p.base, p.head, p.renames)
    data, marks, _ = touched(diff, p.base, p.head)
    (parsed,) = run_node_parser("mermaid_parse.mjs", "mermaid", [mermaid.render(data, marks)], tmp_path)
    assert set(parsed["entities"]) == {"customers (~ altered)", "legacy (- dropped)",
                                       "orders (~ altered)", "users (+ added)"}
    attributes = {a["name"]: a["comment"] for a in parsed["entities"]["orders (~ altered)"]["attributes"]}
    assert attributes["note"] == "+ added"


def test_the_documented_picture_is_the_real_one():
    from pathlib import Path

    from schemalint.erd import mermaid

    p = points(BASE, head=(CHANGES,))
    diff = diff_schemas(p.base, p.head, p.renames)
    data, marks, _ = touched(diff, p.base, p.head)
    doc = (Path(__file__).parents[2] / "docs" / "schema-diff.md").read_text()
    assert f"```mermaid\n{mermaid.render(data, marks)}```" in doc


def test_the_review_starts_from_the_base_branchs_checkpoint(tmp_path, monkeypatch):
    """With the cache the base branch's run left, the review takes the model at the merge base
    from its checkpoint instead of folding the history again; the section is the same, with
    renames (object identity across the two points) and a down migration after the base's last
    up migration, and without a usable checkpoint (another configuration) it folds as before."""
    from schemalint.schemadiff import history
    from schemalint.speed import cache as cache_mod

    db = tmp_path / "db"
    db.mkdir()
    (db / "001_init.up.sql").write_text(BASE)
    (db / "001_init.down.sql").write_text("DROP TABLE customers;\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "init")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCHEMALINT_NO_CACHE", raising=False)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    with contextlib.redirect_stdout(io.StringIO()):
        main(["check", "db", "--no-config", "--format", "json", *cache])  # the base branch's run
    (db / "002_changes.up.sql").write_text(CHANGES + "\nALTER TABLE orders RENAME TO purchases;\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "changes")
    restored, folded = [], []
    real_model, real_fold = cache_mod.checkpoint_model, history.fold_history
    monkeypatch.setattr(cache_mod, "checkpoint_model",
                        lambda *a: restored.append(real_model(*a)) or restored[-1])
    monkeypatch.setattr(history, "fold_history", lambda *a, **k: folded.append(a) or real_fold(*a, **k))

    def review(*extra):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            main(["check", "db", "--no-config", "--changed-since", "HEAD~1", "--format", "markdown", *extra])
        return out.getvalue()[:out.getvalue().index("<!-- schemalint-findings -->")]

    with_cache = review(*cache)
    assert restored and restored[-1] is not None and len(folded) == 1  # the new file only
    restored.clear(), folded.clear()
    assert review("--no-cache") == with_cache
    assert not restored and len(folded) == 2
    assert "table purchases (renamed from orders)" in with_cache, with_cache
    folded.clear()
    review(*cache, "--pg-version", "14")
    assert restored[-1] is None and len(folded) == 2  # another configuration: no checkpoint
