"""The query-plan gate from the command line: `--queries`, `replay.queries`, `--base`,
`check --replay --changed-since`, usage errors (exit 2), SARIF's related location, and a
server without HypoPG (this module's: nothing installs it in template1)."""

from __future__ import annotations

import json
import subprocess

from schemalint.cli import main

CREATE = ("CREATE TABLE customers (id bigint PRIMARY KEY, email text);\n"
          "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\n"
          "CREATE INDEX orders_customer_idx ON orders (customer_id);\n")
CHANGE = "ALTER TABLE customers ADD COLUMN phone text;\nDROP INDEX orders_customer_idx;\n"
QUERIES = ("-- name: orders_of_customer\n-- params: 42\nSELECT * FROM orders WHERE customer_id = $1;\n"
           "-- name: by_email\nSELECT id FROM customers WHERE email = $1;\n")


def project(tmp_path, git: bool = False):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_create.sql").write_text(CREATE)
    (tmp_path / "queries.sql").write_text(QUERIES)
    if git:
        def run(*args):
            subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)
        run("init", "-q")
        run("add", "-A")
        run("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "base")
    (tmp_path / "migrations" / "002_change.sql").write_text(CHANGE)
    if git:
        run("add", "-A")
        run("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "change")
    return tmp_path


def test_bad_queries_file_is_a_usage_error_at_its_position(tmp_path, capsys):
    project(tmp_path)
    bad = tmp_path / "bad.sql"
    bad.write_text("SELECT 1;\nDROP TABLE orders;\n")
    code = main(["replay", str(tmp_path / "migrations"), "--queries", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and f"{bad}:2:1: not a query (Drop)" in err and "Traceback" not in err


def test_queries_need_replay_in_check(tmp_path, capsys):
    project(tmp_path)
    code = main(["check", str(tmp_path / "migrations"), "--queries", str(tmp_path / "queries.sql")])
    assert code == 2 and "add --replay" in capsys.readouterr().err


def test_replay_with_queries_and_without_hypopg(server, tmp_path, capsys):
    project(tmp_path)
    code = main(["replay", str(tmp_path / "migrations"), "--dsn", server.conninfo(), "--last", "1",
                 "--rows", "20000", "--queries", str(tmp_path / "queries.sql")])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{tmp_path}/queries.sql:3:1: error SL802 [query-plan-regression]" in out
    assert out.count("no index advice: HypoPG is not available on the replay server (permission "
                     "denied to create extension \"hypopg\"); with --dsn, a superuser can create "
                     "it in template1") == 1
    assert "      advice:" not in out


def test_configured_queries_and_params_relative_to_the_configuration(server, tmp_path, capsys,
                                                                     monkeypatch):
    project(tmp_path)
    (tmp_path / ".schemalint.yaml").write_text(
        "replay:\n  queries: [queries.sql]\n  query_params: {by_email: \"'a@b'\"}\n"
        "  seq_scan_rows: 100\n")
    monkeypatch.chdir(tmp_path)
    main(["replay", "migrations", "--dsn", server.conninfo(), "--last", "1", "--rows", "2000",
          "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    by_name = {q["name"]: q for q in doc["queries"]["results"]}
    assert by_name["by_email"]["params"] == ["a@b"]
    codes = {(d["code"], d["line"]) for d in doc["diagnostics"] if d["code"].startswith("SL8")}
    assert codes == {("SL802", 3), ("SL801", 5)}  # 2,000 rows > seq_scan_rows 100


def test_check_replay_changed_since_reports_findings_blamed_on_changed_files(server, tmp_path,
                                                                            capsys, monkeypatch):
    project(tmp_path, git=True)
    monkeypatch.chdir(tmp_path)
    code = main(["check", "migrations", "--replay", "--dsn", server.conninfo(), "--rows", "20000",
                 "--queries", "queries.sql", "--changed-since", "HEAD~1", "--format", "sarif"])
    doc = json.loads(capsys.readouterr().out)
    results = [r for r in doc["runs"][0]["results"] if r["ruleId"].startswith("SL8")]
    # The regression is blamed on 002 (changed): reported though queries.sql did not change;
    # the scan of `customers` was there at the base (001): not this change's, not reported.
    assert [r["ruleId"] for r in results] == ["SL802"]
    [related] = results[0]["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"].endswith("migrations/002_change.sql")
    assert related["physicalLocation"]["region"] == {"startLine": 2}
    assert code == 1


def test_check_json_names_the_blamed_statement(server, tmp_path, capsys, monkeypatch):
    from importlib import resources

    import jsonschema

    project(tmp_path, git=True)
    monkeypatch.chdir(tmp_path)
    code = main(["check", "migrations", "--replay", "--dsn", server.conninfo(), "--rows", "20000",
                 "--queries", "queries.sql", "--changed-since", "HEAD~1", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    schema = json.loads(resources.files("schemalint").joinpath("report.schema.json").read_text())
    jsonschema.validate(doc, schema)
    [finding] = [d for d in doc["diagnostics"] if d["code"].startswith("SL8")]
    assert finding["code"] == "SL802" and finding["line"] == 3
    assert finding["related"] == [{"path": "migrations/002_change.sql", "line": 2,
                                   "message": "the migration statement blamed"}]
    assert all("related" not in d for d in doc["diagnostics"] if not d["code"].startswith("SL8"))
    assert code == 1


def test_replay_base_flag_sets_the_base(server, tmp_path, capsys, monkeypatch):
    project(tmp_path, git=True)
    monkeypatch.chdir(tmp_path)
    main(["replay", "migrations", "--dsn", server.conninfo(), "--rows", "20000", "--queries",
          "queries.sql", "--base", "HEAD~1", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["queries"]["base"] == "migrations/002_change.sql"
    assert doc["untraced_migrations"] == 1


def test_check_silences_a_queries_file_through_overrides(server, tmp_path, capsys, monkeypatch):
    project(tmp_path)
    monkeypatch.chdir(tmp_path)
    args = ["check", "migrations", "--replay", "--dsn", server.conninfo(), "--rows", "20000",
            "--queries", "queries.sql", "--format", "json"]

    def query_codes() -> list[str]:
        main(args)
        doc = json.loads(capsys.readouterr().out)
        return sorted(d["code"] for d in doc["diagnostics"] if d["code"].startswith("SL8"))

    # No base (no --changed-since): the scans after the migrations.
    assert query_codes() == ["SL801", "SL801"]
    (tmp_path / ".schemalint.yaml").write_text(
        "overrides:\n  - paths: [queries.sql]\n    ignore: [queries]\n")
    assert query_codes() == []


def test_check_markdown_has_a_section_per_query(server, tmp_path, capsys, monkeypatch):
    project(tmp_path)
    monkeypatch.chdir(tmp_path)
    main(["check", "migrations", "--replay", "--dsn", server.conninfo(), "--rows", "20000",
          "--queries", "queries.sql", "--format", "markdown"])
    md = capsys.readouterr().out
    assert "<summary><code>queries.sql</code> query <code>orders_of_customer</code>: 1 warning" in md
    assert "<summary><code>queries.sql</code> query <code>by_email</code>: 1 warning" in md


def test_threshold_flags_win_over_the_configuration(tmp_path, monkeypatch):
    from schemalint.cli import build_parser
    from schemalint.commands.common import settings_from
    from schemalint.commands.replay import replay_options

    project(tmp_path)
    (tmp_path / ".schemalint.yaml").write_text("replay:\n  seq_scan_rows: 100\n  plan_cost_ratio: 3\n")
    monkeypatch.chdir(tmp_path)

    def options(*extra):
        return replay_options(settings_from(build_parser().parse_args(["replay", "migrations", *extra])))

    configured = options()
    assert (configured.seq_scan_rows, configured.plan_cost_ratio) == (100, 3.0)
    flagged = options("--seq-scan-rows", "0", "--plan-cost-ratio", "1.5")
    assert (flagged.seq_scan_rows, flagged.plan_cost_ratio) == (0, 1.5)


def test_bad_threshold_flags_are_usage_errors(tmp_path, capsys):
    project(tmp_path)
    for flag, value, said in (("--seq-scan-rows", "-1", "expected a number >= 0, got '-1'"),
                              ("--seq-scan-rows", "1e4", "expected a whole number, got '1e4'"),
                              ("--plan-cost-ratio", "0.5", "expected a finite number >= 1, got '0.5'"),
                              ("--plan-cost-ratio", "nan", "expected a finite number >= 1, got 'nan'"),
                              ("--plan-cost-ratio", "twice", "expected a number, got 'twice'")):
        for command in (["replay"], ["check", "--replay"]):
            code = main([*command, str(tmp_path / "migrations"), flag, value])
            err = capsys.readouterr().err
            assert code == 2 and f"{flag}: {said}" in err and "Traceback" not in err, (command, err)


def test_threshold_flags_need_replay_in_check(tmp_path, capsys):
    project(tmp_path)
    code = main(["check", str(tmp_path / "migrations"), "--plan-cost-ratio", "3"])
    assert code == 2 and "--plan-cost-ratio: a threshold of the query-plan gate" in capsys.readouterr().err


def test_seq_scan_rows_flag_replaces_the_configured_threshold(server, tmp_path, capsys, monkeypatch):
    project(tmp_path)
    (tmp_path / ".schemalint.yaml").write_text("replay:\n  queries: [queries.sql]\n  seq_scan_rows: 100\n")
    monkeypatch.chdir(tmp_path)
    main(["replay", "migrations", "--dsn", server.conninfo(), "--last", "1", "--rows", "2000",
          "--seq-scan-rows", "5000", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    codes = {(d["code"], d["line"]) for d in doc["diagnostics"] if d["code"].startswith("SL8")}
    assert codes == {("SL802", 3)}  # 2,000 rows are not above --seq-scan-rows 5000
