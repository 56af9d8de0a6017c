"""Replay coverage is reported (issue 16): a stop names how many migration files were not
replayed and why, and a pg_version from the configuration asks for a server as --pg-version
does, with the same message naming the servers found and how to get another."""

from __future__ import annotations

import json

import pytest

from schemalint.cli import main
from tests.replay.conftest import BINARIES

# PostgreSQL 16 accepts a subquery in FROM without an alias; 15 rejects it.
NEEDS_16 = "CREATE VIEW v AS SELECT * FROM (SELECT 1 AS one);\n"


def _project(tmp_path, config: str) -> str:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "001.sql").write_text("CREATE TABLE t (id int);\n")
    (tmp_path / "m" / "002.sql").write_text(NEEDS_16)
    (tmp_path / "m" / "003.sql").write_text("ALTER TABLE t ADD COLUMN note text;\n")
    (tmp_path / "m" / "004.sql").write_text("CREATE INDEX t_note ON t (note);\n")
    (tmp_path / ".schemalint.yaml").write_text(config)
    return str(tmp_path / "m")


def test_a_stop_says_how_many_files_were_not_replayed(run):
    report = run("CREATE TABLE t (id int);", "ALTER TABLE nope ADD COLUMN x int;",
                 "ALTER TABLE t ADD COLUMN a int;", "ALTER TABLE t ADD COLUMN b int;", last=3)
    assert report.files == 4 and report.not_replayed == 2
    assert report.stopped == ('002.sql:1: relation "nope" does not exist; 2 later migration file(s) '
                              "not replayed")
    [failed] = [d for d in report.diagnostics if d.rule == "migration-failed"]
    assert failed.message.endswith("the replay stopped here: 2 later migration file(s) of 4 were "
                                   "not replayed")


def test_check_replay_names_the_stop_and_the_server_version_needed(server, tmp_path, monkeypatch, capsys):
    if BINARIES.major >= 16:
        pytest.skip("needs a server older than 16")
    # Checked for 16, replayed on the server found (replay.pg_version says so).
    path = _project(tmp_path, f"pg_version: 16\nreplay:\n  pg_version: {BINARIES.major}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", path, "--replay", "--dsn", server.conninfo(), "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert "schemalint: replay stopped at " in captured.err
    for part in ("002.sql:1: subquery in FROM must have an alias",
                 f"the replay ran on PostgreSQL {BINARIES.version}, older than PostgreSQL 16",
                 "--pg-version 16", "schemalint[embedded]", "--dsn",
                 "2 later migration file(s) not replayed"):
        assert part in captured.err, part
    failed = next(d for d in json.loads(captured.out)["diagnostics"] if d["rule"] == "migration-failed")
    assert "2 later migration file(s) of 4 were not replayed" in failed["message"]


def _missing_major() -> int:
    from schemalint.replay import local

    major = next((m for m in (17, 16, 14, 13) if local.find_binaries(None, m) is None), None)
    if major is None or BINARIES is None:
        pytest.skip("needs server binaries, and a major version without them")
    return major


def test_pg_version_from_the_config_asks_for_that_server_as_the_flag_does(tmp_path, monkeypatch, capsys):
    major = _missing_major()
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/docker.sock")  # no engine either
    path = _project(tmp_path, f"pg_version: {major}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["replay", path]) == 2
    from_config = capsys.readouterr().err
    assert main(["replay", path, "--no-config", "--pg-version", str(major)]) == 2
    from_flag = capsys.readouterr().err
    for err, asked in ((from_config, f"pg_version: {major} in .schemalint.yaml:1"),
                       (from_flag, f"--pg-version {major}")):
        assert f"{asked}: no PostgreSQL {major} server binaries found, only PostgreSQL " in err
        for way in (f"apt-get install postgresql-{major}", "schemalint[embedded]",
                    f"postgres:{major}-alpine", f"--dsn of an existing PostgreSQL {major} server"):
            assert way in err, way
    assert f"drop --pg-version: without it, replay uses PostgreSQL {BINARIES.version}" in from_flag
    assert (f"set `pg_version: {BINARIES.major}` in the configuration's replay table"
            in from_config)


def test_pg_version_from_the_config_is_checked_against_a_dsn(server, tmp_path, monkeypatch, capsys):
    major = _missing_major()
    path = _project(tmp_path, f"pg_version: {major}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", path, "--replay", "--dsn", server.conninfo()]) == 2
    err = capsys.readouterr().err
    assert (f"pg_version: {major} in .schemalint.yaml:1: the server at --dsn " in err
            and f"runs PostgreSQL {BINARIES.version}" in err)
