"""Replay that is right every time (issue 13, items 4-6), on a real server: seeding after the
migration that creates each table, faults (invalid UTF-8, a failing down migration, frozen
`now` literals, large files streamed), and framework fidelity (--layout, file order, the
framework's own tables, roles every deployment has)."""

from __future__ import annotations

import json

import pytest

from schemalint.cli import main
from schemalint.discover.discovery import discover
from schemalint.discover.source import Migration
from schemalint.replay import stream
from schemalint.replay.options import ReplayOptions
from schemalint.replay.report import document, render_json, render_markdown, render_text
from schemalint.replay.runner import replay
from tests.replay.conftest import statement

USERS = """
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE posts (id serial PRIMARY KEY, author_id bigint NOT NULL REFERENCES users (id), body text);
"""


def _replay(server, *files: tuple[str, str], **options) -> object:
    migrations = [Migration(path, text) for path, text in files]
    return replay(migrations, ReplayOptions(backend="dsn", dsn=server.conninfo(), **options))


# --- 4. seeding that seeds ---------------------------------------------------------


def test_every_migration_traced_and_each_table_seeded_after_its_migration(server):
    report = _replay(server, ("001.sql", USERS),
                     ("002.sql", "ALTER TABLE users ADD COLUMN nick text NOT NULL;"), rows=40)
    assert report.untraced_migrations == 0
    assert [s.to_dict() for s in report.seeding] == [
        {"table": "users", "rows": 40, "after": "001.sql"},
        {"table": "posts", "rows": 40, "after": "001.sql"}]
    assert report.seeded == {"users": 40, "posts": 40}
    # 002 ran on the seeded rows: PostgreSQL refuses NOT NULL without a default on them.
    assert "contains null values" in statement(report, "nick").error
    text, md, doc = render_text(report), render_markdown(report), document(report)
    assert "seeded users: 40 row(s), after 001.sql" in text
    assert "- seeded posts: 40 row(s), after 001.sql" in md
    assert doc["seeding"][0] == {"table": "users", "rows": 40, "after": "001.sql"}


def test_tables_created_later_are_seeded_then_and_per_table_counts(server):
    report = _replay(server, ("001.sql", "CREATE TABLE a (id int PRIMARY KEY);"),
                     ("002.sql", "CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a);"),
                     ("003.sql", "CREATE INDEX b_a ON b (a_id);"),
                     rows=5, rows_per_table={"public.b": 9, "ghost": 3})
    assert [(s.table, s.rows, s.after) for s in report.seeding] == [("a", 5, "001.sql"), ("b", 9, "002.sql")]
    assert report.seed_problems == ["ghost: rows configured for a table that no migration creates"]
    lock = next(lk for lk in statement(report, "b_a").locks if lk.relation.name == "b")
    assert lock.pre_existing  # traced on a table that holds data


def test_what_cannot_be_seeded_says_why(server):
    report = _replay(server, ("001.sql", """
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent);
CREATE TABLE shapes (id int PRIMARY KEY, at point NOT NULL, maybe point);
CREATE TABLE checked (id int PRIMARY KEY CHECK (id < 0));
CREATE TABLE lookup (code text PRIMARY KEY);
INSERT INTO lookup VALUES ('a'), ('b');
CREATE TABLE uses_lookup (id int PRIMARY KEY, code text NOT NULL REFERENCES lookup);
"""), rows=4, rows_per_table={"parent": 0, "lookup": 0})
    problems = sorted(report.seed_problems)
    assert problems[0].startswith("checked: not filled: the synthetic values violate CHECK "
                                  "constraint checked_id_check")
    assert problems[1] == ("child: not filled: foreign key column parent_id is NOT NULL and "
                           "references parent, which has no rows")
    assert problems[2].startswith("shapes: not filled: NOT NULL column(s) without a default of a "
                                  "type the seeder cannot generate: at (point)")
    assert len(problems) == 3
    # Rows the migration inserted itself are parents too.
    assert report.seeded == {"uses_lookup": 4}
    doc = json.loads(render_json(report))
    assert doc["seed_problems"] == report.seed_problems


