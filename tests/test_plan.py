"""`schemalint plan` (issue 14, class 9): the apply order, layouts, transactions, templating and
skipped files, as text and JSON; `check --format json`'s summary gives each directory's layout."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from schemalint.cli import main

FILES = {
    # plain, with templating; the base file before its companion
    "db/core/001_schema.sql": "\\set owner app\nCREATE SCHEMA {{ index .Options \"Namespace\" }} AUTHORIZATION :owner;\n",
    "db/core/001_schema-grants.sql": "GRANT USAGE ON SCHEMA ${schema} TO :reader;\n",
    "db/core/002_events.sql.postgres": "CREATE TABLE events (id bigserial PRIMARY KEY);\n",
    "db/core/002_events.sql.sqlite": "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT);\n",
    "db/core/003_tmp.sql": "SELECT 1;\n",
    # goose: two sections
    "db/goose/001_users.sql": "-- +goose Up\nCREATE TABLE users (id bigint);\n-- +goose Down\nDROP TABLE users;\n",
    # pop
    "db/pop/1_a.up.sql": "CREATE TABLE a (id int);\n",
    "db/pop/1_a.postgres.up.sql": "CREATE TABLE a (id bigint PRIMARY KEY);\n",
    "db/pop/1_a.sqlite3.up.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
    "db/pop/1_a.down.sql": "DROP TABLE a;\n",
    "db/pop/2_b.autocommit.up.sql": "CREATE INDEX CONCURRENTLY a_id ON a (id);\n",
    "db/pop/2_b.autocommit.down.sql": "DROP INDEX CONCURRENTLY a_id;\n",
    # sqitch without a plan
    "db/sqitch/deploy/widgets.sql": "BEGIN;\nCREATE TABLE widgets (id bigint);\nCOMMIT;\n",
    "db/sqitch/revert/widgets.sql": "BEGIN;\nDROP TABLE widgets;\nCOMMIT;\n",
    "db/sqitch/verify/widgets.sql": "SELECT id FROM widgets WHERE FALSE;\n",
}
CONFIG = """\
exclude: ["db/core/003_tmp.sql"]
placeholders:
  Namespace: auth
"""

EXPECTED_TEXT = """\
Directories:
  db/core    plain: 3 files, 2 skipped
  db/goose   goose: 1 file, 0 skipped
  db/pop     pop: 4 files, 2 skipped
  db/sqitch  sqitch: 2 files, 1 skipped

Apply order:
  #   direction  transaction   layout  file
   1  up         no (assumed)  plain   db/core/001_schema.sql
      rendered: psql, go/jinja; placeholders: owner (set), Namespace (config)
   2  up         no (assumed)  plain   db/core/001_schema-grants.sql
      rendered: psql, flyway; placeholders: reader (unset), schema (unset)
   3  up         no (assumed)  plain   db/core/002_events.sql.postgres
   4  up         yes           goose   db/goose/001_users.sql
      section 1 of 2
   5  down       yes           goose   db/goose/001_users.sql
      section 2 of 2
   6  up         yes           pop     db/pop/1_a.postgres.up.sql
   7  down       yes           pop     db/pop/1_a.down.sql
   8  up         no            pop     db/pop/2_b.autocommit.up.sql
   9  down       no            pop     db/pop/2_b.autocommit.down.sql
  10  up         no            sqitch  db/sqitch/deploy/widgets.sql
      layout-problem: no sqitch.plan in db/sqitch or the directory above: the deploy scripts were \
checked in name order, each followed by its revert; sqitch deploys only the changes of a plan, in its order
  11  down       no            sqitch  db/sqitch/revert/widgets.sql

Skipped (5):
  db/core/002_events.sql.sqlite: sqlite variant: not PostgreSQL's [other-dialect]
  db/core/003_tmp.sql: left out by the configuration's include/exclude [excluded]
  db/pop/1_a.sqlite3.up.sql: sqlite3 variant: not PostgreSQL's [other-dialect]
  db/pop/1_a.up.sql: generic file: the postgres variant 1_a.postgres.up.sql replaces it [replaced]
  db/sqitch/verify/widgets.sql: sqitch verify script: queries that test a deploy, not a migration \
[verify-script]

