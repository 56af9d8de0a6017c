"""--rows seeding, --stats extrapolation, --roundtrip and the JSON report shape."""

from __future__ import annotations

import json

import psycopg
import pytest

from schemalint.cli import main
from schemalint.errors import UsageError
from schemalint.replay.options import from_config
from schemalint.replay.report import document, render_markdown, render_text
from schemalint.replay.stats import parse_stats
from tests.replay.conftest import statement

SCHEMA = """
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email varchar(40) NOT NULL UNIQUE,
  mood mood NOT NULL,
  born date,
  settings jsonb NOT NULL,
  active boolean NOT NULL DEFAULT true
);
CREATE TABLE posts (
  id serial PRIMARY KEY,
  author_id bigint NOT NULL REFERENCES users (id),
  slug text NOT NULL UNIQUE,
  token uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
"""


def test_rows_fill_tables_respecting_constraints(run):
    report = run(SCHEMA, "CREATE INDEX posts_author ON posts (author_id);", rows=3000)
    assert report.seeded == {"users": 3000, "posts": 3000}
    assert report.seed_problems == []
    t = statement(report, "posts_author")
    assert t.status == "ok"


def test_stats_extrapolate_linearly(run, tmp_path):
    stats = tmp_path / "stats.csv"
    stats.write_text("schemaname,relname,n_live_tup\npublic,users,3000000\npublic,posts,0\n")
    report = run(SCHEMA, "ALTER TABLE users ALTER COLUMN born TYPE timestamptz;", rows=3000,
                 stats=str(stats))
    t = statement(report, "born")
    assert t.estimate_ms == pytest.approx(t.duration_ms * 1000)
    lock = next(lk for lk in t.locks if lk.relation.name == "users" and lk.mode == "ACCESS EXCLUSIVE")
    assert lock.held_estimate_ms > lock.held_ms
    assert "linear" in render_text(report)


def test_parse_stats_formats():
    assert parse_stats("schemaname,relname,n_live_tup\npublic,a,10\nbilling,b,5\n") == {"a": 10, "billing.b": 5}
    assert parse_stats('{"public.a": 3, "c": 4}') == {"a": 3, "c": 4}
    assert parse_stats('[{"schemaname": "s", "relname": "t", "n_live_tup": 7}]') == {"s.t": 7}
    with pytest.raises(UsageError, match="schemaname,relname,n_live_tup"):
        parse_stats("table,rows\na,1\n")




def test_roundtrip_clean_and_mismatch(server):
    from schemalint.discover.source import Migration
    from schemalint.replay.options import ReplayOptions
    from schemalint.replay.runner import replay

    def go(down: str):
        migrations = [Migration("001_base/up.sql", "CREATE TABLE base (id int);"),
                      Migration("002_t/up.sql", "CREATE TABLE t (id int PRIMARY KEY);\n"
                                                "ALTER TABLE base ADD COLUMN x int;"),
                      Migration("002_t/down.sql", down, direction="down"),
                      Migration("003_u/up.sql", "CREATE TABLE u (id int);")]
        return replay(migrations, ReplayOptions(backend="dsn", dsn=server.conninfo(), roundtrip=True))

    good = go("DROP TABLE t;\nALTER TABLE base DROP COLUMN x;")
    assert [(r.up_path, r.differences, r.error) for r in good.roundtrips] == [("002_t/up.sql", [], None)]
    assert [t.status for t in good.statements] == ["ok"] * 4
    bad = go("DROP TABLE t;")
    assert bad.roundtrips[0].differences == ["left behind by down: column base.x"]
    assert bad.roundtrips[0].error and "already exists" in bad.roundtrips[0].error
    diag = next(d for d in bad.diagnostics if d.rule == "down-migration-mismatch")
    assert diag.path == "002_t/down.sql"


def test_json_document_shape(run):
    report = run(SCHEMA, "ALTER TABLE users ADD COLUMN nick text;", rows=10)
    doc = json.loads(json.dumps(document(report)))
    assert doc["version"] == 2 and doc["server_version"].startswith(report.server_version[:2])
    (st,) = doc["statements"]
    assert set(st) >= {"path", "line", "sql", "duration_ms", "in_transaction", "locks", "rewrites",
                       "error", "status", "changes"}
    assert st["path"] == "002.sql" and st["line"] == 1 and st["error"] is None
    lock = next(lk for lk in st["locks"] if lk["relation"] == "users")
    assert set(lock) >= {"relation", "kind", "mode", "held_ms", "blocks"}
    assert lock["kind"] == "table" and lock["blocks"] == ["reads", "writes", "ddl"]
    assert {d["rule"] for d in doc["diagnostics"]} == {"blocking-lock-without-timeout"}
    md = render_markdown(report)
    assert "| line | statement |" in md and "ACCESS EXCLUSIVE users" in md


def test_dsn_backend_creates_and_drops_its_database_only(server, run):
    admin = psycopg.connect(server.conninfo(), autocommit=True)
    admin.execute("CREATE TABLE IF NOT EXISTS sentinel (id int)")
    before = {r[0] for r in admin.execute("SELECT datname FROM pg_database")}
    report = run("CREATE TABLE sentinel (id int);", "DROP TABLE sentinel;")
    after = {r[0] for r in admin.execute("SELECT datname FROM pg_database")}
    assert report.backend == "dsn" and before == after
    # The migration dropped `sentinel` in the scratch database, not in ours.
    assert admin.execute("SELECT to_regclass('sentinel') IS NOT NULL").fetchone()[0]
    admin.close()


def test_rows_per_table_from_configuration(run):
    opts = from_config({"rows": {"public.users": 20, "*": 7, "ghost": 1}})
    assert (opts.rows, opts.rows_per_table) == (7, {"public.users": 20, "ghost": 1})
    report = run(SCHEMA, "CREATE INDEX posts_author ON posts (author_id);", rows=opts.rows,
                 rows_per_table=opts.rows_per_table)
    assert report.seeded == {"users": 20, "posts": 7}
    assert report.seed_problems == [
        "ghost: rows configured for a table that no migration creates"]


def test_rows_flag_replaces_the_configured_mapping(server, tmp_path, capsys, monkeypatch):
    (tmp_path / "001.sql").write_text(SCHEMA)
    (tmp_path / "002.sql").write_text("CREATE INDEX posts_author ON posts (author_id);\n")
    (tmp_path / ".schemalint.yaml").write_text("replay:\n  rows: {users: 12, '*': 3}\n")
    monkeypatch.chdir(tmp_path)
    base = ["replay", ".", "--dsn", server.conninfo(), "--last", "1", "--format", "json"]
    main(base)
    assert json.loads(capsys.readouterr().out)["seeded"] == {"users": 12, "posts": 3}
    main([*base, "--rows", "4"])
    assert json.loads(capsys.readouterr().out)["seeded"] == {"users": 4, "posts": 4}
