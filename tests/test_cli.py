"""The command line: exit codes, inputs, and bad input handled without a traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from schemalint.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "example" / "migrations"


def run_cli(*args, stdin: bytes | None = None, cwd=None):
    proc = subprocess.run(
        [sys.executable, "-m", "schemalint", *args],
        input=stdin, capture_output=True, cwd=cwd, timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def test_example_folder_fires_every_core_rule(capsys):
    assert main(["check", str(EXAMPLE), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == 1
    fired = {d["rule"] for d in doc["diagnostics"]}
    assert {
        "foreign-key-without-index", "table-without-timestamps", "sequential-primary-key",
        "add-column-not-null-without-default", "add-column-volatile-default",
        "set-not-null-on-existing-column", "create-index-non-concurrently",
        "drop-index-non-concurrently", "concurrent-index-in-transaction",
    } <= fired
    first = doc["diagnostics"][0]
    assert set(first) >= {"code", "rule", "severity", "path", "line", "column", "end_line",
                          "end_column", "message", "help"}
    assert doc["summary"]["failed"] is True


def test_clean_file_exits_0(tmp_path, capsys):
    f = tmp_path / "001.sql"
    f.write_text("CREATE INDEX CONCURRENTLY i ON t (a);\n")
    assert main(["check", str(f)]) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_fail_on_threshold(tmp_path, capsys):
    f = tmp_path / "001.sql"
    f.write_text("DROP INDEX i;\n")  # a warning
    assert main(["check", str(f)]) == 0
    assert main(["check", str(f), "--fail-on", "warning"]) == 1
    assert main(["check", str(f), "--fail-on", "never", "--select", "ALL"]) == 0


def test_check_is_the_default_command(capsys):
    assert main([str(EXAMPLE)]) == 1


def test_stdin_with_filename():
    code, out, err = run_cli("check", "-", "--stdin-filename", "db/042_idx.sql",
                             "--select", "create-index-non-concurrently",
                             stdin=b"CREATE INDEX i ON orders (c);\n")
    assert code == 1, err
    assert out.startswith("db/042_idx.sql:1:19: error SL101 [create-index-non-concurrently]")


def test_missing_path_is_a_usage_error():
    code, out, err = run_cli("check", "does/not/exist")
    assert code == 2
    assert "no such file or directory: does/not/exist" in err
    assert "Traceback" not in err


def test_no_paths_is_a_usage_error():
    code, _, err = run_cli("check")
    assert code == 2 and "no paths given" in err


@pytest.mark.parametrize("args,needle", [
    (["--pg-version", "abc"], "--pg-version: invalid PostgreSQL version 'abc'"),
    (["--select", "create-index-non-concurent"],
     "unknown rule 'create-index-non-concurent' (did you mean 'create-index-non-concurrently'?)"),
    (["--format", "yaml"], "--format: unknown format 'yaml'"),
])
def test_bad_options_exit_2_with_a_clear_message(args, needle):
    code, _, err = run_cli("check", str(EXAMPLE), *args)
    assert code == 2 and needle in err and "Traceback" not in err


def test_syntax_error_is_a_finding_with_position(tmp_path):
    f = tmp_path / "001.sql"
    f.write_text("SELECT 1;\nALTER TABLE t ADD COLUMN;\nCREATE INDEX i ON t (a);\n")
    code, out, err = run_cli("check", str(f), "--format", "json")
    assert code == 1, err
    diags = [(d["rule"], d["line"], d["column"]) for d in json.loads(out)["diagnostics"]]
    assert ("parse-error", 2, 25) in diags
    assert ("create-index-non-concurrently", 3, 19) in diags


def test_bom_and_crlf_file(tmp_path):
    f = tmp_path / "001.sql"
    f.write_bytes("\ufeff-- día\r\nCREATE INDEX i ON t (a);\r\n".encode("utf-8"))
    code, out, _ = run_cli("check", str(f), "--format", "json", "--select", "SL101")
    (d,) = json.loads(out)["diagnostics"]
    assert (d["line"], d["column"], d["end_line"], d["end_column"]) == (2, 19, 2, 20)


def test_non_utf8_file_is_reported_and_the_rest_checked(tmp_path):
    (tmp_path / "001.sql").write_bytes(b"SELECT 'caf\xe9';\nCREATE INDEX i ON t (a);\n")
    (tmp_path / "002.sql").write_text("CREATE INDEX j ON t (b);\n")
    code, out, err = run_cli("check", str(tmp_path), "--format", "json", "--select", "SL101")
    assert code == 1, err
    got = {(Path(d["path"]).name, d["rule"], d["line"], d["column"]) for d in json.loads(out)["diagnostics"]}
    assert got == {
        ("001.sql", "invalid-encoding", 1, 12),
        ("001.sql", "create-index-non-concurrently", 2, 19),
        ("002.sql", "create-index-non-concurrently", 1, 19),
    }


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file, so permissions cannot make one unreadable")
def test_unreadable_file_is_reported_and_the_rest_checked(tmp_path):
    bad = tmp_path / "001.sql"
    bad.write_text("SELECT 1;")
    bad.chmod(0)
    (tmp_path / "002.sql").write_text("CREATE INDEX j ON t (b);\n")
    code, out, _ = run_cli("check", str(tmp_path), "--format", "json")
    rules = [d["rule"] for d in json.loads(out)["diagnostics"]]
    assert code == 1 and "unreadable-file" in rules and "create-index-non-concurrently" in rules


def test_broken_symlink_is_reported_and_the_rest_checked(tmp_path):
    (tmp_path / "001.sql").symlink_to(tmp_path / "gone.sql")
    (tmp_path / "002.sql").write_text("CREATE INDEX j ON t (b);\n")
    code, out, _ = run_cli("check", str(tmp_path), "--format", "json", "--select", "SL101")
    got = sorted((Path(d["path"]).name, d["rule"]) for d in json.loads(out)["diagnostics"])
    assert code == 1
    assert got == [("001.sql", "unreadable-file"), ("002.sql", "create-index-non-concurrently")]


def test_natural_order_and_down_files_are_not_folded(tmp_path):
    # 10_ comes after 2_: the table is created in 2_, indexed in 10_ (a later file) -> flagged.
    (tmp_path / "10_index.sql").write_text("CREATE INDEX i ON t (a);\n")
    (tmp_path / "2_create.sql").write_text("CREATE TABLE t (a int);\n")
    # A down file that drops the table must not remove it from the model.
    (tmp_path / "2_create.down.sql").write_text("DROP TABLE t;\n")
    code, out, _ = run_cli("check", str(tmp_path), "--format", "json", "--select",
                           "create-index-non-concurrently")
    got = [(Path(d["path"]).name, d["line"]) for d in json.loads(out)["diagnostics"]]
    assert got == [("10_index.sql", 1)]


def test_text_output_shows_source_and_help_without_color():
    code, out, _ = run_cli("check", str(EXAMPLE / "003_index_orders.sql"))
    assert code == 1
    assert "    1 | CREATE INDEX orders_region_idx ON orders (region);" in out
    assert "      |                                   ^^^^^^" in out
    assert "CREATE INDEX CONCURRENTLY orders_region_idx ON orders (region);" in out
    assert "\x1b[" not in out


def test_color_when_forced():
    code, out, _ = run_cli("check", str(EXAMPLE / "003_index_orders.sql"), "--color")
    assert "\x1b[1;31merror" in out


def test_rules_command_lists_and_describes(capsys):
    assert main(["rules"]) == 0
    assert "create-index-non-concurrently" in capsys.readouterr().out
    assert main(["rules", "--format", "json"]) == 0
    meta = json.loads(capsys.readouterr().out)["rules"]
    rule = next(r for r in meta if r["name"] == "foreign-key-without-index")
    assert rule["code"] == "SL301" and rule["bad"] and rule["good"] and "equivalents" in rule


def test_version_and_help():
    code, out, _ = run_cli("--version")
    assert code == 0 and out.startswith("schemalint ")
    code, out, _ = run_cli("check", "--help")
    assert code == 0 and "--fail-on" in out


@pytest.mark.parametrize("columns", ["50", "100", "240"])
def test_help_text_is_argparses_own_at_any_width(monkeypatch, columns):
    """cli._HelpFormatter measures the terminal lazily (start-up time); the text must be what
    argparse.HelpFormatter writes."""
    import argparse

    from schemalint import cli

    monkeypatch.setenv("COLUMNS", columns)

    def texts():
        out = []
        for only in (None, "check", "replay"):
            parser = cli.build_parser(only=only)
            out.append(parser.format_help())
            out.append(parser.format_usage())
            sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            out += [p.format_help() for name, p in sub.choices.items() if name == (only or "check")]
        return out

    ours = texts()
    monkeypatch.setattr(cli, "_HelpFormatter", argparse.HelpFormatter)
    assert ours == texts()


@pytest.mark.parametrize("argv", [["check", "--bogus"], ["check", "--fail-on", "sometimes"],
                                  ["check", "--version"], ["check", "--help"], ["rules", "-x"]])
def test_a_known_command_parses_as_with_every_subcommand(monkeypatch, capsys, argv):
    """build_parser(only=...) builds only that subcommand's parser (start-up time); usage,
    help and errors must be what the parser with every subcommand gives."""
    from schemalint import cli

    code = main(list(argv))
    ours = (code, *capsys.readouterr())
    full = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda only=None: full(None))
    code = main(list(argv))
    assert ours == (code, *capsys.readouterr())
    assert ours[0] == (0 if "--help" in argv else 2)


def test_command_line_run_leaves_its_objects_to_the_exit(tmp_path):
    # The console script ends with the command: the run's objects are frozen rather than
    # walked by the collector's first pass after its pause, kept rather than freed one by
    # one, and the process ends through process.exit_now, which still runs the atexit
    # handlers and flushes both streams.
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import atexit, gc, sys\n"
        "from schemalint import process\n"
        "from schemalint.cli import main\n"
        "atexit.register(lambda: print('at exit:', gc.get_freeze_count() > 0, gc.isenabled(),\n"
        "                              len(process._kept) > 0, file=sys.stderr))\n"
        f"sys.argv = ['schemalint', 'check', {str(EXAMPLE)!r}, '--no-cache', '--format', 'json']\n"
        "sys.exit(main())\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, timeout=120)
    assert done.stderr == "at exit: True True True\n"
    report = json.loads(done.stdout)  # written whole before the process ended
    assert done.returncode == (1 if report["summary"]["failed"] else 0)


def test_a_caller_that_goes_on_keeps_a_collector_that_frees_everything(capsys):
    # A test, the editor server or a library calls main([...]): nothing is frozen or kept.
    import gc

    from schemalint import process

    gc.unfreeze()
    try:
        main(["check", str(EXAMPLE), "--no-cache"])
        capsys.readouterr()
        assert (gc.get_freeze_count(), gc.isenabled(), process._kept) == (0, True, [])
        assert process.ENDS_AFTER_COMMAND is False
    finally:
        gc.unfreeze()


def test_read_file_reads_past_the_size_its_stat_gave(tmp_path):
    from schemalint.discover.inputs import read_file

    (tmp_path / "001.sql").write_bytes(b"SELECT 1;\n")
    assert read_file(str(tmp_path / "001.sql"))[0] == b"SELECT 1;\n"
    if not os.path.exists("/proc/self/status"):
        pytest.skip("needs a file whose stat says 0 bytes but that holds more (Linux /proc)")
    data, st = read_file("/proc/self/status")
    assert st.st_size == 0 and data.startswith(b"Name:") and data.endswith(b"\n")