11 migrations from 10 files, 5 skipped (1 excluded, 2 other-dialect, 1 replaced, 1 verify-script)
"""


# One argument per directory: detection is per directory argument (docs/layouts.md).
DIRS = ["db/core", "db/goose", "db/pop", "db/sqitch"]


@pytest.fixture
def project(tmp_path, monkeypatch):
    for rel, text in FILES.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / ".schemalint.yaml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_plan_text(project, capsys):
    assert main(["plan", *DIRS]) == 0
    assert capsys.readouterr().out == EXPECTED_TEXT


def test_plan_json(project, capsys):
    assert main(["plan", *DIRS, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == 1
    assert doc["migrations"][0] == {
        "order": 1, "path": "db/core/001_schema.sql", "layout": "plain", "direction": "up",
        "transaction": False, "transaction_from": "assume_in_transaction", "section": None,
        "template": {"kinds": ["psql", "go/jinja"],
                     "placeholders": [{"name": "owner", "value_from": "set"},
                                      {"name": "Namespace", "value_from": "config"}]},
        "problems": []}
    assert [(m["path"], m["direction"], m["transaction"], m["transaction_from"]) for m in doc["migrations"][3:9]] == [
        ("db/goose/001_users.sql", "up", True, "layout"), ("db/goose/001_users.sql", "down", True, "layout"),
        ("db/pop/1_a.postgres.up.sql", "up", True, "layout"), ("db/pop/1_a.down.sql", "down", True, "layout"),
        ("db/pop/2_b.autocommit.up.sql", "up", False, "layout"),
        ("db/pop/2_b.autocommit.down.sql", "down", False, "layout")]
    assert doc["migrations"][3]["section"] == {"index": 1, "of": 2}
    assert doc["skipped"][3] == {"path": "db/pop/1_a.up.sql", "layout": "pop", "kind": "replaced",
                                 "reason": "generic file: the postgres variant 1_a.postgres.up.sql replaces it"}
    assert doc["directories"] == [
        {"directory": "db/core", "layout": "plain", "files": 3, "skipped": 2},
        {"directory": "db/goose", "layout": "goose", "files": 1, "skipped": 0},
        {"directory": "db/pop", "layout": "pop", "files": 4, "skipped": 2},
        {"directory": "db/sqitch", "layout": "sqitch", "files": 2, "skipped": 1}]
    assert doc["summary"] == {"files": 10, "migrations": 11, "skipped": 5, "unreadable": 0,
                              "skipped_by_kind": {"excluded": 1, "other-dialect": 2, "replaced": 1,
                                                  "verify-script": 1}}


def test_plan_takes_checks_discovery_flags(project, capsys):
    assert main(["plan", "db/core", "--no-config", "--layout", "plain", "--assume-in-transaction",
                 "-f", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # Without the configuration: 003_tmp.sql is not excluded, Namespace has no value.
    assert [m["path"] for m in doc["migrations"]] == [
        "db/core/001_schema.sql", "db/core/001_schema-grants.sql", "db/core/002_events.sql.postgres",
        "db/core/003_tmp.sql"]
    assert {(m["transaction"], m["transaction_from"]) for m in doc["migrations"]} == {
        (True, "assume_in_transaction")}
    assert doc["migrations"][0]["template"]["placeholders"][1] == {"name": "Namespace", "value_from": "unset"}
    assert main(["plan", "db", "--format", "sarif"]) == 2
    assert "choose text or json" in capsys.readouterr().err
    assert main(["plan", "db", "--layout", "nope"]) == 2


def test_check_json_summary_gives_each_directorys_layout(project, capsys):
    main(["check", *DIRS, "--format", "json", "--no-cache"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["layouts"] == [
        {"directory": "db/core", "layout": "plain", "files": 3, "skipped": 2},
        {"directory": "db/goose", "layout": "goose", "files": 1, "skipped": 0},
        {"directory": "db/pop", "layout": "pop", "files": 4, "skipped": 2},
        {"directory": "db/sqitch", "layout": "sqitch", "files": 2, "skipped": 1}]
    schema = json.loads(resources.files("schemalint").joinpath("report.schema.json").read_text())
    jsonschema.validate(doc, schema)
    # The other formats' summaries do not change.
    main(["check", *DIRS, "--format", "text", "--no-cache"])
    assert "layout" not in capsys.readouterr().out.splitlines()[-1]


def test_plan_of_standard_input(project, capsys, monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"-- migrate:up\nSELECT 1;\n")))
    assert main(["plan", "-", "--stdin-filename", "x.sql", "-f", "json", "--no-config"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(m["path"], m["layout"], m["transaction"]) for m in doc["migrations"]] == [("x.sql", "dbmate", True)]
    assert doc["directories"] == [{"directory": ".", "layout": "dbmate", "files": 1, "skipped": 0}]


def test_plan_is_a_documented_command():
    root = Path(__file__).resolve().parents[1]
    assert "schemalint plan" in (root / "README.md").read_text(encoding="utf-8")
    assert "schemalint plan" in (root / "docs" / "layouts.md").read_text(encoding="utf-8")


def test_the_example_in_docs_layouts_is_what_plan_prints(tmp_path, monkeypatch, capsys):
    import re

    doc = (Path(__file__).resolve().parents[1] / "docs" / "layouts.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n\$ (schemalint plan [^\n]*)\n(.*?)```", doc, re.S)
    command, expected = block.group(1).split()[1:], block.group(2)
    for rel, text in FILES.items():
        if rel.startswith(("db/core/001_schema.sql", "db/core/002", "db/pop/")):
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / rel).write_text(text, encoding="utf-8")
    (tmp_path / ".schemalint.yaml").write_text("placeholders:\n  Namespace: auth\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(command) == 0
    assert capsys.readouterr().out == expected
