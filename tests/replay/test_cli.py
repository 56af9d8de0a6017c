"""`schemalint replay` and `schemalint check --replay` end to end, in process."""

from __future__ import annotations

import json
import subprocess

import pytest

from schemalint.cli import main
from schemalint.discover.source import Migration
from schemalint.errors import UsageError
from schemalint.replay.selection import first_traced

EXAMPLE = "docs/example/migrations"


def test_replay_json_report(server, capsys):
    code = main(["replay", EXAMPLE, "--dsn", server.conninfo(), "--last", "2", "--format", "json",
                 "--rows", "100"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1  # the example's 002 fails on seeded rows (NOT NULL without default)
    assert doc["version"] == 2 and doc["untraced_migrations"] == 1
    failed = [s for s in doc["statements"] if s["status"] == "failed"]
    assert [(s["path"].rsplit("/", 1)[-1], s["line"]) for s in failed] == [("002_add_order_columns.sql", 2)]
    assert "contains null values" in failed[0]["error"]


def test_replay_text_and_markdown(server, capsys):
    assert main(["replay", EXAMPLE, "--dsn", server.conninfo(), "--format", "markdown"]) == 1
    md = capsys.readouterr().out
    assert md.startswith("## schemalint replay") and "### `docs/example/migrations/003_index_orders.sql`" in md
    main(["replay", EXAMPLE, "--dsn", server.conninfo(), "--fail-on", "never"])
    text = capsys.readouterr().out
    assert "== docs/example/migrations/001_create_customers_and_orders.sql" in text
    assert "REWRITE table orders" in text and "cannot run inside a transaction block" in text


def test_check_with_replay_adds_replay_findings(server, capsys):
    code = main(["check", EXAMPLE, "--replay", "--dsn", server.conninfo(), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    rules = {d["rule"] for d in doc["diagnostics"]}
    assert code == 1
    assert "create-index-non-concurrently" in rules  # static
    # Replay's: where no static finding predicted it (the rewrite is carried by
    # add-column-volatile-default: tests/replay/test_confirm.py).
    assert "blocking-lock-without-timeout" in rules


def test_dsn_password_never_printed(server, capsys):
    main(["replay", EXAMPLE, "--dsn", server.conninfo() + " password=hunter2", "--format", "json"])
    main(["replay", EXAMPLE, "--dsn", "host=/nonexistent password=hunter2 connect_timeout=1"])
    out = capsys.readouterr()
    assert "hunter2" not in out.out + out.err
    assert "password=***" in out.err


def test_usage_errors_exit_2(capsys):
    assert main(["replay", EXAMPLE, "--backend", "dsn"]) == 2
    assert "--dsn" in capsys.readouterr().err
    assert main(["replay", EXAMPLE, "--last", "1", "--since", "HEAD"]) == 2
    assert main(["replay", "nope/"]) == 2


def _migs(*names):
    return [Migration(n, "") for n in names]


def test_selection():
    ms = _migs("m/1.sql", "m/2.sql", "m/3.sql")
    assert first_traced(ms) == 0
    assert first_traced(ms, last=2) == 1
    assert first_traced(ms, last=10) == 0
    assert first_traced(ms, from_file="m/3.sql") == 2
    with pytest.raises(UsageError, match="--from"):
        first_traced(ms, from_file="m/9.sql")


def test_since_git_ref(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    (tmp_path / "m").mkdir()
    for n in (1, 2):
        (tmp_path / "m" / f"{n}.sql").write_text("SELECT 1;")
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "0")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "1")
    (tmp_path / "m" / "3.sql").write_text("SELECT 1;")
    ms = [Migration(str(tmp_path / "m" / f"{n}.sql"), "") for n in (1, 2, 3)]
    assert first_traced(ms, since="HEAD", cwd=str(tmp_path)) == 2
    assert first_traced(ms, since="HEAD~1", cwd=str(tmp_path)) == 0
    with pytest.raises(UsageError, match="--since"):
        first_traced(ms, since="no-such-ref", cwd=str(tmp_path))


def _suppression_files(tmp_path, comment: str) -> str:
    (tmp_path / "001.sql").write_text("CREATE TABLE items (id bigint PRIMARY KEY, price int);\n")
    (tmp_path / "002.sql").write_text(comment + "ALTER TABLE items ALTER COLUMN price TYPE bigint;\n")
    return str(tmp_path)


def _rules(doc) -> list[str]:
    return sorted(d["rule"] for d in doc["diagnostics"] if d["path"].endswith("002.sql"))


def test_ignore_comments_apply_to_replay_findings(server, tmp_path, capsys):
    args = ["--replay", "--dsn", server.conninfo(), "--format", "json", "--no-config",
            "--select", "table-rewrite,alter-column-type-rewrites-table"]
    (tmp_path / "plain").mkdir()
    plain = _suppression_files(tmp_path / "plain", "")
    main(["check", plain, *args])
    doc = json.loads(capsys.readouterr().out)
    # One finding per hazard: the static finding carries replay's table-rewrite.
    assert _rules(doc) == ["alter-column-type-rewrites-table"]
    assert doc["diagnostics"][-1]["replay"][0]["rule"] == "table-rewrite"
    # One comment names a static rule and a replay rule: both used, nothing left.
    (tmp_path / "ignored").mkdir()
    ignored = _suppression_files(tmp_path / "ignored", "-- schemalint: ignore[table-rewrite, "
                                 "alter-column-type-rewrites-table] a small table\n")
    assert main(["check", ignored, *args]) == 0
    assert _rules(json.loads(capsys.readouterr().out)) == []
    # Without --replay the replay rule's name is known and, not having run, not unused.
    main(["check", ignored, *args[3:]])
    assert _rules(json.loads(capsys.readouterr().out)) == []
    # With --replay, an ignore of a replay rule that reported nothing is unused.
    (tmp_path / "unused").mkdir()
    unused = _suppression_files(tmp_path / "unused", "-- schemalint: ignore[long-blocking-lock]\n")
    main(["check", unused, *args[:-1], "table-rewrite,long-blocking-lock"])
    assert _rules(json.loads(capsys.readouterr().out)) == ["table-rewrite", "unused-ignore"]


def test_replay_command_honours_ignore_comments(server, tmp_path, capsys):
    path = _suppression_files(tmp_path, "-- schemalint: ignore[table-rewrite]\n")
    main(["replay", path, "--dsn", server.conninfo(), "--format", "json", "--no-config"])
    doc = json.loads(capsys.readouterr().out)
    assert "table-rewrite" not in _rules(doc)
    assert "blocking-lock-without-timeout" in _rules(doc)  # not named by the comment