def test_rows_without_any_table_says_so(server):
    report = _replay(server, ("001.sql", "CREATE SCHEMA s;"), rows=10)
    assert report.seeded == {} and report.seed_problems == []
    assert "seeded nothing: no migration created a table to fill" in render_text(report)


def test_check_replay_seeds(server, tmp_path, capsys):
    (tmp_path / "001.sql").write_text(USERS)
    (tmp_path / "002.sql").write_text("ALTER TABLE users ADD COLUMN nick text NOT NULL;\n")
    args = ["check", str(tmp_path), "--replay", "--dsn", server.conninfo(), "--format", "json",
            "--no-config", "--select", "migration-failed"]
    assert main(args) == 0  # no rows: PostgreSQL accepts it on an empty table
    capsys.readouterr()
    assert main([*args, "--rows", "10"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [d["rule"] for d in doc["diagnostics"]] == ["migration-failed"]


# --- 5. faults -----------------------------------------------------------------------


def test_invalid_utf8_is_refused_and_reported_like_check(server, tmp_path, capsys):
    (tmp_path / "001.sql").write_text("CREATE TABLE t (id int);\n")
    (tmp_path / "002.sql").write_bytes(b"ALTER TABLE t ADD COLUMN a int;\n"
                                       b"COMMENT ON TABLE t IS 'caf\xe9';\nALTER TABLE t ADD COLUMN b int;\n")
    (tmp_path / "003.sql").write_text("ALTER TABLE t ADD COLUMN c int;\n")
    base = [str(tmp_path), "--dsn", server.conninfo(), "--format", "json", "--no-config"]
    assert main(["replay", *base]) == 1
    doc = json.loads(capsys.readouterr().out)
    failed = [s for s in doc["statements"] if s["status"] == "failed"]
    assert [(s["path"].rsplit("/", 1)[1], s["line"]) for s in failed] == [("002.sql", 2)]
    assert 'invalid byte sequence for encoding "UTF8" at line 2, column 27' in failed[0]["error"]
    # Nothing of the file ran (PostgreSQL refuses it), nor anything after it.
    assert [(n["path"].rsplit("/", 1)[1], n["statements"]) for n in doc["not_run"]] == [
        ("002.sql", 2), ("003.sql", 1)]
    rules = sorted(d["rule"] for d in doc["diagnostics"])
    assert rules == ["invalid-encoding", "migration-failed"]
    main(["check", *base, "--replay", "--select", "invalid-encoding,migration-failed"])
    rules = sorted(d["rule"] for d in json.loads(capsys.readouterr().out)["diagnostics"])
    assert rules == ["invalid-encoding", "migration-failed"]  # once each


def test_failing_down_ends_only_its_roundtrip(server):
    files = [Migration("001_a/up.sql", "CREATE TABLE a (id int);"),
             Migration("002_b/up.sql", "CREATE TABLE b (id int);"),
             Migration("002_b/down.sql", "DROP TABLE nope;", direction="down"),
             Migration("003_c/up.sql", "CREATE TABLE c (id int);"),
             Migration("003_c/down.sql", "DROP TABLE c;", direction="down")]
    report = replay(files, ReplayOptions(backend="dsn", dsn=server.conninfo(), roundtrip=True))
    assert [(rt.up_path, rt.error is None) for rt in report.roundtrips] == [
        ("002_b/up.sql", False), ("003_c/up.sql", True)]
    assert 'table "nope" does not exist' in report.roundtrips[0].error
    assert [t.status for t in report.statements] == ["ok"] * 3 and report.stopped is None


def test_failing_down_outside_a_transaction_names_what_it_left(server):
    files = [Migration("001_b/up.sql", "CREATE TABLE b (id int);\nCREATE TABLE b2 (id int);"),
             Migration("001_b/down.sql", "DROP TABLE b2;\nDROP TABLE nope;", direction="down"),
             Migration("002_c/up.sql", "CREATE TABLE c (id int);")]
    report = replay(files, ReplayOptions(backend="dsn", dsn=server.conninfo(), roundtrip=True))
    assert "left these changes" in report.roundtrips[0].error
    assert "missing after down: relation b2" in report.roundtrips[0].error
    assert statement(report, "TABLE c").status == "ok"


def test_frozen_now_literals_are_not_differences(server):
    view = ("CREATE VIEW v AS SELECT 'now'::timestamp AS t, 'now'::timestamptz AS tz, "
            "'today'::date AS d;\n"
            "CREATE TABLE stamped (id int, at timestamp DEFAULT 'now'::timestamp);")
    files = [Migration("001_v/up.sql", view),
             Migration("002_x/up.sql", "DROP VIEW v;\nDROP TABLE stamped;"),
             Migration("002_x/down.sql", "SELECT pg_sleep(0.01);\n" + view, direction="down")]
    report = replay(files, ReplayOptions(backend="dsn", dsn=server.conninfo(), roundtrip=True))
    assert [(rt.differences, rt.error) for rt in report.roundtrips] == [([], None)]
    # A real change of a literal still is one.
    files[2] = Migration("002_x/down.sql", view.replace("'today'::date", "'2001-01-01'::date"),
                         direction="down")
    report = replay(files, ReplayOptions(backend="dsn", dsn=server.conninfo(), roundtrip=True))
    assert len(report.roundtrips[0].differences) == 1
    assert report.roundtrips[0].differences[0].startswith("changed by up+down: view v:")


def test_large_files_are_streamed_with_the_same_result(server, monkeypatch):
    sql = "CREATE TABLE t (id int);\n" + "".join(f"INSERT INTO t VALUES ({i});\n" for i in range(300))
    sql += "INSERT INTO nope VALUES (1);\n" + "INSERT INTO t VALUES (0);\n" * 50
    small = _replay(server, ("001.sql", sql))
    monkeypatch.setattr(stream, "LARGE", 1000)
    large = _replay(server, ("001.sql", sql))
    assert len(small.statements) == len(large.statements) == 302
    assert [n.to_dict() for n in large.not_run] == [n.to_dict() for n in small.not_run] == [
        {"path": "001.sql", "line": 303, "end_line": 352, "statements": 50}]
    assert render_json(large) == json.dumps(document(large), indent=2, ensure_ascii=False) + "\n"


# --- 6. framework fidelity ---------------------------------------------------------


def test_layout_flag_is_checks(server, tmp_path, capsys):
    (tmp_path / "1_a.up.sql").write_text("CREATE TABLE a (id int);\n")
    (tmp_path / "1_a.down.sql").write_text("DROP TABLE a;\n")
    assert main(["replay", str(tmp_path), "--layout", "nope", "--dsn", server.conninfo()]) == 2
    err = capsys.readouterr().err
    assert main(["check", str(tmp_path), "--layout", "nope"]) == 2
    assert capsys.readouterr().err == err and "--layout: unknown layout 'nope'" in err
    assert main(["replay", str(tmp_path), "--layout", "plain", "--dsn", server.conninfo(),
                 "--format", "json", "--no-config"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["bookkeeping"] == {}  # plain: no framework, no table of its own
    main(["replay", str(tmp_path), "--layout", "golang-migrate", "--dsn", server.conninfo(),
          "--format", "json", "--no-config"])
    assert json.loads(capsys.readouterr().out)["bookkeeping"] == {"golang-migrate": ["schema_migrations"]}


def test_mixed_folder_replays_in_checks_order(server, tmp_path, capsys):
    for name, sql in [("001_a.up.sql", "CREATE TABLE a (id int);"), ("001_a.down.sql", "DROP TABLE a;"),
                      ("001_b.sql", "CREATE TABLE b (id int);"), ("002_c.up.sql", "CREATE TABLE c (id int);"),
                      ("002_a.sql", "ALTER TABLE a ADD COLUMN x int;")]:
        (tmp_path / name).write_text(sql + "\n")
    checked = [m.path for m in discover([str(tmp_path)], layout="auto").migrations if m.direction == "up"]
    main(["replay", str(tmp_path), "--dsn", server.conninfo(), "--format", "json", "--no-config"])
    doc = json.loads(capsys.readouterr().out)
    assert [s["path"] for s in doc["statements"]] == checked


FRAMEWORKS = {
    "golang-migrate": {"1_x.up.sql": "UPDATE schema_migrations SET dirty = false;\n"},
    "goose": {"001_x.sql": "-- +goose Up\nDELETE FROM goose_db_version WHERE version_id > 0;\n"},
    "flyway": {"V1__x.sql": "UPDATE flyway_schema_history SET success = true;\n"},
    "dbmate": {"001_x.sql": "-- migrate:up\nDELETE FROM schema_migrations WHERE version = '0';\n"},
    "sqitch": {"sqitch.plan": "%project=p\n\nx 2020-01-01T00:00:00Z A <a@b> # x\n",
               "deploy/x.sql": "SELECT count(*) FROM sqitch.changes JOIN sqitch.projects USING (project);\n"},
}


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_framework_bookkeeping_tables_exist(server, tmp_path, capsys, framework):
    for name, text in FRAMEWORKS[framework].items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    main(["replay", str(tmp_path), "--dsn", server.conninfo(), "--format", "json", "--no-config"])
    doc = json.loads(capsys.readouterr().out)
    assert list(doc["bookkeeping"]) == [framework]
    assert [s["status"] for s in doc["statements"]] == ["ok"], doc["statements"]


def test_missing_role_is_named_and_the_rest_goes_on_outside_a_transaction(run):
    report = run("CREATE TABLE t (id int);",
                 "GRANT SELECT ON t TO some_admin;\nALTER TABLE t ADD COLUMN a int;",
                 "ALTER TABLE t ADD COLUMN b int;", last=2)
    failed = statement(report, "some_admin")
    assert failed.status == "failed"
    assert failed.error.startswith('role "some_admin" does not exist: the replay database has no role '
                                   "some_admin; if every deployment has it, declare it in the "
                                   "configuration (replay: roles: [some_admin])")
    assert statement(report, "ADD COLUMN a").status == "ok"
    assert statement(report, "ADD COLUMN b").status == "ok"
    assert report.stopped is None
    assert [d.rule for d in report.diagnostics if d.rule == "migration-failed"] == ["migration-failed"]


def test_missing_role_inside_a_transaction_stops_and_says_why(run):
    report = run("CREATE TABLE t (id int);",
                 "GRANT SELECT ON t TO some_reader;\nALTER TABLE t ADD COLUMN a int;",
                 "ALTER TABLE t ADD COLUMN b int;", last=2, in_transaction=True)
    assert "replay: roles: [some_reader]" in statement(report, "some_reader").error
    assert report.stopped.startswith("002.sql:1: role \"some_reader\" does not exist")
    assert report.stopped.endswith("inside a transaction, which the failure aborted, so the "
                                   "framework's runner would stop here too; 1 later migration "
                                   "file(s) not replayed")
    assert [(n.path, n.statements) for n in report.not_run] == [("002.sql", 1), ("003.sql", 1)]


def test_tables_are_seeded_after_the_roundtrip_recreates_them(server):
    files = [Migration("001_t/up.sql", "CREATE TABLE t (id int PRIMARY KEY, name text);"),
             Migration("001_t/down.sql", "DROP TABLE t;", direction="down"),
             Migration("002_n/up.sql", "ALTER TABLE t ADD COLUMN n int NOT NULL;")]
    report = replay(files, ReplayOptions(backend="dsn", dsn=server.conninfo(), roundtrip=True,
                                         rows=10))
    assert [(s.table, s.after) for s in report.seeding] == [("t", "001_t/up.sql")]
    # 002 met the seeded rows: the table was filled after up again.
    assert "contains null values" in statement(report, "ADD COLUMN n").error


def test_invalid_utf8_only_refuses_the_section_that_holds_it(server, tmp_path, capsys):
    (tmp_path / "001_x.sql").write_bytes(b"-- +goose Up\nCREATE TABLE t (id int);\n"
                                         b"-- +goose Down\nCOMMENT ON TABLE t IS 'caf\xe9';\n")
    (tmp_path / "002_y.sql").write_bytes(b"-- +goose Up\nCOMMENT ON TABLE t IS 'caf\xe9';\n")
    main(["replay", str(tmp_path), "--dsn", server.conninfo(), "--format", "json", "--no-config"])
    doc = json.loads(capsys.readouterr().out)
    assert [(s["path"].rsplit("/", 1)[1], s["status"]) for s in doc["statements"]] == [
        ("001_x.sql", "ok"), ("002_y.sql", "failed")]
